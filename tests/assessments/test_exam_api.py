"""The exam API end to end: management in scope, and the candidate's exam page endpoints."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Attempt, AttemptEvent, Exam, Response
from hr_system.models import AuditLog
from tests.assessments.test_attempts import attempt_of, build_exam, make_bank, make_board
from tests.conftest import PASSWORD

API = "/api/v1/assessments/exams"


def post(client, path, body=None, **extra):
    return client.post(f"{API}{path}", body or {}, content_type="application/json", **extra)


def assert_no_key(response) -> dict:
    """Nothing derived from the answer key in a candidate response."""
    text = response.content.decode()
    assert "correct" not in text.lower(), text
    return response.json() if text else {}


def candidate_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def setup(cast):
    return build_exam(cast, count=3)


def start(client, exam, code="", **extra):
    r = post(client, f"/{exam.pk}/start", {"access_code": code}, **extra)
    return r


def session(token: str) -> dict:
    return {"HTTP_X_EXAM_SESSION": token}


def save(client, exam, token, position, selected, seq):
    return post(
        client, f"/{exam.pk}/answers", {"position": position, "selected": selected, "seq": seq}, **session(token)
    )


def paper(client, exam, token):
    return client.get(f"{API}/{exam.pk}/paper", **session(token))


# --- management ------------------------------------------------------------------------


def test_board_creates_an_exam_and_runs_the_set_up(cast):
    board = make_board(cast)
    make_bank(6)
    client = candidate_client(board)
    now = timezone.now()
    body = {
        "title": "Kiểm tra kiến thức pháp luật",
        "unit": "P-MC",
        "opens_at": (now - dt.timedelta(minutes=5)).isoformat(),
        "closes_at": (now + dt.timedelta(hours=2)).isoformat(),
        "time_limit": 45,
        "access_code": "PL-01",
        "allowed_networks": ["10.20.0.0/24"],
        "parts": [{"title": "Pháp luật", "rules": [{"category": "QLNN", "count": 4}]}],
    }
    r = post(client, "", body)
    assert r.status_code == 201, r.content
    exam = r.json()
    assert exam["has_access_code"] is True and "access_code_hash" not in exam
    assert exam["parts"][0]["rules"][0] == {
        "category": "QLNN",
        "category_name": "Kiến thức quản lý nhà nước",
        "difficulty": None,
        "count": 4,
    }
    r = post(client, f"/{exam['id']}/candidates", {"unit": "P-MC-UB"})
    assert r.status_code == 200 and r.json() == {"added": 1, "candidates": 1, "without_paper": 1}
    r = post(client, f"/{exam['id']}/candidates", {"employees": ["101", "102"]})
    assert r.json()["added"] == 1  # 101 was already on the list
    r = post(client, f"/{exam['id']}/candidates", {"employees": ["101", "999"]})
    assert r.status_code == 422 and "999" in r.json()["error"]["fields"]["employees"][0]
    r = post(client, f"/{exam['id']}/generate-papers")
    assert r.status_code == 200 and r.json()["generated"] == 2
    r = client.get(API)
    assert r.status_code == 200 and r.json()["items"][0]["candidates"] == 2
    r = client.get(f"{API}/{exam['id']}")
    assert r.json()["without_paper"] == 0


@pytest.mark.parametrize(
    "change, field",
    [
        ({"time_limit": 0}, "time_limit"),
        ({"closes_at": "2020-01-01T08:00:00+07:00"}, "closes_at"),
        ({"negative_mark": 2}, "negative_mark"),
        ({"allowed_networks": ["mạng nội bộ"]}, "allowed_networks"),
        ({"unit": "X-DK"}, "unit"),
        ({"parts": [{"title": "P", "rules": [{"category": "QLNN", "count": 0}]}]}, "parts.0.rules.0.count"),
        ({"parts": [{"title": "P", "rules": [{"category": "KHONG-CO", "count": 1}]}]}, "parts.0.rules.0.category"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_create_exam_validation_is_a_field_error(cast, change, field):
    board = make_board(cast)
    make_bank(3)
    now = timezone.now()
    body = {
        "title": "Kỳ thi",
        "unit": "P-MC",
        "opens_at": now.isoformat(),
        "closes_at": (now + dt.timedelta(hours=2)).isoformat(),
        "time_limit": 30,
        "parts": [{"title": "P", "rules": [{"category": "QLNN", "count": 2}]}],
    }
    body.update(change)
    r = post(candidate_client(board), "", body)
    assert r.status_code == 422, r.content
    assert field in r.json()["error"]["fields"]
    assert not Exam.objects.exists()


def test_management_is_scoped_and_not_for_candidates(setup, cast):
    other_hr = candidate_client(cast.hr_b)  # HR of commune B: exam belongs to commune A
    assert other_hr.get(f"{API}/{setup.exam.pk}").status_code == 404
    assert other_hr.get(f"{API}/{setup.exam.pk}/monitor").status_code == 404
    assert other_hr.get(API).json()["count"] == 0
    staff = candidate_client(cast.staff_user)
    assert staff.get(API).status_code == 403
    assert staff.get(f"{API}/{setup.exam.pk}/monitor").status_code == 403
    attempt = attempt_of(setup.exam, cast.emp_a)
    assert post(staff, f"/attempts/{attempt.pk}/terminate", {"reason": "x"}).status_code == 403
    assert post(other_hr, f"/attempts/{attempt.pk}/terminate", {"reason": "x"}).status_code == 404
    assert candidate_client(cast.hr_a).get(f"{API}/{setup.exam.pk}/monitor").status_code == 200


# --- the candidate ------------------------------------------------------------------------


def test_candidate_outside_the_list_gets_404(setup, cast):
    outsider = get_user_model().objects.create_user(username="duc", password=PASSWORD)
    cast.emp_b.user = outsider
    cast.emp_b.save()
    client = candidate_client(outsider)
    for response in (
        start(client, setup.exam),
        paper(client, setup.exam, "x"),
        save(client, setup.exam, "x", 1, ["a"], 1),
        post(client, f"/{setup.exam.pk}/heartbeat"),
        client.get(f"{API}/{setup.exam.pk}/result"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_a_full_sitting_never_reveals_the_key(setup, cast):
    client = candidate_client(cast.staff_user)
    exam = setup.exam
    r = start(client, exam)
    assert r.status_code == 200
    started = assert_no_key(r)
    token = started["session_token"]
    assert started["layout"] == "one" and started["deadline"]
    r = paper(client, exam, token)
    assert r.status_code == 200
    body = assert_no_key(r)
    assert [i["position"] for i in body["items"]] == [1, 2, 3]
    item = body["items"][0]
    assert set(item) == {"position", "version_id", "part", "kind", "text", "image", "options", "selected", "seq"}
    assert all(set(o) == {"id", "order", "text"} for o in item["options"])
    order = attempt_of(exam, cast.emp_a).items.get(position=1).option_order
    assert [o["id"] for o in item["options"]] == order  # the candidate's own option order
    for position, seq in ((1, 1), (2, 2)):
        r = save(client, exam, token, position, [body["items"][position - 1]["options"][1]["id"]], seq)
        assert r.status_code == 200
        saved = assert_no_key(r)
        assert saved["saved"] is True and saved["seq"] == seq and saved["server_now"]
    r = post(client, f"/{exam.pk}/heartbeat", **session(token))
    beat = assert_no_key(r)
    assert beat["active"] is True and beat["status"] == "in_progress" and beat["answered"] == 2
    r = post(client, f"/{exam.pk}/events", {"kind": "tab_hidden", "detail": {"ms": 1200}}, **session(token))
    assert r.status_code == 201
    assert_no_key(r)
    r = post(client, f"/{exam.pk}/events", {"kind": "anything"}, **session(token))
    assert r.status_code == 422
    r = client.get(f"{API}/{exam.pk}/result")
    assert r.status_code == 409  # still running
    r = post(client, f"/{exam.pk}/finalize", **session(token))
    assert r.status_code == 200 and assert_no_key(r)["status"] == "finalized"
    r = client.get(f"{API}/{exam.pk}/result")
    assert r.status_code == 403 and r.json()["error"]["code"] == "results_not_published"
    assert "công bố" in r.json()["error"]["message"]
    Exam.objects.filter(pk=exam.pk).update(published_at=timezone.now())
    r = client.get(f"{API}/{exam.pk}/result")
    assert r.status_code == 200
    result = assert_no_key(r)
    assert result["status"] == "finalized" and result["answered"] == 2 and result["total"] == 3
    attempt = attempt_of(exam, cast.emp_a)
    assert result["scored"] is (attempt.score is not None)
    r = client.get(f"{API}/mine")
    assert assert_no_key(r)[0]["status"] == "finalized"
    r = paper(client, exam, token)
    assert r.status_code == 409 and r.json()["error"]["code"] == "finished"


def test_immediate_results_show_after_the_sitting(cast):
    s = build_exam(cast, results_policy=Exam.Results.IMMEDIATE)
    client = candidate_client(cast.staff_user)
    token = start(client, s.exam).json()["session_token"]
    post(client, f"/{s.exam.pk}/finalize", **session(token))
    r = client.get(f"{API}/{s.exam.pk}/result")
    assert r.status_code == 200 and r.json()["status"] == "finalized"
    assert_no_key(r)


def test_doubled_and_reordered_saves_over_http(setup, cast):
    client = candidate_client(cast.staff_user)
    token = start(client, setup.exam).json()["session_token"]
    options = paper(client, setup.exam, token).json()["items"][0]["options"]
    first, second = options[0]["id"], options[1]["id"]
    assert save(client, setup.exam, token, 1, [first], 5).json()["saved"] is True
    doubled = save(client, setup.exam, token, 1, [first], 5)
    reordered = save(client, setup.exam, token, 1, [second], 4)
    assert doubled.status_code == reordered.status_code == 200
    assert doubled.json()["saved"] is False and reordered.json()["seq"] == 5
    row = Response.objects.get(attempt__exam=setup.exam)
    assert row.selected == [first] and row.seq == 5
    again = paper(client, setup.exam, token).json()
    assert again["items"][0]["selected"] == [first] and again["max_seq"] == 5


def test_bad_position_and_option_are_422(setup, cast):
    client = candidate_client(cast.staff_user)
    token = start(client, setup.exam).json()["session_token"]
    r = save(client, setup.exam, token, 4, ["a"], 1)  # a 3-question paper
    assert r.status_code == 422 and "position" in r.json()["error"]["fields"]
    r = save(client, setup.exam, token, 1, ["e"], 1)
    assert r.status_code == 422 and "selected" in r.json()["error"]["fields"]
    r = save(client, setup.exam, token, 1, ["a"], 0)
    assert r.status_code == 422 and "seq" in r.json()["error"]["fields"]
    assert not Response.objects.exists()


def test_second_browser_takes_over(setup, cast):
    first, second = candidate_client(cast.staff_user), candidate_client(cast.staff_user)
    token_one = start(first, setup.exam).json()["session_token"]
    option = paper(first, setup.exam, token_one).json()["items"][0]["options"][0]["id"]
    assert save(first, setup.exam, token_one, 1, [option], 1).status_code == 200
    token_two = start(second, setup.exam).json()["session_token"]
    r = save(first, setup.exam, token_one, 1, [option], 2)
    assert r.status_code == 409 and r.json()["error"]["code"] == "session_taken_over"
    assert "máy khác" in r.json()["error"]["message"]
    r = post(first, f"/{setup.exam.pk}/heartbeat", **session(token_one))
    assert r.json()["active"] is False
    assert paper(first, setup.exam, token_one).status_code == 409
    assert save(second, setup.exam, token_two, 1, [option], 2).status_code == 200
    assert AttemptEvent.objects.filter(kind="takeover").count() == 1


def test_server_restart_mid_exam_loses_nothing_and_keeps_the_deadline(setup, cast):
    client = candidate_client(cast.staff_user)
    started = start(client, setup.exam).json()
    token, deadline = started["session_token"], started["deadline"]
    items = paper(client, setup.exam, token).json()["items"]
    picks = {i["position"]: [i["options"][2]["id"]] for i in items[:2]}
    for seq, (position, selected) in enumerate(picks.items(), start=1):
        assert save(client, setup.exam, token, position, selected, seq).status_code == 200

    # "Restart": nothing survives but the database: a fresh client and a fresh load.
    del client
    attempt = Attempt.objects.get(pk=attempt_of(setup.exam, cast.emp_a).pk)
    assert attempt.status == Attempt.Status.IN_PROGRESS
    fresh = Client()
    assert fresh.login(username="an", password=PASSWORD)
    resumed = paper(fresh, setup.exam, token).json()  # the page kept its token: a reload
    assert resumed["deadline"] == deadline
    assert {i["position"]: i["selected"] for i in resumed["items"] if i["selected"]} == picks
    again = start(fresh, setup.exam).json()  # or another computer: a new start
    assert again["deadline"] == deadline
    restored = paper(fresh, setup.exam, again["session_token"]).json()
    assert {i["position"]: i["selected"] for i in restored["items"] if i["selected"]} == picks
    assert restored["max_seq"] == 2


def test_access_code_and_ip_range_over_http(cast):
    s = build_exam(cast, access_code="MC-0915", allowed_networks=["10.20.0.0/24"])
    client = candidate_client(cast.staff_user)
    r = start(client, s.exam, "sai", REMOTE_ADDR="10.20.0.8")
    assert r.status_code == 403 and r.json()["error"]["code"] == "bad_access_code"
    assert "access_code" in r.json()["error"]["fields"]
    r = start(client, s.exam, "MC-0915", REMOTE_ADDR="113.160.1.1")
    assert r.status_code == 403 and r.json()["error"]["code"] == "ip_not_allowed"
    r = start(client, s.exam, "MC-0915", REMOTE_ADDR="113.160.1.1", HTTP_X_FORWARDED_FOR="10.20.0.8")
    assert r.status_code == 403  # a header the candidate can set proves nothing
    assert attempt_of(s.exam, cast.emp_a).status == Attempt.Status.NOT_STARTED
    r = start(client, s.exam, "MC-0915", REMOTE_ADDR="10.20.0.8")
    assert r.status_code == 200


def test_ip_range_behind_a_trusted_reverse_proxy(cast, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    s = build_exam(cast, access_code="MC-0915", allowed_networks=["10.20.0.0/24"])
    client = candidate_client(cast.staff_user)
    # The proxy appends the address it saw; what the candidate put before it is ignored.
    forged = start(client, s.exam, "MC-0915", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.20.0.8, 113.160.1.1")
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "ip_not_allowed"
    r = start(client, s.exam, "MC-0915", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="113.160.1.1, 10.20.0.8")
    assert r.status_code == 200
    event = attempt_of(s.exam, cast.emp_a).events.filter(kind="start").get()
    assert event.detail["ip"] == "10.20.0.8"


def test_save_after_the_deadline_is_refused_over_http(setup, cast):
    client = candidate_client(cast.staff_user)
    token = start(client, setup.exam).json()["session_token"]
    attempt = attempt_of(setup.exam, cast.emp_a)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - dt.timedelta(seconds=30))
    r = save(client, setup.exam, token, 1, [], 1)
    assert r.status_code == 409 and r.json()["error"]["code"] == "time_up"
    assert AttemptEvent.objects.filter(attempt=attempt, kind="late_save_refused").count() == 1
    assert not Response.objects.exists()


def test_the_save_endpoint_is_a_handful_of_queries(setup, cast):
    client = candidate_client(cast.staff_user)
    token = start(client, setup.exam).json()["session_token"]
    option = paper(client, setup.exam, token).json()["items"][0]["options"][0]["id"]
    with CaptureQueriesContext(connection) as captured:
        assert save(client, setup.exam, token, 1, [option], 1).status_code == 200
    # Savepoints only exist because the test runs inside a transaction.
    statements = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    # session + user, employee + attempt, paper item, upsert, answered count
    assert len(statements) <= 7, statements


# --- proctoring over HTTP ---------------------------------------------------------------------


def test_proctor_endpoints_pause_resume_extend_terminate(setup, cast):
    candidate = candidate_client(cast.staff_user)
    token = start(candidate, setup.exam).json()["session_token"]
    attempt = attempt_of(setup.exam, cast.emp_a)
    deadline = attempt.deadline
    board = candidate_client(setup.board)
    r = post(board, f"/attempts/{attempt.pk}/pause", {"reason": ""})
    assert r.status_code == 422 and "reason" in r.json()["error"]["fields"]
    r = post(board, f"/attempts/{attempt.pk}/pause", {"reason": "Mất điện"})
    assert r.status_code == 200 and r.json()["status"] == "paused"
    r = save(candidate, setup.exam, token, 1, [], 1)
    assert r.status_code == 409 and r.json()["error"]["code"] == "paused"
    r = post(candidate, f"/{setup.exam.pk}/heartbeat", **session(token))
    assert r.json()["status"] == "paused"
    r = post(board, f"/attempts/{attempt.pk}/resume", {"reason": "Có điện"})
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    attempt.refresh_from_db()
    assert attempt.deadline >= deadline
    r = post(board, f"/attempts/{attempt.pk}/extend", {"minutes": 10, "reason": "Đổi máy"})
    assert r.status_code == 200 and r.json()["extra_minutes"] == 10
    r = post(board, f"/{setup.exam.pk}/extend", {"minutes": 5, "reason": "Sự cố mạng"})
    assert r.status_code == 200 and r.json()["extended"] == 2
    attempt.refresh_from_db()
    assert attempt.extra_seconds == 15 * 60
    r = post(candidate, f"/{setup.exam.pk}/heartbeat", **session(token))
    told = dt.datetime.fromisoformat(r.json()["deadline"].replace("Z", "+00:00"))
    assert abs(told - attempt.deadline) < dt.timedelta(milliseconds=1)  # the page sees the new deadline at once
    r = post(board, f"/attempts/{attempt.pk}/terminate", {"reason": "Gian lận"})
    assert r.status_code == 200 and r.json()["status"] == "terminated"
    r = post(board, f"/attempts/{attempt.pk}/resume", {"reason": "nhầm"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "bad_state"
    actions = set(AuditLog.objects.filter(user=setup.board).values_list("action", flat=True))
    assert {"attempt.paused", "attempt.resumed", "exam.extend", "attempt.terminated"} <= actions
    monitor = board.get(f"{API}/{setup.exam.pk}/monitor").json()
    row = next(r for r in monitor["attempts"] if r["employee"] == "101")
    assert row["status"] == "terminated" and row["extra_minutes"] == 15


# --- pages ----------------------------------------------------------------------------------


def test_candidate_pages_list_exam_and_result(setup, cast):
    client = candidate_client(cast.staff_user)
    r = client.get("/assessments/take/")
    assert r.status_code == 200
    assert setup.exam.title in r.content.decode() and "Vào thi" in r.content.decode()
    r = client.get(f"/assessments/take/{setup.exam.pk}/")
    page = r.content.decode()
    assert r.status_code == 200 and "csrftoken" in r.cookies
    assert f'data-api="{API}/{setup.exam.pk}"' in page and re.search(r"js/exam\.[0-9a-f]{12}\.js", page)
    assert "correct" not in page.lower()
    assert client.get(f"/assessments/take/{setup.exam.pk}/result/").status_code == 302  # not started yet
    token = start(client, setup.exam).json()["session_token"]
    post(client, f"/{setup.exam.pk}/finalize", **session(token))
    r = client.get(f"/assessments/take/{setup.exam.pk}/")
    assert r.status_code == 302 and r["Location"].endswith("/result/")
    page = client.get(f"/assessments/take/{setup.exam.pk}/result/").content.decode()
    assert "Đã nộp" in page and "khi Hội đồng thi công bố" in page and "result-score" not in page


def test_exam_page_is_404_for_someone_not_on_the_list(setup, cast):
    outsider = get_user_model().objects.create_user(username="duc", password=PASSWORD)
    cast.emp_b.user = outsider
    cast.emp_b.save()
    client = candidate_client(outsider)
    assert client.get(f"/assessments/take/{setup.exam.pk}/").status_code == 404
    assert client.get(f"/assessments/take/{setup.exam.pk}/result/").status_code == 404
    assert setup.exam.title not in client.get("/assessments/take/").content.decode()


def test_monitor_page_and_its_forms(setup, cast):
    candidate = candidate_client(cast.staff_user)
    start(candidate, setup.exam)
    attempt = attempt_of(setup.exam, cast.emp_a)
    assert candidate.get(f"/assessments/exams/{setup.exam.pk}/monitor/").status_code == 403
    assert candidate_client(cast.hr_b).get(f"/assessments/exams/{setup.exam.pk}/monitor/").status_code == 404
    board = candidate_client(setup.board)
    page = board.get(f"/assessments/exams/{setup.exam.pk}/monitor/").content.decode()
    assert "js/autorefresh." in page and "Nguyễn Văn An" in page and "Lò Thị Hương" in page
    action = f"/assessments/exams/{setup.exam.pk}/monitor/action/"
    r = board.post(action, {"action": "pause", "attempt": attempt.pk, "reason": ""}, follow=True)
    assert "Vui lòng ghi lý do" in r.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS
    board.post(action, {"action": "pause", "attempt": attempt.pk, "reason": "Mất điện"})
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.PAUSED
    board.post(action, {"action": "resume", "attempt": attempt.pk, "reason": "Có điện"})
    r = board.post(action, {"action": "extend_all", "minutes": "5", "reason": "Sự cố mạng"}, follow=True)
    assert "2 thí sinh" in r.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS and attempt.extra_seconds == 300
    assert AttemptEvent.objects.filter(attempt=attempt, by=setup.board).count() == 3
