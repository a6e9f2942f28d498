"""Scoring and ranking rules: plain functions over plain values, no ORM.

A question is worth one mark. Recruitment round 1 under Decree 170/2025 art. 9 is 60
questions in 60 minutes and a candidate goes on to round 2 with at least 50 % correct
(reference vietnam-rules.md §4.2); older rounds (Decree 138/2020 art. 8) required 50 %
in each part, which is why a part may carry its own pass mark.

An exam scores in one of two modes (Exam.scoring, issue 15):
- ALL_OR_NOTHING (the default): a question earns its mark only when the chosen set is
  exactly the key; the exam's `negative_mark` is taken off for a wrong answer.
- PARTIAL: a question earns the sum of the chosen options' weights (percent of its
  mark, from the author: GIFT ``~%50%``, the Excel weight column), floored at 0 and
  capped at 1 per question, as Moodle's multiple-response questions do. The negative
  weights ARE the penalty, inside the question: a wrong tick cancels credit earned
  by right ones but never takes marks from other questions, so the exam's
  `negative_mark` does not apply. A question without weights scores all-or-nothing
  (1 or 0) in this mode too.
All-or-nothing stays the default: the "% of correct answers" of Decree 170/2025 art. 9
counts questions, not options, so partial credit is for tests whose organiser chooses
it (an internal competency check), not for a recruitment round.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

SINGLE, MULTIPLE, TRUE_FALSE = "single", "multiple", "true_false"
RIGHT, PARTIAL, WRONG, BLANK = "right", "partial", "wrong", "blank"
OUTCOMES = (RIGHT, PARTIAL, WRONG, BLANK)
ALL_OR_NOTHING, PARTIAL_CREDIT = "all_or_nothing", "partial"  # Exam.Scoring values
MODES = (ALL_OR_NOTHING, PARTIAL_CREDIT)
# Weights of a multiple-answer question may sum to 100 % ± 0.01 point (parsers.
# WEIGHT_TOLERANCE), so choosing every correct option can earn 0.9999 of the mark: that
# is the full mark, not a partial one.
FULL_MARK_TOLERANCE = 0.0001


def outcome(kind: str, correct_ids: Iterable[str], selected: Iterable[str] | None) -> str:
    """RIGHT, WRONG or BLANK for one answer, all-or-nothing.

    The answer is right only when the chosen set is exactly the key. For a
    multiple-answer question that means no partial credit — three of four correct
    options is a wrong answer (an exam in PARTIAL mode uses `item_mark` instead). A
    single-answer question with two ticked options is likewise wrong.
    """
    chosen = set(selected or ())
    if not chosen:
        return BLANK
    if kind not in (SINGLE, MULTIPLE, TRUE_FALSE):
        raise ValueError(f"unknown question kind: {kind!r}")
    return RIGHT if chosen == set(correct_ids) else WRONG


def item_mark(
    kind: str,
    correct_ids: Iterable[str],
    selected: Iterable[str] | None,
    weights: Mapping[str, float] | None = None,
    mode: str = ALL_OR_NOTHING,
) -> tuple[float, str]:
    """(mark in 0..1 before any negative marking, outcome) for one answer.

    ALL_OR_NOTHING, or a question without weights: 1 and RIGHT for the exact key, else
    0 and WRONG (BLANK when nothing was chosen). PARTIAL with weights: the chosen
    options' weights summed, /100, floored at 0 and capped at 1; RIGHT at the full mark,
    PARTIAL above 0, WRONG at 0. A single-answer question with two ticks earns the sum
    too — the author's negative weights are what make that pointless.
    """
    if mode not in MODES:
        raise ValueError(f"unknown scoring mode: {mode!r}")
    result = outcome(kind, correct_ids, selected)
    if result == BLANK:
        return 0.0, BLANK
    if mode == ALL_OR_NOTHING or not weights:
        return (1.0, RIGHT) if result == RIGHT else (0.0, WRONG)
    raw = math.fsum(float(weights.get(option, 0.0)) for option in set(selected or ())) / 100
    if raw >= 1 - FULL_MARK_TOLERANCE:
        return 1.0, RIGHT
    if raw <= 0:
        return 0.0, WRONG
    return raw, PARTIAL


def option_weights(options: Iterable[Mapping[str, Any]]) -> dict[str, float] | None:
    """{option id: weight in percent} when the author weighted any option, else None
    (the same reading as QuestionVersion.weights, over plain option dicts)."""
    options = list(options)
    if not any("weight" in o for o in options):
        return None
    return {o["id"]: float(o.get("weight", 100 if o.get("correct") else 0)) for o in options}


def score_item(
    kind: str,
    correct_ids: Iterable[str],
    selected: Iterable[str] | None,
    negative_mark: float,
    weights: Mapping[str, float] | None = None,
    mode: str = ALL_OR_NOTHING,
) -> float:
    """The marks one answer earns.

    All-or-nothing: 1 for a right answer, −negative_mark for a wrong one, 0 for a blank.
    `negative_mark` is a fraction of one question (0.25 takes a quarter mark per wrong
    answer); a blank answer is never penalised, so guessing carries a cost and skipping
    does not. Partial credit: `item_mark` (0..1), `negative_mark` unused.
    """
    mark, result = item_mark(kind, correct_ids, selected, weights, mode)
    if mode == ALL_OR_NOTHING and result == WRONG:
        return -float(negative_mark) if negative_mark else 0.0
    return mark


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
    mode: str = ALL_OR_NOTHING,
) -> dict:
    """Score one paper in `mode` (ALL_OR_NOTHING or PARTIAL_CREDIT, see the module).

    items: [{part_id, kind, correct, selected, weights}], correct and selected are
    option ids, weights {option id: percent} or None (QuestionVersion.weights()).
    Each part and the paper count RIGHT, PARTIAL, WRONG and BLANK answers (PARTIAL
    only in partial-credit mode).
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
    counts: dict[int, dict[str, int]] = {pid: dict.fromkeys(OUTCOMES, 0) for pid in order}
    for item in items:
        weights = item.get("weights")
        _mark, result = item_mark(item["kind"], item["correct"], item.get("selected"), weights, mode)
        counts[item["part_id"]][result] += 1
        sums[item["part_id"]].append(
            score_item(item["kind"], item["correct"], item.get("selected"), negative_mark, weights, mode)
        )

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
                "partial": counts[pid][PARTIAL],
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
        "partial": sum(p["partial"] for p in part_rows),
        "wrong": sum(p["wrong"] for p in part_rows),
        "blank": sum(p["blank"] for p in part_rows),
    }


