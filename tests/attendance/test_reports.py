"""The monthly timesheet (C01-HD), its month lock, and the discipline report with its
drafted reminders: symbols and totals one can check by hand, documents, and scope.

March 2025 starts on a Saturday; its working days are Mon 3 … Mon 31 (21 weekdays).
"""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from attendance import actions, engine, reports
from attendance.models import DisciplineRule, MonthLock
from devices.actions import store_punches
from devices.models import Device
from devices.records import RawPunch
from hr_system.models import AuditLog, Employee

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
MARCH = dt.date(2025, 3, 1)
MAR = {d: dt.date(2025, 3, d) for d in range(1, 32)}
WEEKDAYS = [d for d in range(1, 32) if MAR[d].weekday() < 5]
ON_TIME = ("07:25", "11:31", "13:28", "17:02")
LATE = ("07:50", "11:31", "13:28", "17:02")  # 20 minutes late, grace is 5


@pytest.fixture
def clock(cast):
    """Commune A's office hours (Mon–Fri, 07:30–11:30 and 13:30–17:00) and a clock that
    has delivered every punch up to 5 April 2025."""
    actions.create_schedule(
        acting_user=cast.hr_a,
        unit=cast.commune_a,
        name="Giờ hành chính phường",
        valid_from=dt.date(2025, 1, 1),
        valid_to=None,
        weekdays="01234",
        sessions=[{"start": dt.time(7, 30), "end": dt.time(11, 30)}, {"start": dt.time(13, 30), "end": dt.time(17)}],
    )
    return Device.objects.create(
        name="may-cham-cong-mc",
        host="127.0.0.1",
        unit=cast.commune_a,
        synced_through=dt.datetime(2025, 4, 5, tzinfo=HCM),
    )


def recompute(start: dt.date = MARCH, end: dt.date = dt.date(2025, 4, 30)) -> None:
    """The recompute worker's part: reports only read the day results."""
    engine.recompute(Employee.objects.all(), start, end)


def punch_days(device, code: str, days, times=ON_TIME) -> None:
    records = [
        RawPunch(user_id=code, local_time=dt.datetime.combine(day, dt.time.fromisoformat(t)))
        for day in days
        for t in times
    ]
    store_punches(device=device, records=records, source="import")


@pytest.fixture
def march(cast, clock):
    """Nguyễn Văn An's March, built to be checked by hand:

    Mon 3 on time; Tue 4 late; Wed 5 no punches (KP); Thu 6 morning worked, afternoon
    on approved annual leave (+/P); Fri 7 a holiday (L); Sat 8 a make-up working day,
    worked; every other weekday on time. Lò Thị Hương (school) never punched.
    """
    others = [MAR[d] for d in WEEKDAYS if d not in (3, 4, 5, 6, 7)]
    punch_days(clock, "101", [MAR[3], MAR[8], *others])
    punch_days(clock, "101", [MAR[4]], LATE)
    punch_days(clock, "101", [MAR[6]], ("07:28", "11:32"))
    actions.request_leave(
        acting_user=cast.hr_a,
        employee=cast.emp_a,
        leave_type="P",
        start_date=MAR[6],
        end_date=MAR[6],
        portion="afternoon",
        reason="Việc gia đình",
        approve=True,
    )
    actions.set_calendar_day(acting_user=cast.hr_a, date=MAR[7], kind="holiday", name="Ngày nghỉ thử nghiệm")
    actions.set_calendar_day(acting_user=cast.hr_a, date=MAR[8], kind="workday", name="Làm bù")
    recompute()
    return clock


def rows_by_code(data: dict) -> dict[str, dict]:
    return {row["employee_code"]: row for row in data["rows"]}


