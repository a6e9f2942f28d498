"""Signature pages (included at the site root by hr_system/urls.py)."""

from django.urls import path

from hr_system.signatures import views

urlpatterns = [
    path("signatures/verify/", views.verify, name="signature_verify"),
    path("signatures/credentials/", views.credential_list, name="signing_credential_list"),
    path("signatures/credentials/new/", views.credential_edit, name="signing_credential_create"),
    path("signatures/credentials/<int:pk>/", views.credential_detail, name="signing_credential_detail"),
    path("signatures/credentials/<int:pk>/edit/", views.credential_edit, name="signing_credential_edit"),
    path("signatures/credentials/<int:pk>/try/", views.credential_try, name="signing_credential_try"),
]
