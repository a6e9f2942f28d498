"""assessments' entries in the register of processing of personal data (see
hr_system/privacy.py for the sources and how sure each is)."""

from django.utils.translation import gettext_lazy as _

DECLARATIONS = [
    {
        "key": "assessments.candidates",
        "category": _("Danh tính thí sinh: họ tên, mã, số định danh đối chiếu khi vào phòng thi, máy thi"),
        "sensitive": False,
        "fields": [
            "assessments.Attempt.employee",
            "assessments.Attempt.seat",
            "assessments.Attempt.checked_in_at",
            "assessments.Attempt.recruited",
        ],
        "purpose": _("Tổ chức kỳ thi, xác nhận danh tính thí sinh, công bố kết quả"),
        "legal_basis": _(
            "Quy chế thi tuyển, kiểm tra năng lực (Thông tư 22/2025/TT-BNV — điều khoản chưa đối chiếu); "
            "thi tuyển dụng theo Nghị định 138/2020/NĐ-CP"
        ),
        "retention": _(
            "Thi đánh giá năng lực: cùng hồ sơ cán bộ. Thi tuyển dụng: thí sinh không trúng tuyển được ẩn danh "
            "sau hạn phúc khảo cộng số ngày của kỳ thi (Exam.anonymise_after_days)"
        ),
        "who_can_see": _("Chính thí sinh; hội đồng thi trong phạm vi; giám thị của ca thi"),
        "retention_days": None,
    },
    {
        "key": "assessments.answers",
        "category": _("Bài làm, điểm, xếp hạng, sự kiện trong khi thi"),
        "sensitive": False,
        "fields": [
            "assessments.Response.selected",
            "assessments.Attempt.score",
            "assessments.Attempt.passed",
            "assessments.Attempt.rank",
            "assessments.AttemptEvent.detail",
            "assessments.RemarkRequest.reason",
        ],
        "purpose": _("Chấm điểm, phúc khảo, thống kê câu hỏi"),
        "legal_basis": _("Quy chế thi; kết quả thi là hồ sơ của kỳ thi (niêm phong ca thi)"),
        "retention": _(
            "Giữ cùng hồ sơ kỳ thi; sau khi ẩn danh thí sinh, bài làm và điểm vẫn giữ nhưng không còn gắn với danh tính"
        ),
        "who_can_see": _("Chính thí sinh (khi kỳ thi cho xem kết quả); hội đồng thi trong phạm vi"),
        "retention_days": None,
    },
]
