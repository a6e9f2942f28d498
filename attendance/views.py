"""Attendance pages: the monthly timesheet (C01-HD) with its month lock, and the
discipline report with drafted reminders. Every unit goes through hr_system.access."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from attendance import actions, reports, rules
from attendance.access import (
    DECIDERS,
    can_manage_rules,
    decider_units,
    unit_for_report,
    unit_for_timesheet_signer,
)
from attendance.models import unit_tracking_start
from hr_system import access, signed_documents, widgets
from hr_system.signed_documents import pages as signed_pages

MAX_PERIOD_DAYS = 366


class BadInput(ValueError):
    """A malformed query parameter; the message is shown to the user as is."""


def _parse_month(value: str | None) -> dt.date:
    if not value:
        return timezone.localdate().replace(day=1)
    try:
        return widgets.parse_month(value)
    except ValueError as exc:
        raise BadInput(str(exc)) from None


def _parse_date(value: str | None, default: dt.date, label: str) -> dt.date:
    if not value:
        return default
    try:
        return widgets.parse_date(value)
    except ValueError as exc:
        raise BadInput(f"{label}: {exc}") from None


def _parse_period(request) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    start = _parse_date(request.GET.get("start"), today.replace(day=1), _("Ngày bắt đầu"))
    end = _parse_date(request.GET.get("end"), today, _("Ngày kết thúc"))
    if end < start:
        raise BadInput(_("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."))
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise BadInput(_("Khoảng thời gian tối đa là một năm."))
    return start, end


def _bad_request(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- timesheet -------------------------------------------------------------------------


def _cell_class(symbol: str) -> str:
    """Colour family of a timesheet cell."""
    if not symbol:
        return "rest"
    if rules.ABSENT in symbol.split("/"):
        return "absent"
    if "/" in symbol:
        return "half"
    if symbol == rules.PRESENT:
        return "work"
    if symbol == rules.HOLIDAY:
        return "holiday"
    if symbol == rules.PENDING:
        return "pending"
    if symbol in rules.PRESENT_LIKE_LEAVE:
        return "trip"
    if symbol in rules.SOCIAL_INSURANCE:
        return "insurance"
    if symbol in rules.UNPAID or symbol in rules.STOPPAGE:
        return "unpaid"
    return "leave"


def _cell(row: dict, month: dt.date, header: dict) -> dict:
    """One day of a timesheet row: its symbol, colour, the day it links to, and for a
    corrected day what the punches alone said (the cell's tooltip)."""
    key = str(header["day"])
    symbol = row["days"][key]
    cell = {
        "symbol": symbol,
        "kind": _cell_class(symbol),
        "weekend": header["weekend"],
        "date": month.replace(day=header["day"]),
        "uncorrected": None,
    }
    raw = row["corrected"].get(key)
    if raw is not None:
        cell["uncorrected"] = _("Đã điều chỉnh; theo lượt chấm công: %(s)s") % {
            "s": reports.uncorrected_text(raw),
        }
    return cell


@login_required
def timesheet(request):
    units = decider_units(request.user).order_by("path")
    context = {"units": units, "unit": None, "data": None, "month_value": request.GET.get("month", "")}
    code = request.GET.get("unit")
    try:
        month = _parse_month(request.GET.get("month"))
    except BadInput as exc:
        messages.error(request, str(exc))
        return render(request, "attendance/timesheet.html", context, status=400)
    context["month_value"] = f"{month:%Y-%m}"
    if not code:
        if not access.has_role(request.user, *DECIDERS):
            raise PermissionDenied(_("Bạn không có quyền xem số liệu chấm công."))
        return render(request, "attendance/timesheet.html", context)
    unit = unit_for_report(request.user, code)
    data = reports.timesheet(unit, month)
    headers = data["day_headers"]
    for row in data["rows"]:
        row["totals_text"] = {k: reports.format_days(v, "0") for k, v in row["totals"].items()}
        row["cells"] = [_cell(row, month, h) for h in headers]
    lock = data["lock"]
    can_manage = can_manage_rules(request.user, unit)
    go_live = unit_tracking_start(unit)
    context.update(
        {
            "unit": unit,
            "data": data,
            # Days before it are blank: say why, when the month has any.
            "go_live": go_live if go_live and go_live > month else None,
            "query": urlencode({"unit": unit.code, "month": f"{month:%Y-%m}"}),
            "punch_digest": reports.punch_digest(unit, month),
            "can_lock": can_manage and lock is None,
            # A lock set on a parent unit is lifted there, by whoever manages that unit.
            "can_unlock": lock is not None
            and access.units_for(request.user, write=True).filter(code=lock["unit"]).exists(),
            "sign": signed_pages.sign_form_context(
                request.user, signed_documents.TIMESHEET, unit, actions.timesheet_subject(unit, month)
            ),
            "sign_ready": data["locked"],
            "sign_not_ready": _("Chỉ ký số bảng chấm công sau khi tháng đã khóa sổ."),
            "sign_fields": [("unit", unit.code), ("month", f"{month:%Y-%m}")],
        }
    )
    return render(request, "attendance/timesheet.html", context)


def _timesheet_data(request, *, with_data: bool = True):
    code = request.GET.get("unit")
    if not code:
        raise Http404(_("Chưa chọn đơn vị."))
    unit = unit_for_report(request.user, code)
    month = _parse_month(request.GET.get("month"))
    return unit, month, reports.timesheet(unit, month) if with_data else None


@login_required
def timesheet_pdf(request):
    try:
        unit, month, data = _timesheet_data(request)
    except BadInput as exc:
        return _bad_request(str(exc))
    # A signed month hands out its signed bytes: the sheet is not regenerated until the
    # month is unlocked (which voids the signature).
    signed = signed_documents.current(signed_documents.TIMESHEET, actions.timesheet_subject(unit, month))
    if signed is not None:
        if request.GET.get("regenerate"):
            return _conflict(
                _(
                    "Bảng chấm công tháng này đã được ký số: muốn lập lại phải mở khóa tháng (chữ ký sẽ bị hủy hiệu lực)."
                )
            )
        return signed_pages.signed_pdf_response(request, signed)
    return _download(
        reports.timesheet_pdf(data, unit), "application/pdf", f"bang-cham-cong-{unit.code}-{month:%Y-%m}.pdf"
    )


def _conflict(message: str) -> HttpResponse:
    return HttpResponse(message, status=409, content_type="text/plain; charset=utf-8")


@login_required
def timesheet_signed_pdf(request):
    """The signed copy in force of a unit's month (404 when the month is not signed)."""
    try:
        unit, month, _data = _timesheet_data(request, with_data=False)
    except BadInput as exc:
        return _bad_request(str(exc))
    signed = signed_documents.current(signed_documents.TIMESHEET, actions.timesheet_subject(unit, month))
    if signed is None:
        raise Http404(_("Bảng chấm công tháng này chưa được ký số."))
    return signed_pages.signed_pdf_response(request, signed)


@login_required
@require_POST
def timesheet_sign(request):
    """The unit head signs a locked month's sheet with their credential and PIN."""
    code = request.POST.get("unit", "")
    back = reverse("attendance_timesheet") + "?" + urlencode({"unit": code, "month": request.POST.get("month", "")})
    try:
        month = _parse_month(request.POST.get("month"))
    except BadInput as exc:
        messages.error(request, str(exc))
        return redirect(back)
    unit = unit_for_timesheet_signer(request.user, code)
    try:
        actions.sign_timesheet(
            acting_user=request.user,
            unit=unit,
            month=month,
            credential=signed_documents.credential_by_id(request.POST.get("credential")),
            secret=request.POST.get("secret", ""),
        )
    except actions.AttendanceError as exc:
        messages.error(request, str(exc))
    except signed_documents.SignedDocumentError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Đã ký số bảng chấm công tháng %(m)s của %(u)s.") % {"m": f"{month:%m/%Y}", "u": unit.name}
        )
    return redirect(back)


