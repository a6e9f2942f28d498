"""The attendance facts the evaluation of work results shows beside the discipline
criterion (issue 17): a March worked out by hand.

March 2025 starts on a Saturday; its working days are Mon 3 … Mon 31 (21 weekdays).
Commune A works 07:30–11:30 and 13:30–17:00 with 5 minutes' grace.
"""

from __future__ import annotations

import datetime as dt

from attendance import actions, reports
from attendance.models import TrackingStart
from tests.attendance.conftest import punch, recompute

MAR = {d: dt.date(2025, 3, d) for d in range(1, 32)}
WEEKDAYS = [d for d in range(1, 32) if MAR[d].weekday() < 5]
ON_TIME = ("07:25", "11:31", "13:28", "17:02")


def an_s_march(cast, clock) -> None:
    """Nguyễn Văn An (101):

    Tue 4 late 20 min (07:50); Wed 5 no punches (KP); Thu 6 morning worked, afternoon
    annual leave (+/P); Fri 7 left 30 min early (16:30); Mon 10 no afternoon exit punch
    (a missing punch); Tue 11–Wed 12 sick leave (Ô); Thu 13 late in both sessions (07:45,
    13:50: 15 + 20 min); Fri 14 a business trip (CT, a worked day); every other weekday
    on time.
    """
    special = {4, 5, 6, 7, 10, 11, 12, 13, 14}
    for d in WEEKDAYS:
        if d not in special:
            punch(clock, "101", MAR[d], *ON_TIME)
    punch(clock, "101", MAR[4], "07:50", "11:31", "13:28", "17:02")
    punch(clock, "101", MAR[6], "07:28", "11:32")
    punch(clock, "101", MAR[7], "07:25", "11:31", "13:28", "16:30")
    punch(clock, "101", MAR[10], "07:25", "11:31", "13:28")
    punch(clock, "101", MAR[13], "07:45", "11:31", "13:50", "17:02")
    leave = {"acting_user": cast.hr_a, "employee": cast.emp_a, "reason": "Theo đơn", "approve": True}
    actions.request_leave(leave_type="P", start_date=MAR[6], end_date=MAR[6], portion="afternoon", **leave)
    actions.request_leave(leave_type="Ô", start_date=MAR[11], end_date=MAR[12], **leave)
    actions.request_leave(leave_type="CT", start_date=MAR[14], end_date=MAR[14], **leave)


def test_a_month_worked_out_by_hand(cast, clock):
    an_s_march(cast, clock)
    recompute(MAR[1], MAR[31], "101", "201")

    facts = reports.evaluation_facts([cast.emp_a.pk], MAR[1], MAR[31])

    assert list(facts) == [cast.emp_a.pk]
    an = facts[cast.emp_a.pk]
    # 21 weekdays: 1 absent, ½ annual leave, 2 sick → 17.5 worked (the business trip counts).
    assert an["worked_days"] == 17.5
    assert (an["late_count"], an["late_minutes"]) == (3, 20 + 15 + 20)
    assert (an["early_count"], an["early_minutes"]) == (1, 30)
    assert an["absent_days"] == 1
    assert an["missing_punches"] == 1
    assert an["leave_days"] == {"P": 0.5, "Ô": 2}
    assert an["leave_days_total"] == 2.5
    assert (an["not_tracked_days"], an["not_employed_days"], an["pending_days"]) == (0, 0, 0)
    assert an["recorded_days"] == 21  # the weekdays; weekly rest days carry nothing


def test_part_of_a_month_counts_only_its_days(cast, clock):
    an_s_march(cast, clock)
    recompute(MAR[1], MAR[31], "101")

    an = reports.evaluation_facts([cast.emp_a.pk], MAR[6], MAR[10])[cast.emp_a.pk]

    # Thu 6 (+/P), Fri 7 (early), Sat 8 and Sun 9 (rest), Mon 10 (missing punch).
    assert an["worked_days"] == 2.5
    assert (an["late_count"], an["early_count"], an["missing_punches"]) == (0, 1, 1)
    assert an["absent_days"] == 0 and an["leave_days"] == {"P": 0.5}
    assert an["recorded_days"] == 3  # Sat 8 and Sun 9 are rest days


def test_days_before_tracking_started_and_before_employment_are_counted_apart(cast, clock):
    TrackingStart.objects.create(unit=cast.commune_a, date=MAR[17])
    cast.emp_a.start_date = MAR[10]
    cast.emp_a.save()
    for d in WEEKDAYS:
        if d >= 17:
            punch(clock, "101", MAR[d], *ON_TIME)
    recompute(MAR[1], MAR[31], "101")

    an = reports.evaluation_facts([cast.emp_a.pk], MAR[1], MAR[31])[cast.emp_a.pk]

    # 1–9 before the start date; 10–16 employed but before the go-live date; from
    # Mon 17, 11 weekdays worked on time.
    assert an["not_employed_days"] == 9
    assert an["not_tracked_days"] == 7
    assert an["worked_days"] == 11
    assert an["absent_days"] == 0 and an["late_count"] == 0


def test_only_the_people_asked_for_are_answered(cast, clock):
    an_s_march(cast, clock)
    recompute(MAR[1], MAR[31])

    facts = reports.evaluation_facts([cast.emp_b.pk, cast.emp_b.pk], MAR[1], MAR[31])

    assert list(facts) == [cast.emp_b.pk]  # nobody else's figures, asked twice → once
    duc = facts[cast.emp_b.pk]
    assert duc["late_count"] == 0 and duc["missing_punches"] == 0  # An's lateness is not his
    assert reports.evaluation_facts([], MAR[1], MAR[31]) == {}


def test_someone_without_day_results_gets_zeros_and_says_so(cast, clock):
    facts = reports.evaluation_facts([cast.emp_a.pk], MAR[1], MAR[31])

    an = facts[cast.emp_a.pk]
    assert an["recorded_days"] == 0
    assert an["worked_days"] == 0 and an["absent_days"] == 0 and an["leave_days"] == {}


def test_the_whole_group_is_read_in_one_query(cast, clock, django_assert_max_num_queries):
    an_s_march(cast, clock)
    recompute(MAR[1], MAR[31])
    ids = [cast.emp_a.pk, cast.teacher_a.pk, cast.emp_b.pk]

    with django_assert_max_num_queries(1):
        facts = reports.evaluation_facts(ids, MAR[1], MAR[31])

    assert set(facts) == set(ids)
    assert facts[cast.emp_a.pk]["late_count"] == 3
