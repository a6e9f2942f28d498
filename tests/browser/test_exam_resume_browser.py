"""Two things a candidate noticed (issue 14, item 11): after a reload the exam reopens at
the question they were on, and the submit confirmation names the unanswered questions."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.assessments.test_attempts import build_exam
from tests.browser.test_exam_browser import choose


def test_a_reload_reopens_the_question_and_submitting_names_the_blank_ones(
    transactional_db, cast, site, browser_page, web_login
):
    build_exam(cast, count=5)
    page = browser_page
    web_login(page, "an")
    page.goto(f"{site.url}/assessments/take/")
    page.click("text=Vào thi")
    page.click("#start-btn")
    page.wait_for_selector("#exam-run:not([hidden])")
    choose(page, 1, 0)
    page.click("#nav-4")
    choose(page, 4, 1)
    expect(page.locator("#q-4")).to_be_visible()

    page.reload()
    page.wait_for_selector("#exam-run:not([hidden])")
    expect(page.locator("#q-4")).to_be_visible()
    expect(page.locator("#q-1")).to_be_hidden()
    expect(page.locator("#nav-4")).to_have_class("answered current")

    asked = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.click("#finish-btn")
    expect(page.locator("#exam-run")).to_be_visible()  # dismissed: still sitting
    assert asked and "Bạn còn 3 câu chưa trả lời: câu 2, 3, 5." in asked[0]
    assert "Bạn chắc chắn muốn nộp bài?" in asked[0]
