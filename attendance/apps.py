from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = "Chấm công"

    def ready(self) -> None:
        from attendance.metrics import attendance_metrics
        from hr_system import metrics

        metrics.register(attendance_metrics)

        from attendance import panels as attendance_panels
        from hr_system import panels

        panels.register_profile_section(attendance_panels.employee_month)
        panels.register_dashboard_panel(attendance_panels.my_today)
        panels.register_dashboard_panel(attendance_panels.pending_approvals)
        panels.register_dashboard_panel(attendance_panels.todays_absences)
