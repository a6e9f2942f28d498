"""The recompute worker (`recompute_attendance`): it keeps day results current by itself,
and what arrives while it is down is recomputed when it is back (its watermark is in
the database, not in its memory).

Dates are relative to today: the worker recomputes the recent days and fills in
missing ones from 1 January of last year, both counted from the real date.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from attendance import actions, reports
from attendance.models import DayResult, RecomputeState
from devices.actions import store_punches
from devices.models import Device, Punch
from devices.records import RawPunch
from hr_system.models import Employee, WorkerHeartbeat

TODAY = timezone.localdate()
# Mondays three and eight weeks back: older than any "recent days" window.
WEEKS_AGO = TODAY - dt.timedelta(days=21 + TODAY.weekday())
MONTHS_AGO = WEEKS_AGO - dt.timedelta(weeks=5)
ON_TIME = ("07:25", "11:31", "13:28", "17:02")


@pytest.fixture
def office(cast):
    """Commune A's office hours and a clock that has delivered everything up to now."""
    actions.create_schedule(
        acting_user=cast.hr_a,
        unit=cast.commune_a,
        name="Giờ hành chính",
        valid_from=dt.date(TODAY.year - 2, 1, 1),
        valid_to=None,
        weekdays="01234",
        sessions=[{"start": dt.time(7, 30), "end": dt.time(11, 30)}, {"start": dt.time(13, 30), "end": dt.time(17)}],
    )
    return Device.objects.create(name="x", host="127.0.0.1", unit=cast.commune_a, synced_through=timezone.now())


def punch_day(device: Device, code: str, day: dt.date) -> None:
    records = [RawPunch(code, dt.datetime.combine(day, dt.time.fromisoformat(t))) for t in ON_TIME]
    store_punches(device=device, records=records, source="import")


def run_once() -> str:
    out = io.StringIO()
    call_command("recompute_attendance", "--once", stdout=out)
    return out.getvalue()


def symbol(code: str, day: dt.date) -> str:
    return DayResult.objects.get(employee__code=code, date=day).symbol


def test_a_round_computes_the_recent_days_and_fills_in_the_missing_ones(cast, office):
    assert not DayResult.objects.exists()
    out = run_once()
    assert re.fullmatch(r"\d\d:\d\d:\d\d recomputed \d+ day results\n", out)
    assert DayResult.objects.filter(employee=cast.emp_a, date=TODAY).exists()
    # No punches on a working Monday the clock has long delivered: absent without reason.
    assert symbol("101", WEEKS_AGO) == "KP"
    assert DayResult.objects.filter(employee=cast.emp_a, date=dt.date(TODAY.year - 1, 1, 1)).exists()
    assert not DayResult.objects.filter(date__lt=dt.date(TODAY.year - 1, 1, 1)).exists()

    beat = WorkerHeartbeat.objects.get(name="recompute_attendance")
    assert beat.last_step_ok and beat.detail["recomputed"] >= DayResult.objects.count()
    assert beat.pid == os.getpid()
    assert RecomputeState.load().round_at is not None


def test_punches_stored_while_the_worker_was_down_are_recomputed_when_it_is_back(cast, office):
    punch_day(office, "101", TODAY - dt.timedelta(days=1))
    run_once()
    state = RecomputeState.load()
    assert (
        state.punches_through
        == Punch.objects.get(local_time__startswith=f"{TODAY - dt.timedelta(days=1)} 07").received_at
    )
    assert symbol("101", WEEKS_AGO) == "KP" and symbol("102", MONTHS_AGO) == "KP"

    # That round ran a week ago and the worker has been down since; five days ago a
    # clock that was offline for weeks delivered its log.
    week_ago = timezone.now() - dt.timedelta(days=7)
    Employee.objects.update(updated_at=week_ago - dt.timedelta(days=1))
    DayResult.objects.update(computed_at=week_ago)
    RecomputeState.objects.update(punches_through=week_ago, employees_through=week_ago - dt.timedelta(days=1))
    punch_day(office, "101", WEEKS_AGO)
    punch_day(office, "102", MONTHS_AGO)
    Punch.objects.filter(received_at__gt=week_ago).update(received_at=week_ago + dt.timedelta(days=2))
    assert symbol("101", WEEKS_AGO) == "KP"  # storing punches computes nothing
    assert reports.stale_days(Employee.objects.filter(code="101"), WEEKS_AGO, WEEKS_AGO) == 1

    run_once()  # a new process: it knows where the last one stopped from the database
    assert symbol("101", WEEKS_AGO) == "+" and symbol("102", MONTHS_AGO) == "+"
    assert reports.stale_days(Employee.objects.all(), MONTHS_AGO, TODAY) == 0
    assert RecomputeState.load().punches_through == week_ago + dt.timedelta(days=2)


