"""Signing in through the form, as a person does, against gunicorn with DEBUG off: the
CSRF cookie and the session cookie over plain http on loopback, the Vietnamese error for
a wrong password, the dashboard for the right one, and signing out."""

from __future__ import annotations

from tests.browser.watch import assert_styled
from tests.conftest import PASSWORD


def test_wrong_password_then_right_one_then_sign_out(transactional_db, cast, site, browser_page, watch):
    page = browser_page
    response = page.goto(f"{site.url}/")
    assert page.url == f"{site.url}/login/?next=/"
    assert response.headers["server"].startswith("gunicorn")  # not Django's development server
    assert "content-security-policy" in response.headers
    assert_styled(page)

    page.fill("input[name=username]", "hr_a")
    page.fill("input[name=password]", "not-the-password")
    with page.expect_navigation() as refused:
        page.click("button[type=submit]")
    assert refused.value.status == 403
    assert page.inner_text("p.error[role=alert]") == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert page.input_value("input[name=username]") == "hr_a"  # kept, the password is not
    assert page.input_value("input[name=password]") == ""
    assert not any(c["name"] == "sessionid" for c in page.context.cookies())

    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site.url}/")
    assert page.inner_text("header .who a") == "hr_a"
    assert page.locator("header nav").get_by_text("Bảng chấm công").is_visible()  # an HR officer's menu
    session = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    assert session["httpOnly"] and not session["secure"]  # plain http: the one relaxation
    assert_styled(page)

    page.click("header .who button")  # "Đăng xuất": a POST with the CSRF token
    page.wait_for_url(f"{site.url}/login/")
    assert page.locator("h1").inner_text() == "Đăng nhập"
    page.goto(f"{site.url}/attendance/timesheet/")
    assert page.url == f"{site.url}/login/?next=/attendance/timesheet/"
    watch.assert_loaded("css/app.css")
