"""Transfer and secondment rounds, and leader-selection exams (mounted at
/api/v1/assessments/transfers by hr_system/api.py). Endpoints are thin: schema in →
access helper (transfers/access.py) → action or report → schema out."""

from __future__ import annotations

from contextlib import contextmanager

from django.http import HttpResponse
from ninja import Router, Status
from ninja.pagination import paginate

from assessments.access import get_exam_for_user
from hr_system import access, signed_documents
from hr_system.api_base import ApiError, PageNumber, invalid
from hr_system.schemas import SignedDocumentOut, SignIn
from hr_system.signed_documents import api as signed_api
from transfers import actions, reports
from transfers.access import (
    criteria_sets_for,
    get_candidate_for_user,
    get_criteria_set_for_user,
    get_own_candidate,
    get_panel_member,
    get_round_for_signing,
    get_round_for_user,
    get_selection_for_signing,
    get_selection_for_user,
    panel_users_for,
    require_round_writer,
    require_selection_manager,
    rounds_for,
    selection_units_for,
    selections_for,
)
from transfers.models import Evidence, Objection, PanelScore, TransferRound
from transfers.schemas import (
    AddedOut,
    CandidateOut,
    ComputationOut,
    ComputeIn,
    CriteriaSetIn,
    CriteriaSetOut,
    EvidenceIn,
    EvidenceOut,
    LeaderResultsOut,
    MyRowOut,
    ObjectionIn,
    ObjectionOut,
    PanelScoreOut,
    PostIn,
    PostOut,
    PreferencesIn,
    PublishIn,
    ResolveIn,
    ResultsOut,
    RoundCandidatesIn,
    RoundIn,
    RoundOut,
    RowOut,
    ScoresIn,
    SelectionIn,
    SelectionOut,
    SelectionPeopleIn,
    ValidationOut,
)

router = Router()


@contextmanager
def domain_errors():
    """Refused operations become the one error envelope (422 with a field, or 409)."""
    try:
        yield
    except actions.TransferError as exc:
        if exc.field:
            raise invalid(exc.field, exc.message)
        raise ApiError(exc.status, exc.code, exc.message)


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _units(user, codes: list[str], field: str, *, write: bool = True):
    units = list(access.units_for(user, write=write).filter(code__in=codes))
    missing = sorted(set(codes) - {u.code for u in units})
    if missing:
        raise invalid(field, f"Không có đơn vị trong phạm vi bạn quản lý: {', '.join(missing)}")
    return sorted(units, key=lambda u: codes.index(u.code))


def _employees(user, codes: list[str], field: str = "employees"):
    employees = list(access.employees_for(user, write=True).filter(code__in=codes))
    missing = sorted(set(codes) - {e.code for e in employees})
    if missing:
        raise invalid(field, f"Không có cán bộ trong phạm vi bạn quản lý: {', '.join(missing)}")
    return employees


# --- criteria sets ---------------------------------------------------------------------


@router.get("/criteria-sets", response=list[CriteriaSetOut])
@paginate(PageNumber)
def list_criteria_sets(request):
    return criteria_sets_for(request.user).select_related("unit").order_by("name", "-version", "pk")


@router.post("/criteria-sets/validate", response=ValidationOut)
def validate_criteria_set(request, payload: CriteriaSetIn):
    """Check a set without saving it: each error names the criteria involved."""
    require_round_writer(request.user)
    errors = actions.check_criteria_set(
        criteria=payload.criteria_dicts(), tie_break=payload.tie_break, eligibility=payload.eligibility
    )
    return {"valid": not errors, "errors": errors}


