"""Exam API, mounted at /api/v1/assessments/exams/.

Two audiences:
- the exam board / HR in scope (assessments.access.exams_for): create and list exams,
  add candidates from the HR registry, generate papers, watch the monitor, extend,
  pause, resume and terminate;
- the candidate's exam page, on their own attempt only (access.get_own_attempt; not on
  the list → 404): start, paper, answers, heartbeat, events, finalize, result. These
  carry the sitting's session token in `X-Exam-Session`; a token replaced by a later
  start gets 409 `session_taken_over`.

Nothing a candidate receives is derived from the answer key: the paper sends option ids
and texts only, and the result sends only the score fields.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from django.db.models import Count, Exists, OuterRef
from django.http import HttpResponse
from django.utils import timezone
from ninja import Router, Status
from ninja.pagination import paginate
from ninja.renderers import JSONRenderer

from assessments import access, attempts, results, sittings
from assessments.metrics import ANSWER_SAVE_SECONDS
from assessments.models import Attempt, Exam, PaperItem, QuestionVersion
from assessments.papers import ExamError, generate_papers
from assessments.schemas import (
    AnswerIn,
    AttemptStateOut,
    CandidatesIn,
    CandidatesOut,
    EventIn,
    ExamExtendIn,
    ExamIn,
    ExamOut,
    ExamPatch,
    ExamSummaryOut,
    ExtendedOut,
    ExtendIn,
    FinalizedOut,
    GeneratedOut,
    HeartbeatOut,
    MonitorOut,
    MyExamOut,
    OkOut,
    PaperOut,
    ReasonIn,
    ResultOut,
    SaveOut,
    StartIn,
    StartOut,
)
from hr_system import access as hr_access
from hr_system.api_base import ApiError, PageNumber, invalid
from hr_system.models import Employee
from hr_system.net import client_ip

router = Router(tags=["Kỳ thi"])

SESSION_HEADER = "X-Exam-Session"


@contextmanager
def exam_errors():
    """ExamError → the one error envelope with its status; 422s name the field."""
    try:
        yield
    except ExamError as exc:
        message = str(exc)
        if exc.status == 422:
            raise ApiError(422, "validation_error", message, {exc.field: [message]}) from None
        code = getattr(exc, "code", "exam_error")
        fields = {exc.field: [message]} if exc.field != "__all__" else None
        raise ApiError(exc.status, code, message, fields) from None


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _session(request) -> str:
    return request.headers.get(SESSION_HEADER, "")


def _client_ip(request) -> str:
    # Never a header the candidate can set: X-Forwarded-For counts only from a
    # configured trusted proxy (hr_system.net).
    return client_ip(request)


# --- management ------------------------------------------------------------------------


def _editable(exam: Exam) -> bool:
    try:
        sittings.check_editable(exam)
    except ExamError:
        return False
    return True


def exam_detail(exam: Exam) -> dict:
    parts = exam.parts.prefetch_related("rules__category").order_by("order", "pk")
    candidates = exam.attempts.count()
    with_paper = exam.attempts.filter(Exists(PaperItem.objects.filter(attempt=OuterRef("pk")))).count()
    return {
        "id": exam.pk,
        "title": exam.title,
        "unit": exam.unit.code,
        "unit_name": exam.unit.name,
        "opens_at": exam.opens_at,
        "closes_at": exam.closes_at,
        "time_limit": exam.time_limit,
        "has_access_code": bool(exam.access_code_hash),
        "allowed_networks": [n for n in exam.allowed_networks.splitlines() if n.strip()],
        "shuffle_questions": exam.shuffle_questions,
        "shuffle_options": exam.shuffle_options,
        "negative_mark": exam.negative_mark,
        "floor_at_zero": exam.floor_at_zero,
        "pass_percent": exam.pass_percent,
        "results_policy": exam.results_policy,
        "layout": exam.layout,
        "grace_seconds": exam.grace_seconds,
        "scoring": exam.scoring,
        "late_entry_minutes": exam.late_entry_minutes,
        "late_entry_limit": exam.late_entry_limit(),
        "require_checkin": exam.require_checkin,
        "remark_window_days": exam.remark_window_days,
        "remark_days": exam.remark_days(),
        "editable": _editable(exam),
        "published_at": exam.published_at,
        "papers_generated_at": exam.papers_generated_at,
        "candidates": candidates,
        "without_paper": candidates - with_paper,
        "parts": [
            {
                "order": p.order,
                "title": p.title,
                "pass_percent": p.pass_percent,
                "rules": [
                    {
                        "category": r.category.code,
                        "category_name": r.category.name,
                        "difficulty": r.difficulty,
                        "count": r.count,
                    }
                    for r in p.rules.all()
                ],
            }
            for p in parts
        ],
    }


@router.post("", response={201: ExamOut})
def create_exam(request, payload: ExamIn):
    """Create an exam with its parts and blueprint (categories by code: the caller's
    own, or a unit above theirs — see GET /bank/categories)."""
    access.require_manager(request.user)
    unit = access.manager_units(request.user).filter(code=payload.unit).first()
    if unit is None:
        raise invalid("unit", "Không có đơn vị này trong phạm vi bạn quản lý.")
    # Blueprints draw from the caller's own categories and, by counts only, from those
    # of the units above (a province's shared bank).
    codes = {rule.category for part in payload.parts for rule in part.rules}
    categories = {c.code: c for c in access.usable_categories(request.user).filter(code__in=codes)}
    parts = []
    for i, part in enumerate(payload.parts):
        rules = []
        for j, rule in enumerate(part.rules):
            if rule.category not in categories:
                raise invalid(f"parts.{i}.rules.{j}.category", "Không có chủ đề câu hỏi này trong phạm vi của bạn.")
            rules.append({"category": categories[rule.category], "difficulty": rule.difficulty, "count": rule.count})
        parts.append({"title": part.title, "pass_percent": part.pass_percent, "rules": rules})
    with exam_errors():
        exam = attempts.create_exam(
            acting_user=request.user,
            unit=unit,
            title=payload.title,
            opens_at=_aware(payload.opens_at),
            closes_at=_aware(payload.closes_at),
            time_limit=payload.time_limit,
            parts=parts,
            access_code=payload.access_code,
            allowed_networks=payload.allowed_networks,
            shuffle_questions=payload.shuffle_questions,
            shuffle_options=payload.shuffle_options,
            negative_mark=payload.negative_mark,
            floor_at_zero=payload.floor_at_zero,
            pass_percent=payload.pass_percent,
            results_policy=payload.results_policy,
            layout=payload.layout,
            grace_seconds=payload.grace_seconds,
            scoring=payload.scoring,
            late_entry_minutes=payload.late_entry_minutes,
            require_checkin=payload.require_checkin,
            remark_window_days=payload.remark_window_days,
        )
    return Status(201, exam_detail(exam))


@router.get("", response=list[ExamSummaryOut])
@paginate(PageNumber)
def list_exams(request):
    access.require_manager(request.user)
    return access.exams_for(request.user).annotate(n_candidates=Count("attempts")).order_by("-opens_at", "-pk")


@router.get("/mine", response=list[MyExamOut])
def my_exams(request):
    """The caller's own exams (as a candidate), newest first."""
    rows = Attempt.objects.filter(employee__user=request.user).select_related("exam").order_by("-exam__opens_at", "-pk")
    return [
        {
            "exam_id": a.exam_id,
            "title": a.exam.title,
            "opens_at": a.exam.opens_at,
            "closes_at": a.exam.closes_at,
            "time_limit": a.exam.time_limit,
            "status": a.status,
            "status_label": a.get_status_display(),
        }
        for a in rows
    ]


