"""Answers documented as a bare `dict` tell a client nothing: the head-count summary and a
transfer round's warnings now name their fields, and what the API sends matches."""

from hr_system.api import api
from hr_system.schemas import UnitSummaryOut
from tests.transfers.test_transfers import call, compute, hr, make_round, ok, pool  # noqa: F401 (fixtures)
from transfers.schemas import RoundWarningOut


def _component(doc: dict, schema: dict) -> dict:
    return doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]


def test_the_units_summary_documents_its_fields(cast, login):
    doc = api.get_openapi_schema()
    answer = doc["paths"]["/api/v1/org/units-summary"]["get"]["responses"][200]
    item = _component(doc, answer["content"]["application/json"]["schema"]["items"])
    assert set(item["required"]) == {"code", "name", "depth", "employees"}
    rows = ok(login(cast.hr_a).get("/api/v1/org/units-summary"))
    assert rows and all(set(row) == {"code", "name", "depth", "employees"} for row in rows)
    assert [UnitSummaryOut.model_validate(row).code for row in rows][0] == "P-MC"


def test_a_rounds_warnings_document_their_fields(pool, hr):  # noqa: F811
    doc = api.get_openapi_schema()
    warnings = doc["components"]["schemas"]["RoundOut"]["properties"]["warnings"]
    warning = _component(doc, warnings["items"])
    assert set(warning["required"]) == {"code", "message"}
    assert {"posts", "employees"} <= set(warning["properties"])
    transfer_round = make_round(hr, pool)
    compute(hr, transfer_round["id"])
    stored = ok(call(hr, "get", f"/rounds/{transfer_round['id']}"))["warnings"]
    assert "template" in {w["code"] for w in stored}  # computed with the default template
    for w in stored:
        RoundWarningOut.model_validate(w)
