"""Timesheet (C01-HD) and discipline report tables. pandas lives here.

Contract used by the API and pages:

    timesheet(unit: OrgUnit, month: date) -> dict
        {"unit", "month", "locked", "days_in_month", "rows": [{"employee_code", "full_name",
         "position", "days": {"1": symbol, ...}, "totals": {...}}], "legend": [...],
         "recomputing_days"}
    discipline(unit: OrgUnit, start: date, end: date) -> dict
        {"unit", "start", "end", "rows": [{"employee_code", "full_name", "late_count",
         "late_minutes", "early_count", "early_minutes", "absent_days", "missing_punches",
         "flags": [{"rule", "metric", "threshold", "value", "action"}]}], "recomputing_days"}
    evaluation_facts(employee_ids, start: date, end: date) -> dict[int, dict]
        {employee_id: {"worked_days", the discipline metrics, "leave_days": {symbol: days},
         "not_tracked_days", ...}} for the evaluation of work results (see there)

Reports only read: the day results are kept current by the recompute worker
(`recompute_attendance`) and by the actions that change their inputs, never by opening
a page. Days the worker has not caught up with yet are counted in "recomputing_days"
(see `stale_days`), so a page says so instead of showing stale figures silently.
"unit" in the returned dicts is the unit's code; the unit's name is under "unit_name".
Every dict holds plain values only (str, int, float, date), so the API can serialise it
and the templates can render it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict

import pandas as pd
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from attendance import engine, rules
from attendance.models import DayResult, DisciplineRule, LeaveType, MonthLock, RecomputeState
from devices import records as punch_records
from devices.models import Punch
from hr_system import spreadsheets
from hr_system.models import Employee, OrgUnit
from hr_system.pdf import render_pdf, render_pdf_with_slots
from hr_system.text import name_sort_key

# Column titles of form C01-HD (Circular 107/2017/TT-BTC). Stoppage days are rare and
# their pay rate depends on the cause (Labour Code 2019 art. 99), so the PDF shows that
# column only in a month that has one.
TOTAL_LABELS = {
    "paid_time": "Số công hưởng lương thời gian",
    "paid_leave": "Số công nghỉ hưởng 100% lương",
    "social_insurance": "Số công hưởng BHXH",
    "stoppage": "Số công ngừng việc",
    "unpaid": "Số công không lương",
}
COUNT_LABELS = {"late_count": "Số lần đi muộn", "early_count": "Số lần về sớm", "absent_days": "Số ngày vắng KP"}
# Report metric → DayResult field it sums (DisciplineRule.Metric values are the keys).
METRIC_FIELDS = {
    "late_count": "late_count",
    "late_minutes": "late_minutes",
    "early_count": "early_count",
    "early_minutes": "early_minutes",
    "absent_days": "absent_units",
    "missing_punches": "missing_punches",
}
METRICS = list(METRIC_FIELDS)
METRIC_LABELS = {
    "late_count": "Số lần đi muộn",
    "late_minutes": "Tổng số phút đi muộn",
    "early_count": "Số lần về sớm",
    "early_minutes": "Tổng số phút về sớm",
    "absent_days": "Số ngày vắng không lý do",
    "missing_punches": "Số lượt thiếu chấm công",
}
WEEKDAYS = ["T2", "T3", "T4", "T5", "T6", "T7", "CN"]
NOT_LAW = (
    "Ngưỡng theo nội quy, quy chế làm việc của đơn vị, không phải quy định của pháp luật; "
    "chỉ là căn cứ để nhắc nhở bằng văn bản, không phải quyết định xử lý kỷ luật."
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def legend() -> list[dict]:
    """What each timesheet symbol means (C01-HD symbols plus the unit's own ones)."""
    out = [{"symbol": rules.PRESENT, "meaning": "Lương thời gian (ngày làm việc)"}]
    out += [{"symbol": value, "meaning": str(label)} for value, label in LeaveType.choices]
    out += [
        {"symbol": rules.HOLIDAY, "meaning": "Nghỉ lễ, Tết"},
        {"symbol": rules.ABSENT, "meaning": "Nghỉ không lý do"},
        {"symbol": rules.PENDING, "meaning": "Chờ dữ liệu máy chấm công"},
        {"symbol": "/", "meaning": "Nửa ngày, ví dụ +/P: nửa ngày làm việc, nửa ngày nghỉ phép"},
    ]
    return out


def uncorrected_text(raw: dict) -> str:
    """What the punches alone said about a corrected day, in words: "KP", "+ (đi muộn 12
    phút, thiếu 1 lượt chấm)"."""
    status = str(DayResult.Status(raw["status"]).label) if raw.get("status") in DayResult.Status.values else ""
    details = []
    if raw.get("late_minutes"):
        details.append(f"đi muộn {raw['late_minutes']} phút")
    if raw.get("early_minutes"):
        details.append(f"về sớm {raw['early_minutes']} phút")
    if raw.get("missing_punches"):
        details.append(f"thiếu {raw['missing_punches']} lượt chấm")
    head = " ".join(x for x in [raw.get("symbol") or "", f"({status})" if status else ""] if x)
    return f"{head}: {', '.join(details)}" if details else head


# --- shared helpers ------------------------------------------------------------------


def _person_key(e: Employee) -> tuple:
    # Unit by unit, then the order of official lists (Employee.objects.vn_ordered).
    return (e.unit.path, name_sort_key(e.full_name), e.code)


def _month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _months(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date, dt.date]]:
    """(month, first day inside the period, last day inside the period) for each month."""
    out = []
    month = start.replace(day=1)
    while month <= end:
        first, last = _month_bounds(month)
        out.append((month, max(first, start), min(last, end)))
        month = last + dt.timedelta(days=1)
    return out


