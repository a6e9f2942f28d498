from django.core.management.base import BaseCommand

from hr_system import demo


class Command(BaseCommand):
    help = "Create the Mộc Châu demo organisation, roster and one account per role (idempotent)."

    def handle(self, *args, **options):
        result = demo.seed()
        self.stdout.write(f"Units: {result['units']}, employees: {result['employees']}")
        self.stdout.write("Demo logins (username / password — role):")
        for username, password, label in result["accounts"]:
            self.stdout.write(f"  {username:<22} {password}   {label}")
