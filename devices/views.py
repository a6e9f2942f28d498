"""Device pages: health board, one device's history, registering a clock, the punch list."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from devices.access import (
    MATCH_LABELS,
    MATCHED,
    can_register_devices,
    check_date_range,
    devices_for,
    get_device_for_user,
    punch_match,
    punches_for,
    units_for_devices,
    with_visibility,
)
from devices.models import Device
from hr_system import access, widgets
from hr_system.forms import ErrorsBesideFields
from hr_system.models import AuditLog


class DeviceForm(forms.ModelForm):
    comm_key = forms.IntegerField(
        label=gettext_lazy("Mật khẩu kết nối"),
        required=False,
        min_value=0,
        widget=forms.PasswordInput(render_value=False),
    )

    class Meta:
        model = Device
        fields = [
            "name",
            "unit",
            "host",
            "port",
            "transport",
            "timezone",
            "poll_interval",
            "clock_policy",
            "log_policy",
            "serial_number",
            "extra_units",
            "accepts_subtree",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Every unit offered is one the user manages: a clock counts the punches of its
        # units' people only, and an officer cannot widen that beyond their own scope.
        for name in ("unit", "extra_units", "accepts_subtree"):
            self.fields[name].queryset = units_for_devices(user).order_by("path")
        self.fields["unit"].required = True

    def clean(self):
        data = super().clean()
        if data.get("transport") == Device.Transport.PUSH and not data.get("serial_number"):
            self.add_error("serial_number", _("Máy ADMS cần số serial: máy lạ không được nhận dữ liệu."))
        return data


@login_required
def device_list(request):
    if not access.has_role(request.user, *access.READ_KINDS):
        return redirect("dashboard")
    devices = list(devices_for(request.user).order_by("name"))
    # A file-import source is no clock: listed apart, never online or offline.
    rows = [(d, d.health()) for d in devices if not d.file_source]
    rows.sort(key=lambda r: (not r[1].alerts, r[0].name))
    file_sources = [d for d in devices if d.file_source]
    in_use = [h for d, h in rows if d.enabled and d.approved]
    counts = {"total": len(in_use), "online": sum(1 for h in in_use if h.online)}
    counts["offline"] = counts["total"] - counts["online"]
    form = None
    if can_register_devices(request.user):
        form = DeviceForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            device = form.save(commit=False)
            device.comm_key = form.cleaned_data.get("comm_key") or 0
            device.save()
            form.save_m2m()
            AuditLog.record(user=request.user, action="device.create", obj=device)
            messages.success(request, _("Đã thêm máy chấm công %(n)s.") % {"n": device.name})
            return redirect("device_list")
    return render(
        request,
        "devices/device_list.html",
        {"rows": rows, "form": form, "file_sources": file_sources, "counts": counts},
    )


@login_required
def device_detail(request, device_id: int):
    device = get_device_for_user(request.user, device_id)
    runs = device.sync_runs.order_by("-started_at")[:30]
    punches = with_visibility(request.user, device.punches.select_related("employee")).order_by("-timestamp", "-id")
    # A person is named only if the viewer may see them and the clock serves them; any
    # other code reads "mã khác đơn vị" (no other unit's name on this page).
    rows = []
    for punch in punches[:50]:
        match = punch_match(punch)
        name = punch.employee.full_name if match == MATCHED else ""
        rows.append({"punch": punch, "name": name, "label": MATCH_LABELS[match]})
    return render(
        request,
        "devices/device_detail.html",
        {"device": device, "health": device.health(), "runs": runs, "punch_rows": rows},
    )


class PunchFilterForm(ErrorsBesideFields, forms.Form):
    """The punch list's filters; dates are work days (local dates), both inclusive."""

    date_from = forms.DateField(label=gettext_lazy("Từ ngày"), required=False, widget=widgets.DateInput())
    date_to = forms.DateField(label=gettext_lazy("Đến ngày"), required=False, widget=widgets.DateInput())
    employee = forms.CharField(label=gettext_lazy("Mã chấm công"), required=False, max_length=9)
    device = forms.ModelChoiceField(
        label=gettext_lazy("Máy chấm công"),
        queryset=Device.objects.none(),
        required=False,
        empty_label=gettext_lazy("Mọi máy"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["device"].queryset = devices_for(user).order_by("name")
        self.fields["device"].error_messages["invalid_choice"] = _("Không có máy chấm công này trong phạm vi của bạn.")

    def clean(self):
        data = super().clean()
        problem = check_date_range(data.get("date_from"), data.get("date_to"))
        if problem:
            self.add_error("date_to", problem)
        return data


PUNCHES_PER_PAGE = 100


@login_required
def punch_list(request):
    """Raw punches in view, newest first, by work days, employee code and clock."""
    if not access.has_role(request.user, *access.READ_KINDS):
        raise PermissionDenied(_("Bạn không có quyền xem lượt chấm công của đơn vị."))
    form = PunchFilterForm(request.GET or None, user=request.user)
    page = None
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        device = data.get("device")
        try:
            punches = punches_for(
                request.user,
                employee=(data.get("employee") or "").strip() or None,
                device=device.pk if device else None,
                date_from=data.get("date_from"),
                date_to=data.get("date_to"),
            )
        except Http404:
            form.add_error("employee", _("Không tìm thấy cán bộ có mã này trong phạm vi của bạn."))
        else:
            page = Paginator(punches.order_by("-timestamp", "-id"), PUNCHES_PER_PAGE).get_page(request.GET.get("page"))
            for punch in page.object_list:
                punch.match = punch_match(punch)
                punch.label = MATCH_LABELS[punch.match]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "devices/punch_list.html", {"form": form, "page": page, "query": query.urlencode()})
