from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from devices import actions
from devices.models import Device
from hr_system.models import AuditLog, OrgUnit


class Command(BaseCommand):
    help = (
        "Register a time clock, or update the one of that name. A pulled clock by address (--host), "
        "an ADMS/PUSH clock by serial number before it first connects (--push --serial). Running it "
        "again with corrected settings clears the clock's failure backoff: it is tried at once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--host", default="", help="Address of a pulled clock (TCP/UDP).")
        parser.add_argument("--port", type=int, default=4370)
        parser.add_argument("--comm-key", type=int, default=0)
        transport = parser.add_mutually_exclusive_group()
        transport.add_argument("--udp", action="store_true")
        transport.add_argument("--push", action="store_true", help="An ADMS/PUSH clock: it calls the server.")
        parser.add_argument("--serial", help="Serial number (required with --push).")
        parser.add_argument("--unit", help="Org unit code of the office the clock serves.")
        parser.add_argument(
            "--extra-unit",
            action="append",
            default=[],
            help="Another unit sharing the clock (repeatable); its people are on the clock's roster.",
        )
        parser.add_argument(
            "--any-office-of",
            help="Unit code: punches of anyone in this subtree count on this clock (officials working across offices).",
        )
        parser.add_argument("--timezone", default="Asia/Ho_Chi_Minh")
        parser.add_argument("--poll-interval", type=int, default=300)

    def _unit(self, code: str | None) -> OrgUnit | None:
        if not code:
            return None
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None:
            raise CommandError(f"Không có đơn vị mã '{code}'")
        return unit

    def handle(self, *args, **o):
        unit = self._unit(o["unit"])
        extra_units = [self._unit(code) for code in o["extra_unit"]]
        accepts_subtree = self._unit(o["any_office_of"])
        device = Device.objects.filter(name=o["name"]).first() or Device(name=o["name"])
        if o["push"]:
            transport = Device.Transport.PUSH
            if not (o["serial"] or device.serial_number):
                raise CommandError("serial: máy ADMS cần --serial (máy lạ không được nhận dữ liệu)")
        else:
            transport = Device.Transport.UDP if o["udp"] else Device.Transport.TCP
            if not o["host"]:
                raise CommandError("host: máy kết nối TCP/UDP cần --host")
        device.host, device.port, device.comm_key, device.unit = o["host"], o["port"], o["comm_key"], unit
        device.transport, device.accepts_subtree = transport, accepts_subtree
        if o["serial"] is not None:
            device.serial_number = o["serial"].strip() or None
        device.timezone, device.poll_interval = o["timezone"], o["poll_interval"]
        try:
            device.full_clean()
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
        created = device.pk is None
        with transaction.atomic():
            device.save()
            device.extra_units.set(extra_units)
            if not created:
                # The point of re-running is usually a corrected key or address.
                device.clear_backoff()
            attached = actions.attach_orphan_punches(device=device)
            AuditLog.record(user=None, action="device.create" if created else "device.update", obj=device)
        where = f"serial {device.serial_number}" if device.transport == Device.Transport.PUSH else device.host
        self.stdout.write(
            f"{'Created' if created else 'Updated'} device {device.name} ({where}:{device.port})"
            + (f", {attached} earlier punches now attached" if attached else "")
        )
