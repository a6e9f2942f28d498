"""An employee downloads everything the system holds about them, and nobody else's."""

from __future__ import annotations

import datetime as dt
import json
import time
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from attendance.models import DayResult, LeaveRequest, LeaveType
from devices.models import Device, Punch
from hr_system import personal_data
from hr_system.models import AuditLog

CITIZEN_ID = "001099012345"


@pytest.fixture
def person(cast):
    e = cast.emp_a
    e.date_of_birth = dt.date(1990, 4, 2)
    e.citizen_id = CITIZEN_ID
    e.save()
    return e


def _sections(document) -> dict:
    return {s["key"]: s for s in document["sections"]}


def test_every_app_that_declares_an_export_contributes_a_section(person):
    keys = set(_sections(personal_data.collect(person)))
    assert {"hr_system.profile", "hr_system.audit", "attendance.punches", "attendance.day_results"} <= keys
    assert {"attendance.leave_requests", "assessments.attempts", "transfers.rounds"} <= keys


def test_the_api_gives_the_caller_their_own_data_and_audits_it_without_content(person, cast, login):
    client = login(cast.staff_user)
    LeaveRequest.objects.create(
        employee=person,
        leave_type=LeaveType.values[0],
        start_date=dt.date(2026, 3, 2),
        end_date=dt.date(2026, 3, 3),
        reason="Việc gia đình",
    )
    response = client.get("/api/v1/me/data")
    assert response.status_code == 200
    body = response.json()
    assert body["employee_code"] == person.code
    profile = {f["label"]: f["value"] for f in _sections(body)["hr_system.profile"]["fields"]}
    # Their own date of birth and citizen ID: it is their data.
    assert profile["Ngày sinh"] == "1990-04-02"
    assert profile["Số định danh cá nhân (căn cước)"] == CITIZEN_ID
    assert _sections(body)["attendance.leave_requests"]["rows"][0][5] == "Việc gia đình"
    entry = AuditLog.objects.get(action="personal_data.exported")
    assert entry.user == cast.staff_user and entry.object_id == str(person.pk)
    assert CITIZEN_ID not in json.dumps(entry.detail) and "1990" not in json.dumps(entry.detail)


@pytest.mark.parametrize("query", ["?code=201", "?employee=201", "?id=3", "?user=hr_b", "?employee_id=1"])
def test_a_request_for_another_persons_data_is_refused(person, cast, login, query):
    client = login(cast.staff_user)
    response = client.get("/api/v1/me/data" + query)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert "Cầm Văn Đức" not in response.content.decode()
    assert client.get("/me/data.json" + query).status_code == 403
    assert not AuditLog.objects.filter(action="personal_data.exported").exists()


def test_an_hr_officer_gets_only_their_own_not_the_people_they_manage(cast, login):
    # hr_b has no employee record: nothing of theirs to export, and no one else's either.
    response = login(cast.hr_b).get("/api/v1/me/data")
    assert response.status_code == 404
    assert "Cầm Văn Đức" not in response.content.decode()


def test_the_page_offers_pdf_and_json_and_the_self_page_links_to_it(person, cast, login):
    client = login(cast.staff_user)
    assert "Tải dữ liệu của tôi" in client.get("/attendance/me/").content.decode()
    page = client.get("/me/data/")
    assert page.status_code == 200 and "my-data-pdf" in page.content.decode()
    download = client.get("/me/data.json")
    assert download.status_code == 200
    assert json.loads(download.content)["employee_code"] == person.code
    pdf = client.get("/me/data.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert AuditLog.objects.filter(action="personal_data.exported").count() == 2


def test_exam_results_only_when_the_candidate_may_see_them(person, cast):
    from assessments.models import Attempt, Exam

    now = timezone.now()
    exam = Exam.objects.create(
        title="Kiểm tra năng lực", unit=cast.commune_a, opens_at=now - dt.timedelta(days=2), closes_at=now
    )
    Attempt.objects.create(exam=exam, employee=person, status=Attempt.Status.FINALIZED, score=7, max_score=10)
    rows = _sections(personal_data.collect(person))["assessments.attempts"]["rows"]
    assert rows[0][0] == "Kiểm tra năng lực"
    assert rows[0][9] is None  # unpublished: no score
    exam.published_at = now
    exam.save()
    rows = _sections(personal_data.collect(person))["assessments.attempts"]["rows"]
    assert rows[0][9] == 7


def test_audit_rows_name_no_one_else(person, cast):
    AuditLog.record(user=cast.hr_a, action="employee.updated", obj=person, full_name="Nguyễn Văn An", other="Đức")
    rows = _sections(personal_data.collect(person))["hr_system.audit"]["rows"]
    assert [r[1] for r in rows] == ["employee.updated"]
    flat = json.dumps(rows, default=str)
    assert "hr_a" not in flat and "Đức" not in flat


def test_a_year_of_punches_exports_quickly(person, cast):
    device = Device.objects.create(name="Máy cổng", unit=cast.commune_a)
    start = dt.datetime(2025, 1, 1, 7, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    punches = []
    for day in range(365):
        for minute in (0, 570):
            at = start + dt.timedelta(days=day, minutes=minute)
            punches.append(
                Punch(
                    device=device,
                    device_user_id=person.code,
                    local_time=f"{at:%Y-%m-%d %H:%M:%S}",
                    timestamp=at,
                    source=Punch.Source.PULL,
                    employee=person,
                )
            )
    Punch.objects.bulk_create(punches)
    DayResult.objects.bulk_create(
        DayResult(employee=person, date=dt.date(2025, 1, 1) + dt.timedelta(days=d), status="present")
        for d in range(365)
    )
    started = time.perf_counter()
    document = personal_data.collect(person)
    collected = time.perf_counter() - started
    rows = _sections(document)["attendance.punches"]["rows"]
    assert len(rows) == 365 and sum(r[1] for r in rows) == 730
    assert len(_sections(document)["attendance.day_results"]["rows"]) == 365
    started = time.perf_counter()
    pdf = personal_data.export_pdf(document, person)
    rendered = time.perf_counter() - started
    assert pdf.startswith(b"%PDF")
    print(f"collect {collected:.3f}s, pdf {rendered:.3f}s")
    assert collected < 2.0
