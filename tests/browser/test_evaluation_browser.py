"""Done-when of issue 17 (the evaluation part), in a browser against gunicorn with DEBUG
off: one civil servant's first quarter of 2026 under Decree 335/2025. HR assigns four
products and records the results (one product late, no objective cause); Nguyễn Văn
An assesses himself; the head of the ward's People's Committee scores him with January's
attendance (two late arrivals) shown beside the discipline criterion and the unit's
deduction rule, then decides: xuất sắc. A second xuất sắc in the same small unit (five
rated tốt allow one) is refused, naming who. The phiếu đánh giá downloads as a PDF.

The transfer round that reads the yearly classification is helper evalfeed's test."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

from django.contrib.auth import get_user_model
from pypdf import PdfReader

from attendance import actions as attendance_actions
from attendance import engine
from devices.actions import store_punches
from devices.models import Device
from devices.records import RawPunch
from evaluation import actions
from evaluation.models import Evaluation, ProductResult
from hr_system.models import Employee
from tests.evaluation.web_world import Q1, decided, scores, world_fixture  # noqa: F401  (the fixture)

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
NOTE = "Không có văn bản quy phạm nào quy định mức trừ điểm theo số lần đi muộn"
LATE_DAYS = (dt.date(2026, 1, 7), dt.date(2026, 1, 14))


def seed_january(world):
    """Office hours for the ward (07:30–11:30, 13:30–17:00), a clock in the People's
    Committee, and An's January: on time every weekday, except two mornings at 07:50."""
    cast = world.cast
    attendance_actions.create_schedule(
        acting_user=world.hr,
        unit=cast.commune_a,
        name="Giờ hành chính",
        valid_from=dt.date(2025, 1, 1),
        valid_to=None,
        weekdays="01234",
        sessions=[{"start": dt.time(7, 30), "end": dt.time(11, 30)}, {"start": dt.time(13, 30), "end": dt.time(17)}],
    )
    device = Device.objects.create(
        name="may-ub", host="127.0.0.1", unit=cast.office_a, synced_through=dt.datetime(2026, 2, 1, tzinfo=HCM)
    )
    days = [Q1 + dt.timedelta(days=i) for i in range(31) if (Q1 + dt.timedelta(days=i)).weekday() < 5]
    records = [
        RawPunch(
            user_id=world.an.code,
            local_time=dt.datetime.combine(day, dt.time.fromisoformat(t)),
        )
        for day in days
        for t in (("07:50" if day in LATE_DAYS else "07:25"), "11:31", "13:28", "17:02")
    ]
    store_punches(device=device, records=records, source="import")
    engine.recompute(Employee.objects.filter(pk=world.an.pk), Q1, dt.date(2026, 1, 31))


def seed_unit(world):
    """The unit's quy chế (half a point off per late arrival), its catalogue, five
    colleagues already rated tốt for the quarter, and Lò Văn Hùng scored 96, waiting for
    the head's decision."""
    actions.save_rulebook(
        acting_user=world.hr,
        unit=world.cast.office_a,
        regime="nd335_2025",
        effective_from=Q1,
        discipline_rule={"late_per": 1, "late_points": 0.5},
    )
    product = actions.add_product_type(
        acting_user=world.hr, unit=world.cast.office_a, name="Văn bản tham mưu", measure="văn bản", standard_units=1
    )
    for colleague in world.colleagues:
        assert decided(world, colleague, 5, 55).classification == "tot"
    hung = Employee.objects.create(
        code="120",
        full_name="Lò Văn Hùng",
        unit=world.cast.office_a,
        category=Employee.Category.CIVIL_SERVANT,
        start_date=dt.date(2015, 1, 1),
        user=get_user_model().objects.create_user(username="hung"),
    )
    e = actions.open_evaluation(acting_user=world.hr, employee=hung, period_kind="quarter", period_start=Q1)
    actions.self_assess(acting_user=hung.user, evaluation=e, scores=scores(6, 66))
    actions.manager_score(acting_user=world.head, evaluation=e, scores=scores(6, 66))
    return product, e


