"""The engine over stored inputs: watermarks, calendars, schedules, locks, idempotence."""

import datetime as dt

import pytest
from django.utils import timezone

from attendance import actions, engine
from attendance.models import CalendarDay, DayResult
from devices.actions import approve_device, store_punches
from devices.models import Device
from devices.records import RawPunch
from hr_system.models import Employee

MON = dt.date(2026, 3, 2)
SESSIONS = [{"start": dt.time(7, 30), "end": dt.time(11, 30)}, {"start": dt.time(13, 30), "end": dt.time(17, 0)}]
UTC = dt.UTC


@pytest.fixture
def setup(cast):
    actions.create_schedule(
        acting_user=cast.hr_a,
        unit=cast.province,
        name="Giờ hành chính",
        valid_from=dt.date(2026, 1, 1),
        valid_to=None,
        weekdays="01234",
        sessions=SESSIONS,
    )
    device = Device.objects.create(
        name="clock A", host="127.0.0.1", unit=cast.commune_a, synced_through=dt.datetime(2026, 3, 31, tzinfo=UTC)
    )
    return device


def punch(device, code, day, *times):
    recs = [RawPunch(code, dt.datetime.combine(day, dt.time(*t))) for t in times]
    store_punches(device=device, records=recs, source="import")


def result(code, day):
    return DayResult.objects.get(employee__code=code, date=day)


def full_day(device, code, day):
    punch(device, code, day, (7, 25), (11, 35), (13, 25), (17, 5))


def test_no_punches_is_pending_until_every_clock_has_synced_past_the_day(cast, setup):
    device = setup
    Device.objects.filter(pk=device.pk).update(synced_through=dt.datetime(2026, 3, 2, 12, 0, tzinfo=UTC))  # 19:00 local
    second = Device.objects.create(
        name="clock B", host="127.0.0.2", unit=cast.commune_a, synced_through=dt.datetime(2026, 3, 1, tzinfo=UTC)
    )
    engine.recompute(Employee.objects.filter(code="101"), MON, MON)
    assert result("101", MON).status == "pending"
    # Clock A is past the day, clock B (offline) is not: still pending.
    Device.objects.filter(pk=device.pk).update(synced_through=dt.datetime(2026, 3, 3, 12, tzinfo=UTC))
    engine.recompute(Employee.objects.filter(code="101"), MON, MON)
    assert result("101", MON).status == "pending"
    Device.objects.filter(pk=second.pk).update(synced_through=dt.datetime(2026, 3, 3, 12, tzinfo=UTC))
    engine.recompute(Employee.objects.filter(code="101"), MON, MON)
    r = result("101", MON)
    assert (r.status, r.symbol) == ("absent", "KP")


def test_a_unit_without_clocks_is_never_marked_absent(cast, setup):
    engine.recompute(Employee.objects.filter(code="201"), MON, MON)
    assert result("201", MON).status == "pending"


def test_recompute_is_idempotent(cast, setup):
    full_day(setup, "101", MON)
    punch(setup, "101", MON + dt.timedelta(days=1), (7, 55), (11, 35), (13, 25), (17, 5))
    emps = Employee.objects.filter(code__in=["101", "102"])
    engine.recompute(emps, MON, MON + dt.timedelta(days=6))
    first = list(
        DayResult.objects.filter(date__range=(MON, MON + dt.timedelta(days=6)))
        .order_by("employee", "date")
        .values_list("employee__code", "date", "status", "symbol", "late_minutes", "sessions")
    )
    engine.recompute(emps, MON, MON + dt.timedelta(days=6))
    second = list(
        DayResult.objects.filter(date__range=(MON, MON + dt.timedelta(days=6)))
        .order_by("employee", "date")
        .values_list("employee__code", "date", "status", "symbol", "late_minutes", "sessions")
    )
    assert first == second and len(first) == 14
    assert result("101", MON + dt.timedelta(days=1)).late_minutes == 25


def test_holiday_swap_and_make_up_saturday(cast, setup):
    actions.set_calendar_day(
        acting_user=cast.hr_a,
        date=dt.date(2026, 3, 6),
        kind=CalendarDay.Kind.DAY_OFF,
        name="Nghỉ hoán đổi",
        notice="99/TB",
    )
    actions.set_calendar_day(
        acting_user=cast.hr_a, date=dt.date(2026, 3, 14), kind=CalendarDay.Kind.WORKDAY, name="Làm bù", notice="99/TB"
    )
    full_day(setup, "101", dt.date(2026, 3, 14))
    engine.recompute(Employee.objects.filter(code="101"), dt.date(2026, 3, 6), dt.date(2026, 3, 15))
    assert result("101", dt.date(2026, 3, 6)).symbol == "L"
    assert "99/TB" in result("101", dt.date(2026, 3, 6)).reasons[0]
    assert result("101", dt.date(2026, 3, 14)).symbol == "+"
    assert result("101", dt.date(2026, 3, 15)).status == "rest"


