from django import forms
from django.contrib import admin

from devices.models import Device, DeviceCommand, FingerTemplate, Punch, SyncRun


class DeviceAdminForm(forms.ModelForm):
    # The comm key is write-only: never rendered back into the page.
    comm_key = forms.IntegerField(required=False, min_value=0, widget=forms.PasswordInput(render_value=False))

    class Meta:
        model = Device
        fields = [
            "name",
            "unit",
            "extra_units",
            "host",
            "port",
            "transport",
            "comm_key",
            "timezone",
            "enabled",
            "approved",
            "poll_interval",
            "clock_policy",
            "clock_tolerance",
            "log_policy",
        ]

    def clean_comm_key(self):
        value = self.cleaned_data.get("comm_key")
        if value is None and self.instance.pk:
            return self.instance.comm_key  # left blank: keep the stored key
        return value or 0


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    form = DeviceAdminForm
    list_display = (
        "name",
        "unit",
        "transport",
        "host",
        "port",
        "enabled",
        "approved",
        "last_contact_at",
        "record_count",
    )
    list_filter = ("transport", "enabled", "approved")
    search_fields = ("name", "host", "serial_number")
    readonly_fields = (
        "serial_number",
        "firmware",
        "platform",
        "last_contact_at",
        "last_success_at",
        "last_error",
        "clock_drift",
        "user_count",
        "record_count",
        "record_capacity",
        "synced_through",
        "failures",
        "next_poll_at",
        "push_stamp",
    )


@admin.register(Punch)
class PunchAdmin(admin.ModelAdmin):
    list_display = ("device", "device_user_id", "local_time", "timestamp", "source", "employee")
    list_filter = ("source", "device")
    search_fields = ("device_user_id",)

    # Raw punches are append-only: corrections belong to attendance.
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ("device", "kind", "started_at", "ok", "fetched", "new", "duplicates", "invalid", "error")
    list_filter = ("ok", "kind")


@admin.register(DeviceCommand)
class DeviceCommandAdmin(admin.ModelAdmin):
    list_display = ("device", "command", "status", "created_at", "return_code")


@admin.register(FingerTemplate)
class FingerTemplateAdmin(admin.ModelAdmin):
    list_display = ("device_user_id", "finger", "source_device", "updated_at")
    exclude = ("template",)