@router.get("/{int:exam_id}", response=ExamOut)
def get_exam(request, exam_id: int):
    return exam_detail(access.get_managed_exam(request.user, exam_id))


@router.patch("/{int:exam_id}", response=ExamOut)
def update_exam(request, exam_id: int, payload: ExamPatch):
    """Change the exam's settings (window, time limit, late entry, check-in, scoring,
    re-marking window…) until its first sitting starts; 409 afterwards. Audited with
    the before and after values. `late_entry_minutes` / `remark_window_days` null:
    back to the rule's default."""
    exam = access.get_managed_exam(request.user, exam_id)
    changes = payload.model_dump(exclude_unset=True)
    for field in ("title", "opens_at", "closes_at", "time_limit", "require_checkin", "scoring"):
        if field in changes and changes[field] is None:
            raise invalid(field, "Trường này không được để trống.")
    for field in ("opens_at", "closes_at"):
        if field in changes:
            changes[field] = _aware(changes[field])
    for field in ("scoring", "results_policy"):
        if changes.get(field) is not None:
            changes[field] = str(getattr(changes[field], "value", changes[field]))
    for field in ("pass_percent", "negative_mark", "results_policy"):
        if field in changes and changes[field] is None:
            raise invalid(field, "Trường này không được để trống.")
    with exam_errors():
        exam = sittings.update_exam(acting_user=request.user, exam=exam, **changes)
    return exam_detail(exam)