def _employees(unit: OrgUnit, start: dt.date, end: dt.date):
    """Everyone of the unit's subtree employed at any time in [start, end]."""
    return (
        Employee.objects.filter(unit__path__startswith=unit.path)
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=end))
        .filter(Q(leave_date__isnull=True) | Q(leave_date__gt=start))
        .select_related("unit")
    )


def stale_days(people, start: dt.date, end: dt.date) -> int:
    """How many days of [start, end] hold a day result of `people` (an Employee queryset,
    or one Employee) that is behind its inputs and waiting for the recompute worker:
    punches received after its watermark, a changed personal record, no result yet, or
    a clock that has delivered since. Reads only; locked months and days to come never
    count.
    """
    if isinstance(people, Employee):
        people = Employee.objects.filter(pk=people.pk)
    state = RecomputeState.load()
    behind = engine.outdated(
        people, start, end, punches_after=state.punches_through, changed_after=state.employees_through
    )
    return len(set().union(*behind.values()))


def _position(e: Employee) -> str:
    return e.job_title or e.rank


def _month_label(month: dt.date) -> str:
    return f"{month.month:02d}/{month.year}"


def _document(unit: OrgUnit, **extra) -> dict:
    return {"agency": unit.issuing_agency(), "date_line": unit.date_line(), "unit_name": unit.name, **extra}


# --- timesheet (C01-HD) --------------------------------------------------------------


def timesheet(unit: OrgUnit, month: dt.date) -> dict:
    first, last = _month_bounds(month)
    today = timezone.localdate()
    people = _employees(unit, first, last)
    employees = sorted(people, key=_person_key)
    n = last.day
    # A month under way is read up to today (results stored ahead for approved leave
    # wait for their day); a month to come shows what is already stored.
    through = last if first > today else min(last, today)
    by_employee: dict[int, dict[int, dict]] = {}
    stored = DayResult.objects.filter(employee__in=people.values("pk"), date__range=(first, through)).values(
        "employee_id", "date", "symbol", "late_count", "early_count", "absent_units", "corrected", "uncorrected"
    )
    for r in stored:
        by_employee.setdefault(r["employee_id"], {})[r["date"].day] = r
    rows = []
    for e in employees:
        days = by_employee.get(e.pk, {})
        symbols = []
        for d in range(1, n + 1):
            r = days.get(d)
            symbol = r["symbol"] if r else ""
            # Days still to come are blank, not "waiting for the clock"; approved leave
            # already on them still shows.
            if symbol == rules.PENDING and first.replace(day=d) > today:
                symbol = ""
            symbols.append(symbol)
        rows.append(
            {
                "employee_code": e.code,
                "full_name": e.full_name,
                "position": _position(e),
                "unit_name": e.unit.name,
                "days": {str(day): symbol for day, symbol in enumerate(symbols, 1)},
                # Days an approved correction changed → what the punches alone said.
                "corrected": {str(d): r["uncorrected"] for d, r in sorted(days.items()) if r["corrected"]},
                "totals": rules.totals(symbols),
                "late_count": sum(r["late_count"] for r in days.values()),
                "early_count": sum(r["early_count"] for r in days.values()),
                "absent_days": round(sum(float(r["absent_units"]) for r in days.values()), 2),
            }
        )

    lock = (
        MonthLock.objects.filter(unit_id__in=engine.ancestor_ids(unit), month=first)
        .select_related("unit", "locked_by")
        .order_by("-unit__depth")
        .first()
    )
    return {
        "unit": unit.code,
        "unit_name": unit.name,
        "month": first,
        "locked": lock is not None,
        "lock": None
        if lock is None
        else {
            "unit": lock.unit.code,
            "unit_name": lock.unit.name,
            "locked_at": lock.locked_at,
            "locked_by": lock.locked_by.get_username() if lock.locked_by else "",
        },
        "days_in_month": n,
        "day_headers": [
            {
                "day": d,
                "weekday": WEEKDAYS[first.replace(day=d).weekday()],
                "weekend": first.replace(day=d).weekday() >= 5,
            }
            for d in range(1, n + 1)
        ],
        "rows": rows,
        "legend": legend(),
        "recomputing_days": stale_days(people, first, last),
    }


