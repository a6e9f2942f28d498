"""Check sealed sittings against their archives: `verify_sittings [--sitting ID]`.

Recomputes every SHA-256 digest of each sealed sitting's archive and rebuilds its files
from the database (assessments.sealing.verify_sitting); prints OK per intact sitting,
else every problem naming the attempt, and exits non-zero when there is any.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from assessments.models import Sitting
from assessments.sealing import verify_sitting


class Command(BaseCommand):
    help = "Verify the SHA-256 digests of sealed sittings against their archives and the database."

    def add_arguments(self, parser):
        parser.add_argument("--sitting", type=int, help="only this sitting (id)")

    def handle(self, *args, sitting=None, **options):
        sittings = Sitting.objects.filter(sealed_at__isnull=False).select_related("exam").order_by("pk")
        if sitting is not None:
            sittings = Sitting.objects.filter(pk=sitting).select_related("exam")
            if not sittings.exists():
                raise CommandError(f"Không có ca thi #{sitting}.")
        failed = 0
        for s in sittings:
            started = time.perf_counter()
            problems = verify_sitting(s)
            seconds = time.perf_counter() - started
            if problems:
                failed += 1
                self.stdout.write(f"LỖI ca thi #{s.pk} ({s}):")
                for problem in problems:
                    self.stdout.write(f"  - {problem}")
            else:
                self.stdout.write(f"OK ca thi #{s.pk} ({s}) — {seconds:.2f} s")
        if failed:
            raise CommandError(f"{failed} ca thi có dữ liệu không khớp bản niêm phong.")
