"""Re-marking (phúc khảo) in a real browser, against gunicorn with DEBUG off: the candidate
asks from their result page, the board reviews the answers against the corrected key and
grants the request (through the confirmation dialog), and the candidate sees the new
score and downloads the decision."""

from __future__ import annotations

from playwright.sync_api import expect

from assessments.models import Attempt, RemarkRequest
from tests.assessments.test_remarks import correct_key, seal, world  # noqa: F401


def test_a_candidate_asks_and_the_board_grants_a_re_marking(
    transactional_db,
    world,  # noqa: F811
    site,
    browser_page,
    watch,
    web_login,
):
    seal(world, world.an, world.binh)
    correct_key(world, world.q[2], ["b"])
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())

    web_login(page, "an")
    page.goto(f"{site.url}/assessments/results/{world.exam.pk}/mine/")
    page.fill("#remark-reason", "Câu 3: tôi chọn B, là đáp án đúng.")
    page.click("#phuc-khao button")
    expect(page.locator("#phuc-khao")).to_contain_text("Đang chờ xem xét")
    remark = RemarkRequest.objects.get(attempt=world.an)

    page.context.clear_cookies()
    web_login(page, "hr_a")
    page.goto(f"{site.url}/assessments/results/{world.exam.pk}/")
    page.get_by_role("link", name="Phúc khảo", exact=False).first.click()
    page.get_by_role("link", name="Xem xét", exact=True).click()
    expect(page.locator("tr.changed")).to_have_count(1)
    page.fill("#remark-decision", "Câu 3 chấm lại theo đáp án đã sửa (B).")
    page.get_by_role("button", name="Ghi kết quả phúc khảo").click()
    expect(page.locator("main")).to_contain_text("Đã phúc khảo, điểm thay đổi")
    assert float(Attempt.objects.get(pk=world.an.pk).score) == 3.0

    page.context.clear_cookies()
    web_login(page, "an")
    page.goto(f"{site.url}/assessments/results/{world.exam.pk}/mine/")
    expect(page.locator("#phuc-khao")).to_contain_text("Câu 3 chấm lại theo đáp án đã sửa (B).")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải thông báo kết quả phúc khảo (PDF)").click()
    assert download.value.suggested_filename == f"ket-qua-phuc-khao-{remark.pk}.pdf"
