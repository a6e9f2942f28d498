import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hr_system import actions
from hr_system.uploads import UploadRejected, read_path


class Command(BaseCommand):
    help = "Import a roster (.xlsx or .csv). With rejected rows nothing is written unless --import-valid-rows."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Validate and report only.")
        parser.add_argument(
            "--import-valid-rows", action="store_true", help="Write the valid rows even if some are rejected."
        )
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp: {path}")
        try:
            report = actions.import_employees(
                acting_user=None,
                data=read_path(path),
                filename=path.name,
                import_valid_rows=options["import_valid_rows"],
                dry_run=options["dry_run"],
            )
        except UploadRejected as exc:  # the file as a whole (its size, limits, columns)
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        else:
            self.stdout.write(
                f"Rows: {report.total_rows}  created: {report.created}  updated: {report.updated}  rejected: {len(report.rejected)}"
            )
            for r in report.rejected:
                self.stdout.write(f"  row {r.row} [{r.code}]: {r.reason}")
            if report.written:
                self.stdout.write(self.style.SUCCESS("Written."))
            elif report.dry_run:
                self.stdout.write("Dry run: nothing written.")
            else:
                self.stdout.write(
                    self.style.WARNING("Rejected rows present: nothing written (use --import-valid-rows).")
                )
        if report.rejected and not report.written:
            raise SystemExit(2)