def _without_paper(exam: Exam) -> int:
    return exam.attempts.exclude(Exists(PaperItem.objects.filter(attempt=OuterRef("pk")))).count()


@router.post("/{int:exam_id}/candidates", response=CandidatesOut)
def add_candidates(request, exam_id: int, payload: CandidatesIn):
    """Candidates from the HR registry: a unit (subtree), a staff category, an explicit
    list of codes, or a combination (all given filters apply). Idempotent."""
    exam = access.get_managed_exam(request.user, exam_id)
    if not (payload.unit or payload.category or payload.employees):
        raise invalid("__all__", "Chọn đơn vị, loại cán bộ hoặc danh sách mã chấm công.")
    employees = hr_access.employees_for(request.user)
    if payload.unit:
        unit = hr_access.get_unit_for_user(request.user, payload.unit)
        employees = (
            employees.filter(unit__path__startswith=unit.path)
            if payload.include_subunits
            else employees.filter(unit=unit)
        )
    if payload.category:
        employees = employees.filter(category=payload.category)
    if payload.employees:
        codes = list(dict.fromkeys(c.strip() for c in payload.employees if c.strip()))
        employees = employees.filter(code__in=codes)
        found = set(employees.values_list("code", flat=True))
        missing = [c for c in codes if c not in found]
        if missing:
            shown = ", ".join(missing[:20]) + ("…" if len(missing) > 20 else "")
            raise invalid("employees", f"Không tìm thấy cán bộ (hoặc ngoài phạm vi / không khớp bộ lọc): {shown}")
    if payload.active_only:
        employees = employees.filter(pk__in=Employee.objects.active_on(timezone.localdate()).values("pk"))
    with exam_errors():
        added = attempts.add_candidates(
            acting_user=request.user, exam=exam, employees=employees.values_list("pk", flat=True)
        )
    return {"added": added, "candidates": exam.attempts.count(), "without_paper": _without_paper(exam)}


@router.post("/{int:exam_id}/generate-papers", response=GeneratedOut)
def generate(request, exam_id: int):
    """One paper per candidate without one, ahead of the start (starting is then one small write)."""
    exam = access.get_managed_exam(request.user, exam_id)
    with exam_errors():
        generated = generate_papers(acting_user=request.user, exam=exam)
    exam.refresh_from_db(fields=["papers_generated_at"])
    return {"generated": generated, "papers_generated_at": exam.papers_generated_at}


@router.get("/{int:exam_id}/monitor", response=MonitorOut)
def monitor(request, exam_id: int):
    exam = access.get_managed_exam(request.user, exam_id)
    return {"exam_id": exam.pk, "title": exam.title, **attempts.monitor(exam)}


