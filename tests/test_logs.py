"""Logs (hr_system/logs.py): one JSON line per request and per worker step, each with a
request id; X-Request-ID believed only from a trusted proxy; secrets never in a line."""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import path

from hr_system.logs import (
    JsonFormatter,
    RedactFilter,
    RequestIdFilter,
    TextFormatter,
    redact,
    request_id_context,
    sane_request_id,
)
from hr_system.models import ApiToken
from hr_system.urls import urlpatterns as site_urls
from hr_system.workers import Worker
from tests.assessments.test_attempts import OPTIONS, build_exam
from tests.conftest import PASSWORD
from tests.test_workers import Counter


def boom(request):
    raise RuntimeError("a bug in a view")


# The site plus a view that fails, for the 500 line (tests marked with urls(__name__)).
urlpatterns = [*site_urls, path("test-logs/boom/", boom)]

HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def json_log():
    """Every record logged during the test, formatted as production formats it (the console
    handler's filters and formatter), parsed back: a list of dicts, read when called."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    levels = {name: logging.getLogger(name).level for name in ("hr", "django.request")}
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)

    def lines(event: str | None = None) -> list[dict]:
        parsed = [json.loads(line) for line in stream.getvalue().splitlines()]
        return [p for p in parsed if event is None or p.get("event") == event]

    lines.text = stream.getvalue  # type: ignore[attr-defined]
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def record(msg="hello %s", args=("world",), level=logging.INFO, name="hr.test", exc_info=None, **extra):
    rec = logging.LogRecord(name, level, __file__, 1, msg, args, exc_info)
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


# --- formatter ------------------------------------------------------------------------


def test_the_json_formatter_writes_one_object_on_one_line():
    line = JsonFormatter().format(record("two\nlines %s", ("and «tiếng Việt»",), count=3, request=object()))
    assert "\n" not in line
    data = json.loads(line)
    assert data["level"] == "INFO" and data["logger"] == "hr.test"
    assert data["message"] == "two\nlines and «tiếng Việt»"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", data["ts"])
    assert data["count"] == 3
    assert "request" not in data  # objects (Django's request, whose repr has the query) are left out
    assert data["request_id"] is None


def test_an_event_line_carries_its_fields_not_a_message_and_the_traceback_as_exc():
    try:
        raise ValueError("bad")
    except ValueError:
        rec = record("x", (), level=logging.ERROR, exc_info=sys.exc_info(), event="thing", ok=False)
    with request_id_context("abc123") as request_id:
        data = json.loads(JsonFormatter().format(rec))
    assert request_id == "abc123"
    assert data["event"] == "thing" and data["ok"] is False and "message" not in data
    assert data["request_id"] == "abc123"
    assert "ValueError: bad" in data["exc"] and data["exc"].startswith("Traceback")


def test_the_text_formatter_names_the_request_id():
    with request_id_context("r-1"):
        line = TextFormatter().format(record())
    assert line.endswith("INFO hr.test [r-1] hello world")


def test_log_format_and_level_come_from_the_environment_and_a_bad_format_stops_start_up():
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('hr.test').info('careless %s', 'Authorization: Bearer abc.def'); "
        "logging.getLogger('hr.test').debug('not shown at INFO')"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hr_system.settings", "LOG_FORMAT": "json"}
    env.pop("LOG_LEVEL", None)
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]  # stdout, JSON, one line
    assert [(d["logger"], d["message"]) for d in lines] == [("hr.test", "careless Authorization: [REDACTED]")]

    proc = subprocess.run(
        [sys.executable, "-c", code], env={**env, "LOG_FORMAT": "text"}, capture_output=True, text=True
    )
    assert proc.returncode == 0 and "INFO hr.test [None] careless" in proc.stdout

    proc = subprocess.run(
        [sys.executable, "-c", code], env={**env, "LOG_FORMAT": "xml"}, capture_output=True, text=True
    )
    assert proc.returncode != 0 and "LOG_FORMAT" in proc.stderr

    # Unset, it is JSON in production and text for a developer (DEBUG on, `make demo`).
    unset = {k: v for k, v in env.items() if k != "LOG_FORMAT"}
    proc = subprocess.run([sys.executable, "-c", code], env={**unset, "DEBUG": "0"}, capture_output=True, text=True)
    assert proc.returncode == 0 and json.loads(proc.stdout)["logger"] == "hr.test"
    proc = subprocess.run([sys.executable, "-c", code], env={**unset, "DEBUG": "1"}, capture_output=True, text=True)
    assert proc.returncode == 0 and "INFO hr.test [None] careless" in proc.stdout

    proc = subprocess.run(
        [sys.executable, "-c", code], env={**env, "LOG_LEVEL": "verbose"}, capture_output=True, text=True
    )
    assert proc.returncode != 0 and "LOG_LEVEL must be" in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-c", code], env={**env, "LOG_LEVEL": "warning"}, capture_output=True, text=True
    )
    assert proc.returncode == 0 and proc.stdout == ""  # the INFO line is below the level


# --- the request id ---------------------------------------------------------------------


def test_the_request_log_middleware_comes_first():
    assert settings.MIDDLEWARE[0] == "hr_system.logs.RequestLogMiddleware"


def test_a_request_gets_a_new_id_answered_in_the_header(db, client, json_log):
    first = client.get("/login/")
    second = client.get("/login/")
    assert HEX_ID.fullmatch(first["X-Request-ID"]) and HEX_ID.fullmatch(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert [line["request_id"] for line in json_log("request")] == [first["X-Request-ID"], second["X-Request-ID"]]


def test_the_id_of_a_trusted_proxy_is_kept(db, client, settings, json_log):
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]  # the test client's address
    caddy = "6f1d2c3b-9a8e-4f7d-b6c5-a4e3d2c1b0a9"  # {http.request.uuid}
    r = client.get("/login/", HTTP_X_REQUEST_ID=caddy)
    assert r["X-Request-ID"] == caddy
    assert json_log("request")[0]["request_id"] == caddy


def test_the_id_from_an_untrusted_peer_is_replaced(db, client, settings, json_log):
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    r = client.get("/login/", HTTP_X_REQUEST_ID="chosen-by-the-client", REMOTE_ADDR="203.0.113.7")
    assert HEX_ID.fullmatch(r["X-Request-ID"])
    settings.TRUSTED_PROXIES = []
    r = client.get("/login/", HTTP_X_REQUEST_ID="chosen-by-the-client")
    assert HEX_ID.fullmatch(r["X-Request-ID"])
    assert "chosen-by-the-client" not in json_log.text()


@pytest.mark.parametrize(
    "value",
    ["", "a b", "x" * 65, "-leading-dash", "id\tx", 'quo"te', "ümlaut", "a/b", "id;drop", "{json}"],
)
def test_a_malformed_id_is_replaced_even_from_a_trusted_proxy(db, client, settings, value):
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    assert sane_request_id(value) is None
    r = client.get("/login/", HTTP_X_REQUEST_ID=value)
    assert HEX_ID.fullmatch(r["X-Request-ID"])


def test_sane_ids_are_kept():
    for value in ("6f1d2c3b-9a8e-4f7d-b6c5-a4e3d2c1b0a9", "a" * 64, "abc.DEF_123"):
        assert sane_request_id(value) == value


# --- request lines ----------------------------------------------------------------------


def test_an_api_call_is_one_line_with_status_duration_user_and_no_query(cast, json_log):
    _token, raw = ApiToken.issue(cast.hr_a, "script")
    r = Client().get("/api/v1/people/employees?search=Nguyễn&page=2", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert r.status_code == 200
    [line] = json_log("request")
    assert line["logger"] == "hr.request" and line["level"] == "INFO"
    assert line["request_id"] == r["X-Request-ID"]
    assert (line["method"], line["path"], line["status"], line["outcome"]) == (
        "GET",
        "/api/v1/people/employees",
        200,
        "ok",
    )
    assert line["user_id"] == cast.hr_a.pk
    assert isinstance(line["duration_ms"], float) and 0 <= line["duration_ms"] < 60_000
    assert line["instance"].endswith(f":{os.getpid()}")
    assert "search" not in json_log.text() and raw not in json_log.text()


def test_a_page_and_a_refusal_are_lines_too(cast, login, json_log):
    client = login(cast.hr_a)
    assert client.get("/employees/").status_code == 200
    assert Client().get("/employees/").status_code == 302
    assert client.get("/employees/NOPE/").status_code == 404
    lines = json_log("request")
    assert [(x["path"], x["status"], x["outcome"], x["user_id"]) for x in lines] == [
        ("/employees/", 200, "ok", cast.hr_a.pk),
        ("/employees/", 302, "ok", None),
        ("/employees/NOPE/", 404, "refused", cast.hr_a.pk),
    ]
    # Django's own "Not Found" line, written after the middleware returned, has the id too.
    [not_found] = [x for x in json_log() if x["logger"] == "django.request"]
    assert not_found["request_id"] == lines[2]["request_id"]


@pytest.mark.urls(__name__)
def test_a_500_is_logged_with_its_error_class_and_the_request_id(db, json_log):
    r = Client(raise_request_exception=False).get("/test-logs/boom/?code=123")
    assert r.status_code == 500
    request_id = r["X-Request-ID"]
    [line] = json_log("request")
    assert (line["status"], line["outcome"], line["error"], line["level"]) == (500, "error", "RuntimeError", "ERROR")
    assert line["request_id"] == request_id and line["path"] == "/test-logs/boom/"
    [django_line] = [x for x in json_log() if x["logger"] == "django.request"]
    assert django_line["request_id"] == request_id and "a bug in a view" in django_line["exc"]


# --- worker steps -----------------------------------------------------------------------


class Idle(Worker):
    worker_name = "idle"

    def __init__(self, **kwargs):
        super().__init__(stdout=io.StringIO(), stderr=io.StringIO(), **kwargs)

    def step(self) -> dict:
        logging.getLogger("hr.test").warning("inside the step")
        return {"found": 0, "note": "Nguyễn Văn An", "flag": True}


def test_a_worker_step_is_one_line_with_counts_only(db, json_log):
    call_command(Counter())
    [line] = json_log("worker_step")
    assert line["logger"] == "hr.worker" and line["level"] == "INFO"
    assert (line["worker"], line["ok"], line["did_work"], line["counts"]) == ("counter", True, True, {"round": 1})
    assert isinstance(line["duration_ms"], float) and HEX_ID.fullmatch(line["request_id"])


def test_an_idle_step_logs_at_debug_and_shares_its_id_with_the_steps_own_lines(db, json_log):
    call_command(Idle())
    inside = [x for x in json_log() if x["logger"] == "hr.test"][0]
    [line] = json_log("worker_step")
    assert line["level"] == "DEBUG" and line["did_work"] is False and line["counts"] == {"found": 0}
    assert inside["request_id"] == line["request_id"]
    assert "Nguyễn" not in json_log.text()  # text from a step's detail is not logged


def test_work_keys_say_which_counts_are_work_done(db, json_log):
    class Polling(Idle):
        work_keys = ("done",)

        def step(self) -> dict:
            return {"done": 0, "polling": 3}

    call_command(Polling())
    [line] = json_log("worker_step")
    assert line["did_work"] is False and line["level"] == "DEBUG" and line["counts"] == {"done": 0, "polling": 3}


def test_a_failed_step_names_the_error_class_not_its_message(db, json_log):
    worker = Counter({1: "fail", 2: "stop"})
    call_command(worker, "--loop", "--sleep", "0")
    failed, ok = json_log("worker_step")
    assert (failed["ok"], failed["error"], failed["level"]) == (False, "RuntimeError", "ERROR")
    assert ok["ok"] is True and failed["request_id"] != ok["request_id"]
    assert "the database went away" not in json_log.text()


# --- redaction --------------------------------------------------------------------------

TOKEN = "hrt_" + "Zx9_-" * 8


@pytest.mark.parametrize(
    "text, secret",
    [
        (f"Authorization: Bearer {TOKEN}", TOKEN),
        ("HTTP_AUTHORIZATION='Basic dXNlcjpwYXNz'", "dXNlcjpwYXNz"),
        (f"token {TOKEN} refused", TOKEN),
        ("login password=Hunter-2026! failed", "Hunter-2026!"),
        ('{"username": "an", "password": "Hunter-2026!"}', "Hunter-2026!"),
        ("{'new_password1': 'Hunter-2026!'}", "Hunter-2026!"),
        ("SECRET_KEY=abcdef0123456789", "abcdef0123456789"),
        ("Cookie: sessionid=abcd1234efgh; csrftoken=zz99", "abcd1234efgh"),
        ("FP PIN=1001\tFID=6\tTMP=AQJ0ZW1wbGF0ZS1vbmU=", "AQJ0ZW1wbGF0ZS1vbmU="),
        ("exam access_code: PL-01", "PL-01"),
    ],
)
def test_redaction_masks_what_looks_like_a_secret(text, secret):
    cleaned = redact(text)
    assert secret not in cleaned and "[REDACTED]" in cleaned
    assert redact(cleaned) == cleaned


def test_redaction_leaves_ordinary_lines_alone():
    line = "GET /api/v1/people/employees 200 3.1ms; ADMS CJDE2026: 12 punches stored"
    assert redact(line) is line
    assert redact("API token revoked by the basic rule") == "API token revoked by the basic rule"


def test_the_filter_masks_the_message_the_traceback_and_extra_fields():
    try:
        raise PermissionError(f"Bearer {TOKEN}")
    except PermissionError:
        rec = record("auth %s", (f"Authorization: Bearer {TOKEN}",), exc_info=sys.exc_info(), header=f"Bearer {TOKEN}")
    assert RedactFilter().filter(rec) is True
    line = JsonFormatter().format(rec)
    data = json.loads(line)
    assert TOKEN not in line
    assert data["message"] == "auth Authorization: [REDACTED]" and data["header"] == "Bearer [REDACTED]"
    assert data["exc"].endswith("PermissionError: Bearer [REDACTED]")


# --- a real sitting: nothing secret in the logs ----------------------------------------


def test_login_token_call_and_exam_answers_leave_no_secret_in_the_logs(cast, json_log):
    setup = build_exam(cast, count=2)
    browser = Client()
    assert browser.post("/login/", {"username": "an", "password": "Wrong-pass-2026!"}).status_code == 403
    assert browser.post("/login/", {"username": "an", "password": PASSWORD}).status_code == 302
    api = f"/api/v1/assessments/exams/{setup.exam.pk}"
    started = browser.post(f"{api}/start", {"access_code": ""}, content_type="application/json")
    assert started.status_code == 200, started.content
    session = started.json()["session_token"]
    paper = browser.get(f"{api}/paper", HTTP_X_EXAM_SESSION=session).json()
    for position in range(1, len(paper["items"]) + 1):
        r = browser.post(
            f"{api}/answers",
            {"position": position, "selected": ["a"], "seq": position},
            content_type="application/json",
            HTTP_X_EXAM_SESSION=session,
        )
        assert r.status_code == 200 and r.json()["saved"] is True
    officer = Client()
    officer.force_login(cast.hr_a)
    page = officer.post("/account/tokens/", {"name": "máy tính"}).content.decode()
    raw = re.search(r"hrt_[A-Za-z0-9_-]{20,}", page).group(0)
    assert Client().get("/api/v1/people/employees", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert Client().get("/api/v1/people/employees", HTTP_AUTHORIZATION=f"Bearer {raw}x").status_code == 401

    text = json_log.text()
    paths = [x["path"] for x in json_log("request")]
    assert f"{api}/answers" in paths and "/account/tokens/" in paths and "/login/" in paths  # all logged
    correct = [o["text"] for o in OPTIONS if o["correct"]]
    for secret in (PASSWORD, "Wrong-pass-2026!", raw, session, *correct):
        assert secret not in text
    assert '"correct"' not in text and "'correct'" not in text


# --- tests/check_logs.py, the grep over a whole run's logs -----------------------------


def request_line(**fields) -> str:
    base = {"ts": "2026-03-02T01:00:00.000Z", "level": "INFO", "logger": "hr.request", "event": "request"}
    return json.dumps({**base, "request_id": "6f1d2c3b-9a8e-4f7d-b6c5-123456789012", **fields}, ensure_ascii=False)


def step_line() -> str:
    return json.dumps({"logger": "hr.worker", "event": "worker_step", "request_id": None})


@pytest.mark.parametrize(
    "line, kind",
    [
        (request_line(message=f"login {PASSWORD}"), "password"),
        (request_line(message="demo MocChau@2026"), "password"),
        (request_line(header="Bearer hrt_" + "a1B2c3D4e5" * 4), "API token"),
        (request_line(message="make-test-only-secret-key-not-for-production-0123456789"), "SECRET_KEY"),
        (request_line(options=[{"id": "a", "correct": True}]), "answer key (correct flag)"),
        (request_line(message="chose Luật Cán bộ, công chức"), "answer key (correct option text)"),
        (request_line(message="FP PIN=1 TMP=AQJ0ZW1wbGF0ZS1vbmU="), "fingerprint template (TMP=)"),
        (request_line(message=base64.b64encode(b"\x01\x02template-one").decode()), "fingerprint template"),
        (request_line(message="CCCD 014203001234"), "citizen-ID number (12 digits)"),
    ],
    ids=["password", "demo-password", "token", "secret-key", "correct-flag", "correct-text", "tmp", "template", "cccd"],
)
def test_check_logs_fails_on_a_secret_and_names_its_kind_not_its_value(tmp_path, capsys, line, kind):
    from tests.check_logs import main

    (tmp_path / "1.jsonl").write_text("\n".join([request_line(), line, step_line()]) + "\n", encoding="utf-8")
    assert main([str(tmp_path), "--min-requests", "2", "--min-steps", "1"]) == 1
    out = capsys.readouterr().out
    assert f"1.jsonl:2: {kind}" in out
    assert PASSWORD not in out and "MocChau@2026" not in out and "a1B2c3D4e5" not in out


def test_check_logs_passes_a_clean_run_and_fails_an_empty_or_short_one(tmp_path, capsys):
    from tests.check_logs import main

    assert main([str(tmp_path)]) == 1  # no files
    assert "no log files" in capsys.readouterr().out
    clean = [request_line(path="/login/", message="Authorization: [REDACTED] hrt_abc123")] * 3 + [step_line()]
    (tmp_path / "1.jsonl").write_text("\n".join(clean) + "\n", encoding="utf-8")
    assert main([str(tmp_path), "--min-requests", "3", "--min-steps", "1"]) == 0
    assert main([str(tmp_path), "--min-requests", "4", "--min-steps", "1"]) == 1  # a run that logged too little
    assert "only 3 request lines" in capsys.readouterr().out
    assert main([str(tmp_path), "--min-requests", "3", "--min-steps", "2"]) == 1
    assert "only 1 worker-step lines" in capsys.readouterr().out
    (tmp_path / "2.jsonl").write_text("not json\n", encoding="utf-8")
    assert main([str(tmp_path), "--min-requests", "3", "--min-steps", "1"]) == 1
    assert "2.jsonl:1: not a JSON object" in capsys.readouterr().out