@login_required
def timesheet_xlsx(request):
    try:
        unit, month, data = _timesheet_data(request)
    except BadInput as exc:
        return _bad_request(str(exc))
    return _download(reports.timesheet_xlsx(data), reports.XLSX, f"bang-cham-cong-{unit.code}-{month:%Y-%m}.xlsx")


@login_required
@require_POST
def timesheet_lock(request):
    """Lock or unlock a unit's month (HR officers of that unit); unlocking needs a reason."""
    back = request.POST.get("back_unit") or request.POST.get("unit", "")
    try:
        month = _parse_month(request.POST.get("month"))
    except BadInput as exc:
        messages.error(request, str(exc))
        return redirect(reverse("attendance_timesheet") + "?" + urlencode({"unit": back}))
    # Out of scope: 404; in read scope only (a unit head): 403.
    unit = access.get_unit_for_user(request.user, request.POST.get("unit", ""), write=True)
    try:
        if request.POST.get("action") == "unlock":
            actions.unlock_month(
                acting_user=request.user, unit=unit, month=month, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("Đã mở khóa tháng %(m)s của %(u)s.") % {"m": f"{month:%m/%Y}", "u": unit.name})
        else:
            actions.lock_month(acting_user=request.user, unit=unit, month=month)
            messages.success(request, _("Đã khóa sổ tháng %(m)s của %(u)s.") % {"m": f"{month:%m/%Y}", "u": unit.name})
    except actions.AttendanceError as exc:
        messages.error(request, str(exc))
    return redirect(reverse("attendance_timesheet") + "?" + urlencode({"unit": back, "month": f"{month:%Y-%m}"}))


