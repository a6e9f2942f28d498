"""What devices add to the dashboard (hr_system.panels): the clocks to look at.

Registered in DevicesConfig.ready(). Only clocks the viewer may see (devices.access),
never a file-import source: it has no connection to lose.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from devices.access import devices_for
from devices.health import CAPACITY_ALERT_PERCENT
from hr_system import access
from hr_system.models import Role
from hr_system.panels import Item, Panel


def clocks_to_check(request) -> Panel | None:
    """Clocks offline, near their record capacity, or (administrators) waiting for approval."""
    user = request.user
    # Those who run attendance look after its clocks; the exam board does not.
    if not access.has_role(user, Role.Kind.HR_OFFICER, Role.Kind.UNIT_HEAD):
        return None
    clocks = list(devices_for(user).clocks().filter(enabled=True).order_by("name"))
    if not clocks:
        return None
    items = []
    offline = 0
    for device in clocks:
        url = reverse("device_detail", args=[device.pk])
        if not device.approved:
            items.append(Item(device.name, url, level="warn", note=_("chờ duyệt")))
            continue
        health = device.health()
        notes = []
        if not health.online:
            offline += 1
            if health.offline_minutes is None:
                notes.append(_("chưa từng kết nối"))
            else:
                notes.append(_("mất kết nối %(m)s phút") % {"m": health.offline_minutes})
        if health.capacity_percent is not None and health.capacity_percent >= CAPACITY_ALERT_PERCENT:
            notes.append(_("bộ nhớ đã dùng %(p)s%%") % {"p": number_format(health.capacity_percent, 1)})
        if notes:
            items.append(Item(device.name, url, level="error" if not health.online else "warn", note="; ".join(notes)))
    items.sort(key=lambda i: i.level != "error")  # offline first, then the rest by name
    return Panel(
        _("Máy chấm công: %(off)d/%(n)d mất kết nối") % {"off": offline, "n": len(clocks)},
        items,
        empty=_("Mọi máy chấm công đều hoạt động bình thường."),
        more_url=reverse("device_list"),
        more_text=_("Tình trạng máy chấm công"),
        order=20,
        key="may-cham-cong",
    )
