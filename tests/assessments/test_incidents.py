"""Incidents of a sitting (machine failure, a move with time restored, a violation), the
minutes (biên bản) and the signing list, through the actions, the API and the page."""

from __future__ import annotations

import datetime as dt

import pytest

from assessments import attempts, incidents, results, sitting_documents
from assessments.models import Attempt, AttemptEvent, Exam, Incident, Sitting
from assessments.papers import ExamError
from hr_system.models import AuditLog
from tests.assessments.sitting_records_world import make_world, pdf_text

API = "/api/v1/assessments/sittings"


@pytest.fixture
def world(cast):
    w = make_world(cast, ended=False)
    # Bình is still writing: the proctors move him to another computer.
    Attempt.objects.filter(pk=w.binh.pk).update(status=Attempt.Status.IN_PROGRESS, finalized_at=None)
    w.binh.refresh_from_db()
    return w


def test_moving_a_candidate_restores_time_changes_the_seat_and_logs_it(world):
    deadline = world.binh.deadline
    incident = incidents.record_incident(
        acting_user=world.proctor,
        sitting=world.sitting,
        kind=Incident.Kind.MOVED,
        description="Máy M02 treo, chuyển sang máy dự phòng",
        attempt=world.binh,
        to_seat="M10",
        time_restored_seconds=150,
    )
    binh = Attempt.objects.get(pk=world.binh.pk)
    assert (incident.from_seat, incident.to_seat, binh.seat) == ("M02", "M10", "M10")
    assert binh.deadline == deadline + dt.timedelta(seconds=150) and binh.extra_seconds == 150
    event = AttemptEvent.objects.get(attempt=binh, kind="moved")
    assert event.by == world.proctor and event.detail["time_restored_seconds"] == 150
    log = AuditLog.objects.get(action="sitting.incident")
    assert log.user == world.proctor and log.detail["kind"] == "moved" and log.detail["attempt"] == binh.pk


def test_a_violation_names_the_rule_and_may_terminate_the_candidate(world):
    with pytest.raises(ExamError) as exc:
        incidents.record_incident(
            acting_user=world.proctor,
            sitting=world.sitting,
            kind="violation",
            description="Dùng điện thoại",
            attempt=world.binh,
        )
    assert exc.value.field == "rule_broken"
    incidents.record_incident(
        acting_user=world.proctor,
        sitting=world.sitting,
        kind="violation",
        description="Dùng điện thoại trong phòng thi",
        attempt=world.binh,
        rule_broken="Mang thiết bị thu phát vào phòng thi",
        terminate=True,
    )
    binh = Attempt.objects.get(pk=world.binh.pk)
    assert binh.status == Attempt.Status.TERMINATED
    assert AttemptEvent.objects.get(attempt=binh, kind="terminated").detail["reason"].startswith("Mang thiết bị")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "flood", "description": "x"}, "kind"),
        ({"kind": "other", "description": "  "}, "description"),
        ({"kind": "moved", "description": "Chuyển máy"}, "to_seat"),
        ({"kind": "other", "description": "x", "time_restored_seconds": 60}, "time_restored_seconds"),
        ({"kind": "machine_failure", "description": "x", "time_restored_seconds": -5}, "time_restored_seconds"),
        ({"kind": "machine_failure", "description": "x", "time_restored_seconds": 60}, "attempt"),
        ({"kind": "other", "description": "x", "terminate": True}, "attempt"),
    ],
)
def test_bad_incidents_are_refused_naming_the_field(world, kwargs, field):
    with pytest.raises(ExamError) as exc:
        incidents.record_incident(acting_user=world.proctor, sitting=world.sitting, **kwargs)
    assert exc.value.field == field and exc.value.status == 422
    assert not Incident.objects.exists()


def test_a_candidate_of_another_sitting_is_refused(world):
    with pytest.raises(ExamError, match="không có tên trong danh sách ca thi"):
        incidents.record_incident(
            acting_user=world.proctor,
            sitting=world.sitting,
            kind="machine_failure",
            description="Mất điện",
            attempt=world.duc,
            time_restored_seconds=60,
        )
    assert Attempt.objects.get(pk=world.duc.pk).extra_seconds == 0


def test_time_cannot_be_restored_to_a_closed_attempt(world):
    with pytest.raises(ExamError, match="Không thể bù giờ") as exc:
        incidents.record_incident(
            acting_user=world.proctor,
            sitting=world.sitting,
            kind="machine_failure",
            description="Mất điện",
            attempt=world.an,
            time_restored_seconds=60,
        )
    assert exc.value.status == 409


# --- API and page: managers and the sitting's proctors only --------------------------------


