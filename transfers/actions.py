"""Writes for transfer rounds and leader selections. Every write is keyword-only,
atomic and audited; the scoring itself is the pure code in transfers/rules.py, who may
call these is decided in transfers/access.py, and what is shown or printed is in
transfers/reports.py."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from assessments.models import Exam
from hr_system import citations, signed_documents
from hr_system.models import AuditLog, Employee, OrgUnit, SignedDocument, SigningCredential
from transfers import reports, rules
from transfers.models import (
    Candidate,
    Computation,
    CriteriaSet,
    Criterion,
    Evidence,
    LeaderCandidate,
    LeaderSelection,
    Objection,
    PanelMember,
    PanelScore,
    Preference,
    TargetPost,
    TransferRound,
)
from transfers.reports import exam_percentages, recorded_ratings

Status = TransferRound.Status
EDITABLE = (Status.DRAFT, Status.COMPUTED)


class TransferError(Exception):
    """A refused operation; `message` is shown to the user as is."""

    def __init__(self, message: str, *, field: str = "", code: str = "invalid", status: int = 422):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        self.status = status


def _conflict(message: str, code: str = "conflict") -> TransferError:
    return TransferError(message, code=code, status=409)


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M ngày %d/%m/%Y")


# --- criteria sets ---------------------------------------------------------------------


def _specs(criteria: Iterable[dict]) -> list[rules.CriterionSpec]:
    return [
        rules.CriterionSpec(
            code=c.get("code", ""),
            label=c.get("label", ""),
            input=c.get("input", ""),
            rule=c.get("rule", ""),
            params=c.get("params") or {},
            order=c.get("order", i * 10),
        )
        for i, c in enumerate(criteria)
    ]


def check_criteria_set(*, criteria: list[dict], tie_break: list, eligibility: dict) -> list[str]:
    """Every problem of a proposed set ([] when usable), without saving anything."""
    specs = _specs(criteria)
    errors = rules.validate_criteria(specs)
    errors += rules.validate_tie_break(tie_break, [s.code for s in specs])
    errors += rules.validate_eligibility(eligibility or {})
    return errors


@transaction.atomic
def create_criteria_set(
    *,
    acting_user,
    name: str,
    criteria: list[dict],
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    unit: OrgUnit | None = None,
    tie_break: list | None = None,
    volunteers_first: bool = True,
    eligibility: dict | None = None,
    source: str = "",
    is_default_template: bool = False,
) -> CriteriaSet:
    """A new set, or the next version of a set with the same name. Sets are never edited
    once created: a round keeps pointing at the version it was computed with."""
    tie_break = list(rules.DEFAULT_TIE_BREAK if tie_break is None else tie_break)
    errors = check_criteria_set(criteria=criteria, tie_break=tie_break, eligibility=eligibility or {})
    if valid_to is not None and valid_to < valid_from:
        errors.append("Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực")
    if errors:
        raise TransferError("; ".join(errors), field="criteria")
    latest = CriteriaSet.objects.filter(name=name).aggregate(v=Max("version"))["v"] or 0
    found = CriteriaSet.objects.create(
        name=name,
        version=latest + 1,
        unit=unit,
        valid_from=valid_from,
        valid_to=valid_to,
        is_default_template=is_default_template,
        source=source,
        tie_break=tie_break,
        volunteers_first=volunteers_first,
        eligibility={**rules.DEFAULT_ELIGIBILITY, **(eligibility or {})},
        created_by=acting_user,
    )
    Criterion.objects.bulk_create(
        Criterion(
            criteria_set=found,
            code=s.code,
            label=s.label,
            input=s.input,
            rule=s.rule,
            params=s.params,
            order=s.order,
        )
        for s in _specs(criteria)
    )
    AuditLog.record(
        user=acting_user, action="criteria_set.create", obj=found, name=name, version=found.version, source=source
    )
    return found


def create_default_set(*, acting_user=None, valid_from: dt.date = dt.date(2025, 7, 1)) -> CriteriaSet:
    """The illustrative §5.3 set, labelled as a template to adapt (idempotent: returns the
    existing template if there is one)."""
    existing = CriteriaSet.objects.filter(name=rules.DEFAULT_SET_NAME, is_default_template=True).first()
    if existing is not None:
        return existing
    return create_criteria_set(
        acting_user=acting_user,
        name=rules.DEFAULT_SET_NAME,
        criteria=[
            {"code": s.code, "label": s.label, "input": s.input, "rule": s.rule, "params": s.params, "order": s.order}
            for s in rules.default_criteria()
        ],
        valid_from=valid_from,
        tie_break=list(rules.DEFAULT_TIE_BREAK),
        source=rules.DEFAULT_SET_SOURCE,
        is_default_template=True,
    )


# --- rounds ----------------------------------------------------------------------------


@transaction.atomic
def create_round(
    *,
    acting_user,
    title: str,
    unit: OrgUnit,
    purpose: str,
    kind: str,
    criteria_set: CriteriaSet,
    source_units: list[OrgUnit],
    reference_date: dt.date,
    exam: Exam | None = None,
    to_hardship_area: bool = False,
    secondment_months: int | None = None,
    issuer_name: str = "",
    signer_title: str = "CHỦ TỊCH",
    signer_name: str = "",
    signed_by_deputy: bool = False,
    doc_symbol: str = "QĐ-UBND",
    legal_bases: list[str] | None = None,
) -> TransferRound:
    if not criteria_set.is_valid_on(reference_date):
        raise TransferError(
            f"Bộ tiêu chí «{criteria_set}» không có hiệu lực vào ngày {reference_date:%d/%m/%Y}", field="criteria_set"
        )
    if exam is None and any(c.input == "exam_score" for c in criteria_set.criteria.all()):
        raise TransferError("Bộ tiêu chí có tiêu chí điểm kiểm tra năng lực: cần chọn kỳ thi cho đợt", field="exam")
    if kind == TransferRound.Kind.SECONDMENT:
        if not secondment_months or not 1 <= secondment_months <= 36:
            raise TransferError(
                f"Thời hạn biệt phái từ 1 đến 36 tháng ({citations.cite('secondment', reference_date)})",
                field="secondment_months",
            )
    else:
        secondment_months = None
    if not source_units:
        raise TransferError("Cần ít nhất một đơn vị nguồn", field="source_units")
    outside = [u.code for u in source_units if not u.path.startswith(unit.path)]
    if outside:
        raise TransferError(f"Đơn vị nguồn không thuộc đơn vị tổ chức: {', '.join(outside)}", field="source_units")
    found = TransferRound.objects.create(
        title=title,
        unit=unit,
        purpose=purpose,
        kind=kind,
        criteria_set=criteria_set,
        exam=exam,
        reference_date=reference_date,
        to_hardship_area=to_hardship_area,
        secondment_months=secondment_months,
        issuer_name=issuer_name,
        signer_title=signer_title or "CHỦ TỊCH",
        signer_name=signer_name,
        signed_by_deputy=signed_by_deputy,
        doc_symbol=doc_symbol or "QĐ-UBND",
        # None: the decision cites the texts in force on its own date (reports.legal_bases);
        # a list typed by HR is cited as typed.
        legal_bases=legal_bases or [],
        created_by=acting_user,
    )
    found.source_units.set(source_units)
    AuditLog.record(
        user=acting_user,
        action="transfer_round.create",
        obj=found,
        title=title,
        criteria_set=criteria_set.pk,
        version=criteria_set.version,
    )
    return found


def _require_editable(transfer_round: TransferRound) -> None:
    if transfer_round.status not in EDITABLE:
        raise _conflict(
            "Danh sách đã công khai hoặc đã chốt: không thay đổi danh sách xem xét, chỉ tiêu và nguyện vọng.",
            "round_locked",
        )


def _in_sources(transfer_round: TransferRound) -> list[str]:
    return list(transfer_round.source_units.values_list("path", flat=True))


@transaction.atomic
def add_candidates(*, acting_user, transfer_round: TransferRound, employees: Iterable[Employee]) -> int:
    """Add people working in a source unit (or below it); others are refused by name."""
    _require_editable(transfer_round)
    paths = _in_sources(transfer_round)
    employees = list(employees)
    outside = [e.code for e in employees if not any(e.unit.path.startswith(p) for p in paths)]
    if outside:
        raise TransferError(f"Không thuộc đơn vị nguồn của đợt: {', '.join(sorted(outside))}", field="employees")
    present = set(transfer_round.candidates.values_list("employee_id", flat=True))
    new = [Candidate(round=transfer_round, employee=e, added_by=acting_user) for e in employees if e.pk not in present]
    Candidate.objects.bulk_create(new)
    if new:
        AuditLog.record(
            user=acting_user,
            action="transfer_round.candidates",
            obj=transfer_round,
            added=sorted(c.employee.code for c in new),
        )
    return len(new)


def source_employees(transfer_round: TransferRound, *, job_title_contains: str = ""):
    """Everyone working in the round's source units (for 'add the whole pool')."""
    q = Q(pk__in=[])
    for path in _in_sources(transfer_round):
        q |= Q(unit__path__startswith=path)
    employees = Employee.objects.select_related("unit").filter(q).active_on(transfer_round.reference_date)
    if job_title_contains:
        employees = employees.filter(job_title__icontains=job_title_contains)
    return employees.order_by("code")


