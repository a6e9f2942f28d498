"""Days of a whole unit and period in one paginated call, for integrators."""

from __future__ import annotations

import datetime as dt

from hr_system.models import Employee
from tests.attendance.conftest import API, punch, recompute

MAR = {d: dt.date(2025, 3, d) for d in range(1, 32)}


def test_a_units_days_come_in_one_paginated_call_in_list_order(cast, clock, login):
    Employee.objects.create(code="103", full_name="Đinh Văn Bình", unit=cast.office_a, category="civil_servant")
    punch(clock, "101", MAR[3], "07:45", "11:35", "13:25", "17:05")
    punch(clock, "102", MAR[3], "07:25", "13:25", "17:05")
    recompute(MAR[3], MAR[4])
    hr = login(cast.hr_a)
    r = hr.get(f"{API}/units/P-MC/days", {"start": "2025-03-03", "end": "2025-03-04", "page_size": 4})
    assert r.status_code == 200, r.content
    body = r.json()
    # 3 people × 2 days; given name order: An, Bình, Hương.
    assert body["count"] == 6 and len(body["items"]) == 4
    assert [(x["employee"], x["date"]) for x in body["items"]] == [
        ("101", "2025-03-03"),
        ("101", "2025-03-04"),
        ("103", "2025-03-03"),
        ("103", "2025-03-04"),
    ]
    first = body["items"][0]
    assert (first["late_count"], first["early_count"], first["missing_punches"], first["absent_units"]) == (1, 0, 0, 0)
    assert first["employee_name"] == "Nguyễn Văn An" and first["corrected"] is False
    second_page = hr.get(
        f"{API}/units/P-MC/days", {"start": "2025-03-03", "end": "2025-03-04", "page": 2, "page_size": 4}
    )
    rest = second_page.json()["items"]
    assert [(x["employee"], x["date"]) for x in rest] == [("102", "2025-03-03"), ("102", "2025-03-04")]
    assert rest[0]["missing_punches"] == 1 and rest[1]["absent_units"] == 1


def test_unit_days_are_scoped_and_checked(cast, clock, login):
    recompute(MAR[3], MAR[3])
    period = {"start": "2025-03-03", "end": "2025-03-03"}
    assert login(cast.hr_b).get(f"{API}/units/P-MC/days", period).status_code == 404
    school = login(cast.head_a).get(f"{API}/units/P-MC-TH/days", period).json()
    assert [x["employee"] for x in school["items"]] == ["102"]
    assert login(cast.head_a).get(f"{API}/units/P-MC/days", period).status_code == 404
    assert login(cast.staff_user).get(f"{API}/units/P-MC-UB/days", period).status_code == 403
    bad = login(cast.hr_a).get(f"{API}/units/P-MC/days", {"start": "2025-03-03", "end": "2025-03-01"})
    assert bad.status_code == 422
    long = login(cast.hr_a).get(f"{API}/units/P-MC/days", {"start": "2024-01-01", "end": "2025-03-01"})
    assert long.status_code == 422
