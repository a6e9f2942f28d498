"""Imports from an uploaded file (the roster, the question bank): the file kept between
the report and the import, and the one shape of an import's report.

An import page takes two steps. The upload is checked and reported on (nothing is
written on a dry run or while rows are rejected); the officer then imports the valid
rows or cancels. Meanwhile the file waits under MEDIA_ROOT, named by a random token
kept in the session, so it need not be uploaded again. A roster holds names and dates
of birth, so the file is deleted as soon as the import is done or abandoned: once
written, on cancel, when a new upload replaces it, and, for a page simply left, by a
sweep of files older than MAX_AGE_SECONDS each time a new upload is saved.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

MAX_AGE_SECONDS = 3 * 60 * 60
_TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class Rejected:
    """A row left out of an import: the row (of a sheet, or the line of a text file) as
    the author's editor shows it, the reason, and the row's code where it names one."""

    row: int
    reason: str
    code: str = ""


@dataclass
class ImportReport:
    """What an import did, or would do. `total_rows` counts what the file holds (rows of
    a roster; questions and unreadable pieces of a question file); `warnings` are rows
    imported with a note. Each import shapes its own JSON (`as_dict`)."""

    total_rows: int = 0
    created: int = 0
    updated: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[Rejected] = field(default_factory=list)
    written: bool = False
    dry_run: bool = False

    @property
    def valid(self) -> int:
        return self.created + self.updated


class PendingUpload:
    """The one file a session holds for an import page (`folder` under MEDIA_ROOT, also
    naming the session entry), with the filename and options given at upload."""

    def __init__(self, session, folder: str):
        self.session = session
        self.folder = folder
        self.key = f"pending_upload:{folder}"

    @property
    def directory(self) -> Path:
        return Path(settings.MEDIA_ROOT) / self.folder

    @property
    def info(self) -> dict | None:
        """{"filename", and the options given to save()}, or None if nothing is pending."""
        return self.session.get(self.key)

    def _path(self) -> Path | None:
        token = (self.info or {}).get("token", "")
        return self.directory / token if _TOKEN_RE.match(token) else None

    def save(self, data: bytes, filename: str, **options: str) -> None:
        """Keep an uploaded file for the next step, replacing (and deleting) the one
        pending before; files left over by abandoned imports are swept meanwhile."""
        self.discard()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._sweep()
        token = secrets.token_hex(16)
        (self.directory / token).write_bytes(data)
        self.session[self.key] = {**options, "token": token, "filename": filename}

    def read(self) -> bytes | None:
        """The pending file's content; None if nothing is pending or it was swept."""
        path = self._path()
        if path is None:
            return None
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def discard(self) -> None:
        """The import is done or cancelled: forget the file and delete it."""
        path = self._path()
        self.session.pop(self.key, None)
        if path is not None:
            path.unlink(missing_ok=True)

    def _sweep(self) -> None:
        cutoff = time.time() - MAX_AGE_SECONDS
        for path in self.directory.iterdir():
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
            except FileNotFoundError:  # swept by a concurrent upload
                continue