@router.post("/criteria-sets", response={201: CriteriaSetOut})
def create_criteria_set(request, payload: CriteriaSetIn):
    require_round_writer(request.user)
    unit = None
    if payload.unit:
        unit = _units(request.user, [payload.unit], "unit")[0]
    elif not access.is_admin(request.user):
        raise invalid("unit", "Cần chọn đơn vị ban hành bộ tiêu chí.")
    errors = actions.check_criteria_set(
        criteria=payload.criteria_dicts(), tie_break=payload.tie_break, eligibility=payload.eligibility
    )
    if errors:
        raise ApiError(422, "validation_error", "Bộ tiêu chí không hợp lệ.", {"criteria": errors})
    with domain_errors():
        found = actions.create_criteria_set(
            acting_user=request.user,
            name=payload.name,
            criteria=payload.criteria_dicts(),
            valid_from=payload.valid_from,
            valid_to=payload.valid_to,
            unit=unit,
            tie_break=payload.tie_break,
            volunteers_first=payload.volunteers_first,
            eligibility=payload.eligibility,
            source=payload.source,
        )
    return Status(201, found)


@router.post("/criteria-sets/default", response={201: CriteriaSetOut})
def create_default_criteria_set(request):
    """The illustrative §5.3 template (created once; labelled as a template to adapt)."""
    require_round_writer(request.user)
    return Status(201, actions.create_default_set(acting_user=request.user))


# Registered after /criteria-sets/default and /validate so those paths are not read as an id.
@router.get("/criteria-sets/{set_id}", response=CriteriaSetOut)
def get_criteria_set(request, set_id: int):
    return get_criteria_set_for_user(request.user, set_id)


# --- rounds ----------------------------------------------------------------------------


@router.get("/rounds", response=list[RoundOut])
@paginate(PageNumber)
def list_rounds(request):
    return rounds_for(request.user).select_related("unit", "criteria_set").order_by("-pk")


@router.post("/rounds", response={201: RoundOut})
def create_round(request, payload: RoundIn):
    require_round_writer(request.user)
    unit = _units(request.user, [payload.unit], "unit")[0]
    sources = _units(request.user, payload.source_units, "source_units")
    criteria_set = criteria_sets_for(request.user).filter(pk=payload.criteria_set).first()
    if criteria_set is None:
        raise invalid("criteria_set", "Không tìm thấy bộ tiêu chí.")
    exam = get_exam_for_user(request.user, payload.exam) if payload.exam else None
    with domain_errors():
        found = actions.create_round(
            acting_user=request.user,
            unit=unit,
            source_units=sources,
            criteria_set=criteria_set,
            exam=exam,
            **payload.dict(exclude={"unit", "source_units", "criteria_set", "exam"}),
        )
    return Status(201, found)


@router.get("/rounds/{round_id}", response=RoundOut)
def get_round(request, round_id: int):
    return get_round_for_user(request.user, round_id)


@router.post("/rounds/{round_id}/candidates", response=AddedOut)
def add_candidates(request, round_id: int, payload: RoundCandidatesIn):
    transfer_round = get_round_for_user(request.user, round_id, write=True)
    employees = _employees(request.user, payload.employees) if payload.employees else []
    if payload.from_sources:
        pool = actions.source_employees(transfer_round, job_title_contains=payload.job_title_contains)
        employees += list(pool.filter(pk__in=access.employees_for(request.user, write=True).values("pk")))
    if not employees:
        raise invalid("employees", "Chưa chọn người nào.")
    with domain_errors():
        added = actions.add_candidates(acting_user=request.user, transfer_round=transfer_round, employees=employees)
    return {"added": added, "total": transfer_round.candidates.count()}


@router.get("/rounds/{round_id}/candidates", response=list[CandidateOut])
@paginate(PageNumber)
def list_candidates(request, round_id: int):
    transfer_round = get_round_for_user(request.user, round_id)
    return (
        transfer_round.candidates.select_related("employee__unit")
        .prefetch_related("preferences")
        .order_by("employee__sort_key", "employee__code")
    )


@router.post("/rounds/{round_id}/posts", response={201: PostOut})
def add_post(request, round_id: int, payload: PostIn):
    transfer_round = get_round_for_user(request.user, round_id, write=True)
    unit = _units(request.user, [payload.unit], "unit", write=False)[0]
    with domain_errors():
        post = actions.add_target_post(
            acting_user=request.user, transfer_round=transfer_round, unit=unit, title=payload.title, count=payload.count
        )
    return Status(201, post)


