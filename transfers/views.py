"""Pages for transfer rounds and leader selections: HR's ranked list with breakdowns and
objection handling, a candidate's own row with the objection form, and score entry for
panel members. Every object goes through the access helpers in transfers/access.py."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hr_system import signed_documents, widgets
from hr_system.signed_documents import pages as signed_pages
from transfers import actions, reports, rules
from transfers.access import (
    can_change_round,
    get_own_candidate,
    get_panel_member,
    get_round_for_signing,
    get_round_for_user,
    get_selection_for_signing,
    get_selection_for_user,
    own_published_rows,
    panel_seats,
    rounds_for,
    selections_for,
)
from transfers.models import Objection, PanelScore


def _download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def round_list(request):
    user = request.user
    rounds = rounds_for(user).select_related("unit", "criteria_set").order_by("-pk")
    mine = own_published_rows(user).select_related("round")
    selections = selections_for(user).select_related("unit").order_by("-pk")
    seats = panel_seats(user).select_related("selection__unit").order_by("-selection_id")
    return render(
        request,
        "transfers/round_list.html",
        {"rounds": rounds, "mine": mine, "selections": selections, "seats": seats},
    )


@login_required
def round_detail(request, round_id: int):
    transfer_round = get_round_for_user(request.user, round_id)
    ranked, excluded = reports.ranking_rows(transfer_round)
    posts = list(transfer_round.posts.select_related("unit"))
    filled = {p.pk: p.assigned.count() for p in posts}
    return render(
        request,
        "transfers/round_detail.html",
        {
            "round": transfer_round,
            "criteria": list(transfer_round.criteria_set.criteria.all()),
            "ranked": ranked,
            "excluded": excluded,
            "posts": [(p, filled[p.pk]) for p in posts],
            "pending": Objection.objects.filter(
                candidate__round=transfer_round, status=Objection.Status.PENDING
            ).count(),
            "can_write": can_change_round(request.user, transfer_round),
            "tie_break_text": transfer_round.criteria_set.tie_break_text(),
            "candidate_count": transfer_round.candidates.count(),
        },
    )


def _aware(value: str, label: str) -> dt.datetime:
    try:
        moment = widgets.parse_datetime(value)
    except ValueError as exc:
        raise actions.TransferError(f"{label}: {exc}") from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


@login_required
@require_POST
def round_action(request, round_id: int, action: str):
    """compute | recompute (from the registry) | publish | finalise."""
    transfer_round = get_round_for_user(request.user, round_id, write=True)
    try:
        if action == "compute":
            actions.compute_round(acting_user=request.user, transfer_round=transfer_round)
            messages.success(request, _("Đã tính điểm và xếp hạng."))
        elif action == "recompute":
            actions.compute_round(
                acting_user=request.user, transfer_round=transfer_round, from_registry=True, reason="registry"
            )
            messages.success(request, _("Đã tính lại theo số liệu hồ sơ hiện tại."))
        elif action == "publish":
            opens = _aware(request.POST.get("opens_at", ""), _("Thời điểm bắt đầu nhận phản hồi"))
            closes = _aware(request.POST.get("closes_at", ""), _("Thời điểm kết thúc nhận phản hồi"))
            actions.publish_round(
                acting_user=request.user, transfer_round=transfer_round, opens_at=opens, closes_at=closes
            )
            messages.success(request, _("Đã công khai danh sách."))
        elif action == "finalise":
            actions.finalise_round(acting_user=request.user, transfer_round=transfer_round)
            messages.success(request, _("Đã chốt danh sách."))
        else:
            raise actions.TransferError(_("Thao tác không hợp lệ."))
    except actions.TransferError as exc:
        messages.error(request, exc.message)
    return redirect("transfers_round_detail", round_id=transfer_round.pk)


@login_required
def ranking_pdf(request, round_id: int):
    transfer_round = get_round_for_user(request.user, round_id)
    return _download(reports.ranking_pdf(transfer_round), f"danh-sach-xep-hang-{transfer_round.pk}.pdf")


@login_required
def decision_pdf(request, round_id: int):
    transfer_round = get_round_for_user(request.user, round_id)
    # Once signed, the decision handed out is the signed one.
    signed = signed_documents.current(signed_documents.TRANSFER_DECISION, actions.decision_subject(transfer_round))
    if signed is not None:
        return signed_pages.signed_pdf_response(request, signed)
    return _download(reports.decision_pdf(transfer_round), f"du-thao-quyet-dinh-{transfer_round.pk}.pdf")


@login_required
def decision_sign(request, round_id: int):
    transfer_round = get_round_for_signing(request.user, round_id)
    return signed_pages.sign_page(
        request,
        kind=signed_documents.TRANSFER_DECISION,
        unit=transfer_round.unit,
        subject_key=actions.decision_subject(transfer_round),
        title=_("Ký số quyết định: %(t)s") % {"t": transfer_round.title},
        ready=actions.decision_ready(transfer_round),
        not_ready=actions.DECISION_NOT_READY,
        sign=lambda **cred: actions.sign_decision(acting_user=request.user, transfer_round=transfer_round, **cred),
        signed_url=reverse("transfers_decision_signed_pdf", args=[transfer_round.pk]),
        back_url=reverse("transfers_round_list"),
    )


@login_required
def decision_signed_pdf(request, round_id: int):
    transfer_round = get_round_for_signing(request.user, round_id)
    signed = signed_documents.current(signed_documents.TRANSFER_DECISION, actions.decision_subject(transfer_round))
    if signed is None:
        raise Http404(_("Quyết định này chưa được ký số."))
    return signed_pages.signed_pdf_response(request, signed)


@login_required
def my_row(request, round_id: int):
    """A candidate's own breakdown, and their objection while the window is open."""
    candidate = get_own_candidate(request.user, round_id)
    if request.method == "POST":
        try:
            actions.file_objection(acting_user=request.user, candidate=candidate, text=request.POST.get("text", ""))
            messages.success(request, _("Đã gửi ý kiến phản hồi."))
            return redirect("transfers_my_row", round_id=round_id)
        except actions.TransferError as exc:
            messages.error(request, exc.message)
    transfer_round = candidate.round
    return render(
        request,
        "transfers/my_row.html",
        {
            "c": candidate,
            "lines": reports.breakdown_lines(candidate.breakdown),
            "total_text": rules.fmt(candidate.total),
            "round": transfer_round,
            "window_open": transfer_round.window_open(),
            "objections": candidate.objections.all(),
            "tie_break_text": transfer_round.criteria_set.tie_break_text(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _form_value(kind: str, text: str):
    """The typed value from the resolution form: JSON, with plain words for yes/no."""
    text = (text or "").strip()
    shape = rules.EVIDENCE_KINDS.get(kind, ("", ""))[1]
    if shape == "bool" and text.lower() in ("có", "co", "yes"):
        return True
    if shape == "bool" and text.lower() in ("không", "khong", "no"):
        return False
    if shape in ("text", "priority") and not text.startswith(("{", '"')):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


@login_required
def objections(request, round_id: int):
    """HR's list of objections; accept (with corrected evidence → recompute) or reject."""
    transfer_round = get_round_for_user(request.user, round_id)
    can_write = can_change_round(request.user, transfer_round)
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied(_("Bạn không có quyền xử lý phản hồi."))
        objection = Objection.objects.filter(pk=request.POST.get("objection"), candidate__round=transfer_round).first()
        if objection is None:
            messages.error(request, _("Không tìm thấy ý kiến phản hồi."))
            return redirect("transfers_objections", round_id=transfer_round.pk)
        accept = request.POST.get("decision") == "accept"
        evidence = []
        if accept and request.POST.get("kind"):
            evidence.append(
                {
                    "kind": request.POST["kind"],
                    "value": _form_value(request.POST["kind"], request.POST.get("value", "")),
                    "document_ref": request.POST.get("document_ref", ""),
                }
            )
        try:
            done = actions.resolve_objection(
                acting_user=request.user,
                objection=objection,
                accept=accept,
                reason=request.POST.get("reason", ""),
                evidence=evidence,
            )
            if accept:
                messages.success(
                    request,
                    _("Đã chấp nhận và tính lại: thứ tự từ %(b)s thành %(a)s.")
                    % {"b": done.rank_before or "—", "a": done.rank_after or "—"},
                )
            else:
                messages.success(request, _("Đã trả lời không chấp nhận."))
        except actions.TransferError as exc:
            messages.error(request, exc.message)
        return redirect("transfers_objections", round_id=transfer_round.pk)
    rows = (
        Objection.objects.filter(candidate__round=transfer_round).select_related("candidate__employee").order_by("pk")
    )
    return render(
        request,
        "transfers/objections.html",
        {
            "round": transfer_round,
            "rows": rows,
            "can_write": can_write,
            "kinds": [(k, label) for k, (label, _shape) in rules.EVIDENCE_KINDS.items()],
        },
    )


@login_required
def leader_detail(request, selection_id: int):
    selection = get_selection_for_user(request.user, selection_id)
    if request.method == "POST":
        try:
            actions.close_selection(acting_user=request.user, selection=selection)
            messages.success(request, _("Đã khóa điểm."))
        except actions.TransferError as exc:
            messages.error(request, exc.message)
        return redirect("transfers_leader_detail", selection_id=selection.pk)
    return render(
        request,
        "transfers/leader_detail.html",
        {"s": selection, "results": reports.selection_results(selection)},
    )


@login_required
def leader_pdf(request, selection_id: int):
    selection = get_selection_for_user(request.user, selection_id)
    signed = signed_documents.current(signed_documents.LEADER_RESULTS, actions.leader_subject(selection))
    if signed is not None:
        return signed_pages.signed_pdf_response(request, signed)
    return _download(reports.leader_results_pdf(selection), f"ket-qua-thi-tuyen-{selection.pk}.pdf")


@login_required
def leader_sign(request, selection_id: int):
    selection = get_selection_for_signing(request.user, selection_id)
    return signed_pages.sign_page(
        request,
        kind=signed_documents.LEADER_RESULTS,
        unit=selection.unit,
        subject_key=actions.leader_subject(selection),
        title=_("Ký số kết quả thi tuyển %(p)s") % {"p": selection.post},
        ready=actions.leader_ready(selection),
        not_ready=actions.LEADER_NOT_READY,
        sign=lambda **cred: actions.sign_leader_results(acting_user=request.user, selection=selection, **cred),
        signed_url=reverse("transfers_leader_signed_pdf", args=[selection.pk]),
        back_url=reverse("transfers_round_list"),
    )


@login_required
def leader_signed_pdf(request, selection_id: int):
    selection = get_selection_for_signing(request.user, selection_id)
    signed = signed_documents.current(signed_documents.LEADER_RESULTS, actions.leader_subject(selection))
    if signed is None:
        raise Http404(_("Kết quả thi tuyển này chưa được ký số."))
    return signed_pages.signed_pdf_response(request, signed)


@login_required
def leader_scores(request, selection_id: int):
    """A panel member's own score sheet; other members' scores are never shown."""
    member = get_panel_member(request.user, selection_id)
    selection = member.selection
    candidates = list(
        selection.candidates.select_related("employee__unit").order_by("employee__sort_key", "employee__code")
    )
    status = 200
    if request.method == "POST":
        scores = []
        for c in candidates:
            for part in PanelScore.Part.values:
                raw = request.POST.get(f"{part}-{c.employee.code}", "").strip().replace(",", ".")
                if raw:
                    scores.append({"employee": c.employee.code, "part": part, "score": raw})
        try:
            actions.enter_scores(acting_user=request.user, member=member, scores=scores)
            messages.success(request, _("Đã lưu điểm của bạn."))
            return redirect("transfers_leader_scores", selection_id=selection.pk)
        except actions.TransferError as exc:
            messages.error(request, exc.message)
            status = 400
    own = {(s.candidate_id, s.part): s.score for s in member.scores.all()}
    rows = [(c, own.get((c.pk, "presentation")), own.get((c.pk, "interview"))) for c in candidates]
    return render(
        request,
        "transfers/leader_scores.html",
        {"s": selection, "rows": rows, "closed": selection.closed_at is not None},
        status=status,
    )
