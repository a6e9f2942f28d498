"""Sittings (ca thi) API, mounted at /api/v1/assessments/exams/{exam_id}/sittings.

The exam's managers (exam board / HR in scope) list, create and change sittings, put
candidates on them and end them; a sitting's proctors (and the managers) read its
candidate list and check candidates in at the door. Anyone else gets 404. No response
here carries a citizen-ID number: it is shown only on the proctors' check-in page.
"""

from __future__ import annotations

from django.utils import timezone
from ninja import Router, Status
from ninja.pagination import paginate

from assessments import access, sittings
from assessments.api.exams import _aware, exam_errors
from assessments.models import Sitting
from assessments.schemas import (
    CheckInIn,
    CheckInOut,
    SittingCandidatesIn,
    SittingCandidatesOut,
    SittingIn,
    SittingOut,
    SittingPatch,
)
from hr_system import access as hr_access
from hr_system.api_base import PageNumber, invalid

router = Router(tags=["Ca thi"])


def sitting_out(sitting: Sitting) -> dict:
    counts = sittings.sitting_counts(sitting)
    return {
        "id": sitting.pk,
        "exam_id": sitting.exam_id,
        "name": sitting.name,
        "venue": sitting.venue,
        "starts_at": sitting.starts_at,
        "ends_at": sitting.ends_at,
        "entry_closes_at": sitting.entry_closes_at,
        "ended_at": sitting.ended_at,
        "sealed_at": sitting.sealed_at,
        "proctors": sorted(sitting.proctors.values_list("username", flat=True)),
        "candidates": counts["total"],
        "counts": counts,
    }


def _proctors(exam, usernames: list[str]) -> list:
    names = list(dict.fromkeys(u.strip() for u in usernames if u.strip()))
    found = {u.username: u for u in sittings.proctor_choices(exam).filter(username__in=names)}
    missing = [n for n in names if n not in found]
    if missing:
        raise invalid("proctors", "Không có người dùng này trong đơn vị tổ chức kỳ thi: " + ", ".join(missing[:20]))
    return [found[n] for n in names]


def _employees(request, codes: list[str]) -> list[int]:
    """Employees by staff code, in the caller's scope; unknown codes are named (422)."""
    wanted = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    found = dict(hr_access.employees_for(request.user).filter(code__in=wanted).values_list("code", "pk"))
    missing = [c for c in wanted if c not in found]
    if missing:
        shown = ", ".join(missing[:20]) + ("…" if len(missing) > 20 else "")
        raise invalid("employees", f"Không tìm thấy cán bộ (hoặc ngoài phạm vi): {shown}")
    return [found[c] for c in wanted]


def _own_sitting(request, exam_id: int, sitting_id: int) -> Sitting:
    """A sitting the caller proctors or manages, on this exam; else 404."""
    return access.get_proctored_sitting(request.user, sitting_id, exam_id=exam_id)


@router.get("/{int:exam_id}/sittings", response=list[SittingOut])
@paginate(PageNumber)
def list_sittings(request, exam_id: int):
    exam = access.get_managed_exam(request.user, exam_id)
    return [sitting_out(s) for s in exam.sittings.select_related("exam").order_by("starts_at", "pk")]


@router.post("/{int:exam_id}/sittings", response={201: SittingOut})
def create_sitting(request, exam_id: int, payload: SittingIn):
    """A sitting with its venue, programmed start and end, proctors (usernames of users
    in the exam's unit) and candidates (staff codes; added to the exam if needed)."""
    exam = access.get_managed_exam(request.user, exam_id)
    proctors = _proctors(exam, payload.proctors)
    employees = _employees(request, payload.employees) if payload.employees else []
    with exam_errors():
        sitting = sittings.create_sitting(
            acting_user=request.user,
            exam=exam,
            name=payload.name,
            venue=payload.venue,
            starts_at=_aware(payload.starts_at),
            ends_at=_aware(payload.ends_at),
            proctors=proctors,
            employees=employees,
        )
    return Status(201, sitting_out(sitting))


