import json
import os
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from hr_system import backups


def pg_env(db: dict) -> dict:
    """libpq's environment for the configured database: the password never on a command line."""
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    env["PGDATABASE"] = db["NAME"]
    if sslmode := db.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = sslmode
    return env


class Command(BaseCommand):
    help = "Back up the database (pg_dump custom format, or SQLite's online backup) with a manifest beside it."

    def add_arguments(self, parser):
        parser.add_argument("--dest", help="Backup directory (default: BACKUP_DIR).")
        parser.add_argument("--keep", type=int, default=settings.BACKUP_KEEP, help="Newest backups to keep.")

    def handle(self, *args, **options):
        if options["keep"] < 1:
            raise CommandError("--keep phải từ 1 trở lên (--keep must be at least 1).")
        dest = Path(options["dest"] or settings.BACKUP_DIR)
        dest.mkdir(parents=True, exist_ok=True)
        now = timezone.now()
        stem = backups.backup_stem(now)
        vendor = connection.vendor
        if vendor == "postgresql":
            dump = dest / f"{stem}.dump"
            state, version = self.dump_postgresql(dump)
        elif vendor == "sqlite":
            dump = dest / f"{stem}.sqlite3"
            state, version = self.dump_sqlite(dump)
        else:
            raise CommandError(f"Không hỗ trợ sao lưu {vendor} (unsupported database).")
        manifest = backups.build_manifest(
            dump=dump, state=state, vendor=vendor, product_version=version, created_at=now
        )
        part = dest / f"{stem}.json.part"
        part.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        part.replace(dest / f"{stem}.json")  # a backup counts once its manifest exists
        total = sum(manifest["row_counts"].values())
        self.stdout.write(
            self.style.SUCCESS(f"Đã sao lưu (backup written): {dump} ({manifest['dump_size']} bytes, {total} rows)")
        )
        for name in backups.expired((p.name for p in dest.glob("hr-*.json")), options["keep"]):
            for old in dest.glob(f"{name.removesuffix('.json')}.*"):
                old.unlink()
            self.stdout.write(f"Đã xoá bản cũ (removed): {name}")

    def dump_postgresql(self, dump: Path):
        # pg_dump reads the snapshot exported by this transaction, so the manifest counts
        # exactly the rows in the dump even while the pollers write.
        part = dump.with_name(dump.name + ".part")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, version = cursor.fetchone()
            proc = subprocess.run(
                ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={part}"],
                env=pg_env(connection.settings_dict),
                capture_output=True,
                text=True,
            )
            if proc.returncode:
                part.unlink(missing_ok=True)
                raise CommandError(f"pg_dump thất bại (failed): {proc.stderr.strip()}")
            tables = connection.introspection.table_names(cursor)
            with connection.chunked_cursor() as rows:
                state = backups.database_state(rows, tables, "postgresql")
        part.replace(dump)
        return state, f"PostgreSQL {version}"

    def dump_sqlite(self, dump: Path):
        part = dump.with_name(dump.name + ".part")
        src = sqlite3.connect(connection.settings_dict["NAME"])
        dst = sqlite3.connect(part)
        try:
            src.backup(dst)
        finally:
            src.close()
        try:
            # Counted in the copy itself: what the manifest says is what the file holds.
            dst.execute("PRAGMA journal_mode=DELETE")
            cursor = dst.cursor()
            cursor.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
            tables = [r[0] for r in cursor.fetchall()]
            state = backups.database_state(cursor, tables, "sqlite")
        finally:
            dst.close()
        part.replace(dump)
        return state, f"SQLite {sqlite3.sqlite_version}"
