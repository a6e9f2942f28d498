"""A unit's quarter scored in one go (evaluation/batch.py, the bench's path): the results
criterion from the products, the discipline criterion from the evidence snapshot, the
other general criteria from the person's own assessment, the total and the level; a
decided evaluation is left alone and another unit is not touched.

The world is test_evidence.py's: An (101) in commune A, four late arrivals and one
unexcused day in March 2026 under the unit's rule → 4 points off the discipline
criterion's 6, so 2 remain.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from evaluation import batch, rules
from evaluation.models import Assignment, Evaluation, ProductResult, ProductType
from hr_system.models import AuditLog
from tests.evaluation.test_evidence import Q1, evaluation_of, world  # noqa: F401 (the fixture)

OWN = {"chinh_tri_dao_duc": 5, "trach_nhiem_phuc_vu": 5, "nang_luc": 4, "doi_moi_sang_tao": 4}  # 18


def give_work(employee, unit, done: int) -> None:
    product = ProductType.objects.create(unit=unit, name="Văn bản tham mưu", measure="văn bản")
    assignment = Assignment.objects.create(
        employee=employee,
        product_type=product,
        period_kind="quarter",
        period_start=Q1,
        quantity=Decimal(10),
        deadline=dt.date(2026, 3, 31),
    )
    ProductResult.objects.create(assignment=assignment, quantity_done=Decimal(done))


def test_a_quarter_is_scored_from_products_evidence_and_own_assessment(world):  # noqa: F811
    give_work(world.emp_a, world.commune_a, done=8)
    mine = evaluation_of(world)
    mine.self_scores = OWN
    mine.status = Evaluation.Status.SELF
    mine.save()
    counts = batch.score_period(world.commune_a, "quarter", Q1, acting_user=world.hr_a)
    # An scored; the teacher is a viên chức, whose Q1 2026 framework (48/2023) has no points
    assert (counts["scored"], counts["created"], counts["locked"], counts["skipped"]) == (1, 0, 0, 1)
    mine.refresh_from_db()
    assert mine.status == Evaluation.Status.SCORED
    assert mine.manager_scores["ky_luat_ky_cuong"] == 2
    # 10 assigned, 8 done, none rejected or late: 70 × 0.8 = 56
    assert mine.manager_scores["ket_qua_nhiem_vu"] == 56
    assert mine.total == Decimal("76.00") and mine.classification == rules.TOT
    assert mine.evidence["attendance"]["late_count"] == 4 and mine.evidence["discipline"]["deduction"] == 4
    assert AuditLog.objects.filter(action="evaluation.score_period").count() == 1


def test_people_without_an_evaluation_get_one_and_a_decided_one_is_left_alone(world):  # noqa: F811
    give_work(world.emp_a, world.commune_a, done=10)
    counts = batch.score_period(world.commune_a, "quarter", Q1)
    assert (counts["scored"], counts["created"]) == (1, 1)
    created = Evaluation.objects.get(employee=world.emp_a, period_start=Q1)
    # no own assessment: the general criteria other than discipline score nothing yet
    assert created.total == Decimal("72.00") and created.classification == rules.TOT
    created.status = Evaluation.Status.DECIDED
    created.save()
    again = batch.score_period(world.commune_a, "quarter", Q1)
    assert (again["scored"], again["locked"]) == (0, 1)
    created.refresh_from_db()
    assert created.status == Evaluation.Status.DECIDED


def test_another_units_people_are_not_scored(world):  # noqa: F811
    batch.score_period(world.commune_a, "quarter", Q1)
    assert not Evaluation.objects.filter(employee=world.emp_b).exists()
    batch.score_period(world.commune_b, "quarter", Q1)
    assert Evaluation.objects.filter(employee=world.emp_b).count() == 1
    assert Evaluation.objects.filter(employee=world.emp_a).count() == 1


def test_only_months_and_quarters_are_scored_in_bulk(world):  # noqa: F811
    with pytest.raises(rules.RuleError, match="tháng hoặc quý"):
        batch.score_period(world.commune_a, "year", dt.date(2026, 1, 1))
