"""A small world for the evaluation pages and API: the Mộc Châu ward's People's Committee
(P-MC-UB) with a head (head_ub) who scores its civil servants, HR (hr_a) over the
ward, Nguyễn Văn An (the login "an") and five colleagues, all công chức, evaluated for
the first quarter of 2026 under Decree 335/2025."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model

from evaluation import actions
from hr_system.models import Employee, Role
from tests.conftest import PASSWORD

Q1 = dt.date(2026, 1, 1)
CODES = ("chinh_tri_dao_duc", "ky_luat_ky_cuong", "trach_nhiem_phuc_vu", "nang_luc", "doi_moi_sang_tao")


def scores(general: float = 5, results: float = 60) -> dict:
    """Five general criteria at `general` points each and the results criterion."""
    return {**dict.fromkeys(CODES, general), "ket_qua_nhiem_vu": results}


def decided(world, employee, total_general: float, results: float, level=None):
    """An evaluation of `employee` for Q1 taken through every step to the decision."""
    e = actions.open_evaluation(acting_user=world.hr, employee=employee, period_kind="quarter", period_start=Q1)
    actions.self_assess(acting_user=world.emp_user(employee), evaluation=e, scores=scores(total_general, results))
    actions.manager_score(acting_user=world.head, evaluation=e, scores=scores(total_general, results))
    actions.decide(acting_user=world.head, evaluation=e, classification=level)
    e.refresh_from_db()
    return e


@pytest.fixture(name="world")
def world_fixture(cast):
    User = get_user_model()
    head = User.objects.create_user(username="head_ub", password=PASSWORD)
    Role.objects.create(user=head, kind=Role.Kind.UNIT_HEAD, unit=cast.office_a)
    users = {cast.emp_a.pk: cast.staff_user}
    colleagues = []
    for i, name in enumerate(("Lường Văn Bình", "Hà Thị Chi", "Sa Văn Dũng", "Quàng Thị Em", "Tòng Văn Giang")):
        user = User.objects.create_user(username=f"cs{i}", password=PASSWORD)
        employee = Employee.objects.create(
            code=f"11{i}",
            full_name=name,
            unit=cast.office_a,
            category=Employee.Category.CIVIL_SERVANT,
            start_date=dt.date(2015, 1, 1),
            user=user,
        )
        users[employee.pk] = user
        colleagues.append(employee)
    return SimpleNamespace(
        cast=cast,
        hr=cast.hr_a,
        head=head,
        an=cast.emp_a,
        colleagues=colleagues,
        emp_user=lambda employee: users[employee.pk],
    )


@pytest.fixture(name="product")
def product_fixture(world):
    return actions.add_product_type(
        acting_user=world.hr, unit=world.cast.office_a, name="Văn bản tham mưu", measure="văn bản", standard_units=1
    )
