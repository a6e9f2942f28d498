"""assessments' part of a person's own-data export (hr_system.personal_data): their exam
attempts and results, and their re-marking requests.

Only what the candidate may already see: the score, pass and rank of an attempt follow
the same rule as the candidate's result page (Exam.results_visible: an "immediate" exam,
or one whose results are published; the rank only once published, as
results.candidate_result shows it). No question, answer or key is exported: the items
of an exam still running are secret (Circular 22/2025/TT-BNV), and an answer key is the
board's, not the candidate's personal data.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from assessments.models import Attempt, RemarkRequest
from hr_system.models import Employee


def _attempts(employee: Employee) -> dict:
    rows = []
    attempts = (
        Attempt.objects.filter(employee=employee).select_related("exam", "sitting").order_by("exam__opens_at", "pk")
    )
    for a in attempts:
        exam = a.exam
        visible = exam.results_visible() and a.status == Attempt.Status.FINALIZED
        rows.append(
            [
                exam.title,
                exam.get_purpose_display(),
                a.sitting.name if a.sitting else "",
                a.seat,
                a.get_status_display(),
                a.checked_in_at,
                a.started_at,
                a.finalized_at,
                a.answered,
                a.score if visible else None,
                a.max_score if visible else None,
                a.passed if visible else None,
                a.rank if visible and exam.published_at else None,
                a.recruited if exam.purpose == exam.Purpose.RECRUITMENT and exam.published_at else None,
            ]
        )
    return {
        "key": "assessments.attempts",
        "title": _("Bài thi và kết quả"),
        "columns": [
            _("Kỳ thi"),
            _("Mục đích"),
            _("Ca thi"),
            _("Máy thi"),
            _("Trạng thái"),
            _("Xác nhận danh tính lúc"),
            _("Bắt đầu lúc"),
            _("Nộp bài lúc"),
            _("Số câu đã trả lời"),
            _("Điểm"),
            _("Điểm tối đa"),
            _("Đạt"),
            _("Xếp hạng"),
            _("Trúng tuyển"),
        ],
        "rows": rows,
        "note": _(
            "Điểm và kết quả chỉ có khi kỳ thi đã cho phép thí sinh xem; nội dung câu hỏi và đáp án không "
            "thuộc dữ liệu này."
        ),
    }


def _remarks(employee: Employee) -> dict:
    rows = [
        [r.attempt.exam.title, r.requested_at, r.reason, r.get_status_display(), r.decided_at, r.decision]
        for r in RemarkRequest.objects.filter(attempt__employee=employee)
        .select_related("attempt__exam")
        .order_by("requested_at", "pk")
    ]
    return {
        "key": "assessments.remarks",
        "title": _("Đề nghị phúc khảo"),
        "columns": [_("Kỳ thi"), _("Ngày gửi"), _("Lý do"), _("Trạng thái"), _("Ngày kết luận"), _("Kết luận")],
        "rows": rows,
    }


def sections(employee: Employee) -> list[dict]:
    return [_attempts(employee), _remarks(employee)]
