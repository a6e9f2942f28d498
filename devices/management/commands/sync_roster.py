from django.core.management.base import BaseCommand, CommandError

from devices.models import Device
from devices.roster_sync import apply_plan, make_plan
from devices.sync import client_for
from devices.template_crypto import TemplateKeyError
from devices.zk.client import DeviceError


class Command(BaseCommand):
    help = "Push the unit's active employees to a clock as users, remove leavers, copy fingerprints."

    def add_arguments(self, parser):
        parser.add_argument("--device", required=True)
        parser.add_argument("--dry-run", action="store_true", help="Show the plan only.")

    def handle(self, *args, **options):
        device = Device.objects.filter(name=options["device"]).first()
        if device is None:
            raise CommandError(f"Không có máy chấm công tên '{options['device']}'")
        try:
            with client_for(device) as client:
                plan, users = make_plan(device, client)
                self.stdout.write(
                    f"add {len(plan.add)}, rename {len(plan.rename)}, remove {len(plan.remove)}, "
                    f"templates to copy {len(plan.templates_out)}, unknown users kept {len(plan.unknown_kept)}"
                )
                if plan.templates_off:
                    self.stdout.write(
                        "Fingerprints not copied: central template storage is off (STORE_FINGER_TEMPLATES); "
                        "a run syncs one clock, so copying between clocks needs the encrypted store."
                    )
                elif plan.templates_without_consent:
                    self.stdout.write(
                        f"templates not stored for want of recorded consent: {plan.templates_without_consent}"
                    )
                for code, name in plan.add:
                    self.stdout.write(f"  + {code} {name}")
                for _uid, code in plan.remove:
                    self.stdout.write(f"  - {code}")
                if not options["dry_run"]:
                    apply_plan(device, client, plan, users)
                    self.stdout.write(self.style.SUCCESS("Applied."))
        except (DeviceError, TemplateKeyError) as exc:
            raise CommandError(str(exc)) from None
