"""attendance's entries in the register of processing of personal data (see
hr_system/privacy.py for the sources and how sure each is). Punches are devices' records;
the day results derived from them, leave and corrections are attendance's."""

from django.utils.translation import gettext_lazy as _

DECLARATIONS = [
    {
        "key": "attendance.punches",
        "category": _("Lượt chấm công (giờ chấm, máy chấm) gắn với từng người"),
        "sensitive": False,
        "fields": [
            "devices.Punch.employee",
            "devices.Punch.timestamp",
            "devices.Punch.device_user_id",
        ],
        "purpose": _("Lập bảng chấm công (mẫu C01-HD), theo dõi kỷ luật lao động"),
        "legal_basis": _(
            "Quản lý thời giờ làm việc của cán bộ, công chức (Bộ luật Lao động, Luật Cán bộ, công chức); "
            "chứng từ chấm công là chứng từ kế toán (Thông tư 107/2017/TT-BTC — chưa đối chiếu thời hạn lưu)"
        ),
        "retention": _("Theo thời hạn lưu chứng từ kế toán"),
        "who_can_see": _("Chính người đó; thủ trưởng đơn vị và Phòng Nội vụ trong phạm vi"),
        "retention_days": None,
    },
    {
        "key": "attendance.day_results",
        "category": _("Kết quả chấm công theo ngày: đi muộn, về sớm, vắng"),
        "sensitive": False,
        "fields": [
            "attendance.DayResult.employee",
            "attendance.DayResult.status",
            "attendance.DayResult.late_minutes",
            "attendance.DayResult.early_minutes",
            "attendance.DayResult.absent_units",
        ],
        "purpose": _("Bảng chấm công, báo cáo kỷ luật lao động, đánh giá cán bộ"),
        "legal_basis": _("Quản lý thời giờ làm việc của cán bộ, công chức"),
        "retention": _("Theo thời hạn lưu chứng từ kế toán"),
        "who_can_see": _("Chính người đó; thủ trưởng đơn vị và Phòng Nội vụ trong phạm vi"),
        "retention_days": None,
    },
    {
        "key": "attendance.requests",
        "category": _("Đơn xin nghỉ, đề nghị điều chỉnh chấm công và lý do (có thể gồm tình trạng sức khỏe)"),
        "sensitive": True,
        "fields": [
            "attendance.LeaveRequest.reason",
            "attendance.LeaveRequest.leave_type",
            "attendance.LeaveRequest.attachment",
            "attendance.Correction.reason",
        ],
        "purpose": _("Duyệt nghỉ phép, nghỉ chế độ và điều chỉnh chấm công"),
        "legal_basis": _(
            "Chế độ nghỉ của cán bộ, công chức (Bộ luật Lao động, Luật Bảo hiểm xã hội); lý do nghỉ ốm có thể là "
            "dữ liệu sức khỏe — dữ liệu nhạy cảm (Nghị định 356/2025/NĐ-CP Điều 4, chưa đối chiếu văn bản gốc)"
        ),
        "retention": _("Theo thời hạn lưu chứng từ kế toán"),
        "who_can_see": _("Chính người đó; người duyệt (thủ trưởng, Phòng Nội vụ) trong phạm vi"),
        "retention_days": None,
    },
]
