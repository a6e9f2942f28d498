"""The evaluation's documents (issue 17 item 6): the individual evaluation form (phiếu
đánh giá, xếp loại chất lượng) and the unit's classification summary (tổng hợp kết quả
đánh giá, xếp loại) as PDF in the Decree 30/2020 layout (templates/pdf/base.html owns the
header and the page), and the summary as Excel. pandas lives here; reports only read.

Contract used by the pages and the API (evalweb):

    form_pdf(evaluation) -> bytes; form_pdf_with_slots(evaluation) -> (bytes, slots)
    summary_rows(unit, period_kind, period_start) -> dict
        {"unit", "unit_name", "period_kind", "period_start", "period_end", "period_label",
         "rows": [{"employee_id", "employee_code", "full_name", "position", "unit_name",
                   "task_group", "self_total", "total", "classification",
                   "classification_label", "status", "status_label"}],
         "counts": [{"level", "label", "count", "percent"}], "evaluated", "decided"}
    summary_pdf(unit, period_kind, period_start) -> bytes (and summary_pdf_with_slots)
    summary_xlsx(unit, period_kind, period_start) -> bytes

The form's sections follow what Decree 335/2025 (Arts. 12-16, 20) and Decree 233/2026
(Arts. 10-12) ask to be recorded: the criteria with their maximum, the person's own
points and the manager's, the comments, the total and the level. The exact appendix
form of either decree was not found to copy its wording [U]; the headings here are ours.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evaluation import rules
from evaluation.evidence import NOT_LAW
from evaluation.models import Evaluation
from hr_system import spreadsheets
from hr_system.models import Employee, OrgUnit
from hr_system.pdf import render_pdf_with_slots
from hr_system.text import name_sort_key

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GROUP_LABELS = {"general": gettext_lazy("Tiêu chí chung"), "results": gettext_lazy("Kết quả thực hiện nhiệm vụ")}
# The levels counted in the summary, best first ("not rated" last).
SUMMARY_LEVELS = rules.LEVELS
CATEGORY_NOUN = {
    Employee.Category.CIVIL_SERVANT: gettext_lazy("công chức"),
    Employee.Category.PUBLIC_EMPLOYEE: gettext_lazy("viên chức"),
}


def _number(value) -> Decimal | None:
    return rules.to_decimal(value)


def _text(value) -> str:
    return rules.fmt(value)


def _position(e: Employee) -> str:
    return e.job_title or e.rank


def _staff_noun(category: str) -> str:
    return str(CATEGORY_NOUN.get(category, gettext_lazy("công chức, viên chức")))


def _document(unit: OrgUnit, **extra) -> dict:
    return {"agency": unit.issuing_agency(), "date_line": unit.date_line(), "unit_name": unit.name, **extra}


# --- the individual form -------------------------------------------------------------------


def form_rows(evaluation: Evaluation) -> dict:
    """The criteria table of one evaluation: a group heading, then each criterion with its
    maximum, the person's points and the manager's, then the total."""
    regime = evaluation.regime_rules()
    maxima = evaluation.maxima()
    evidence = evaluation.evidence or {}
    groups = []
    for group in ("general", "results"):
        criteria = [c for c in regime.criteria if c.group == group]
        if not criteria:
            continue
        lines = []
        for c in criteria:
            lines.append(
                {
                    "code": c.code,
                    "label": str(c.label),
                    "max": _text(maxima.get(c.code)),
                    "self": _text(evaluation.self_scores.get(c.code)),
                    "manager": _text(evaluation.manager_scores.get(c.code)),
                    "discipline": c.discipline,
                    "competence": c.competence,
                }
            )
        groups.append(
            {
                "label": str(GROUP_LABELS[group]),
                "max": _text(sum((maxima.get(c.code) or rules.ZERO for c in criteria), rules.ZERO)),
                "self": _text(_group_total(evaluation.self_scores, criteria)),
                "manager": _text(_group_total(evaluation.manager_scores, criteria)),
                "lines": lines,
            }
        )
    return {
        "groups": groups,
        "max_total": _text(sum((maxima.get(c.code) or rules.ZERO for c in regime.criteria), rules.ZERO)),
        "self_total": _text(rules.total_of(evaluation.self_scores)) if evaluation.self_scores else "",
        "manager_total": _text(rules.total_of(evaluation.manager_scores)) if evaluation.manager_scores else "",
        "attendance": _attendance_lines(evidence.get("attendance") or {}),
        "discipline": _with_texts(evidence.get("discipline"), ("deduction", "max_points")),
        "competence": _competence(evidence.get("competence")),
        "evidence_taken_at": _when(evidence.get("taken_at")),
        "products": _product_lines(evaluation.task_results or {}),
        "product_points": _product_points(evaluation.task_results or {}),
    }


def _with_texts(part: dict | None, keys: tuple[str, ...]) -> dict | None:
    """A copy of a snapshot part with "<key>_text" numbers in Vietnamese form."""
    if not part:
        return None
    return {**part, **{f"{k}_text": _text(part.get(k)) or "0" for k in keys if part.get(k) is not None}}


def _competence(part: dict | None) -> dict | None:
    if not part:
        return None
    result = _with_texts(part.get("result"), ("score", "max_score", "percent"))
    return {**part, "result": result}


def _product_lines(task_results: dict) -> list[dict]:
    """The products the results criterion was computed from (actions.compute_task_results,
    recorded with the manager's score), as text cells."""
    out = []
    for line in [*(task_results.get("lines") or []), *(task_results.get("unit_lines") or [])]:
        out.append(
            {
                "product": line.get("product", ""),
                "employee": line.get("employee", ""),
                "quantity": _text(line.get("quantity")) or "0",
                "done": _text(line.get("quantity_done")) or "0",
                "standard_units": _text(line.get("standard_units")) or "0",
                "rejected": line.get("rejected") or 0,
                "late": line.get("late") or 0,
                "cause_accepted": bool(line.get("cause_accepted")),
            }
        )
    return out


def _product_points(task_results: dict) -> dict:
    points = task_results.get("points") or {}
    return {k: _text(points.get(k)) or "0" for k in ("quantity", "quality", "timeliness", "total")} if points else {}


def _group_total(scores: dict, criteria) -> Decimal | None:
    values = [_number(scores.get(c.code)) for c in criteria]
    values = [v for v in values if v is not None]
    return sum(values, rules.ZERO) if values else None


def _when(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        moment = dt.datetime.fromisoformat(iso)
    except ValueError:
        return ""
    if moment.tzinfo is not None:
        moment = timezone.localtime(moment)
    return moment.strftime("%H:%M ngày %d/%m/%Y")


def _attendance_lines(facts: dict) -> list[str]:
    """The attendance snapshot in words, for the evidence box under the criteria."""
    if not facts:
        return []
    leave = facts.get("leave_days") or {}
    labels = facts.get("leave_labels") or {}
    out = [
        _("Số ngày làm việc: %(n)s") % {"n": _text(facts.get("worked_days", 0)) or "0"},
        _("Đi muộn: %(n)s lần, %(m)s phút") % {"n": facts.get("late_count", 0), "m": facts.get("late_minutes", 0)},
        _("Về sớm: %(n)s lần, %(m)s phút") % {"n": facts.get("early_count", 0), "m": facts.get("early_minutes", 0)},
        _("Nghỉ không lý do: %(n)s ngày") % {"n": _text(facts.get("absent_days", 0)) or "0"},
        _("Thiếu lượt chấm công: %(n)s lượt") % {"n": facts.get("missing_punches", 0)},
    ]
    if leave:
        kinds = ", ".join(
            _("%(kind)s %(n)s ngày") % {"kind": labels.get(symbol, symbol), "n": _text(days)}
            for symbol, days in leave.items()
        )
        out.append(_("Nghỉ có lý do: %(kinds)s") % {"kinds": kinds})
    if facts.get("not_tracked_days"):
        out.append(_("Chưa theo dõi chấm công: %(n)s ngày") % {"n": facts["not_tracked_days"]})
    return out


def form_document(evaluation: Evaluation) -> tuple[str, dict]:
    e = evaluation.employee
    unit = evaluation.unit
    regime = evaluation.regime_rules()
    table = form_rows(evaluation)
    context = _document(
        unit,
        doc_type=_("PHIẾU ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG"),
        doc_summary=_("Đối với %(who)s — %(period)s")
        % {"who": _staff_noun(e.category), "period": evaluation.period_label()},
        doc_symbol=f"PĐG-{unit.doc_symbol or 'TCCB'}",
        evaluation=evaluation,
        full_name=e.full_name,
        position=_position(e),
        employee_unit=e.unit.name,
        period_label=evaluation.period_label(),
        period_start=evaluation.period_start,
        period_end=evaluation.period_end,
        regime_label=str(regime.label),
        scored=regime.scored,
        table=table,
        not_law=str(NOT_LAW),
        total=_text(evaluation.total),
        classification_label=rules.level_label(evaluation.classification) if evaluation.classification else "",
        status_label=evaluation.get_status_display(),
        decided_at=evaluation.decided_at,
        recipients=[_("Cá nhân được đánh giá"), _("Bộ phận tổ chức, cán bộ")],
    )
    return "pdf/evaluation_form.html", context


def form_pdf_with_slots(evaluation: Evaluation) -> tuple[bytes, dict]:
    return render_pdf_with_slots(*form_document(evaluation))


def form_pdf(evaluation: Evaluation) -> bytes:
    return form_pdf_with_slots(evaluation)[0]


# --- the unit's summary --------------------------------------------------------------------


def _evaluations(unit: OrgUnit, period_kind: str, period_start: dt.date) -> QuerySet[Evaluation]:
    return Evaluation.objects.filter(unit__path__startswith=unit.path).in_period(period_kind, period_start)


def summary_rows(unit: OrgUnit, period_kind: str, period_start: dt.date) -> dict:
    """Everyone of the unit's subtree evaluated for the period, in the order of official
    lists (unit by unit, then by name), with the count and share of each level."""
    evaluations = sorted(
        _evaluations(unit, period_kind, period_start).select_related("employee", "unit"),
        key=lambda ev: (ev.unit.path, name_sort_key(ev.employee.full_name), ev.employee.code),
    )
    rows = []
    for ev in evaluations:
        e = ev.employee
        rows.append(
            {
                "employee_id": e.pk,
                "employee_code": e.code,
                "full_name": e.full_name,
                "position": _position(e),
                "unit_name": ev.unit.name,
                "task_group": ev.task_group,
                "self_total": float(rules.total_of(ev.self_scores)) if ev.self_scores else None,
                "total": float(ev.total) if ev.total is not None else None,
                "classification": ev.classification,
                "classification_label": rules.level_label(ev.classification) if ev.classification else "",
                "status": ev.status,
                "status_label": str(ev.get_status_display()),
                "is_unit_head": ev.is_unit_head,
            }
        )
    decided = [r for r in rows if r["status"] == Evaluation.Status.DECIDED and r["classification"]]
    counts = []
    for level in SUMMARY_LEVELS:
        n = sum(1 for r in decided if r["classification"] == level)
        counts.append(
            {
                "level": level,
                "label": rules.level_label(level),
                "count": n,
                "percent": round(100 * n / len(decided), 2) if decided else 0.0,
            }
        )
    try:
        _start, period_end = rules.period_bounds(period_kind, period_start)
    except rules.RuleError:
        period_end = period_start
    return {
        "unit": unit.code,
        "unit_name": unit.name,
        "period_kind": period_kind,
        "period_start": period_start,
        "period_end": period_end,
        "period_label": rules.period_label(period_kind, period_start),
        "rows": rows,
        "counts": counts,
        "evaluated": len(rows),
        "decided": len(decided),
    }


def summary_document(unit: OrgUnit, period_kind: str, period_start: dt.date) -> tuple[str, dict]:
    data = summary_rows(unit, period_kind, period_start)
    rows = [
        {
            **r,
            "self_total_text": _text(r["self_total"]),
            "total_text": _text(r["total"]),
            "classification_label": r["classification_label"] if r["status"] == Evaluation.Status.DECIDED else "",
        }
        for r in data["rows"]
    ]
    context = _document(
        unit,
        doc_type=_("TỔNG HỢP"),
        doc_summary=_("Kết quả đánh giá, xếp loại chất lượng — %(period)s") % {"period": data["period_label"]},
        doc_symbol=f"TH-{unit.doc_symbol or 'TCCB'}",
        data=data,
        rows=rows,
        counts=[{**c, "percent_text": _text(c["percent"]) or "0"} for c in data["counts"]],
        pending=data["evaluated"] - data["decided"],
        recipients=[_("Cơ quan quản lý cấp trên"), _("Bộ phận tổ chức, cán bộ")],
        agency_slot=True,
    )
    return "pdf/evaluation_summary.html", context


def summary_pdf_with_slots(unit: OrgUnit, period_kind: str, period_start: dt.date) -> tuple[bytes, dict]:
    return render_pdf_with_slots(*summary_document(unit, period_kind, period_start))


def summary_pdf(unit: OrgUnit, period_kind: str, period_start: dt.date) -> bytes:
    return summary_pdf_with_slots(unit, period_kind, period_start)[0]


SUMMARY_COLUMNS = [
    "STT",
    "Mã cán bộ",
    "Họ và tên",
    "Chức vụ/vị trí việc làm",
    "Đơn vị",
    "Nhóm nhiệm vụ",
    "Điểm tự chấm",
    "Tổng điểm",
    "Xếp loại",
    "Trạng thái",
]


def summary_frame(data: dict) -> pd.DataFrame:
    return pd.DataFrame(
        [
            [
                i,
                r["employee_code"],
                r["full_name"],
                r["position"],
                r["unit_name"],
                r["task_group"],
                r["self_total"],
                r["total"],
                r["classification_label"] if r["status"] == Evaluation.Status.DECIDED else "",
                r["status_label"],
            ]
            for i, r in enumerate(data["rows"], 1)
        ],
        columns=SUMMARY_COLUMNS,
    )


def summary_xlsx(unit: OrgUnit, period_kind: str, period_start: dt.date) -> bytes:
    """The summary as a workbook: title lines, one row per person, then the count and
    share of each level (cells through hr_system.spreadsheets, which keeps text that
    looks like a formula as text)."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    data = summary_rows(unit, period_kind, period_start)
    frame = summary_frame(data)
    titles = [data["unit_name"], "TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG", data["period_label"]]
    wb = spreadsheets.new_workbook("Tổng hợp xếp loại")
    ws = wb.active
    top = len(titles) + 1
    for i, title in enumerate(titles, 1):
        spreadsheets.put(ws, i, 1, title).font = Font(bold=i > 1, size=13 if i == 2 else 11)
    rows = (tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False, name=None))
    spreadsheets.write_table(ws, list(frame.columns), rows, first_row=top + 1)
    widths = {1: 5, 2: 12, 3: 26, 4: 22, 5: 28, 6: 16, 7: 10, 8: 10, 9: 28, 10: 18}
    for column in range(1, len(SUMMARY_COLUMNS) + 1):
        ws.cell(row=top + 1, column=column).alignment = Alignment(wrap_text=True, horizontal="center")
        ws.column_dimensions[get_column_letter(column)].width = widths.get(column, 12)
    row = top + len(frame) + 3
    spreadsheets.put(ws, row, 2, "Tổng hợp theo mức xếp loại").font = Font(bold=True)
    for count in data["counts"]:
        row += 1
        spreadsheets.put(ws, row, 2, count["label"])
        spreadsheets.put(ws, row, 4, count["count"])
        spreadsheets.put(ws, row, 5, f"{_text(count['percent']) or '0'}%")
    row += 1
    spreadsheets.put(ws, row, 2, "Đã quyết định xếp loại")
    spreadsheets.put(ws, row, 4, data["decided"])
    spreadsheets.put(ws, row, 5, f"trên {data['evaluated']} người được đánh giá")
    ws.freeze_panes = ws.cell(row=top + 2, column=4)
    return spreadsheets.to_bytes(wb)