@transaction.atomic
def add_target_post(*, acting_user, transfer_round: TransferRound, unit: OrgUnit, title: str, count: int) -> TargetPost:
    _require_editable(transfer_round)
    if not unit.path.startswith(transfer_round.unit.path):
        raise TransferError("Đơn vị đến phải thuộc đơn vị tổ chức đợt", field="unit")
    if count < 1:
        raise TransferError("Chỉ tiêu phải từ 1 trở lên", field="count")
    order = (transfer_round.posts.aggregate(m=Max("order"))["m"] or 0) + 1
    post = TargetPost.objects.create(round=transfer_round, unit=unit, title=title, count=count, order=order)
    AuditLog.record(
        user=acting_user, action="transfer_round.post", obj=transfer_round, post=post.pk, unit=unit.code, count=count
    )
    return post


@transaction.atomic
def set_preferences(*, acting_user, candidate: Candidate, post_ids: list[int]) -> list[Preference]:
    transfer_round = candidate.round
    _require_editable(transfer_round)
    if len(set(post_ids)) != len(post_ids):
        raise TransferError("Mỗi vị trí chỉ chọn một lần", field="posts")
    known = set(transfer_round.posts.values_list("pk", flat=True))
    unknown = [pid for pid in post_ids if pid not in known]
    if unknown:
        raise TransferError(f"Vị trí không thuộc đợt này: {unknown}", field="posts")
    candidate.preferences.all().delete()
    prefs = Preference.objects.bulk_create(
        Preference(candidate=candidate, post_id=pid, position=i) for i, pid in enumerate(post_ids, start=1)
    )
    AuditLog.record(
        user=acting_user,
        action="transfer_round.preferences",
        obj=transfer_round,
        employee=candidate.employee.code,
        posts=post_ids,
    )
    return prefs


