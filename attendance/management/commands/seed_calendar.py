from django.core.management.base import BaseCommand

from attendance.actions import seed_holidays


class Command(BaseCommand):
    help = "Pre-fill the national calendar of a year from the holidays package; HR then adds the year's notices."

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="+", type=int)

    def handle(self, *args, **options):
        for year in options["years"]:
            self.stdout.write(f"{year}: {seed_holidays(year)} days added")
