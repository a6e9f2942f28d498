"""The timesheet's commitment to its punches: printed on the C01-HD PDF and the page,
and changed by any punch of the month altered, removed or added in the database."""

from __future__ import annotations

import datetime as dt
import io
import re

from django.db import connection
from pypdf import PdfReader

from attendance import reports
from devices.models import Punch
from tests.attendance.conftest import punch

DAY = dt.date(2025, 3, 3)


def digest(cast) -> str:
    return reports.punch_digest(cast.commune_a, dt.date(2025, 3, 1))


def test_altering_one_punch_in_the_database_changes_the_digest(cast, clock):
    punch(clock, "101", DAY, "07:25", "17:05")
    punch(clock, "101", DAY + dt.timedelta(days=1), "07:20", "17:02")
    before = digest(cast)
    assert re.fullmatch(r"[0-9a-f]{64}", before)
    assert digest(cast) == before  # the same punches, the same digest
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Punch._meta.db_table} SET local_time = %s WHERE chain_seq = 2", ["2025-03-03 16:05:00"]
        )
    altered = digest(cast)
    assert altered != before
    Punch.objects.filter(chain_seq=3).delete()
    assert digest(cast) not in (before, altered)


def test_another_months_or_units_punches_do_not_change_it(cast, clock):
    punch(clock, "101", DAY, "07:25", "17:05")
    before = digest(cast)
    punch(clock, "101", dt.date(2025, 4, 1), "07:25")  # April
    punch(clock, "201", DAY, "07:25")  # commune B's code: not attached on commune A's clock
    assert digest(cast) == before


def test_digest_is_on_the_pdf_and_the_page(cast, clock, login):
    punch(clock, "101", DAY, "07:25", "17:05")
    expected = digest(cast)
    client = login(cast.hr_a)
    pdf = client.get("/attendance/timesheet.pdf", {"unit": "P-MC", "month": "2025-03"})
    assert pdf.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Mã cam kết dữ liệu chấm công (SHA-256)" in text
    assert expected in re.sub(r"\s+", "", text)
    page = client.get("/attendance/timesheet/", {"unit": "P-MC", "month": "2025-03"})
    assert page.status_code == 200
    assert f"<code>{expected}</code>" in page.content.decode()


def test_wrong_unit_gets_no_digest(cast, clock, login):
    punch(clock, "101", DAY, "07:25", "17:05")
    expected = digest(cast)
    client = login(cast.hr_b)  # another commune's HR
    for path in ("/attendance/timesheet/", "/attendance/timesheet.pdf"):
        r = client.get(path, {"unit": "P-MC", "month": "2025-03"})
        assert r.status_code == 404, path
        assert expected.encode() not in r.content
