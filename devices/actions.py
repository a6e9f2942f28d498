"""Writes of the devices app: storing punches exactly once, attaching them to people."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from devices.models import Device, Punch
from devices.records import RawPunch
from hr_system.models import Employee

BATCH = 2000


def store_punches(*, device: Device, records: Iterable[RawPunch], source: str) -> tuple[int, int]:
    """Store raw punches; return (new, duplicates).

    The unique key (device, device_user_id, local_time) is the guarantee; reading the
    existing keys first only makes the counts right and avoids sending duplicates to
    the database. A concurrent writer racing us is absorbed by ignore_conflicts.
    """
    records = list(records)
    if not records:
        return 0, 0
    keys = {r.key for r in records}
    times = [k[1] for k in keys]
    existing = set(
        Punch.objects.filter(device=device, local_time__gte=min(times), local_time__lte=max(times)).values_list(
            "device_user_id", "local_time"
        )
    )
    employees = dict(Employee.objects.filter(code__in={k[0] for k in keys}).values_list("code", "pk"))
    tz = device.tz
    now = timezone.now()
    seen: set[tuple[str, str]] = set()
    rows = []
    for r in records:
        key = r.key
        if key in existing or key in seen:
            continue
        seen.add(key)
        rows.append(
            Punch(
                device=device,
                device_user_id=r.user_id,
                local_time=key[1],
                timestamp=r.local_time.replace(tzinfo=tz),
                status=r.status,
                punch=r.punch,
                verify=r.verify,
                source=source,
                received_at=now,
                employee_id=employees.get(r.user_id),
            )
        )
    with transaction.atomic():
        for start in range(0, len(rows), BATCH):
            Punch.objects.bulk_create(rows[start : start + BATCH], ignore_conflicts=True)
    new = len(rows)
    return new, len(records) - new


def attach_orphan_punches() -> int:
    """Give punches whose device user had no employee their employee, once one exists."""
    match = Employee.objects.filter(code=OuterRef("device_user_id")).values("pk")[:1]
    orphans = Punch.objects.filter(employee__isnull=True, device_user_id__in=Employee.objects.values("code"))
    return orphans.update(employee=Subquery(match))
