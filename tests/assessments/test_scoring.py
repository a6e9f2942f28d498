"""Table tests of the pure scoring and ranking rules (assessments/scoring.py)."""

import datetime as dt

import pytest

from assessments import scoring

S, M, TF = scoring.SINGLE, scoring.MULTIPLE, scoring.TRUE_FALSE


@pytest.mark.parametrize(
    ("kind", "correct", "selected", "negative", "expected"),
    [
        (S, ["b"], ["b"], 0, 1.0),
        (S, ["b"], ["a"], 0, 0.0),
        (S, ["b"], ["a"], 0.25, -0.25),
        (S, ["b"], [], 0.25, 0.0),  # blank is never penalised
        (S, ["b"], None, 0.25, 0.0),
        (S, ["b"], ["a", "b"], 0.25, -0.25),  # two ticks on a single-answer question is wrong
        (TF, ["true"], ["true"], 0.5, 1.0),
        (TF, ["true"], ["false"], 0.5, -0.5),
        (M, ["a", "c"], ["c", "a"], 0.25, 1.0),  # order of ticks does not matter
        (M, ["a", "c"], ["a"], 0.25, -0.25),  # all-or-nothing: a partial answer is wrong
        (M, ["a", "c"], ["a", "b", "c"], 0, 0.0),
        (M, ["a", "c"], [], 1, 0.0),
    ],
)
def test_score_item(kind, correct, selected, negative, expected):
    assert scoring.score_item(kind, correct, selected, negative) == expected


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        scoring.score_item("essay", ["a"], ["a"], 0)


def items(part_id, answers, kind=S):
    """answers: string of r/w/b (right, wrong, blank) for a part's questions."""
    out = []
    for ch in answers:
        selected = {"r": ["a"], "w": ["b"], "b": []}[ch]
        out.append({"part_id": part_id, "kind": kind, "correct": ["a"], "selected": selected})
    return out


def test_sixty_questions_pass_at_exactly_half():
    # Decree 170/2025 art. 9: round 1 is 60 questions, ≥ 50 % correct goes on.
    result = scoring.score_paper(items(1, "r" * 30 + "w" * 30), {1: None}, 0, True, 50)
    assert (result["score"], result["max_score"], result["percent"], result["passed"]) == (30.0, 60.0, 50.0, True)
    result = scoring.score_paper(items(1, "r" * 29 + "w" * 31), {1: None}, 0, True, 50)
    assert result["passed"] is False and result["percent"] == pytest.approx(48.33)


@pytest.mark.parametrize(
    ("answers", "negative", "floor", "score", "passed"),
    [
        ("rrwwb", 0, True, 2.0, False),
        ("rrrwb", 0.25, True, 2.75, True),
        ("rwwww", 0.5, True, 0.0, False),  # 1 − 2 floored at 0
        ("rwwww", 0.5, False, -1.0, False),  # no floor: negative totals stand
        ("bbbbb", 1, True, 0.0, False),
        ("rrrww", 1 / 3, True, 2.33, False),  # 3 − 0.666… = 2.33 < 2.5
    ],
)
def test_negative_marking_and_floor(answers, negative, floor, score, passed):
    result = scoring.score_paper(items(1, answers), {1: None}, negative, floor, 50)
    assert result["score"] == score
    assert result["passed"] is passed


def test_floor_is_applied_per_part_before_the_total():
    paper = items(1, "wwww") + items(2, "rrrr")
    floored = scoring.score_paper(paper, {1: None, 2: None}, 1, True, 50)
    assert [p["score"] for p in floored["parts"]] == [0.0, 4.0]
    assert floored["score"] == 4.0 and floored["passed"] is True
    unfloored = scoring.score_paper(paper, {1: None, 2: None}, 1, False, 50)
    assert [p["score"] for p in unfloored["parts"]] == [-4.0, 4.0]
    assert unfloored["score"] == 0.0 and unfloored["passed"] is False


