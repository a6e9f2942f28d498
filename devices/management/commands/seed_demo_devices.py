from django.core.management.base import BaseCommand

from devices.demo import ensure_demo_devices


class Command(BaseCommand):
    help = "Register the demo's three emulated clocks (idempotent; run after seed_demo)."

    def handle(self, *args, **options):
        for device in ensure_demo_devices():
            self.stdout.write(f"Device {device.name} → {device.host}:{device.port} ({device.unit.name})")
