"""Shared pieces of the attendance tests about unit rules: commune A's office hours with
a clock that has delivered March 2025, and helpers to punch, recompute and read days."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from attendance import actions, engine
from attendance.models import DayResult
from devices.actions import store_punches
from devices.models import Device
from devices.records import RawPunch
from hr_system.models import Employee

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
API = "/api/v1/attendance"


@pytest.fixture
def clock(cast):
    """Commune A: 07:30–11:30 and 13:30–17:00, Monday to Friday, from 2025; its clock
    has delivered everything up to April 2025."""
    actions.create_schedule(
        acting_user=cast.hr_a,
        unit=cast.commune_a,
        name="Giờ hành chính",
        valid_from=dt.date(2025, 1, 1),
        valid_to=None,
        weekdays="01234",
        sessions=[{"start": dt.time(7, 30), "end": dt.time(11, 30)}, {"start": dt.time(13, 30), "end": dt.time(17)}],
    )
    return Device.objects.create(
        name="may-a", host="127.0.0.1", unit=cast.commune_a, synced_through=dt.datetime(2025, 4, 1, tzinfo=HCM)
    )


def punch(device, code: str, day: dt.date, *times: str) -> None:
    records = [RawPunch(user_id=code, local_time=dt.datetime.combine(day, dt.time.fromisoformat(t))) for t in times]
    store_punches(device=device, records=records, source="import")


def recompute(start: dt.date, end: dt.date, *codes: str) -> None:
    people = Employee.objects.filter(code__in=codes) if codes else Employee.objects.all()
    engine.recompute(people, start, end)


def day(code: str, date: dt.date) -> DayResult:
    return DayResult.objects.get(employee__code=code, date=date)


def post(client, path: str, data: dict | None = None):
    return client.post(f"{API}/{path}", data or {}, content_type="application/json")


def send(client, method: str, path: str, data: dict | None = None):
    return getattr(client, method)(f"{API}/{path}", data or {}, content_type="application/json")