@transaction.atomic
def add_evidence(
    *,
    acting_user,
    transfer_round: TransferRound,
    employee_code: str,
    kind: str,
    value,
    document_ref: str,
    note: str = "",
) -> Evidence:
    """Attach a personal circumstance to a candidate of the round. Someone not in the
    pool is refused: evidence never creates a candidate by the back door."""
    if transfer_round.status == Status.FINAL:
        raise _conflict("Đợt đã chốt: không bổ sung minh chứng.", "round_final")
    candidate = transfer_round.candidates.select_related("employee").filter(employee__code=employee_code).first()
    if candidate is None:
        raise TransferError(f"Cán bộ mã {employee_code} không có trong danh sách xem xét của đợt này", field="employee")
    if not (document_ref or "").strip():
        raise TransferError("Cần ghi văn bản, giấy tờ làm căn cứ", field="document_ref")
    try:
        cleaned = rules.clean_evidence(kind, value)
    except ValueError as exc:
        raise TransferError(str(exc), field="value")
    row = Evidence.objects.create(
        candidate=candidate,
        kind=kind,
        value=cleaned,
        document_ref=document_ref.strip(),
        note=note,
        entered_by=acting_user,
    )
    AuditLog.record(
        user=acting_user,
        action="transfer_round.evidence",
        obj=transfer_round,
        employee=employee_code,
        kind=kind,
        value=cleaned,
        document_ref=row.document_ref,
    )
    return row


