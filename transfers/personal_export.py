"""transfers' part of a person's own-data export (hr_system.personal_data): the transfer
rounds and leader selections they are a candidate of.

A round's scores are the person's to see once the round is published (transfers.access
PUBLISHED: the rule of their own result page); before that the export says only that they
are in the pool, so the export shows nothing the result page would not."""

from __future__ import annotations

from django.utils.translation import gettext as _

from hr_system.models import Employee
from transfers.access import PUBLISHED
from transfers.models import Candidate, LeaderCandidate


def _rounds(employee: Employee) -> dict:
    rows = []
    candidates = (
        Candidate.objects.filter(employee=employee)
        .select_related("round", "assigned_post__unit")
        .prefetch_related("objections")
        .order_by("added_at", "pk")
    )
    for c in candidates:
        shown = c.round.status in PUBLISHED
        post = f"{c.assigned_post.title} — {c.assigned_post.unit.name}" if shown and c.assigned_post else None
        objections = "; ".join(f"{o.text} ({o.get_status_display()})" for o in c.objections.all()) if shown else None
        rows.append(
            [
                c.round.title,
                c.round.get_purpose_display(),
                c.round.get_status_display(),
                c.added_at,
                c.eligible if shown else None,
                c.total if shown else None,
                c.rank if shown else None,
                post,
                objections,
            ]
        )
    return {
        "key": "transfers.rounds",
        "title": _("Đợt điều động, luân chuyển có tên bạn"),
        "columns": [
            _("Đợt"),
            _("Mục đích"),
            _("Trạng thái đợt"),
            _("Ngày đưa vào danh sách"),
            _("Đủ điều kiện"),
            _("Tổng điểm"),
            _("Xếp hạng"),
            _("Vị trí được bố trí"),
            _("Phản hồi của bạn"),
        ],
        "rows": rows,
        "note": _("Điểm và xếp hạng chỉ có khi đợt đã được công khai."),
    }


def _selections(employee: Employee) -> dict:
    rows = [
        [c.selection.title, c.selection.post, c.selection.closed_at]
        for c in LeaderCandidate.objects.filter(employee=employee).select_related("selection").order_by("pk")
    ]
    return {
        "key": "transfers.leader_selections",
        "title": _("Thi tuyển lãnh đạo"),
        "columns": [_("Kỳ thi tuyển"), _("Chức danh"), _("Đã khóa điểm lúc")],
        "rows": rows,
    }


def sections(employee: Employee) -> list[dict]:
    return [_rounds(employee), _selections(employee)]