@router.post("/{int:exam_id}/extend", response=ExtendedOut)
def extend_exam(request, exam_id: int, payload: ExamExtendIn):
    """Extra minutes for everyone (power cut, fire alarm) or for the listed candidates."""
    exam = access.get_managed_exam(request.user, exam_id)
    targets = exam.attempts.all()
    if payload.employees is not None:
        targets = targets.filter(employee__code__in=payload.employees)
    with exam_errors():
        n = attempts.extend(
            acting_user=request.user,
            attempts=list(targets.values_list("pk", flat=True)),
            minutes=payload.minutes,
            reason=payload.reason,
        )
    return {"extended": n}


def _state(attempt: Attempt) -> dict:
    return {
        "attempt_id": attempt.pk,
        "status": attempt.status,
        "deadline": attempt.deadline,
        "extra_minutes": attempt.extra_seconds // 60,
        "remaining_seconds": attempts.remaining_seconds(attempt, timezone.now()),
    }


@router.post("/attempts/{int:attempt_id}/pause", response=AttemptStateOut)
def pause_attempt(request, attempt_id: int, payload: ReasonIn):
    attempt = access.get_managed_attempt(request.user, attempt_id)
    with exam_errors():
        return _state(attempts.pause(acting_user=request.user, attempt=attempt, reason=payload.reason))


@router.post("/attempts/{int:attempt_id}/resume", response=AttemptStateOut)
def resume_attempt(request, attempt_id: int, payload: ReasonIn):
    attempt = access.get_managed_attempt(request.user, attempt_id)
    with exam_errors():
        return _state(attempts.resume(acting_user=request.user, attempt=attempt, reason=payload.reason))


@router.post("/attempts/{int:attempt_id}/terminate", response=AttemptStateOut)
def terminate_attempt(request, attempt_id: int, payload: ReasonIn):
    attempt = access.get_managed_attempt(request.user, attempt_id)
    with exam_errors():
        return _state(attempts.terminate(acting_user=request.user, attempt=attempt, reason=payload.reason))


@router.post("/attempts/{int:attempt_id}/extend", response=AttemptStateOut)
def extend_attempt(request, attempt_id: int, payload: ExtendIn):
    attempt = access.get_managed_attempt(request.user, attempt_id)
    with exam_errors():
        attempts.extend(acting_user=request.user, attempts=[attempt], minutes=payload.minutes, reason=payload.reason)
    attempt.refresh_from_db()
    return _state(attempt)


# --- the candidate's exam page -----------------------------------------------------------


@router.post("/{int:exam_id}/start", response=StartOut)
def start(request, exam_id: int, payload: StartIn):
    """Start (or take over) the caller's own sitting; returns the session token the
    page sends in X-Exam-Session from now on. The deadline never moves on a restart."""
    attempt = access.get_own_attempt(request.user, exam_id)
    with exam_errors():
        attempt = attempts.start_attempt(
            attempt=attempt, ip=_client_ip(request), access_code=payload.access_code, now=timezone.now()
        )
    return {
        "attempt": attempt,
        "session_token": attempt.session_token,
        "deadline": attempt.deadline,
        "server_now": timezone.now(),
        "layout": attempt.exam.layout,
        "title": attempt.exam.title,
    }


def _check_open_session(attempt: Attempt, token: str) -> None:
    with exam_errors():
        attempts.check_session(attempt, token)
        if attempt.status in attempts.CLOSED_STATUSES:
            raise attempts.AttemptError("Bài thi đã kết thúc.", code="finished")
        if attempt.status == Attempt.Status.NOT_STARTED:
            raise attempts.AttemptError("Bài thi chưa bắt đầu.", code="not_started")


