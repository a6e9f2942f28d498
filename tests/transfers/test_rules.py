"""The pure transfer rules: set validation, points by hand, eligibility with citations,
direction of ranking, tie-breaks, assignment, and leader-selection score combination."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from transfers import rules
from transfers.rules import CriterionSpec as C

ON = dt.date(2026, 9, 30)


def by_code(lines: list[dict]) -> dict[str, dict]:
    return {line["criterion"]: line for line in lines}


# --- criteria sets -----------------------------------------------------------------------


def test_the_default_set_is_valid_and_follows_the_reference_table():
    specs = rules.default_criteria()
    assert rules.validate_criteria(specs) == []
    texts = {s.code: rules.rule_text(s) for s in specs}
    assert texts["service"] == "1 điểm cho mỗi năm, tối đa 5 điểm"
    assert texts["ratings"].startswith("xuất sắc: 3; tốt: 2; hoàn thành: 1")
    assert "trung bình 3 năm gần nhất" in texts["ratings"]
    assert texts["priority"].startswith("nhóm 1: 7,5; nhóm 2: 5; nhóm 3: 2,5; nhóm 4: 1,5")
    assert "từ 40 km trở lên: 3 điểm" in texts["distance"]
    assert rules.validate_tie_break(rules.DEFAULT_TIE_BREAK, [s.code for s in specs]) == []
    assert rules.DEFAULT_TIE_BREAK == ["years_in_sector", "ratings", "female", "older"]


def test_a_cycle_between_criteria_is_an_error_naming_them():
    specs = [
        C("a", "A", "criterion:b", "per_unit", {"rate": 1}),
        C("b", "B", "criterion:c", "per_unit", {"rate": 1}),
        C("c", "C", "criterion:a", "per_unit", {"rate": 1}),
        C("d", "D", "years_in_sector", "per_unit", {"rate": 1}),
    ]
    errors = rules.validate_criteria(specs)
    assert len(errors) == 1
    assert "vòng tròn" in errors[0] and all(f"«{c}»" in errors[0] for c in "abc")
    assert "«d»" not in errors[0]
    with pytest.raises(rules.CriteriaError):
        rules.CompiledSet(specs)


def test_a_criterion_referring_to_itself_is_a_cycle():
    errors = rules.validate_criteria([C("a", "A", "criterion:a", "fixed", {"points": 1})])
    assert errors == ["Các tiêu chí tham chiếu vòng tròn: «a» → «a»"]


def test_a_missing_or_unknown_input_is_an_error_naming_the_criterion():
    errors = rules.validate_criteria(
        [C("bonus", "Bonus", "criterion:ghost", "fixed", {"points": 1}), C("x", "X", "salary", "fixed", {"points": 1})]
    )
    assert any("«bonus»" in e and "«ghost»" in e for e in errors)
    assert any("«x»" in e and "«salary»" in e for e in errors)


def test_negative_rate_or_cap_is_refused():
    errors = rules.validate_criteria(
        [
            C("a", "A", "years_in_sector", "per_unit", {"rate": -1}),
            C("b", "B", "hardship_years", "per_unit", {"rate": 1, "cap": -2}),
        ]
    )
    assert any("«a»" in e and "rate" in e and "âm" in e for e in errors)
    assert any("«b»" in e and "cap" in e and "âm" in e for e in errors)


def test_overlapping_bands_are_refused_and_touching_bands_are_fine():
    overlap = C("d", "D", "distance_km", "bands", {"bands": [[0, 10, 0], [5, 20, 1]]})
    open_then_more = C("e", "E", "distance_km", "bands", {"bands": [[0, None, 0], [30, 40, 1]]})
    touching = C("f", "F", "distance_km", "bands", {"bands": [[10, 20, 1], [0, 10, 0], [20, None, 2]]})
    errors = rules.validate_criteria([overlap, open_then_more, touching])
    assert any("«d»" in e and "chồng lên nhau" in e for e in errors)
    assert any("«e»" in e and "chồng lên nhau" in e for e in errors)
    assert not any("«f»" in e for e in errors)


def test_points_and_breakdown_of_the_default_set_by_hand():
    compiled = rules.CompiledSet(rules.default_criteria())
    inputs = {
        "years_in_sector": 7.5,  # 1/year, capped at 5 → 5
        "hardship_years": 3,  # 0.5/year → 1.5
        # the last three years only: (3 + 2 + 1) / 3 = 2
        "ratings": [[2025, "xuat_sac"], [2024, "tot"], [2023, "hoan_thanh"], [2022, "xuat_sac"]],
        "distance_km": 25,  # band [20, 40) → 2
        "family_circumstances": 1,  # fixed 2
        "priority_group": "2",  # 5
    }
    total, lines, points = compiled.score(inputs)
    assert total == Decimal("17.50")
    lines = by_code(lines)
    assert [lines[c]["points"] for c in ("service", "hardship", "ratings", "distance", "family", "priority")] == [
        5,
        1.5,
        2,
        2,
        2,
        5,
    ]
    assert lines["ratings"]["value_text"] == "2025: xuất sắc; 2024: tốt; 2023: hoàn thành"
    assert lines["distance"]["value_text"] == "25 km"
    assert lines["service"]["rule"] == "1 điểm cho mỗi năm, tối đa 5 điểm"
    assert lines["priority"]["value_text"] == "nhóm 2"


def test_an_average_of_ratings_is_rounded_to_hundredths_before_the_total():
    compiled = rules.CompiledSet(rules.default_criteria())
    total, lines, _ = compiled.score({"ratings": [[2025, "tot"], [2024, "tot"], [2023, "hoan_thanh"]]})
    assert by_code(lines)["ratings"]["points"] == 1.67
    assert total == Decimal("1.67")


def test_missing_inputs_score_zero_and_say_so():
    total, lines, _ = rules.CompiledSet(rules.default_criteria()).score({})
    assert total == 0
    assert by_code(lines)["distance"]["value_text"] == "không có dữ liệu"
    assert by_code(lines)["ratings"]["value_text"] == "chưa có kết quả"


def test_a_criterion_can_reuse_another_criterions_points():
    specs = [
        C("hardship", "Vùng khó khăn", "hardship_years", "per_unit", {"rate": 1, "cap": 4}, 1),
        C("bonus", "Thưởng vùng khó khăn", "criterion:hardship", "bands", {"bands": [[3, None, 2]]}, 2),
    ]
    compiled = rules.CompiledSet(specs)
    assert compiled.score({"hardship_years": 6})[0] == Decimal("6")  # 4 (cap) + 2
    assert compiled.score({"hardship_years": 2})[0] == Decimal("2")  # 2 + 0
    line = by_code(compiled.score({"hardship_years": 6})[1])["bonus"]
    assert line["value_text"] == "4 điểm (tiêu chí «hardship»)"


# --- evidence ----------------------------------------------------------------------------


def test_later_evidence_supersedes_and_corrections_override_the_registry():
    registry = {"years_in_sector": 3.0, "gender": "female"}
    inputs = rules.merge_inputs(
        registry,
        [
            ("pregnancy", True),
            ("rating", {"year": 2024, "rating": "tot"}),
            ("rating", {"year": 2025, "rating": "hoan_thanh"}),
            ("rating", {"year": 2025, "rating": "xuat_sac"}),  # corrects 2025
            ("pregnancy", False),
            ("family_circumstances", "Con khuyết tật"),
            ("family_circumstances", "Mẹ ốm dài ngày"),
            ("correction", {"input": "years_in_sector", "value": 12.0}),
        ],
    )
    assert inputs["pregnant"] is False
    assert inputs["ratings"] == [[2025, "xuat_sac", "evidence"], [2024, "tot", "evidence"]]
    assert inputs["family_circumstances"] == 2
    assert inputs["years_in_sector"] == 12.0 and inputs["corrected"] == ["years_in_sector"]


@pytest.mark.parametrize(
    "kind,value,message",
    [
        ("pregnancy", "có", "true hoặc false"),
        ("rating", {"year": 2025, "rating": "gioi"}, "xếp loại"),
        ("priority_group", "7", "nhóm"),
        ("study", -1, "số tháng"),
        ("correction", {"input": "salary", "value": 1}, "input"),
        ("weather", True, "không hợp lệ"),
    ],
)
def test_malformed_evidence_is_refused_with_a_message(kind, value, message):
    with pytest.raises(ValueError, match=message):
        rules.clean_evidence(kind, value)


# --- eligibility -------------------------------------------------------------------------

BASE = {
    "gender": "female",
    "date_of_birth": "1985-01-01",
    "is_teacher": False,
    "sector_start": "2010-09-01",
}


@pytest.mark.parametrize(
    "facts,code,rule",
    [
        ({"under_discipline": True}, "discipline", "Nghị định 59/2019/NĐ-CP, Điều 38"),
        ({"under_investigation": True}, "investigation", "Nghị định 59/2019/NĐ-CP, Điều 38"),
        ({"serious_illness": True}, "serious_illness", "Nghị định 59/2019/NĐ-CP, Điều 38"),
        ({"study_months": 12}, "study", "Nghị định 59/2019/NĐ-CP, Điều 38"),
        ({"on_secondment": True}, "on_secondment", "Nghị định 59/2019/NĐ-CP, Điều 38"),
        ({"pregnant": True}, "pregnancy", "Nghị định 59/2019/NĐ-CP, Điều 38"),
        ({"child_birth_date": "2024-10-01"}, "child", "Nghị định 59/2019/NĐ-CP, Điều 38"),
        (
            {"gender": "male", "child_birth_date": "2024-10-01", "raising_child_alone": True},
            "child",
            "Nghị định 59/2019/NĐ-CP, Điều 38",
        ),
        # woman born 03/1970 reaches 57y4m in 07/2027: under 18 months from 30/09/2026
        ({"date_of_birth": "1970-03-01"}, "retirement", "Nghị định 59/2019/NĐ-CP, Điều 39"),
        ({"is_teacher": True, "sector_start": "2024-09-01"}, "recently_recruited", "Luật Nhà giáo 2025"),
    ],
)
def test_each_exclusion_comes_with_its_rule(facts, code, rule):
    exclusions, _ = rules.check_eligibility({**BASE, **facts}, on=ON)
    assert [e["code"] for e in exclusions] == [code]
    assert rule in exclusions[0]["rule"]
    assert exclusions[0]["reason"]


@pytest.mark.parametrize(
    "facts",
    [
        {"study_months": 11},  # under 12 months of full-time study
        {"child_birth_date": "2023-09-29"},  # the child turned 36 months before 30/09/2026
        {"gender": "male", "child_birth_date": "2025-01-01"},  # a father not raising the child alone
        {"date_of_birth": "1970-03-01", "gender": "male"},  # a man of that age retires in 2032
        {"is_teacher": True, "sector_start": "2023-09-30"},  # exactly 3 years
    ],
)
def test_the_boundaries_of_each_exclusion(facts):
    assert rules.check_eligibility({**BASE, **facts}, on=ON)[0] == []


def test_a_recent_teacher_volunteering_for_a_hardship_area_is_not_excluded_but_noted():
    facts = {**BASE, "is_teacher": True, "sector_start": "2025-09-01", "volunteer": True}
    exclusions, notes = rules.check_eligibility(facts, on=ON, to_hardship_area=True)
    assert exclusions == []
    assert any("tự nguyện" in n and "Điều 19" in n for n in notes)
    assert rules.check_eligibility(facts, on=ON, to_hardship_area=False)[0][0]["code"] == "recently_recruited"


def test_secondment_over_three_years_in_total_is_excluded():
    facts = {**BASE, "secondment_months": 24}
    exclusions, _ = rules.check_eligibility(facts, on=ON, kind="secondment", planned_months=13)
    assert exclusions[0]["code"] == "secondment_limit"
    assert "Luật Viên chức số 129/2025/QH15" in exclusions[0]["rule"]
    before = rules.check_eligibility(facts, on=dt.date(2026, 6, 30), kind="secondment", planned_months=13)[0]
    assert "Luật Viên chức 2010, Điều 36" in before[0]["rule"]
    assert rules.check_eligibility(facts, on=ON, kind="secondment", planned_months=12)[0] == []
    # the limit concerns secondments only
    assert rules.check_eligibility(facts, on=ON, kind="transfer", planned_months=13)[0] == []


def test_pregnancy_in_a_secondment_cites_the_law_on_public_employees_too():
    exclusions, _ = rules.check_eligibility({**BASE, "pregnant": True}, on=ON, kind="secondment", planned_months=6)
    assert "Luật Viên chức số 129/2025/QH15" in exclusions[0]["rule"]
    earlier = {**BASE, "pregnant": True}
    before, _ = rules.check_eligibility(earlier, on=dt.date(2026, 6, 30), kind="secondment", planned_months=6)
    assert "Luật Viên chức 2010, Điều 36" in before[0]["rule"]


def test_missing_birth_date_is_noted_not_guessed():
    exclusions, notes = rules.check_eligibility({**BASE, "date_of_birth": None}, on=ON)
    assert exclusions == [] and any("ngày sinh" in n for n in notes)


def test_the_retirement_table_is_a_parameter():
    table = {"male": [[2020, 60 * 12]], "female": [[2020, 60 * 12]]}
    assert rules.retirement_date(dt.date(1970, 3, 1), "female", table) == dt.date(2030, 3, 1)
    exclusions, _ = rules.check_eligibility(
        {**BASE, "date_of_birth": "1970-03-01"}, on=ON, params={"retirement_ages": table}
    )
    assert exclusions == []


def test_the_default_retirement_roadmap():
    table = rules.default_retirement_ages()
    # Men: 61y3m for those reaching it in 2025; women: 57y4m in 2027; the ceiling after 2028/2035.
    assert rules.retirement_date(dt.date(1964, 5, 10), "male", table) == dt.date(2025, 8, 10)
    assert rules.retirement_date(dt.date(1970, 3, 1), "female", table) == dt.date(2027, 7, 1)
    assert rules.retirement_date(dt.date(1980, 1, 1), "female", table) == dt.date(2040, 1, 1)


# --- ranking and assignment ---------------------------------------------------------------


def entry(key, total, **inputs):
    return rules.Entry(key, inputs, True, Decimal(str(total)), {})


def test_surplus_moves_volunteers_first_then_the_lowest_points():
    entries = [
        entry("A", 9, years_in_sector=10),
        entry("B", 4, years_in_sector=10),
        entry("C", 7, years_in_sector=10, volunteer=True),
        entry("D", 12, years_in_sector=10, volunteer=True),
        entry("E", 6, years_in_sector=10),
    ]
    order, ties = rules.rank(entries, purpose="surplus", chain=[])
    assert order == ["D", "C", "B", "E", "A"]
    assert ties == []


def test_closer_to_home_serves_the_highest_points_first_whatever_the_volunteer_flag():
    entries = [entry("A", 9), entry("B", 4), entry("C", 7, volunteer=True), entry("D", 12)]
    order, _ = rules.rank(entries, purpose="closer_to_home", chain=[])
    assert order == ["D", "A", "C", "B"]


def test_volunteers_first_can_be_switched_off():
    entries = [entry("A", 3), entry("B", 4, volunteer=True)]
    assert rules.rank(entries, purpose="surplus", chain=[], volunteers_first=True)[0] == ["B", "A"]
    assert rules.rank(entries, purpose="surplus", chain=[], volunteers_first=False)[0] == ["A", "B"]


def test_the_tie_break_chain_longer_service_then_rating_then_woman_then_older():
    chain = rules.DEFAULT_TIE_BREAK
    common = {"ratings": [[2025, "tot"]], "gender": "male", "date_of_birth": "1985-01-01"}
    entries = [
        entry("svc_long", 8, **{**common, "years_in_sector": 20}),
        entry("svc_short", 8, **{**common, "years_in_sector": 5}),
        entry("rating_high", 8, **{**common, "years_in_sector": 10, "ratings": [[2025, "xuat_sac"]]}),
        entry("woman", 8, **{**common, "years_in_sector": 10, "gender": "female"}),
        entry("older", 8, **{**common, "years_in_sector": 10, "date_of_birth": "1970-01-01"}),
        entry("younger", 8, **{**common, "years_in_sector": 10}),
    ]
    best_first, ties = rules.rank(entries, purpose="closer_to_home", chain=chain)
    assert best_first == ["svc_long", "rating_high", "woman", "older", "younger", "svc_short"]
    assert ties == []
    # In a surplus the same chain protects: the least favoured moves first.
    assert rules.rank(entries, purpose="surplus", chain=chain)[0] == list(reversed(best_first))
    assert "thời gian công tác trong ngành dài hơn → kết quả đánh giá" in rules.tie_break_text(chain)


def test_a_tie_left_after_the_whole_chain_is_reported_and_ordered_by_code():
    entries = [entry("300", 5, years_in_sector=3), entry("200", 5, years_in_sector=3), entry("100", 9)]
    order, ties = rules.rank(entries, purpose="closer_to_home", chain=["years_in_sector"])
    assert order == ["100", "200", "300"] and ties == [["200", "300"]]


def test_assignment_serves_rank_order_with_preferences_and_counts():
    posts = [(1, 1), (2, 2)]
    prefs = {"A": [2, 1], "B": [2], "C": [2, 1], "D": [1]}
    assigned, unfilled = rules.assign_posts(["A", "B", "C", "D"], posts, prefs, any_post=False)
    assert assigned == {"A": 2, "B": 2, "C": 1}  # C's first choice is full; D finds nothing left
    assert unfilled == []


def test_without_room_in_their_choices_a_surplus_candidate_takes_any_post_a_closer_to_home_one_stays():
    posts = [(1, 1), (2, 1)]
    prefs = {"A": [2], "B": [2]}
    assert rules.assign_posts(["A", "B"], posts, prefs, any_post=True)[0] == {"A": 2, "B": 1}
    assigned, unfilled = rules.assign_posts(["A", "B"], posts, prefs, any_post=False)
    assert assigned == {"A": 2} and unfilled == [(1, 1)]


def test_more_places_than_candidates_are_reported_unfilled_never_filled():
    assigned, unfilled = rules.assign_posts(["A"], [(1, 2), (2, 1)], {}, any_post=True)
    assert assigned == {"A": 1}
    assert unfilled == [(1, 1), (2, 1)]


def test_evaluate_round_excludes_before_ranking_and_assigns_in_order():
    compiled = rules.CompiledSet(rules.default_criteria())
    pool = [
        ("1", {**BASE, "years_in_sector": 2, "volunteer": False}, []),
        ("2", {**BASE, "years_in_sector": 4}, []),
        ("3", {**BASE, "years_in_sector": 1, "under_discipline": True}, []),
    ]
    outcome = rules.evaluate_round(
        pool, compiled=compiled, purpose="surplus", kind="transfer", on=ON, posts=[(7, 1)], chain=[]
    )
    assert outcome.order == ["1", "2"]
    assert outcome.results["1"].post == 7 and outcome.results["2"].post is None
    assert outcome.results["3"].rank is None and outcome.results["3"].exclusions[0]["code"] == "discipline"
    assert outcome.results["3"].total == Decimal("1")  # still scored, for the candidate's own view


# --- leader selection ------------------------------------------------------------------


def test_panel_average_drops_the_highest_and_lowest_from_three_scores_up():
    assert rules.combine_panel([50, 80, 90], drop_extremes=True) == Decimal("80.00")
    assert rules.combine_panel([60, 70, 80, 100], drop_extremes=True) == Decimal("75.00")
    assert rules.combine_panel([50, 80, 90], drop_extremes=False) == Decimal("73.33")
    assert rules.combine_panel([50, 90], drop_extremes=True) == Decimal("70.00")
    assert rules.combine_panel([], drop_extremes=True) is None


def test_leader_ranking_with_weights_pass_marks_and_the_exam_tie_break():
    rows = [
        {"key": "A", "exam": 80, "presentation": Decimal(70), "interview": Decimal(60)},
        {"key": "B", "exam": 70, "presentation": Decimal(75), "interview": Decimal(65)},
        {"key": "C", "exam": 90, "presentation": Decimal(45), "interview": Decimal(90)},
        {"key": "D", "exam": 60, "presentation": None, "interview": Decimal(90)},
    ]
    ranked = rules.rank_leaders(
        rows,
        weights={"exam": 1, "presentation": 2, "interview": 1},
        pass_marks={"presentation": Decimal(50)},
        pass_total=Decimal(60),
        chain=["exam"],
    )
    out = {r["key"]: r for r in ranked}
    # A: (80 + 140 + 60) / 4 = 70; B: (70 + 150 + 65) / 4 = 71.25; C: (90 + 90 + 90) / 4 = 67.5
    assert (out["A"]["total"], out["B"]["total"], out["C"]["total"]) == (
        Decimal("70"),
        Decimal("71.25"),
        Decimal("67.5"),
    )
    assert [r["key"] for r in ranked] == ["B", "A", "C", "D"]
    assert out["C"]["passed"] is False and "điểm sàn 50" in out["C"]["failed"][0]
    assert out["D"]["rank"] is None and out["D"]["complete"] is False
    tied = rules.rank_leaders(
        [{"key": "X", "exam": 60, "presentation": 80}, {"key": "Y", "exam": 70, "presentation": 80}],
        weights={"exam": 0, "presentation": 1, "interview": 0},
        pass_marks={},
        pass_total=None,
        chain=["exam"],
    )
    assert [r["key"] for r in tied] == ["Y", "X"] and tied[1]["tied_with_previous"] is False
