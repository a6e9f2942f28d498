"""On a phone (390 px wide, issue 14 item 8): the menu folds behind one button that works
with a tap and with the keyboard, no page scrolls sideways as a whole (wide tables scroll
in their own box), and the self-service forms are one tap away however many punches the
month holds. Against gunicorn with DEBUG off."""

from __future__ import annotations

import datetime as dt

from tests.attendance.test_api import at, office, punch  # noqa: F401  (office: the fixture)
from tests.attendance.test_reports import clock, march  # noqa: F401  (the fixtures)
from tests.browser.watch import assert_styled

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def page_scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def in_first_screen(page, selector: str) -> bool:
    return page.evaluate(
        "s => { const r = document.querySelector(s).getBoundingClientRect();"
        " return r.top > -1 && r.top < window.innerHeight; }",  # scrolled to can be a fraction of a pixel above
        selector,
    )


def test_the_menu_folds_on_a_phone_and_opens_by_tap_and_keyboard(transactional_db, cast, site, browser_page, web_login):
    page = browser_page
    page.set_viewport_size(PHONE)
    web_login(page, "hr_a")
    assert_styled(page)
    toggle = page.locator("header .menu-toggle")
    nav = page.locator("header nav")
    assert toggle.is_visible() and not nav.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"

    toggle.click()
    assert nav.is_visible() and toggle.get_attribute("aria-expanded") == "true"
    assert page.locator("header .who").is_visible()  # the name and "Đăng xuất" fold with it
    page.keyboard.press("Escape")
    assert not nav.is_visible() and toggle.get_attribute("aria-expanded") == "false"

    toggle.focus()
    page.keyboard.press("Enter")
    assert nav.is_visible()
    nav.get_by_text("Cán bộ").click()
    page.wait_for_url(f"{site.url}/employees/")
    assert not page.locator("header nav").is_visible()  # a new page starts folded

    page.set_viewport_size(DESKTOP)
    assert page.locator("header nav").is_visible() and not page.locator("header .menu-toggle").is_visible()


def test_no_page_scrolls_sideways_on_a_phone(transactional_db, cast, march, site, browser_page, web_login):  # noqa: F811
    page = browser_page
    page.set_viewport_size(PHONE)
    web_login(page, "hr_a")
    for path in [
        "/",
        "/employees/",
        "/attendance/timesheet/?unit=P-MC&month=03/2025",
        "/attendance/discipline/?unit=P-MC",
    ]:
        page.goto(site.url + path)
        assert not page_scrolls_sideways(page), path
    # The timesheet's 31 days scroll inside their own box.
    page.goto(f"{site.url}/attendance/timesheet/?unit=P-MC&month=03/2025")
    assert page.evaluate(
        "(() => { const w = document.querySelector('.sheet-wrap'); return w.scrollWidth > w.clientWidth; })()"
    )


def test_self_service_forms_are_one_tap_away_past_a_hundred_punches(
    transactional_db,
    cast,
    office,  # noqa: F811
    site,
    browser_page,
    web_login,
):
    # Five punches a working day of March 2025: over a hundred rows.
    days = [dt.date(2025, 3, d) for d in range(1, 32) if dt.date(2025, 3, d).weekday() < 5]
    for day in days:
        punch(office, "101", *(at(day, t) for t in ("07:25", "07:26", "11:31", "13:28", "17:02")))
    page = browser_page
    page.set_viewport_size(PHONE)
    web_login(page, "an")
    page.goto(f"{site.url}/attendance/me/?month=03/2025")
    assert not page_scrolls_sideways(page)
    assert page.locator("#luot-cham-cong summary").inner_text().endswith(f"({5 * len(days)})")
    assert not page.locator("#punches").is_visible()  # folded until asked for

    page.get_by_role("link", name="Xin nghỉ").click()
    assert in_first_screen(page, "#xin-nghi")
    page.get_by_role("link", name="Đề nghị điều chỉnh chấm công").first.click()
    assert in_first_screen(page, "#dieu-chinh")

    # A date that does not exist: the error stands beside the field, on screen after sending.
    form = page.locator("#dieu-chinh")
    form.locator("input[name=date]").fill("31/02/2025")
    form.locator("select[name=kind]").select_option("forgot")
    form.locator("select[name=session]").select_option("all")
    form.locator("input[name=time_in]").fill("07:30")
    form.locator("textarea[name=reason]").fill("Quên chấm công")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    error = page.locator("#dieu-chinh [id$=date_error]")
    assert error.inner_text() == "Nhập một ngày hợp lệ."
    assert in_first_screen(page, "#dieu-chinh [id$=date_error]")

    page.locator("#luot-cham-cong summary").click()
    assert page.locator("#punches").is_visible()
    assert not page_scrolls_sideways(page)
