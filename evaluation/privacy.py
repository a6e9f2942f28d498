"""evaluation's entries in the register of processing of personal data (see
hr_system/privacy.py for the sources and how sure each is)."""

from django.utils.translation import gettext_lazy as _

DECLARATIONS = [
    {
        "key": "evaluation.evaluations",
        "category": _("Phiếu đánh giá, xếp loại chất lượng: điểm, nhận xét, minh chứng chấm công và kết quả thi"),
        "sensitive": False,
        "fields": [
            "evaluation.Evaluation.employee",
            "evaluation.Evaluation.self_scores",
            "evaluation.Evaluation.self_comment",
            "evaluation.Evaluation.manager_scores",
            "evaluation.Evaluation.manager_comment",
            "evaluation.Evaluation.review_note",
            "evaluation.Evaluation.total",
            "evaluation.Evaluation.classification",
            "evaluation.Evaluation.evidence",
            "evaluation.Evaluation.task_results",
            "evaluation.Assignment.employee",
            "evaluation.ProductResult.quantity_done",
            "evaluation.ProductResult.objective_cause",
        ],
        "purpose": _("Theo dõi, đánh giá, xếp loại chất lượng công chức, viên chức hằng tháng, quý và năm"),
        "legal_basis": _("Nghị định 335/2025/NĐ-CP (công chức); Nghị định 233/2026/NĐ-CP (viên chức)"),
        "retention": _("Cùng hồ sơ cán bộ, công chức, viên chức"),
        "who_can_see": _("Chính người đó; thủ trưởng và Phòng Nội vụ trong phạm vi"),
        "retention_days": None,
    },
    {
        "key": "evaluation.discipline",
        "category": _("Quyết định kỷ luật (hình thức, số và ngày quyết định)"),
        "sensitive": False,
        "fields": [
            "evaluation.DisciplinaryMeasure.employee",
            "evaluation.DisciplinaryMeasure.level",
            "evaluation.DisciplinaryMeasure.decision_number",
            "evaluation.DisciplinaryMeasure.effective_from",
            "evaluation.DisciplinaryMeasure.note",
        ],
        "purpose": _("Áp dụng quy định: bị kỷ luật trong năm thì xếp loại không hoàn thành nhiệm vụ"),
        "legal_basis": _("Nghị định 335/2025/NĐ-CP, Điều 20; Nghị định 90/2020/NĐ-CP sửa đổi bởi 48/2023/NĐ-CP"),
        "retention": _("Cùng hồ sơ cán bộ, công chức, viên chức"),
        "who_can_see": _("Phòng Nội vụ và thủ trưởng trong phạm vi"),
        "retention_days": None,
    },
]