def registry_snapshot(
    employee: Employee, *, on: dt.date, exam_score: float | None, evaluation_ratings: list | None = None
) -> dict:
    """Every registry value the rules may read, copied now (plain JSON), with the decided
    yearly classifications of the evaluation module (reports.recorded_ratings)."""
    return {
        "code": employee.code,
        "full_name": employee.full_name,
        "unit_code": employee.unit.code,
        "unit_name": employee.unit.name,
        "job_title": employee.job_title,
        "category": employee.category,
        "gender": employee.gender,
        "date_of_birth": employee.date_of_birth.isoformat() if employee.date_of_birth else None,
        "sector_start": employee.sector_start.isoformat() if employee.sector_start else None,
        "unit_start": employee.unit_start.isoformat() if employee.unit_start else None,
        "years_in_sector": rules.years_between(employee.sector_start, on),
        "years_at_unit": rules.years_between(employee.unit_start, on),
        "hardship_years": float(employee.hardship_years or 0),
        "distance_km": float(employee.distance_km) if employee.distance_km is not None else None,
        "home_commune": employee.home_commune,
        "is_teacher": rules.is_teacher_title(employee.job_title),
        "exam_score": exam_score,
        "evaluation_ratings": evaluation_ratings or [],
    }


def _warnings(transfer_round: TransferRound, outcome: rules.RoundOutcome, names: dict[str, str]) -> list[dict]:
    out = []
    if transfer_round.criteria_set.is_default_template:
        out.append({"code": "template", "message": rules.DEFAULT_SET_NOTE})
    if outcome.unfilled:
        posts = {p.pk: p for p in transfer_round.posts.select_related("unit")}
        listed = [
            {"post": pid, "unit": posts[pid].unit.name, "title": posts[pid].title, "unfilled": left}
            for pid, left in outcome.unfilled
        ]
        text = "; ".join(f"{p['unit']} — {p['title']}: thiếu {p['unfilled']}" for p in listed)
        out.append(
            {
                "code": "unfilled_posts",
                "message": f"Còn {sum(p['unfilled'] for p in listed)} chỉ tiêu chưa có người phù hợp: {text}. "
                "Hệ thống không tự bố trí; cần xem xét bổ sung.",
                "posts": listed,
            }
        )
    for group in outcome.ties:
        people = ", ".join(f"{names[k]} ({k})" for k in group)
        out.append(
            {
                "code": "tie",
                "message": f"Bằng nhau sau toàn bộ thứ tự ưu tiên: {people}. Tạm xếp theo mã cán bộ; "
                "người có thẩm quyền quyết định.",
                "employees": group,
            }
        )
    return out