def test_every_part_with_a_pass_mark_must_be_passed():
    # Part 1 at 40 % (below its 50 % mark), part 2 perfect: total 70 % is not enough.
    paper = items(1, "rrwww") + items(2, "rrrrr")
    result = scoring.score_paper(paper, {1: 50, 2: 50}, 0, True, 50)
    assert result["percent"] == 70.0
    assert [p["passed"] for p in result["parts"]] == [False, True]
    assert result["passed"] is False
    # Without a mark on part 1 only the total (and part 2) decide.
    assert scoring.score_paper(paper, {1: None, 2: 50}, 0, True, 50)["passed"] is True


def test_overall_mark_applies_even_when_parts_pass():
    paper = items(1, "rrrww") + items(2, "rrrww")
    result = scoring.score_paper(paper, {1: 50, 2: 50}, 0, True, 70)
    assert all(p["passed"] for p in result["parts"]) and result["passed"] is False


def test_counts_of_right_wrong_blank_are_reported_per_part():
    result = scoring.score_paper(items(7, "rwbbw"), {7: None}, 0, True, None)
    part = result["parts"][0]
    assert (part["right"], part["wrong"], part["blank"]) == (1, 2, 2)
    assert (result["right"], result["wrong"], result["blank"]) == (1, 2, 2)
    assert result["passed"] is True  # no pass mark at all


def test_parts_keep_their_order_and_unknown_parts_come_last():
    paper = items(9, "r") + items(2, "rr") + items(1, "rrr")
    result = scoring.score_paper(paper, {1: None, 2: None}, 0, True, 50)
    assert [p["part_id"] for p in result["parts"]] == [1, 2, 9]
    assert [p["max"] for p in result["parts"]] == [3.0, 2.0, 1.0]


T0 = dt.datetime(2026, 3, 5, 8, 0, tzinfo=dt.UTC)


def row(id, score, first_part, wrong, minutes):
    return {"id": id, "score": score, "first_part": first_part, "wrong": wrong, "time_used": minutes * 60}


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # higher total first
        ([row(1, 40, 20, 5, 50), row(2, 45, 20, 5, 59)], {2: 1, 1: 2}),
        # equal totals: higher first part wins
        ([row(1, 40, 18, 5, 10), row(2, 40, 22, 9, 59)], {2: 1, 1: 2}),
        # equal first part: fewer wrong answers wins (blanks are not wrong)
        ([row(1, 40, 20, 9, 10), row(2, 40, 20, 3, 59)], {2: 1, 1: 2}),
        # equal again: less time used wins
        ([row(1, 40, 20, 3, 59), row(2, 40, 20, 3, 10)], {2: 1, 1: 2}),
        # equal on everything: shared rank, next rank skips
        ([row(1, 40, 20, 3, 10), row(2, 40, 20, 3, 10), row(3, 30, 20, 3, 10)], {1: 1, 2: 1, 3: 3}),
    ],
)
def test_rank_tie_break_chain(rows, expected):
    assert scoring.rank(rows) == expected


def test_rank_with_a_shorter_chain_shares_more_ranks():
    rows = [row(1, 40, 20, 3, 10), row(2, 40, 18, 3, 30), row(3, 50, 30, 0, 5), row(4, None, None, None, 1)]
    assert scoring.rank(rows, ["score"]) == {3: 1, 1: 2, 2: 2}
    assert scoring.rank(rows) == {3: 1, 1: 2, 2: 3}  # row 4 has no score: no rank


def test_unknown_tie_break_is_refused():
    with pytest.raises(ValueError):
        scoring.rank([row(1, 1, 1, 1, 1)], ["age"])


def test_tie_break_rule_in_words_follows_the_chain():
    text = scoring.describe_tie_breaks()
    steps = ("tổng điểm cao hơn", "phần thứ nhất", "ít câu trả lời sai", "thời gian làm bài ít hơn")
    positions = [text.index(s) for s in steps]
    assert positions == sorted(positions)
    assert "đồng hạng" in text and "nộp bài sớm hơn" not in text
    assert "thời gian" not in scoring.describe_tie_breaks(["score", "wrong"])


