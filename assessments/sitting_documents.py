"""A sitting's official papers: the minutes (biên bản) and the result list candidates sign.

Both in the Decree 30/2020 layout (templates/pdf/base.html owns the header), rendered by
hr_system.pdf like the results documents in reports.py. The minutes gather what the
proctors must sign for: attendance (listed, present with their entry times, late,
absent, terminated), incidents, time extensions and terminations, from the attempts,
their events and the incidents (Circular 22/2025/TT-BNV: results are printed at the end
of the sitting for candidates to sign).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from assessments import incidents, results
from assessments.models import Attempt, AttemptEvent, Exam, Sitting
from assessments.papers import ExamError
from hr_system import pdf
from hr_system.text import name_sort_key

Status = Attempt.Status
# An entry this long after the programmed start is written in the minutes as late.
# Our choice, not the circular's: everyone logs in a few seconds after the start.
LATE_AFTER = dt.timedelta(minutes=1)
ENTRY_EVENTS = ("start", "takeover")
TIME_EVENTS = {
    "extended": "Gia hạn thời gian",
    "paused": "Tạm dừng",
    "resumed": "Tiếp tục",
    "moved": "Chuyển máy, bù giờ",
    "time_restored": "Bù giờ",
    "terminated": "Đình chỉ",
}


def _header(sitting: Sitting, kind: str) -> dict:
    unit = sitting.exam.unit
    return {
        "agency": unit.issuing_agency(),
        "date_line": unit.date_line(timezone.localdate(sitting.starts_at)),
        "doc_symbol": f"{kind}-{unit.doc_symbol or 'HĐKT'}",
        "exam": sitting.exam,
        "sitting": sitting,
    }


def _people(sitting: Sitting) -> list[Attempt]:
    rows = list(Attempt.objects.filter(sitting=sitting).select_related("employee__unit"))
    rows.sort(key=lambda a: (name_sort_key(a.employee.full_name), a.employee.code))
    return rows


def attendance(sitting: Sitting) -> dict:
    """Who was listed, who entered (and when), who was late, absent or terminated."""
    attempts = _people(sitting)
    entered: dict[int, dt.datetime] = {}
    for attempt_id, at in (
        AttemptEvent.objects.filter(attempt__sitting=sitting, kind__in=ENTRY_EVENTS)
        .order_by("at", "pk")
        .values_list("attempt_id", "at")
    ):
        entered.setdefault(attempt_id, at)
    rows = []
    for a in attempts:
        entry = entered.get(a.pk)
        if entry is None and a.status not in (Status.NOT_STARTED, Status.ABSENT):
            entry = a.started_at
        rows.append(
            {
                "attempt": a,
                "employee_code": a.employee.code,
                "full_name": a.employee.full_name,
                "unit_name": a.employee.unit.name,
                "seat": a.seat,
                "status": a.get_status_display(),
                "checked_in_at": a.checked_in_at,
                "entered_at": entry,
                "late": entry is not None and entry > sitting.starts_at + LATE_AFTER,
                "absent": entry is None,
                "terminated": a.status == Status.TERMINATED,
            }
        )
    return {
        "rows": rows,
        "listed": len(rows),
        "present": sum(1 for r in rows if not r["absent"]),
        "late": [r for r in rows if r["late"]],
        "absent": [r for r in rows if r["absent"]],
        "terminated": [r for r in rows if r["terminated"]],
    }


def time_changes(sitting: Sitting) -> list[dict]:
    """Extensions, pauses, restored time and terminations, in time order."""
    rows = []
    for e in (
        AttemptEvent.objects.filter(attempt__sitting=sitting, kind__in=TIME_EVENTS)
        .select_related("attempt__employee", "by")
        .order_by("at", "pk")
    ):
        detail = e.detail or {}
        minutes = detail.get("minutes")
        restored = detail.get("time_restored_seconds")
        rows.append(
            {
                "at": e.at,
                "kind": TIME_EVENTS[e.kind],
                "full_name": e.attempt.employee.full_name,
                "employee_code": e.attempt.employee.code,
                "minutes": minutes,
                "seconds": restored or None,
                "reason": detail.get("reason", ""),
                "by": (e.by.get_full_name() or e.by.username) if e.by else "",
            }
        )
    return rows


def _proctors(sitting: Sitting) -> list[str]:
    return [u.get_full_name() or u.username for u in sitting.proctors.order_by("last_name", "first_name", "username")]


def sitting_minutes_pdf(sitting: Sitting) -> bytes:
    """The sitting's minutes (biên bản) for the proctors to sign."""
    return pdf.render_pdf(*sitting_minutes_document(sitting))


def sitting_minutes_pdf_with_slots(sitting: Sitting) -> tuple[bytes, dict]:
    """The same minutes with the exam board's signature slot, for signing."""
    return pdf.render_pdf_with_slots(*sitting_minutes_document(sitting))


def sitting_minutes_document(sitting: Sitting) -> tuple[str, dict]:
    sitting = Sitting.objects.select_related("exam__unit", "sealed_by").get(pk=sitting.pk)
    return (
        "pdf/sitting_minutes.html",
        {
            **_header(sitting, "BB"),
            "doc_type": "BIÊN BẢN",
            "doc_summary": f"Tổ chức {sitting.name} — {sitting.exam.title}",
            "proctors": _proctors(sitting),
            "attendance": attendance(sitting),
            "incidents": list(incidents.incidents_of(sitting)),
            "time_changes": time_changes(sitting),
            "late_entry_minutes": sitting.exam.late_entry_limit(),
            "printed_at": timezone.now(),
        },
    )


def sign_list_rows(sitting: Sitting) -> list[dict]:
    """One row per candidate of the sitting with the result the exam shows at once."""
    now = timezone.now()
    rows = []
    for a in _people(sitting):
        rows.append(
            {
                "full_name": a.employee.full_name,
                "employee_code": a.employee.code,
                "unit_name": a.employee.unit.name,
                "seat": a.seat,
                "score": a.score if a.status == Status.FINALIZED else None,
                "max_score": a.max_score if a.status == Status.FINALIZED else None,
                "result": a.get_status_display() if a.status == Status.ABSENT else results.status_label(a, now),
            }
        )
    return rows


def sitting_sign_list_pdf(sitting: Sitting) -> bytes:
    """The sitting's result list with a "Ký xác nhận" column, for candidates to sign at
    the end of the sitting. Only for an exam that shows results at once (ExamError 409)."""
    sitting = Sitting.objects.select_related("exam__unit").get(pk=sitting.pk)
    if sitting.exam.results_policy != Exam.Results.IMMEDIATE:
        raise ExamError(
            "Kỳ thi này chỉ hiện kết quả khi công bố: không in danh sách ký xác nhận kết quả tại ca thi.",
            "__all__",
            409,
        )
    still_open = Attempt.objects.filter(sitting=sitting, status__in=(Status.IN_PROGRESS, Status.PAUSED)).count()
    if still_open:
        raise ExamError(f"Còn {still_open} thí sinh đang làm bài; in danh sách khi hết giờ.", "__all__", 409)
    return pdf.render_pdf(
        "pdf/sitting_sign_list.html",
        {
            **_header(sitting, "DS"),
            "doc_type": "DANH SÁCH",
            "doc_summary": f"Kết quả thi của thí sinh {sitting.name} — {sitting.exam.title}",
            "rows": sign_list_rows(sitting),
            "proctors": _proctors(sitting),
        },
    )
