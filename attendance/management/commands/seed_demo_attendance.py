from django.core.management.base import BaseCommand

from attendance import demo


class Command(BaseCommand):
    help = "Office hours, the 2025–2026 calendar and a month of punches for the demo (after seed_demo)."

    def handle(self, *args, **options):
        result = demo.seed()
        code, day = result["absent"]
        self.stdout.write(
            f"January 2026 for {demo.UNIT}: {result['employees']} employees, {result['punches']} new punches "
            f"(one unexcused absence: {code} on {day:%d/%m/%Y}); January locked as approved. "
            f"Attendance tracked from {result['go_live']:%d/%m/%Y} (go-live date of the province)."
        )