def pdf_text(content: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


# --- symbols and totals --------------------------------------------------------------------


def test_timesheet_symbols_follow_punches_leave_and_calendar(cast, march):
    data = reports.timesheet(cast.commune_a, MAR[17])  # any day of the month names the month
    assert data["month"] == MARCH and data["days_in_month"] == 31 and data["unit"] == "P-MC"
    days = rows_by_code(data)["101"]["days"]
    assert sorted(days, key=int) == [str(d) for d in range(1, 32)]
    assert days["3"] == "+"
    assert days["4"] == "+"  # late, but a paid working day
    assert days["5"] == "KP"  # no punches, and the clock has synced past it
    assert days["6"] == "+/P"
    assert days["7"] == "L"
    assert days["8"] == "+"  # make-up Saturday is a working day
    assert days["15"] == ""  # an ordinary Saturday is a rest day
    assert days["1"] == "" and days["2"] == ""


def test_timesheet_totals_and_counts_add_up_by_hand(cast, march):
    row = rows_by_code(reports.timesheet(cast.commune_a, MARCH))["101"]
    # 16 ordinary weekdays + Mon 3 + Tue 4 + Sat 8 worked, Thu 6 half: 19.5 paid by time.
    assert row["totals"] == {
        "paid_time": 19.5,
        "paid_leave": 1.5,  # half a day of annual leave + the holiday
        "social_insurance": 0.0,
        "stoppage": 0.0,
        "unpaid": 1.0,  # Wed 5
    }
    assert (row["late_count"], row["early_count"], row["absent_days"]) == (1, 0, 1.0)


def test_half_day_leave_is_half_a_unit(cast, march):
    assert reports.rules.day_units("+/P") == {"+": 0.5, "P": 0.5}
    row = rows_by_code(reports.timesheet(cast.commune_a, MARCH))["101"]
    assert reports.rules.totals([row["days"]["6"]])["paid_leave"] == 0.5


def test_timesheet_covers_the_subtree_sorted_by_unit_then_given_name(cast, march):
    data = reports.timesheet(cast.commune_a, MARCH)
    assert [r["employee_code"] for r in data["rows"]] == ["101", "102"]  # office before school
    teacher = rows_by_code(data)["102"]
    assert teacher["totals"]["unpaid"] == 21  # 20 weekdays (Fri 7 a holiday) + the make-up Saturday
    assert "201" not in rows_by_code(data)


def test_vietnamese_sort_puts_d_stroke_after_d_and_before_e():
    names = ["Yến", "Đức", "Dũng", "Em", "An", "Ánh", "Ân"]
    assert sorted(names, key=reports.name_sort_key) == ["An", "Ánh", "Ân", "Dũng", "Đức", "Em", "Yến"]


def test_people_who_left_before_the_month_are_not_listed(cast, march):
    cast.teacher_a.leave_date = dt.date(2025, 3, 1)
    cast.teacher_a.save()
    recompute()
    assert "102" not in rows_by_code(reports.timesheet(cast.commune_a, MARCH))
    cast.teacher_a.leave_date = dt.date(2025, 3, 10)  # left during the month: listed
    cast.teacher_a.save()
    recompute()
    row = rows_by_code(reports.timesheet(cast.commune_a, MARCH))["102"]
    assert row["days"]["7"] == "L" and row["days"]["12"] == ""


# --- documents ------------------------------------------------------------------------------


def test_timesheet_pdf_is_a4_landscape_with_names_and_three_signatures(cast, march, login):
    r = login(cast.hr_a).get("/attendance/timesheet.pdf", {"unit": "P-MC", "month": "2025-03"})
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    reader, text = pdf_text(r.content)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    for phrase in (
        "BẢNG CHẤM CÔNG",
        "Tháng 03 năm 2025",
        "Nguyễn Văn An",
        "Lò Thị Hương",
        "Người chấm công",
        "Phụ trách bộ phận",
        "Người duyệt",
        "(Ký, ghi rõ họ tên)",
        "PHƯỜNG MỘC CHÂU",
        "Mộc Châu, ngày",
    ):
        assert phrase in text, phrase
    assert "Cầm Văn Đức" not in text
    assert "+/P" in text and "KP" in text


def test_timesheet_excel_has_the_same_symbols(cast, march, login):
    r = login(cast.hr_a).get("/attendance/timesheet.xlsx", {"unit": "P-MC", "month": "2025-03"})
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][0] == "BẢNG CHẤM CÔNG"
    header_index = next(i for i, row in enumerate(rows) if row and "Họ và tên" in row)
    header = [str(v) if v is not None else "" for v in rows[header_index]]
    an = next(row for row in rows if row and row[2] == "Nguyễn Văn An")
    cell = dict(zip(header, an, strict=False))
    assert (cell["4"], cell["5"], cell["6"], cell["7"], cell["8"]) == ("+", "KP", "+/P", "L", "+")
    assert cell["Số công hưởng lương thời gian"] == 19.5
    assert cell["Số công không lương"] == 1


# --- web page and bad input ---------------------------------------------------------------


