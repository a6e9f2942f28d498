"""Scoring and ranking rules: plain functions over plain values, no ORM.

A question is worth one mark. Recruitment round 1 under Decree 170/2025 art. 9 is 60
questions in 60 minutes and a candidate goes on to round 2 with at least 50 % correct
(reference vietnam-rules.md §4.2); older rounds (Decree 138/2020 art. 8) required 50 %
in each part, which is why a part may carry its own pass mark.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

SINGLE, MULTIPLE, TRUE_FALSE = "single", "multiple", "true_false"
RIGHT, WRONG, BLANK = "right", "wrong", "blank"


def outcome(kind: str, correct_ids: Iterable[str], selected: Iterable[str] | None) -> str:
    """RIGHT, WRONG or BLANK for one answer.

    Every kind is all-or-nothing: the answer is right only when the chosen set is
    exactly the key. For a multiple-answer question that means no partial credit —
    three of four correct options is a wrong answer. Partial credit would let a
    candidate tick every box for a share of the mark, and the Decree's "% of correct
    answers" counts questions, not options. A single-answer question with two ticked
    options is likewise wrong.
    """
    chosen = set(selected or ())
    if not chosen:
        return BLANK
    if kind not in (SINGLE, MULTIPLE, TRUE_FALSE):
        raise ValueError(f"unknown question kind: {kind!r}")
    return RIGHT if chosen == set(correct_ids) else WRONG


def score_item(kind: str, correct_ids: Iterable[str], selected: Iterable[str] | None, negative_mark: float) -> float:
    """1 for a right answer, −negative_mark for a wrong one, 0 for a blank.

    `negative_mark` is a fraction of one question (0.25 takes a quarter mark per wrong
    answer); a blank answer is never penalised, so guessing carries a cost and skipping
    does not.
    """
    result = outcome(kind, correct_ids, selected)
    if result == RIGHT:
        return 1.0
    if result == WRONG:
        return -float(negative_mark) if negative_mark else 0.0
    return 0.0


def _meets(score: float, max_score: float, pass_percent: float) -> bool:
    # Exact rational comparison of the rounded score: 30/60 against 50 % must pass
    # even when negative marks such as 0.33 leave binary-float residue behind.
    return Fraction(str(score)) * 100 >= Fraction(str(pass_percent)) * Fraction(str(max_score))


def _percent(score: float, max_score: float) -> float:
    return round(100 * score / max_score, 2) if max_score else 0.0


def score_paper(
    items: Sequence[Mapping[str, Any]],
    parts: Mapping[int, float | None],
    negative_mark: float,
    floor_at_zero: bool,
    overall_pass_percent: float | None,
) -> dict:
    """Score one paper.

    items: [{part_id, kind, correct, selected}], correct and selected are option ids.
    parts: {part_id: pass_percent or None}, in part order (the first one is the part
    the "first part" tie-break refers to). Items of a part missing from `parts` are
    scored in a part without a pass mark, after the listed ones.

    With `floor_at_zero` each part's score is floored at 0 before the total is summed,
    so negative marks in one part never eat into another part's score.

    `passed` is True only when every part that has a pass mark reaches it AND the total
    reaches `overall_pass_percent` (None: no overall mark). Scores are rounded to two
    decimals (what Attempt stores), and pass marks are compared against that figure.
    """
    order = list(parts)
    for item in items:
        if item["part_id"] not in parts and item["part_id"] not in order:
            order.append(item["part_id"])
    sums: dict[int, list[float]] = {pid: [] for pid in order}
    counts: dict[int, dict[str, int]] = {pid: {RIGHT: 0, WRONG: 0, BLANK: 0} for pid in order}
    for item in items:
        result = outcome(item["kind"], item["correct"], item.get("selected"))
        counts[item["part_id"]][result] += 1
        sums[item["part_id"]].append(score_item(item["kind"], item["correct"], item.get("selected"), negative_mark))

    part_rows = []
    for pid in order:
        raw = math.fsum(sums[pid])
        score = round(max(raw, 0.0) if floor_at_zero else raw, 2) + 0.0  # +0.0 turns -0.0 into 0.0
        maximum = float(len(sums[pid]))
        pass_percent = parts.get(pid)
        part_rows.append(
            {
                "part_id": pid,
                "score": score,
                "max": maximum,
                "percent": _percent(score, maximum),
                "passed": None if pass_percent is None else _meets(score, maximum, float(pass_percent)),
                "right": counts[pid][RIGHT],
                "wrong": counts[pid][WRONG],
                "blank": counts[pid][BLANK],
            }
        )

    total = round(math.fsum(p["score"] for p in part_rows), 2) + 0.0
    max_score = math.fsum(p["max"] for p in part_rows)
    passed = all(p["passed"] is not False for p in part_rows)
    if overall_pass_percent is not None:
        passed = passed and _meets(total, max_score, float(overall_pass_percent))
    return {
        "score": total,
        "max_score": max_score,
        "percent": _percent(total, max_score),
        "parts": part_rows,
        "passed": passed,
        "right": sum(p["right"] for p in part_rows),
        "wrong": sum(p["wrong"] for p in part_rows),
        "blank": sum(p["blank"] for p in part_rows),
    }


# --- ranking -------------------------------------------------------------------------

# Each tie-break maps a row to a key where smaller sorts first (ranks higher).
TIE_BREAK_KEYS = {
    "score": lambda row: -float(row["score"]),
    "first_part": lambda row: -float(row["first_part"]) if row.get("first_part") is not None else math.inf,
    "wrong": lambda row: row.get("wrong") if row.get("wrong") is not None else math.inf,
    "finalized_at": lambda row: (row.get("finalized_at") is None, row.get("finalized_at") or 0),
}
TIE_BREAK_LABELS = {
    "score": _("tổng điểm cao hơn"),
    "first_part": _("điểm phần thứ nhất cao hơn"),
    "wrong": _("ít câu trả lời sai hơn"),
    "finalized_at": _("nộp bài sớm hơn"),
}
DEFAULT_TIE_BREAKS = ("score", "first_part", "wrong", "finalized_at")


def rank(rows: Sequence[Mapping[str, Any]], tie_breaks: Sequence[str] = DEFAULT_TIE_BREAKS) -> dict[Any, int]:
    """Competition ranks ("1, 2, 2, 4") keyed by row["id"].

    rows: [{id, score, first_part, wrong, finalized_at}]. With the default chain the
    order is decided by, in turn: (1) higher total score; (2) higher score in the first
    part; (3) fewer wrong answers (a blank is not wrong); (4) earlier finalisation.
    Candidates still equal on every criterion share the rank, and the next rank skips
    accordingly. Rows without a score get no rank. `describe_tie_breaks` gives the same
    chain in words for the results pages and documents.
    """
    unknown = [t for t in tie_breaks if t not in TIE_BREAK_KEYS]
    if unknown:
        raise ValueError(f"unknown tie-breaks: {unknown}")

    def key(row):
        return tuple(TIE_BREAK_KEYS[t](row) for t in tie_breaks)

    scored = sorted((r for r in rows if r.get("score") is not None), key=key)
    ranks: dict[Any, int] = {}
    previous, current = None, 0
    for position, row in enumerate(scored, start=1):
        row_key = key(row)
        if row_key != previous:
            previous, current = row_key, position
        ranks[row["id"]] = current
    return ranks


def describe_tie_breaks(tie_breaks: Sequence[str] = DEFAULT_TIE_BREAKS) -> str:
    """The ranking rule in words, e.g. for the foot of the official results list."""
    steps = "; ".join(f"({i}) {TIE_BREAK_LABELS[t]}" for i, t in enumerate(tie_breaks, start=1))
    return gettext("Xếp hạng lần lượt theo: %(steps)s. Thí sinh vẫn bằng nhau ở mọi tiêu chí thì đồng hạng.") % {
        "steps": steps
    }
