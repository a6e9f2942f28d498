"""What transfers adds to the employee page (hr_system.panels): the person's history in
transfer rounds and leader-selection exams.

Registered in TransfersConfig.ready(). HR and the exam board see the rounds and
selections of their subtree (transfers.access); the person sees their own rows once a
round is published; anyone else sees none of it.
"""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hr_system import access
from hr_system.panels import Item, Panel
from transfers.access import PUBLISHED, own_published_rows, rounds_for, selections_for
from transfers.models import Candidate, LeaderCandidate, Objection, TransferRound


def transfer_history(request, employee) -> Panel | None:
    user = request.user
    own = access.own_employee(user)
    is_self = own is not None and own.pk == employee.pk
    managed_rounds = set(rounds_for(user).values_list("pk", flat=True))
    rows = []
    candidates = Candidate.objects.filter(employee=employee).select_related("round", "round__unit", "assigned_post")
    for c in candidates.order_by("-round__created_at", "-pk"):
        managed = c.round_id in managed_rounds
        published = c.round.status in PUBLISHED
        if not (managed or (is_self and published)):
            continue
        if managed:
            url = reverse("transfers_round_detail", args=[c.round_id])
        else:
            url = reverse("transfers_my_row", args=[c.round_id])
        rows.append(
            {
                "title": c.round.title,
                "kind": c.round.get_kind_display(),
                "unit": c.round.unit.name,
                "date": c.round.reference_date,
                "status": c.round.get_status_display(),
                "rank": c.rank if (managed or published) else None,
                "total": c.total if (managed or published) else None,
                "post": str(c.assigned_post) if c.assigned_post_id and (managed or published) else "",
                "url": url,
            }
        )
    managed_selections = selections_for(user).values("pk")
    for lc in (
        LeaderCandidate.objects.filter(employee=employee, selection__in=managed_selections)
        .select_related("selection", "selection__unit")
        .order_by("-selection__created_at", "-pk")
    ):
        rows.append(
            {
                "title": lc.selection.title,
                "kind": _("Thi tuyển lãnh đạo: %(post)s") % {"post": lc.selection.post},
                "unit": lc.selection.unit.name,
                "date": lc.selection.created_at.date(),
                "status": _("Đã khóa điểm") if lc.selection.closed_at else _("Đang tổ chức"),
                "rank": None,
                "total": None,
                "post": "",
                "url": reverse("transfers_leader_detail", args=[lc.selection_id]),
            }
        )
    if not rows:
        return None
    return Panel(
        _("Điều động, biệt phái, thi tuyển"),
        template="transfers/panels/transfer_history.html",
        context={"rows": rows},
        order=50,
        key="dieu-dong",
    )


def transfer_tasks(request) -> Panel | None:
    """Objections waiting for HR in the rounds they change; for the person, a published
    round of theirs whose feedback window is open now."""
    user = request.user
    items = []
    pending = (
        Objection.objects.filter(status=Objection.Status.PENDING, candidate__round__in=rounds_for(user, write=True))
        .values("candidate__round_id", "candidate__round__title")
        .annotate(n=Count("pk"))
        .order_by("candidate__round_id")
    )
    for row in pending:
        url = reverse("transfers_objections", args=[row["candidate__round_id"]])
        items.append(
            Item(_("Ý kiến phản hồi chờ xử lý: %(t)s") % {"t": row["candidate__round__title"]}, url, row["n"], "warn")
        )
    now = timezone.now()
    for c in (
        own_published_rows(user)
        .filter(
            round__status=TransferRound.Status.PUBLISHED,
            round__objection_opens_at__lte=now,
            round__objection_closes_at__gte=now,
        )
        .select_related("round")
    ):
        until = f"{timezone.localtime(c.round.objection_closes_at):%d/%m/%Y %H:%M}"
        items.append(
            Item(
                c.round.title,
                reverse("transfers_my_row", args=[c.round_id]),
                note=_("xem kết quả của bạn; nhận ý kiến phản hồi đến %(t)s") % {"t": until},
            )
        )
    if not items:
        return None
    return Panel(_("Điều động, thi tuyển"), items, order=50, key="dieu-dong-viec")
