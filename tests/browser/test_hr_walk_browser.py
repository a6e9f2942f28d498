"""Issue 14's "done when", walked in Chromium at a desk's and a phone's width against
gunicorn with DEBUG off: an HR officer creates a login and an employee role for a new
employee and reads the temporary password off the page; the employee signs in, is made
to change it, files a leave request; the unit head approves it; HR finds the employee
by typing the name without diacritics."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from attendance.models import LeaveRequest
from hr_system.models import AccountState, Employee
from tests.browser.watch import assert_styled
from tests.conftest import PASSWORD

VIEWPORTS = {"desk": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
OWN_PASSWORD = "Hoa-Moc-Chau-2026"


@pytest.fixture
def hoa(cast):
    """A new teacher of A's school, on the roster (as an import leaves her) with no login."""
    return Employee.objects.create(
        code="103",
        full_name="Nguyễn Thị Hoa",
        unit=cast.school_a,
        category=Employee.Category.PUBLIC_EMPLOYEE,
        gender=Employee.Gender.FEMALE,
        start_date=dt.date(2026, 1, 5),
    )


def sign_in(page, site, username: str, password: str) -> None:
    page.goto(f"{site.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def sign_out(page, site) -> None:
    button = page.locator("header .who button")
    if not button.is_visible():  # a phone's collapsed menu: open it first
        page.locator("header button[aria-expanded]").first.click()
    with page.expect_navigation():
        button.click()
    assert page.url == f"{site.url}/login/"


def fill_date(page, selector: str, day: dt.date) -> None:
    """A date field as the page renders it: the browser's own picker (ISO value) or a
    text field typed as dd/mm/yyyy."""
    kind = page.get_attribute(selector, "type")
    page.fill(selector, day.isoformat() if kind == "date" else day.strftime("%d/%m/%Y"))


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_account_to_approved_leave_to_search(transactional_db, cast, hoa, site, browser_page, watch, viewport):
    page = browser_page
    page.set_viewport_size(viewport)

    # 1. HR creates the login with an employee role and reads the temporary password.
    sign_in(page, site, "hr_a", PASSWORD)
    page.goto(f"{site.url}/accounts/")
    page.get_by_role("link", name="Tạo tài khoản cho cán bộ").click()
    page.fill("input[name=q]", "Hoa")
    page.get_by_role("button", name="Tìm").click()
    row = page.locator("#candidates tbody tr", has_text="Nguyễn Thị Hoa")
    row.get_by_role("link", name="Tạo tài khoản").click()
    assert page.input_value("input[name=username]") == "hoant"
    assert page.locator("select[name=role_kind]").input_value() == "employee"
    assert_styled(page)
    page.locator("#create-account button[type=submit]").click()
    page.wait_for_selector("#temporary-password")
    username = page.inner_text("#username")
    temporary = page.inner_text("#password")
    assert username == "hoant" and re.fullmatch(r"[A-Za-z0-9]{12}", temporary)
    hoa.refresh_from_db()
    assert hoa.user.username == "hoant"
    assert list(hoa.user.roles.values_list("kind", "unit__code")) == [("employee", "P-MC-TH")]
    sign_out(page, site)

    # 2. The employee signs in and is made to change the temporary password.
    sign_in(page, site, username, temporary)
    assert page.url.startswith(f"{site.url}/account/password/")
    assert page.locator("#must-change").is_visible()
    page.goto(f"{site.url}/attendance/me/")  # anything else leads back to the change
    assert page.url.startswith(f"{site.url}/account/password/")
    page.fill("input[name=old_password]", temporary)
    page.fill("input[name=new_password1]", OWN_PASSWORD)
    page.fill("input[name=new_password2]", OWN_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Đổi mật khẩu").click()
    assert page.url == f"{site.url}/attendance/me/"
    assert page.locator(".messages").inner_text() == "Đã đổi mật khẩu."
    assert not AccountState.objects.get(user=hoa.user).must_change_password

    # 3. ... and files a leave request on self-service.
    day = dt.date.today() + dt.timedelta(days=7)
    page.select_option("select[name=leave_type]", "P")
    fill_date(page, "input[name=start_date]", day)
    fill_date(page, "input[name=end_date]", day)
    page.fill("textarea[name=reason]", "Việc gia đình")
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi đơn").click()
    assert "Đã gửi đơn xin nghỉ" in page.locator(".messages").inner_text()
    assert "Chờ duyệt" in page.locator("#leaves tbody tr").first.inner_text()
    sign_out(page, site)

    # 4. The unit head approves it.
    sign_in(page, site, "head_a", PASSWORD)
    page.goto(f"{site.url}/attendance/approvals/")
    request_row = page.locator("#pending-leave tbody tr", has_text="Nguyễn Thị Hoa")
    with page.expect_navigation():
        request_row.get_by_role("button", name="Duyệt", exact=True).click()
    leave = LeaveRequest.objects.get(employee=hoa)
    assert leave.status == LeaveRequest.Status.APPROVED and leave.start_date == day
    assert page.locator("#pending-leave tbody tr", has_text="Nguyễn Thị Hoa").count() == 0
    sign_out(page, site)

    # 5. HR finds her by typing the name without diacritics (helper "search", issue 14 item 4).
    sign_in(page, site, "hr_a", PASSWORD)
    page.goto(f"{site.url}/employees/")
    page.fill("input[name=q]", "nguyen thi hoa")
    with page.expect_navigation():
        page.locator("input[name=q]").press("Enter")
    names = page.locator("table.data tbody td a").all_inner_texts()
    assert "Nguyễn Thị Hoa" in names, names
    watch.assert_loaded("css/app.css")
