"""`/healthz` and `/metrics`: what a monitor and Prometheus see."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from assessments.models import Attempt, Exam
from attendance.models import RecomputeState
from devices.actions import store_rows
from devices.models import Device, Punch
from hr_system import health
from hr_system.models import WorkerHeartbeat

WORKERS = ["poll_devices", "recompute_attendance", "finalize_attempts"]
TOKEN = "metrics-test-token-0123456789"


@pytest.fixture(autouse=True)
def ops_settings(settings):
    settings.HEALTH_WORKERS = WORKERS
    settings.HEALTH_HEARTBEAT_MAX_AGE = 300
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    settings.TRUSTED_PROXIES = []
    return settings


def beat(name: str, seconds_ago: float) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        name=name,
        defaults={"host": "h", "pid": 1, "started_at": now, "beat_at": now - dt.timedelta(seconds=seconds_ago)},
    )


def all_fresh() -> None:
    for name in WORKERS:
        beat(name, 5)


# --- /healthz ---------------------------------------------------------------------


def test_healthz_is_200_when_database_migrations_and_workers_are_fine(client, db):
    all_fresh()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] is True
    assert body["checks"]["migrations"] is True
    assert set(body["checks"]["workers"]) == set(WORKERS)
    assert all(w["ok"] and w["age_seconds"] < 60 for w in body["checks"]["workers"].values())


def test_a_stale_worker_turns_healthz_to_503_naming_it(client, db):
    all_fresh()
    beat("recompute_attendance", 301)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    workers = body["checks"]["workers"]
    assert workers["recompute_attendance"]["ok"] is False
    assert workers["recompute_attendance"]["age_seconds"] >= 300
    assert workers["poll_devices"]["ok"] is True


def test_a_worker_that_never_beat_is_not_fresh(client, db):
    beat("poll_devices", 1)
    beat("recompute_attendance", 1)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["workers"]["finalize_attempts"] == {"ok": False, "age_seconds": None}


def test_unapplied_migrations_turn_healthz_to_503(client, db):
    all_fresh()
    assert client.get("/healthz").status_code == 200
    # The code's newest devices migration, not recorded as applied (a release copied
    # in without `migrate`); the test's transaction puts the row back.
    MigrationRecorder.Migration.objects.filter(app="devices", name="0005_punch_tally_from_punches").delete()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] is False


def test_a_database_that_does_not_answer_turns_healthz_to_503(client, db, monkeypatch):
    monkeypatch.setattr(health, "check_database", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] is False


def test_healthz_needs_no_login_and_reveals_no_host(client, db):
    all_fresh()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert b"host" not in response.content and b"pid" not in response.content


# --- /metrics: access -------------------------------------------------------------


def test_metrics_refused_without_token_or_allowed_address(client, db):
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403


def test_metrics_served_with_token(client, db):
    response = client.get("/metrics", REMOTE_ADDR="192.0.2.7", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")


def test_metrics_served_to_an_allowed_address(client, db):
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200


def test_a_forged_forwarded_for_does_not_open_metrics(client, db):
    response = client.get("/metrics", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="10.20.3.4")
    assert response.status_code == 403


def test_metrics_behind_a_trusted_proxy_use_the_client_address(client, db, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.20.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.7").status_code == 403


def test_metrics_not_configured_is_404(client, db, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = []
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


# --- /metrics: values -------------------------------------------------------------


def scrape(client) -> str:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    return response.content.decode()


def sample(text: str, name: str, labels: str = "") -> float:
    key = f"{name}{{{labels}}}" if labels else name
    for line in text.splitlines():
        if line.startswith(key + " "):
            return float(line.split(" ", 1)[1])
    raise AssertionError(f"{key} not in metrics")


@pytest.fixture
def small_fleet(cast):
    now = timezone.now()
    online = Device.objects.create(
        name="may-cong-chinh",
        host="10.0.0.1",
        unit=cast.commune_a,
        last_contact_at=now - dt.timedelta(minutes=1),
        last_success_at=now - dt.timedelta(seconds=120),
    )
    Device.objects.create(
        name="may-kho",
        host="10.0.0.2",
        unit=cast.commune_a,
        last_contact_at=now - dt.timedelta(days=2),
        last_success_at=now - dt.timedelta(days=2),
    )
    Device.objects.create(name="may-la", host="10.0.0.3", unit=cast.commune_a, approved=False)
    Device.objects.create(name="may-tat", host="10.0.0.4", unit=cast.commune_a, enabled=False)
    for i, source in enumerate(["pull", "pull", "push"]):
        # Through the store, as a clock's punches come: it keeps the tally /metrics reads.
        assert store_rows(device=online, rows=[("7", f"2026-01-05 07:0{i}:00", 0, 0, 1)], source=source).new == 1
        Punch.objects.filter(local_time=f"2026-01-05 07:0{i}:00").update(received_at=now - dt.timedelta(minutes=10 - i))
    RecomputeState.objects.create(pk=1, punches_through=now - dt.timedelta(minutes=9, seconds=30))
    exam = Exam.objects.create(
        title="Kiểm tra năng lực 2026", unit=cast.commune_a, opens_at=now, closes_at=now + dt.timedelta(hours=1)
    )
    Attempt.objects.create(exam=exam, employee=cast.emp_a, status=Attempt.Status.IN_PROGRESS)
    Attempt.objects.create(exam=exam, employee=cast.emp_b, status=Attempt.Status.FINALIZED)
    AccessAttempt.objects.create(username="an", ip_address="192.0.2.9", user_agent="t", failures_since_start=3)
    AccessAttempt.objects.create(username="binh", ip_address="192.0.2.9", user_agent="t", failures_since_start=2)
    return cast


def test_metric_values_for_a_small_fixture(client, small_fleet):
    text = scrape(client)
    assert sample(text, "hr_devices", 'state="online"') == 1
    assert sample(text, "hr_devices", 'state="offline"') == 1
    assert sample(text, "hr_devices", 'state="pending"') == 1
    assert 119 <= sample(text, "hr_device_seconds_since_last_sync", 'device="may-cong-chinh"') < 180
    assert sample(text, "hr_device_seconds_since_last_sync", 'device="may-kho"') >= 2 * 86400 - 1
    assert 'device="may-la"' not in text  # never synced
    assert sample(text, "hr_punches_stored_total", 'source="pull"') == 2
    assert sample(text, "hr_punches_stored_total", 'source="push"') == 1
    assert sample(text, "hr_punches_stored_total", 'source="import"') == 0
    assert sample(text, "hr_recompute_backlog_punches") == 2
    assert sample(text, "hr_exam_attempts_in_progress") == 1
    assert sample(text, "hr_login_failures_held") == 5
    assert "# TYPE hr_punches_stored_total counter" in text


def test_metrics_carry_no_personal_data(client, small_fleet):
    text = scrape(client)
    # Every label value is a device name, a state, a source or a worker: nothing else.
    values = set(re.findall(r'="([^"]*)"', text))
    allowed = set(Device.objects.values_list("name", flat=True)) | {"online", "offline", "pending"}
    allowed |= set(re.findall(r'_bucket\{le="([^"]*)"\}', text))  # histogram buckets
    allowed |= set(Punch.Source.values) | set(WorkerHeartbeat.objects.values_list("name", flat=True))
    assert values and values <= allowed
    cast = small_fleet
    for personal in [cast.emp_a.full_name, cast.emp_b.full_name, "binh", "192.0.2.9", "10.0.0.1"]:
        assert personal not in text


def test_a_worker_failing_its_steps_shows_in_metrics(client, db):
    all_fresh()  # it still beats on time, so /healthz alone would not tell
    WorkerHeartbeat.objects.filter(name="poll_devices").update(last_step_ok=False)
    text = scrape(client)
    assert sample(text, "hr_worker_last_step_ok", 'worker="poll_devices"') == 0
    assert sample(text, "hr_worker_last_step_ok", 'worker="recompute_attendance"') == 1
    assert 4 <= sample(text, "hr_worker_heartbeat_age_seconds", 'worker="poll_devices"') < 60


# --- cost with 300 devices ----------------------------------------------------------


@pytest.fixture
def fleet_of_300(cast):
    now = timezone.now()
    Device.objects.bulk_create(
        Device(
            name=f"may-{i:03d}",
            host=f"10.1.{i // 250}.{i % 250 + 1}",
            unit=cast.commune_a,
            approved=i % 10 != 0,
            last_contact_at=now - dt.timedelta(minutes=i % 20),
            last_success_at=now - dt.timedelta(minutes=i % 20),
        )
        for i in range(300)
    )
    all_fresh()
    return cast


def test_healthz_and_metrics_take_few_queries_with_300_devices(client, fleet_of_300, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert client.get("/healthz").status_code == 200
    with django_assert_max_num_queries(10):
        text = scrape(client)
    assert sample(text, "hr_devices", 'state="pending"') == 30
    assert text.count("hr_device_seconds_since_last_sync{") == 300


def test_healthz_and_metrics_answer_plain_http_on_loopback(client, db, settings):
    # A monitor on the server asks gunicorn directly; with SECURE_SSL_REDIRECT on it
    # must get the answer, not a redirect to HTTPS it may not be able to follow.
    from hr_system import settings as production

    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = getattr(production, "SECURE_REDIRECT_EXEMPT", [])
    all_fresh()
    assert client.get("/healthz").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.20.0.5").status_code == 200
    assert client.get("/login/").status_code == 301
