"""The OpenAPI document describes the API's errors: every operation documents its 4xx
answers as the one error envelope, and the envelope it documents is what the API sends.
`make fuzz` checks every response against the document, so it must say this."""

import pytest
from django.test import Client
from pydantic import ValidationError

from hr_system.api import api
from hr_system.models import ApiToken
from hr_system.schemas import ErrorOut

METHODS = {"get", "post", "put", "patch", "delete"}


def _resolve(doc: dict, schema: dict) -> dict:
    ref = schema.get("$ref", "")
    return doc["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else schema


def test_every_operation_documents_its_errors_as_the_envelope():
    doc = api.get_openapi_schema()
    missing = []
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            error = operation["responses"].get("4XX")
            schema = error and error["content"]["application/json"]["schema"]
            if not schema or _resolve(doc, schema).get("title") != "ErrorOut":
                missing.append(f"{method.upper()} {path}")
    assert missing == []


def test_the_documented_envelope_is_exact():
    doc = api.get_openapi_schema()
    envelope = doc["components"]["schemas"]["ErrorOut"]
    body = _resolve(doc, envelope["properties"]["error"])
    assert envelope["required"] == ["error"] and envelope["additionalProperties"] is False
    assert set(body["required"]) == {"code", "message"} and body["additionalProperties"] is False
    assert set(body["properties"]) == {"code", "message", "fields"}


def test_the_envelope_rejects_other_shapes():
    with pytest.raises(ValidationError):
        ErrorOut.model_validate({"detail": "Not Found"})
    with pytest.raises(ValidationError):
        ErrorOut.model_validate({"error": {"code": "x", "message": "y", "fields": {"a": "not a list"}}})


def test_errors_the_api_sends_match_the_documented_envelope(cast, client, login):
    anonymous = client.get("/api/v1/people/employees")
    answers = {401: anonymous.json()}
    hr = login(cast.hr_a)
    answers[404] = hr.get("/api/v1/people/employees/201").json()  # another commune's employee
    answers[422] = hr.post(
        "/api/v1/people/employees", {"code": "12ab", "unit": "P-MC-UB"}, content_type="application/json"
    ).json()
    answers[400] = hr.post("/api/v1/people/employees", "{not json", content_type="application/json").json()
    for status, body in answers.items():
        ErrorOut.model_validate(body)  # raises on any other shape
        assert body["error"]["code"] and body["error"]["message"], status
    assert answers[422]["error"]["fields"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/assessments/exams/null,null",  # an id the int converter does not match
        "/api/v1/org/units/P-MC/no-such-thing",
        "/api/v1/no-such-thing",
    ],
)
def test_paths_no_operation_matches_get_the_envelope_404(cast, login, path):
    r = login(cast.hr_a).get(path)
    assert r.status_code == 404
    assert r["Content-Type"].startswith("application/json")
    ErrorOut.model_validate(r.json())


def test_a_token_clients_post_to_no_operation_gets_the_envelope_404(cast):
    _, raw = ApiToken.issue(cast.hr_a, "script")
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")
    r = client.post("/api/v1/assessments/exams/null,null/start", {}, content_type="application/json")
    assert r.status_code == 404 and r["Content-Type"].startswith("application/json")
    ErrorOut.model_validate(r.json())


def test_a_path_lacking_its_slash_is_still_redirected(cast, login):
    r = login(cast.hr_a).get("/api/v1/devices?page=2")
    assert r.status_code == 301 and r["Location"] == "/api/v1/devices/?page=2"


def test_an_unparseable_multipart_body_gets_the_envelope_400(cast, login):
    r = login(cast.hr_a).post(
        "/api/v1/people/employees/import", b"--x\r\n", content_type="multipart/form-data"
    )  # no boundary
    assert r.status_code == 400
    assert r["Content-Type"].startswith("application/json")
    assert ErrorOut.model_validate(r.json()).error.code == "bad_request"
