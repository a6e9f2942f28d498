import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from hr_system import backups
from hr_system.management.commands.backup import pg_env


def current_state(vendor: str) -> dict:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    with connection.chunked_cursor() as cursor:
        return backups.database_state(cursor, tables, vendor)


class Command(BaseCommand):
    help = "Restore a backup into the configured (empty) database and verify it against its manifest."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The dump or its manifest (.json).")
        parser.add_argument("--force", action="store_true", help="Overwrite a database that holds data.")

    def handle(self, *args, **options):
        vendor = connection.vendor
        try:
            manifest, dump = backups.load_manifest(Path(options["file"]))
            backups.check_dump(manifest, dump, vendor)  # before anything is written
        except backups.BackupRejected as exc:
            raise CommandError(str(exc)) from None
        with connection.cursor() as cursor:
            tables = connection.introspection.table_names(cursor)
            in_use = backups.nonempty_tables(backups.row_counts(cursor, tables))
        if in_use and not options["force"]:
            shown = ", ".join(in_use[:5]) + (" …" if len(in_use) > 5 else "")
            raise CommandError(
                f"Cơ sở dữ liệu đang có dữ liệu ({shown}); không ghi đè nếu không có --force "
                "(the database is not empty; use --force to overwrite)."
            )
        if vendor == "postgresql":
            self.restore_postgresql(dump)
        else:
            self.restore_sqlite(dump)
        mismatches = backups.compare(manifest, current_state(vendor))
        if mismatches:
            for m in mismatches:
                self.stderr.write(f"  {m.what}: manifest {m.expected}, found {m.found}")
            raise CommandError("Dữ liệu phục hồi KHÔNG khớp manifest (restored data does not match the manifest).")
        total = sum(manifest["row_counts"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã phục hồi và kiểm tra (restored and verified): {total} rows in "
                f"{len(manifest['row_counts'])} tables, punch digest {manifest['punch_digest']}"
            )
        )

    def restore_postgresql(self, dump: Path):
        connection.close()
        proc = subprocess.run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={connection.settings_dict['NAME']}",
                str(dump),
            ],
            env=pg_env(connection.settings_dict),
            capture_output=True,
            text=True,
        )
        if proc.returncode:
            raise CommandError(f"pg_restore thất bại, không thay đổi gì (failed, rolled back): {proc.stderr.strip()}")

    def restore_sqlite(self, dump: Path):
        connection.close()
        src = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
        dst = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
