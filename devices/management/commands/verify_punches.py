"""Check the punch and audit chains: `verify_punches [--device NAME] [--since DATE] [--punches | --audit]`.

Recomputes every clock's punch chain (devices.chains.verify) and the audit log's chain
(hr_system.audit_chain.verify), checks them against the chain heads and the daily
commitments, and prints one line per problem: the altered, deleted or inserted punch
or audit record by name. Exits 1 when there is any problem, 0 when everything fits.
"""

from __future__ import annotations

import datetime as dt
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from devices import chains
from devices.models import Device
from hr_system import audit_chain


class Command(BaseCommand):
    help = "Recompute the punch and audit chains and name every altered, deleted or inserted row."

    def add_arguments(self, parser):
        parser.add_argument("--device", help="Only this clock's punches (by name).")
        parser.add_argument(
            "--since", help="Start from the last daily commitment before this day (YYYY-MM-DD), trusting it."
        )
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--punches", action="store_true", help="Only the punch chains.")
        which.add_argument("--audit", action="store_true", help="Only the audit log's chain.")

    def handle(self, *args, **options):
        since = None
        if options["since"]:
            try:
                since = dt.date.fromisoformat(options["since"])
            except ValueError:
                raise CommandError(f"--since '{options['since']}' không phải ngày (YYYY-MM-DD)") from None
        devices = None
        if options["device"]:
            devices = list(Device.objects.filter(name=options["device"]))
            if not devices:
                raise CommandError(f"Không có máy chấm công tên '{options['device']}'")
        started = time.monotonic()
        problems: list[str] = []
        if not options["audit"]:
            report = chains.verify(devices=devices, since=since)
            problems += report.problems
            self.stdout.write(f"đã kiểm tra {report.checked} lượt chấm công")
        if not options["punches"]:
            checked, audit_problems = audit_chain.verify(committed=chains.audit_committed())
            problems += audit_problems
            self.stdout.write(f"đã kiểm tra {checked} bản ghi nhật ký")
        for line in problems:
            self.stdout.write(f"LỖI {line}")
        self.stdout.write(f"{len(problems)} lỗi, {time.monotonic() - started:.1f} s")
        if problems:
            sys.exit(1)
