from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "transfers"
    verbose_name = "Điều động, biệt phái, thi tuyển lãnh đạo"

    def ready(self) -> None:
        from hr_system import panels
        from transfers.panels import transfer_history, transfer_tasks

        panels.register_profile_section(transfer_history)
        panels.register_dashboard_panel(transfer_tasks)
