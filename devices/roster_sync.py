"""Keep a clock's user list in step with the roster, and fingerprints across clocks.

An official enrols a finger once, on any clock; with STORE_FINGER_TEMPLATES on and the
official's consent recorded, the template is collected into FingerTemplate (encrypted)
and written to every other clock that official may use, each copy logged as a
TemplateAccess. With the setting off (the default) nothing is collected or copied: a run
syncs one clock, and a template read from that clock has nowhere else to go within the
run, so copying between clocks needs the central store (the plan says so).
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from devices import template_crypto
from devices.models import Device, FingerTemplate, TemplateAccess
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
    templates_off: bool = False  # central storage off: fingerprints are neither collected nor copied
    templates_without_consent: int = 0  # read from the clock, not stored: no consent recorded

    def as_dict(self) -> dict:
        return {
            "add": [{"user_id": u, "name": n} for u, n in self.add],
            "rename": [{"user_id": u, "name": n} for _, u, n in self.rename],
            "remove": [u for _, u in self.remove],
            "unknown_kept": self.unknown_kept,
            "templates_collected": self.templates_in,
            "templates_to_write": [{"user_id": u, "finger": f} for u, f in self.templates_out],
            "templates_off": self.templates_off,
            "templates_without_consent": self.templates_without_consent,
        }


def collect_templates(device: Device, client: ZKClient, users: list[DeviceUser]) -> tuple[set[tuple[str, int]], int]:
    """Store the templates enrolled on this device for people it serves who consented
    (newest read wins); return what it holds and how many were left unstored for want of
    consent. A template under another unit's code is left alone: codes are
    province-wide, and this clock's finger for code 1001 must not replace that of
    another commune's employee 1001 on every clock that carries them."""
    by_uid = {u.uid: u.user_id for u in users}
    served = set(device.served_employees().filter(code__in=list(by_uid.values())).values_list("code", flat=True))
    consenting = FingerTemplate.consenting(served)
    held: set[tuple[str, int]] = set()
    refused = unconsented = 0
    with transaction.atomic():
        for uid, finger, valid, data in client.read_templates():
            user_id = by_uid.get(uid)
            if not user_id:
                continue
            if user_id not in served:
                refused += 1
                continue
            held.add((user_id, finger))
            if user_id not in consenting:
                unconsented += 1
                continue
            FingerTemplate.keep(device_user_id=user_id, finger=finger, raw=data, valid=valid, source_device=device)
    if refused:
        logger.warning("Roster sync %s: %d template(s) of people this clock does not serve left alone", device, refused)
    if unconsented:
        logger.warning("Roster sync %s: %d template(s) not stored, no consent recorded", device, unconsented)
    return held, unconsented


def make_plan(device: Device, client: ZKClient) -> tuple[RosterPlan, list[DeviceUser]]:
    users = client.read_users()
    if template_crypto.storing_enabled():
        held, unconsented = collect_templates(device, client, users)
        plan = RosterPlan(templates_in=len(held) - unconsented, templates_without_consent=unconsented)
    else:
        held, plan = set(), RosterPlan(templates_off=True)
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
    if not plan.templates_off:
        stored = FingerTemplate.objects.of_codes(FingerTemplate.consenting(wanted)).order_by("device_user_id", "finger")
        plan.templates_out = [t for t in stored.values_list("device_user_id", "finger") if t not in held]
    return plan, users


def apply_plan(
    device: Device,
    client: ZKClient,
    plan: RosterPlan,
    users: list[DeviceUser],
    *,
    acting_user=None,
    worker: str = "sync_roster",
) -> None:
    # Decrypted first: a wrong key raises TemplateKeyError before anything is written to
    # the clock (never ciphertext or garbage as a template). Each copy is logged.
    by_user: dict[str, list[tuple[int, int, bytes]]] = {}
    for code, finger in plan.templates_out:
        t = FingerTemplate.objects.filter(device_user_id=code, finger=finger).first()
        if t is None:  # purged since the plan was made (consent withdrawn, retention)
            continue
        raw = t.read_template(
            purpose=TemplateAccess.Purpose.COPY_TO_DEVICE, acting=acting_user or worker, device=device
        )
        by_user.setdefault(code, []).append((finger, t.valid, raw))
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
