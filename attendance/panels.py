"""What attendance adds to the employee page and the dashboard (hr_system.panels).

Registered in AttendanceConfig.ready(). Every function reads through attendance.access,
scoped to the viewer: the month of days only for the person themself and those who
decide for them; approvals and absences only within the viewer's deciding scope.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from attendance import engine, reports
from attendance.access import DECIDERS, can_decide_for, decider_units, requests_for
from attendance.models import Correction, DayResult, LeaveRequest
from devices.models import Punch
from hr_system import access
from hr_system.models import Employee
from hr_system.panels import Item, Panel
from hr_system.text import name_sort_key

# A day before the employee's tracking starts (issue 14, owner "rules"): shown blank.
NOT_TRACKED = "not_tracked"
# How many names of today's absentees the dashboard lists before "see all".
ABSENT_NAMES = 15
# The live board reads every person's plan, punches and leave (≈0.3 ms a person): past
# this many people in scope (a province's HR) the dashboard reads the stored day results.
LIVE_BOARD_LIMIT = 1500


def month_param(request) -> tuple[dt.date, bool]:
    """The month of ?month=YYYY-MM (first day) and whether the value was valid; the
    current month when absent or wrong."""
    today = timezone.localdate().replace(day=1)
    value = request.GET.get("month") or ""
    if not value:
        return today, True
    try:
        month = dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        return today, False
    return (month, True) if 2000 <= month.year <= 2100 else (today, False)


def _month_end(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def _may_read(user, employee) -> bool:
    own = access.own_employee(user)
    return (own is not None and own.pk == employee.pk) or can_decide_for(user, employee)


def _uncorrected_text(result: DayResult) -> str:
    """What the punches alone said, when an approved correction changed the day (the
    fields come with the rules helper's migration: read them only if present)."""
    if not getattr(result, "corrected", False):
        return ""
    before = getattr(result, "uncorrected", None) or {}
    label = dict(DayResult.Status.choices).get(before.get("status", ""), before.get("status", ""))
    parts = [str(label)] if label else []
    if before.get("late_minutes"):
        parts.append(_("muộn %(m)s phút") % {"m": before["late_minutes"]})
    if before.get("early_minutes"):
        parts.append(_("sớm %(m)s phút") % {"m": before["early_minutes"]})
    if before.get("missing_punches"):
        parts.append(_("thiếu %(n)s lượt chấm") % {"n": before["missing_punches"]})
    return ", ".join(parts)


def employee_month(request, employee) -> Panel | None:
    """The person's month, one row per day (id "ngay-YYYY-MM-DD", the target of the
    timesheet's cells): status and symbol, the punches of that day with their clock,
    leave covering it and corrections for it."""
    if not _may_read(request.user, employee):
        return None
    month, valid = month_param(request)
    end = _month_end(month)
    results = {r.date: r for r in DayResult.objects.filter(employee=employee, date__range=(month, end))}
    lo = dt.datetime.combine(month, dt.time(), engine.WORKDAY_TZ)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), engine.WORKDAY_TZ)
    punches: dict[dt.date, list] = {}
    # As the engine reads them: an ADMS clock not yet approved proves nothing.
    for p in (
        Punch.objects.filter(employee=employee, timestamp__gte=lo, timestamp__lt=hi, device__approved=True)
        .select_related("device")
        .order_by("timestamp", "id")
    ):
        local = p.timestamp.astimezone(engine.WORKDAY_TZ)
        punches.setdefault(local.date(), []).append({"time": local, "device": p.device.name})
    leaves = list(
        LeaveRequest.objects.filter(employee=employee, start_date__lte=end, end_date__gte=month)
        .exclude(status__in=[LeaveRequest.Status.CANCELLED, LeaveRequest.Status.REJECTED])
        .order_by("start_date", "id")
    )
    corrections: dict[dt.date, list] = {}
    for c in Correction.objects.filter(employee=employee, date__range=(month, end)).order_by("date", "id"):
        corrections.setdefault(c.date, []).append(c)
    today = timezone.localdate()
    days = []
    day = month
    while day <= end:
        r = results.get(day)
        blank = r is None or r.status == NOT_TRACKED or (day > today and r.status == DayResult.Status.PENDING)
        days.append(
            {
                "date": day,
                "id": f"ngay-{day:%Y-%m-%d}",
                "result": None if blank else r,
                "corrected": bool(r is not None and getattr(r, "corrected", False)),
                "uncorrected": _uncorrected_text(r) if r is not None else "",
                "punches": punches.get(day, []),
                "leaves": [lv for lv in leaves if lv.start_date <= day <= lv.end_date],
                "corrections": corrections.get(day, []),
                "is_today": day == today,
            }
        )
        day += dt.timedelta(days=1)
    url = reverse("employee_detail", args=[employee.code])
    punches_url = ""
    if can_decide_for(request.user, employee):
        punches_url = (
            f"{reverse('punch_list')}?employee={employee.code}&date_from={month:%Y-%m-%d}&date_to={end:%Y-%m-%d}"
        )
    return Panel(
        title=_("Chấm công tháng %(m)s") % {"m": f"{month:%m/%Y}"},
        template="attendance/panels/employee_month.html",
        context={
            "month": month,
            "invalid_month": not valid,
            "days": days,
            "previous_url": f"{url}?month={(month - dt.timedelta(days=1)):%Y-%m}#cham-cong",
            "next_url": f"{url}?month={(end + dt.timedelta(days=1)):%Y-%m}#cham-cong",
            "recomputing_days": reports.stale_days(employee, month, end),
            "punches_url": punches_url,
        },
        order=10,
        key="cham-cong",
    )


# --- dashboard ---------------------------------------------------------------------------


