"""Recorded yearly classifications, as the transfer module reads them (issue 17, item 7).

Only a yearly evaluation whose status is "decided" counts: a draft, a reviewed one not yet
decided, or one reopened for correction (its status leaves "decided") is not a result
anyone may rely on. "not_rated" is no classification and is left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from evaluation.models import Evaluation

# SQLite allows 32,766 bound parameters per statement; stay well below it.
_CHUNK = 5000
NOT_RATED = "not_rated"


def yearly_ratings(
    employee_ids: Iterable[int], years: Iterable[int], *, decided_by: dt.datetime | None = None
) -> dict[int, dict[int, str]]:
    """{employee id: {year: level}} of the decided yearly classifications in `years`.

    `decided_by` leaves out decisions taken after that moment (a transfer round counts
    the ratings known at its reference date)."""
    wanted = {int(y) for y in years}
    ids = sorted({int(i) for i in employee_ids})
    out: dict[int, dict[int, str]] = {}
    if not wanted or not ids:
        return out
    first, last = dt.date(min(wanted), 1, 1), dt.date(max(wanted), 12, 31)
    for i in range(0, len(ids), _CHUNK):
        rows = Evaluation.objects.filter(
            employee_id__in=ids[i : i + _CHUNK],
            period_kind="year",
            status=Evaluation.Status.DECIDED,
            period_start__gte=first,
            period_start__lte=last,
        ).exclude(classification__in=("", NOT_RATED))
        if decided_by is not None:
            rows = rows.filter(decided_at__lte=decided_by)
        for employee_id, start, level in rows.values_list("employee_id", "period_start", "classification"):
            if start.year in wanted:
                out.setdefault(employee_id, {})[start.year] = level
    return out
