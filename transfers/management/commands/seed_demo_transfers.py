from django.core.management.base import BaseCommand

from hr_system.demo import DEMO_PASSWORD
from transfers import demo


class Command(BaseCommand):
    help = (
        "Create a published teacher-surplus round across the Mộc Châu schools and a school-head "
        "selection exam with three panel members' scores, on the demo data (idempotent)."
    )

    def handle(self, *args, **options):
        result = demo.seed()
        transfer_round, selection = result["round"], result["selection"]
        self.stdout.write(
            f"Đợt điều động #{transfer_round.pk}: {transfer_round.title} — {result['candidates']} người, "
            f"{result['ranked']} được xếp hạng, {result['excluded']} không thuộc diện xem xét "
            f"({transfer_round.get_status_display()})."
        )
        self.stdout.write(f"Thi tuyển lãnh đạo #{selection.pk}: {selection.title}")
        self.stdout.write(f"Hội đồng: {', '.join(result['panel'])} (mật khẩu {DEMO_PASSWORD})")
        self.stdout.write(f"Trang: /transfers/rounds/{transfer_round.pk}/ và /transfers/leaders/{selection.pk}/")
