from django.contrib import admin

from hr_system.models import (
    ApiToken,
    AuditLog,
    Consent,
    Employee,
    OrgUnit,
    OrgUnitSuccession,
    Role,
    SignedDocument,
    SigningCredential,
    WorkerHeartbeat,
)


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


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    """Shown only: consents are recorded and withdrawn on the employee page (audited,
    and withdrawing deletes the stored templates), never edited here."""

    list_display = ("employee", "purpose", "given_at", "withdrawn_at")
    list_filter = ("purpose",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SigningCredential)
class SigningCredentialAdmin(admin.ModelAdmin):
    """Where signing keys live (no secret is stored; the PKCS#11 module must also be in
    settings.SIGNING_PKCS11_MODULES for signing to load it). Officers use the
    "Chứng thư ký số" pages, which are scoped to their subtree."""

    list_display = ("label", "unit", "purpose", "kind", "holder", "active")
    list_filter = ("purpose", "kind", "active")
    search_fields = ("label", "token_label", "key_label", "unit__name")
    raw_id_fields = ("unit", "holder", "created_by")


@admin.register(SignedDocument)
class SignedDocumentAdmin(admin.ModelAdmin):
    """Signed documents are written by hr_system.signed_documents (sign, void); the
    stored bytes must match the digest, so nothing here is editable."""

    list_display = ("title", "kind", "unit", "signer_name", "signed_at", "status", "sha256")
    list_filter = ("kind", "status")
    search_fields = ("title", "subject_key", "sha256", "signer_name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
