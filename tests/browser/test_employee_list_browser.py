"""An HR officer signs in, opens the staff list of their commune and downloads it as a
PDF, through gunicorn with DEBUG off."""

import io

from pypdf import PdfReader


def test_hr_logs_in_opens_list_and_downloads_pdf(transactional_db, cast, site, browser_page, watch, web_login):
    page = browser_page
    web_login(page, "hr_a")
    page.click("text=Cán bộ")
    page.wait_for_selector("table.data")
    body = page.inner_text("main")
    assert "Nguyễn Văn An" in body and "Cầm Văn Đức" not in body
    with page.expect_download() as info:
        page.click("text=Tải PDF")
    path = info.value.path()
    with open(path, "rb") as fh:
        content = fh.read()
    assert content.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "Nguyễn Văn An" in text and "Lò Thị Hương" in text
    watch.assert_loaded("css/app.css")
