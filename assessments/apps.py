from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Đánh giá năng lực"

    def ready(self) -> None:
        from assessments.metrics import assessment_metrics
        from hr_system import metrics

        metrics.register(assessment_metrics)
