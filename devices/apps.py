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

        from django.core import checks

        from devices.retention import consent_withdrawn
        from devices.template_crypto import check_template_keys
        from hr_system import actions

        checks.register(check_template_keys)
        actions.on_consent_withdrawn(consent_withdrawn)
