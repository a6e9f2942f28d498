"""Device pages: health board, one device's history, registering a clock."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from devices.access import can_register_devices, devices_for, get_device_for_user, units_for_devices
from devices.models import Device
from hr_system import access
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
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for_devices(user).order_by("path")
        self.fields["unit"].required = True


@login_required
def device_list(request):
    if not access.has_role(request.user, *access.READ_KINDS):
        return redirect("dashboard")
    devices = list(devices_for(request.user).order_by("name"))
    rows = [(d, d.health()) for d in devices]
    rows.sort(key=lambda r: (not r[1].alerts, r[0].name))
    form = None
    if can_register_devices(request.user):
        form = DeviceForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            device = form.save(commit=False)
            device.comm_key = form.cleaned_data.get("comm_key") or 0
            device.save()
            AuditLog.record(user=request.user, action="device.create", obj=device)
            messages.success(request, _("Đã thêm máy chấm công %(n)s.") % {"n": device.name})
            return redirect("device_list")
    return render(request, "devices/device_list.html", {"rows": rows, "form": form})


@login_required
def device_detail(request, device_id: int):
    device = get_device_for_user(request.user, device_id)
    runs = device.sync_runs.order_by("-started_at")[:30]
    punches = device.punches.select_related("employee").order_by("-timestamp")[:50]
    return render(
        request,
        "devices/device_detail.html",
        {"device": device, "health": device.health(), "runs": runs, "punches": punches},
    )
