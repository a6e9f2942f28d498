"""Exam managers' pages (included at the site root, next to the monitor's URLs)."""

from django.urls import path

from assessments import views_exams

urlpatterns = [
    path("assessments/exams/", views_exams.exam_list, name="exam_list"),
    path("assessments/exams/new/", views_exams.exam_create, name="exam_create"),
    path("assessments/exams/<int:exam_id>/", views_exams.exam_detail, name="exam_detail"),
]