@router.get("/{int:exam_id}/sittings/{int:sitting_id}", response=SittingOut)
def get_sitting(request, exam_id: int, sitting_id: int):
    return sitting_out(_own_sitting(request, exam_id, sitting_id))


@router.patch("/{int:exam_id}/sittings/{int:sitting_id}", response=SittingOut)
def update_sitting(request, exam_id: int, sitting_id: int, payload: SittingPatch):
    """Change a sitting until the exam's first sitting starts (409 afterwards)."""
    sitting = access.get_managed_sitting(request.user, exam_id, sitting_id)
    changes = payload.model_dump(exclude_unset=True)
    for field, value in list(changes.items()):
        if value is None:
            raise invalid(field, "Trường này không được để trống.")
        if field in ("starts_at", "ends_at"):
            changes[field] = _aware(value)
    if "proctors" in changes:
        changes["proctors"] = _proctors(sitting.exam, changes["proctors"])
    with exam_errors():
        sitting = sittings.update_sitting(acting_user=request.user, sitting=sitting, **changes)
    return sitting_out(sitting)


@router.post("/{int:exam_id}/sittings/{int:sitting_id}/candidates", response=SittingCandidatesOut)
def add_candidates(request, exam_id: int, sitting_id: int, payload: SittingCandidatesIn):
    """Put employees (staff codes) on the sitting; a candidate of another sitting that
    has not started is moved here. Idempotent."""
    sitting = access.get_managed_sitting(request.user, exam_id, sitting_id)
    employees = _employees(request, payload.employees)
    with exam_errors():
        placed = sittings.add_to_sitting(acting_user=request.user, sitting=sitting, employees=employees)
    return {"placed": placed, "candidates": sitting.attempts.count()}


def _check_in_out(attempt) -> dict:
    return {
        "attempt_id": attempt.pk,
        "employee": attempt.employee.code,
        "full_name": attempt.employee.full_name,
        "seat": attempt.seat,
        "status": attempt.status,
        "checked_in_at": attempt.checked_in_at,
        "checked_in_by": attempt.checked_in_by.username if attempt.checked_in_by_id else None,
    }


@router.get("/{int:exam_id}/sittings/{int:sitting_id}/candidates", response=list[CheckInOut])
@paginate(PageNumber)
def list_candidates(request, exam_id: int, sitting_id: int, q: str = ""):
    """The sitting's candidates in official order, with their check-in (no citizen-ID
    number: that is shown on the proctors' page only). `q`: a name or staff code."""
    sitting = _own_sitting(request, exam_id, sitting_id)
    return [_check_in_out(a) for a in sittings.candidates_of(sitting, q[:100])]


@router.post("/{int:exam_id}/sittings/{int:sitting_id}/candidates/{int:attempt_id}/check-in", response=CheckInOut)
def check_in(request, exam_id: int, sitting_id: int, attempt_id: int, payload: CheckInIn):
    """The proctor confirms the candidate's identity at the door (and the seat)."""
    sitting = _own_sitting(request, exam_id, sitting_id)
    attempt = access.get_proctored_attempt(request.user, sitting, attempt_id)
    with exam_errors():
        attempt = sittings.check_in(acting_user=request.user, attempt=attempt, seat=payload.seat, now=timezone.now())
    return _check_in_out(attempt)


@router.post("/{int:exam_id}/sittings/{int:sitting_id}/end", response=SittingOut)
def end_sitting(request, exam_id: int, sitting_id: int):
    """End the sitting: candidates still working are finalised, absentees marked."""
    sitting = _own_sitting(request, exam_id, sitting_id)
    with exam_errors():
        sitting = sittings.end_sitting(acting_user=request.user, sitting=sitting, now=timezone.now())
    return sitting_out(sitting)
