"""transfers' entries in the register of processing of personal data (see
hr_system/privacy.py for the sources and how sure each is)."""

from django.utils.translation import gettext_lazy as _

DECLARATIONS = [
    {
        "key": "transfers.candidates",
        "category": _("Người trong danh sách điều động, luân chuyển: điểm, minh chứng, phản hồi"),
        "sensitive": False,
        "fields": [
            "transfers.Candidate.employee",
            "transfers.Candidate.registry",
            "transfers.Candidate.inputs",
            "transfers.Candidate.total",
            "transfers.Candidate.rank",
            "transfers.Evidence.value",
            "transfers.Objection.text",
        ],
        "purpose": _("Xét điều động, luân chuyển, biệt phái theo bộ tiêu chí"),
        "legal_basis": _("Quy định về điều động, luân chuyển cán bộ, công chức, viên chức (Luật Cán bộ, công chức)"),
        "retention": _("Cùng hồ sơ đợt điều động"),
        "who_can_see": _("Chính người đó khi đợt đã công khai; Phòng Nội vụ trong phạm vi"),
        "retention_days": None,
    },
    {
        "key": "transfers.leader_selection",
        "category": _("Người dự thi tuyển lãnh đạo và điểm của hội đồng"),
        "sensitive": False,
        "fields": ["transfers.LeaderCandidate.employee", "transfers.PanelScore.score"],
        "purpose": _("Thi tuyển chức danh lãnh đạo, quản lý"),
        "legal_basis": _("Quy định về thi tuyển lãnh đạo, quản lý (văn bản cụ thể chưa đối chiếu)"),
        "retention": _("Cùng hồ sơ kỳ thi tuyển"),
        "who_can_see": _("Hội đồng thi tuyển; Phòng Nội vụ, hội đồng thi trong phạm vi"),
        "retention_days": None,
    },
]
