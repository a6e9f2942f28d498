"""Attendance pages: an employee's own month, approvals, today's board, the calendar and
schedules. The same access helpers and actions as the API; errors become messages.
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from attendance import actions, engine, reports
from attendance.access import (
    DECIDERS,
    calendar_day_for_manager,
    check_cancel,
    decider_units,
    hr_page_unit,
    may_edit_national_calendar,
    requests_for,
    require_decider_of,
    require_holiday_seeder,
    require_own_employee,
    schedule_for_manager,
    schedules_for,
    unit_for_decider,
)
from attendance.actions import AttendanceError
from attendance.forms import CloseForm
from attendance.models import CalendarDay, Correction, DayResult, LeaveRequest, LeaveType
from devices.models import Punch
from hr_system import access, widgets
from hr_system.access import own_employee
from hr_system.models import Role

DATE = widgets.DateInput()
TIME = widgets.TimeInput()
MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
WEEKDAYS = [
    ("0", gettext_lazy("Thứ Hai")),
    ("1", gettext_lazy("Thứ Ba")),
    ("2", gettext_lazy("Thứ Tư")),
    ("3", gettext_lazy("Thứ Năm")),
    ("4", gettext_lazy("Thứ Sáu")),
    ("5", gettext_lazy("Thứ Bảy")),
    ("6", gettext_lazy("Chủ nhật")),
]


def _form_errors(request, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _month_param(request) -> dt.date:
    today = timezone.localdate().replace(day=1)
    value = request.GET.get("month")
    if not value:
        return today
    try:
        return widgets.parse_month(value)
    except ValueError as exc:
        messages.error(request, _("%(problem)s Đang hiển thị tháng hiện tại.") % {"problem": exc})
        return today


def _year_param(request) -> int:
    year = timezone.localdate().year
    value = request.GET.get("year")
    if value:
        if value.isdigit() and 2000 <= int(value) <= 2100:
            return int(value)
        messages.error(request, _("Năm không hợp lệ; đang hiển thị năm hiện tại."))
    return year


def _month_end(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


# --- the employee's own month ---------------------------------------------------------


class LeaveForm(forms.Form):
    leave_type = forms.ChoiceField(label=gettext_lazy("Loại nghỉ"), choices=LeaveType.choices)
    start_date = forms.DateField(label=gettext_lazy("Từ ngày"), widget=DATE)
    end_date = forms.DateField(label=gettext_lazy("Đến ngày"), widget=DATE)
    portion = forms.ChoiceField(
        label=gettext_lazy("Thời gian"), choices=LeaveRequest.Portion.choices, initial=LeaveRequest.Portion.FULL
    )
    reason = forms.CharField(label=gettext_lazy("Lý do"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    attachment = forms.FileField(
        label=gettext_lazy("Tệp đính kèm (PDF, JPG, PNG, tối đa 5 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload:
            problem = actions.attachment_problem(upload)
            if problem:
                raise forms.ValidationError(problem)
        return upload


class CorrectionForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Ngày"), widget=DATE)
    kind = forms.ChoiceField(label=gettext_lazy("Loại"), choices=Correction.Kind.choices)
    session = forms.ChoiceField(label=gettext_lazy("Buổi"), choices=Correction.Session.choices)
    time_in = forms.TimeField(label=gettext_lazy("Giờ vào"), required=False, widget=TIME)
    time_out = forms.TimeField(label=gettext_lazy("Giờ ra"), required=False, widget=TIME)
    reason = forms.CharField(label=gettext_lazy("Lý do"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        # The leave form sits on the same page with a field of the same name ("reason"):
        # ids of its own, or this form's label would name the other form's field.
        kwargs.setdefault("auto_id", "correction_%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("kind") == Correction.Kind.FORGOT and not (data.get("time_in") or data.get("time_out")):
            raise forms.ValidationError(_("Quên chấm công: cần ghi giờ vào hoặc giờ ra."))
        return data


def _day_rows(results) -> list[dict]:
    today = timezone.localdate()
    rows = []
    for r in results:
        ins = [s.get("first_in") for s in r.sessions if s.get("first_in")]
        outs = [s.get("last_out") for s in r.sessions if s.get("last_out")]
        # Days still to come are not "waiting for the clock"; approved leave on them still shows.
        # Days before tracking started are blank too: nothing was expected of anyone.
        blank = (r.date > today and r.status == DayResult.Status.PENDING) or r.status == DayResult.Status.NOT_TRACKED
        rows.append(
            {
                "r": r,
                "first_in": ins[0] if ins else "",
                "last_out": outs[-1] if outs else "",
                "blank": blank,
                "uncorrected": reports.uncorrected_text(r.uncorrected) if r.corrected else "",
            }
        )
    return rows


def _me_context(request, employee, month: dt.date, leave_form=None, correction_form=None) -> dict:
    end = _month_end(month)
    results = DayResult.objects.filter(employee=employee, date__range=(month, end)).order_by("date")
    lo = dt.datetime.combine(month, dt.time(), engine.WORKDAY_TZ)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), engine.WORKDAY_TZ)
    punches = (
        # As the engine reads them: a clock not yet approved (an ADMS clock that announced
        # itself) proves nothing, so its punches are not shown as the person's own.
        Punch.objects.filter(employee=employee, timestamp__gte=lo, timestamp__lt=hi, device__approved=True)
        .select_related("device")
        .order_by("timestamp", "id")
    )
    leaves = list(LeaveRequest.objects.filter(employee=employee).order_by("-start_date", "-id")[:50])
    for leave in leaves:
        try:
            check_cancel(request.user, leave)
            leave.can_cancel = leave.status in (LeaveRequest.Status.PENDING, LeaveRequest.Status.APPROVED)
        except (PermissionDenied, AttendanceError):
            leave.can_cancel = False
    return {
        "employee": employee,
        "month": month,
        "previous": (month - dt.timedelta(days=1)).replace(day=1),
        "next": end + dt.timedelta(days=1),
        "days": _day_rows(results),
        "recomputing_days": reports.stale_days(employee, month, end),
        "punches": punches,
        "balance": actions.annual_leave_balance(employee, month.year),
        "leaves": leaves,
        "corrections": Correction.objects.filter(employee=employee).order_by("-date", "-id")[:50],
        "leave_form": leave_form or LeaveForm(initial={"start_date": timezone.localdate()}),
        "correction_form": correction_form or CorrectionForm(initial={"date": timezone.localdate()}),
    }


def _me_url(day: dt.date) -> str:
    return f"{reverse('attendance_self_me')}?month={day:%Y-%m}"


@login_required
def me(request):
    employee = own_employee(request.user)
    if employee is None:
        return render(request, "attendance/self/me.html", {"employee": None})
    return render(request, "attendance/self/me.html", _me_context(request, employee, _month_param(request)))


@login_required
@require_POST
def file_leave(request):
    employee = require_own_employee(request.user)
    form = LeaveForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        upload = data["attachment"]
        if upload:
            upload.name = actions.attachment_name(upload)
        try:
            actions.request_leave(
                acting_user=request.user,
                employee=employee,
                leave_type=data["leave_type"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                portion=data["portion"],
                reason=data["reason"],
                attachment=upload or None,
            )
        except AttendanceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Đã gửi đơn xin nghỉ; đơn đang chờ duyệt."))
            return redirect(_me_url(data["start_date"]))
    else:
        _form_errors(request, form)
    month = timezone.localdate().replace(day=1)
    return render(request, "attendance/self/me.html", _me_context(request, employee, month, leave_form=form))


@login_required
@require_POST
def file_correction(request):
    employee = require_own_employee(request.user)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.request_correction(
                acting_user=request.user,
                employee=employee,
                date=data["date"],
                kind=data["kind"],
                session=data["session"],
                time_in=data["time_in"],
                time_out=data["time_out"],
                reason=data["reason"],
            )
        except AttendanceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Đã gửi đề nghị điều chỉnh; đề nghị đang chờ duyệt."))
            return redirect(_me_url(data["date"]))
    else:
        _form_errors(request, form)
    month = timezone.localdate().replace(day=1)
    return render(request, "attendance/self/me.html", _me_context(request, employee, month, correction_form=form))


@login_required
@require_POST
def cancel_leave(request, leave_id: int):
    leave = get_object_or_404(LeaveRequest.objects.select_related("employee", "employee__unit"), pk=leave_id)
    try:
        check_cancel(request.user, leave)
        actions.cancel_leave(acting_user=request.user, leave=leave)
    except AttendanceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã hủy đơn nghỉ."))
    return redirect(_me_url(leave.start_date))


# --- approvals -------------------------------------------------------------------------


@login_required
def approvals(request):
    """Pending leave and corrections of the people the caller decides for (never their own)."""
    if not access.has_role(request.user, *DECIDERS):
        raise PermissionDenied(_("Chỉ trưởng đơn vị hoặc Phòng Nội vụ được duyệt đơn."))
    if request.method == "POST":
        _decide(request)
        return redirect("attendance_approvals")
    own = own_employee(request.user)
    pending = {"status": LeaveRequest.Status.PENDING}
    leaves = requests_for(request.user, LeaveRequest).filter(**pending)
    corrections = requests_for(request.user, Correction).filter(**pending)
    if own is not None:
        leaves, corrections = leaves.exclude(employee=own), corrections.exclude(employee=own)
    return render(
        request,
        "attendance/self/approvals.html",
        {
            "leaves": leaves.order_by("start_date", "id")[:200],
            "corrections": corrections.order_by("date", "id")[:200],
        },
    )


def _decide(request) -> None:
    kind, decision = request.POST.get("kind"), request.POST.get("decision")
    model = {"leave": LeaveRequest, "correction": Correction}.get(kind)
    object_id = request.POST.get("id", "")
    if model is None or decision not in ("approve", "reject") or not object_id.isdigit():
        messages.error(request, _("Yêu cầu không hợp lệ."))
        return
    obj = get_object_or_404(model.objects.select_related("employee", "employee__unit"), pk=int(object_id))
    require_decider_of(request.user, obj)
    approve, note = decision == "approve", request.POST.get("note", "")
    try:
        if model is LeaveRequest:
            actions.decide_leave(acting_user=request.user, leave=obj, approve=approve, note=note)
        else:
            actions.decide_correction(acting_user=request.user, correction=obj, approve=approve, note=note)
    except AttendanceError as exc:
        messages.error(request, str(exc))
        return
    if approve:
        messages.success(request, _("Đã duyệt đơn của %(name)s.") % {"name": obj.employee.full_name})
    else:
        messages.success(request, _("Đã từ chối đơn của %(name)s.") % {"name": obj.employee.full_name})


# --- today's board ----------------------------------------------------------------------


@login_required
def board(request):
    units = decider_units(request.user).order_by("path")
    code = request.GET.get("unit") or next(iter(units.values_list("code", flat=True)[:1]), None)
    if code is None:
        raise PermissionDenied(_("Chỉ trưởng đơn vị hoặc Phòng Nội vụ được xem bảng chấm công trong ngày."))
    unit = unit_for_decider(request.user, code)
    return render(
        request, "attendance/self/board.html", {"board": reports.day_board(unit), "unit": unit, "units": units}
    )


# --- calendar (HR) ------------------------------------------------------------------------


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Ngày"), widget=DATE)
    kind = forms.ChoiceField(label=gettext_lazy("Loại"), choices=CalendarDay.Kind.choices)
    name = forms.CharField(label=gettext_lazy("Tên"), max_length=200, required=False)
    notice = forms.CharField(
        label=gettext_lazy("Số văn bản"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "12729/VPCP-KGVX"}),
    )
    unit = forms.ChoiceField(label=gettext_lazy("Áp dụng cho"), required=False)

    def __init__(self, *args, units, national: bool, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Lịch chung toàn quốc"))] if national else []
        self.fields["unit"].choices = choices + [(u.code, u.name) for u in units]
        self.fields["unit"].required = not national


class CalendarDayEditForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Loại"), choices=CalendarDay.Kind.choices)
    name = forms.CharField(label=gettext_lazy("Tên"), max_length=200, required=False)
    notice = forms.CharField(label=gettext_lazy("Số văn bản"), max_length=100, required=False)


def _calendar_change(request, year: int):
    """Correct or remove one calendar day (POST action "edit" or "remove")."""
    day_id = request.POST.get("id", "")
    if not day_id.isdigit():
        messages.error(request, _("Yêu cầu không hợp lệ."))
        return None
    day = calendar_day_for_manager(request.user, int(day_id))
    try:
        if request.POST["action"] == "remove":
            actions.remove_calendar_day(acting_user=request.user, day=day)
            messages.success(request, _("Đã xóa ngày %(d)s khỏi lịch.") % {"d": f"{day.date:%d/%m/%Y}"})
            return None
        form = CalendarDayEditForm(request.POST, prefix="edit")
        if not form.is_valid():
            _form_errors(request, form)
            return form
        actions.update_calendar_day(acting_user=request.user, day=day, **form.cleaned_data)
        messages.success(request, _("Đã sửa ngày %(d)s.") % {"d": f"{day.date:%d/%m/%Y}"})
    except AttendanceError as exc:
        messages.error(request, str(exc))
    return None


def _can_change_day(day: CalendarDay, managed_ids: set[int], national: bool) -> bool:
    return national if day.unit_id is None else day.unit_id in managed_ids


@login_required
def calendar(request):
    access.require_role(request.user, Role.Kind.HR_OFFICER)
    year = _year_param(request)
    managed = access.units_for(request.user, write=True).order_by("path")
    national = may_edit_national_calendar(request.user)
    form = CalendarDayForm(units=managed, national=national)
    if request.method == "POST":
        if request.POST.get("action") in ("edit", "remove"):
            _calendar_change(request, year)
            return redirect(f"{reverse('attendance_calendar')}?year={year}")
        if request.POST.get("action") == "seed":
            require_holiday_seeder(request.user)
            try:
                created = actions.seed_holidays(year, acting_user=request.user)
            except AttendanceError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Đã nạp %(n)s ngày lễ, Tết năm %(y)s.") % {"n": created, "y": year})
            return redirect(f"{reverse('attendance_calendar')}?year={year}")
        form = CalendarDayForm(request.POST, units=managed, national=national)
        if form.is_valid():
            data = form.cleaned_data
            unit = managed.get(code=data["unit"]) if data["unit"] else None
            try:
                day = actions.set_calendar_day(
                    acting_user=request.user,
                    date=data["date"],
                    kind=data["kind"],
                    name=data["name"],
                    notice=data["notice"],
                    unit=unit,
                )
            except AttendanceError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Đã lưu ngày %(d)s.") % {"d": f"{day.date:%d/%m/%Y}"})
                return redirect(f"{reverse('attendance_calendar')}?year={day.date.year}")
        else:
            _form_errors(request, form)
    # The national calendar and the days of the units this officer manages.
    days = list(
        CalendarDay.objects.filter(Q(unit__isnull=True) | Q(unit__in=managed), date__year=year)
        .select_related("unit")
        .order_by("date", F("unit__path").asc(nulls_first=True))
    )
    managed_ids = set(managed.values_list("pk", flat=True))
    editing = None
    for day in days:
        day.can_change = _can_change_day(day, managed_ids, national)
        if day.can_change and request.GET.get("edit") == str(day.pk):
            editing = day
            day.edit_form = CalendarDayEditForm(
                initial={"kind": day.kind, "name": day.name, "notice": day.notice}, prefix="edit"
            )
    return render(
        request,
        "attendance/self/calendar.html",
        {"year": year, "days": days, "form": form, "national": national, "editing": editing},
    )


# --- schedules (HR) ---------------------------------------------------------------------


def _month_day(value: str, label: str) -> str:
    match = MONTH_DAY.match(value or "")
    try:
        if match:
            dt.date(2000, int(match[1]), int(match[2]))
            return value
    except ValueError:
        pass
    raise forms.ValidationError(_("%(label)s: ngày trong năm không hợp lệ (MM-DD).") % {"label": label})


class ScheduleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Tên lịch"), max_length=120)
    valid_from = forms.DateField(label=gettext_lazy("Hiệu lực từ"), widget=DATE)
    valid_to = forms.DateField(label=gettext_lazy("Hiệu lực đến"), required=False, widget=DATE)
    weekdays = forms.MultipleChoiceField(
        label=gettext_lazy("Ngày làm việc"),
        choices=WEEKDAYS,
        initial=["0", "1", "2", "3", "4"],
        widget=forms.CheckboxSelectMultiple,
    )
    morning_start = forms.TimeField(label=gettext_lazy("Buổi sáng: vào"), initial="07:30", widget=TIME)
    morning_end = forms.TimeField(label=gettext_lazy("Buổi sáng: ra"), initial="11:30", widget=TIME)
    afternoon_start = forms.TimeField(
        label=gettext_lazy("Buổi chiều: vào"), initial="13:30", required=False, widget=TIME
    )
    afternoon_end = forms.TimeField(label=gettext_lazy("Buổi chiều: ra"), initial="17:00", required=False, widget=TIME)
    season_start = forms.CharField(label=gettext_lazy("Mùa 1 từ (MM-DD)"), required=False, max_length=5)
    season_end = forms.CharField(label=gettext_lazy("Mùa 1 đến (MM-DD)"), required=False, max_length=5)
    season2_start = forms.CharField(label=gettext_lazy("Mùa 2 từ (MM-DD)"), required=False, max_length=5)
    season2_end = forms.CharField(label=gettext_lazy("Mùa 2 đến (MM-DD)"), required=False, max_length=5)
    season2_morning_start = forms.TimeField(label=gettext_lazy("Mùa 2, sáng: vào"), required=False, widget=TIME)
    season2_morning_end = forms.TimeField(label=gettext_lazy("Mùa 2, sáng: ra"), required=False, widget=TIME)
    season2_afternoon_start = forms.TimeField(label=gettext_lazy("Mùa 2, chiều: vào"), required=False, widget=TIME)
    season2_afternoon_end = forms.TimeField(label=gettext_lazy("Mùa 2, chiều: ra"), required=False, widget=TIME)
    late_grace = forms.IntegerField(label=gettext_lazy("Phút đi muộn cho phép"), min_value=0, max_value=120, initial=5)
    early_grace = forms.IntegerField(label=gettext_lazy("Phút về sớm cho phép"), min_value=0, max_value=120, initial=5)
    window_before = forms.IntegerField(
        label=gettext_lazy("Nhận chấm công trước giờ vào (phút)"), min_value=0, max_value=720, initial=60
    )
    window_after = forms.IntegerField(
        label=gettext_lazy("Nhận chấm công sau giờ ra (phút)"), min_value=0, max_value=720, initial=60
    )
    debounce = forms.IntegerField(
        label=gettext_lazy("Gộp các lần chấm liên tiếp trong (phút)"), min_value=0, max_value=60, initial=3
    )
    employees = forms.CharField(
        label=gettext_lazy("Lịch riêng cho cán bộ (mã chấm công, cách nhau bởi dấu phẩy)"), required=False
    )

    def __init__(self, *args, user=None, unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.unit = user, unit

    @staticmethod
    def _pair(data, start: str, end: str, label: str) -> list[dict]:
        if data.get(start) and data.get(end):
            return [{"start": data[start], "end": data[end]}]
        if data.get(start) or data.get(end):
            raise forms.ValidationError(_("%(label)s: cần cả giờ vào và giờ ra.") % {"label": label})
        return []

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        first = self._pair(data, "morning_start", "morning_end", _("Buổi sáng"))
        first += self._pair(data, "afternoon_start", "afternoon_end", _("Buổi chiều"))
        second = self._pair(data, "season2_morning_start", "season2_morning_end", _("Mùa 2, buổi sáng"))
        second += self._pair(data, "season2_afternoon_start", "season2_afternoon_end", _("Mùa 2, buổi chiều"))
        season2 = (data["season2_start"], data["season2_end"])
        if second or any(season2):
            # A second season needs both ranges: the engine picks sessions by season.
            if not (second and all(season2) and data["season_start"] and data["season_end"]):
                raise forms.ValidationError(_("Mùa 2 cần giờ làm việc riêng và khoảng ngày của cả hai mùa (MM-DD)."))
        season1 = (data["season_start"], data["season_end"])
        if any(season1) and not all(season1):
            raise forms.ValidationError(_("Mùa 1 cần cả ngày bắt đầu và ngày kết thúc (MM-DD)."))
        sessions = []
        for (lo, hi), group in ((season1, first), (season2, second)):
            if lo:
                lo, hi = _month_day(lo, _("Từ ngày")), _month_day(hi, _("Đến ngày"))
            for s in group:
                sessions.append({**s, "season_start": lo or "", "season_end": hi or ""})
        data["sessions"] = sessions
        codes = [c for c in re.split(r"[\s,;]+", data.get("employees") or "") if c]
        people = list(access.employees_for(self.user).filter(code__in=codes, unit__path__startswith=self.unit.path))
        missing = sorted(set(codes) - {e.code for e in people})
        if missing:
            raise forms.ValidationError(
                _("Không có cán bộ mã %(codes)s trong đơn vị này.") % {"codes": ", ".join(missing)}
            )
        data["people"] = people
        return data


def schedule_initial(schedule) -> dict | None:
    """The schedule as ScheduleForm's initial data; None when it has more seasons or
    sessions than the form holds (two seasons of a morning and an afternoon)."""
    seasons: dict[tuple[str, str], list] = {}
    for session in sorted(schedule.sessions.all(), key=lambda x: (x.season_start, x.order)):
        seasons.setdefault((session.season_start, session.season_end), []).append(session)
    if len(seasons) > 2 or any(len(group) > 2 for group in seasons.values()):
        return None
    initial = {
        "name": schedule.name,
        "valid_from": schedule.valid_from,
        "valid_to": schedule.valid_to,
        "weekdays": list(schedule.weekdays),
        "late_grace": schedule.late_grace,
        "early_grace": schedule.early_grace,
        "window_before": schedule.window_before,
        "window_after": schedule.window_after,
        "debounce": schedule.debounce,
        "morning_start": None,
        "morning_end": None,
        "afternoon_start": None,
        "afternoon_end": None,
    }
    for prefix, ((lo, hi), group) in zip(("", "season2_"), seasons.items(), strict=False):
        if lo:
            initial[f"{'season' if not prefix else 'season2'}_start"] = lo
            initial[f"{'season' if not prefix else 'season2'}_end"] = hi
        for name, session in zip(("morning", "afternoon"), group, strict=False):
            initial[f"{prefix}{name}_start"] = f"{session.start:%H:%M}"
            initial[f"{prefix}{name}_end"] = f"{session.end:%H:%M}"
    return initial


def _schedule_change(request, unit) -> ScheduleForm | None:
    """Close, remove or correct one schedule (POST action "close", "remove", "edit");
    returns the edit form when it has errors, to show again."""
    schedule_id = request.POST.get("id", "")
    if not schedule_id.isdigit():
        messages.error(request, _("Yêu cầu không hợp lệ."))
        return None
    schedule = schedule_for_manager(request.user, int(schedule_id))
    action = request.POST["action"]
    try:
        if action == "remove":
            actions.remove_schedule(acting_user=request.user, schedule=schedule)
            messages.success(request, _("Đã xóa lịch làm việc %(name)s.") % {"name": schedule.name})
        elif action == "close":
            close = CloseForm(request.POST)
            if not close.is_valid():
                _form_errors(request, close)
                return None
            actions.update_schedule(
                acting_user=request.user, schedule=schedule, valid_to=close.cleaned_data["valid_to"]
            )
            messages.success(request, _("Đã kết thúc hiệu lực lịch %(name)s.") % {"name": schedule.name})
        else:
            form = _edit_form(request.POST, user=request.user, unit=unit)
            if not form.is_valid():
                _form_errors(request, form)
                form.schedule = schedule
                return form
            data = form.cleaned_data
            actions.update_schedule(
                acting_user=request.user,
                schedule=schedule,
                sessions=data["sessions"],
                weekdays="".join(sorted(data["weekdays"])),
                **{name: data[name] for name in actions.SCHEDULE_FIELDS if name != "weekdays"},
            )
            messages.success(request, _("Đã sửa lịch làm việc %(name)s.") % {"name": data["name"]})
    except AttendanceError as exc:
        messages.error(request, str(exc))
    return None


def _edit_form(*args, **kwargs) -> ScheduleForm:
    """ScheduleForm for correcting a schedule: who it applies to does not change."""
    form = ScheduleForm(*args, prefix="edit", **kwargs)
    del form.fields["employees"]
    return form


def _can_change_schedule(user, schedule) -> bool:
    try:
        schedule_for_manager(user, schedule.pk)
    except (PermissionDenied, Http404):
        return False
    return True


@login_required
def schedules(request):
    unit, managed = hr_page_unit(request.user, request.GET.get("unit"))
    can_edit = managed.filter(pk=unit.pk).exists()
    form = ScheduleForm(user=request.user, unit=unit)
    edit_form = None
    if request.method == "POST" and request.POST.get("action") in ("close", "remove", "edit"):
        edit_form = _schedule_change(request, unit)
        if edit_form is None:
            return redirect(f"{reverse('attendance_schedules')}?unit={unit.code}")
    elif request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Bạn không có quyền thay đổi quy định chấm công của đơn vị này."))
        form = ScheduleForm(request.POST, user=request.user, unit=unit)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.create_schedule(
                    acting_user=request.user,
                    unit=unit,
                    name=data["name"],
                    valid_from=data["valid_from"],
                    valid_to=data["valid_to"],
                    weekdays="".join(sorted(data["weekdays"])),
                    sessions=data["sessions"],
                    late_grace=data["late_grace"],
                    early_grace=data["early_grace"],
                    window_before=data["window_before"],
                    window_after=data["window_after"],
                    debounce=data["debounce"],
                    employees=data["people"] or None,
                )
            except AttendanceError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Đã thêm lịch làm việc %(name)s.") % {"name": data["name"]})
                return redirect(f"{reverse('attendance_schedules')}?unit={unit.code}")
        else:
            _form_errors(request, form)
    rows = list(schedules_for(request.user, unit))
    for row in rows:
        row.weekday_names = ", ".join(str(label) for code, label in WEEKDAYS if code in row.weekdays)
        row.can_change = _can_change_schedule(request.user, row)
        if edit_form is None and row.can_change and request.GET.get("edit") == str(row.pk):
            initial = schedule_initial(row)
            if initial is None:
                messages.warning(request, _("Lịch này có nhiều mùa hoặc nhiều buổi hơn biểu mẫu; hãy sửa qua API."))
            else:
                edit_form = _edit_form(initial=initial, user=request.user, unit=unit)
                edit_form.schedule = row
    return render(
        request,
        "attendance/self/schedules.html",
        {
            "unit": unit,
            "units": managed,
            "schedules": rows,
            "form": form,
            "edit_form": edit_form,
            "close_field": CloseForm(auto_id=False)["valid_to"],
            "can_edit": can_edit,
        },
    )