@router.get("/rounds/{round_id}/posts", response=list[PostOut])
def list_posts(request, round_id: int):
    transfer_round = get_round_for_user(request.user, round_id)
    return list(transfer_round.posts.select_related("unit"))


@router.put("/rounds/{round_id}/candidates/{code}/preferences", response=CandidateOut)
def set_preferences(request, round_id: int, code: str, payload: PreferencesIn):
    transfer_round = get_round_for_user(request.user, round_id, write=True)
    candidate = transfer_round.candidates.select_related("employee__unit", "round").filter(employee__code=code).first()
    if candidate is None:
        raise invalid("employee", f"Cán bộ mã {code} không có trong danh sách xem xét của đợt này")
    with domain_errors():
        actions.set_preferences(acting_user=request.user, candidate=candidate, post_ids=payload.posts)
    return candidate


@router.post("/rounds/{round_id}/evidence", response={201: EvidenceOut})
def add_evidence(request, round_id: int, payload: EvidenceIn):
    transfer_round = get_round_for_user(request.user, round_id, write=True)
    with domain_errors():
        row = actions.add_evidence(
            acting_user=request.user,
            transfer_round=transfer_round,
            employee_code=payload.employee,
            **payload.dict(exclude={"employee"}),
        )
    return Status(201, row)


@router.get("/rounds/{round_id}/evidence", response=list[EvidenceOut])
@paginate(PageNumber)
def list_evidence(request, round_id: int):
    transfer_round = get_round_for_user(request.user, round_id)
    return (
        Evidence.objects.filter(candidate__round=transfer_round)
        .select_related("candidate__employee", "entered_by")
        .order_by("entered_at", "pk")
    )


@router.post("/rounds/{round_id}/compute", response=ComputationOut)
def compute_round(request, round_id: int, payload: ComputeIn):
    transfer_round = get_round_for_user(request.user, round_id, write=True)
    with domain_errors():
        reason = "registry" if payload.from_registry else "compute"
        return actions.compute_round(
            acting_user=request.user, transfer_round=transfer_round, from_registry=payload.from_registry, reason=reason
        )


@router.post("/rounds/{round_id}/publish", response=RoundOut)
def publish_round(request, round_id: int, payload: PublishIn):
    transfer_round = get_round_for_user(request.user, round_id, write=True)
    with domain_errors():
        actions.publish_round(
            acting_user=request.user,
            transfer_round=transfer_round,
            opens_at=payload.opens_at,
            closes_at=payload.closes_at,
        )
    return transfer_round


@router.post("/rounds/{round_id}/finalise", response=RoundOut)
def finalise_round(request, round_id: int):
    transfer_round = get_round_for_user(request.user, round_id, write=True)
    with domain_errors():
        actions.finalise_round(acting_user=request.user, transfer_round=transfer_round)
    return transfer_round


@router.get("/rounds/{round_id}/results", response=ResultsOut)
def round_results(request, round_id: int):
    """The full computed list (HR and the exam board in scope)."""
    transfer_round = get_round_for_user(request.user, round_id)
    rows = list(
        transfer_round.candidates.select_related("employee__unit", "assigned_post__unit").order_by(
            "rank", "employee__sort_key", "employee__code"
        )
    )
    return {
        "round": transfer_round,
        "ranked": [c for c in rows if c.eligible],
        "excluded": [c for c in rows if c.eligible is False],
    }


@router.get("/rounds/{round_id}/me", response=MyRowOut)
def my_row(request, round_id: int):
    """The caller's own row and breakdown, once the list is published."""
    return get_own_candidate(request.user, round_id)


@router.get("/rounds/{round_id}/candidates/{code}", response=RowOut)
def get_row(request, round_id: int, code: str):
    """One row: HR in scope see anyone's; a candidate only their own (404 for others)."""
    return get_candidate_for_user(request.user, round_id, code)