def test_a_changed_personal_record_is_recomputed(cast, office):
    run_once()
    left = WEEKS_AGO + dt.timedelta(days=1)
    cast.teacher_a.leave_date = left
    cast.teacher_a.save()
    newcomer = Employee.objects.create(
        code="105",
        full_name="Hà Văn Mới",
        unit=cast.office_a,
        category=Employee.Category.CIVIL_SERVANT,
        start_date=WEEKS_AGO,
    )
    run_once()
    after = DayResult.objects.get(employee=cast.teacher_a, date=left + dt.timedelta(days=1))
    assert after.status == DayResult.Status.NOT_EMPLOYED
    assert symbol("105", WEEKS_AGO) == "KP"
    assert not DayResult.objects.filter(employee=newcomer, date__lt=WEEKS_AGO).exists()  # before they started


def test_a_day_waiting_for_the_clock_is_recomputed_once_the_clock_has_delivered(cast, office):
    Device.objects.filter(pk=office.pk).update(
        synced_through=dt.datetime.combine(WEEKS_AGO, dt.time(12), timezone.get_current_timezone())
    )
    run_once()
    assert symbol("101", WEEKS_AGO) == "?"
    Device.objects.filter(pk=office.pk).update(synced_through=timezone.now())  # the poller caught up
    assert reports.stale_days(Employee.objects.filter(code="101"), WEEKS_AGO, WEEKS_AGO) == 1
    run_once()
    assert symbol("101", WEEKS_AGO) == "KP"


def test_punches_of_a_clock_approved_weeks_later_are_recomputed(cast, office):
    """A clock that pushed while pending: its punches count from approval, and the days
    they fall on (weeks old by then) are brought up to date by the next round."""
    from devices.actions import approve_device

    run_once()
    pending = Device.objects.create(name="ADMS", transport="push", approved=False, serial_number="SN-LATE")
    punch_day(pending, "101", WEEKS_AGO)
    run_once()
    assert symbol("101", WEEKS_AGO) == "KP"  # a pending clock serves nobody
    approve_device(acting_user=cast.admin, device=pending, unit=cast.commune_a)
    Device.objects.filter(pk=pending.pk).update(synced_through=timezone.now())
    assert reports.stale_days(Employee.objects.filter(code="101"), WEEKS_AGO, WEEKS_AGO) == 1
    run_once()
    assert symbol("101", WEEKS_AGO) == "+"


def test_a_locked_month_is_left_as_it_was(cast, office):
    run_once()
    month = WEEKS_AGO.replace(day=1)
    actions.lock_month(acting_user=cast.hr_a, unit=cast.commune_a, month=month)
    punch_day(office, "101", WEEKS_AGO)
    assert reports.stale_days(Employee.objects.filter(code="101"), month, WEEKS_AGO) == 0
    run_once()
    assert symbol("101", WEEKS_AGO) == "KP"


@pytest.mark.django_db(transaction=True)
def test_a_loop_stops_promptly_on_sigterm(cast, office):
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    else:
        url = f"sqlite:///{db['NAME']}"
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "recompute_attendance", "--loop", "--sleep", "60"],
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not WorkerHeartbeat.objects.filter(name="recompute_attendance").exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no heartbeat from the worker"
            time.sleep(0.1)
        asked = time.monotonic()
        proc.send_signal(signal.SIGTERM)  # during the 60 s pause
        out, err = proc.communicate(timeout=10)
        assert time.monotonic() - asked < 5.0  # a few seconds even on a loaded CI machine
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "recomputed" in out
    assert WorkerHeartbeat.objects.get(name="recompute_attendance").last_step_ok
