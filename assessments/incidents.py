"""Incidents of a sitting (ca thi) recorded by its proctors, for the minutes (biên bản).

A machine failure, a candidate moved to another computer with the lost time restored,
a violation with the rule broken (optionally ending the candidate's sitting through
attempts.terminate), or anything else worth the minutes. Each is audited; a restored
time moves the attempt's deadline by that many seconds and is logged on the attempt as
a "moved" (or "time_restored") event, so the minutes list it with the extensions.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from assessments import attempts, sealing
from assessments.models import Attempt, AttemptEvent, Incident, Sitting
from assessments.papers import ExamError
from hr_system.models import AuditLog

Kind = Incident.Kind
MAX_DESCRIPTION = 2000
MAX_RULE = 300
MAX_SEAT = 40
# Time given back for a failure or a move: at most the longest exam the app allows.
MAX_RESTORED_SECONDS = attempts.MAX_TIME_LIMIT * 60
RESTORABLE = (Kind.MACHINE_FAILURE, Kind.MOVED)
MAX_REASON = 500  # attempts.terminate's reason limit


# --- who reaches a sitting's records ------------------------------------------------------


# --- recording --------------------------------------------------------------------------


def _text(value: str | None, field: str, limit: int, *, required: bool, label: str) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ExamError(f"Vui lòng ghi {label}.", field)
    if len(text) > limit:
        raise ExamError(f"{label.capitalize()} quá dài (tối đa {limit} ký tự).", field)
    return text


def record_incident(
    *,
    acting_user,
    sitting: Sitting,
    kind: str,
    description: str,
    attempt: Attempt | None = None,
    rule_broken: str = "",
    to_seat: str = "",
    time_restored_seconds: int = 0,
    terminate: bool = False,
    now: dt.datetime | None = None,
) -> Incident:
    """Record what happened during the sitting; refused once the sitting is sealed.

    MOVED needs the candidate and the new computer (`to_seat`); the old one is taken
    from the attempt. MACHINE_FAILURE and MOVED may restore time (seconds added to the
    deadline of a candidate still writing). VIOLATION needs the candidate and the rule
    broken; `terminate` ends their sitting (answers kept as evidence)."""
    now = now or timezone.now()
    if kind not in Kind.values:
        raise ExamError("Loại sự việc không hợp lệ.", "kind")
    description = _text(description, "description", MAX_DESCRIPTION, required=True, label="diễn biến sự việc")
    rule_broken = _text(
        rule_broken, "rule_broken", MAX_RULE, required=kind == Kind.VIOLATION, label="quy định bị vi phạm"
    )
    to_seat = _text(to_seat, "to_seat", MAX_SEAT, required=kind == Kind.MOVED, label="máy thi mới")
    if isinstance(time_restored_seconds, bool) or not isinstance(time_restored_seconds, int):
        raise ExamError("Thời gian bù phải là số giây nguyên.", "time_restored_seconds")
    if not 0 <= time_restored_seconds <= MAX_RESTORED_SECONDS:
        raise ExamError(f"Thời gian bù phải từ 0 đến {MAX_RESTORED_SECONDS} giây.", "time_restored_seconds")
    if time_restored_seconds and kind not in RESTORABLE:
        raise ExamError("Chỉ bù giờ khi máy hỏng hoặc chuyển thí sinh sang máy khác.", "time_restored_seconds")
    if kind in (Kind.MOVED, Kind.VIOLATION) or time_restored_seconds or terminate:
        if attempt is None:
            raise ExamError("Vui lòng chọn thí sinh.", "attempt")
    if terminate and kind != Kind.VIOLATION:
        raise ExamError("Chỉ đình chỉ thí sinh khi có vi phạm quy chế.", "terminate")
    by = attempts._user_or_none(acting_user)

    with transaction.atomic():
        sitting = Sitting.objects.select_for_update().get(pk=sitting.pk)
        if sitting.is_sealed:
            raise sealing.SealedError("Ca thi đã được niêm phong; không ghi thêm sự việc.")
        locked = None
        if attempt is not None:
            locked = Attempt.objects.select_for_update().select_related("exam").filter(pk=attempt.pk).first()
            if locked is None or locked.sitting_id != sitting.pk:
                raise ExamError("Thí sinh này không có tên trong danh sách ca thi.", "attempt")
        incident = Incident(
            sitting=sitting,
            attempt=locked,
            kind=kind,
            at=now,
            description=description,
            rule_broken=rule_broken,
            time_restored_seconds=time_restored_seconds,
            by=by,
        )
        event = None
        if kind == Kind.MOVED:
            incident.from_seat, incident.to_seat = locked.seat, to_seat
            locked.seat = to_seat
            locked.save(update_fields=["seat"])
            event = "moved"
        if time_restored_seconds:
            if locked.status not in attempts.OPEN_STATUSES and locked.status != Attempt.Status.NOT_STARTED:
                raise ExamError(
                    f"Không thể bù giờ: bài thi đang ở trạng thái “{locked.get_status_display()}”.",
                    "time_restored_seconds",
                    409,
                )
            locked.extra_seconds += time_restored_seconds
            if locked.deadline is not None:
                locked.deadline += dt.timedelta(seconds=time_restored_seconds)
            locked.save(update_fields=["extra_seconds", "deadline"])
            event = event or "time_restored"
        incident.save()
        if event:
            AttemptEvent.objects.create(
                attempt=locked,
                at=now,
                kind=event,
                by=by,
                detail={
                    "incident": incident.pk,
                    "from_seat": incident.from_seat,
                    "to_seat": incident.to_seat,
                    "time_restored_seconds": time_restored_seconds,
                    "deadline": locked.deadline.isoformat() if locked.deadline else None,
                },
            )
        AuditLog.record(
            user=acting_user,
            action="sitting.incident",
            obj=incident,
            sitting=sitting.pk,
            exam=sitting.exam_id,
            kind=kind,
            attempt=locked.pk if locked else None,
            time_restored_seconds=time_restored_seconds,
            terminate=terminate,
        )
        if terminate:
            attempts.terminate(
                acting_user=acting_user,
                attempt=locked,
                reason=f"{rule_broken}: {description}"[:MAX_REASON],
                now=now,
            )
    return incident


def incidents_of(sitting: Sitting):
    return Incident.objects.filter(sitting=sitting).select_related("attempt__employee", "by").order_by("at", "pk")
