"""A candidate sits an exam in a real browser, against gunicorn with DEBUG off: start with
the access code, answer, lose the link and get it back, reload mid-exam, run out of time,
and see the result the server produced. The page's script comes from collectstatic's
hashed files through WhiteNoise; without it nothing would save."""

from __future__ import annotations

import datetime as dt
import time

from django.utils import timezone
from playwright.sync_api import expect

from assessments import attempts
from assessments.models import Attempt, Exam, Response
from tests.assessments.test_attempts import attempt_of, build_exam


def choose(page, position: int, index: int) -> str:
    """Click the index-th option of the question at `position`; its option id."""
    inputs = page.locator(f'input[name="q{position}"]')
    value = inputs.nth(index).get_attribute("value")
    page.locator(f"#q-{position} label").nth(index).click()
    expect(page.locator(f"#q-status-{position}")).to_have_text("Đã lưu", timeout=10000)
    return value


def stored(attempt) -> dict[int, list[str]]:
    return {r.item.position: r.selected for r in Response.objects.filter(attempt=attempt).select_related("item")}


def test_candidate_sits_an_exam_and_gets_the_result(transactional_db, cast, site, browser_page, watch, web_login):
    s = build_exam(
        cast,
        count=3,
        time_limit=1,
        access_code="MC-2026",
        results_policy=Exam.Results.IMMEDIATE,
        grace_seconds=1,
    )
    page = browser_page
    web_login(page, "an")
    page.goto(f"{site.url}/assessments/take/")
    page.click("text=Vào thi")
    page.fill("#access-code", "sai-ma")
    page.click("#start-btn")
    page.wait_for_selector("#start-error:not([hidden])")
    assert "Mã dự thi không đúng" in page.inner_text("#start-error")

    page.fill("#access-code", "MC-2026")
    page.click("#start-btn")
    page.wait_for_selector("#exam-run:not([hidden])")
    assert page.inner_text("#exam-clock") not in ("", "--:--")
    # Under the Content-Security-Policy, the page's script and style from static/, hashed.
    watch.assert_loaded("css/app.css", "js/exam.js")
    first = choose(page, 1, 1)
    page.click("#next-btn")
    second = choose(page, 2, 2)
    attempt = attempt_of(s.exam, cast.emp_a)
    assert stored(attempt) == {1: [first], 2: [second]}

    # The link drops: the change waits in the page's queue and goes out when it is back.
    page.context.set_offline(True)
    page.locator("#q-2 label").nth(3).click()
    expect(page.locator("#q-status-2")).to_contain_text("sẽ thử lại")
    assert stored(attempt) == {1: [first], 2: [second]}
    page.context.set_offline(False)
    expect(page.locator("#q-status-2")).to_have_text("Đã lưu", timeout=15000)
    second = page.locator('input[name="q2"]').nth(3).get_attribute("value")
    assert stored(attempt) == {1: [first], 2: [second]}

    # Reload mid-exam: the page resumes with its session and the saved answers.
    page.reload()
    page.wait_for_selector("#exam-run:not([hidden])")
    assert page.is_checked(f'input[name="q1"][value="{first}"]')
    assert page.is_checked(f'input[name="q2"][value="{second}"]')
    assert "Đã trả lời: 2/3" in page.inner_text("#exam-progress")

    # Bring the deadline to a few seconds from now; the next save response carries it.
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + dt.timedelta(seconds=4))
    page.click("#nav-3")
    choose(page, 3, 0)
    page.wait_for_selector("#exam-over:not([hidden])", timeout=15000)
    assert "Hết giờ" in page.inner_text("#exam-over")
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS  # the page does not submit; the server does

    time.sleep(max(0.0, (attempt.deadline + dt.timedelta(seconds=1.2) - timezone.now()).total_seconds()))
    assert attempts.finalize_due(timezone.now()) == 1
    page.wait_for_url(f"{site.url}/assessments/take/{s.exam.pk}/result/", timeout=15000)
    body = page.inner_text("#result")
    assert "Kết quả bài thi" in body and "Đã nộp" in body
    assert "3/3" in page.inner_text("#result-answered")
    attempt.refresh_from_db()
    if attempt.score is not None:  # the scoring engine is installed
        assert page.inner_text("#result-score").startswith(f"{attempt.score:.2f}".replace(".", ","))
    else:
        assert "đang được chấm điểm" in page.inner_text("#result-note")
    assert "correct" not in page.content().lower()
    watch.assert_clean()
