"""Item analysis over a hand-made response matrix, checked against numpy computed here.

Twelve candidates, six single-answer questions with options a–d. Question 3 is
deliberately mis-keyed (the bank says b, the strong candidates answer a), and nobody
ever picks option d of question 5.
"""

import numpy as np
import pandas as pd
import pytest

from assessments import reports

KEYS = ["a", "a", "a", "b", "a", "a"]
ANSWERS = [  # one string per candidate, one letter per question, "-" = blank
    "aaaaaa",
    "aaaaaa",
    "aaaaba",
    "aabaaa",
    "abaaab",
    "aacbaa",
    "baabca",
    "acbbac",
    "cabbba",
    "bbabcb",
    "cbcbbc",
    "bcb-cb",
]


def keys_for(keys=KEYS):
    return {
        100 + i: {
            "kind": "single",
            "options": [{"id": o, "text": f"Phương án {o}", "correct": o == key} for o in "abcd"],
        }
        for i, key in enumerate(keys)
    }


def answers_for(rows=ANSWERS):
    return [
        (attempt, 100 + i, [] if ch == "-" else [ch])
        for attempt, line in enumerate(rows, start=1)
        for i, ch in enumerate(line)
    ]


def matrix(rows=ANSWERS, keys=KEYS):
    return np.array([[1.0 if ch == k else 0.0 for ch, k in zip(line, keys, strict=True)] for line in rows])


@pytest.fixture(scope="module")
def report():
    return reports.analyse(answers_for(), keys_for())


def test_facility_and_item_sd_match_numpy(report):
    x = matrix()
    for i, item in enumerate(report["items"]):
        assert item["n"] == 12
        assert item["facility"] == pytest.approx(100 * x[:, i].mean())
        assert item["sd"] == pytest.approx(100 * x[:, i].std(ddof=1))


def test_discrimination_index_is_the_item_rest_correlation(report):
    x = matrix()
    total = x.sum(axis=1)
    for i, item in enumerate(report["items"]):
        rest = total - x[:, i]
        assert item["discrimination_index"] == pytest.approx(100 * np.corrcoef(x[:, i], rest)[0, 1])
        assert item["point_biserial"] == pytest.approx(np.corrcoef(x[:, i], total)[0, 1])
        cov = np.cov(x[:, i], rest)[0, 1]
        cov_max = np.cov(np.sort(x[:, i]), np.sort(rest))[0, 1]
        assert item["discriminative_efficiency"] == pytest.approx(100 * cov / cov_max)


def test_kr20_equals_cronbach_alpha(report):
    x = matrix()
    k = x.shape[1]
    p = x.mean(axis=0)
    kr20 = k / (k - 1) * (1 - (p * (1 - p)).sum() / x.sum(axis=1).var(ddof=0))
    test = report["test"]
    assert test["fixed_form"] is True and test["k"] == 6
    assert test["alpha"] == pytest.approx(kr20)
    assert test["cic"] == pytest.approx(100 * kr20)
    assert test["error_ratio"] == pytest.approx(100 * np.sqrt(1 - kr20))
    assert test["sem"] == pytest.approx(np.sqrt(1 - kr20) * x.sum(axis=1).std(ddof=1))


def test_test_level_moments_match_pandas_k_statistics(report):
    totals = pd.Series(matrix().sum(axis=1))
    test = report["test"]
    assert test["n"] == 12
    assert test["mean"] == pytest.approx(totals.mean())
    assert test["median"] == pytest.approx(totals.median())
    assert test["sd"] == pytest.approx(totals.std(ddof=1))
    assert test["skewness"] == pytest.approx(totals.skew())
    # Moodle's k4/k2² is the excess kurtosis that pandas also reports.
    assert test["kurtosis"] == pytest.approx(totals.kurt())


