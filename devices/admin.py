from django import forms
from django.contrib import admin

from devices import actions
from devices.models import Device, DeviceCommand, FingerTemplate, Punch, PunchCommitment, SyncRun, TemplateAccess

# A change of these may give unattached punches of this clock their people.
SERVICE_FIELDS = {"unit", "extra_units", "accepts_subtree", "approved"}


class DeviceAdminForm(forms.ModelForm):
    # The comm key is write-only: never rendered back into the page.
    comm_key = forms.IntegerField(required=False, min_value=0, widget=forms.PasswordInput(render_value=False))

    class Meta:
        model = Device
        fields = [
            "name",
            "unit",
            "extra_units",
            "accepts_subtree",
            "host",
            "port",
            "transport",
            "serial_number",
            "comm_key",
            "timezone",
            "enabled",
            "file_source",
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
        "serial_number",
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
        "registered_from",
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

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        changed = set(form.changed_data)
        if change and Device.CONNECTION_FIELDS & changed:
            form.instance.clear_backoff()  # a corrected key or address is tried at once
        if SERVICE_FIELDS & changed:
            actions.attach_orphan_punches(device=form.instance)


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


@admin.register(PunchCommitment)
class PunchCommitmentAdmin(admin.ModelAdmin):
    """Written by `commit_punches` only; shown so the day's digest can be read out (and
    published elsewhere), never edited."""

    list_display = ("day", "digest", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
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


@admin.register(TemplateAccess)
class TemplateAccessAdmin(admin.ModelAdmin):
    """Read-only: the log of template reads is evidence, not data to edit."""

    list_display = ("at", "device_user_id", "finger", "purpose", "device", "user", "worker")
    list_filter = ("purpose",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