@transaction.atomic
def compute_round(
    *,
    acting_user,
    transfer_round: TransferRound,
    from_registry: bool = False,
    reason: str = Computation.Reason.COMPUTE,
) -> Computation:
    """Score, filter, rank and assign the pool, storing each row's inputs and result.

    1. Registry values come from each candidate's stored snapshot; only a candidate
       without one (new to the pool) or an explicit `from_registry` run reads the
       registry, the exam module and the decided yearly classifications of the
       evaluation module again. Re-running therefore reproduces the
       published ranking even after someone's record has changed.
    2. Evidence is round data: it is always read in full, in entry order.
    3. The result, the warnings and a Computation row (ranks, set version) are stored
       and audited.
    """
    given = transfer_round
    transfer_round = (
        TransferRound.objects.select_for_update().select_related("criteria_set", "unit").get(pk=transfer_round.pk)
    )
    if reason != Computation.Reason.OBJECTION and transfer_round.status not in EDITABLE:
        raise _conflict(
            "Danh sách đã công khai hoặc đã chốt: chỉ tính lại khi chấp nhận ý kiến phản hồi.", "round_locked"
        )
    if transfer_round.status == Status.FINAL:
        raise _conflict("Đợt đã chốt, không tính lại.", "round_final")
    candidates = list(transfer_round.candidates.select_related("employee__unit"))
    if not candidates:
        raise TransferError("Đợt chưa có người trong danh sách xem xét.")
    try:
        compiled = transfer_round.criteria_set.compiled()
    except rules.CriteriaError as exc:
        raise TransferError("Bộ tiêu chí không hợp lệ: " + "; ".join(exc.errors))
    now = timezone.now()
    stale = [c for c in candidates if from_registry or not c.registry]
    if stale:
        scores = exam_percentages(transfer_round.exam, [c.employee_id for c in stale])
        recorded = recorded_ratings([c.employee_id for c in stale], on=transfer_round.reference_date)
        for c in stale:
            c.registry = registry_snapshot(
                c.employee,
                on=transfer_round.reference_date,
                exam_score=scores.get(c.employee_id),
                evaluation_ratings=recorded.get(c.employee_id),
            )
            c.registry_at = now
    evidence: dict[int, list] = defaultdict(list)
    rows = Evidence.objects.filter(candidate__round=transfer_round).order_by("entered_at", "pk")
    for candidate_id, kind, value in rows.values_list("candidate_id", "kind", "value"):
        evidence[candidate_id].append((kind, value))
    preferences: dict[int, list[int]] = defaultdict(list)
    prefs = Preference.objects.filter(candidate__round=transfer_round).order_by("candidate_id", "position")
    for candidate_id, post_id in prefs.values_list("candidate_id", "post_id"):
        preferences[candidate_id].append(post_id)
    posts = list(transfer_round.posts.order_by("order", "pk").values_list("pk", "count"))
    pool = [(c.employee.code, rules.merge_inputs(c.registry, evidence[c.pk]), preferences[c.pk]) for c in candidates]
    criteria_set = transfer_round.criteria_set
    outcome = rules.evaluate_round(
        pool,
        compiled=compiled,
        purpose=transfer_round.purpose,
        kind=transfer_round.kind,
        on=transfer_round.reference_date,
        posts=posts,
        chain=list(criteria_set.tie_break),
        eligibility=criteria_set.eligibility_params(),
        volunteers_first=criteria_set.volunteers_first,
        to_hardship_area=transfer_round.to_hardship_area,
        planned_months=transfer_round.secondment_months,
    )
    inputs = {key: values for key, values, _ in pool}
    for c in candidates:
        result = outcome.results[c.employee.code]
        c.inputs = inputs[c.employee.code]
        c.eligible = result.eligible
        c.exclusions = result.exclusions
        c.notes = result.notes
        c.total = result.total
        c.breakdown = result.breakdown
        c.rank = result.rank
        c.assigned_post_id = result.post
    # One upsert on the primary key rather than bulk_update: bulk_update's CASE WHEN per
    # row took about a minute for a 10,000-person pool on SQLite (bench/transfers.py).
    Candidate.objects.bulk_create(
        candidates,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=[
            "registry",
            "registry_at",
            "inputs",
            "eligible",
            "exclusions",
            "notes",
            "total",
            "breakdown",
            "rank",
            "assigned_post",
        ],
    )
    transfer_round.warnings = _warnings(
        transfer_round, outcome, {c.employee.code: c.employee.full_name for c in candidates}
    )
    transfer_round.computed_at = now
    if transfer_round.status == Status.DRAFT:
        transfer_round.status = Status.COMPUTED
    transfer_round.save(update_fields=["warnings", "computed_at", "status"])
    number = (transfer_round.computations.aggregate(n=Max("number"))["n"] or 0) + 1
    computation = Computation.objects.create(
        round=transfer_round,
        number=number,
        reason=reason,
        by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        criteria_set=criteria_set,
        summary={
            key: {"rank": r.rank, "total": str(r.total), "eligible": r.eligible, "post": r.post}
            for key, r in outcome.results.items()
        },
        warnings=transfer_round.warnings,
    )
    AuditLog.record(
        user=acting_user,
        action="transfer_round.compute",
        obj=transfer_round,
        reason=reason,
        from_registry=from_registry,
        computation=number,
        criteria_set=criteria_set.pk,
        version=criteria_set.version,
        eligible=sum(1 for r in outcome.results.values() if r.eligible),
        unfilled=sum(left for _, left in outcome.unfilled),
    )
    given.refresh_from_db()
    return computation


@transaction.atomic
def publish_round(*, acting_user, transfer_round: TransferRound, opens_at: dt.datetime, closes_at: dt.datetime) -> None:
    """Publish the ranked list (công khai) and open the objection window."""
    if closes_at <= opens_at:
        raise TransferError("Thời hạn nhận phản hồi phải kết thúc sau khi bắt đầu", field="closes_at")
    updated = TransferRound.objects.filter(pk=transfer_round.pk, status=Status.COMPUTED).update(
        status=Status.PUBLISHED,
        published_at=timezone.now(),
        objection_opens_at=opens_at,
        objection_closes_at=closes_at,
    )
    if not updated:
        raise _conflict("Chỉ công khai được danh sách đã tính điểm và chưa công khai.", "round_state")
    transfer_round.refresh_from_db()
    AuditLog.record(
        user=acting_user,
        action="transfer_round.publish",
        obj=transfer_round,
        opens_at=opens_at.isoformat(),
        closes_at=closes_at.isoformat(),
    )