# --- discipline ------------------------------------------------------------------------


@login_required
def discipline(request):
    units = decider_units(request.user).order_by("path")
    today = timezone.localdate()
    context = {
        "units": units,
        "unit": None,
        "data": None,
        "start_value": request.GET.get("start") or f"{today.replace(day=1):%Y-%m-%d}",
        "end_value": request.GET.get("end") or f"{today:%Y-%m-%d}",
    }
    if not access.has_role(request.user, *DECIDERS):
        raise PermissionDenied(_("Bạn không có quyền xem số liệu chấm công."))
    try:
        start, end = _parse_period(request)
    except BadInput as exc:
        messages.error(request, str(exc))
        return render(request, "attendance/discipline.html", context, status=400)
    code = request.GET.get("unit")
    if not code:
        return render(request, "attendance/discipline.html", context)
    unit = unit_for_report(request.user, code)
    data = reports.discipline(unit, start, end)
    period = {"unit": unit.code, "start": f"{start:%Y-%m-%d}", "end": f"{end:%Y-%m-%d}"}
    for row in data["rows"]:
        row["absent_text"] = reports.format_days(row["absent_days"], "0")
        row["reminder_query"] = urlencode({**period, "employee": row["employee_code"]})
    only_flagged = request.GET.get("only") == "flagged"
    context.update(
        {
            "unit": unit,
            "data": data,
            "rows": [r for r in data["rows"] if r["flags"]] if only_flagged else data["rows"],
            "only_flagged": only_flagged,
            "flagged": sum(1 for r in data["rows"] if r["flags"]),
            "query": urlencode(period),
        }
    )
    return render(request, "attendance/discipline.html", context)


def _discipline_data(request, **kwargs):
    code = request.GET.get("unit")
    if not code:
        raise Http404(_("Chưa chọn đơn vị."))
    unit = unit_for_report(request.user, code)
    start, end = _parse_period(request)
    return unit, start, end, reports.discipline(unit, start, end, **kwargs)


@login_required
def discipline_pdf(request):
    try:
        unit, start, end, data = _discipline_data(request)
    except BadInput as exc:
        return _bad_request(str(exc))
    return _download(
        reports.discipline_pdf(data, unit), "application/pdf", f"ky-luat-lao-dong-{unit.code}-{start:%Y%m%d}.pdf"
    )


@login_required
def discipline_xlsx(request):
    try:
        unit, start, end, data = _discipline_data(request)
    except BadInput as exc:
        return _bad_request(str(exc))
    return _download(reports.discipline_xlsx(data), reports.XLSX, f"ky-luat-lao-dong-{unit.code}-{start:%Y%m%d}.xlsx")


@login_required
def reminder_pdf(request):
    """A draft written reminder for one flagged person; never a disciplinary decision."""
    code = request.GET.get("employee", "")
    try:
        unit, start, end, data = _discipline_data(request, employee_codes=[code])
    except BadInput as exc:
        return _bad_request(str(exc))
    employee = access.get_employee_for_user(request.user, code)
    row = next((r for r in data["rows"] if r["employee_code"] == employee.code), None)
    if row is None:
        raise Http404(_("Cán bộ này không thuộc đơn vị đã chọn."))
    if not row["flags"]:
        raise Http404(_("Trong khoảng thời gian này, cán bộ chưa đến mức cần nhắc nhở theo nội quy."))
    return _download(
        reports.reminder_pdf(unit, row, (start, end)), "application/pdf", f"nhac-nho-{employee.code}-{start:%Y%m%d}.pdf"
    )
