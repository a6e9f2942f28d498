"""Writes that touch several rows or models, each atomic and audited."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from hr_system import access, roster
from hr_system.models import AuditLog, Employee, OrgUnit, SigningCredential
from hr_system.uploads import ImportReport, Rejected

# The upsert also rewrites the derived search and sort columns (EmployeeQuerySet.bulk_create).
UPDATABLE_FIELDS = [f for f, _, _ in roster.COLUMNS if f not in ("code", "unit")] + ["unit", "updated_at"]

# An attendance code held by someone (in the caller's scope or not): the answer is the
# same either way and names no person, unit or date of the holder.
CODE_TAKEN = "Mã chấm công đã được sử dụng."
# The same for a citizen-ID number (căn cước): never say whose it is.
CITIZEN_ID_TAKEN = "Số định danh cá nhân này đã được dùng cho cán bộ khác."


def citizen_id_taken(value: str | None, *, exclude_pk: int | None = None) -> bool:
    """Whether another employee (in scope or not) already holds this citizen-ID number."""
    if not value:
        return False
    return Employee.objects.filter(citizen_id=value).exclude(pk=exclude_pk).exists()


@dataclass
class EmployeeImportReport(ImportReport):
    """A roster import; each rejected row names its employee code."""

    def as_dict(self) -> dict:
        return {
            "total_rows": self.total_rows,
            "created": self.created,
            "updated": self.updated,
            "rejected": [{"row": r.row, "code": r.code, "reason": r.reason} for r in self.rejected],
            "written": self.written,
            "dry_run": self.dry_run,
        }


def import_employees(
    *, acting_user, data: bytes, filename: str, import_valid_rows: bool = False, dry_run: bool = False
) -> EmployeeImportReport:
    """Create or update employees from a roster file.

    With any rejected row nothing is written unless the caller explicitly asked to
    import the valid rows. `acting_user=None` means the command line (full scope);
    otherwise rows may only target units the user manages, and a code that belongs
    to someone outside the user's scope is rejected without saying whose it is.
    Raises uploads.UploadRejected (roster.RosterFileError among them) when the file
    itself is unreadable or over the upload limits.
    """
    rows = roster.read_rows(data, filename)
    units = OrgUnit.objects.all() if acting_user is None else access.units_for(acting_user, write=True)
    unit_ids = dict(units.values_list("code", "pk"))
    checked = roster.validate(rows, unit_ids)
    report = EmployeeImportReport(dry_run=dry_run, total_rows=len(rows), rejected=list(checked.rejected))

    existing = {code: (pk, unit_id) for code, pk, unit_id in Employee.objects.values_list("code", "pk", "unit_id")}
    # Citizen-ID numbers held, and by whose code: a number held by someone else is
    # refused without naming them; an empty cell keeps the number on record.
    holders = dict(Employee.objects.filter(citizen_id__isnull=False).values_list("citizen_id", "code"))
    held_by_code = {code: number for number, code in holders.items()}
    in_scope = set(unit_ids.values())
    rows: list[Employee] = []
    for number, values in checked.rows:
        current = existing.get(values["code"])
        if current is not None and current[1] not in in_scope:
            report.rejected.append(Rejected(number, CODE_TAKEN, code=values["code"]))
            continue
        if values.get("citizen_id") and holders.get(values["citizen_id"], values["code"]) != values["code"]:
            report.rejected.append(Rejected(number, CITIZEN_ID_TAKEN, code=values["code"]))
            continue
        if not values.get("citizen_id"):
            values["citizen_id"] = held_by_code.get(values["code"])
        rows.append(Employee(**values))
        if current is None:
            report.created += 1
        else:
            report.updated += 1
    report.rejected.sort(key=lambda r: r.row)

    if dry_run or (report.rejected and not import_valid_rows):
        return report
    with transaction.atomic():
        # One upsert on the unique code for new and existing rows alike: bulk_update's
        # CASE WHEN per row took over a minute for 20,000 rows on SQLite.
        Employee.objects.bulk_create(
            rows, batch_size=500, update_conflicts=True, unique_fields=["code"], update_fields=UPDATABLE_FIELDS
        )
        AuditLog.record(
            user=acting_user,
            action="employees.import",
            object_type="hr_system.Employee",
            filename=filename,
            created=report.created,
            updated=report.updated,
            rejected=len(report.rejected),
        )
    report.written = True
    return report


# The fields of a person HR may change on their page; the attendance code is the clock's
# user id and is never renamed here (a new code is a new person on the clocks).
EDITABLE_FIELDS = (
    "full_name",
    "date_of_birth",
    "citizen_id",
    "gender",
    "category",
    "job_title",
    "rank",
    "unit",
    "sector_start",
    "unit_start",
    "hardship_years",
    "home_commune",
    "distance_km",
    "start_date",
    "leave_date",
)


def update_employee(*, acting_user, employee: Employee, changes: dict) -> list[str]:
    """Write the changed fields of one employee and audit which ones changed (never their
    values: a date of birth has no place in the audit log). The caller has checked scope
    (access.get_employee_for_user(write=True)) and that a new unit is one the user manages.
    Returns the names of the fields that changed."""
    changed = sorted(name for name in EDITABLE_FIELDS if name in changes and getattr(employee, name) != changes[name])
    if not changed:
        return []
    for name in changed:
        setattr(employee, name, changes[name])
    with transaction.atomic():
        employee.save(update_fields=[*changed, "updated_at"])
        AuditLog.record(user=acting_user, action="employee.update", obj=employee, changes=changed)
    return changed


CREDENTIAL_AUDITED_FIELDS = (
    "unit",
    "purpose",
    "kind",
    "holder",
    "label",
    "pkcs12_path",
    "pkcs11_module",
    "token_label",
    "key_label",
    "active",
)


@transaction.atomic
def save_signing_credential(*, acting_user, credential: SigningCredential, changed: list[str]) -> SigningCredential:
    """Create or update where a unit's signing key lives, audited. The record holds no
    secret (no PIN, no passphrase), so the audit names the changed fields and values."""
    created = credential.pk is None
    if created:
        credential.created_by = acting_user if getattr(acting_user, "is_authenticated", False) else None
    credential.save()
    shown = {f: str(getattr(credential, f)) for f in changed if f in CREDENTIAL_AUDITED_FIELDS}
    AuditLog.record(
        user=acting_user,
        action="signing_credential.create" if created else "signing_credential.update",
        obj=credential,
        unit=credential.unit.code,
        changes=shown,
    )
    return credential


def try_signing_credential(*, acting_user, credential: SigningCredential, secret: str):
    """Sign a one-page test PDF with the credential ("Thử ký"): the certificate it
    holds, or signing.SigningError. The outcome is audited, never the secret."""
    from weasyprint import HTML

    from hr_system import signing

    page = HTML(string="<p>Văn bản ký thử / test signature</p>").write_pdf()
    try:
        info = signing.certificate_of(credential, secret)
        signing.sign_pdf(
            page,
            credential=credential,
            secret=secret,
            info=signing.SignerInfo(name=info.common_name, position="", agency=credential.unit.name),
            field_name="test",
            box=(0, 300, 60, 540, 130),
        )
    except signing.SigningError as exc:
        AuditLog.record(user=acting_user, action="signing_credential.test", obj=credential, outcome=exc.code)
        raise
    AuditLog.record(user=acting_user, action="signing_credential.test", obj=credential, outcome="ok")
    return info