def logout(page):
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/login/**")


def test_one_civil_servants_quarter_from_tasks_to_the_pdf_and_the_quota_refusal(
    transactional_db, world, site, browser_page, watch, web_login, tmp_path
):
    seed_january(world)
    product, hung = seed_unit(world)
    page = browser_page

    # HR: tasks assigned, results recorded (one product late, no objective cause).
    web_login(page, "hr_a")
    page.locator("header nav").get_by_text("Đánh giá, xếp loại").click()
    page.get_by_role("link", name="Giao việc và kết quả").click()
    form = page.locator("#assignment-form")
    form.locator("select[name=product_type]").select_option(str(product.pk))
    form.locator("input[name=employee]").fill("101")
    form.locator("select[name=period_kind]").select_option("quarter")
    form.locator("input[name=period_start]").fill("01/01/2026")
    form.locator("input[name=quantity]").fill("4")
    form.locator("input[name=deadline]").fill("31/03/2026")
    form.locator("textarea[name=quality_requirement]").fill("Đúng thể thức, không phải sửa lại")
    form.get_by_role("button", name="Giao").click()
    page.wait_for_selector("text=Đã giao nhiệm vụ.")
    page.locator("#assignments").get_by_role("link", name="Ghi kết quả").click()
    form = page.locator("#result-form")
    form.locator("input[name=quantity_done]").fill("4")
    form.locator("input[name=rejected_on_quality]").fill("0")
    form.locator("input[name=late]").fill("1")
    form.get_by_role("button", name="Ghi kết quả").click()
    page.wait_for_selector("text=Đã ghi kết quả thực hiện.")
    assert page.locator("#cause-state").inner_text() == "Không có nguyên nhân khách quan"
    result = ProductResult.objects.get(assignment__employee=world.an)
    assert (result.late, result.cause_accepted) == (1, False)

    page.locator("header nav").get_by_text("Đánh giá, xếp loại").click()
    form = page.locator("#open-form")
    form.locator("input[name=employee]").fill("101")
    form.locator("select[name=period_kind]").select_option("quarter")
    form.locator("input[name=period_start]").fill("01/01/2026")
    form.get_by_role("button", name="Mở phiếu").click()
    page.wait_for_selector("text=Đã mở phiếu đánh giá.")
    evaluation = Evaluation.objects.get(employee=world.an)
    logout(page)

    # An assesses himself.
    web_login(page, "an")
    page.locator("header nav").get_by_text("Đánh giá của tôi").click()
    page.get_by_role("link", name="Quý 1/2026").click()
    for code, value in scores(6, 64).items():
        page.fill(f"input[name=score-{code}]", str(value))
    page.fill("textarea[name=comment]", "Hoàn thành đủ bốn văn bản; một văn bản chậm hạn.")
    page.get_by_role("button", name="Gửi tự đánh giá").click()
    page.wait_for_selector("text=Đã lưu phần tự đánh giá.")
    assert page.locator("#status").inner_text() == "Đã tự đánh giá"
    logout(page)

    # The head scores him with the attendance evidence beside the discipline criterion.
    web_login(page, "head_ub")
    page.locator("header nav").get_by_text("Đánh giá, xếp loại").click()
    page.locator("#evaluations").get_by_role("link", name="Nguyễn Văn An").click()
    evidence = page.locator("#discipline-evidence")
    assert "Số lần đi muộn: 2" in evidence.inner_text()
    assert NOTE in evidence.inner_text()
    assert "1" in page.locator("#deduction").inner_text()  # two late arrivals × 0,5 under the unit's rule
    results = page.locator("#results-evidence").inner_text()
    assert "Văn bản tham mưu: 4/4" in results
    assert "1 chậm tiến độ, không có lý do được chấp nhận" in results
    assert "Hạn xếp loại năm: 15/12/2026" in page.locator("#deadline").inner_text()
    for code, value in {**scores(6, 64), "ky_luat_ky_cuong": 5}.items():
        page.fill(f"input[name=score-{code}]", str(value))
    page.fill("textarea[name=comment]", "Chấp hành tốt; còn hai lần đi muộn trong tháng 1.")
    page.get_by_role("button", name="Lưu điểm quản lý chấm").click()
    page.wait_for_selector("text=Đã lưu điểm của người quản lý.")
    assert page.locator("#status").inner_text() == "Quản lý đã chấm"
    evaluation.refresh_from_db()
    assert evaluation.evidence["attendance"]["late_count"] == 2  # the snapshot kept with the score
    # The late product without an accepted cause costs part of its timeliness points.
    assert 60 < evaluation.manager_scores["ket_qua_nhiem_vu"] < 70
    assert "Số lần đi muộn: 2" in page.locator("#discipline-evidence").inner_text()

    # The head's decision: xuất sắc, within the quota (five tốt allow one).
    page.locator("#decide-form").get_by_role("button", name="Quyết định xếp loại").click()
    page.wait_for_selector("text=Đã quyết định xếp loại.")
    assert page.locator("#status").inner_text() == "Đã quyết định"
    assert page.locator("#classification").inner_text() == "Hoàn thành xuất sắc nhiệm vụ"
    assert page.locator("#reopen-form").is_visible()

    # The phiếu đánh giá.
    with page.expect_download() as info:
        page.click("#form-pdf")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert info.value.suggested_filename == "phieu-danh-gia-101-2026-01.pdf"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages).split())
    assert "Nguyễn Văn An" in text and "xuất sắc" in text.lower()

    # A second xuất sắc in the same unit is refused, naming who exceeds.
    page.goto(f"{site.url}/evaluation/{hung.pk}/")
    page.locator("#decide-form").get_by_role("button", name="Quyết định xếp loại").click()
    page.wait_for_selector("#problems")
    problems = page.locator("#problems").inner_text()
    assert "Không được phép:" in problems and "Lò Văn Hùng (120)" in problems
    assert "xuất sắc" in problems
    hung.refresh_from_db()
    assert hung.status == Evaluation.Status.SCORED and hung.classification == ""
    watch.assert_loaded("css/app.css")
