from django.contrib import admin

from hr_system.models import ApiToken, AuditLog, Employee, OrgUnit, OrgUnitSuccession, Role, WorkerHeartbeat


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "parent", "valid_from", "valid_to")
    list_filter = ("kind",)
    search_fields = ("name", "code", "admin_code")
    readonly_fields = ("path", "depth")

    def save_model(self, request, obj, form, change):
        # Keep the materialised path right whether the unit is new or re-parented.
        if not change:
            fields = {f: form.cleaned_data[f] for f in form.cleaned_data if f != "parent"}
            new = OrgUnit.add(parent=form.cleaned_data.get("parent"), **fields)
            obj.pk, obj.path, obj.depth = new.pk, new.path, new.depth
            return
        parent_changed = "parent" in form.changed_data
        super().save_model(request, obj, form, change)
        if parent_changed:
            obj.move_under(obj.parent)


@admin.register(OrgUnitSuccession)
class OrgUnitSuccessionAdmin(admin.ModelAdmin):
    list_display = ("predecessor", "successor", "effective_date", "resolution")


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin):
    list_display = ("code", "full_name", "category", "job_title", "unit")
    list_filter = ("category",)
    search_fields = ("code", "full_name")
    raw_id_fields = ("user", "unit")


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "unit")
    list_filter = ("kind",)
    raw_id_fields = ("user", "unit")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "hint", "created_at", "last_used_at", "revoked_at")
    exclude = ("digest",)
    readonly_fields = ("hint", "created_at", "last_used_at")


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "action", "object_type", "object_id")
    list_filter = ("action",)

    # Append-only: records come from AuditLog.record (chained), never from a form.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    """Written by the workers themselves; shown, never edited."""

    list_display = ("name", "host", "pid", "beat_at", "last_step_ok")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
