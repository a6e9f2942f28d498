from django.core.management.base import BaseCommand

from hr_system import demo_signing


class Command(BaseCommand):
    help = "Create a DEMO certificate (own demo CA) for the demo school head, to try signed timesheets (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="Where the demo PKCS#12 goes (default var/demo-signing).")
        parser.add_argument("--roots", help="Trust roots directory (default SIGNING_TRUST_ROOTS_DIR).")

    def handle(self, *args, **options):
        result = demo_signing.seed(options.get("dir"), options.get("roots"))
        if result["credential"] is None:
            self.stdout.write("Demo signing: run seed_demo first (no demo school head).")
            return
        # Paths only: the passphrase stays in its file.
        self.stdout.write(f"Demo signing certificate (DEMO, no legal value) for {demo_signing.DEMO_SIGNER}:")
        self.stdout.write(f"  PKCS#12: {result['pkcs12']}")
        self.stdout.write(f"  Passphrase in: {result['passphrase_file']}")
        self.stdout.write(f"  Demo CA added to trust roots: {result['ca']}")
