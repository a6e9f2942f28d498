"""The processing register is generated from each app's privacy.py and cannot drift
from the models: every field it names exists, and every personal-data field is named."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

from hr_system import personal_data


def _named_fields() -> set[str]:
    return {name for entry in personal_data.declarations() for name in entry["fields"]}


def test_every_declaration_has_the_keys_and_a_unique_key():
    entries = personal_data.declarations()
    assert {e["app"] for e in entries} >= {"hr_system", "attendance", "assessments", "transfers"}
    for entry in entries:
        assert set(entry) - {"app"} == personal_data.DECLARATION_KEYS, entry["key"]
        assert isinstance(entry["sensitive"], bool)
        assert entry["retention_days"] is None or isinstance(entry["retention_days"], int)
        assert entry["fields"], entry["key"]
    keys = [e["key"] for e in entries]
    assert len(keys) == len(set(keys))


def test_every_declared_field_exists_on_its_model():
    missing = []
    for name in sorted(_named_fields()):
        label, model_name, field = name.split(".")
        try:
            apps.get_model(label, model_name)._meta.get_field(field)
        except (LookupError, FieldDoesNotExist) as exc:  # an unknown app, model or field
            missing.append(f"{name}: {type(exc).__name__}")
    assert missing == []


def test_every_personal_data_field_of_every_model_is_declared():
    declared = _named_fields()
    undeclared = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        # A value field: a foreign key named `template` (a log row pointing at one) holds
        # an id, not the data; the row it points to is declared where it lives.
        if not field.is_relation
        and field.name in personal_data.PERSONAL_FIELD_NAMES
        and f"{model._meta.label}.{field.name}" not in declared
    ]
    assert undeclared == []
    # The check looks at something: the employee's identity fields are among those found.
    assert "hr_system.Employee.citizen_id" in declared and "hr_system.Employee.date_of_birth" in declared


def test_the_register_page_is_for_administrators_only(cast, login):
    page = login(cast.admin).get("/privacy/register/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Số định danh cá nhân (căn cước)" in text and 'id="register-hr.citizen_id"' in text
    assert "assessments" in text and "transfers" in text
    for user in (cast.hr_a, cast.head_a, cast.staff_user):
        assert login(user).get("/privacy/register/").status_code == 403
        assert login(user).get("/privacy/register.xlsx").status_code == 403


def test_the_register_downloads_as_excel_with_every_declaration(cast, login):
    response = login(cast.admin).get("/privacy/register.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Loại dữ liệu"
    assert len(values) - 1 == len(personal_data.declarations())
    assert any("hr_system.Employee.citizen_id" in (row[2] or "") for row in values[1:])


@pytest.mark.parametrize("name", ["citizen_id", "date_of_birth", "template"])
def test_the_personal_field_list_covers_the_names_the_issue_lists(name):
    assert name in personal_data.PERSONAL_FIELD_NAMES
