from django.apps import AppConfig


class HrSystemConfig(AppConfig):
    name = "hr_system"
    verbose_name = "Tổ chức và nhân sự"