def punch_digest(unit: OrgUnit, month: dt.date) -> str:
    """The commitment a timesheet prints to the punches it was made from: the digest
    (devices.records.punches_digest) over the punches of the unit's people in the month,
    in (clock, chain number) order. A punch altered, removed or added in the database
    changes it, and verify_punches says which; a signed timesheet fixes it."""
    first, last = _month_bounds(month)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    rows = (
        Punch.objects.filter(employee__in=_employees(unit, first, last).values("pk"), timestamp__gte=start)
        .filter(timestamp__lt=end)
        .order_by("device_id", "chain_seq", "pk")
        .values_list("device_id", "chain_seq", "device_user_id", "local_time", "status", "punch", "verify", "source")
    )
    canonical = punch_records.canonical_bytes
    return punch_records.punches_digest(
        (seq, canonical(device, user_id, local, status, punch, verify, source))
        for device, seq, user_id, local, status, punch, verify, source in rows.iterator(chunk_size=5000)
    )


def _timesheet_frame(data: dict) -> pd.DataFrame:
    days = [str(d) for d in range(1, data["days_in_month"] + 1)]
    frame = pd.DataFrame(
        [
            {
                "STT": i,
                "Mã chấm công": row["employee_code"],
                "Họ và tên": row["full_name"],
                "Chức vụ/ngạch": row["position"],
                **{d: row["days"].get(d, "") for d in days},
                **{label: row["totals"][key] for key, label in TOTAL_LABELS.items()},
                **{label: row[key] for key, label in COUNT_LABELS.items()},
            }
            for i, row in enumerate(data["rows"], 1)
        ],
        columns=[
            "STT",
            "Mã chấm công",
            "Họ và tên",
            "Chức vụ/ngạch",
            *days,
            *TOTAL_LABELS.values(),
            *COUNT_LABELS.values(),
        ],
    )
    return frame