@router.post("/rounds/{round_id}/objections", response={201: ObjectionOut})
def file_objection(request, round_id: int, payload: ObjectionIn):
    candidate = get_own_candidate(request.user, round_id)
    with domain_errors():
        objection = actions.file_objection(acting_user=request.user, candidate=candidate, text=payload.text)
    return Status(201, objection)


@router.get("/rounds/{round_id}/objections", response=list[ObjectionOut])
@paginate(PageNumber)
def list_objections(request, round_id: int):
    transfer_round = get_round_for_user(request.user, round_id)
    return (
        Objection.objects.filter(candidate__round=transfer_round).select_related("candidate__employee").order_by("pk")
    )


@router.post("/rounds/{round_id}/objections/{objection_id}/resolve", response=ObjectionOut)
def resolve_objection(request, round_id: int, objection_id: int, payload: ResolveIn):
    transfer_round = get_round_for_user(request.user, round_id, write=True)
    objection = Objection.objects.filter(pk=objection_id, candidate__round=transfer_round).first()
    if objection is None:
        raise ApiError(404, "not_found", "Không tìm thấy ý kiến phản hồi.")
    with domain_errors():
        return actions.resolve_objection(
            acting_user=request.user,
            objection=objection,
            accept=payload.accept,
            reason=payload.reason,
            evidence=[e.dict() for e in payload.evidence],
        )


def _require_computed(transfer_round: TransferRound) -> None:
    if transfer_round.status == TransferRound.Status.DRAFT:
        raise ApiError(409, "round_state", "Đợt chưa được tính điểm.")


@router.get("/rounds/{round_id}/ranking.pdf")
def ranking_pdf(request, round_id: int):
    transfer_round = get_round_for_user(request.user, round_id)
    _require_computed(transfer_round)
    return _pdf(reports.ranking_pdf(transfer_round), f"danh-sach-xep-hang-{transfer_round.pk}.pdf")


@router.get("/rounds/{round_id}/decision.pdf")
def decision_pdf(request, round_id: int):
    transfer_round = get_round_for_user(request.user, round_id)
    _require_computed(transfer_round)
    signed = signed_documents.current(signed_documents.TRANSFER_DECISION, actions.decision_subject(transfer_round))
    if signed is not None:
        return signed_api.signed_pdf(signed)
    return _pdf(reports.decision_pdf(transfer_round), f"du-thao-quyet-dinh-{transfer_round.pk}.pdf")


@router.post("/rounds/{round_id}/decision/sign", response=SignedDocumentOut)
def sign_decision(request, round_id: int, body: SignIn):
    """The unit head signs the final round's decision, then the agency (two PAdES signatures)."""
    transfer_round = get_round_for_signing(request.user, round_id)
    return signed_api.sign_or_error(
        actions.sign_decision, body, acting_user=request.user, transfer_round=transfer_round
    )


@router.get("/rounds/{round_id}/decision/signed.pdf")
def decision_signed_pdf(request, round_id: int):
    transfer_round = get_round_for_signing(request.user, round_id)
    return signed_api.signed_pdf(
        signed_documents.current(signed_documents.TRANSFER_DECISION, actions.decision_subject(transfer_round))
    )


# --- leader selection ------------------------------------------------------------------


def _panel_users(user, usernames: list[str]):
    """Panel members among the caller's people only; a name that does not exist and
    one outside the caller's scope get the same answer."""
    users, missing = panel_users_for(user, usernames)
    if missing:
        raise invalid("panel", f"Không tìm thấy tài khoản trong phạm vi bạn quản lý: {', '.join(missing)}")
    return users


