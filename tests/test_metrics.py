"""`/metrics` beyond the database figures: the answer-save histogram and the login
failure counter kept per process (merged across gunicorn workers in multiprocess mode),
and the punch tally that keeps the punches-stored counter cheap and exact."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Sum
from prometheus_client import multiprocess

from devices.actions import store_rows
from devices.models import Device, Punch, PunchTally
from hr_system import metrics
from tests.assessments.test_attempts import build_exam
from tests.assessments.test_exam_api import candidate_client, save, start

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "metrics-test-token-0123456789"


@pytest.fixture(autouse=True)
def ops_settings(settings, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []
    settings.TRUSTED_PROXIES = []
    return settings


def scrape(client) -> str:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    return response.content.decode()


def sample(text: str, key: str, default: float | None = None) -> float:
    for line in text.splitlines():
        if line.startswith(key + " "):
            return float(line.split(" ", 1)[1])
    if default is not None:
        return default
    raise AssertionError(f"{key} not in metrics")


# --- answer-save latency ------------------------------------------------------------


def test_saves_through_the_endpoint_are_observed(client, cast):
    setup = build_exam(cast, count=3)
    before = scrape(client)
    assert "# TYPE hr_answer_save_seconds histogram" in before
    count_before = sample(before, "hr_answer_save_seconds_count", 0)
    candidate = candidate_client(cast.staff_user)
    token = start(candidate, setup.exam).json()["session_token"]
    for seq in range(1, 5):
        assert save(candidate, setup.exam, token, 1 + seq % 3, [], seq).status_code == 200
    assert save(candidate, setup.exam, "not-the-session", 1, [], 9).status_code == 409  # refused: timed too

    text = scrape(client)
    assert sample(text, "hr_answer_save_seconds_count") == count_before + 5
    assert sample(text, 'hr_answer_save_seconds_bucket{le="+Inf"}') == count_before + 5
    assert sample(text, "hr_answer_save_seconds_sum") > sample(before, "hr_answer_save_seconds_sum", 0)
    # Nobody's name, code or sitting: the only label values are the histogram's bounds.
    assert set(re.findall(r'="([^"]*)"', text)) <= set(re.findall(r'_bucket\{le="([^"]*)"\}', text)) | {
        "online",
        "offline",
        "pending",
        "pull",
        "push",
        "import",
    }
    assert cast.emp_a.full_name not in text and token not in text


def test_the_histogram_needs_the_token_or_an_allowed_address(client, db, settings):
    response = client.get("/metrics", REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 403 and b"hr_answer_save_seconds" not in response.content
    settings.METRICS_ALLOWED_NETWORKS = ["192.0.2.0/24"]
    assert b"hr_answer_save_seconds_count" in client.get("/metrics", REMOTE_ADDR="192.0.2.7").content


def test_failed_logins_are_counted(client, cast):
    before = sample(scrape(client), "hr_login_failures_total", 0)
    for _ in range(2):
        response = client.post("/login/", {"username": "an", "password": "not-the-password"})
        assert response.status_code == 403 and not response.wsgi_request.user.is_authenticated
    text = scrape(client)
    assert sample(text, "hr_login_failures_total") == before + 2
    assert sample(text, "hr_login_failures_held") == 2  # the lockout's current view


# --- several gunicorn workers: multiprocess mode --------------------------------------

WORKER = """
import sys
import django

django.setup()
from assessments.metrics import ANSWER_SAVE_SECONDS
from hr_system.metrics import LOGIN_FAILURES

for seconds in sys.argv[1:]:
    ANSWER_SAVE_SECONDS.observe(float(seconds))
LOGIN_FAILURES.inc()
"""


def run_worker(directory: Path, *seconds: str) -> int:
    """A process like one gunicorn worker with PROMETHEUS_MULTIPROC_DIR: it records
    saves and a login failure into its own file there, then exits. Returns its pid."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory), "DJANGO_SETTINGS_MODULE": "hr_system.settings"}
    process = subprocess.Popen([sys.executable, "-c", WORKER, *seconds], cwd=ROOT, env=env)
    assert process.wait(timeout=120) == 0
    return process.pid