# --- partial credit (issue 15) --------------------------------------------------------

P, AON = scoring.PARTIAL_CREDIT, scoring.ALL_OR_NOTHING
# Two right options of 50 % each, two wrong ones taking the whole mark back.
HALVES = {"a": 50.0, "b": -100.0, "c": 50.0, "d": -100.0}
THIRDS = {"a": 33.33, "b": 33.33, "c": 33.34, "d": -50.0}


@pytest.mark.parametrize(
    ("kind", "correct", "selected", "weights", "mode", "expected"),
    [
        (M, ["a", "c"], ["a"], HALVES, P, (0.5, scoring.PARTIAL)),  # one of two right: half the mark
        (M, ["a", "c"], ["a", "c"], HALVES, P, (1.0, scoring.RIGHT)),
        (M, ["a", "c"], ["a", "b"], HALVES, P, (0.0, scoring.WRONG)),  # -50 % floored at 0 per question
        (M, ["a", "c"], ["a", "b", "c", "d"], HALVES, P, (0.0, scoring.WRONG)),  # ticking every box earns nothing
        (M, ["a", "c"], ["b"], HALVES, P, (0.0, scoring.WRONG)),
        (M, ["a", "c"], [], HALVES, P, (0.0, scoring.BLANK)),
        (M, ["a", "b", "c"], ["a", "b", "c"], THIRDS, P, (1.0, scoring.RIGHT)),
        (M, ["a", "b", "c"], ["a", "b"], THIRDS, P, (0.6666, scoring.PARTIAL)),
        (M, ["a", "b", "c"], ["a", "b", "c", "d"], THIRDS, P, (0.5, scoring.PARTIAL)),
        # The same answers all-or-nothing: only the exact key counts.
        (M, ["a", "c"], ["a"], HALVES, AON, (0.0, scoring.WRONG)),
        (M, ["a", "c"], ["c", "a"], HALVES, AON, (1.0, scoring.RIGHT)),
        # No weights: all-or-nothing even in partial mode.
        (M, ["a", "c"], ["a"], None, P, (0.0, scoring.WRONG)),
        (S, ["b"], ["b"], None, P, (1.0, scoring.RIGHT)),
        # A single-answer question with a penalty weight on a distractor, floored at 0.
        (S, ["a"], ["b"], {"a": 100.0, "b": -100.0, "c": 0.0}, P, (0.0, scoring.WRONG)),
        (S, ["a"], ["a", "b"], {"a": 100.0, "b": -100.0, "c": 0.0}, P, (0.0, scoring.WRONG)),
    ],
)
def test_item_mark(kind, correct, selected, weights, mode, expected):
    mark, result = scoring.item_mark(kind, correct, selected, weights, mode)
    assert (round(mark, 4), result) == expected


def test_negative_mark_applies_only_all_or_nothing():
    # Partial credit: the weights are the penalty, the exam's negative mark is not used.
    assert scoring.score_item(M, ["a", "c"], ["b"], 0.25, HALVES, P) == 0.0
    assert scoring.score_item(M, ["a", "c"], ["b"], 0.25, HALVES, AON) == -0.25
    assert scoring.score_item(M, ["a", "c"], ["a"], 0.25, HALVES, AON) == -0.25


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="mode"):
        scoring.item_mark(M, ["a"], ["a"], HALVES, "generous")


def weighted(part_id, picks, weights=HALVES, correct=("a", "c")):
    return [
        {"part_id": part_id, "kind": M, "correct": list(correct), "selected": list(p), "weights": weights}
        for p in picks
    ]


def test_paper_in_partial_mode_counts_right_partial_wrong_blank():
    paper = weighted(1, ["ac", "a", "c", "ab", ""]) + weighted(2, ["a", "ac"])
    result = scoring.score_paper(paper, {1: None, 2: None}, 0.25, True, 50, scoring.PARTIAL_CREDIT)
    first, second = result["parts"]
    assert (first["score"], first["right"], first["partial"], first["wrong"], first["blank"]) == (2.0, 1, 2, 1, 1)
    assert (second["score"], second["partial"], second["right"]) == (1.5, 1, 1)
    assert result["score"] == 3.5 and result["max_score"] == 7.0 and result["percent"] == 50.0
    assert result["passed"] is True
    assert (result["right"], result["partial"], result["wrong"], result["blank"]) == (2, 3, 1, 1)


