from django.core.management.base import BaseCommand

from evaluation import demo


class Command(BaseCommand):
    help = (
        "Evaluate the Mộc Châu ward's civil servants for Q1-Q3 2026 (quy chế, products, assignments, "
        "results, attendance evidence, scores, decisions; one disciplined, one held by the quota), "
        "on the demo data (idempotent)."
    )

    def handle(self, *args, **options):
        result = demo.seed()
        self.stdout.write(
            f"Đánh giá, xếp loại phường Mộc Châu: {result['people']} công chức, {result['evaluations']} phiếu quý, "
            f"{result['decided']} đã quyết định."
        )
        self.stdout.write(f"Bị kỷ luật (khiển trách): {result['disciplined'].full_name} ({result['disciplined'].code})")
        for key, problems in sorted(result["held"].items()):
            code, quarter = key.split(":")
            for problem in problems:
                self.stdout.write(f"Chưa quyết định {code} kỳ {quarter}: {problem.message}")
        self.stdout.write(
            f"Xếp loại năm 2025 đã quyết định (minh họa cho đợt điều động): {result['yearly_2025']} người"
        )
