"""Figures the exam regulations fix, as data with the date each took effect.

Each function answers for a given day, so an exam keeps the rule in force when it was
held. An exam may set its own value (Exam.late_entry_minutes, remark_window_days);
these are the defaults when it does not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class LateEntryRule:
    effective: dt.date
    # (longest test in minutes this row covers, or None for "any longer", minutes late allowed)
    limits: tuple[tuple[int | None, int], ...]
    source: str


# Circular 22/2025/TT-BNV (computer-based recruitment exams), in force 10/12/2025:
# a late candidate may enter only within a short window after the programmed start.
# Figures as reported [S]: 5 minutes for a test of 30 minutes or less, 10 minutes for
# longer tests. TODO(issue 15): verified text and article.
LATE_ENTRY_RULES = (
    LateEntryRule(
        effective=dt.date(2025, 12, 10),
        limits=((30, 5), (None, 10)),
        source="Thông tư 22/2025/TT-BNV",
    ),
)


def late_entry_minutes(time_limit: int, on: dt.date) -> int:
    """Minutes after a sitting's programmed start during which a late candidate may
    still enter, under the rule in force on `on` (0 before any rule: no late entry)."""
    rules = [r for r in LATE_ENTRY_RULES if r.effective <= on]
    if not rules:
        return 0
    for longest, minutes in max(rules, key=lambda r: r.effective).limits:
        if longest is None or time_limit <= longest:
            return minutes
    return 0


@dataclass(frozen=True)
class RemarkRule:
    effective: dt.date
    days: int
    source: str


# Re-marking (phúc khảo) window after results are published. TODO(issue 15): verify;
# Decree 138/2020/NĐ-CP set 15 days for written tests of recruitment round 2 [U].
REMARK_RULES = (RemarkRule(effective=dt.date(2020, 11, 27), days=15, source="Nghị định 138/2020/NĐ-CP"),)


def remark_window_days(on: dt.date) -> int:
    """Days after publication within which a candidate may ask for re-marking."""
    rules = [r for r in REMARK_RULES if r.effective <= on]
    return max(rules, key=lambda r: r.effective).days if rules else 0
