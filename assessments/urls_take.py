"""Exam pages for candidates and the proctors' monitor (included at the site root)."""

from django.urls import path

from assessments import views_take

urlpatterns = [
    path("assessments/take/", views_take.take_list, name="take_list"),
    path("assessments/take/<int:exam_id>/", views_take.take_exam, name="take_exam"),
    path("assessments/take/<int:exam_id>/result/", views_take.take_result, name="take_result"),
    path("assessments/exams/<int:exam_id>/monitor/", views_take.take_monitor, name="take_monitor"),
    path(
        "assessments/exams/<int:exam_id>/monitor/action/",
        views_take.take_monitor_action,
        name="take_monitor_action",
    ),
]
