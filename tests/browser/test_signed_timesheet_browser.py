"""Done-when of issue 16 item 1: the unit head signs January's timesheet in a browser with
the SoftHSM2 token (the USB-token path, PIN typed into the page), downloads it, and
`verify_pdf` says it is valid, signed by them.

The school has January punches (a clock delivering the month, one teacher punching
every weekday); HR locks January first, as it does before anyone signs."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zoneinfo
from concurrent.futures import ThreadPoolExecutor

from django.core.management import call_command

from attendance import actions, engine
from devices.actions import store_punches
from devices.models import Device
from devices.records import RawPunch
from hr_system.models import Employee, SignedDocument, SigningCredential

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
JANUARY = dt.date(2026, 1, 1)


def seed_january(cast):
    """Commune A's office hours and a clock that has delivered January 2026; Lò Thị
    Hương (the school's teacher) punches in and out every weekday."""
    actions.create_schedule(
        acting_user=cast.hr_a,
        unit=cast.commune_a,
        name="Giờ hành chính",
        valid_from=dt.date(2025, 1, 1),
        valid_to=None,
        weekdays="01234",
        sessions=[{"start": dt.time(7, 30), "end": dt.time(11, 30)}, {"start": dt.time(13, 30), "end": dt.time(17)}],
    )
    device = Device.objects.create(
        name="may-th", host="127.0.0.1", unit=cast.school_a, synced_through=dt.datetime(2026, 2, 1, tzinfo=HCM)
    )
    weekdays = [JANUARY + dt.timedelta(days=i) for i in range(31) if (JANUARY + dt.timedelta(days=i)).weekday() < 5]
    records = [
        RawPunch(user_id=cast.teacher_a.code, local_time=dt.datetime.combine(day, dt.time.fromisoformat(t)))
        for day in weekdays
        for t in ("07:25", "17:05")
    ]
    store_punches(device=device, records=records, source="import")
    engine.recompute(Employee.objects.filter(unit=cast.school_a), JANUARY, dt.date(2026, 1, 31))
    actions.lock_month(acting_user=cast.hr_a, unit=cast.school_a, month=JANUARY)


def test_unit_head_signs_january_with_the_token_and_verify_pdf_says_valid(
    transactional_db, cast, site, browser_page, watch, web_login, softhsm_token, pki, tmp_path
):
    seed_january(cast)
    credential = SigningCredential.objects.create(
        unit=cast.school_a,
        purpose=SigningCredential.Purpose.PERSONAL,
        kind=SigningCredential.Kind.PKCS11,
        holder=cast.head_a,
        label="USB token của Hiệu trưởng",
        pkcs11_module=softhsm_token.module,
        token_label=softhsm_token.label,
        key_label="signer",
    )
    page = browser_page
    web_login(page, "head_a")
    page.locator("header nav").get_by_text("Bảng chấm công").click()
    page.select_option("select[name=unit]", "P-MC-TH")
    page.fill("input[name=month]", "2026-01")
    page.click("form.filters button")
    page.wait_for_selector("#sign-box form")
    row = page.locator("table.sheet tbody tr", has=page.locator("td.name", has_text="Lò Thị Hương"))
    assert "+" in row.locator("td").all_inner_texts()

    box = page.locator("#sign-box")
    box.locator("select[name=credential]").select_option(str(credential.pk))
    pin = box.locator("input[name=secret]")
    assert pin.get_attribute("type") == "password"
    pin.fill(softhsm_token.pin)
    box.get_by_role("button", name="Ký số").click()
    page.wait_for_selector("#signed-state")
    assert "Đã ký số" in page.locator("#signed-state").inner_text()

    with page.expect_download() as info:
        page.click("text=Tải bản đã ký")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert info.value.suggested_filename == "bang-cham-cong-P-MC-TH-2026-01-da-ky.pdf"
    doc = SignedDocument.objects.get()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == doc.sha256

    # Playwright's sync API keeps an event loop running in this thread, and pyHanko's
    # validation starts its own (asyncio.run): the command runs in a plain thread, as it
    # would from a shell.
    out = io.StringIO()
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(call_command, "verify_pdf", str(path), roots=str(pki.roots_dir), stdout=out).result()
    report = out.getvalue()
    assert "(valid)" in report.splitlines()[-1]
    assert f"Người ký: {pki.signer.common_name}" in report
