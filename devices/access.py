"""Access helper for devices: a device belongs to the scope of its unit."""

from __future__ import annotations

from django.http import Http404

from devices.models import Device
from hr_system import access


def devices_for(user, *, write: bool = False):
    """Devices the user may see (or manage). Pending ADMS devices have no unit: admins only."""
    kinds = access.WRITE_KINDS if write else access.READ_KINDS
    q = access.scope_q(user, kinds, field="unit__path")
    devices = Device.objects.select_related("unit")
    return devices if q is None else devices.filter(q)


def get_device_for_user(user, device_id: int, *, write: bool = False) -> Device:
    device = devices_for(user).filter(pk=device_id).first()
    if device is None:
        raise Http404("Không tìm thấy máy chấm công.")
    if write and not devices_for(user, write=True).filter(pk=device.pk).exists():
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Bạn không có quyền quản lý máy chấm công này.")
    return device
