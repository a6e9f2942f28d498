"""Table tests of the evaluation frameworks (evaluation/rules.py): plain values, no database."""

import datetime as dt
from decimal import Decimal

import pytest

from evaluation import rules

CS = rules.get_regime("nd335_2025")
PE = rules.get_regime("nd233_2026")
OLD = rules.get_regime("nd90_2020_48_2023")


def level(total, regime=CS, **overrides):
    facts = {"disciplined": False, "months_worked": 12, "maternity": False, "months_absent": 0}
    facts.update(overrides)
    return rules.classify(total, regime=regime, **facts)[0]


@pytest.mark.parametrize(
    "total, expected",
    [
        (100, "xuat_sac"),
        (90, "xuat_sac"),
        (Decimal("89.99"), "tot"),
        (70, "tot"),
        (Decimal("69.99"), "hoan_thanh"),
        (50, "hoan_thanh"),
        (Decimal("49.99"), "khong_hoan_thanh"),
        (0, "khong_hoan_thanh"),
    ],
)
@pytest.mark.parametrize("regime", [CS, PE])
def test_thresholds_90_70_50(total, expected, regime):
    assert level(total, regime) == expected


def test_discipline_in_the_year_means_not_completed():
    lvl, reasons = rules.classify(95, regime=CS, disciplined=True, months_worked=12)
    assert lvl == "khong_hoan_thanh"
    assert any("kỷ luật" in r for r in reasons)


def test_under_six_months_is_not_rated_unless_maternity():
    assert level(95, months_worked=5.9) == "not_rated"
    assert level(95, months_worked=5.9, maternity=True) == "xuat_sac"
    assert level(95, months_worked=6) == "xuat_sac"


def test_absence_cap_of_48_2023_only_in_that_regime():
    assert level(None, OLD, entered="xuat_sac", months_absent=4) == "hoan_thanh"
    assert level(None, OLD, entered="xuat_sac", months_absent=6) == "xuat_sac"
    assert level(None, OLD, entered="xuat_sac", months_absent=2.9) == "xuat_sac"
    assert level(None, OLD, entered="khong_hoan_thanh", months_absent=4) == "khong_hoan_thanh"
    assert level(95, CS, months_absent=4) == "xuat_sac"


def test_qualitative_regime_needs_an_entered_level():
    with pytest.raises(rules.RuleError):
        rules.classify(None, regime=OLD, disciplined=False, months_worked=12)
    with pytest.raises(rules.RuleError):
        rules.classify(None, regime=CS, disciplined=False, months_worked=12)


def test_regime_for_by_category_and_date():
    assert rules.regime_for("civil_servant", dt.date(2026, 1, 1)).code == "nd335_2025"
    assert rules.regime_for("public_employee", dt.date(2026, 6, 30)).code == "nd90_2020_48_2023"
    assert rules.regime_for("public_employee", dt.date(2026, 7, 1)).code == "nd233_2026"
    with pytest.raises(rules.RegimeError):
        rules.regime_for("civil_servant", dt.date(2025, 12, 31))
    with pytest.raises(rules.RegimeError):
        rules.regime_for("contract_worker", dt.date(2026, 3, 1))


