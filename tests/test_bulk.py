"""hr_system.bulk: the fast insert/upsert path shared by punches and day results."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from hr_system import bulk
from hr_system.models import OrgUnit

TABLE = OrgUnit._meta.db_table
COLUMNS = ("code", "name", "kind", "admin_code", "path", "depth", "place_name", "doc_symbol")


def row(code: str, name: str, *, path: str = "/x/") -> tuple:
    return (code, name, OrgUnit.Kind.COMMUNE, "", path, 1, "", "")


@pytest.mark.django_db
def test_insert_skips_existing_keys_and_counts_only_new_rows():
    assert bulk.write(TABLE, COLUMNS, [row("A", "Xã A"), row("B", "Xã B")], conflict=("code",)) == 2
    assert bulk.write(TABLE, COLUMNS, [row("A", "Đổi tên"), row("C", "Xã C")], conflict=("code",)) == 1
    assert dict(OrgUnit.objects.values_list("code", "name")) == {"A": "Xã A", "B": "Xã B", "C": "Xã C"}


@pytest.mark.django_db
def test_upsert_updates_the_listed_columns_only():
    bulk.write(TABLE, COLUMNS, [row("A", "Xã A", path="/1/")], conflict=("code",))
    written = bulk.write(TABLE, COLUMNS, [row("A", "Xã Mới", path="/2/")], conflict=("code",), update=("name",))
    assert written == 1
    assert OrgUnit.objects.values_list("name", "path").get(code="A") == ("Xã Mới", "/1/")


@pytest.mark.django_db
def test_many_statements_in_one_batch_and_nothing_written_on_failure():
    good = [row(f"U{i}", f"Đơn vị {i}") for i in range(1200)]  # several SQLite statements
    assert bulk.write(TABLE, COLUMNS, good, conflict=("code",)) == 1200
    broken = [row(f"V{i}", f"Đơn vị {i}") for i in range(1000)] + [(None, "thiếu mã", "commune", "", "/x/", 1, "", "")]
    with pytest.raises(IntegrityError):
        bulk.write(TABLE, COLUMNS, broken, conflict=("code",))
    assert OrgUnit.objects.filter(code__startswith="V").count() == 0
    assert OrgUnit.objects.count() == 1200