def test_upper_and_lower_groups_are_27_percent(report):
    x = matrix()
    total = x.sum(axis=1)
    # 27 % of 12 rounds to 3: candidates 1, 2 and 6 score 5 (top); 10, 11, 12 score 2, 1, 0.
    assert report["test"]["group_size"] == 3
    upper, lower = [0, 1, 5], [9, 10, 11]
    assert sorted(np.argsort(-total, kind="stable")[:3].tolist()) == upper
    first = report["items"][0]
    assert first["upper_facility"] == pytest.approx(100 * x[upper, 0].mean())
    assert first["lower_facility"] == pytest.approx(100 * x[lower, 0].mean())
    assert first["upper_lower_d"] == pytest.approx(x[upper, 0].mean() - x[lower, 0].mean())


def test_option_frequencies_overall_and_by_group(report):
    item = report["items"][0]
    shares = {o["id"]: o["share"] for o in item["options"]}
    assert shares == pytest.approx({"a": 100 * 7 / 12, "b": 100 * 3 / 12, "c": 100 * 2 / 12, "d": 0.0})
    a = item["options"][0]
    assert a["key"] is True and a["letter"] == "A"
    assert (a["upper_share"], a["lower_share"]) == (100.0, 0.0)
    blank = report["items"][3]["blank"]
    assert blank["count"] == 1 and blank["share"] == pytest.approx(100 / 12)


def codes(item):
    return {f["code"] for f in item["flags"]}


def test_mis_keyed_item_is_flagged(report):
    item = report["items"][3]
    assert item["discrimination_index"] < 0
    assert reports.FLAG_MISKEY in codes(item)
    detail = next(f["detail"] for f in item["flags"] if f["code"] == reports.FLAG_MISKEY)
    assert "A" in detail  # the upper group chose A over the key
    assert next(f["label"] for f in item["flags"] if f["code"] == reports.FLAG_MISKEY) == "có thể sai đáp án"
    # A sound item is not.
    assert reports.FLAG_MISKEY not in codes(report["items"][0])


def test_correcting_the_key_clears_the_flag():
    fixed = reports.analyse(answers_for(), keys_for(["a"] * 6))
    assert fixed["items"][3]["discrimination_index"] > 0
    assert reports.FLAG_MISKEY not in codes(fixed["items"][3])


def test_distractor_nobody_picks_is_non_functioning(report):
    item = report["items"][5]
    d = item["options"][3]
    assert d["count"] == 0 and d["share"] == 0.0
    assert reports.FLAG_NONFUNCTIONING in codes(item)
    detail = next(f["detail"] for f in item["flags"] if f["code"] == reports.FLAG_NONFUNCTIONING)
    assert "D ít người chọn" in detail


def test_distractor_chosen_by_stronger_candidates_is_non_functioning():
    # Option c of question 0 is picked by two mid-to-strong candidates only.
    rows = ["aaaaaa", "caaaaa", "caaaaa", "baaaaa", "bbbbbb", "bbbbbb", "bbbbbb"]
    report = reports.analyse(answers_for(rows), keys_for(["a"] * 6))
    c = report["items"][0]["options"][2]
    assert c["share"] > reports.RARE_OPTION and c["r"] > 0
    detail = next(f["detail"] for f in report["items"][0]["flags"] if f["code"] == reports.FLAG_NONFUNCTIONING)
    assert "C có độ phân biệt dương" in detail


def test_easy_and_hard_items_are_flagged():
    rows = ["ab", "ab", "ab", "ab", "ab", "aa"]
    report = reports.analyse(answers_for(rows), keys_for(["a", "a"]))
    assert reports.FLAG_TOO_EASY in codes(report["items"][0])
    assert reports.FLAG_TOO_HARD in codes(report["items"][1])


@pytest.mark.parametrize("n", [0, 1, 2])
def test_tiny_samples_do_not_crash(n):
    report = reports.analyse(answers_for(ANSWERS[:n]), keys_for())
    test = report["test"]
    assert test["n"] == n
    assert test["skewness"] is None and test["kurtosis"] is None and test["group_size"] is None
    for item in report["items"]:
        assert item["n"] == n
        assert item["discrimination_index"] is None
        assert item["discriminative_efficiency"] is None
        assert item["point_biserial"] is None
        assert item["upper_facility"] is None and item["upper_lower_d"] is None
    if n == 2:
        assert test["sd"] is not None and report["items"][0]["facility"] == 100.0