def test_timesheet_page_shows_the_grid_and_download_links(cast, march, login):
    r = login(cast.hr_a).get("/attendance/timesheet/", {"unit": "P-MC", "month": "2025-03"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "Nguyễn Văn An" in html and "Lò Thị Hương" in html
    assert 'class="s-absent"><a href="/employees/101/?month=2025-03#ngay-2025-03-' in html
    assert ">KP</a>" in html and 'class="s-half"><a href=' in html and ">+/P</a>" in html
    assert "/attendance/timesheet.pdf?unit=P-MC&amp;month=2025-03" in html
    assert "Chưa khóa sổ" in html and 'value="lock"' in html  # HR with write scope: the lock form


def test_unit_head_sees_the_sheet_but_no_lock_form(cast, march, login):
    r = login(cast.head_a).get("/attendance/timesheet/", {"unit": "P-MC-TH", "month": "2025-03"})
    assert r.status_code == 200 and "Lò Thị Hương" in r.content.decode()
    assert 'value="lock"' not in r.content.decode()
    assert login(cast.head_a).get("/attendance/timesheet/", {"unit": "P-MC", "month": "2025-03"}).status_code == 404


@pytest.mark.parametrize("month", ["2025-13", "2025-3", "03-2025", "abc", "2025-00"])
def test_malformed_month_is_a_vietnamese_error_not_a_crash(cast, login, month):
    client = login(cast.hr_a)
    r = client.get("/attendance/timesheet/", {"unit": "P-MC", "month": month})
    assert r.status_code == 400 and "Tháng không hợp lệ" in r.content.decode()
    r = client.get("/attendance/timesheet.pdf", {"unit": "P-MC", "month": month})
    assert r.status_code == 400 and "Tháng không hợp lệ" in r.content.decode()


def test_unknown_unit_is_404(cast, login):
    client = login(cast.hr_a)
    assert client.get("/attendance/timesheet/", {"unit": "NOPE", "month": "2025-03"}).status_code == 404
    assert client.get("/attendance/timesheet.xlsx", {"unit": "NOPE", "month": "2025-03"}).status_code == 404
    assert client.get("/attendance/discipline/", {"unit": "NOPE"}).status_code == 404


def test_other_communes_hr_gets_404_for_page_and_pdf(cast, march, login):
    client = login(cast.hr_b)
    for path in ("/attendance/timesheet/", "/attendance/timesheet.pdf", "/attendance/timesheet.xlsx"):
        assert client.get(path, {"unit": "P-MC", "month": "2025-03"}).status_code == 404, path
    period = {"unit": "P-MC", "start": "2025-03-01", "end": "2025-03-31"}
    assert client.get("/attendance/discipline/", period).status_code == 404
    assert client.get("/attendance/discipline.pdf", period).status_code == 404
    r = client.get("/attendance/discipline/reminder.pdf", {**period, "employee": "101"})
    assert r.status_code == 404
    # …and the unit list offers only their own commune.
    page = client.get("/attendance/timesheet/").content.decode()
    assert "X-DK" in page and "P-MC" not in page


def test_employee_without_a_role_cannot_read_colleagues_attendance(cast, login):
    client = login(cast.staff_user)  # Nguyễn Văn An, member of the office
    assert client.get("/attendance/timesheet/", {"unit": "P-MC-UB", "month": "2025-03"}).status_code == 403
    assert client.get("/attendance/discipline/", {"unit": "P-MC-UB"}).status_code == 403


def test_pages_need_login(client, db):
    r = client.get("/attendance/timesheet/", {"unit": "P-MC", "month": "2025-03"})
    assert r.status_code == 302 and "/login/" in r["Location"]


# --- month lock ------------------------------------------------------------------------------


def lock_post(client, action: str, **extra):
    data = {"unit": "P-MC", "back_unit": "P-MC", "month": "2025-03", "action": action, **extra}
    return client.post("/attendance/timesheet/lock/", data, follow=True)


def test_locked_month_refuses_leave_and_unlock_needs_a_reason(cast, march, login):
    client = login(cast.hr_a)
    r = lock_post(client, "lock")
    assert r.status_code == 200 and "Đã khóa sổ" in r.content.decode()
    assert 'name="reason"' in r.content.decode() and 'value="lock"' not in r.content.decode()
    assert MonthLock.objects.filter(unit=cast.commune_a, month=MARCH).exists()
    assert reports.timesheet(cast.commune_a, MARCH)["locked"] is True
    assert reports.timesheet(cast.office_a, MARCH)["locked"] is True  # a lock covers the subtree

    with pytest.raises(actions.AttendanceError, match="khóa"):
        actions.request_leave(
            acting_user=cast.hr_a,
            employee=cast.emp_a,
            leave_type="P",
            start_date=MAR[12],
            end_date=MAR[12],
            reason="Việc riêng",
        )

    r = lock_post(client, "unlock", reason="   ")
    assert "Vui lòng ghi lý do mở khóa" in r.content.decode()
    assert MonthLock.objects.filter(unit=cast.commune_a, month=MARCH).exists()

    r = lock_post(client, "unlock", reason="Bổ sung đơn nghỉ ốm của ông An")
    assert "Đã mở khóa" in r.content.decode()
    assert not MonthLock.objects.filter(unit=cast.commune_a, month=MARCH).exists()
    log = AuditLog.objects.get(action="month.unlock")
    assert log.user == cast.hr_a and log.detail["reason"] == "Bổ sung đơn nghỉ ốm của ông An"


def test_locked_month_keeps_its_results_when_new_punches_arrive(cast, march, login):
    actions.lock_month(acting_user=cast.hr_a, unit=cast.commune_a, month=MARCH)
    punch_days(march, "101", [MAR[5]])  # a late import for the KP day
    assert rows_by_code(reports.timesheet(cast.commune_a, MARCH))["101"]["days"]["5"] == "KP"
    actions.unlock_month(acting_user=cast.hr_a, unit=cast.commune_a, month=MARCH, reason="Nhập bổ sung")
    assert rows_by_code(reports.timesheet(cast.commune_a, MARCH))["101"]["days"]["5"] == "+"


def test_lock_twice_shows_the_error_and_unit_head_cannot_lock(cast, march, login):
    client = login(cast.hr_a)
    lock_post(client, "lock")
    r = lock_post(client, "lock")
    assert "đã được khóa trước đó" in r.content.decode()
    r = login(cast.head_a).post(
        "/attendance/timesheet/lock/", {"unit": "P-MC-TH", "month": "2025-03", "action": "lock"}
    )
    assert r.status_code == 403
    assert not MonthLock.objects.filter(unit=cast.school_a).exists()


# --- discipline ----------------------------------------------------------------------------


@pytest.fixture
def late_rule(cast):
    return DisciplineRule.objects.create(
        unit=cast.commune_a, metric="late_count", threshold=3, valid_from=dt.date(2025, 1, 1)
    )


def test_three_late_arrivals_in_a_month_flag_two_do_not(cast, clock, late_rule):
    punch_days(clock, "101", [MAR[3], MAR[4]], LATE)
    punch_days(clock, "102", [MAR[3], MAR[4], MAR[5]], LATE)
    recompute()
    data = reports.discipline(cast.commune_a, MAR[3], MAR[7])
    rows = rows_by_code(data)
    assert (rows["101"]["late_count"], rows["101"]["late_minutes"], rows["101"]["flags"]) == (2, 40, [])
    assert rows["102"]["late_count"] == 3 and rows["102"]["late_dates"] == [MAR[3], MAR[4], MAR[5]]
    [flag] = rows["102"]["flags"]
    assert (flag["metric"], flag["threshold"], flag["value"], flag["month"]) == ("late_count", 3, 3, "03/2025")
    assert "Nội quy" in flag["rule"] and "không phải quy định của pháp luật" in flag["note"]
    assert flag["action"] == "Nhắc nhở bằng văn bản"
    # Days without punches count as absent without reason: Wed 5 to Fri 7 for 101.
    assert (rows["101"]["absent_days"], rows["102"]["absent_days"]) == (3, 2)


def test_thresholds_are_per_calendar_month(cast, clock, late_rule):
    # Two late arrivals in March and two in April: four in the period, never three in a month.
    april = [dt.date(2025, 4, 1), dt.date(2025, 4, 2)]
    punch_days(clock, "101", [MAR[27], MAR[28], *april], LATE)
    recompute()
    row = rows_by_code(reports.discipline(cast.commune_a, MAR[24], dt.date(2025, 4, 4)))["101"]
    assert row["late_count"] == 4 and row["flags"] == []


def test_rule_outside_its_dates_or_unit_does_not_flag(cast, clock):
    DisciplineRule.objects.create(
        unit=cast.commune_a, metric="late_count", threshold=2, valid_from=dt.date(2025, 1, 1), valid_to=MAR[1]
    )
    DisciplineRule.objects.create(unit=cast.commune_b, metric="late_count", threshold=1, valid_from=dt.date(2025, 1, 1))
    punch_days(clock, "101", [MAR[3], MAR[4]], LATE)
    recompute()
    assert rows_by_code(reports.discipline(cast.commune_a, MAR[3], MAR[7]))["101"]["flags"] == []


def test_discipline_page_offers_a_reminder_for_flagged_people_only(cast, clock, late_rule, login):
    punch_days(clock, "101", [MAR[3], MAR[4]], LATE)
    punch_days(clock, "102", [MAR[3], MAR[4], MAR[5]], LATE)
    recompute()
    r = login(cast.hr_a).get("/attendance/discipline/", {"unit": "P-MC", "start": "2025-03-03", "end": "2025-03-07"})
    html = r.content.decode()
    assert r.status_code == 200 and "không phải quy định của pháp luật" in html
    assert "employee=102" in html and "employee=101" not in html


def test_reminder_pdf_states_the_facts_and_is_not_a_decision(cast, clock, late_rule, login):
    punch_days(clock, "102", [MAR[3], MAR[4], MAR[5]], LATE)
    recompute()
    client = login(cast.hr_a)
    query = {"unit": "P-MC", "start": "2025-03-03", "end": "2025-03-07"}
    r = client.get("/attendance/discipline/reminder.pdf", {**query, "employee": "102"})
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    _reader, text = pdf_text(r.content)
    flat = " ".join(text.split())
    assert "Lò Thị Hương" in flat and "Bà Lò Thị Hương" in flat
    assert "đi làm muộn 3 lần" in flat and "03/03/2025, 04/03/2025, 05/03/2025" in flat
    assert "THÔNG BÁO" in flat and "V/v nhắc nhở chấp hành kỷ luật, kỷ cương hành chính" in flat
    assert "không phải quyết định xử lý kỷ luật" in flat and "THỦ TRƯỞNG ĐƠN VỊ" in flat and "Nơi nhận" in flat
    # 101 did not reach the threshold: no basis for a reminder.
    assert client.get("/attendance/discipline/reminder.pdf", {**query, "employee": "101"}).status_code == 404


def test_discipline_pdf_and_excel_list_the_flags(cast, clock, late_rule, login):
    punch_days(clock, "102", [MAR[3], MAR[4], MAR[5]], LATE)
    recompute()
    client = login(cast.hr_a)
    query = {"unit": "P-MC", "start": "2025-03-03", "end": "2025-03-07"}
    _reader, text = pdf_text(client.get("/attendance/discipline.pdf", query).content)
    assert "Lò Thị Hương" in text and "Nguyễn Văn An" in text and "BÁO CÁO" in text
    ws = load_workbook(io.BytesIO(client.get("/attendance/discipline.xlsx", query).content)).active
    rows = [row for row in ws.iter_rows(values_only=True) if row and row[2] == "Lò Thị Hương"]
    assert rows and rows[0][4] == 3 and "03/2025" in rows[0][-1]


def test_discipline_rejects_a_reversed_period(cast, login):
    r = login(cast.hr_a).get("/attendance/discipline/", {"unit": "P-MC", "start": "2025-03-07", "end": "2025-03-01"})
    assert r.status_code == 400 and "Ngày kết thúc phải sau" in r.content.decode()


# --- yearly summary ------------------------------------------------------------------------


def test_yearly_summary_counts_absences_with_and_without_reason(cast, march):
    cast.emp_a.start_date = MARCH  # nothing before March to count
    cast.emp_a.save()
    actions.request_leave(
        acting_user=cast.hr_a,
        employee=cast.emp_a,
        leave_type="CT",
        start_date=MAR[12],
        end_date=MAR[12],
        reason="Công tác huyện",
        approve=True,
    )
    summary = reports.yearly_summary(cast.emp_a, 2025)
    assert summary["leave_days"] == {"P": 0.5}  # the business trip (CT) is working time
    assert summary["days_absent_with_reason"] == 0.5
    # Wed 5 March, and Tue 1 to Fri 4 April (the clock has synced them, no punches);
    # days after 5 April still wait for the clock ("?") and count for nothing.
    assert summary["days_absent_without_reason"] == 5.0
    assert (summary["late_count"], summary["early_count"]) == (1, 0)


def test_empty_unit_and_future_periods_give_empty_figures(cast, clock):
    from hr_system.models import OrgUnit

    empty = OrgUnit.add(
        code="P-MC-VH", name="Nhà văn hóa", kind=OrgUnit.Kind.PUBLIC_SERVICE_UNIT, parent=cast.commune_a
    )
    sheet = reports.timesheet(empty, MARCH)
    assert sheet["rows"] == [] and sheet["days_in_month"] == 31
    assert reports.discipline(empty, MAR[1], MAR[31])["rows"] == []
    assert len(reports.timesheet_pdf(sheet, empty)) > 1000 and reports.timesheet_xlsx(sheet)[:2] == b"PK"

    future = reports.timesheet(cast.commune_a, dt.date(2099, 2, 1))
    assert future["days_in_month"] == 28
    assert all(set(row["days"].values()) == {""} for row in future["rows"])
    summary = reports.yearly_summary(cast.emp_a, 2099)
    assert summary["leave_days"] == {} and summary["days_absent_without_reason"] == 0 and summary["late_count"] == 0
