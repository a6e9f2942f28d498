"""Hash chains that make a table tamper-evident (punches, the audit log).

Pure functions, no ORM. Each record of a chain carries a sequence number and a link:

    link_0 = SHA-256(b"<kind>-chain:" + chain name)          (the genesis, never stored)
    link_n = SHA-256(link_{n-1} || canonical_bytes(record_n))

so changing, removing or inserting a record anywhere breaks every later link, and a
link published elsewhere (a daily commitment, a signed timesheet) fixes everything up
to it. Links are stored as 64-character lowercase hex: the same text on SQLite and
PostgreSQL, written by COPY and multi-row VALUES without a bytea adapter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

LINK_LENGTH = 64  # hex characters of a SHA-256 digest


def genesis(kind: str, name: str) -> bytes:
    """The link before a chain's first record."""
    return hashlib.sha256(f"{kind}-chain:{name}".encode()).digest()


def next_link(previous: bytes, canonical: bytes) -> bytes:
    """The link of a record whose canonical bytes follow the link `previous`."""
    h = hashlib.sha256(previous)
    h.update(canonical)
    return h.digest()


def canonical_json(value) -> str:
    """JSON with sorted keys and no whitespace: the same text for the same value
    whichever database stored it (PostgreSQL's jsonb reorders keys)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def utc_text(moment: dt.datetime) -> str:
    """An aware instant as fixed UTC text with microseconds (both databases keep them)."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", timespec="microseconds")


def audit_canonical(
    *, at: dt.datetime, user_id: int | None, action: str, object_type: str, object_id: str, detail
) -> bytes:
    """The bytes of an audit record that its link commits to."""
    return "\x1f".join(
        (utc_text(at), "" if user_id is None else str(user_id), action, object_type, object_id, canonical_json(detail))
    ).encode()


AUDIT_GENESIS = genesis("audit", "hr_system.AuditLog")


def digest_of_heads(*, day: dt.date, heads: dict[str, tuple[int, str]], previous: str) -> str:
    """The digest of a daily commitment: the day, every chain head (name -> seq, link)
    and the previous commitment's digest, so commitments chain as well."""
    body = canonical_json({"day": day.isoformat(), "heads": {k: list(v) for k, v in heads.items()}, "prev": previous})
    return hashlib.sha256(body.encode()).hexdigest()