@transaction.atomic
def finalise_round(*, acting_user, transfer_round: TransferRound, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    if transfer_round.status != Status.PUBLISHED:
        raise _conflict("Chỉ chốt được danh sách đã công khai.", "round_state")
    if now <= transfer_round.objection_closes_at:
        raise _conflict(
            f"Chưa hết thời hạn nhận phản hồi (đến {_local(transfer_round.objection_closes_at)}).", "window_open"
        )
    if Objection.objects.filter(candidate__round=transfer_round, status=Objection.Status.PENDING).exists():
        raise _conflict("Còn ý kiến phản hồi chưa xử lý.", "objections_pending")
    TransferRound.objects.filter(pk=transfer_round.pk).update(status=Status.FINAL, finalised_at=now)
    transfer_round.refresh_from_db()
    AuditLog.record(user=acting_user, action="transfer_round.finalise", obj=transfer_round)


@transaction.atomic
def file_objection(*, acting_user, candidate: Candidate, text: str, now: dt.datetime | None = None) -> Objection:
    """A candidate's objection to their own row, only while the window is open."""
    now = now or timezone.now()
    transfer_round = candidate.round
    if transfer_round.status != Status.PUBLISHED or transfer_round.objection_closes_at is None:
        raise _conflict("Đợt này không trong thời gian nhận ý kiến phản hồi.", "window_closed")
    if now > transfer_round.objection_closes_at:
        raise _conflict(
            f"Đã hết thời hạn nhận ý kiến phản hồi (hạn cuối {_local(transfer_round.objection_closes_at)}). "
            "Ý kiến của bạn không được tiếp nhận.",
            "window_closed",
        )
    if now < transfer_round.objection_opens_at:
        raise _conflict(
            f"Chưa đến thời gian nhận ý kiến phản hồi (bắt đầu từ {_local(transfer_round.objection_opens_at)}).",
            "window_not_open",
        )
    if not (text or "").strip():
        raise TransferError("Cần ghi nội dung phản hồi", field="text")
    try:
        with transaction.atomic():
            objection = Objection.objects.create(candidate=candidate, text=text.strip(), filed_by=acting_user)
    except IntegrityError:
        raise _conflict("Bạn đã có một ý kiến phản hồi đang chờ xử lý.", "objection_pending")
    AuditLog.record(
        user=acting_user,
        action="transfer_objection.file",
        obj=objection,
        round=transfer_round.pk,
        employee=candidate.employee.code,
        rank=candidate.rank,
    )
    return objection


@transaction.atomic
def resolve_objection(
    *, acting_user, objection: Objection, accept: bool, reason: str = "", evidence: Iterable[dict] = ()
) -> Objection:
    """HR's decision. Accepting adds the corrected evidence and recomputes the round from
    the stored snapshot; the audit record keeps every rank that moved (before, after)."""
    objection = (
        Objection.objects.select_for_update()
        .select_related("candidate__round", "candidate__employee")
        .get(pk=objection.pk)
    )
    if objection.status != Objection.Status.PENDING:
        raise _conflict("Ý kiến này đã được xử lý.", "objection_resolved")
    candidate = objection.candidate
    transfer_round = candidate.round
    if transfer_round.status != Status.PUBLISHED:
        raise _conflict("Chỉ xử lý phản hồi khi danh sách đang công khai.", "round_state")
    now = timezone.now()
    if not accept:
        if not (reason or "").strip():
            raise TransferError("Cần ghi lý do không chấp nhận", field="reason")
        objection.status = Objection.Status.REJECTED
        objection.resolution = reason.strip()
        objection.resolved_by, objection.resolved_at = acting_user, now
        objection.rank_before = objection.rank_after = candidate.rank
        objection.save()
        AuditLog.record(
            user=acting_user,
            action="transfer_objection.reject",
            obj=objection,
            round=transfer_round.pk,
            employee=candidate.employee.code,
            reason=objection.resolution,
        )
        return objection
    before = dict(transfer_round.candidates.values_list("employee__code", "rank"))
    for item in evidence:
        add_evidence(
            acting_user=acting_user,
            transfer_round=transfer_round,
            employee_code=item.get("employee") or candidate.employee.code,
            kind=item.get("kind", ""),
            value=item.get("value"),
            document_ref=item.get("document_ref", ""),
            note=item.get("note", ""),
        )
    computation = compute_round(
        acting_user=acting_user, transfer_round=transfer_round, reason=Computation.Reason.OBJECTION
    )
    after = dict(transfer_round.candidates.values_list("employee__code", "rank"))
    candidate.refresh_from_db()
    objection.status = Objection.Status.ACCEPTED
    objection.resolution = (reason or "").strip() or "Chấp nhận, đã tính lại theo minh chứng bổ sung."
    objection.resolved_by, objection.resolved_at = acting_user, now
    objection.rank_before, objection.rank_after = before.get(candidate.employee.code), candidate.rank
    objection.save()
    AuditLog.record(
        user=acting_user,
        action="transfer_objection.accept",
        obj=objection,
        round=transfer_round.pk,
        employee=candidate.employee.code,
        computation=computation.number,
        rank_before=objection.rank_before,
        rank_after=objection.rank_after,
        changed={code: [before.get(code), rank] for code, rank in after.items() if before.get(code) != rank},
    )
    return objection


# --- leader selection ------------------------------------------------------------------


@transaction.atomic
def create_selection(
    *,
    acting_user,
    title: str,
    unit: OrgUnit,
    post: str,
    exam: Exam | None = None,
    weights: dict | None = None,
    pass_marks: dict | None = None,
    pass_total: Decimal | None = None,
    drop_extremes: bool = True,
    tie_break: list | None = None,
) -> LeaderSelection:
    tie_break = list(rules.DEFAULT_LEADER_TIE_BREAK if tie_break is None else tie_break)
    errors = rules.validate_leader_tie_break(tie_break)
    if errors:
        raise TransferError(errors[0], field="tie_break")
    weights = {"exam": 1, "presentation": 1, "interview": 1, **(weights or {})}
    if any(Decimal(str(w)) < 0 for w in weights.values()):
        raise TransferError("Trọng số không được âm", field="weights")
    if sum(Decimal(str(w)) for k, w in weights.items() if k != "exam" or exam is not None) <= 0:
        raise TransferError("Cần ít nhất một phần thi có trọng số dương", field="weights")
    marks = pass_marks or {}
    selection = LeaderSelection.objects.create(
        title=title,
        unit=unit,
        post=post,
        exam=exam,
        weight_exam=weights["exam"],
        weight_presentation=weights["presentation"],
        weight_interview=weights["interview"],
        pass_exam=marks.get("exam"),
        pass_presentation=marks.get("presentation"),
        pass_interview=marks.get("interview"),
        pass_total=pass_total,
        drop_extremes=drop_extremes,
        tie_break=tie_break,
        created_by=acting_user,
    )
    AuditLog.record(user=acting_user, action="leader_selection.create", obj=selection, title=title, unit=unit.code)
    return selection


def _require_open(selection: LeaderSelection) -> None:
    if selection.closed_at is not None:
        raise _conflict("Kỳ thi tuyển đã khóa điểm.", "selection_closed")


@transaction.atomic
def add_leader_candidates(*, acting_user, selection: LeaderSelection, employees: Iterable[Employee]) -> int:
    _require_open(selection)
    present = set(selection.candidates.values_list("employee_id", flat=True))
    new = [LeaderCandidate(selection=selection, employee=e) for e in employees if e.pk not in present]
    LeaderCandidate.objects.bulk_create(new)
    if new:
        AuditLog.record(
            user=acting_user,
            action="leader_selection.candidates",
            obj=selection,
            added=sorted(c.employee.code for c in new),
        )
    return len(new)


@transaction.atomic
def add_panel_members(*, acting_user, selection: LeaderSelection, users: Iterable) -> int:
    _require_open(selection)
    present = set(selection.panel.values_list("user_id", flat=True))
    new = [PanelMember(selection=selection, user=u) for u in users if u.pk not in present]
    PanelMember.objects.bulk_create(new)
    if new:
        AuditLog.record(
            user=acting_user,
            action="leader_selection.panel",
            obj=selection,
            added=sorted(m.user.username for m in new),
        )
    return len(new)


@transaction.atomic
def enter_scores(*, acting_user, member: PanelMember, scores: Iterable[dict]) -> list[PanelScore]:
    """A panel member enters or changes their own scores (0–100); nobody else's rows are
    reachable from here."""
    selection = member.selection
    _require_open(selection)
    candidates = {c.employee.code: c for c in selection.candidates.select_related("employee")}
    saved = []
    now = timezone.now()
    for item in scores:
        code, part, score = item.get("employee"), item.get("part"), item.get("score")
        if code not in candidates:
            raise TransferError(f"Cán bộ mã {code} không phải thí sinh của kỳ thi tuyển này", field="employee")
        if part not in PanelScore.Part.values:
            raise TransferError("Phần thi là presentation hoặc interview", field="part")
        value = rules.to_decimal(score)
        if value is None or not 0 <= value <= 100:
            raise TransferError("Điểm từ 0 đến 100", field="score")
        row, _created = PanelScore.objects.update_or_create(
            candidate=candidates[code],
            member=member,
            part=part,
            defaults={"score": rules.round2(value), "updated_at": now},
        )
        saved.append(row)
    AuditLog.record(
        user=acting_user,
        action="leader_selection.scores",
        obj=selection,
        member=member.pk,
        scores=[[r.candidate.employee.code, r.part, str(r.score)] for r in saved],
    )
    return saved


@transaction.atomic
def close_selection(*, acting_user, selection: LeaderSelection) -> None:
    _require_open(selection)
    LeaderSelection.objects.filter(pk=selection.pk).update(closed_at=timezone.now())
    selection.refresh_from_db()
    AuditLog.record(user=acting_user, action="leader_selection.close", obj=selection)


# --- signing the decision and the leader-selection result --------------------------------
#
# Decree 30/2020 Art. 13 and 17(2): the unit head signs, then the issuing agency. A draft
# decision is signed only once the round is final (nothing may move after it), a
# selection's result only once its scores are closed.

DECISION_NOT_READY = "Chỉ ký số quyết định sau khi đợt điều động đã được chốt."
LEADER_NOT_READY = "Chỉ ký số kết quả thi tuyển sau khi đã khóa điểm."


def decision_subject(transfer_round: TransferRound) -> str:
    return f"round:{transfer_round.pk}"


def leader_subject(selection: LeaderSelection) -> str:
    return f"selection:{selection.pk}"


def decision_ready(transfer_round: TransferRound) -> bool:
    return transfer_round.status == TransferRound.Status.FINAL


def leader_ready(selection: LeaderSelection) -> bool:
    return selection.closed_at is not None


def sign_decision(
    *,
    acting_user,
    transfer_round: TransferRound,
    credential: SigningCredential | None,
    secret: str,
    agency_credential: SigningCredential | None = None,
    agency_secret: str | None = None,
) -> SignedDocument:
    if not decision_ready(transfer_round):
        raise signed_documents.SignedDocumentError("not_ready", DECISION_NOT_READY)
    # The decision is dated the day it is signed.
    return signed_documents.sign_document(
        acting_user=acting_user,
        kind=signed_documents.TRANSFER_DECISION,
        subject=decision_subject(transfer_round),
        unit=transfer_round.unit,
        pdf_and_slots=reports.decision_pdf_with_slots(transfer_round, timezone.localdate()),
        credential=credential,
        secret=secret,
        agency_credential=agency_credential,
        agency_secret=agency_secret,
        title=f"Quyết định — {transfer_round.title}"[:255],
        filename=f"quyet-dinh-{transfer_round.pk}-da-ky.pdf",
    )


def sign_leader_results(
    *,
    acting_user,
    selection: LeaderSelection,
    credential: SigningCredential | None,
    secret: str,
    agency_credential: SigningCredential | None = None,
    agency_secret: str | None = None,
) -> SignedDocument:
    if not leader_ready(selection):
        raise signed_documents.SignedDocumentError("not_ready", LEADER_NOT_READY)
    return signed_documents.sign_document(
        acting_user=acting_user,
        kind=signed_documents.LEADER_RESULTS,
        subject=leader_subject(selection),
        unit=selection.unit,
        pdf_and_slots=reports.leader_results_pdf_with_slots(selection),
        credential=credential,
        secret=secret,
        agency_credential=agency_credential,
        agency_secret=agency_secret,
        title=f"Kết quả thi tuyển {selection.post} — {selection.unit.name}"[:255],
        filename=f"ket-qua-thi-tuyen-{selection.pk}-da-ky.pdf",
    )