@router.post("/leaders", response={201: SelectionOut})
def create_selection(request, payload: SelectionIn):
    require_selection_manager(request.user)
    unit = selection_units_for(request.user).filter(code=payload.unit).first()
    if unit is None:
        raise invalid("unit", "Không có đơn vị trong phạm vi bạn quản lý.")
    exam = get_exam_for_user(request.user, payload.exam) if payload.exam else None
    candidates = _employees(request.user, payload.candidates, "candidates") if payload.candidates else []
    panel = _panel_users(request.user, payload.panel) if payload.panel else []
    with domain_errors():
        selection = actions.create_selection(
            acting_user=request.user,
            title=payload.title,
            unit=unit,
            post=payload.post,
            exam=exam,
            weights=payload.weights.dict(),
            pass_marks=payload.pass_marks.dict(),
            pass_total=payload.pass_total,
            drop_extremes=payload.drop_extremes,
            tie_break=payload.tie_break,
        )
        actions.add_leader_candidates(acting_user=request.user, selection=selection, employees=candidates)
        actions.add_panel_members(acting_user=request.user, selection=selection, users=panel)
    return Status(201, selection)


@router.get("/leaders", response=list[SelectionOut])
@paginate(PageNumber)
def list_selections(request):
    return selections_for(request.user).select_related("unit").order_by("-pk")


@router.get("/leaders/{selection_id}", response=SelectionOut)
def get_selection(request, selection_id: int):
    return get_selection_for_user(request.user, selection_id)


@router.post("/leaders/{selection_id}/people", response=SelectionOut)
def add_selection_people(request, selection_id: int, payload: SelectionPeopleIn):
    selection = get_selection_for_user(request.user, selection_id)
    candidates = _employees(request.user, payload.candidates, "candidates") if payload.candidates else []
    panel = _panel_users(request.user, payload.panel) if payload.panel else []
    with domain_errors():
        actions.add_leader_candidates(acting_user=request.user, selection=selection, employees=candidates)
        actions.add_panel_members(acting_user=request.user, selection=selection, users=panel)
    return selection


def _own_scores(member) -> list[PanelScore]:
    return list(member.scores.select_related("candidate__employee").order_by("candidate__employee__code", "part"))


@router.get("/leaders/{selection_id}/scores", response=list[PanelScoreOut])
def my_scores(request, selection_id: int):
    """The caller's own scores as a panel member — never another member's."""
    return _own_scores(get_panel_member(request.user, selection_id))


@router.put("/leaders/{selection_id}/scores", response=list[PanelScoreOut])
def enter_scores(request, selection_id: int, payload: ScoresIn):
    member = get_panel_member(request.user, selection_id)
    with domain_errors():
        actions.enter_scores(acting_user=request.user, member=member, scores=[s.dict() for s in payload.scores])
    return _own_scores(member)


@router.post("/leaders/{selection_id}/close", response=SelectionOut)
def close_selection(request, selection_id: int):
    selection = get_selection_for_user(request.user, selection_id)
    with domain_errors():
        actions.close_selection(acting_user=request.user, selection=selection)
    return selection


@router.get("/leaders/{selection_id}/results", response=LeaderResultsOut)
def selection_results(request, selection_id: int):
    """Combined panel scores and the ranking (HR and the exam board in scope only)."""
    return reports.selection_results(get_selection_for_user(request.user, selection_id))


@router.get("/leaders/{selection_id}/results.pdf")
def selection_results_pdf(request, selection_id: int):
    selection = get_selection_for_user(request.user, selection_id)
    signed = signed_documents.current(signed_documents.LEADER_RESULTS, actions.leader_subject(selection))
    if signed is not None:
        return signed_api.signed_pdf(signed)
    return _pdf(reports.leader_results_pdf(selection), f"ket-qua-thi-tuyen-{selection.pk}.pdf")


@router.post("/leaders/{selection_id}/sign", response=SignedDocumentOut)
def sign_selection_results(request, selection_id: int, body: SignIn):
    """The unit head signs the closed selection's result, then the agency."""
    selection = get_selection_for_signing(request.user, selection_id)
    return signed_api.sign_or_error(actions.sign_leader_results, body, acting_user=request.user, selection=selection)


@router.get("/leaders/{selection_id}/signed.pdf")
def selection_signed_pdf(request, selection_id: int):
    selection = get_selection_for_signing(request.user, selection_id)
    return signed_api.signed_pdf(
        signed_documents.current(signed_documents.LEADER_RESULTS, actions.leader_subject(selection))
    )
