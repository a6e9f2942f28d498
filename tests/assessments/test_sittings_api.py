"""The sittings API and the exam settings PATCH: scope (wrong unit, other proctors),
programmed start and late entry through the candidate's endpoints, stable ids on the
paper, and no citizen-ID number in any API response."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from assessments import sittings
from assessments.models import Attempt, Exam, Sitting
from hr_system.models import AuditLog, Employee, Role
from tests.assessments.test_attempts import attempt_of, build_exam
from tests.assessments.test_sittings import make_sitting, move_start
from tests.conftest import PASSWORD

API = "/api/v1/assessments/exams"
CITIZEN_ID = "014203001234"


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client, path, body=None):
    return client.post(f"{API}{path}", body or {}, content_type="application/json")


def patch(client, path, body):
    return client.patch(f"{API}{path}", body, content_type="application/json")


@pytest.fixture
def setup(cast):
    Employee.objects.filter(pk=cast.emp_a.pk).update(citizen_id=CITIZEN_ID)
    s = build_exam(cast)
    s.proctor = get_user_model().objects.create_user(username="giamthi1", password=PASSWORD)
    Employee.objects.create(
        code="150", full_name="Hà Văn Gác", unit=cast.school_a, category=Employee.Category.CIVIL_SERVANT, user=s.proctor
    )
    s.other_proctor = get_user_model().objects.create_user(username="giamthi2", password=PASSWORD)
    Employee.objects.create(
        code="151",
        full_name="Lò Văn Coi",
        unit=cast.school_a,
        category=Employee.Category.CIVIL_SERVANT,
        user=s.other_proctor,
    )
    s.board_b = get_user_model().objects.create_user(username="board_b", password=PASSWORD)
    Role.objects.create(user=s.board_b, kind=Role.Kind.EXAM_BOARD, unit=cast.commune_b)
    return s


def sitting_body(**over) -> dict:
    starts = timezone.now() + dt.timedelta(minutes=30)
    body = {
        "name": "Ca 1",
        "venue": "Phòng máy 1",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + dt.timedelta(minutes=40)).isoformat(),
        "proctors": ["giamthi1"],
        "employees": ["101", "102"],
    }
    body.update(over)
    return body


def test_board_creates_lists_and_changes_a_sitting(setup, cast):
    board = client_of(setup.board)
    r = post(board, f"/{setup.exam.pk}/sittings", sitting_body())
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["proctors"] == ["giamthi1"] and data["candidates"] == 2
    assert data["entry_closes_at"]
    listed = board.get(f"{API}/{setup.exam.pk}/sittings").json()
    assert [s["name"] for s in listed["items"]] == ["Ca 1"]
    r = patch(board, f"/{setup.exam.pk}/sittings/{data['id']}", {"venue": "Phòng máy 2", "proctors": ["giamthi2"]})
    assert r.status_code == 200, r.content
    assert r.json()["venue"] == "Phòng máy 2" and r.json()["proctors"] == ["giamthi2"]
    log = AuditLog.objects.filter(action="sitting.update").get()
    assert log.detail["changes"]["venue"] == {"before": "Phòng máy 1", "after": "Phòng máy 2"}


@pytest.mark.parametrize(
    "over, field",
    [
        ({"name": ""}, "name"),
        ({"proctors": ["hr_b"]}, "proctors"),
        ({"employees": ["201"]}, "employees"),  # commune B's employee: out of the board's scope
        ({"ends_at": "2020-01-01T00:00:00+07:00"}, "ends_at"),
    ],
)
def test_bad_sittings_get_the_error_envelope(setup, cast, over, field):
    r = post(client_of(setup.board), f"/{setup.exam.pk}/sittings", sitting_body(**over))
    assert r.status_code == 422, r.content
    assert field in r.json()["error"]["fields"]


def test_wrong_unit_gets_404_on_every_sitting_endpoint(setup, cast):
    sitting = make_sitting(setup, cast, proctors=[setup.proctor])
    outsider = client_of(setup.board_b)
    base = f"/{setup.exam.pk}/sittings"
    attempt = attempt_of(setup.exam, cast.emp_a)
    assert outsider.get(f"{API}{base}").status_code == 404
    assert post(outsider, base, sitting_body(name="Ca 9")).status_code == 404
    assert outsider.get(f"{API}{base}/{sitting.pk}").status_code == 404
    assert patch(outsider, f"{base}/{sitting.pk}", {"venue": "X"}).status_code == 404
    assert post(outsider, f"{base}/{sitting.pk}/candidates", {"employees": ["101"]}).status_code == 404
    assert outsider.get(f"{API}{base}/{sitting.pk}/candidates").status_code == 404
    assert post(outsider, f"{base}/{sitting.pk}/candidates/{attempt.pk}/check-in").status_code == 404
    assert post(outsider, f"{base}/{sitting.pk}/end").status_code == 404
    assert patch(outsider, f"/{setup.exam.pk}", {"time_limit": 40}).status_code == 404
    assert attempt_of(setup.exam, cast.emp_a).checked_in_at is None


def test_a_proctor_checks_in_on_their_sitting_only(setup, cast):
    mine = make_sitting(setup, cast, proctors=[setup.proctor], people=[cast.emp_a])
    other = make_sitting(
        setup, cast, proctors=[setup.other_proctor], people=[cast.teacher_a], name="Ca 2", venue="Phòng 305"
    )
    proctor = client_of(setup.proctor)
    base = f"/{setup.exam.pk}/sittings"
    rows = proctor.get(f"{API}{base}/{mine.pk}/candidates").json()["items"]
    assert [r["employee"] for r in rows] == ["101"]
    assert CITIZEN_ID not in proctor.get(f"{API}{base}/{mine.pk}/candidates").content.decode()
    emp_a, teacher = attempt_of(setup.exam, cast.emp_a), attempt_of(setup.exam, cast.teacher_a)
    r = post(proctor, f"{base}/{mine.pk}/candidates/{emp_a.pk}/check-in", {"seat": "M05"})
    assert r.status_code == 200, r.content
    assert r.json()["checked_in_by"] == "giamthi1" and r.json()["seat"] == "M05"
    # Another sitting's proctor: 404 on the sitting, its list and its candidates.
    assert proctor.get(f"{API}{base}/{other.pk}").status_code == 404
    assert proctor.get(f"{API}{base}/{other.pk}/candidates").status_code == 404
    assert post(proctor, f"{base}/{other.pk}/candidates/{teacher.pk}/check-in").status_code == 404
    # A candidate of the other sitting through this sitting's URL: 404 too.
    assert post(proctor, f"{base}/{mine.pk}/candidates/{teacher.pk}/check-in").status_code == 404
    assert attempt_of(setup.exam, cast.teacher_a).checked_in_at is None
    # A proctor is not a manager: no list of sittings, no new sitting, no settings.
    assert proctor.get(f"{API}{base}").status_code == 403
    assert patch(proctor, f"{base}/{mine.pk}", {"venue": "X"}).status_code == 403


def test_candidates_cannot_reach_sitting_endpoints(setup, cast):
    sitting = make_sitting(setup, cast, proctors=[setup.proctor])
    candidate = client_of(cast.staff_user)
    attempt = attempt_of(setup.exam, cast.emp_a)
    assert candidate.get(f"{API}/{setup.exam.pk}/sittings/{sitting.pk}/candidates").status_code == 404
    r = post(candidate, f"/{setup.exam.pk}/sittings/{sitting.pk}/candidates/{attempt.pk}/check-in")
    assert r.status_code == 404


def test_late_entry_through_the_api(setup, cast):
    sitting = make_sitting(setup, cast, late=5)
    candidate = client_of(cast.staff_user)
    r = post(candidate, f"/{setup.exam.pk}/start")
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_open"
    move_start(sitting, timezone.now() - dt.timedelta(minutes=3))
    r = post(candidate, f"/{setup.exam.pk}/start")
    assert r.status_code == 200, r.content
    token = r.json()["session_token"]
    paper = candidate.get(f"{API}/{setup.exam.pk}/paper", HTTP_X_EXAM_SESSION=token).json()
    sitting.refresh_from_db()
    started = dt.datetime.fromisoformat(paper["started_at"])
    assert abs(started - sitting.starts_at) < dt.timedelta(milliseconds=1)  # JSON keeps milliseconds
    assert 26 * 60 <= paper["remaining_seconds"] <= 27 * 60
    # Stable ids beside the display order.
    item = paper["items"][0]
    version = attempt_of(setup.exam, cast.emp_a).items.get(position=1).version
    assert item["version_id"] == version.pk
    assert [o["order"] for o in item["options"]] == [1, 2, 3, 4]
    assert {o["id"] for o in item["options"]} == {o["id"] for o in version.options}


def test_entry_after_the_limit_is_refused_by_the_api(setup, cast):
    sitting = make_sitting(setup, cast, late=5)
    move_start(sitting, timezone.now() - dt.timedelta(minutes=5, seconds=2))
    r = post(client_of(cast.staff_user), f"/{setup.exam.pk}/start")
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "entry_closed"
    assert "5 phút" in r.json()["error"]["message"]


def test_settings_patch_until_the_first_sitting_starts(setup, cast):
    board = client_of(setup.board)
    r = patch(board, f"/{setup.exam.pk}", {"late_entry_minutes": 7, "scoring": "partial", "require_checkin": True})
    assert r.status_code == 200, r.content
    data = r.json()
    assert (data["late_entry_minutes"], data["late_entry_limit"], data["scoring"]) == (7, 7, "partial")
    assert data["editable"] is True
    r = patch(board, f"/{setup.exam.pk}", {"late_entry_minutes": None})
    assert r.json()["late_entry_minutes"] is None and r.json()["late_entry_limit"] == 5  # the rule's default
    r = patch(board, f"/{setup.exam.pk}", {"late_entry_minutes": 45})
    assert r.status_code == 422 and "late_entry_minutes" in r.json()["error"]["fields"]
    move_start(make_sitting(setup, cast), timezone.now() - dt.timedelta(seconds=1))
    r = patch(board, f"/{setup.exam.pk}", {"time_limit": 40})
    assert r.status_code == 409
    assert "đã bắt đầu" in r.json()["error"]["message"]
    assert Exam.objects.get(pk=setup.exam.pk).time_limit == 30
    assert board.get(f"{API}/{setup.exam.pk}").json()["editable"] is False


def test_exam_create_takes_the_sitting_settings(setup, cast):
    board = client_of(setup.board)
    now = timezone.now()
    body = {
        "title": "Thi tuyển công chức 2026",
        "unit": "P-MC",
        "opens_at": now.isoformat(),
        "closes_at": (now + dt.timedelta(hours=4)).isoformat(),
        "time_limit": 60,
        "scoring": "partial",
        "require_checkin": True,
        "remark_window_days": 15,
        "parts": [{"title": "Kiến thức chung", "rules": [{"category": "QLNN", "count": 3}]}],
    }
    r = post(board, "", body)
    assert r.status_code == 201, r.content
    data = r.json()
    assert (data["scoring"], data["require_checkin"], data["late_entry_limit"], data["remark_days"]) == (
        "partial",
        True,
        10,
        15,
    )


def test_end_through_the_api_by_the_proctor(setup, cast):
    sitting = make_sitting(setup, cast, proctors=[setup.proctor], late=5)
    move_start(sitting, timezone.now() - dt.timedelta(minutes=1))
    r = post(client_of(setup.proctor), f"/{setup.exam.pk}/sittings/{sitting.pk}/end")
    assert r.status_code == 200, r.content
    assert r.json()["ended_at"] and r.json()["counts"]["absent"] == 2
    assert set(Attempt.objects.filter(sitting=sitting).values_list("status", flat=True)) == {"absent"}
    assert Sitting.objects.get(pk=sitting.pk).ended_at is not None
    assert sittings.mark_absent_due() == 0


@pytest.mark.parametrize(
    "path_suffix, method, body, field",
    [
        ("", "patch", {"closes_at": "9999-12-31T23:59:59Z"}, "closes_at"),
        ("", "patch", {"opens_at": "0001-01-01T00:00:00Z"}, "opens_at"),
        ("", "patch", {"time_limit": 10**12}, "time_limit"),
        ("", "patch", {"remark_window_days": -3}, "remark_window_days"),
        ("/sittings", "post", {"starts_at": "9999-12-31T23:59:59Z", "ends_at": "9999-12-31T23:59:59Z"}, "starts_at"),
    ],
)
def test_absurd_values_get_a_422_never_a_500(setup, cast, path_suffix, method, body, field):
    board = client_of(setup.board)
    if method == "patch":
        r = patch(board, f"/{setup.exam.pk}{path_suffix}", body)
    else:
        r = post(board, f"/{setup.exam.pk}{path_suffix}", sitting_body(**body))
    assert r.status_code == 422, r.content
    assert field in r.json()["error"]["fields"]
