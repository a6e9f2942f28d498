"""A sitting (ca thi) in a real browser: the proctor checks a candidate in at the door
(seeing the citizen-ID number there only), the programmed start passes, the checked-in
candidate enters late and gets only the time left, a candidate not checked in is
refused, and after the late-entry limit entry is refused with the limit named."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from assessments import sittings
from assessments.models import Attempt, Sitting
from hr_system.models import Employee
from tests.assessments.test_attempts import attempt_of, build_exam
from tests.conftest import PASSWORD

CITIZEN_ID = "014203001234"


def clock_seconds(text: str) -> int:
    parts = [int(p) for p in text.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0)
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


def move_start(sitting: Sitting, starts_at: dt.datetime) -> None:
    length = sitting.ends_at - sitting.starts_at
    Sitting.objects.filter(pk=sitting.pk).update(starts_at=starts_at, ends_at=starts_at + length)


def test_a_sitting_at_the_door_and_on_the_clock(transactional_db, cast, site, browser_page, web_login):
    User = get_user_model()
    Employee.objects.filter(pk=cast.emp_a.pk).update(citizen_id=CITIZEN_ID)
    proctor = User.objects.create_user(username="giamthi", password=PASSWORD)
    Employee.objects.create(
        code="150", full_name="Hà Văn Gác", unit=cast.school_a, category=Employee.Category.CIVIL_SERVANT, user=proctor
    )
    lan_user = User.objects.create_user(username="lan", password=PASSWORD)
    lan = Employee.objects.create(
        code="151", full_name="Vì Thị Lan", unit=cast.office_a, category=Employee.Category.CIVIL_SERVANT, user=lan_user
    )
    s = build_exam(cast, count=3, candidates=[cast.emp_a, lan])
    sittings.update_exam(acting_user=s.board, exam=s.exam, require_checkin=True, late_entry_minutes=5)
    starts = timezone.now() + dt.timedelta(minutes=20)
    sitting = sittings.create_sitting(
        acting_user=s.board,
        exam=s.exam,
        name="Ca 1",
        venue="Phòng máy 1",
        starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=40),
        proctors=[proctor],
        employees=[cast.emp_a, lan],
    )
    page = browser_page

    # The proctor finds the sitting from their own exam list and checks An in.
    web_login(page, "giamthi")
    page.goto(f"{site.url}/assessments/take/")
    page.click("#my-proctoring a")
    row = page.locator(f'tr[data-attempt="{attempt_of(s.exam, cast.emp_a).pk}"]')
    expect(row).to_contain_text(CITIZEN_ID)
    row.locator("input[name=seat]").fill("M01")
    row.locator("button[type=submit]").click()
    expect(page.locator(f'tr[data-attempt="{attempt_of(s.exam, cast.emp_a).pk}"]')).to_have_class("checked")
    assert attempt_of(s.exam, cast.emp_a).checked_in_by == proctor

    # Two minutes after the programmed start, An enters with 28 minutes left.
    move_start(sitting, timezone.now() - dt.timedelta(minutes=2))
    page.context.clear_cookies()
    web_login(page, "an")
    page.goto(f"{site.url}/assessments/take/")
    page.click("text=Vào thi")
    expect(page.locator("#sitting-info")).to_contain_text("Phòng máy 1")
    page.click("#start-btn")
    page.wait_for_selector("#exam-run:not([hidden])")
    expect(page.locator("#exam-clock")).not_to_have_text("--:--")
    left = clock_seconds(page.inner_text("#exam-clock"))
    assert 27 * 60 <= left <= 28 * 60, left
    assert CITIZEN_ID not in page.content()
    attempt = attempt_of(s.exam, cast.emp_a)
    sitting.refresh_from_db()
    assert attempt.started_at == sitting.starts_at

    # Lan was not checked in at the door: refused.
    page.context.clear_cookies()
    web_login(page, "lan")
    page.goto(f"{site.url}/assessments/take/{s.exam.pk}/")
    page.click("#start-btn")
    expect(page.locator("#start-error")).to_contain_text("Bạn chưa được giám thị xác nhận danh tính")

    # One second past the late-entry limit: refused, the limit named; no attempt started.
    move_start(sitting, timezone.now() - dt.timedelta(minutes=5, seconds=2))
    page.click("#start-btn")
    expect(page.locator("#start-error")).to_contain_text("Đã quá thời gian cho phép vào phòng thi muộn (5 phút")
    assert attempt_of(s.exam, lan).status == Attempt.Status.NOT_STARTED
    assert sittings.mark_absent_due() == 1
    assert attempt_of(s.exam, lan).status == Attempt.Status.ABSENT
