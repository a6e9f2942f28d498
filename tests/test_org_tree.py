import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from hr_system.models import OrgUnit, OrgUnitSuccession


def test_subtree_is_one_query(cast):
    with CaptureQueriesContext(connection) as ctx:
        codes = set(cast.commune_a.subtree().values_list("code", flat=True))
    assert codes == {"P-MC", "P-MC-UB", "P-MC-TH"}
    assert len(ctx.captured_queries) == 1


def test_paths_and_depths(cast):
    assert cast.school_a.path.startswith(cast.commune_a.path)
    assert cast.school_a.depth == 2
    assert [u.code for u in cast.school_a.ancestors()] == ["SL", "P-MC", "P-MC-TH"]


def test_move_under_rewrites_the_whole_subtree(cast):
    cast.commune_a.move_under(cast.commune_b)
    cast.school_a.refresh_from_db()
    assert cast.school_a.path.startswith(cast.commune_b.path)
    assert cast.school_a.depth == 3
    assert set(cast.commune_b.subtree().values_list("code", flat=True)) >= {"P-MC", "P-MC-TH", "X-DK"}


def test_cannot_move_a_unit_under_itself(cast):
    import pytest

    with pytest.raises(ValueError):
        cast.commune_a.move_under(cast.school_a)


def test_former_units_roll_up_into_their_successor(cast):
    town = OrgUnit.add(
        code="TX",
        name="Thị xã Mộc Châu (cũ)",
        kind=OrgUnit.Kind.FORMER_DISTRICT,
        parent=cast.province,
        valid_to=dt.date(2025, 6, 30),
    )
    old = OrgUnit.add(
        code="XC-CC", name="Xã Chiềng Chung", kind=OrgUnit.Kind.COMMUNE, parent=town, valid_to=dt.date(2025, 6, 30)
    )
    old_school = OrgUnit.add(
        code="XC-CC-TH", name="Trường TH Chiềng Chung", kind=OrgUnit.Kind.PUBLIC_SERVICE_UNIT, parent=old
    )
    OrgUnitSuccession.objects.create(predecessor=old, successor=cast.commune_b, effective_date=dt.date(2025, 7, 1))
    rolled = set(cast.commune_b.rollup_units().values_list("code", flat=True))
    assert {"X-DK", "X-DK-UB", "XC-CC", "XC-CC-TH"} <= rolled
    assert "P-MC" not in rolled
    assert not old.is_active_on(dt.date(2025, 7, 1))
    assert old_school.is_active_on(dt.date(2025, 7, 1))  # no own end date: inherits nothing implicitly
    assert set(OrgUnit.objects.active_on(dt.date(2025, 7, 1)).values_list("code", flat=True)).isdisjoint(
        {"TX", "XC-CC"}
    )
