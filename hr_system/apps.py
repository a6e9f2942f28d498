from axes.apps import AppConfig as AxesConfig
from django.apps import AppConfig


class HrSystemConfig(AppConfig):
    default = True  # the app's own config; LockoutConfig below is django-axes'
    name = "hr_system"
    verbose_name = "Tổ chức và nhân sự"


class LockoutConfig(AxesConfig):
    """django-axes (login lockout) under a Vietnamese name in the admin; its models' and
    fields' names come from locale/vi."""

    verbose_name = "Khóa đăng nhập"
