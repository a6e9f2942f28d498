"""What hr_system processes, for the processing register (helper "privacy" adds the other
entries; see devices/privacy.py for the shared format)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

DECLARATIONS: list[dict] = [
    {
        "key": "consents",
        "category": _("Sự đồng ý xử lý dữ liệu cá nhân"),
        "sensitive": False,
        "fields": [
            "hr_system.Consent.purpose",
            "hr_system.Consent.given_at",
            "hr_system.Consent.evidence",
            "hr_system.Consent.withdrawn_at",
        ],
        "purpose": _(
            "Ghi nhận cán bộ đồng ý (hoặc rút lại sự đồng ý) cho từng mục đích xử lý dữ liệu, "
            "như chấm công bằng vân tay, để chứng minh căn cứ xử lý."
        ),
        "legal_basis": _(
            "Quyền đồng ý, không đồng ý và rút lại sự đồng ý của chủ thể dữ liệu "
            "(Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15, Điều 4)."
        ),
        "retention": _("Giữ cùng hồ sơ cán bộ; sự đồng ý đã rút lại vẫn được giữ để chứng minh thời điểm rút."),
        "who_can_see": _("Cán bộ Phòng Nội vụ trong phạm vi đơn vị quản lý, và chính cán bộ đó."),
        "retention_days": None,
    },
]
