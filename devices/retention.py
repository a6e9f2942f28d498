"""How long a stored fingerprint template is kept, and the deletions that follow.

A template is stored centrally only while STORE_FINGER_TEMPLATES is on and its official
has an active consent to fingerprint attendance (hr_system.Consent). It is deleted:
- N days after the official's leave date (TEMPLATE_RETENTION below),
- at once when the consent is withdrawn (consent_withdrawn, an hr_system hook),
- and every row when storage is turned off.
The `purge_finger_templates` worker applies the first and the last; each deletion is
audited with counts only, never a template, and queues the deletion of the official's
fingers on the ADMS clocks that serve them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from devices import commands, template_crypto
from devices.models import Device, FingerTemplate
from hr_system.models import AuditLog, Consent, Employee


@dataclass(frozen=True)
class RetentionRule:
    effective: dt.date
    days: int


# Days a leaver's templates are kept after the leave date. The product's choice, not a
# statute: Law 91/2025/QH15 on Personal Data Protection (in force 1/1/2026) and Decree
# 356/2025/NĐ-CP require deleting personal data once the purpose it was collected for
# is served, without fixing a number of days for attendance biometrics (not found in
# the texts consulted, secondary sources only). 30 days covers the last month's timesheet
# corrections, after which a template can serve no attendance purpose.
TEMPLATE_RETENTION: tuple[RetentionRule, ...] = (RetentionRule(effective=dt.date(2026, 1, 1), days=30),)

BATCH = 500


def retention_days(on: dt.date, rules: tuple[RetentionRule, ...] = TEMPLATE_RETENTION) -> int:
    """The rule in force on `on`; before the first rule, the first one."""
    in_force = [r for r in sorted(rules, key=lambda r: r.effective) if r.effective <= on]
    return (in_force[-1] if in_force else min(rules, key=lambda r: r.effective)).days


def past_retention(leave_date: dt.date | None, today: dt.date, days: int) -> bool:
    """Whether a leaver's templates are due for deletion today (never for someone employed)."""
    return leave_date is not None and today >= leave_date + dt.timedelta(days=days)


def _delete(templates) -> int:
    """Delete and count the templates (their access records stay, unlinked)."""
    return templates.delete()[1].get(FingerTemplate._meta.label, 0)


def queue_clock_deletions(codes) -> int:
    """Queue `DATA DELETE FINGERTMP` on every enabled, approved ADMS clock that serves
    each official. Pull clocks (TCP/UDP) are not told: roster sync removes a leaver's
    user record, fingers included; for a withdrawn consent the report says so."""
    codes = set(codes)
    queued = 0
    if not codes:
        return 0
    clocks = Device.objects.clocks().filter(transport=Device.Transport.PUSH, enabled=True, approved=True)
    for device in clocks.order_by("pk"):
        for code in device.served_employees().filter(code__in=codes).values_list("code", flat=True):
            queued += commands.queue_template_delete(device, code) is not None
    return queued


def forget_templates(codes) -> dict:
    """Delete the stored templates of `codes` and queue their deletion on the clocks."""
    codes = set(codes)
    deleted = _delete(FingerTemplate.objects.of_codes(codes)) if codes else 0
    return {"templates_deleted": deleted, "clock_deletions_queued": queue_clock_deletions(codes)}


def consent_withdrawn(*, consent: Consent, acting_user=None) -> dict | None:
    """hr_system.actions.withdraw_consent's hook: stop fingerprint processing at once."""
    if consent.purpose != Consent.Purpose.FINGERPRINT_ATTENDANCE:
        return None
    return forget_templates([consent.employee.code])


def purge(*, today: dt.date, worker: str = "purge_finger_templates") -> dict:
    """One round of the worker: what must no longer be stored is deleted, audited."""
    if not template_crypto.storing_enabled():
        deleted = 0
        while True:
            batch = list(FingerTemplate.objects.order_by("pk").values_list("pk", flat=True)[:BATCH])
            if not batch:
                break
            with transaction.atomic():
                deleted += _delete(FingerTemplate.objects.filter(pk__in=batch))
        if deleted:
            AuditLog.record(
                user=None,
                action="finger_templates.purge",
                object_type="devices.FingerTemplate",
                reason="storage_off",
                worker=worker,
                templates_deleted=deleted,
            )
        return {"storage_off": 1, "templates_deleted": deleted, "clock_deletions_queued": 0}
    days = retention_days(today)
    stored_codes = set(FingerTemplate.objects.values_list("device_user_id", flat=True).distinct())
    people = dict(Employee.objects.filter(code__in=stored_codes).values_list("code", "leave_date"))
    leavers = {code for code, leave in people.items() if past_retention(leave, today, days)}
    unconsented = stored_codes - leavers - FingerTemplate.consenting(stored_codes)
    result = {"storage_off": 0, "retention_days": days, "leavers": len(leavers), "without_consent": len(unconsented)}
    with transaction.atomic():
        by_leaving = forget_templates(leavers)
        # Kept without consent (stored before consent was recorded, or its official
        # deleted): nothing allows keeping them; the clocks keep theirs until told.
        without = _delete(FingerTemplate.objects.of_codes(unconsented)) if unconsented else 0
        result["templates_deleted"] = by_leaving["templates_deleted"] + without
        result["clock_deletions_queued"] = by_leaving["clock_deletions_queued"]
        if result["templates_deleted"] or result["clock_deletions_queued"]:
            AuditLog.record(
                user=None,
                action="finger_templates.purge",
                object_type="devices.FingerTemplate",
                reason="retention",
                worker=worker,
                **result,
            )
    return result
