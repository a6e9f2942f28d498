"""Keep a clock's user list in step with the roster, and fingerprints across clocks.

An official enrols a finger once, on any clock; the template is collected into
FingerTemplate and written to every other clock that official may use.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from devices.models import Device, FingerTemplate
from devices.zk.client import DeviceUser, ZKClient
from hr_system.models import AuditLog, Employee, OrgUnit

logger = logging.getLogger(__name__)

NAME_LENGTH = 24  # 72-byte user record; 28-byte records keep 8 (pyzk truncates)


def ascii_name(full_name: str) -> str:
    """Device fonts cannot show Vietnamese diacritics: 'Đặng Thị Hương' → 'Dang Thi Huong'."""
    text = full_name.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c) and ord(c) < 128)[:NAME_LENGTH]


def roster_for(device: Device):
    """Active employees of the device's unit subtree and of any extra units."""
    units = [u for u in [device.unit, *device.extra_units.all()] if u is not None]
    if not units:
        return Employee.objects.none()
    unit_ids = OrgUnit.objects.subtree_of(*units).values("pk")
    return Employee.objects.filter(unit__in=unit_ids).active_on(timezone.localdate()).order_by("code")


@dataclass
class RosterPlan:
    add: list[tuple[str, str]] = field(default_factory=list)  # (user_id, ascii name)
    rename: list[tuple[int, str, str]] = field(default_factory=list)  # (uid, user_id, new name)
    remove: list[tuple[int, str]] = field(default_factory=list)  # (uid, user_id)
    unknown_kept: list[str] = field(default_factory=list)
    templates_in: int = 0  # templates read from the device into the store
    templates_out: list[tuple[str, int]] = field(default_factory=list)  # (user_id, finger) to write

    def as_dict(self) -> dict:
        return {
            "add": [{"user_id": u, "name": n} for u, n in self.add],
            "rename": [{"user_id": u, "name": n} for _, u, n in self.rename],
            "remove": [u for _, u in self.remove],
            "unknown_kept": self.unknown_kept,
            "templates_collected": self.templates_in,
            "templates_to_write": [{"user_id": u, "finger": f} for u, f in self.templates_out],
        }


def collect_templates(device: Device, client: ZKClient, users: list[DeviceUser]) -> set[tuple[str, int]]:
    """Store the templates enrolled on this device for people it serves (newest read
    wins); return what it holds. A template under another unit's code is left alone:
    codes are province-wide, and this clock's finger for code 1001 must not replace
    that of another commune's employee 1001 on every clock that carries them."""
    by_uid = {u.uid: u.user_id for u in users}
    served = set(device.served_employees().filter(code__in=list(by_uid.values())).values_list("code", flat=True))
    held: set[tuple[str, int]] = set()
    refused = 0
    with transaction.atomic():
        for uid, finger, valid, data in client.read_templates():
            user_id = by_uid.get(uid)
            if not user_id:
                continue
            if user_id not in served:
                refused += 1
                continue
            FingerTemplate.objects.update_or_create(
                device_user_id=user_id,
                finger=finger,
                defaults={"template": data, "valid": valid, "source_device": device},
            )
            held.add((user_id, finger))
    if refused:
        logger.warning("Roster sync %s: %d template(s) of people this clock does not serve left alone", device, refused)
    return held


def make_plan(device: Device, client: ZKClient) -> tuple[RosterPlan, list[DeviceUser]]:
    users = client.read_users()
    held = collect_templates(device, client, users)
    plan = RosterPlan(templates_in=len(held))
    on_device = {u.user_id: u for u in users}
    wanted = {e.code: ascii_name(e.full_name) for e in roster_for(device)}
    known_codes = set(Employee.objects.filter(code__in=list(on_device)).values_list("code", flat=True))
    for code, name in wanted.items():
        current = on_device.get(code)
        if current is None:
            plan.add.append((code, name))
        elif current.name != name:
            plan.rename.append((current.uid, code, name))
    for user_id, user in on_device.items():
        if user_id in wanted:
            continue
        if user_id in known_codes:
            plan.remove.append((user.uid, user_id))  # left, or moved to a unit this clock does not serve
        else:
            plan.unknown_kept.append(user_id)  # e.g. a technician account: not ours to delete
    # Templates enrolled on other clocks that this one does not hold yet.
    stored = FingerTemplate.objects.filter(device_user_id__in=list(wanted)).order_by("device_user_id", "finger")
    plan.templates_out = [t for t in stored.values_list("device_user_id", "finger") if t not in held]
    return plan, users


def apply_plan(
    device: Device, client: ZKClient, plan: RosterPlan, users: list[DeviceUser], *, acting_user=None
) -> None:
    next_uid = max([u.uid for u in users] or [0]) + 1
    uids = {u.user_id: u.uid for u in users}
    client.disable()
    try:
        for code, name in plan.add:
            client.set_user(uid=next_uid, user_id=code, name=name)
            uids[code] = next_uid
            next_uid += 1
        for uid, code, name in plan.rename:
            client.set_user(uid=uid, user_id=code, name=name)
        for uid, _code in plan.remove:
            client.delete_user(uid=uid)
        by_user: dict[str, list[tuple[int, int, bytes]]] = {}
        for code, finger in plan.templates_out:
            t = FingerTemplate.objects.get(device_user_id=code, finger=finger)
            by_user.setdefault(code, []).append((finger, t.valid, bytes(t.template)))
        for code, templates in by_user.items():
            client.save_templates(DeviceUser(uids[code], code, dict(plan.add).get(code, code), 0), templates)
    finally:
        client.enable()
    AuditLog.record(
        user=acting_user,
        action="device.roster_sync",
        obj=device,
        added=len(plan.add),
        renamed=len(plan.rename),
        removed=len(plan.remove),
        templates=len(plan.templates_out),
    )
