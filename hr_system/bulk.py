"""Bulk inserts and upserts of plain rows, the fastest way each database offers.

The hot writes of the product (raw punches from a round of 50 clocks, a month of day
results for thousands of people) go through here as tuples of values the driver
understands (str, int, date, aware datetime, JSON text, None), never model instances:
building instances for bulk_create cost more than the writes themselves.

* SQLite: multi-row ``INSERT … VALUES (…), (…)`` statements with the driver's own "?"
  marks, sent to the sqlite3 connection directly. Django's cursor rewrites "%s" with a
  regex on every call (≈1 µs a row on statements this long).
* PostgreSQL: ``COPY`` into a temporary staging table, then one ``INSERT … SELECT``.
  psycopg 3 splits a query on every placeholder in Python, so a multi-row VALUES of
  60,000 rows × 14 columns spent ~6 s there; COPY streams the rows (≈4 µs a row).

Both run inside one transaction, so a failure writes nothing.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
from collections.abc import Sequence

from django.db import connection, transaction

SQLITE_MAX_PARAMS = 32_000  # SQLite ≥ 3.32 allows 32,766 parameters per statement


def write(
    table: str,
    columns: Sequence[str],
    rows: Sequence[tuple],
    *,
    conflict: Sequence[str],
    update: Sequence[str] = (),
    lock: contextlib.AbstractContextManager | None = None,
) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table``.

    On a clash of the unique key ``conflict`` the row is skipped (``update`` empty) or
    the ``update`` columns take the new values. Returns how many rows were written
    (inserted or updated); with ``update`` empty that is the number of new rows.
    ``lock``, if given, is held around the transaction (and only around it).
    """
    if not rows:
        return 0
    quote = connection.ops.quote_name
    on_conflict = f" ON CONFLICT ({', '.join(quote(c) for c in conflict)}) " + (
        "DO UPDATE SET " + ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in update) if update else "DO NOTHING"
    )
    if connection.vendor == "postgresql":
        with lock or contextlib.nullcontext():
            return _write_postgresql(table, list(columns), rows, on_conflict)
    return _write_sqlite(table, tuple(columns), rows, on_conflict, lock or contextlib.nullcontext())


@functools.cache
def _values_sql(table: str, columns: tuple[str, ...], count: int, on_conflict: str) -> str:
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["?"] * len(columns)) + ")"
    return (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES {', '.join([row] * count)}{on_conflict}"
    )


def _write_sqlite(table: str, columns: tuple[str, ...], rows: Sequence[tuple], on_conflict: str, lock) -> int:
    per_statement = max(1, min(500, SQLITE_MAX_PARAMS // len(columns)))
    # Parameters are flattened before the transaction starts: callers that serialise
    # writers (SQLite has one) then hold their lock only while the database works.
    batches = [
        (_values_sql(table, columns, len(chunk), on_conflict), list(itertools.chain.from_iterable(chunk)))
        for chunk in (rows[i : i + per_statement] for i in range(0, len(rows), per_statement))
    ]
    written = 0
    # wrap_database_errors: the driver's own exceptions become Django's (IntegrityError…).
    with lock, transaction.atomic(), connection.wrap_database_errors:
        connection.ensure_connection()
        raw = connection.connection
        for sql, params in batches:
            written += raw.execute(sql, params).rowcount
    return written


def _write_postgresql(table: str, columns: list[str], rows: Sequence[tuple], on_conflict: str) -> int:
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    stage = quote(f"stage_{table}")
    with transaction.atomic(), connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor  # the psycopg cursor, for COPY
        # Column types come from the target table; no constraints, no defaults.
        raw.execute(f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS SELECT {names} FROM {quote(table)} WITH NO DATA")
        with raw.copy(f"COPY {stage} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        raw.execute(f"INSERT INTO {quote(table)} ({names}) SELECT {names} FROM {stage}{on_conflict}")
        written = raw.rowcount
        raw.execute(f"DROP TABLE {stage}")
    return written