def test_multiprocess_mode_adds_up_the_workers_files(client, db, tmp_path, monkeypatch):
    first = run_worker(tmp_path, "0.004", "0.02", "0.2")
    second = run_worker(tmp_path, "0.003", "0.12")
    assert len(list(tmp_path.glob("*.db"))) >= 2  # one file set per process
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    text = scrape(client)
    assert sample(text, "hr_answer_save_seconds_count") == 5
    assert sample(text, 'hr_answer_save_seconds_bucket{le="0.005"}') == 2
    assert sample(text, 'hr_answer_save_seconds_bucket{le="0.15"}') == 4
    assert sample(text, "hr_answer_save_seconds_sum") == pytest.approx(0.347)
    assert sample(text, "hr_login_failures_total") == 2
    # The database families are still there, beside the merged files.
    assert 'hr_devices{state="online"}' in text and "hr_exam_attempts_in_progress" in text

    # A worker gunicorn replaced (deploy/gunicorn.conf.py marks it dead) keeps its share.
    multiprocess.mark_process_dead(first, str(tmp_path))
    multiprocess.mark_process_dead(second, str(tmp_path))
    assert sample(scrape(client), "hr_answer_save_seconds_count") == 5


def test_replaced_workers_are_folded_into_one_archive(client, db, tmp_path, monkeypatch):
    """gunicorn replaces a worker every max_requests; folding its files on exit keeps
    the directory (and a scrape's reading) to the live workers plus one archive."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    pids = [run_worker(tmp_path, "0.004", "0.2"), run_worker(tmp_path, "0.03")]
    for pid in pids:
        metrics.fold_dead_process(pid)
    files = sorted(p.name for p in tmp_path.glob("*.db"))
    assert files == ["counter_archive.db", "histogram_archive.db"]
    text = scrape(client)
    assert sample(text, "hr_answer_save_seconds_count") == 3
    assert sample(text, 'hr_answer_save_seconds_bucket{le="0.05"}') == 2
    assert sample(text, "hr_login_failures_total") == 2

    live = run_worker(tmp_path, "0.01")  # a new worker's share adds to the archive's
    assert sample(scrape(client), "hr_answer_save_seconds_count") == 4
    metrics.fold_dead_process(live)
    metrics.fold_dead_process(live)  # gunicorn never says it twice; harmless if it did
    text = scrape(client)
    assert sample(text, "hr_answer_save_seconds_count") == 4
    assert sample(text, "hr_answer_save_seconds_sum") == pytest.approx(0.244)
    assert sample(text, "hr_login_failures_total") == 3


def test_without_the_directory_the_process_serves_its_own(client, db, tmp_path):
    before = sample(scrape(client), "hr_answer_save_seconds_count", 0)
    run_worker(tmp_path, "0.01", "0.02")  # another process's file: not read without the variable
    text = scrape(client)
    assert sample(text, "hr_answer_save_seconds_count") == before
    assert "hr_answer_save_seconds_created" in text  # only the in-process form has it


# --- the punch tally --------------------------------------------------------------------


def rows(start: int, count: int, user: str = "7") -> list[tuple]:
    return [
        (user, f"2026-01-05 {8 + i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}", 0, 0, 1)
        for i in range(start, start + count)
    ]


def tallies() -> dict:
    return {
        (d, s): n
        for d, s, n in PunchTally.objects.values_list("device_id", "source").annotate(n=Sum("stored")).order_by()
    }


def stored() -> dict:
    return {
        (d, s): n for d, s, n in Punch.objects.order_by().values_list("device_id", "source").annotate(n=Count("id"))
    }


@pytest.fixture
def clocks(cast):
    return [Device.objects.create(name=f"may-{i}", host=f"10.0.0.{i + 1}", unit=cast.commune_a) for i in range(2)]


def test_the_tally_equals_the_punches_stored_after_batches_with_duplicates(client, clocks):
    first, second = clocks
    assert store_rows(device=first, rows=rows(0, 100), source="pull").new == 100
    again = store_rows(device=first, rows=rows(50, 100), source="pull")  # 50 seen, 50 new
    assert (again.new, again.duplicates) == (50, 50)
    assert store_rows(device=first, rows=rows(140, 20), source="push").new == 10  # 10 already pulled
    assert store_rows(device=first, rows=rows(0, 150), source="push").new == 0  # all stored
    assert store_rows(device=second, rows=rows(0, 30) + rows(0, 30), source="import").new == 30  # doubled in a file
    future = [("7", "2099-01-01 08:00:00", 0, 0, 1)]
    assert store_rows(device=second, rows=rows(30, 10) + future, source="push", max_new=4).new == 4

    assert (
        tallies()
        == stored()
        == {
            (first.pk, "pull"): 150,
            (first.pk, "push"): 10,
            (second.pk, "import"): 30,
            (second.pk, "push"): 4,
        }
    )
    text = scrape(client)
    assert sample(text, 'hr_punches_stored_total{source="pull"}') == 150
    assert sample(text, 'hr_punches_stored_total{source="push"}') == 14
    assert sample(text, 'hr_punches_stored_total{source="import"}') == 30


def test_a_failed_batch_adds_nothing_to_the_tally(clocks, monkeypatch):
    first = clocks[0]
    store_rows(device=first, rows=rows(0, 10), source="pull")

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(PunchTally, "add", broken)
    with pytest.raises(RuntimeError):
        store_rows(device=first, rows=rows(10, 10), source="pull")
    monkeypatch.undo()
    assert stored() == tallies() == {(first.pk, "pull"): 10}  # the punches went back with the tally


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_the_tally_exact(clocks):
    """Four writers (as pollers and ADMS requests on several machines would) store
    overlapping batches into the same two clocks at once, starting before any tally row
    exists. On PostgreSQL these are four sessions racing for real."""
    start = threading.Barrier(4)
    errors = []

    def writer(n: int) -> None:
        try:
            start.wait(timeout=30)
            for k in range(24):
                clock = clocks[k % 2]
                source = ("pull", "push")[n % 2]
                # Mostly the writer's own people (no waiting on another's rows), every
                # third batch overlapping the others' (ON CONFLICT decides which counts).
                user = "shared" if k % 3 == 0 else f"u{n}"
                store_rows(device=clock, rows=rows(k * 40 + n * 10, 60, user=user), source=source)
        except Exception as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert not any(thread.is_alive() for thread in threads)
    assert tallies() == stored()
    assert sum(stored().values()) == Punch.objects.count() > 0


# --- the migration that starts the tally ---------------------------------------------

BEFORE = [("devices", "0003_device_service_and_registration")]


def _latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_migration_counts_the_punches_already_stored(transactional_db):
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        apps = executor.loader.project_state(BEFORE).apps
        OrgUnit = apps.get_model("hr_system", "OrgUnit")
        OldDevice = apps.get_model("devices", "Device")
        OldPunch = apps.get_model("devices", "Punch")
        unit = OrgUnit.objects.create(code="SL", name="Sơn La", kind="province", path="/000001/")
        a = OldDevice.objects.create(name="a", host="10.0.0.1", unit=unit)
        b = OldDevice.objects.create(name="b", host="10.0.0.2", unit=unit)
        for j, (device, source, count) in enumerate([(a, "pull", 5), (a, "push", 2), (b, "import", 3)]):
            for i in range(count):
                OldPunch.objects.create(
                    device=device,
                    device_user_id="7",
                    local_time=f"2026-01-05 07:{i:02d}:{j:02d}",
                    timestamp="2026-01-05T00:00:00Z",
                    source=source,
                )

        _latest()

        assert tallies() == stored() == {(a.pk, "pull"): 5, (a.pk, "push"): 2, (b.pk, "import"): 3}
    finally:
        _latest()
