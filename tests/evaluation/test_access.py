"""Who reaches which evaluation object (evaluation/access.py): a wrong unit's object is
missing (404), one the caller may read but not change is refused (403)."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404

from evaluation import access, actions
from hr_system.models import Role

Q1 = dt.date(2026, 1, 1)


def head(username, unit):
    user = get_user_model().objects.create_user(username=username, password="x")
    Role.objects.create(user=user, kind=Role.Kind.UNIT_HEAD, unit=unit)
    return user


@pytest.fixture
def world(cast):
    c = cast
    c.head_ward = head("head_ward", c.commune_a)
    c.head_b = head("head_b", c.commune_b)
    c.ev_a = actions.open_evaluation(acting_user=c.hr_a, employee=c.emp_a, period_kind="quarter", period_start=Q1)
    c.ev_b = actions.open_evaluation(acting_user=c.hr_b, employee=c.emp_b, period_kind="quarter", period_start=Q1)
    c.product_a = actions.add_product_type(acting_user=c.hr_a, unit=c.commune_a, name="Hồ sơ", measure="hồ sơ")
    c.product_province = actions.add_product_type(
        acting_user=c.admin, unit=c.province, name="Báo cáo", measure="văn bản"
    )
    c.assignment_a = actions.assign(
        acting_user=c.head_ward,
        employee=c.emp_a,
        product_type=c.product_a,
        period_kind="month",
        period_start=Q1,
        quantity=2,
        deadline=dt.date(2026, 1, 31),
    )
    c.measure_a = actions.record_discipline(
        acting_user=c.hr_a,
        employee=c.emp_a,
        level="khien_trach",
        decision_number="1/QĐ",
        decided_on=Q1,
        effective_from=Q1,
    )
    c.rulebook_a = actions.save_rulebook(acting_user=c.hr_a, unit=c.commune_a, regime="nd335_2025", effective_from=Q1)
    return c


def test_evaluation_lists_are_scoped(world):
    c = world
    assert list(access.evaluations_for(c.hr_a)) == [c.ev_a]
    assert list(access.evaluations_for(c.hr_b)) == [c.ev_b]
    assert list(access.evaluations_for(c.head_a)) == []  # a school head: the ward office is not theirs
    assert list(access.evaluations_for(c.staff_user)) == [c.ev_a]  # their own
    assert list(access.own_evaluations(c.staff_user)) == [c.ev_a]
    assert list(access.own_evaluations(c.hr_a)) == []
    assert set(access.evaluations_for(c.admin)) == {c.ev_a, c.ev_b}


def test_wrong_unit_evaluation_is_missing_for_every_action(world):
    c = world
    for action in ("read", "self", "score", "review", "decide", "reopen"):
        for user in (c.hr_b, c.head_b, c.head_a):
            with pytest.raises(Http404):
                access.get_evaluation_for_user(user, c.ev_a.pk, action=action)
    with pytest.raises(Http404):
        access.get_evaluation_for_user(c.hr_a, "not-a-number")


@pytest.mark.parametrize(
    "who, action, allowed",
    [
        ("staff_user", "read", True),
        ("staff_user", "self", True),
        ("staff_user", "score", False),
        ("staff_user", "decide", False),
        ("hr_a", "self", False),
        ("hr_a", "score", False),
        ("hr_a", "review", True),
        ("hr_a", "decide", False),
        ("hr_a", "reopen", False),
        ("head_ward", "self", False),
        ("head_ward", "score", True),
        ("head_ward", "review", True),
        ("head_ward", "decide", True),
        ("head_ward", "reopen", True),
        ("admin", "decide", True),
    ],
)
def test_who_does_what_on_an_evaluation_in_scope(world, who, action, allowed):
    user = getattr(world, who)
    if allowed:
        assert access.get_evaluation_for_user(user, world.ev_a.pk, action=action) == world.ev_a
    else:
        with pytest.raises(PermissionDenied):
            access.get_evaluation_for_user(user, world.ev_a.pk, action=action)


def test_a_head_does_not_score_or_decide_their_own_evaluation(world):
    c = world
    c.emp_a.user = None
    c.emp_a.save()
    c.emp_a.user = c.head_ward
    c.emp_a.save()
    c.head_ward._hr_roles = None
    for action in ("score", "decide", "reopen", "review"):
        with pytest.raises(PermissionDenied):
            access.get_evaluation_for_user(c.head_ward, c.ev_a.pk, action=action)
    assert access.get_evaluation_for_user(c.head_ward, c.ev_a.pk, action="self") == c.ev_a


def test_evaluable_employees_are_scoped(world):
    c = world
    assert access.get_evaluable_employee(c.hr_a, "101") == c.emp_a
    with pytest.raises(Http404):
        access.get_evaluable_employee(c.hr_b, "101")
    with pytest.raises(PermissionDenied):
        access.get_evaluable_employee(c.staff_user, "101")  # sees themself, cannot open


def test_catalogue_and_rulebook_wrong_unit(world):
    c = world
    assert access.get_product_type_for_user(c.hr_a, c.product_a.pk, write=True) == c.product_a
    # the province's catalogue applies below it: readable, not the ward's to change
    assert access.get_product_type_for_user(c.hr_a, c.product_province.pk) == c.product_province
    with pytest.raises(PermissionDenied):
        access.get_product_type_for_user(c.hr_a, c.product_province.pk, write=True)
    with pytest.raises(Http404):
        access.get_product_type_for_user(c.hr_b, c.product_a.pk)
    with pytest.raises(PermissionDenied):
        access.get_product_type_for_user(c.head_ward, c.product_a.pk, write=True)
    assert access.get_rulebook_for_user(c.hr_a, c.rulebook_a.pk, write=True) == c.rulebook_a
    with pytest.raises(Http404):
        access.get_rulebook_for_user(c.hr_b, c.rulebook_a.pk)
    assert list(access.catalogue_units_for(c.hr_b).values_list("code", flat=True)) == ["X-DK", "X-DK-UB"]


def test_assignment_wrong_unit(world):
    c = world
    a = c.assignment_a
    assert access.get_assignment_for_user(c.head_ward, a.pk, action="accept_cause") == a
    assert access.get_assignment_for_user(c.hr_a, a.pk, action="write") == a
    assert access.get_assignment_for_user(c.staff_user, a.pk) == a  # their own work
    with pytest.raises(PermissionDenied):
        access.get_assignment_for_user(c.staff_user, a.pk, action="write")
    with pytest.raises(PermissionDenied):
        access.get_assignment_for_user(c.hr_a, a.pk, action="accept_cause")
    for user in (c.hr_b, c.head_b, c.head_a):
        with pytest.raises(Http404):
            access.get_assignment_for_user(user, a.pk)
    assert list(access.assignable_employees_for(c.head_b)) == [c.emp_b]


def test_discipline_record_wrong_unit(world):
    c = world
    assert access.get_disciplinary_measure_for_user(c.hr_a, c.measure_a.pk, write=True) == c.measure_a
    assert access.get_disciplinary_measure_for_user(c.head_ward, c.measure_a.pk) == c.measure_a
    with pytest.raises(PermissionDenied):
        access.get_disciplinary_measure_for_user(c.head_ward, c.measure_a.pk, write=True)
    for user in (c.hr_b, c.staff_user):
        with pytest.raises(Http404):
            access.get_disciplinary_measure_for_user(user, c.measure_a.pk)
    with pytest.raises(PermissionDenied):
        access.require_discipline_recorder(c.hr_b, c.emp_a)
    access.require_discipline_recorder(c.hr_a, c.emp_a)
