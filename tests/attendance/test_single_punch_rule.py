"""The unit option for a session with a single punch: worked with a missing punch
(default) or half a day absent — effective-dated, inherited, audited, scoped."""

from __future__ import annotations

import datetime as dt

from attendance import actions
from attendance.models import SinglePunchRule
from hr_system.models import AuditLog
from tests.attendance.conftest import API, day, post, punch, recompute, send

MAR = {d: dt.date(2025, 3, d) for d in range(1, 32)}


def forgot_morning_out(clock, code: str, *days: int) -> None:
    for d in days:
        punch(clock, code, MAR[d], "07:25", "13:25", "17:05")


def test_by_default_a_single_punch_is_a_missing_punch(cast, clock):
    forgot_morning_out(clock, "101", 4)
    recompute(MAR[4], MAR[4], "101")
    r = day("101", MAR[4])
    assert (r.status, r.symbol, r.absent_units, r.missing_punches) == ("missing_punch", "+", 0, 1)


def test_a_units_rule_makes_it_half_a_day_absent_from_its_date_on(cast, clock, login):
    forgot_morning_out(clock, "101", 4, 12)
    recompute(MAR[1], MAR[14], "101")
    hr = login(cast.hr_a)
    body = {"unit": "P-MC", "option": "half_absent", "valid_from": "2025-03-10"}
    r = post(hr, "single-punch-rules", body)
    assert r.status_code == 201, r.content
    assert r.json()["option_label"] == "Tính là vắng nửa ngày không lý do" and r.json()["valid_to"] is None
    # The days from its date are recomputed at once; the days before keep the old count.
    before, after = day("101", MAR[4]), day("101", MAR[12])
    assert (before.status, before.absent_units) == ("missing_punch", 0)
    assert (after.status, after.symbol, after.absent_units, after.missing_punches) == ("half_absent", "KP/+", 0.5, 0)
    assert AuditLog.objects.filter(action="single_punch_rule.set").count() == 1

    # ... and the figures follow: the timesheet cell and the discipline absence.
    sheet = hr.get(f"{API}/timesheet", {"unit": "P-MC", "month": "2025-03"}).json()
    row = next(r for r in sheet["rows"] if r["employee_code"] == "101")
    assert row["days"]["12"] == "KP/+" and row["days"]["4"] == "+"
    discipline = hr.get(f"{API}/discipline", {"unit": "P-MC", "start": "2025-03-12", "end": "2025-03-12"}).json()
    flagged = next(r for r in discipline["rows"] if r["employee_code"] == "101")
    assert (flagged["absent_days"], flagged["missing_punches"]) == (0.5, 0)

    listed = hr.get(f"{API}/single-punch-rules", {"unit": "P-MC-UB"}).json()["items"]
    assert [(x["unit"], x["option"]) for x in listed] == [("P-MC", "half_absent")]  # inherited below


def test_a_new_rule_closes_the_one_in_force_and_closing_reverts_later_days(cast, clock, login):
    forgot_morning_out(clock, "101", 12, 13)
    recompute(MAR[1], MAR[14], "101")
    hr = login(cast.hr_a)
    first = post(hr, "single-punch-rules", {"unit": "P-MC", "option": "half_absent", "valid_from": "2025-03-01"})
    second = post(hr, "single-punch-rules", {"unit": "P-MC", "option": "missing_punch", "valid_from": "2025-03-13"})
    assert second.status_code == 201
    assert SinglePunchRule.objects.get(pk=first.json()["id"]).valid_to == MAR[12]
    assert day("101", MAR[12]).status == "half_absent" and day("101", MAR[13]).status == "missing_punch"
    # A rule starting on or before an existing one's start is refused (edit that one).
    again = post(hr, "single-punch-rules", {"unit": "P-MC", "option": "half_absent", "valid_from": "2025-03-13"})
    assert again.status_code == 422 and "valid_from" in again.json()["error"]["fields"]

    # Closing the first on 11 March: 12 March falls back to the default.
    r = post(hr, f"single-punch-rules/{first.json()['id']}/close", {"valid_to": "2025-03-11"})
    assert r.status_code == 200 and r.json()["valid_to"] == "2025-03-11"
    assert day("101", MAR[12]).status == "missing_punch"
    # Removing the second (entered by mistake) leaves the default too.
    assert send(hr, "delete", f"single-punch-rules/{second.json()['id']}").status_code == 204
    assert SinglePunchRule.objects.count() == 1
    actions_logged = set(AuditLog.objects.values_list("action", flat=True))
    assert {"single_punch_rule.set", "single_punch_rule.close", "single_punch_rule.remove"} <= actions_logged


