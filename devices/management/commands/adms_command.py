from django.core.management.base import BaseCommand, CommandError

from devices import actions
from devices.models import Device
from hr_system.models import Employee


class Command(BaseCommand):
    help = (
        "Queue a command for an ADMS/PUSH clock; the clock takes it on its next poll "
        "(GET /iclock/getrequest). Kinds: " + "; ".join(f"{k}: {v}" for k, v in actions.COMMAND_KINDS.items())
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--device", help="Device name.")
        which.add_argument("--serial", help="Device serial number.")
        parser.add_argument("kind", choices=sorted(actions.COMMAND_KINDS))
        parser.add_argument("--user-id", default="", help="Employee code (user_update, user_delete).")

    def handle(self, *args, **o):
        device = (
            Device.objects.filter(name=o["device"]).first()
            if o["device"]
            else Device.objects.filter(serial_number=o["serial"]).first()
        )
        if device is None:
            raise CommandError(f"Không có máy chấm công '{o['device'] or o['serial']}'")
        employee = None
        if o["kind"] in ("user_update", "user_delete") and not o["user_id"]:
            raise CommandError(f"{o['kind']} cần --user-id")
        if o["kind"] == "user_update":
            employee = Employee.objects.filter(code=o["user_id"]).first()
            if employee is None:
                raise CommandError(f"Không có cán bộ mã '{o['user_id']}'")
        try:
            command = actions.queue_command(
                acting_user=None, device=device, kind=o["kind"], employee=employee, user_id=o["user_id"]
            )
        except actions.DeviceActionError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Queued command {command.pk} for {device.name}: {command.command.split(chr(9))[0]}")
