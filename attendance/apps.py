from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = "Chấm công"

    def ready(self) -> None:
        from attendance.metrics import attendance_metrics
        from hr_system import metrics

        metrics.register(attendance_metrics)
