"""What transfer rounds and leader selections show and print: ranked rows, combined
panel scores, exam percentages and the Decree 30/2020 documents. Read-only: nothing
here writes; the PDF templates extend pdf/base.html."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from assessments.models import Attempt, Exam
from evaluation.ratings import yearly_ratings
from hr_system import citations, pdf
from hr_system.models import Employee
from transfers import rules
from transfers.models import LeaderSelection, PanelScore, TransferRound


def exam_percentages(exam: Exam | None, employee_ids: Iterable[int]) -> dict[int, float]:
    """Score as a percentage of the maximum from the exam module, per employee."""
    if exam is None:
        return {}
    out = {}
    attempts = Attempt.objects.filter(exam=exam, employee_id__in=list(employee_ids), score__isnull=False)
    for employee_id, score, max_score in attempts.values_list("employee_id", "score", "max_score"):
        if max_score:
            out[employee_id] = float(rules.round2(Decimal(score) * 100 / Decimal(max_score)))
    return out


# A ratings criterion counts at most the last 5 years (rules._check_params: "last" 1-5).
RATING_YEARS_BACK = 5


def recorded_ratings(employee_ids: Iterable[int], *, on: dt.date) -> dict[int, list[list]]:
    """The decided yearly classifications from the evaluation module known at `on`, per
    employee, as [[year, level], …] most recent first (the registry snapshot's shape)."""
    decided_by = timezone.make_aware(dt.datetime.combine(on, dt.time.max))
    found = yearly_ratings(employee_ids, range(on.year - RATING_YEARS_BACK, on.year + 1), decided_by=decided_by)
    return {
        employee_id: [[year, levels[year]] for year in sorted(levels, reverse=True)]
        for employee_id, levels in found.items()
    }


def rating_source_rows(rows: list[dict]) -> list[dict]:
    """For the printed ranking: each ranked person's counted ratings with their sources."""
    out = []
    for row in rows:
        for line in row["breakdown"]:
            if line.get("sources"):
                text = "; ".join(
                    f"{s['year']}: {rules.RATING_SHORT.get(s['rating'], s['rating'])}"
                    + (f" ({s['source_text']})" if s["source_text"] else "")
                    for s in line["sources"]
                )
                out.append({"full_name": row["full_name"], "label": line["label"], "text": text})
    return out


def selection_results(selection: LeaderSelection) -> dict:
    """Combined scores and the ranking (read-only; nothing stored)."""
    candidates = list(selection.candidates.select_related("employee__unit"))
    exam = exam_percentages(selection.exam, [c.employee_id for c in candidates])
    by_part: dict[tuple[int, str], list[Decimal]] = defaultdict(list)
    for candidate_id, part, score in PanelScore.objects.filter(candidate__selection=selection).values_list(
        "candidate_id", "part", "score"
    ):
        by_part[(candidate_id, part)].append(score)
    rows = []
    for c in candidates:
        e = c.employee
        rows.append(
            {
                "key": e.code,
                "full_name": e.full_name,
                "unit_name": e.unit.name,
                "gender": e.gender,
                "date_of_birth": e.date_of_birth.isoformat() if e.date_of_birth else None,
                "exam": exam.get(e.pk) if selection.exam_id else None,
                "presentation": rules.combine_panel(
                    by_part[(c.pk, "presentation")], drop_extremes=selection.drop_extremes
                ),
                "interview": rules.combine_panel(by_part[(c.pk, "interview")], drop_extremes=selection.drop_extremes),
                "presentation_count": len(by_part[(c.pk, "presentation")]),
                "interview_count": len(by_part[(c.pk, "interview")]),
            }
        )
    ranked = rules.rank_leaders(
        rows,
        weights=selection.weights(),
        pass_marks=selection.pass_marks(),
        pass_total=selection.pass_total,
        chain=list(selection.tie_break),
    )
    for row in ranked:
        for part in ("exam", "presentation", "interview", "total"):
            row[f"{part}_text"] = rules.fmt(row.get(part))
    warnings = []
    if len(candidates) < 2:
        warnings.append("Mỗi vị trí cần ít nhất 2 người dự tuyển (Công văn 2424/BNV-CCVC).")
    panel = selection.panel.count()
    if selection.drop_extremes and panel < 3:
        warnings.append("Hội đồng có dưới 3 thành viên: không bỏ điểm cao nhất và thấp nhất.")
    if any(r.get("tied_with_previous") for r in ranked):
        warnings.append("Có người bằng điểm sau toàn bộ thứ tự ưu tiên; người đứng đầu cơ quan quyết định.")
    winner = next((r for r in ranked if r.get("passed")), None)
    return {
        "rows": ranked,
        "warnings": warnings,
        "panel_size": panel,
        "winner": winner["key"] if winner else None,
        "tie_break_text": " → ".join(rules.LEADER_TIE_BREAKS[t] for t in selection.tie_break),
    }


# --- documents (Decree 30/2020; templates extend pdf/base.html) ------------------------


def _parent_agency(agency: str) -> str:
    """The line above the issuer: none for a People's Committee, the province otherwise."""
    return "" if agency.startswith("ỦY BAN NHÂN DÂN") else settings.ORG_PARENT_NAME


def breakdown_lines(breakdown: list[dict]) -> list[dict]:
    """Stored breakdown lines with their points written the Vietnamese way ('0,5')."""
    return [{**line, "points_text": rules.fmt(line["points"])} for line in breakdown]


def ranking_rows(transfer_round: TransferRound) -> tuple[list[dict], list[dict]]:
    """(ranked eligible rows, excluded rows) of the last computation."""
    candidates = list(
        transfer_round.candidates.select_related("employee__unit", "assigned_post__unit").order_by(
            "rank", "employee__sort_key", "employee__code"
        )
    )
    ranked, excluded = [], []
    for c in candidates:
        row = {
            "code": c.employee.code,
            "full_name": c.employee.full_name,
            "unit_name": c.inputs.get("unit_name") or c.employee.unit.name,
            "rank": c.rank,
            "total": c.total,
            "points": [line["points"] for line in c.breakdown],
            "points_text": [rules.fmt(line["points"]) for line in c.breakdown],
            "total_text": rules.fmt(c.total),
            "breakdown": breakdown_lines(c.breakdown),
            "volunteer": bool(c.inputs.get("volunteer")),
            "post": str(c.assigned_post) if c.assigned_post_id else "",
            "exclusions": c.exclusions,
            "notes": c.notes,
        }
        if c.eligible:
            ranked.append(row)
        elif c.eligible is not None:
            excluded.append(row)
    return ranked, excluded


def _round_context(transfer_round: TransferRound) -> dict:
    agency = transfer_round.issuing_agency()
    criteria = list(transfer_round.criteria_set.criteria.all())
    return {
        "round": transfer_round,
        "agency": agency,
        "parent_agency": _parent_agency(agency),
        "date_line": transfer_round.unit.date_line(),
        "criteria": criteria,
        "criteria_rules": [(c, rules.rule_text(c.spec())) for c in criteria],
        "criteria_set": transfer_round.criteria_set,
        "tie_break_text": transfer_round.criteria_set.tie_break_text(),
        "direction": transfer_round.direction_text(),
        "kind_label": transfer_round.get_kind_display().lower(),
    }


def ranking_pdf(transfer_round: TransferRound) -> bytes:
    ranked, excluded = ranking_rows(transfer_round)
    context = _round_context(transfer_round)
    authority, title = transfer_round.signature_lines()
    context.update(
        {
            "doc_symbol": "DS-" + (transfer_round.doc_symbol.split("-", 1)[-1] or "UBND"),
            "doc_type": "DANH SÁCH XẾP HẠNG",
            "doc_summary": f"Đợt {transfer_round.get_kind_display().lower()}: {transfer_round.title}",
            "ranked": ranked,
            "excluded": excluded,
            "rating_sources": rating_source_rows(ranked),
            "warnings": transfer_round.warnings,
            "signer_authority": authority,
            "signer_title": title,
            "signer_name": transfer_round.signer_name,
            "recipients": ["Các đơn vị có liên quan", "Niêm yết công khai", "Những người có tên trong danh sách"],
        }
    )
    return pdf.render_pdf("pdf/transfer_ranking.html", context)


def _people_word(categories: set[str]) -> str:
    if categories == {Employee.Category.PUBLIC_EMPLOYEE}:
        return "viên chức"
    if categories <= {Employee.Category.CIVIL_SERVANT, Employee.Category.CADRE}:
        return "công chức"
    return "công chức, viên chức"


def legal_bases(transfer_round: TransferRound, on: dt.date) -> list[str]:
    """The "Căn cứ" lines of the round's decision dated `on`: those HR typed for the
    round, else the texts in force that day (hr_system.citations), so the same decision
    drafted on 30 June and on 1 July 2026 cites Luật Viên chức 58/2010 and 129/2025."""
    if transfer_round.legal_bases:
        return list(transfer_round.legal_bases)
    keys = ["law.local_government", "law.public_employees", "law.teachers", "decree.public_employees"]
    if transfer_round.kind == TransferRound.Kind.ROTATION:
        keys.append("decree.anticorruption")  # periodic rotation: Decree 59/2019 arts. 36-40
    texts = [citations.cite(key, on, default="") for key in keys]
    return [f"Căn cứ {text};" for text in texts if text]


def decision_pdf(transfer_round: TransferRound, on: dt.date | None = None) -> bytes:
    """A draft decision dated `on` (default today) listing those assigned to a post
    (Điều 1), their entitlements (Điều 2) and who executes it (Điều 3)."""
    return pdf.render_pdf(*decision_document(transfer_round, on))


def decision_pdf_with_slots(transfer_round: TransferRound, on: dt.date | None = None) -> tuple[bytes, dict]:
    """The same decision with the signer's and the agency's slots, for signing."""
    return pdf.render_pdf_with_slots(*decision_document(transfer_round, on))


def decision_document(transfer_round: TransferRound, on: dt.date | None = None) -> tuple[str, dict]:
    on = on or timezone.localdate()
    moving = list(
        transfer_round.candidates.filter(assigned_post__isnull=False)
        .select_related("employee__unit", "assigned_post__unit")
        .order_by("rank", "employee__sort_key", "employee__code")
    )
    context = _round_context(transfer_round)
    authority, title = transfer_round.signature_lines()
    verb = transfer_round.get_kind_display().lower()
    who = _people_word({c.employee.category for c in moving}) if moving else "viên chức"
    context.update(
        {
            "doc_symbol": transfer_round.doc_symbol,
            "doc_type": "QUYẾT ĐỊNH",
            "doc_summary": f"V/v {verb} {who}",
            "authority": f"{transfer_round.signer_title.upper()} {transfer_round.issuing_agency()}",
            "verb": verb,
            "who": who,
            "moving": [
                {
                    "full_name": c.employee.full_name,
                    "date_of_birth": c.employee.date_of_birth,
                    "job_title": c.employee.job_title,
                    "from_unit": c.inputs.get("unit_name") or c.employee.unit.name,
                    "to": str(c.assigned_post),
                }
                for c in moving
            ],
            "date_line": transfer_round.unit.date_line(on),
            "legal_bases": legal_bases(transfer_round, on),
            "issuer": transfer_round.issuer_name or transfer_round.unit.name,
            "secondment_basis": citations.cite("secondment", on),
            "signer_authority": authority,
            "signer_title": title,
            "signer_name": transfer_round.signer_name,
            "recipients": ["Như Điều 3", "Cơ quan quản lý cấp trên (b/c)"],
        }
    )
    return "pdf/transfer_decision.html", context


def leader_results_pdf(selection: LeaderSelection) -> bytes:
    return pdf.render_pdf(*leader_results_document(selection))


def leader_results_pdf_with_slots(selection: LeaderSelection) -> tuple[bytes, dict]:
    """The same notice with the signer's and the agency's slots, for signing."""
    return pdf.render_pdf_with_slots(*leader_results_document(selection))


def leader_results_document(selection: LeaderSelection) -> tuple[str, dict]:
    results = selection_results(selection)
    unit = selection.unit
    agency = "HỘI ĐỒNG THI TUYỂN " + selection.post.upper()
    return (
        "pdf/leader_results.html",
        {
            "agency_slot": True,
            "selection": selection,
            "agency": agency,
            "parent_agency": settings.ORG_PARENT_NAME,
            "date_line": unit.date_line(),
            "doc_symbol": "TB-HĐTT",
            "doc_type": "THÔNG BÁO",
            "doc_summary": f"Kết quả thi tuyển chức danh {selection.post} {unit.name}",
            "results": results,
            "parts": [
                (label, rules.fmt(selection.weights()[part]), rules.fmt(selection.pass_marks()[part]))
                for part, label in rules.LEADER_PARTS.items()
                if part != "exam" or selection.exam_id
            ],
            "pass_total": rules.fmt(selection.pass_total),
            "signer_title": "CHỦ TỊCH HỘI ĐỒNG",
            "recipients": ["Các thí sinh dự tuyển", "Cơ quan có thẩm quyền bổ nhiệm"],
        },
    )