def pending_approvals(request) -> Panel | None:
    """Leave and corrections waiting for the viewer's decision (never their own)."""
    user = request.user
    if not access.has_role(user, *DECIDERS):
        return None
    own = access.own_employee(user)
    pending = {"status": LeaveRequest.Status.PENDING}
    leaves = requests_for(user, LeaveRequest).filter(**pending)
    corrections = requests_for(user, Correction).filter(**pending)
    if own is not None:
        leaves, corrections = leaves.exclude(employee=own), corrections.exclude(employee=own)
    url = reverse("attendance_approvals")
    n_leave, n_correction = leaves.count(), corrections.count()
    items = []
    if n_leave:
        items.append(Item(_("Đơn xin nghỉ chờ duyệt"), url, n_leave, "warn"))
    if n_correction:
        items.append(Item(_("Đề nghị điều chỉnh chấm công chờ duyệt"), url, n_correction, "warn"))
    return Panel(_("Đơn chờ duyệt"), items, empty=_("Không có đơn nào chờ duyệt."), order=10, key="don-cho-duyet")


def _top_units(units) -> list:
    """The roots among `units` (a unit under another one listed is covered by it)."""
    paths = sorted({u.path: u for u in units}.items())
    tops = []
    for path, unit in paths:
        if not any(path.startswith(t.path) for t in tops):
            tops.append(unit)
    return tops


def todays_absences(request) -> Panel | None:
    """Who is absent or not yet in today, in the viewer's deciding scope (as the day
    board says it: no one is "absent" while their clock is silent)."""
    user = request.user
    if not access.has_role(user, *DECIDERS):
        return None
    if access.is_admin(user):
        roots = list(decider_units(user).filter(parent__isnull=True, valid_to__isnull=True))
    else:
        roots = _top_units(r.unit for r in access.roles_of(user) if r.kind in DECIDERS and r.unit is not None)
    rows = []
    paths = Q(pk__in=[])
    for unit in roots:
        paths |= Q(unit__path__startswith=unit.path)
    today = timezone.localdate()
    if Employee.objects.filter(paths).active_on(today).count() > LIVE_BOARD_LIMIT:
        absent = DayResult.objects.filter(
            date=today, status=DayResult.Status.ABSENT, employee__in=Employee.objects.filter(paths)
        )
        for r in absent.select_related("employee", "employee__unit"):
            e = r.employee
            row = {"employee_code": e.code, "full_name": e.full_name, "unit": e.unit.name, "status": "absent"}
            rows.append((e.unit, {**row, "status_label": str(reports.BOARD_LABELS["absent"])}))
    else:
        for unit in roots:
            for row in reports.day_board(unit)["rows"]:
                if row["status"] in ("absent", "not_yet_in"):
                    rows.append((unit, row))
    rows.sort(key=lambda ur: (name_sort_key(ur[1]["full_name"]), ur[1]["employee_code"]))
    items = [
        Item(
            row["full_name"],
            reverse("employee_detail", args=[row["employee_code"]]),
            level="error" if row["status"] == "absent" else "",
            note=f"{row['status_label']} — {row['unit']}",
        )
        for _unit, row in rows[:ABSENT_NAMES]
    ]
    absent = sum(1 for _u, r in rows if r["status"] == "absent")
    not_yet = len(rows) - absent
    board_url = reverse("attendance_board")
    more = ""
    if len(roots) == 1:
        board_url += f"?unit={roots[0].code}"
    if len(rows) > ABSENT_NAMES:
        more = ngettext("Xem cả %(n)d người", "Xem cả %(n)d người", len(rows)) % {"n": len(rows)}
    return Panel(
        _("Vắng hôm nay: %(a)d vắng, %(b)d chưa đến") % {"a": absent, "b": not_yet},
        items,
        empty=_("Không ai vắng hôm nay."),
        more_url=board_url,
        more_text=more or _("Xem bảng chấm công hôm nay"),
        order=30,
        key="vang-hom-nay",
    )


def my_today(request) -> Panel | None:
    """The employee's own day and their requests still waiting for a decision."""
    own = access.own_employee(request.user)
    if own is None:
        return None
    today = timezone.localdate()
    result = DayResult.objects.filter(employee=own, date=today).first()
    items = []
    if result is not None and result.status not in (NOT_TRACKED, DayResult.Status.PENDING):
        items.append(Item(_("Hôm nay: %(s)s") % {"s": result.get_status_display()}))
    lo = dt.datetime.combine(today, dt.time(), engine.WORKDAY_TZ)
    punches = Punch.objects.filter(
        employee=own, timestamp__gte=lo, timestamp__lt=lo + dt.timedelta(days=1), device__approved=True
    ).order_by("timestamp")
    times = [f"{p.timestamp.astimezone(engine.WORKDAY_TZ):%H:%M}" for p in punches]
    items.append(
        Item(_("Lượt chấm hôm nay: %(t)s") % {"t": ", ".join(times)} if times else _("Hôm nay chưa có lượt chấm."))
    )
    me_url = reverse("attendance_self_me")
    n_leave = LeaveRequest.objects.filter(employee=own, status=LeaveRequest.Status.PENDING).count()
    n_correction = Correction.objects.filter(employee=own, status=Correction.Status.PENDING).count()
    if n_leave:
        items.append(Item(_("Đơn xin nghỉ của tôi đang chờ duyệt"), me_url, n_leave))
    if n_correction:
        items.append(Item(_("Đề nghị điều chỉnh của tôi đang chờ duyệt"), me_url, n_correction))
    return Panel(
        _("Chấm công của tôi"),
        items,
        more_url=me_url,
        more_text=_("Xin nghỉ, đề nghị điều chỉnh"),
        order=5,
        key="cham-cong-cua-toi",
    )
