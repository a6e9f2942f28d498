"""Anonymise recruitment candidates who were not recruited: `anonymise_candidates
[--once | --loop]`.

A worker in the style of finalize_attempts (hr_system.workers.Worker): each round takes
the recruitment exams whose anonymisation day has come (results published, re-marking
window closed, no request pending, the exam's delay passed; assessments.recruitment)
and anonymises each, one exam per transaction. Counts only in the output,
the heartbeat and the audit log; never a name.
"""

from __future__ import annotations

from django.utils import timezone

from assessments import recruitment
from hr_system.workers import Worker


class Command(Worker):
    default_sleep = 3600.0
    help = "Ẩn danh dữ liệu cá nhân của thí sinh không trúng tuyển các kỳ thi tuyển dụng đã hết hạn lưu giữ."
    loop_help = "Keep checking until SIGTERM/Ctrl-C."

    def step(self) -> dict:
        exams = anonymised = 0
        for exam in recruitment.due_exams():
            try:
                counts = recruitment.anonymise_exam(acting_user=None, exam=exam)
            except recruitment.RecruitmentError:
                continue  # refused meanwhile (a re-marking request arrived): next round
            exams += 1
            anonymised += counts["anonymised"]
            self.stdout.write(
                f"{timezone.localtime():%H:%M:%S} kỳ thi #{exam.pk}: ẩn danh {counts['anonymised']} thí sinh, "
                f"giữ {counts['kept']}."
            )
        return {"exams": exams, "anonymised": anonymised}