def _write_sheet(
    frame: pd.DataFrame, sheet: str, titles: list[str], notes: list[str], widths: dict[int, float]
) -> bytes:
    """A table under a few title lines, with notes under it (cells through hr_system.spreadsheets,
    which keeps names such as "=HYPERLINK(…)" as text)."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    top = len(titles) + 1
    wb = spreadsheets.new_workbook(sheet)
    ws = wb.active
    spreadsheets.write_table(ws, list(frame.columns), frame.itertuples(index=False, name=None), first_row=top + 1)
    for i, title in enumerate(titles, 1):
        spreadsheets.put(ws, i, 1, title).font = Font(bold=i > 1, size=13 if i == 2 else 11)
    for column in range(1, frame.shape[1] + 1):
        ws.cell(row=top + 1, column=column).alignment = Alignment(wrap_text=True, horizontal="center")
        ws.column_dimensions[get_column_letter(column)].width = widths.get(column, 6)
    row = top + len(frame) + 3
    for note in notes:
        spreadsheets.put(ws, row, 2, note)
        row += 1
    ws.freeze_panes = ws.cell(row=top + 2, column=5)
    return spreadsheets.to_bytes(wb)


def timesheet_xlsx(data: dict) -> bytes:
    frame = _timesheet_frame(data)
    month = data["month"]
    titles = [data["unit_name"], "BẢNG CHẤM CÔNG", f"Tháng {month.month:02d} năm {month.year}"]
    notes = ["Ký hiệu chấm công:"] + [f"{item['symbol']}: {item['meaning']}" for item in data["legend"]]
    if data["locked"]:
        notes.insert(0, "Tháng đã khóa sổ chấm công.")
    widths = {1: 5, 2: 12, 3: 26, 4: 18}
    for column in range(5, 5 + data["days_in_month"]):
        widths[column] = 4.5
    for column in range(5 + data["days_in_month"], frame.shape[1] + 1):
        widths[column] = 11
    return _write_sheet(frame, "Bảng chấm công", titles, notes, widths)


# The PDF day grid: one table cell per row holds the whole month as monospaced text,
# each day a fixed slot of SLOT characters. WeasyPrint's cost is per box (~1.7 ms for
# each table cell or inline block): 31 day boxes × 300 rows took ~15 s, one text run
# per row a fraction of that. The day numbers above use the same slots, so the columns
# line up. The totals are drawn the same way, one cell of TOTAL_SLOT-character slots
# under their own header cells. The lines between days and between totals are one
# SVG background of the whole table, drawn once per page (as a background of each
# cell they cost 2.5 ms a cell). Only the rare half-day symbols ("+/P") get a box of
# their own, in a smaller font, so that they fit their slot.
SLOT = 3
TOTAL_SLOT = 7
GRID_FONT_PT = 7.0
MONO_ADVANCE = 1229 / 2048  # em; every glyph of Liberation Mono (Courier metrics)
SEPARATOR_PT = 0.4
STT_PT = 16.0


def _slots(values: list[str]) -> str:
    out = []
    for value in values:
        if len(value) < SLOT:
            out.append(escape(value.center(SLOT) if len(value) == 1 else value.ljust(SLOT)))
        else:
            out.append(format_html('<span class="half">{}</span>', value))
    return mark_safe("".join(out))


def _sheet_layout(day_count: int, total_count: int) -> dict[str, str]:
    """Column widths and the separator lines of the PDF sheet, as CSS/SVG values.

    The name column takes whatever width is left; the separators are drawn from the
    table's right edge, so they stay on the slots whatever the page leaves for the
    table. The day text starts a quarter character inside each slot: one-letter
    symbols (centred in three characters) and two-letter ones (in the first two) then
    both keep clear of the separators.
    """
    char = MONO_ADVANCE * GRID_FONT_PT
    slot, shift, total = SLOT * char, char / 4, TOTAL_SLOT * char
    grid = slot * day_count
    width = grid + total * total_count
    lines = [k * slot for k in range(1, day_count)] + [grid + k * total for k in range(1, total_count)]
    rects = "".join(f"<rect x='{x - SEPARATOR_PT:.3f}' y='0' width='{SEPARATOR_PT}' height='10'/>" for x in lines)
    svg = (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width:.3f}' height='10' "
        f"viewBox='0 0 {width:.3f} 10' preserveAspectRatio='none'>{rects}</svg>"
    )
    # Lengths as strings: the Vietnamese locale would print 12.6 as "12,6".
    return {
        "stt_pt": f"{STT_PT:g}",
        "position_pt": "72" if total_count == 4 else "60",
        "grid_pt": f"{grid:.3f}",
        "total_pt": f"{total:.3f}",
        "separators_pt": f"{width:.3f}",
        "grid_font_pt": f"{GRID_FONT_PT:g}",
        "shift_pt": f"{shift:.3f}",
        "half_pt": f"{slot - 2 * shift:.3f}",
        "half_pad_pt": f"{2 * shift:.3f}",
        "separators": mark_safe("data:image/svg+xml;utf8," + svg),  # numbers only, no user data
    }


def timesheet_pdf(data: dict, unit: OrgUnit) -> bytes:
    return render_pdf(*timesheet_document(data, unit))


def timesheet_pdf_with_slots(data: dict, unit: OrgUnit) -> tuple[bytes, dict]:
    """The same PDF, with where its signature slots are (for signing)."""
    return render_pdf_with_slots(*timesheet_document(data, unit))


def timesheet_document(data: dict, unit: OrgUnit) -> tuple[str, dict]:
    month = data["month"]
    days = [str(d) for d in range(1, data["days_in_month"] + 1)]
    show_stoppage = any(row["totals"]["stoppage"] for row in data["rows"])
    totals = [k for k in TOTAL_LABELS if k != "stoppage" or show_stoppage]
    rows = [
        {
            "full_name": row["full_name"],
            "position": row["position"],
            "grid": _slots([row["days"].get(d, "") for d in days]),
            "totals": "".join(format_days(row["totals"][k]).center(TOTAL_SLOT) for k in totals),
        }
        for row in data["rows"]
    ]
    # The form's "Cộng" row: each total column summed over everyone.
    sums = "".join(format_days(sum(row["totals"][k] for row in data["rows"]), "0").center(TOTAL_SLOT) for k in totals)
    context = _document(
        unit,
        doc_type="BẢNG CHẤM CÔNG",
        doc_summary=f"Tháng {month.month:02d} năm {month.year}",
        doc_symbol=f"BCC-{unit.doc_symbol or 'NV'}",
        rows=rows,
        sums=sums,
        total_labels=[TOTAL_LABELS[k] for k in totals],
        day_numbers=_slots(days),
        day_names=_slots([h["weekday"] for h in data["day_headers"]]),
        legend=data["legend"],
        layout=_sheet_layout(len(days), len(totals)),
        locked=data["locked"],
        punch_digest=punch_digest(unit, month),
    )
    return "pdf/timesheet.html", context


def format_days(value: float, zero: str = "") -> str:
    """1.0 → "1", 0.5 → "0,5" (Vietnamese decimal comma); 0 → `zero` (blank cells read faster)."""
    if not value:
        return zero
    return (f"{value:.2f}".rstrip("0").rstrip(".")).replace(".", ",")


# --- discipline ------------------------------------------------------------------------


def _rules_for(employees: list[Employee], start: dt.date, end: dt.date) -> list[DisciplineRule]:
    unit_ids = {uid for e in employees for uid in engine.ancestor_ids(e.unit)}
    return list(
        DisciplineRule.objects.filter(unit_id__in=unit_ids, valid_from__lte=end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
        .select_related("unit")
    )


def _applicable(
    employee: Employee, rules_by_unit: dict[int, list[DisciplineRule]], first: dt.date, last: dt.date
) -> list[DisciplineRule]:
    """Rules in force for this person on [first, last]: for each metric, those of the
    nearest unit (own unit, then up the tree) that has one — a department's or a
    school's own nội quy refines its parent's rather than adding to it."""
    chosen: dict[str, list[DisciplineRule]] = {}
    for uid in engine.ancestor_ids(employee.unit):
        for rule in rules_by_unit.get(uid, ()):
            effective = rule.valid_from <= last and (rule.valid_to is None or rule.valid_to >= first)
            if not effective:
                continue
            if rule.metric in chosen and chosen[rule.metric][0].unit_id != uid:
                continue
            chosen.setdefault(rule.metric, []).append(rule)
    return [rule for metric_rules in chosen.values() for rule in metric_rules]


def _flag(rule: DisciplineRule, value: float, month: dt.date) -> dict:
    label = METRIC_LABELS.get(rule.metric, rule.metric)
    return {
        "rule": f"Nội quy {rule.unit.name}: {label.lower()} từ {rule.threshold} trở lên trong một tháng",
        "rule_id": rule.pk,
        "metric": rule.metric,
        "metric_label": label,
        "threshold": rule.threshold,
        "value": value,
        "month": _month_label(month),
        "action": rule.action,
        "note": NOT_LAW,
    }


def discipline(unit: OrgUnit, start: dt.date, end: dt.date, *, employee_codes: list[str] | None = None) -> dict:
    """Late, early, absent and missing-punch figures per person, with the flags the
    unit's internal rules raise.

    Rules are read as "per calendar month" ("3 or more late arrivals in a month"), the
    way units write them. A period spanning several months is therefore evaluated month
    by month, each month counting only its days inside the period, and every month that
    reaches a threshold gives its own flag; summing a quarter and comparing it with a
    monthly threshold would flag people who never broke the rule in any month. No
    threshold here comes from law (Decree 112/2020 repealed the day counts; reference
    vietnam-rules.md §2.1): a flag only proposes a written reminder.
    """
    people = _employees(unit, start, end)
    if employee_codes is not None:
        people = people.filter(code__in=employee_codes)
    employees = sorted(people, key=_person_key)

    records = DayResult.objects.filter(employee__in=people.values("pk"), date__range=(start, end)).values_list(
        "employee_id", "date", *METRIC_FIELDS.values()
    )
    frame = pd.DataFrame.from_records(list(records), columns=["employee_id", "date", *METRIC_FIELDS])
    frame["absent_days"] = frame["absent_days"].astype(float)
    frame["month"] = frame["date"].map(engine.month_start)
    ids = [e.pk for e in employees]
    whole = frame.groupby("employee_id")[METRICS].sum().reindex(ids).fillna(0)
    monthly = frame.groupby(["employee_id", "month"])[METRICS].sum()

    def dates_where(column: str) -> dict[int, list[dt.date]]:
        hits = frame[frame[column] > 0]
        return {k: sorted(v) for k, v in hits.groupby("employee_id")["date"].apply(list).items()}

    late_dates, early_dates, absent_dates = (
        dates_where("late_count"),
        dates_where("early_count"),
        dates_where("absent_days"),
    )

    all_rules = _rules_for(employees, start, end)
    rules_by_unit: dict[int, list[DisciplineRule]] = defaultdict(list)
    for rule in all_rules:
        rules_by_unit[rule.unit_id].append(rule)
    months = _months(start, end)

    rows = []
    for e in employees:
        flags = []
        for month, first, last in months:
            if (e.pk, month) not in monthly.index:
                continue
            values = monthly.loc[(e.pk, month)]
            for rule in _applicable(e, rules_by_unit, first, last):
                value = _plain(values[rule.metric])
                if value > 0 and value >= rule.threshold:
                    flags.append(_flag(rule, value, month))
        rows.append(
            {
                "employee_code": e.code,
                "full_name": e.full_name,
                "gender": e.gender,
                "position": _position(e),
                "unit_name": e.unit.name,
                **{metric: _plain(whole.at[e.pk, metric]) for metric in METRICS},
                "late_dates": late_dates.get(e.pk, []),
                "early_dates": early_dates.get(e.pk, []),
                "absent_dates": absent_dates.get(e.pk, []),
                "flags": flags,
            }
        )
    return {
        "unit": unit.code,
        "unit_name": unit.name,
        "start": start,
        "end": end,
        "rules": [
            {
                "unit_name": r.unit.name,
                "metric": r.metric,
                "metric_label": METRIC_LABELS.get(r.metric, r.metric),
                "threshold": r.threshold,
                "action": r.action,
                "valid_from": r.valid_from,
                "valid_to": r.valid_to,
            }
            for r in sorted(all_rules, key=lambda r: (r.unit.path, r.metric, r.threshold))
        ],
        "rows": rows,
        "note": NOT_LAW,
        "recomputing_days": stale_days(people, start, end),
    }


def _plain(value) -> int | float:
    """numpy scalars → int when whole (counts, minutes), else a rounded float (half days)."""
    value = float(value)
    return int(value) if value.is_integer() else round(value, 2)


def _flags_text(flags: list[dict]) -> str:
    return "; ".join(
        f"Tháng {f['month']}: {f['metric_label'].lower()} {format_days(f['value'])} (≥ {f['threshold']})" for f in flags
    )


def discipline_xlsx(data: dict) -> bytes:
    labels = {"employee_code": "Mã chấm công", "full_name": "Họ và tên", "position": "Chức vụ/ngạch"}
    frame = pd.DataFrame(
        [
            {
                "STT": i,
                **{label: row[key] for key, label in labels.items()},
                **{METRIC_LABELS[m]: row[m] for m in METRICS},
                "Ngày đi muộn": ", ".join(d.strftime("%d/%m") for d in row["late_dates"]),
                "Cần xem xét (theo nội quy)": _flags_text(row["flags"]),
            }
            for i, row in enumerate(data["rows"], 1)
        ],
        columns=[
            "STT",
            *labels.values(),
            *(METRIC_LABELS[m] for m in METRICS),
            "Ngày đi muộn",
            "Cần xem xét (theo nội quy)",
        ],
    )
    titles = [
        data["unit_name"],
        "BÁO CÁO TÌNH HÌNH CHẤP HÀNH THỜI GIỜ LÀM VIỆC",
        f"Từ ngày {data['start']:%d/%m/%Y} đến ngày {data['end']:%d/%m/%Y}",
    ]
    widths = {1: 5, 2: 12, 3: 26, 4: 18, 11: 30, 12: 60}
    for column in range(5, 11):
        widths[column] = 11
    return _write_sheet(frame, "Kỷ luật lao động", titles, [data["note"]], widths)


def discipline_pdf(data: dict, unit: OrgUnit) -> bytes:
    rows = [
        {
            **row,
            "absent_text": format_days(row["absent_days"], "0"),
            "flags_text": [
                f"Tháng {f['month']}: {f['metric_label'].lower()} {format_days(f['value'])} (ngưỡng {f['threshold']}) — {f['action']}"
                for f in row["flags"]
            ],
        }
        for row in data["rows"]
    ]
    context = _document(
        unit,
        doc_type="BÁO CÁO",
        doc_summary="Tình hình chấp hành thời giờ làm việc, kỷ luật lao động",
        doc_symbol=f"BC-{unit.doc_symbol or 'NV'}",
        start=data["start"],
        end=data["end"],
        rows=rows,
        rules=data["rules"],
        note=data["note"],
        flagged=sum(1 for row in data["rows"] if row["flags"]),
        recipients=["Thủ trưởng đơn vị", "Bộ phận tổ chức, cán bộ"],
    )
    return render_pdf("pdf/discipline.html", context)


def reminder_pdf(unit: OrgUnit, employee_row: dict, period: tuple[dt.date, dt.date]) -> bytes:
    """Draft a written reminder (nhắc nhở bằng văn bản) from the facts in one discipline row.

    It is a draft for the head of the unit to review and sign, not a disciplinary
    decision: Decree 112/2020 (and 172/2025, 234/2026) make a written reminder the step
    before any khiển trách, which itself needs a review meeting and a council.
    """
    start, end = period
    honorific = "Bà" if employee_row.get("gender") == Employee.Gender.FEMALE else "Ông"
    context = _document(
        unit,
        doc_type="THÔNG BÁO",
        doc_summary="V/v nhắc nhở chấp hành kỷ luật, kỷ cương hành chính",
        doc_symbol=f"TB-{unit.doc_symbol or 'UBND'}",
        row=employee_row,
        honorific=honorific,
        start=start,
        end=end,
        late_dates=", ".join(d.strftime("%d/%m/%Y") for d in employee_row.get("late_dates", [])),
        early_dates=", ".join(d.strftime("%d/%m/%Y") for d in employee_row.get("early_dates", [])),
        absent_dates=", ".join(d.strftime("%d/%m/%Y") for d in employee_row.get("absent_dates", [])),
        absent_text=format_days(employee_row.get("absent_days", 0), "0"),
        rules_text=sorted({f["rule"] for f in employee_row.get("flags", [])}),
        recipients=[f"{honorific} {employee_row['full_name']} (để thực hiện)", "Bộ phận tổ chức, cán bộ (để theo dõi)"],
    )
    return render_pdf("pdf/reminder.html", context)


# --- yearly summary for the annual evaluation ------------------------------------------


def yearly_summary(employee: Employee, year: int) -> dict:
    """A person's year in figures, for the annual evaluation and classification
    (the "ý thức kỷ luật, kỷ cương" criterion; reference vietnam-rules.md §3).

    Absences with a reason are the leave symbols except business trips and meetings
    (CT, H), which count as working time; half days count 0.5.
    """
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    through = min(end, timezone.localdate())
    records = DayResult.objects.filter(employee=employee, date__range=(start, through)).values_list(
        "symbol", *METRIC_FIELDS.values()
    )
    frame = pd.DataFrame.from_records(list(records), columns=["symbol", *METRIC_FIELDS])
    frame["absent_days"] = frame["absent_days"].astype(float)
    leave_symbols = {value for value, _label in LeaveType.choices} - rules.PRESENT_LIKE_LEAVE
    units = pd.DataFrame(
        [(part, share) for symbol in frame["symbol"] for part, share in rules.day_units(symbol).items()],
        columns=["symbol", "days"],
    )
    leave = units[units["symbol"].isin(leave_symbols)].groupby("symbol")["days"].sum()
    sums = frame[METRICS].sum()
    labels = dict(LeaveType.choices)
    return {
        "employee_code": employee.code,
        "full_name": employee.full_name,
        "year": year,
        "through": through,
        "leave_days": {symbol: round(float(days), 2) for symbol, days in leave.items()},
        "leave_labels": {symbol: str(labels[symbol]) for symbol in leave.index},
        "days_absent_with_reason": round(float(leave.sum()), 2),
        "days_absent_without_reason": round(float(sums["absent_days"]), 2),
        "late_count": int(sums["late_count"]),
        "late_minutes": int(sums["late_minutes"]),
        "early_count": int(sums["early_count"]),
        "early_minutes": int(sums["early_minutes"]),
        "missing_punches": int(sums["missing_punches"]),
        "recomputing_days": stale_days(employee, start, through),
    }


# --- facts for the evaluation of work results (issue 17) ---------------------------------

# Statuses counted as days, beside the metric sums.
FACT_STATUS_DAYS = {
    "not_tracked_days": DayResult.Status.NOT_TRACKED,
    "not_employed_days": DayResult.Status.NOT_EMPLOYED,
    "pending_days": DayResult.Status.PENDING,
}
# Above this many ids the id list is sent in chunks (SQLite's bound-parameter limit).
FACT_CHUNK = 10000


def _empty_facts() -> dict:
    return {
        "worked_days": 0.0,
        **dict.fromkeys(METRICS, 0),
        "absent_days": 0.0,
        "leave_days": {},
        "leave_days_total": 0.0,
        **dict.fromkeys(FACT_STATUS_DAYS, 0),
        "recorded_days": 0,
    }


def evaluation_facts(employee_ids, start: dt.date, end: dt.date) -> dict[int, dict]:
    """Each person's attendance over [start, end] as the evaluation of work results
    reads it, beside the "ý thức kỷ luật, kỷ cương" criterion (Decree 335/2025 Art. 12;
    Decree 233/2026 Art. 10 and Phụ lục I; reference vietnam-rules.md §3):

        {employee_id: {"worked_days", "late_count", "late_minutes", "early_count",
         "early_minutes", "absent_days", "missing_punches", "leave_days": {symbol: days},
         "leave_days_total", "not_tracked_days", "not_employed_days", "pending_days",
         "recorded_days"}}

    The metric names are the discipline report's (METRICS); "absent_days" is unexcused
    absence in days (half days count 0.5). Days follow yearly_summary: business trips
    and meetings (CT, H) are worked days, the other leave symbols are absences with a
    reason, split by symbol; a "+/P" day is half worked, half annual leave.
    "recorded_days" counts the day results found other than weekly rest days (which
    carry no figure and are left out of the read, a third fewer rows): 0 means nothing
    computed yet for the person. Every id asked is in the answer, and no other.

    One aggregate query per FACT_CHUNK ids, grouped by person, status and symbol: a
    quarter of 20,000 people is two queries returning a few rows a person, not the
    1.8 million day rows themselves.
    Reports only read: the recompute worker keeps the day results current.
    """
    ids = list(dict.fromkeys(int(pk) for pk in employee_ids))
    chunks = [ids[i : i + FACT_CHUNK] for i in range(0, len(ids), FACT_CHUNK)]
    out = {pk: _empty_facts() for pk in ids}
    leave_symbols = {value for value, _label in LeaveType.choices} - rules.PRESENT_LIKE_LEAVE
    sums = {f"sum_{metric}": Sum(field) for metric, field in METRIC_FIELDS.items()}
    for chunk in chunks:
        groups = (
            DayResult.objects.filter(employee_id__in=chunk, date__range=(start, end))
            .exclude(status=DayResult.Status.REST)
            .values("employee_id", "status", "symbol")
            .annotate(days=Count("pk"), **sums)
            .order_by()
        )
        for group in groups:
            facts = out.get(group["employee_id"])
            if facts is None:
                continue
            days = group["days"]
            facts["recorded_days"] += days
            for metric in METRICS:
                value = group[f"sum_{metric}"] or 0
                facts[metric] += float(value) if metric == "absent_days" else int(value)
            for key, status in FACT_STATUS_DAYS.items():
                if group["status"] == status:
                    facts[key] += days
            for part, share in rules.day_units(group["symbol"]).items():
                if part == rules.PRESENT or part in rules.PRESENT_LIKE_LEAVE:
                    facts["worked_days"] += share * days
                elif part in leave_symbols:
                    facts["leave_days"][part] = facts["leave_days"].get(part, 0.0) + share * days
    for facts in out.values():
        facts["absent_days"] = _plain(facts["absent_days"])
        facts["worked_days"] = round(facts["worked_days"], 2)
        facts["leave_days"] = {symbol: round(d, 2) for symbol, d in sorted(facts["leave_days"].items())}
        facts["leave_days_total"] = round(sum(facts["leave_days"].values()), 2)
    return out


def leave_labels() -> dict[str, str]:
    """Leave symbol → its name, for the keys of evaluation_facts' "leave_days"."""
    return {value: str(label) for value, label in LeaveType.choices}


