"""Personal data: what the system holds about one person, and the register of processing.

Law 91/2025/QH15 on Personal Data Protection (in force 1/1/2026) gives the data subject
the right to obtain their personal data and requires the controller to keep a record of
its processing (see the citations in hr_system/privacy.py). hr_system imports no app, so
both are registries, found the way the admin finds `admin.py`:

- every app may have a `personal_export.py` with `sections(employee) -> list[dict]`; the
  export calls each one, so an app that declares a module cannot be missed;
- every app may have a `privacy.py` with `DECLARATIONS: list[dict]`; the processing
  register lists them, and tests/test_processing_register.py checks them against the
  models (every field named exists; every personal-data field is declared).

A section is {"key", "title", and either "fields": [{"label", "value"}] (one record) or
"columns": [labels] with "rows": [[values]] (a table), optionally "note"}. Values are
plain Python values (str, int, bool, date, datetime, Decimal, None).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from hr_system.models import AuditLog
from hr_system.pdf import render_pdf

EXPORTED_ACTION = "personal_data.exported"
EXPORT_MODULE = "personal_export"
REGISTER_MODULE = "privacy"
DECLARATION_KEYS = frozenset(
    {"key", "category", "sensitive", "fields", "purpose", "legal_basis", "retention", "who_can_see", "retention_days"}
)
# Model fields that hold personal data wherever they appear: the register test finds each
# value (non-relation) field of every model with one of these names and requires a
# declaration naming it. A new `citizen_id` or fingerprint `template` cannot go unregistered.
PERSONAL_FIELD_NAMES = frozenset(
    {
        "full_name",
        "date_of_birth",
        "citizen_id",
        "gender",
        "home_commune",
        "distance_km",
        "template",
        "fingerprint",
        "face",
        "phone",
        "address",
        "email",
    }
)


def _app_modules(name: str) -> list:
    """Each installed app's `<app>.<name>` module, in INSTALLED_APPS order."""
    autodiscover_modules(name)
    found = []
    for config in apps.get_app_configs():
        module = sys.modules.get(f"{config.name}.{name}")
        if module is not None:
            found.append(module)
    return found


# --- the export -----------------------------------------------------------------------


def collect(employee) -> dict:
    """Everything every app holds about `employee`, as one document."""
    sections: list[dict] = []
    for module in _app_modules(EXPORT_MODULE):
        sections.extend(module.sections(employee))
    return {
        "generated_at": timezone.now(),
        "employee_code": employee.code,
        "sections": sections,
    }


def as_json(document: dict) -> bytes:
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode()


def display(value) -> str:
    """A value as the readable PDF shows it: Vietnamese dates, local times, Có/Không."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list | tuple):
        return ", ".join(display(v) for v in value) or "—"
    return str(value)


def readable(document: dict) -> list[dict]:
    """The document's sections with every value as display text, for the PDF."""
    out = []
    for section in document["sections"]:
        shown = {"key": section["key"], "title": section["title"], "note": section.get("note", "")}
        if "fields" in section:
            shown["fields"] = [{"label": f["label"], "value": display(f["value"])} for f in section["fields"]]
        else:
            shown["columns"] = section["columns"]
            shown["rows"] = [[display(v) for v in row] for row in section["rows"]]
        out.append(shown)
    return out


# --- the register of processing ---------------------------------------------------------


def declarations() -> list[dict]:
    """Every app's DECLARATIONS, each with the app it came from."""
    found = []
    for module in _app_modules(REGISTER_MODULE):
        app = module.__name__.rsplit(".", 1)[0]
        for entry in getattr(module, "DECLARATIONS", []):
            found.append({**entry, "app": app})
    return found


def export(*, acting_user, employee, fmt: str) -> dict:
    """The person's own document, audited ("personal_data.exported", the format only:
    never any of the content)."""
    document = collect(employee)
    AuditLog.record(user=acting_user, action=EXPORTED_ACTION, obj=employee, format=fmt)
    return document


def export_pdf(document: dict, employee) -> bytes:
    return render_pdf(
        "pdf/personal_data.html",
        {
            "unit": employee.unit,
            "agency": employee.unit.issuing_agency(),
            "doc_symbol": "DLCN",
            "doc_type": "DỮ LIỆU CÁ NHÂN",
            "doc_summary": f"Dữ liệu hệ thống đang lưu về {employee.full_name}",
            "generated_at": display(document["generated_at"]),
            "employee": employee,
            "sections": readable(document),
        },
    )
