"""Sitting pages: the managers' settings and sitting forms, the proctors' check-in page
(the only page besides HR's where a citizen-ID number shows), and who gets 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Attempt, Exam, Sitting
from hr_system.models import AuditLog
from tests.assessments.test_attempts import attempt_of
from tests.assessments.test_sittings import make_sitting, move_start
from tests.assessments.test_sittings_api import CITIZEN_ID, client_of
from tests.assessments.test_sittings_api import setup as api_setup  # noqa: F401 - the fixture

setup = api_setup


def local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


def test_board_creates_a_sitting_through_the_form(setup, cast):
    board = client_of(setup.board)
    starts = timezone.now() + dt.timedelta(hours=1)
    r = board.post(
        reverse("sitting_create", args=[setup.exam.pk]),
        {
            "name": "Ca sáng",
            "venue": "Phòng máy 3",
            "starts_at": local(starts),
            "ends_at": local(starts + dt.timedelta(minutes=40)),
            "proctors": [setup.proctor.pk],
            "codes": "101",
            "unassigned": "on",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    sitting = Sitting.objects.get(name="Ca sáng")
    assert sitting.attempts.count() == 2 and list(sitting.proctors.all()) == [setup.proctor]
    page = board.get(reverse("exam_detail", args=[setup.exam.pk])).content.decode()
    assert "Ca sáng" in page and "Phòng máy 3" in page


def test_a_sitting_form_error_is_shown_in_vietnamese(setup, cast):
    board = client_of(setup.board)
    starts = timezone.now() + dt.timedelta(hours=1)
    r = board.post(
        reverse("sitting_create", args=[setup.exam.pk]),
        {
            "name": "Ca 1",
            "venue": "P1",
            "starts_at": local(starts),
            "ends_at": local(starts + dt.timedelta(minutes=10)),
        },
    )
    assert r.status_code == 200
    assert "Ca thi phải kéo dài ít nhất bằng thời gian làm bài (30 phút)." in r.content.decode()
    assert not Sitting.objects.exists()


def test_settings_page_edits_then_freezes(setup, cast):
    board = client_of(setup.board)
    url = reverse("exam_settings", args=[setup.exam.pk])
    page = board.get(url).content.decode()
    assert "5 phút" in page  # the rule's default for a 30-minute test
    data = {
        "title": setup.exam.title,
        "opens_at": local(setup.exam.opens_at),
        "closes_at": local(setup.exam.closes_at),
        "time_limit": 30,
        "late_entry_minutes": "7",
        "require_checkin": "on",
        "scoring": "partial",
        "remark_window_days": "",
        "pass_percent": "50",
        "negative_mark": "0",
        "results_policy": "published",
    }
    r = board.post(url, data)
    assert r.status_code == 302, r.content.decode()[:3000]
    exam = Exam.objects.get(pk=setup.exam.pk)
    assert (exam.late_entry_minutes, exam.require_checkin, exam.scoring) == (7, True, "partial")
    assert AuditLog.objects.filter(action="exam.update").exists()
    move_start(make_sitting(setup, cast), timezone.now() - dt.timedelta(minutes=1))
    r = board.post(url, {**data, "time_limit": 45})
    assert r.status_code == 200
    assert "không thể thay đổi cài đặt" in r.content.decode()
    assert Exam.objects.get(pk=setup.exam.pk).time_limit == 30


def test_checkin_page_shows_the_citizen_id_to_the_proctor_and_checks_in(setup, cast):
    sitting = make_sitting(setup, cast, proctors=[setup.proctor])
    proctor = client_of(setup.proctor)
    page = proctor.get(reverse("sitting_checkin", args=[sitting.pk])).content.decode()
    assert CITIZEN_ID in page and "Nguyễn Văn An" in page
    found = proctor.get(reverse("sitting_checkin", args=[sitting.pk]), {"q": CITIZEN_ID}).content.decode()
    assert "Nguyễn Văn An" in found and "Lò Thị Hương" not in found
    attempt = attempt_of(setup.exam, cast.emp_a)
    r = proctor.post(
        reverse("sitting_checkin_action", args=[sitting.pk]),
        {"action": "check_in", "attempt": attempt.pk, "seat": "M12"},
    )
    assert r.status_code == 302
    attempt.refresh_from_db()
    assert attempt.checked_in_by == setup.proctor and attempt.seat == "M12"
    assert CITIZEN_ID not in str(list(AuditLog.objects.values_list("detail", flat=True)))


def test_proctor_ends_the_sitting_from_the_page(setup, cast):
    sitting = move_start(make_sitting(setup, cast, proctors=[setup.proctor]), timezone.now() - dt.timedelta(minutes=1))
    proctor = client_of(setup.proctor)
    assert "end-sitting" in proctor.get(reverse("sitting_checkin", args=[sitting.pk])).content.decode()
    proctor.post(reverse("sitting_checkin_action", args=[sitting.pk]), {"action": "end"})
    assert Sitting.objects.get(pk=sitting.pk).ended_at is not None
    assert set(sitting.attempts.values_list("status", flat=True)) == {Attempt.Status.ABSENT}


def test_wrong_unit_and_other_proctors_get_404_on_every_sitting_page(setup, cast):
    mine = make_sitting(setup, cast, proctors=[setup.proctor], people=[cast.emp_a])
    other = make_sitting(
        setup, cast, proctors=[setup.other_proctor], people=[cast.teacher_a], name="Ca 2", venue="Phòng 305"
    )
    attempt = attempt_of(setup.exam, cast.teacher_a)
    outsider = client_of(setup.board_b)
    for url in (
        reverse("exam_settings", args=[setup.exam.pk]),
        reverse("sitting_create", args=[setup.exam.pk]),
        reverse("sitting_edit", args=[setup.exam.pk, mine.pk]),
        reverse("sitting_checkin", args=[mine.pk]),
    ):
        assert outsider.get(url).status_code == 404, url
    r = outsider.post(reverse("sitting_checkin_action", args=[mine.pk]), {"action": "end"})
    assert r.status_code == 404
    proctor = client_of(setup.proctor)
    assert proctor.get(reverse("sitting_checkin", args=[other.pk])).status_code == 404
    r = proctor.post(reverse("sitting_checkin_action", args=[other.pk]), {"action": "check_in", "attempt": attempt.pk})
    assert r.status_code == 404
    r = proctor.post(reverse("sitting_checkin_action", args=[mine.pk]), {"action": "check_in", "attempt": attempt.pk})
    assert r.status_code == 404  # a candidate of another sitting through my sitting's page
    assert attempt_of(setup.exam, cast.teacher_a).checked_in_at is None
    assert proctor.get(reverse("sitting_edit", args=[setup.exam.pk, mine.pk])).status_code == 403
    assert Sitting.objects.get(pk=other.pk).ended_at is None


def test_candidate_pages_never_show_the_citizen_id(setup, cast):
    make_sitting(setup, cast)
    candidate = client_of(cast.staff_user)
    for url in (reverse("take_list"), reverse("take_exam", args=[setup.exam.pk])):
        page = candidate.get(url).content.decode()
        assert CITIZEN_ID not in page
    page = candidate.get(reverse("take_exam", args=[setup.exam.pk])).content.decode()
    assert 'id="sitting-info"' in page and "Phòng 201" in page
    board_pages = client_of(setup.board)
    for url in (reverse("exam_detail", args=[setup.exam.pk]), reverse("take_monitor", args=[setup.exam.pk])):
        assert CITIZEN_ID not in board_pages.get(url).content.decode()


def test_absent_candidate_is_sent_back_to_the_list(setup, cast):
    sitting = make_sitting(setup, cast, late=0)
    Attempt.objects.filter(sitting=sitting).update(status=Attempt.Status.ABSENT)
    candidate = client_of(cast.staff_user)
    r = candidate.get(reverse("take_exam", args=[setup.exam.pk]))
    assert r.status_code == 302 and r["Location"] == reverse("take_list")
    assert "Vắng thi" in candidate.get(reverse("take_list")).content.decode()


@pytest.mark.parametrize("name", ["take_list"])
def test_proctor_finds_their_sittings_from_their_own_exam_list(setup, cast, name):
    sitting = make_sitting(setup, cast, proctors=[setup.proctor])
    page = client_of(setup.proctor).get(reverse(name)).content.decode()
    assert reverse("sitting_checkin", args=[sitting.pk]) in page
