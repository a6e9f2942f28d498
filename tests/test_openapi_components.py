"""Each component name of the OpenAPI document names one schema.

Django Ninja gathers every operation's schema definitions into one `components` map, so
two different schemas under one name silently overwrite each other: five model enums
named `Kind` (a unit's kind was documented as a transfer kind, so `GET /org/units`
broke its own document), two `Status`, and `CandidatesIn`/`ScoreOut` in both
assessments and transfers. And `format: time` (RFC 3339) requires an offset that local
clock times never carry.
"""

import json
from collections import defaultdict

import pytest
from ninja.openapi.schema import OpenAPISchema

from hr_system.api import api


def test_no_component_name_is_used_by_two_schemas(monkeypatch):
    seen: dict[str, set[str]] = defaultdict(set)
    add = OpenAPISchema.add_schema_definitions

    def recording(self, definitions):
        for name, schema in definitions.items():
            seen[name].add(json.dumps(schema, sort_keys=True))
        return add(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", recording)
    api.get_openapi_schema()
    assert {name for name, shapes in seen.items() if len(shapes) > 1} == set()


def _schema(doc, name):
    return doc["components"]["schemas"][name]


def test_each_kind_is_documented_with_its_own_values():
    doc = api.get_openapi_schema()
    unit_kind = _schema(doc, "OrgUnitOut")["properties"]["kind"]
    assert "ward" in unit_kind["enum"] and "transfer" not in unit_kind["enum"]
    round_kind = _schema(doc, "RoundIn")["properties"]["kind"]
    assert set(round_kind["enum"]) == {"transfer", "secondment", "rotation"}
    question_status = _schema(doc, "VersionOut")["properties"]["status"]
    assert "draft" in question_status["enum"] and "pending" not in question_status["enum"]
    unit_filter = next(p for p in doc["paths"]["/api/v1/org/units"]["get"]["parameters"] if p["name"] == "kind")
    assert "ward" in json.dumps(unit_filter["schema"])


def test_clock_times_are_not_documented_as_rfc3339_times():
    text = json.dumps(api.get_openapi_schema())
    assert '"format": "time"' not in text


@pytest.mark.parametrize("value", ["07:00:00+07:00", "07:00Z"])
def test_a_schedule_session_rejects_a_time_with_an_offset(value):
    from pydantic import ValidationError

    from attendance.schemas import ScheduleSessionIn

    with pytest.raises(ValidationError):
        ScheduleSessionIn(start=value, end="11:30")
    assert ScheduleSessionIn(start="07:00", end="11:30:00").start.isoformat() == "07:00:00"
