from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "devices"
    verbose_name = "Máy chấm công"

    def ready(self) -> None:
        from devices.metrics import device_metrics
        from hr_system import metrics

        metrics.register(device_metrics)

        from devices.panels import clocks_to_check
        from hr_system import panels

        panels.register_dashboard_panel(clocks_to_check)
