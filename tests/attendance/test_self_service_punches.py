"""An employee's own page lists the punches the engine counts: none from a clock that is
not approved (issue #12, item 10)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from devices.models import Device, Punch

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def punch_on(device: Device, employee, local: str) -> Punch:
    when = dt.datetime.fromisoformat(local).replace(tzinfo=HCM)
    return Punch.objects.create(
        device=device, device_user_id=employee.code, local_time=local, timestamp=when, source="push", employee=employee
    )


def test_own_page_leaves_out_punches_of_an_unapproved_clock(cast, login):
    approved = Device.objects.create(name="Máy cổng chính", host="127.0.0.1", unit=cast.commune_a)
    pending = Device.objects.create(
        name="Máy lạ ADMS", transport=Device.Transport.PUSH, serial_number="UNKNOWN1", approved=False
    )
    punch_on(approved, cast.emp_a, "2025-03-03 07:50:00")
    punch_on(pending, cast.emp_a, "2025-03-03 06:01:00")

    r = login(cast.staff_user).get("/attendance/me/", {"month": "2025-03"})
    assert r.status_code == 200
    assert [p.device.name for p in r.context["punches"]] == ["Máy cổng chính"]
    html = r.content.decode()
    assert "03/03/2025 07:50:00" in html
    assert "03/03/2025 06:01:00" not in html and "Máy lạ ADMS" not in html