def test_unit_calendar_overrides_the_national_one(cast, setup):
    actions.set_calendar_day(
        acting_user=cast.hr_a, date=MON, kind=CalendarDay.Kind.DAY_OFF, name="Nghỉ hè", unit=cast.school_a
    )
    engine.recompute(Employee.objects.filter(code__in=["101", "102"]), MON, MON)
    assert result("102", MON).status == "holiday"  # the school is off
    assert result("101", MON).status == "absent"  # the office works


def test_seasonal_schedule(cast, setup):
    actions.create_schedule(
        acting_user=cast.hr_a,
        unit=cast.commune_a,
        name="Hè/đông",
        valid_from=dt.date(2026, 1, 1),
        valid_to=None,
        weekdays="01234",
        sessions=[
            {"start": dt.time(7, 0), "end": dt.time(11, 30), "season_start": "04-16", "season_end": "10-15"},
            {"start": dt.time(13, 30), "end": dt.time(17, 0), "season_start": "04-16", "season_end": "10-15"},
            {"start": dt.time(7, 30), "end": dt.time(12, 0), "season_start": "10-16", "season_end": "04-15"},
            {"start": dt.time(13, 0), "end": dt.time(16, 30), "season_start": "10-16", "season_end": "04-15"},
        ],
    )
    summer = dt.date(2026, 6, 1)
    Device.objects.filter(pk=setup.pk).update(synced_through=dt.datetime(2026, 7, 1, tzinfo=UTC))
    punch(setup, "101", summer, (7, 20), (11, 35), (13, 25), (17, 5))
    punch(setup, "101", MON, (7, 20), (12, 5), (12, 55), (16, 35))
    engine.recompute(Employee.objects.filter(code="101"), MON, MON)
    engine.recompute(Employee.objects.filter(code="101"), summer, summer)
    assert result("101", summer).late_minutes == 20  # 07:00 start in summer
    winter = result("101", MON)
    assert (winter.late_minutes, winter.sessions[0]["start"]) == (0, "07:30")


def test_individual_night_shift_override(cast, setup):
    nurse = cast.teacher_a
    actions.create_schedule(
        acting_user=cast.hr_a,
        unit=cast.commune_a,
        name="Ca đêm",
        valid_from=MON,
        valid_to=MON,
        weekdays="0123456",
        sessions=[{"start": dt.time(22, 0), "end": dt.time(6, 0)}],
        employees=[nurse],
    )
    punch(setup, "102", MON, (21, 50))
    punch(setup, "102", MON + dt.timedelta(days=1), (6, 10))
    engine.recompute(Employee.objects.filter(code="102"), MON, MON)
    r = result("102", MON)
    assert (r.status, r.worked_minutes) == ("present", 480)


def test_locked_month_is_frozen_and_refuses_requests(cast, setup):
    full_day(setup, "101", MON)
    actions.lock_month(acting_user=cast.hr_a, unit=cast.commune_a, month=MON)
    before = result("101", MON).symbol
    tuesday = MON + dt.timedelta(days=1)
    assert result("101", tuesday).symbol == "KP"  # locking brought the month up to date
    full_day(setup, "101", tuesday)
    engine.recompute(Employee.objects.filter(code="101"), MON, tuesday)
    assert result("101", MON).symbol == before
    assert result("101", tuesday).symbol == "KP"  # frozen: the late punches do not change it
    with pytest.raises(actions.AttendanceError, match="khóa"):
        actions.request_leave(
            acting_user=cast.hr_a, employee=cast.emp_a, leave_type="P", start_date=MON, end_date=MON, reason="x"
        )
    with pytest.raises(actions.AttendanceError):
        actions.unlock_month(acting_user=cast.hr_a, unit=cast.commune_a, month=MON, reason="")
    actions.unlock_month(acting_user=cast.hr_a, unit=cast.commune_a, month=MON, reason="Sửa sai sót")
    actions.request_leave(
        acting_user=cast.hr_a,
        employee=cast.emp_a,
        leave_type="P",
        start_date=MON,
        end_date=MON,
        reason="x",
        approve=True,
    )
    assert result("101", MON).symbol == "P"


def test_unlocking_a_unit_frozen_by_its_parent_names_the_parent(cast, setup):
    from attendance.models import MonthLock

    actions.lock_month(acting_user=cast.hr_a, unit=cast.province, month=MON)
    with pytest.raises(actions.AttendanceError, match=cast.province.name):
        actions.unlock_month(acting_user=cast.hr_a, unit=cast.commune_a, month=MON, reason="Sửa sai sót")
    assert MonthLock.objects.filter(unit=cast.province).exists()
    with pytest.raises(actions.AttendanceError, match="chưa bị khóa"):
        actions.unlock_month(acting_user=cast.hr_a, unit=cast.commune_a, month=MON + dt.timedelta(days=40), reason="x")