def test_check_regime_refuses_233_for_may_2026_and_the_wrong_category():
    with pytest.raises(rules.RegimeError, match="01/07/2026"):
        rules.check_regime("nd233_2026", "public_employee", dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    with pytest.raises(rules.RegimeError):
        # a quarter straddling 1/7 does not fit either
        rules.check_regime("nd233_2026", "public_employee", dt.date(2026, 6, 1), dt.date(2026, 8, 31))
    with pytest.raises(rules.RegimeError):
        rules.check_regime("nd233_2026", "civil_servant", dt.date(2026, 7, 1), dt.date(2026, 7, 31))
    assert rules.check_regime("nd233_2026", "public_employee", dt.date(2026, 7, 1), dt.date(2026, 9, 30)) is PE


def test_criteria_tree_is_30_general_and_70_results():
    for regime in (CS, PE):
        assert regime.group_max("general") == 30
        assert regime.group_max("results") == 70
        assert sum(1 for c in regime.criteria if c.discipline) == 1
        assert sum(1 for c in regime.criteria if c.competence) == 1
    assert OLD.criteria == () and OLD.scale == "qualitative"


def test_validate_scores():
    ok = {"chinh_tri_dao_duc": 6, "ket_qua_nhiem_vu": "70"}
    assert rules.validate_scores(CS, {}, ok) == []
    above = rules.validate_scores(CS, {}, {"chinh_tri_dao_duc": 6.5})
    assert len(above) == 1 and "vượt mức tối đa 6" in above[0]
    assert "không được âm" in rules.validate_scores(CS, {}, {"nang_luc": -1})[0]
    assert "không có trong khung" in rules.validate_scores(CS, {}, {"bogus": 1})[0]
    assert "phải là số" in rules.validate_scores(CS, {}, {"nang_luc": "abc"})[0]
    assert "phải là số" in rules.validate_scores(CS, {}, {"nang_luc": True})[0]
    # the unit's quy chế lowers a maximum: 6 is then too many
    own = {"chinh_tri_dao_duc": 4, "ky_luat_ky_cuong": 8}
    assert rules.validate_scores(CS, own, {"chinh_tri_dao_duc": 5})
    assert rules.validate_scores(CS, own, {"ky_luat_ky_cuong": 8}) == []


def test_rulebook_must_keep_the_group_totals():
    assert rules.validate_rulebook(CS, {"chinh_tri_dao_duc": 4, "ky_luat_ky_cuong": 8}) == []
    problems = rules.validate_rulebook(CS, {"chinh_tri_dao_duc": 10})
    assert problems and "34" in problems[0] and "30" in problems[0]
    assert rules.validate_rulebook(CS, {"x": 1})
    assert rules.validate_rulebook(CS, {}, {"late_per": -1})
    assert rules.validate_rulebook(CS, {}, {"bogus": 1})


def line(**kw):
    base = {"quantity": 10, "quantity_done": 10, "standard_units": 1, "rejected": 0, "late": 0, "cause_accepted": False}
    base.update(kw)
    return base


def test_results_points_full_marks():
    points = rules.results_points([line()], 70)
    assert points["total"] == Decimal("70.00")


def test_rejected_product_loses_25_percent_of_its_quality_points():
    # 10 products done, quality share 70/3: one rejected loses 25 % of its 1/10 share
    points = rules.results_points([line(rejected=1)], 60)
    assert points["quality"] == Decimal("19.50")  # 20 × (1 − 0.25 × 1/10)
    assert points["quantity"] == Decimal("20.00")
    assert points["timeliness"] == Decimal("20.00")


def test_late_product_loses_25_percent_of_its_timeliness_points_unless_cause_accepted():
    late = rules.results_points([line(late=2)], 60)
    assert late["timeliness"] == Decimal("19.00")  # 20 × (1 − 0.25 × 2/10)
    excused = rules.results_points([line(late=2, cause_accepted=True)], 60)
    assert excused["timeliness"] == Decimal("20.00")
    assert excused["late_excused_units"] == 2


def test_results_points_use_standard_units_and_quantity_share():
    # a report counting 3 standard products, half the assignment done
    points = rules.results_points([line(quantity=4, quantity_done=2, standard_units=3)], 60)
    assert points["assigned_units"] == 12 and points["done_units"] == 6
    assert points["quantity"] == Decimal("10.00")
    assert points["total"] == Decimal("30.00")
    # over-target work does not raise points above the maximum
    assert rules.results_points([line(quantity_done=15)], 60)["total"] == Decimal("60.00")
    assert rules.results_points([], 60)["total"] == 0


def test_results_split_is_the_units_to_set():
    points = rules.results_points([line(late=10)], 70, {"quantity": 4, "quality": 2, "timeliness": 1})
    assert points["quantity"] == Decimal("40.00") and points["quality"] == Decimal("20.00")
    assert points["timeliness"] == Decimal("7.50")  # 10 × (1 − 0.25)


def test_discipline_deduction_follows_the_units_rule():
    rule = {
        "late_per": 2,
        "late_points": 1,
        "unexcused_absence_points": 2,
        "missing_punch_per": 3,
        "missing_punch_points": 0.5,
    }
    points, why = rules.discipline_deduction({"late": 5, "unexcused_absences": 1, "missing_punches": 3}, rule, 6)
    assert points == Decimal("4.50")  # 2 × 1 + 1 × 2 + 1 × 0.5
    assert "đi muộn" in why and "không phải quy định của pháp luật" in why
    capped, why = rules.discipline_deduction({"unexcused_absences": 5}, {**rule, "cap": 3}, 6)
    assert capped == 3 and "tối đa" in why
    assert rules.discipline_deduction({"unexcused_absences": 9}, rule, 6)[0] == 6
    assert rules.discipline_deduction({}, rule, 6)[0] == 0
    # Unexcused absence is counted in days: a half day deducts half a day's points.
    half, why = rules.discipline_deduction({"unexcused_absences": 0.5}, rule, 6)
    assert half == rule["unexcused_absence_points"] * Decimal("0.5") and "0,5 ngày" in why


def rows(n_tot, n_xs, group="A", pending_last=True):
    out = [{"employee_id": i, "agency": 1, "task_group": group, "level": "tot"} for i in range(n_tot)]
    out += [
        {
            "employee_id": 100 + i,
            "agency": 1,
            "task_group": group,
            "level": "xuat_sac",
            "pending": pending_last and i == n_xs - 1,
        }
        for i in range(n_xs)
    ]
    return out


def test_quota_five_tot_allows_one_xuat_sac_and_refuses_two():
    assert rules.quota_problems(rows(5, 1), regime=CS) == []
    problems = rules.quota_problems(rows(5, 2), regime=CS)
    assert len(problems) == 1
    p = problems[0]
    assert p.code == "quota" and p.severity == "block"
    assert p.employee_ids == (101,)  # the one being decided now is the one over
    assert "tối đa 1" in p.message


def test_quota_25_percent_when_the_unit_is_xuat_sac():
    # 8 tốt: 20 % → 1, 25 % → 2
    assert rules.quota_problems(rows(8, 2), regime=PE)
    assert rules.quota_problems(rows(8, 2), regime=PE, unit_excellent=True) == []
    assert rules.quota_problems(rows(8, 3), regime=PE, unit_excellent=True)


def test_quota_is_per_agency_and_task_group():
    mixed = rows(5, 1, group="A") + [
        {"employee_id": 200, "agency": 1, "task_group": "B", "level": "xuat_sac"},
    ]
    problems = rules.quota_problems(mixed, regime=CS)
    assert [p.employee_ids for p in problems] == [(200,)]
    other_agency = rows(5, 1) + [{"employee_id": 300, "agency": 2, "task_group": "A", "level": "tot"}]
    assert rules.quota_problems(other_agency, regime=CS) == []


def test_quota_is_only_a_warning_in_the_old_regime():
    problems = rules.quota_problems(rows(0, 1), regime=OLD)
    assert problems and problems[0].severity == "warn"


def test_consistency_problems():
    base = {"employee_id": 1, "level": "xuat_sac", "is_unit_head": True, "disciplined": False, "months_worked": 12}
    head = rules.consistency_problems([base], "tot", regime=PE)
    assert [(p.code, p.severity) for p in head] == [("head_above_unit", "block")]
    assert rules.consistency_problems([base], "xuat_sac", regime=PE) == []
    assert rules.consistency_problems([base], "tot", regime=CS)[0].severity == "warn"
    disciplined = rules.consistency_problems([{**base, "is_unit_head": False, "disciplined": True}], None, regime=CS)
    assert [p.code for p in disciplined] == ["disciplined"]
    short = rules.consistency_problems([{**base, "is_unit_head": False, "months_worked": 3}], None, regime=CS)
    assert [p.code for p in short] == ["short_service"] and short[0].employee_ids == (1,)
    maternity = {**base, "is_unit_head": False, "months_worked": 3, "maternity": True}
    assert rules.consistency_problems([maternity], None, regime=CS) == []


@pytest.mark.parametrize(
    "kind, start, end",
    [
        ("month", dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
        ("quarter", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
        ("quarter", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        ("year", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
    ],
)
def test_period_bounds(kind, start, end):
    assert rules.period_bounds(kind, start) == (start, end)


@pytest.mark.parametrize(
    "kind, start",
    [
        ("month", dt.date(2026, 2, 2)),
        ("quarter", dt.date(2026, 2, 1)),
        ("year", dt.date(2026, 2, 1)),
        ("week", dt.date(2026, 1, 1)),
    ],
)
def test_period_bounds_refuse_odd_starts(kind, start):
    with pytest.raises(rules.RuleError):
        rules.period_bounds(kind, start)


def test_deadlines_per_regime():
    assert rules.deadline_for(PE, 2026) == dt.date(2026, 12, 5)
    assert rules.deadline_for(CS, 2026) == dt.date(2026, 12, 15)


def test_mean_total():
    assert rules.mean_total([80, 90, Decimal("95.5")]) == Decimal("88.50")
    assert rules.mean_total([]) is None