def test_zero_variance_gives_none_not_nan():
    report = reports.analyse(answers_for(["aaaaaa"] * 5), keys_for(["a"] * 6))
    test = report["test"]
    assert test["sd"] == 0.0
    assert test["alpha"] is None and test["sem"] is None and test["skewness"] is None
    item = report["items"][0]
    assert item["facility"] == 100.0 and item["sd"] == 0.0
    assert item["discrimination_index"] is None and item["point_biserial"] is None


def test_random_forms_analyse_each_item_over_those_who_had_it():
    keys = keys_for(["a"] * 4)
    # Four candidates, papers of two questions drawn from four.
    answers = [
        (1, 100, ["a"]), (1, 101, ["a"]),
        (2, 100, ["a"]), (2, 102, ["b"]),
        (3, 101, ["b"]), (3, 103, ["a"]),
        (4, 102, ["b"]), (4, 103, ["b"]),
    ]  # fmt: skip
    report = reports.analyse(answers, keys)
    assert report["test"]["fixed_form"] is False and report["test"]["k"] == 2
    assert [i["n"] for i in report["items"]] == [2, 2, 2, 2]
    assert [i["facility"] for i in report["items"]] == [100.0, 50.0, 0.0, 50.0]
    # Σ var(x_i) averaged over the four papers: item variances are 0, .5, 0, .5.
    per_paper = [0 + 0.5, 0 + 0, 0.5 + 0.5, 0 + 0.5]
    totals = np.array([2.0, 1.0, 1.0, 0.0])
    expected = 2 / 1 * (1 - np.mean(per_paper) / totals.var(ddof=1))
    assert report["test"]["alpha"] == pytest.approx(expected)


# --- partial credit (issue 15): statistics on the marks awarded ----------------------------

WEIGHTED = {"a": 50, "b": 50, "c": -100, "d": 0}
# Six candidates, two multiple-answer questions weighted A 50 %, B 50 %, C -100 %.
PICKS = [("ab", "ab"), ("ab", "a"), ("a", "ab"), ("a", "b"), ("ac", "c"), ("c", "")]


def weighted_keys():
    options = [{"id": o, "text": o, "correct": w > 0, "weight": w} for o, w in WEIGHTED.items()]
    return {200: {"kind": "multiple", "options": options}, 201: {"kind": "multiple", "options": options}}


def weighted_answers():
    return [(n, 200 + i, list(p)) for n, row in enumerate(PICKS, start=1) for i, p in enumerate(row)]


def test_partial_credit_statistics_use_the_marks_awarded():
    report = reports.analyse(weighted_answers(), weighted_keys(), "partial")
    marks = np.array([[1, 1], [1, 0.5], [0.5, 1], [0.5, 0.5], [0, 0], [0, 0]])
    totals = marks.sum(axis=1)
    for i, item in enumerate(report["items"]):
        assert item["facility"] == pytest.approx(100 * marks[:, i].mean())
        assert item["sd"] == pytest.approx(100 * marks[:, i].std(ddof=1))
        rest = totals - marks[:, i]
        assert item["discrimination_index"] == pytest.approx(100 * np.corrcoef(marks[:, i], rest)[0, 1])
    k = 2
    alpha = k / (k - 1) * (1 - marks.var(axis=0, ddof=1).sum() / totals.var(ddof=1))
    assert report["test"]["alpha"] == pytest.approx(alpha)
    assert report["test"]["mean"] == pytest.approx(totals.mean())
    assert [o["weight"] for o in report["items"][0]["options"]] == [50, 50, -100, 0]
    # The same answers all-or-nothing: only "ab" earns a mark.
    strict = reports.analyse(weighted_answers(), weighted_keys())
    assert [i["facility"] for i in strict["items"]] == pytest.approx([100 * 2 / 6, 100 * 2 / 6])