def test_same_paper_all_or_nothing_with_negative_marking():
    paper = weighted(1, ["ac", "a", "c", "ab", ""]) + weighted(2, ["a", "ac"])
    result = scoring.score_paper(paper, {1: None, 2: None}, 0.25, True, 50)
    # Part 1: 1 right, 3 wrong (−0,75) = 0,25; part 2: 1 right, 1 wrong = 0,75.
    assert [p["score"] for p in result["parts"]] == [0.25, 0.75]
    assert (result["right"], result["partial"], result["wrong"], result["blank"]) == (2, 0, 4, 1)
    assert result["passed"] is False


def test_partial_scores_stay_two_decimal():
    paper = weighted(1, ["ab"] * 3, THIRDS, ("a", "b", "c"))  # 0.6666 each
    result = scoring.score_paper(paper, {1: None}, 0, True, None, scoring.PARTIAL_CREDIT)
    assert result["score"] == 2.0 and result["parts"][0]["score"] == 2.0  # fsum 1.9998 → 2.00
    paper = weighted(1, ["ab"], THIRDS, ("a", "b", "c"))
    assert scoring.score_paper(paper, {1: None}, 0, True, None, scoring.PARTIAL_CREDIT)["score"] == 0.67


def test_option_weights_read_like_the_model():
    assert scoring.option_weights([{"id": "a", "correct": True}, {"id": "b"}]) is None
    options = [{"id": "a", "correct": True, "weight": 50}, {"id": "b", "weight": -100}, {"id": "c"}]
    assert scoring.option_weights(options) == {"a": 50.0, "b": -100.0, "c": 0.0}


# --- time used, the last tie-break (issue 15 item 7) ---------------------------------------


def test_time_used_is_finish_minus_start_capped_at_the_limit():
    start = T0
    assert scoring.time_used(start, start + dt.timedelta(minutes=42, seconds=7.9), 3600) == 42 * 60 + 7
    assert scoring.time_used(start, start + dt.timedelta(minutes=61), 3600) == 3600  # closed late by the worker
    assert scoring.time_used(start, None, 3600) is None and scoring.time_used(None, start, 3600) is None
    # A 10-minute pause moved the deadline: the pause is not time used.
    deadline = start + dt.timedelta(minutes=70)
    assert scoring.time_used(start, start + dt.timedelta(minutes=50), 3600, deadline) == 40 * 60
    assert scoring.time_used(start, deadline + dt.timedelta(seconds=4), 3600, deadline) == 3600
    assert scoring.mm_ss(42 * 60 + 7) == "42:07" and scoring.mm_ss(7500) == "125:00" and scoring.mm_ss(None) == ""


def test_candidates_closed_by_the_deadline_61_ms_apart_share_the_rank():
    # Same answers; one clicked Start 61 ms after the other; the worker closed both at
    # their own deadline (finalized_at = deadline). Before issue 15 the earlier click won.
    first_start = T0
    second_start = T0 + dt.timedelta(milliseconds=61)
    rows = []
    for pk, start in ((1, first_start), (2, second_start)):
        deadline = start + dt.timedelta(minutes=60)
        used = scoring.time_used(start, deadline, 3600, deadline)
        rows.append({"id": pk, "score": 40, "first_part": 20, "wrong": 3, "time_used": used})
    assert scoring.rank(rows) == {1: 1, 2: 1}
    rows.append({"id": 3, "score": 40, "first_part": 20, "wrong": 3, "time_used": 3599})
    rows.append({"id": 4, "score": 40, "first_part": 20, "wrong": 3, "time_used": None})
    assert scoring.rank(rows) == {3: 1, 1: 2, 2: 2, 4: 4}  # without a time: last
