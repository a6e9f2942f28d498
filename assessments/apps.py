from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Đánh giá năng lực"

    def ready(self) -> None:
        from assessments.metrics import assessment_metrics
        from hr_system import metrics

        metrics.register(assessment_metrics)

        from assessments import panels as assessment_panels
        from hr_system import panels

        panels.register_profile_section(assessment_panels.exams_sat)
        panels.register_dashboard_panel(assessment_panels.open_exams)
