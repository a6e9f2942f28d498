"""What the devices app processes, for the processing register (hr_system's privacy page).

Legal references (checked against published texts where noted in the report):
Law 91/2025/QH15 on Personal Data Protection, in force 1/1/2026: Art. 2 (basic and
sensitive personal data, each listed by the Government), Art. 4 (the data subject's
right to consent, to refuse and to withdraw consent); Decree 356/2025/NĐ-CP Art. 4 (the
list of sensitive personal data).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from devices.retention import TEMPLATE_RETENTION

DECLARATIONS: list[dict] = [
    {
        "key": "finger_templates",
        "category": _("Dữ liệu sinh trắc học (mẫu vân tay)"),
        "sensitive": True,
        "fields": ["devices.FingerTemplate.template"],
        "purpose": _(
            "Chép mẫu vân tay của cán bộ từ máy đã đăng ký sang các máy chấm công khác của đơn vị, "
            "để chấm công. Chỉ khi bật STORE_FINGER_TEMPLATES (mặc định tắt: mẫu chỉ nằm trên máy chấm công)."
        ),
        "legal_basis": _(
            "Sự đồng ý của cán bộ cho mục đích chấm công bằng vân tay, ghi tại hồ sơ cán bộ "
            "(Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15, Điều 2, Điều 4; Nghị định 356/2025/NĐ-CP, Điều 4)."
        ),
        "retention": _(
            "Mã hóa khi lưu. Xóa %(days)d ngày sau ngày nghỉ việc, xóa ngay khi cán bộ rút lại sự đồng ý, "
            "xóa toàn bộ khi tắt lưu tập trung; đồng thời gửi lệnh xóa tới máy chấm công ADMS."
        )
        % {"days": TEMPLATE_RETENTION[-1].days},
        "who_can_see": _(
            "Không ai xem được trên giao diện. Chỉ tiến trình đồng bộ đọc để chép xuống máy chấm công; "
            "mỗi lần đọc được ghi nhật ký (TemplateAccess)."
        ),
        "retention_days": TEMPLATE_RETENTION[-1].days,
    },
    {
        "key": "finger_template_access",
        "category": _("Nhật ký truy cập mẫu vân tay"),
        "sensitive": False,
        "fields": [
            "devices.TemplateAccess.device_user_id",
            "devices.TemplateAccess.user",
            "devices.TemplateAccess.at",
        ],
        "purpose": _("Chứng minh mỗi lần mẫu vân tay được đọc hoặc chép: ai, cho mục đích gì, tới máy nào, khi nào."),
        "legal_basis": _(
            "Nghĩa vụ bảo đảm an toàn dữ liệu cá nhân nhạy cảm của bên kiểm soát dữ liệu (Luật 91/2025/QH15)."
        ),
        "retention": _("Giữ cùng nhật ký thao tác; không chứa mẫu vân tay."),
        "who_can_see": _("Quản trị hệ thống."),
        "retention_days": None,
    },
]
