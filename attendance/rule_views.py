"""The unit rules page (HR): when attendance tracking starts (go-live), how a session
with a single punch counts, and the discipline thresholds — all effective-dated data
set per unit and inherited down the tree. The same access helpers and actions as the
API; errors become messages beside the form.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attendance import actions, engine
from attendance.access import hr_page_unit, require_rule_manager, unit_rule_for_manager
from attendance.actions import AttendanceError
from attendance.forms import CloseForm
from attendance.models import DisciplineRule, SinglePunchRule, tracking_table
from hr_system import widgets
from hr_system.models import OrgUnit


class TrackingStartForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Bắt đầu theo dõi chấm công từ ngày"), widget=widgets.DateInput())
    note = forms.CharField(label=gettext_lazy("Ghi chú"), max_length=200, required=False)


class SinglePunchForm(forms.Form):
    option = forms.ChoiceField(
        label=gettext_lazy("Buổi chỉ có một lượt chấm công"), choices=SinglePunchRule.Option.choices
    )
    valid_from = forms.DateField(label=gettext_lazy("Áp dụng từ ngày"), widget=widgets.DateInput())
    valid_to = forms.DateField(
        label=gettext_lazy("Đến ngày (bỏ trống: không thời hạn)"), required=False, widget=widgets.DateInput()
    )


class DisciplineRuleForm(forms.Form):
    metric = forms.ChoiceField(label=gettext_lazy("Chỉ tiêu trong tháng"), choices=DisciplineRule.Metric.choices)
    threshold = forms.IntegerField(
        label=gettext_lazy("Từ (lần, phút hoặc ngày) trở lên"), min_value=1, max_value=100000
    )
    # Not "action": that name carries what the page's POST asks for.
    measure = forms.CharField(
        label=gettext_lazy("Biện pháp"), max_length=200, initial=gettext_lazy("Nhắc nhở bằng văn bản")
    )
    valid_from = forms.DateField(label=gettext_lazy("Hiệu lực từ"), widget=widgets.DateInput())
    valid_to = forms.DateField(
        label=gettext_lazy("Hiệu lực đến (bỏ trống: không thời hạn)"), required=False, widget=widgets.DateInput()
    )


def _errors(request, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _rule_id(request) -> int:
    value = request.POST.get("id", "")
    if not value.isdigit():
        raise PermissionDenied(_("Yêu cầu không hợp lệ."))
    return int(value)


def _kept_message(request, months) -> None:
    if months:
        messages.warning(
            request,
            _("Các tháng đã khóa sổ giữ nguyên số liệu đã duyệt: %(m)s.")
            % {"m": ", ".join(f"{m:%m/%Y}" for m in months)},
        )


def _post(request, unit: OrgUnit) -> tuple[forms.Form | None, str]:
    """Carry out one POST of the page; returns (a form with errors to show again, its
    name), or (None, "") when the page should simply be shown again."""
    action = request.POST.get("action", "")
    user = request.user
    if action == "tracking_start":
        form = TrackingStartForm(request.POST)
        if not form.is_valid():
            return form, "tracking_form"
        kept = actions.set_tracking_start(
            acting_user=user, unit=unit, date=form.cleaned_data["date"], note=form.cleaned_data["note"]
        )
        messages.success(
            request, _("Đã đặt ngày bắt đầu theo dõi chấm công %(d)s.") % {"d": f"{form.cleaned_data['date']:%d/%m/%Y}"}
        )
        _kept_message(request, kept)
    elif action == "tracking_remove":
        _kept_message(request, actions.set_tracking_start(acting_user=user, unit=unit, date=None))
        messages.success(request, _("Đã bỏ ngày riêng của đơn vị; đơn vị theo ngày của cấp trên."))
    elif action == "single_punch":
        form = SinglePunchForm(request.POST)
        if not form.is_valid():
            return form, "single_punch_form"
        actions.set_single_punch_rule(acting_user=user, unit=unit, **form.cleaned_data)
        messages.success(request, _("Đã lưu cách tính buổi chỉ có một lượt chấm công."))
    elif action == "discipline_add":
        form = DisciplineRuleForm(request.POST)
        if not form.is_valid():
            return form, "discipline_form"
        data = dict(form.cleaned_data)
        actions.add_discipline_rule(acting_user=user, unit=unit, action=data.pop("measure"), **data)
        messages.success(request, _("Đã thêm quy định."))
    elif action in ("single_punch_close", "discipline_close"):
        model = SinglePunchRule if action == "single_punch_close" else DisciplineRule
        rule = unit_rule_for_manager(user, model, _rule_id(request))
        form = CloseForm(request.POST)
        if not form.is_valid():
            _errors(request, form)
            return None, ""
        close = actions.close_single_punch_rule if model is SinglePunchRule else actions.close_discipline_rule
        close(acting_user=user, rule=rule, valid_to=form.cleaned_data["valid_to"])
        messages.success(request, _("Đã kết thúc hiệu lực quy định."))
    elif action in ("single_punch_remove", "discipline_remove"):
        model = SinglePunchRule if action == "single_punch_remove" else DisciplineRule
        rule = unit_rule_for_manager(user, model, _rule_id(request))
        remove = actions.remove_single_punch_rule if model is SinglePunchRule else actions.remove_discipline_rule
        remove(acting_user=user, rule=rule)
        messages.success(request, _("Đã xóa quy định."))
    else:
        messages.error(request, _("Yêu cầu không hợp lệ."))
    return None, ""


@login_required
def unit_rules(request):
    """Go-live date, single-punch option and discipline thresholds of a unit (HR)."""
    unit, managed = hr_page_unit(request.user, request.GET.get("unit"))
    require_rule_manager(request.user, unit)
    forms_ = {
        "tracking_form": TrackingStartForm(),
        "single_punch_form": SinglePunchForm(),
        "discipline_form": DisciplineRuleForm(),
    }
    status = 200
    if request.method == "POST":
        try:
            bad, name = _post(request, unit)
        except AttendanceError as exc:
            messages.error(request, str(exc))
            status = 400
        else:
            if bad is None:
                return redirect(f"{reverse('attendance_rules')}?unit={unit.code}")
            _errors(request, bad)
            forms_[name] = bad
            status = 400
    chain = engine.ancestor_ids(unit)
    context = {
        "unit": unit,
        "units": managed,
        "tracking": tracking_table([unit])[0],
        "subunits": tracking_table(
            OrgUnit.objects.filter(path__startswith=unit.path).exclude(pk=unit.pk).order_by("path")
        ),
        "single_punch_rules": SinglePunchRule.objects.filter(unit_id__in=chain)
        .select_related("unit")
        .order_by("unit__depth", "-valid_from"),
        "discipline_rules": DisciplineRule.objects.filter(unit_id__in=chain)
        .select_related("unit")
        .order_by("unit__depth", "metric", "-valid_from"),
        # One unnamed field per row (auto_id off: no duplicate ids on the page).
        "close_form": CloseForm(auto_id=False),
        **forms_,
    }
    return render(request, "attendance/rules.html", context, status=status)