def test_punches_of_unapproved_devices_are_kept_but_not_used(cast, setup):
    pending = Device.objects.create(name="ADMS lạ", transport="push", approved=False, serial_number="SN9")
    full_day(pending, "101", MON)
    engine.recompute(Employee.objects.filter(code="101"), MON, MON)
    assert result("101", MON).status == "absent"
    # Approval (the real path) says which unit the clock serves and attaches its punches.
    approve_device(acting_user=cast.admin, device=pending, unit=cast.commune_a)
    Device.objects.filter(pk=pending.pk).update(synced_through=timezone.now())
    engine.recompute(Employee.objects.filter(code="101"), MON, MON)
    assert result("101", MON).status == "present"


def test_leave_approval_and_cancellation_change_the_day_at_once(cast, setup):
    leave = actions.request_leave(
        acting_user=cast.staff_user, employee=cast.emp_a, leave_type="Ô", start_date=MON, end_date=MON, reason="Ốm"
    )
    assert not DayResult.objects.filter(employee__code="101", date=MON).exists()
    actions.decide_leave(acting_user=cast.hr_a, leave=leave, approve=True)
    assert result("101", MON).symbol == "Ô"
    actions.cancel_leave(acting_user=cast.hr_a, leave=leave)
    assert result("101", MON).symbol == "KP"


def test_overlapping_leave_and_bad_schedules_are_refused(cast, setup):
    actions.request_leave(
        acting_user=cast.hr_a,
        employee=cast.emp_a,
        leave_type="P",
        start_date=MON,
        end_date=MON + dt.timedelta(days=2),
        reason="x",
    )
    with pytest.raises(actions.AttendanceError, match="Trùng"):
        actions.request_leave(
            acting_user=cast.hr_a,
            employee=cast.emp_a,
            leave_type="Ô",
            start_date=MON + dt.timedelta(days=1),
            end_date=MON + dt.timedelta(days=1),
            reason="y",
        )
    from attendance.models import Schedule

    count = Schedule.objects.count()
    with pytest.raises(actions.AttendanceError, match="chồng"):
        actions.create_schedule(
            acting_user=cast.hr_a,
            unit=cast.commune_a,
            name="x",
            valid_from=MON,
            valid_to=None,
            weekdays="01234",
            sessions=[
                {"start": dt.time(7, 0), "end": dt.time(12, 0)},
                {"start": dt.time(11, 0), "end": dt.time(17, 0)},
            ],
        )
    assert Schedule.objects.count() == count
    with pytest.raises(actions.AttendanceError, match="tương lai"):
        actions.request_correction(
            acting_user=cast.staff_user,
            employee=cast.emp_a,
            date=timezone.localdate() + dt.timedelta(days=1),
            kind="forgot",
            reason="x",
        )


def _stored_results():
    week = DayResult.objects.filter(date__range=(MON, MON + dt.timedelta(days=6)))
    return list(
        week.order_by("employee_id", "date").values_list(
            "employee_id", "date", "status", "symbol", "late_minutes", "worked_minutes", "sessions", "reasons"
        )
    )


@pytest.mark.django_db(transaction=True)
def test_a_big_recompute_is_pipelined_and_stores_the_same_rows(cast, setup, monkeypatch):
    import threading

    full_day(setup, "101", MON)
    punch(setup, "102", MON, (8, 5), (11, 35))
    employees = Employee.objects.all()
    week_end = MON + dt.timedelta(days=6)
    engine.recompute(employees, MON, week_end)  # small: one pass in this thread
    expected = _stored_results()
    DayResult.objects.filter(date__range=(MON, week_end)).delete()

    writers = []
    real_store = engine.store

    def spy(rows):
        writers.append(threading.current_thread().name)
        real_store(rows)

    monkeypatch.setattr(engine, "store", spy)
    monkeypatch.setattr(engine, "PIPELINE_MIN_EMPLOYEES", 1)
    monkeypatch.setattr(engine, "PIPELINE_CHUNK", 1)
    out = []
    count = engine.recompute(employees, MON, week_end, rows_out=out)
    assert count == len(out) == len(expected) == employees.count() * 7
    assert len(writers) == employees.count() and all(w.startswith("dayresult-writer") for w in writers)
    assert _stored_results() == expected


@pytest.mark.django_db(transaction=True)
def test_a_writer_failure_reaches_the_caller(cast, setup, monkeypatch):
    def broken(rows):
        raise RuntimeError("disk full")

    monkeypatch.setattr(engine, "store", broken)
    monkeypatch.setattr(engine, "PIPELINE_MIN_EMPLOYEES", 1)
    with pytest.raises(RuntimeError, match="disk full"):
        engine.recompute(Employee.objects.all(), MON, MON)


def test_inside_a_transaction_the_recompute_is_not_pipelined(cast, setup, monkeypatch):
    import threading

    threads = []
    real_store = engine.store
    monkeypatch.setattr(engine, "store", lambda rows: (threads.append(threading.current_thread()), real_store(rows)))
    monkeypatch.setattr(engine, "PIPELINE_MIN_EMPLOYEES", 1)
    engine.recompute(Employee.objects.all(), MON, MON)  # the test runs inside a transaction
    assert threads == [threading.main_thread()]
    assert DayResult.objects.filter(date=MON).count() == Employee.objects.count()
