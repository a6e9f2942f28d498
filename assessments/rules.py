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


# The late-entry window is in the Rules (Nội quy) annexed to the recruitment circulars:
# a candidate arriving after the start of the timed test may still sit it if no more
# than 5 minutes late for a test of at most 30 minutes, or no more than 10 minutes late
# for a test of 60 minutes or more; other cases (force majeure) go to the Chair of the
# Council, who decides case by case (the exam's own `late_entry_minutes`).
# The circulars fix no figure for a test of 31-59 minutes: the default is then the
# stricter 5 minutes, and the exam board sets its own figure on the exam if it decides
# otherwise.
# - Circular 001/2025/TT-BNV (17/3/2025, in force 1/5/2025), Rules Art. 1(1)(a):
#   figures as quoted by thuvienphapluat.vn's bulletin and baophunuthudo.vn [S].
# - Circular 22/2025/TT-BNV (19/10/2025, in force 10/12/2025; replaces the above for
#   civil-servant recruitment), its Rules: the same 5/10 minutes as reported by
#   nld.com.vn on 21/10/2025 [S]; the issuing page (hoatieu.vn copy of the text) was
#   seen only up to Art. 1 of the circular. Article number within the Rules and the
#   exact wording ("tối đa 30 phút") still to be read at vbpl.vn: unverified.
LATE_ENTRY_RULES = (
    LateEntryRule(
        effective=dt.date(2025, 5, 1),
        limits=((30, 5), (59, 5), (None, 10)),
        source="Thông tư 001/2025/TT-BNV, Nội quy, Điều 1 khoản 1 điểm a",
    ),
    LateEntryRule(
        effective=dt.date(2025, 12, 10),
        limits=((30, 5), (59, 5), (None, 10)),
        source="Thông tư 22/2025/TT-BNV, Nội quy thi tuyển, xét tuyển công chức",
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


# Re-marking (phúc khảo) window after results are published, in days (a request is
# accepted until the end of the publication day + `days`, Vietnam time).
# What could be checked (issue 15, search of stored public pages, December 2026):
# - Decree 161/2018/NĐ-CP art. 1(4) and 1(10) (amending Decree 24/2010) [S, luatvietnam.vn]:
#   round 1 on paper: a request within 15 days of the results notice on the recruiting
#   agency's portal (extendable by up to 15 days in special cases); round 2 written test:
#   within 15 days of the public posting of round-2 results; round 1 taken as a
#   computer-based multiple-choice test and round 2 interviews are NOT re-marked.
# - Decree 138/2020/NĐ-CP (civil servants, replaced 161/2018) and Decree 170/2025/NĐ-CP
#   (its successor), Decree 115/2020 / 85/2023 (public employees) and Circular
#   22/2025/TT-BNV: the article fixing the window and whether computer tests may be
#   re-marked were NOT found in a primary source; 15 days is carried over as the
#   reported figure [U]. Re-marking here is the board's check of the scoring against
#   the key (with any key correction); whether the reported "no re-marking of computer
#   tests" of recruitment round 1 applies to a given exam is the board's call (it may
#   refuse a request as not admissible); an exam may set its own window
#   (Exam.remark_window_days).
REMARK_RULES = (
    RemarkRule(
        effective=dt.date(2020, 11, 27),
        days=15,
        source="Nghị định 138/2020/NĐ-CP (chưa đối chiếu văn bản gốc); Nghị định 161/2018/NĐ-CP Điều 1 khoản 4, 10",
    ),
)


def remark_window_days(on: dt.date) -> int:
    """Days after publication within which a candidate may ask for re-marking."""
    rules = [r for r in REMARK_RULES if r.effective <= on]
    return max(rules, key=lambda r: r.effective).days if rules else 0