@router.get("/{int:exam_id}/paper", response=PaperOut)
def paper(request, exam_id: int):
    """The candidate's paper in paper order, options in their order, with what they
    have saved so far (and its seq), for the first load and every reload.

    Every candidate fetches it at the start of the sitting, all within seconds, so it is
    two flat queries and no model instances."""
    attempt = access.get_own_attempt(request.user, exam_id)
    _check_open_session(attempt, _session(request))
    rows = list(
        PaperItem.objects.filter(attempt=attempt)
        .order_by("position")
        .values_list("position", "part__title", "version_id", "option_order", "response__selected", "response__seq")
    )
    versions = {
        pk: (kind, text, image, {o["id"]: o.get("text", "") for o in options})  # never the `correct` flags
        for pk, kind, text, image, options in QuestionVersion.objects.filter(
            pk__in={row[2] for row in rows}
        ).values_list("pk", "kind", "text", "image", "options")
    }
    storage = QuestionVersion._meta.get_field("image").storage
    out = []
    max_seq = 0
    for position, part, version_id, option_order, selected, seq in rows:
        kind, text, image, texts = versions[version_id]
        seq = seq or 0
        max_seq = max(max_seq, seq)
        out.append(
            {
                "position": position,
                "part": part,
                "kind": kind,
                "text": text,
                "image": storage.url(image) if image else None,
                "version_id": version_id,
                "options": [
                    {"id": oid, "order": order, "text": texts.get(oid, "")}
                    for order, oid in enumerate(option_order, start=1)
                ],
                "selected": list(selected or []),
                "seq": seq,
            }
        )
    now = timezone.now()
    data = {
        "attempt_id": attempt.pk,
        "title": attempt.exam.title,
        "layout": attempt.exam.layout,
        "status": attempt.status,
        "started_at": attempt.started_at,
        "deadline": attempt.deadline,
        "server_now": now,
        "remaining_seconds": attempts.remaining_seconds(attempt, now),
        "max_seq": max_seq,
        "items": out,
    }
    # Rendered as built: the dicts above have exactly PaperOut's fields (PaperOut stays
    # the documented shape), and re-validating 60 items × options through the schema
    # took a third of the request.
    return HttpResponse(JSONRenderer().render(request, data, response_status=200), content_type="application/json")


@router.post("/{int:exam_id}/answers", response=SaveOut)
def save_answer(request, exam_id: int, payload: AnswerIn):
    """Save one answer at once; idempotent by seq (a doubled or late-arriving older
    save never overwrites a newer one). Kept to a handful of queries: it is the hot path."""
    with ANSWER_SAVE_SECONDS.time():
        attempt = access.get_own_attempt(request.user, exam_id)
        with exam_errors():
            return attempts.save_answer(
                attempt=attempt,
                session_token=_session(request),
                position=payload.position,
                selected=payload.selected,
                seq=payload.seq,
                now=timezone.now(),
            )


@router.post("/{int:exam_id}/heartbeat", response=HeartbeatOut)
def heartbeat(request, exam_id: int):
    attempt = access.get_own_attempt(request.user, exam_id)
    with exam_errors():
        return attempts.heartbeat(attempt=attempt, session_token=_session(request), now=timezone.now())


@router.post("/{int:exam_id}/events", response={201: OkOut})
def log_event(request, exam_id: int, payload: EventIn):
    attempt = access.get_own_attempt(request.user, exam_id)
    with exam_errors():
        attempts.log_event(
            attempt=attempt,
            session_token=_session(request),
            kind=payload.kind,
            detail=payload.detail,
            now=timezone.now(),
        )
    return Status(201, {"ok": True})


@router.post("/{int:exam_id}/finalize", response=FinalizedOut)
def finalize(request, exam_id: int):
    """Voluntary submit. Not needed at the deadline: the server finalises then itself."""
    attempt = access.get_own_attempt(request.user, exam_id)
    with exam_errors():
        attempts.check_session(attempt, _session(request))
        attempt = attempts.finalize(attempt=attempt, now=timezone.now(), reason="submitted")
    return {"status": attempt.status, "finalized_at": attempt.finalized_at}


@router.get("/{int:exam_id}/result", response=ResultOut)
def result(request, exam_id: int):
    """Own result, once the sitting is over and the exam's results are visible."""
    attempt = access.get_own_attempt(request.user, exam_id)
    if attempt.status not in attempts.CLOSED_STATUSES:
        raise ApiError(409, "not_finished", "Bài thi chưa kết thúc.")
    if not attempt.exam.results_visible():
        raise ApiError(403, "results_not_published", "Kết quả kỳ thi chưa được công bố; vui lòng xem lại sau.")
    return results.attempt_result(attempt)