def test_incidents_api_for_the_proctor_and_managers_not_another_unit(world, login, cast):
    url = f"{API}/{world.sitting.pk}/incidents"
    body = {
        "kind": "moved",
        "description": "Máy treo",
        "attempt_id": world.binh.pk,
        "to_seat": "M11",
        "time_restored_seconds": 90,
    }
    response = login(world.proctor).post(url, body, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["from_seat"] == "M02" and response.json()["employee_code"] == "103"
    listed = login(cast.hr_a).get(url).json()
    assert listed["count"] == 1 and listed["items"][0]["kind_label"] == "Chuyển thí sinh sang máy khác"
    assert login(cast.hr_b).get(url).status_code == 404  # another commune's HR
    assert login(cast.hr_b).post(url, body, content_type="application/json").status_code == 404
    assert login(cast.staff_user).get(url).status_code == 404  # a candidate
    other = Sitting.objects.get(pk=world.other_sitting.pk)
    assert login(world.proctor).get(f"{API}/{other.pk}/incidents").status_code == 404  # not their sitting
    bad = login(world.proctor).post(url, {**body, "attempt_id": world.duc.pk}, content_type="application/json")
    assert bad.status_code == 422 and "attempt_id" in bad.json()["error"]["fields"]
    bad = login(world.proctor).post(url, {**body, "to_seat": ""}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["error"]["fields"] == {"to_seat": ["Vui lòng ghi máy thi mới."]}
    extra = login(world.proctor).post(url, {**body, "by": "x"}, content_type="application/json")
    assert extra.status_code == 422


def test_records_page_records_an_incident_with_minutes_in_decimal_comma(world, login):
    client = login(world.proctor)
    url = f"/assessments/sittings/{world.sitting.pk}/records/"
    assert "Ghi sự việc" in client.get(url).content.decode()
    response = client.post(
        f"/assessments/sittings/{world.sitting.pk}/incidents/",
        {
            "kind": "machine_failure",
            "attempt": world.binh.pk,
            "description": "Mất điện 2 phút",
            "minutes_restored": "2,5",
        },
        follow=True,
    )
    assert "Đã ghi sự việc" in response.content.decode()
    assert Incident.objects.get().time_restored_seconds == 150
    response = client.post(
        f"/assessments/sittings/{world.sitting.pk}/incidents/",
        {"kind": "machine_failure", "attempt": world.binh.pk, "description": "x", "minutes_restored": "abc"},
        follow=True,
    )
    assert "Thời gian bù phải là số phút" in response.content.decode() and Incident.objects.count() == 1
    response = client.post(
        f"/assessments/sittings/{world.sitting.pk}/incidents/",
        {"kind": "other", "attempt": world.duc.pk, "description": "x"},
        follow=True,
    )
    assert "không có tên trong danh sách ca thi" in response.content.decode()
    assert "QZX-" not in client.get(url).content.decode()


def test_records_page_is_404_for_another_unit_and_a_candidate(world, login, cast):
    url = f"/assessments/sittings/{world.sitting.pk}/records/"
    assert login(cast.hr_b).get(url).status_code == 404
    assert login(cast.staff_user).get(url).status_code == 404
    assert login(cast.hr_a).get(url).status_code == 200


# --- the minutes and the signing list ------------------------------------------------------


def test_minutes_list_attendance_incidents_extensions_and_terminations(world, login, cast):
    incidents.record_incident(
        acting_user=world.proctor,
        sitting=world.sitting,
        kind="moved",
        description="Máy M02 treo",
        attempt=world.binh,
        to_seat="M10",
        time_restored_seconds=120,
    )
    attempts.extend(acting_user=cast.hr_a, attempts=[world.binh], minutes=5, reason="Mất điện toàn phòng")
    text = pdf_text(sitting_documents.sitting_minutes_pdf(world.sitting))
    assert "BIÊN BẢN" in text and "Độc lập - Tự do - Hạnh phúc" in text and "Phòng P.201" in text
    assert "Số thí sinh có tên trong danh sách: 4; có mặt: 3; vào muộn: 1; vắng: 1; bị đình chỉ: 1" in text
    assert "(muộn)" in text and "Vắng thi" in text
    assert "Máy M02 treo" in text and "Chuyển từ máy M02 sang máy M10" in text
    assert "Gia hạn thời gian" in text and "5 phút" in text and "Mất điện toàn phòng" in text
    assert "GIÁM THỊ 1" in text and "Giám thị Lê" in text
    response = login(world.proctor).get(f"/assessments/sittings/{world.sitting.pk}/minutes.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert login(cast.hr_b).get(f"{API}/{world.sitting.pk}/minutes.pdf").status_code == 404


def test_sign_list_has_scores_with_a_decimal_comma_and_a_signature_column(world, login):
    Attempt.objects.filter(pk=world.binh.pk).update(status=Attempt.Status.FINALIZED)
    Exam.objects.filter(pk=world.exam.pk).update(negative_mark="0.25")  # An: 2 right, 1 wrong → 1,75
    results.score_attempt(Attempt.objects.select_related("exam").get(pk=world.an.pk))
    text = pdf_text(sitting_documents.sitting_sign_list_pdf(world.sitting))
    assert "Ký xác nhận" in text and "DANH SÁCH" in text
    assert "Nguyễn Văn An 101 M01 1,75/3 Đạt 2 Hoàng Văn Bình 103 M02 3/3 Đạt" in text
    assert "Nguyễn Văn An" in text and "Vắng thi" in text and "Bị đình chỉ" in text
    assert "Đức" not in text  # another sitting
    response = login(world.proctor).get(f"{API}/{world.sitting.pk}/sign-list.pdf")
    assert response.status_code == 200


def test_sign_list_is_refused_while_writing_or_when_results_wait_for_publication(world, login, cast):
    with pytest.raises(ExamError, match="Còn 1 thí sinh đang làm bài"):
        sitting_documents.sitting_sign_list_pdf(world.sitting)
    Attempt.objects.filter(pk=world.binh.pk).update(status=Attempt.Status.FINALIZED)
    Exam.objects.filter(pk=world.exam.pk).update(results_policy=Exam.Results.PUBLISHED)
    response = login(cast.hr_a).get(f"{API}/{world.sitting.pk}/sign-list.pdf")
    assert response.status_code == 409 and "chỉ hiện kết quả khi công bố" in response.json()["error"]["message"]
    page = login(cast.hr_a).get(f"/assessments/sittings/{world.sitting.pk}/sign-list.pdf", follow=True)
    assert "chỉ hiện kết quả khi công bố" in page.content.decode()