# --- ranking -------------------------------------------------------------------------


def time_used(
    started_at: dt.datetime | None,
    finalized_at: dt.datetime | None,
    limit_seconds: float | None,
    deadline: dt.datetime | None = None,
) -> int | None:
    """Whole seconds a candidate wrote, capped at their limit (the exam's time limit
    plus their extra time); None without a start and a finish.

    Finish minus start; when the deadline is known, the time the clock was stopped
    (a pause, time restored after a machine failure: both move the deadline, not the
    start) is left out, i.e. limit − (deadline − finish). Candidates closed by the
    deadline all used exactly their limit, however many milliseconds apart they
    clicked Start or the worker closed them; whole seconds are what the results list
    shows (mm:ss) and what the ranking compares.
    """
    if started_at is None or finalized_at is None:
        return None
    used = (finalized_at - started_at).total_seconds()
    if limit_seconds is not None:
        limit = max(0.0, float(limit_seconds))
        if deadline is not None:
            used = limit - max(0.0, (deadline - finalized_at).total_seconds())
        used = min(used, limit)
    return int(max(0.0, used))


def mm_ss(seconds: int | None) -> str:
    """ "52:07"; minutes go past 59 for long tests ("125:00"); "" for None."""
    if seconds is None:
        return ""
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


# Each tie-break maps a row to a key where smaller sorts first (ranks higher).
TIE_BREAK_KEYS = {
    "score": lambda row: -float(row["score"]),
    "first_part": lambda row: -float(row["first_part"]) if row.get("first_part") is not None else math.inf,
    "wrong": lambda row: row.get("wrong") if row.get("wrong") is not None else math.inf,
    "time_used": lambda row: (row.get("time_used") is None, row.get("time_used") or 0),
}
TIE_BREAK_LABELS = {
    "score": _("tổng điểm cao hơn"),
    "first_part": _("điểm phần thứ nhất cao hơn"),
    "wrong": _("ít câu trả lời sai hơn (câu bỏ trống và câu đúng một phần không tính là sai)"),
    "time_used": _(
        "thời gian làm bài ít hơn (từ lúc bắt đầu tính giờ đến lúc nộp bài, tính theo giây, "
        "tối đa bằng thời gian làm bài được phép kể cả thời gian được cộng thêm)"
    ),
}
DEFAULT_TIE_BREAKS = ("score", "first_part", "wrong", "time_used")


def rank(rows: Sequence[Mapping[str, Any]], tie_breaks: Sequence[str] = DEFAULT_TIE_BREAKS) -> dict[Any, int]:
    """Competition ranks ("1, 2, 2, 4") keyed by row["id"].

    rows: [{id, score, first_part, wrong, time_used}]. With the default chain the order
    is decided by, in turn: (1) higher total score; (2) higher score in the first part;
    (3) fewer wrong answers (a blank or a partly right answer is not wrong); (4) less
    time used (`time_used`: whole seconds, capped at the limit; a row without it sorts
    after those with it). Not the instant of finalisation: two candidates closed by
    the deadline with the same answers used the same time, whoever clicked Start first.
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
