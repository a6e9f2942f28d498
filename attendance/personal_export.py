"""attendance's part of a person's own-data export (hr_system.personal_data): their clock
punches (devices' raw records, attributed to them), day results, leave requests and
punch corrections. A few queries whatever the number of rows: a year of punches is about
a thousand rows, one query, grouped per day."""

from __future__ import annotations

from itertools import groupby

from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.models import Correction, DayResult, LeaveRequest
from devices.models import Punch
from hr_system.models import Employee


def _punches(employee: Employee) -> dict:
    rows = []
    punches = (
        Punch.objects.filter(employee=employee)
        .order_by("timestamp", "id")
        .values_list("timestamp", "device__name", "source")
    )
    sources = dict(Punch.Source.choices)
    for day, group in groupby(punches, key=lambda p: timezone.localdate(p[0])):
        group = list(group)
        times = ", ".join(f"{timezone.localtime(at):%H:%M:%S} ({device})" for at, device, _source in group)
        kinds = sorted({str(sources.get(source, source)) for _at, _device, source in group})
        rows.append([day, len(group), times, ", ".join(kinds)])
    return {
        "key": "attendance.punches",
        "title": _("Lượt chấm công"),
        "columns": [_("Ngày"), _("Số lượt"), _("Giờ chấm (máy chấm công)"), _("Nguồn")],
        "rows": rows,
    }


def _day_results(employee: Employee) -> dict:
    statuses = dict(DayResult.Status.choices)
    rows = [
        [date, str(statuses.get(status, status)), symbol, late, early, worked, absent, corrected]
        for date, status, symbol, late, early, worked, absent, corrected in DayResult.objects.filter(employee=employee)
        .order_by("date")
        .values_list(
            "date",
            "status",
            "symbol",
            "late_minutes",
            "early_minutes",
            "worked_minutes",
            "absent_units",
            "corrected",
        )
    ]
    return {
        "key": "attendance.day_results",
        "title": _("Kết quả chấm công theo ngày"),
        "columns": [
            _("Ngày"),
            _("Tình trạng"),
            _("Ký hiệu"),
            _("Đi muộn (phút)"),
            _("Về sớm (phút)"),
            _("Thời gian làm việc (phút)"),
            _("Vắng không lý do (ngày)"),
            _("Đã điều chỉnh"),
        ],
        "rows": rows,
    }


def _leave(employee: Employee) -> dict:
    rows = [
        [
            r.requested_at,
            r.get_leave_type_display(),
            r.start_date,
            r.end_date,
            r.get_portion_display(),
            r.reason,
            r.get_status_display(),
            r.decided_at,
            r.decision_note,
            bool(r.attachment),
        ]
        for r in LeaveRequest.objects.filter(employee=employee).order_by("start_date", "pk")
    ]
    return {
        "key": "attendance.leave_requests",
        "title": _("Đơn xin nghỉ"),
        "columns": [
            _("Ngày gửi"),
            _("Loại nghỉ"),
            _("Từ ngày"),
            _("Đến ngày"),
            _("Thời gian"),
            _("Lý do"),
            _("Trạng thái"),
            _("Ngày quyết định"),
            _("Ghi chú của người duyệt"),
            _("Có tệp đính kèm"),
        ],
        "rows": rows,
    }


def _corrections(employee: Employee) -> dict:
    rows = [
        [
            c.requested_at,
            c.date,
            c.get_kind_display(),
            c.get_session_display(),
            c.time_in,
            c.time_out,
            c.reason,
            c.get_status_display(),
            c.decided_at,
            c.decision_note,
        ]
        for c in Correction.objects.filter(employee=employee).order_by("date", "pk")
    ]
    return {
        "key": "attendance.corrections",
        "title": _("Đề nghị điều chỉnh chấm công"),
        "columns": [
            _("Ngày gửi"),
            _("Ngày"),
            _("Loại"),
            _("Buổi"),
            _("Giờ vào"),
            _("Giờ ra"),
            _("Lý do"),
            _("Trạng thái"),
            _("Ngày quyết định"),
            _("Ghi chú của người duyệt"),
        ],
        "rows": rows,
    }


def sections(employee: Employee) -> list[dict]:
    return [_punches(employee), _day_results(employee), _leave(employee), _corrections(employee)]
