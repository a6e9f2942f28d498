from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from devices.models import Device
from hr_system.models import AuditLog, OrgUnit


class Command(BaseCommand):
    help = "Register a time clock."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--host", required=True)
        parser.add_argument("--port", type=int, default=4370)
        parser.add_argument("--comm-key", type=int, default=0)
        parser.add_argument("--udp", action="store_true")
        parser.add_argument("--unit", help="Org unit code of the office the clock serves.")
        parser.add_argument("--timezone", default="Asia/Ho_Chi_Minh")
        parser.add_argument("--poll-interval", type=int, default=300)

    def handle(self, *args, **o):
        unit = None
        if o["unit"]:
            unit = OrgUnit.objects.filter(code=o["unit"]).first()
            if unit is None:
                raise CommandError(f"Không có đơn vị mã '{o['unit']}'")
        device = Device.objects.filter(name=o["name"]).first() or Device(name=o["name"])
        device.host, device.port, device.comm_key, device.unit = o["host"], o["port"], o["comm_key"], unit
        device.transport = Device.Transport.UDP if o["udp"] else Device.Transport.TCP
        device.timezone, device.poll_interval = o["timezone"], o["poll_interval"]
        try:
            device.full_clean(exclude=["serial_number"])
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
        created = device.pk is None
        device.save()
        AuditLog.record(user=None, action="device.create" if created else "device.update", obj=device)
        self.stdout.write(f"{'Created' if created else 'Updated'} device {device.name} ({device.host}:{device.port})")
