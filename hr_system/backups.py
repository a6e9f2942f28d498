"""Backups: the manifest written beside each dump, its checks, and retention.

A backup is two files in the backup directory, ``hr-<UTC time>.<ext>`` (a ``pg_dump``
custom-format archive or an SQLite database file) and ``hr-<UTC time>.json``, the
manifest: which migrations the data has, how many rows each table holds, the SHA-256
of the dump and a digest of the punch table (the legal record) over its identity
columns in byte order. ``restore`` checks the SHA-256 before it writes anything and
the row counts and punch digest after.

The functions here take a DB-API cursor (Django's or ``sqlite3``'s) or plain values;
the ``backup`` and ``restore`` commands own the processes and the files.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

MANIFEST_FORMAT = 1
PUNCH_TABLE = "devices_punch"
# Tables Django fills by itself on `migrate`: rows there do not make a database "in use".
BOOKKEEPING_TABLES = frozenset({"django_migrations", "django_content_type", "auth_permission"})
NAME_RE = re.compile(r"^hr-(\d{8}-\d{6}-\d{6})\.json$")
CHUNK = 1 << 20


def backup_stem(now) -> str:
    """File name stem for a backup taken at the aware UTC datetime `now` (sorts by time)."""
    return f"hr-{now:%Y%m%d-%H%M%S-%f}"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            h.update(block)
    return h.hexdigest()


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def row_counts(cursor, tables) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def applied_migrations(cursor) -> dict[str, list[str]]:
    """The schema version: every applied migration, by app."""
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    schema: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        schema.setdefault(app, []).append(name)
    return schema


def punch_digest(cursor, vendor: str) -> str:
    """SHA-256 over (device_id, device_user_id, local_time) of every punch, in byte order.

    PostgreSQL compares text by the database's locale unless told "C"; SQLite compares
    bytes. With "C" both orders are the same, so the digest does not depend on the vendor.
    """
    collate = ' COLLATE "C"' if vendor == "postgresql" else ""
    cursor.execute(
        f"SELECT device_id, device_user_id, local_time FROM {PUNCH_TABLE} "
        f"ORDER BY device_id, device_user_id{collate}, local_time{collate}"
    )
    h = hashlib.sha256()
    while rows := cursor.fetchmany(10000):
        h.update("".join(f"{d}\t{u}\t{t}\n" for d, u, t in rows).encode())
    return h.hexdigest()


def database_state(cursor, tables, vendor: str) -> dict:
    """What the manifest records of a database and what a restore is checked against."""
    tables = set(tables)
    return {
        "schema": applied_migrations(cursor) if "django_migrations" in tables else {},
        "row_counts": row_counts(cursor, tables),
        "punch_digest": punch_digest(cursor, vendor) if PUNCH_TABLE in tables else None,
    }


def build_manifest(*, dump: Path, state: dict, vendor: str, product_version: str, created_at) -> dict:
    return {
        "format": MANIFEST_FORMAT,
        "created_at": created_at.isoformat(),
        "vendor": vendor,
        "product_version": product_version,
        "dump": dump.name,
        "dump_size": dump.stat().st_size,
        "dump_sha256": file_sha256(dump),
        **state,
    }


class BackupRejected(Exception):
    """A dump or manifest that must not be restored; the message is for the operator."""


def manifest_path_for(path: Path) -> Path:
    return path if path.suffix == ".json" else path.with_suffix(".json")


def load_manifest(path: Path) -> tuple[dict, Path]:
    """The manifest of the backup at `path` (the dump or its manifest) and the dump's path."""
    mpath = manifest_path_for(path)
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupRejected(f"Không thấy tệp mô tả bản sao lưu (manifest not found): {mpath}") from None
    except (ValueError, UnicodeDecodeError):
        raise BackupRejected(f"Tệp mô tả bản sao lưu hỏng (manifest unreadable): {mpath}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise BackupRejected(f"Tệp mô tả không đúng định dạng (unsupported manifest): {mpath}")
    dump = mpath.parent / str(manifest.get("dump", ""))
    if dump.parent != mpath.parent or not dump.is_file():
        raise BackupRejected(f"Không thấy tệp sao lưu (dump not found): {dump}")
    return manifest, dump


def check_dump(manifest: dict, dump: Path, vendor: str) -> None:
    """Refuse a dump of another vendor, a truncated one or one changed since it was written."""
    if manifest.get("vendor") != vendor:
        raise BackupRejected(
            f"Bản sao lưu của {manifest.get('vendor')}, cơ sở dữ liệu đang cấu hình là {vendor} "
            f"(backup is for {manifest.get('vendor')}, the configured database is {vendor})."
        )
    size = dump.stat().st_size
    if size != manifest.get("dump_size"):
        raise BackupRejected(
            f"Tệp sao lưu bị cắt cụt hoặc sai kích thước: {size} byte, manifest ghi {manifest.get('dump_size')} "
            f"(dump truncated or wrong size); không ghi gì vào cơ sở dữ liệu."
        )
    if file_sha256(dump) != manifest.get("dump_sha256"):
        raise BackupRejected(
            "Tệp sao lưu đã bị thay đổi: SHA-256 không khớp manifest "
            "(dump corrupt or tampered: SHA-256 mismatch); không ghi gì vào cơ sở dữ liệu."
        )


def nonempty_tables(counts: dict[str, int]) -> list[str]:
    """Tables holding data of their own (not what `migrate` writes by itself)."""
    return sorted(t for t, n in counts.items() if n and t not in BOOKKEEPING_TABLES)


@dataclass(frozen=True)
class Mismatch:
    what: str
    expected: object
    found: object


def compare(manifest: dict, state: dict) -> list[Mismatch]:
    """Differences between the manifest and a restored database; empty when it matches."""
    out = []
    if state["schema"] != manifest.get("schema"):
        out.append(Mismatch("schema", "migrations of the backup", "other migrations"))
    for table, n in sorted(manifest.get("row_counts", {}).items()):
        found = state["row_counts"].get(table)
        if found != n:
            out.append(Mismatch(f"rows {table}", n, found))
    if state["punch_digest"] != manifest.get("punch_digest"):
        out.append(Mismatch("punch digest", manifest.get("punch_digest"), state["punch_digest"]))
    return out


def expired(manifest_names, keep: int) -> list[str]:
    """The backups (by manifest file name) beyond the newest `keep`, oldest first."""
    ours = sorted(n for n in manifest_names if NAME_RE.match(n))
    return ours[: max(0, len(ours) - keep)]
