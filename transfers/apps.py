from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "transfers"
    verbose_name = "Điều động, biệt phái, thi tuyển lãnh đạo"
