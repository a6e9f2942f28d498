"""Run an emulated ZK time clock (TCP + UDP on one port) for demos, manual tests and field-problem repros."""

import random
import signal
import threading
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from devices.zk.emulator import ZKEmulator
from devices.zk.protocol import fold_to_ascii
from hr_system.models import Employee, OrgUnit


class Command(BaseCommand):
    help = "Serve an emulated ZKTeco clock that pyzk 0.9 can talk to, until SIGTERM/SIGINT."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, required=True, help="TCP and UDP port (0: any free port).")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--comm-key", type=int, default=0, help="Communication password (0: none).")
        parser.add_argument("--user-size", type=int, choices=(28, 72), default=72)
        parser.add_argument("--record-size", type=int, choices=(8, 16, 40), default=40)
        parser.add_argument("--users", type=int, default=0, help="Synthetic users to create.")
        parser.add_argument("--punches", type=int, default=0, help="Synthetic past punches to create.")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--unit", help="Load the active employees of this org unit's subtree as users.")
        parser.add_argument("--live", action="store_true", help="Generate punches during office hours.")
        parser.add_argument("--live-speed", type=float, default=1.0, help="Device clock speed factor in --live.")
        parser.add_argument("--chunking", choices=("single", "firmware"), default="single")
        parser.add_argument("--bandwidth", type=float, help="Throttle each connection to KBPS kilobits/s.")
        parser.add_argument("--drop-after", type=int, help="Cut a connection after BYTES of bulk payload.")
        parser.add_argument("--drop-mode", choices=("close", "reset", "stall"), default="close")
        parser.add_argument("--clock-offset", type=float, default=0, help="Device clock minus real time (s).")
        parser.add_argument("--tz", help="Time zone of the device clock (default: the host's local time).")
        parser.add_argument("--state", help="JSON file keeping users/punches across restarts.")
        parser.add_argument("--serial", default="EMU0000000001")
        parser.add_argument(
            "--trickle",
            type=float,
            default=0,
            help="Demo aid: every ~N seconds one user punches at the device's current time, at any hour.",
        )

    def handle(self, *args, **options):
        emulator = ZKEmulator(
            options["port"],
            options["host"],
            comm_key=options["comm_key"],
            user_size=options["user_size"],
            record_size=options["record_size"],
            chunking=options["chunking"],
            bandwidth_kbps=options["bandwidth"],
            drop_after=options["drop_after"],
            drop_mode=options["drop_mode"],
            clock_offset=options["clock_offset"],
            serial=options["serial"],
            state_file=options["state"],
            tz=options["tz"],
            live=options["live"],
            live_speed=options["live_speed"],
            seed=options["seed"],
        )
        # A state file from a previous run already holds data: don't pile synthetic data on top of it.
        restored = bool(options["state"]) and bool(emulator.users() or emulator.attendance())
        if options["unit"]:
            count = emulator.load_roster(self._roster(options["unit"]))
            self.stdout.write(f"Loaded {count} employees of unit {options['unit']}.")
        if restored and (options["users"] or options["punches"]):
            self.stdout.write(f"State restored from {options['state']}; --users/--punches ignored.")
        elif options["users"] or options["punches"]:
            emulator.generate(users=options["users"], punches=options["punches"], seed=options["seed"])

        try:
            emulator.start()
        except OSError as exc:
            raise CommandError(f"Cannot listen on {options['host']}:{options['port']}: {exc}") from None
        stop = threading.Event()
        previous = {signum: signal.signal(signum, lambda *_: stop.set()) for signum in (signal.SIGTERM, signal.SIGINT)}
        self.stdout.write(
            self.style.SUCCESS(
                f"ZK emulator on {emulator.host}:{emulator.port} (tcp+udp), {len(emulator.users())} users, "
                f"{len(emulator.attendance())} punches, users {emulator.user_size} B, records "
                f"{emulator.record_size} B, device time {emulator.device_now():%Y-%m-%d %H:%M:%S}."
            )
        )
        rng = random.Random(options["seed"])
        next_trickle = time.monotonic() + options["trickle"]
        try:
            while not stop.wait(0.5):
                users = emulator.users()
                if options["trickle"] and users and time.monotonic() >= next_trickle:
                    # A demo at night still shows punches arriving; --live keeps office hours.
                    emulator.add_punch(rng.choice(users).user_id, emulator.device_now().replace(microsecond=0))
                    next_trickle = time.monotonic() + rng.uniform(0.5, 1.5) * options["trickle"]
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            emulator.stop()  # also writes the state file
            self.stdout.write("Stopped.")

    def _roster(self, unit_code: str) -> list[tuple[str, str]]:
        unit = OrgUnit.objects.filter(code=unit_code).first()
        if unit is None:
            raise CommandError(f"No org unit with code {unit_code!r}.")
        employees = Employee.objects.in_units(unit.subtree()).active_on(timezone.localdate()).order_by("code")
        # Employee.code is the numeric device user id; device name fields are ASCII (see fold_to_ascii).
        return [(employee.code, fold_to_ascii(employee.full_name)) for employee in employees]