def test_the_nearest_units_rule_wins(cast, clock, login):
    forgot_morning_out(clock, "101", 12)
    forgot_morning_out(clock, "102", 12)
    hr = login(cast.hr_a)
    post(hr, "single-punch-rules", {"unit": "P-MC", "option": "half_absent", "valid_from": "2025-01-01"})
    post(hr, "single-punch-rules", {"unit": "P-MC-TH", "option": "missing_punch", "valid_from": "2025-01-01"})
    recompute(MAR[12], MAR[12], "101", "102")
    assert day("101", MAR[12]).status == "half_absent" and day("102", MAR[12]).status == "missing_punch"


def test_single_punch_rules_are_set_only_within_scope(cast, clock, login):
    body = {"unit": "P-MC", "option": "half_absent", "valid_from": "2025-03-10"}
    assert post(login(cast.hr_b), "single-punch-rules", body).status_code == 404
    assert post(login(cast.head_a), "single-punch-rules", {**body, "unit": "P-MC-TH"}).status_code == 403
    rule = actions.set_single_punch_rule(
        acting_user=cast.hr_a, unit=cast.commune_a, option="half_absent", valid_from=MAR[1]
    )
    assert post(login(cast.hr_b), f"single-punch-rules/{rule.pk}/close", {"valid_to": "2025-03-20"}).status_code == 404
    assert send(login(cast.hr_b), "delete", f"single-punch-rules/{rule.pk}").status_code == 404
    assert login(cast.hr_b).get(f"{API}/single-punch-rules", {"unit": "P-MC"}).status_code == 404
    assert SinglePunchRule.objects.get(pk=rule.pk).valid_to is None
    assert post(login(cast.hr_a), "single-punch-rules", {**body, "option": "whatever"}).status_code == 422
    bad_dates = {**body, "valid_to": "2025-03-01"}
    assert post(login(cast.hr_a), "single-punch-rules", bad_dates).status_code == 422


def test_a_rule_that_would_change_a_locked_month_is_refused(cast, clock, login):
    recompute(MAR[1], MAR[14], "101")
    actions.lock_month(acting_user=cast.hr_a, unit=cast.office_a, month=MAR[1])  # a unit below
    r = post(
        login(cast.hr_a), "single-punch-rules", {"unit": "P-MC", "option": "half_absent", "valid_from": "2025-03-10"}
    )
    assert r.status_code == 422 and "đã khóa sổ" in r.json()["error"]["message"]
    assert not SinglePunchRule.objects.exists()
    ok = post(
        login(cast.hr_a), "single-punch-rules", {"unit": "P-MC", "option": "half_absent", "valid_from": "2025-04-01"}
    )
    assert ok.status_code == 201


def test_hr_sets_the_option_on_the_rules_page(cast, clock, login):
    forgot_morning_out(clock, "101", 12)
    recompute(MAR[12], MAR[12], "101")
    hr = login(cast.hr_a)
    page = hr.get("/attendance/rules/", {"unit": "P-MC"})
    assert page.status_code == 200 and "Buổi làm việc chỉ có một lượt chấm công" in page.content.decode()
    r = hr.post(
        "/attendance/rules/?unit=P-MC", {"action": "single_punch", "option": "half_absent", "valid_from": "2025-03-01"}
    )
    assert r.status_code == 302
    assert day("101", MAR[12]).status == "half_absent"
    bad = hr.post(
        "/attendance/rules/?unit=P-MC", {"action": "single_punch", "option": "half_absent", "valid_from": "x"}
    )
    assert bad.status_code == 400 and "Áp dụng từ ngày" in bad.content.decode()
    assert login(cast.hr_b).get("/attendance/rules/", {"unit": "P-MC"}).status_code == 404
    assert login(cast.head_a).get("/attendance/rules/", {"unit": "P-MC-TH"}).status_code == 403


def test_dates_out_of_any_plausible_range_are_refused_not_a_crash(cast, clock, login):
    hr = login(cast.hr_a)
    for value in ("0001-01-01", "9999-12-31"):
        body = {"unit": "P-MC", "option": "half_absent", "valid_from": value}
        assert post(hr, "single-punch-rules", body).status_code == 422
        assert send(hr, "put", "tracking-starts/P-MC", {"date": value}).status_code == 422
        rule = {"unit": "P-MC", "metric": "late_count", "threshold": 3, "valid_from": value}
        assert post(hr, "discipline-rules", rule).status_code == 422
    assert not SinglePunchRule.objects.exists()
