"""Personal-data pages (included at the site root by hr_system/urls.py)."""

from django.urls import path

from hr_system import privacy_views

urlpatterns = [
    path("me/data/", privacy_views.my_data, name="my_data"),
    path("me/data.json", privacy_views.my_data_json, name="my_data_json"),
    path("me/data.pdf", privacy_views.my_data_pdf, name="my_data_pdf"),
    path("privacy/register/", privacy_views.processing_register, name="processing_register"),
    path("privacy/register.xlsx", privacy_views.processing_register_xlsx, name="processing_register_xlsx"),
]