# --- today's board -----------------------------------------------------------------------

BOARD_LABELS = {
    "in": gettext_lazy("Có mặt"),
    "late": gettext_lazy("Đi muộn"),
    "absent": gettext_lazy("Vắng"),
    "on_leave": gettext_lazy("Nghỉ phép, chế độ"),
    "business_trip": gettext_lazy("Đi công tác"),
    "not_yet_in": gettext_lazy("Chưa đến"),
    "pending": gettext_lazy("Chờ dữ liệu máy chấm công"),
    "day_off": gettext_lazy("Ngày nghỉ"),
    "not_tracked": gettext_lazy("Chưa theo dõi chấm công"),
}


def day_board(unit: OrgUnit, *, now: dt.datetime | None = None) -> dict:
    """Today's board for a unit's subtree: who is in, late, absent, on leave or travelling.

    Day results are read as stored (the recompute worker keeps today's current); each
    row is then `rules.board_row` over the day's plan, punches and leave, which adds
    what the day's record cannot say yet (see there).
    """
    now = now or timezone.now()
    now_local = now.astimezone(engine.WORKDAY_TZ).replace(tzinfo=None)
    today = now_local.date()
    employees = list(
        Employee.objects.filter(unit__path__startswith=unit.path)
        .active_on(today)
        .select_related("unit")
        .vn_ordered(by_unit=True)
    )
    results = {r.employee_id: r for r in DayResult.objects.filter(employee__in=employees, date=today)}
    inputs = engine.Inputs(employees, today, today)
    leave_names = dict(LeaveType.choices)
    # Days before tracking starts are counted nowhere.
    rows, counts = [], dict.fromkeys([k for k in BOARD_LABELS if k != "not_tracked"], 0)
    for e in employees:
        stored = results.get(e.pk)
        mark = inputs.synced.get(e.unit_id)
        row = rules.board_row(
            today,
            inputs.plan(e, today),
            inputs.punches.get(e.pk, ()),
            inputs.leaves_on(e, today),
            now=now_local,
            clock_through=mark.astimezone(engine.WORKDAY_TZ).replace(tzinfo=None) if mark else None,
            stored_status=stored.status if stored else "",
            stored_label=stored.get_status_display() if stored else "",
            leave_names=leave_names,
        )
        if row.status in counts:
            counts[row.status] += 1
        corrected = bool(stored and stored.corrected)
        rows.append(
            {
                "employee_code": e.code,
                "full_name": e.full_name,
                "unit": e.unit.name,
                "status_label": "" if row.status == "not_tracked" else str(BOARD_LABELS[row.status]),
                **row.as_dict(),
                "corrected": corrected,
                "uncorrected": uncorrected_text(stored.uncorrected) if corrected else "",
            }
        )
    return {
        "unit": unit.code,
        "unit_name": unit.name,
        "date": today,
        "generated_at": now,
        "counts": counts,
        "rows": rows,
    }
