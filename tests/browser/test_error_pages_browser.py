"""Error pages as gunicorn serves them with DEBUG off: Vietnamese, in the product's layout,
with its stylesheet loaded (collectstatic's hashed name through WhiteNoise), never
Django's English technical pages."""

from __future__ import annotations

from tests.browser.watch import assert_styled


def test_404_is_vietnamese_in_the_product_layout(transactional_db, cast, site, browser_page, watch, web_login):
    page = browser_page
    response = page.goto(f"{site.url}/khong-co-trang-nay/")
    assert response.status == 404
    assert response.headers["server"].startswith("gunicorn")
    assert page.locator("h1").inner_text() == "Không tìm thấy trang"
    assert page.title() == "Không tìm thấy trang"
    assert page.get_attribute("html", "lang") == "vi"
    html = page.content()
    assert "Page not found" not in html and "URLconf" not in html  # no technical page: DEBUG is off
    assert_styled(page)

    # An employee without a role asks for the timesheet: the product's own reason, signed in.
    web_login(page, "an")
    response = page.goto(f"{site.url}/attendance/timesheet/")
    assert response.status == 403
    assert page.locator("h1").inner_text() == "Không có quyền truy cập"
    assert page.inner_text("p.error[role=alert]") == "Bạn không có quyền xem số liệu chấm công."
    assert page.inner_text("header .who a") == "an"
    assert_styled(page)
    watch.assert_loaded("css/app.css")
