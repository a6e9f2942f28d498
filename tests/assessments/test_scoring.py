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
    return {
        "id": id,
        "score": score,
        "first_part": first_part,
        "wrong": wrong,
        "finalized_at": T0 + dt.timedelta(minutes=minutes),
    }


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # higher total first
        ([row(1, 40, 20, 5, 50), row(2, 45, 20, 5, 59)], {2: 1, 1: 2}),
        # equal totals: higher first part wins
        ([row(1, 40, 18, 5, 10), row(2, 40, 22, 9, 59)], {2: 1, 1: 2}),
        # equal first part: fewer wrong answers wins (blanks are not wrong)
        ([row(1, 40, 20, 9, 10), row(2, 40, 20, 3, 59)], {2: 1, 1: 2}),
        # equal again: earlier finalisation wins
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
    positions = [text.index(s) for s in ("tổng điểm cao hơn", "phần thứ nhất", "ít câu trả lời sai", "nộp bài sớm hơn")]
    assert positions == sorted(positions)
    assert "đồng hạng" in text
    assert "nộp bài" not in scoring.describe_tie_breaks(["score", "wrong"])
