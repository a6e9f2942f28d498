"""Refused late saves are logged at a bounded rate (issue 12, item 9): a client
hammering a sitting past its deadline leaves one event per attempt per minute, with a
count, never one row per request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from assessments import attempts
from assessments.models import Attempt, AttemptEvent, Response
from tests.assessments.test_attempts import attempt_of, build_exam
from tests.assessments.test_exam_api import candidate_client, save, start


@pytest.fixture
def setup(cast):
    return build_exam(cast, count=3)


def test_a_client_hammering_a_closed_sitting_leaves_one_event_a_minute(setup, cast):
    client = candidate_client(cast.staff_user)
    token = start(client, setup.exam).json()["session_token"]
    attempt = attempt_of(setup.exam, cast.emp_a)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - dt.timedelta(minutes=5))
    for seq in range(1, 201):
        r = save(client, setup.exam, token, 1 + seq % 3, [], seq)
        assert r.status_code == 409 and r.json()["error"]["code"] == "time_up"
    events = AttemptEvent.objects.filter(attempt=attempt, kind="late_save_refused")
    assert events.count() == 1
    event = events.get()
    assert event.detail["refused"] == 200 and event.detail["position"] == 2 and event.detail["late_seconds"] >= 300
    assert not Response.objects.exists()

    # A minute later the next refusal opens a new event.
    AttemptEvent.objects.filter(pk=event.pk).update(at=timezone.now() - dt.timedelta(seconds=61))
    assert save(client, setup.exam, token, 1, [], 500).status_code == 409
    assert events.count() == 2
    assert events.order_by("-at").first().detail["refused"] == 1


def test_each_attempt_has_its_own_bound(setup, cast):
    t0 = timezone.now()
    first = attempts.start_attempt(attempt=attempt_of(setup.exam, cast.emp_a), ip="10.0.0.5", access_code=None, now=t0)
    other = attempts.start_attempt(
        attempt=attempt_of(setup.exam, cast.teacher_a), ip="10.0.0.6", access_code=None, now=t0
    )
    late = first.deadline + dt.timedelta(minutes=1)
    for attempt in (first, other, first, other):
        with pytest.raises(attempts.AttemptError):
            attempts.save_answer(
                attempt=attempt, session_token=attempt.session_token, position=1, selected=[], seq=1, now=late
            )
    counts = {
        a.pk: AttemptEvent.objects.get(attempt=a, kind="late_save_refused").detail["refused"] for a in (first, other)
    }
    assert counts == {first.pk: 2, other.pk: 2}
