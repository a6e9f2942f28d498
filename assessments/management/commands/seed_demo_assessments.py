from django.core.management.base import BaseCommand, CommandError

from assessments import demo
from hr_system.demo import DEMO_PASSWORD


class Command(BaseCommand):
    help = (
        "Load the demo question bank from assessments/demo_bank (Aiken, GIFT, Excel) through the import "
        "code, have the exam board approve it, and create an open exam, a finished, published one "
        "and one in two sittings on the demo data (idempotent)."
    )

    def handle(self, *args, **options):
        try:
            result = demo.seed()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        imported = ", ".join(f"{code}: {n}" for code, n in result["imported"].items())
        self.stdout.write(f"Ngân hàng câu hỏi: {result['approved']} câu đã phê duyệt (nhập lần này — {imported}).")
        open_exam, finished = result["open_exam"], result["finished_exam"]
        self.stdout.write(
            f"Kỳ thi đang mở #{open_exam.pk}: {open_exam.title} — đăng nhập {demo.CANDIDATE} / {DEMO_PASSWORD}, "
            "trang /assessments/take/"
        )
        self.stdout.write(
            f"Kỳ thi đã công bố kết quả #{finished.pk}: {finished.title} — "
            f"/assessments/results/{finished.pk}/ và /assessments/results/{finished.pk}/item-analysis/ "
            f"({demo.REVIEWER} / {DEMO_PASSWORD})"
        )
        exam = result["sittings_exam"]
        self.stdout.write(
            f"Kỳ thi theo ca #{exam.pk}: {exam.title} — giám thị {demo.PROCTOR[0]} / {DEMO_PASSWORD}, "
            "trang /assessments/sittings/"
        )
