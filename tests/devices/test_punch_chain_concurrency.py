"""Two writers storing punches of one clock at once make one unbroken chain: the head
lock (SELECT … FOR UPDATE on PostgreSQL, the single writer on SQLite) numbers every
new row once, and keys a writer stored first are not numbered again by the other."""

from __future__ import annotations

import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from devices import actions
from devices.models import Device, Punch, PunchChainHead
from tests.devices.test_punch_chain import rows


@pytest.mark.django_db(transaction=True)
def test_concurrent_store_rows_for_one_clock_keep_one_chain(cast):
    device = Device.objects.create(name="cong-chinh", host="127.0.0.1", unit=cast.commune_a)
    # Four writers, each 300 punches; neighbours overlap by 150, so some keys are sent
    # twice at the same moment and each writer's early key read misses the others' rows.
    everyone = rows(750)
    batches = [everyone[i * 150 : i * 150 + 300] for i in range(4)]
    barrier = threading.Barrier(len(batches))
    results, errors = [], []

    def write(batch):
        try:
            barrier.wait()
            for start in range(0, len(batch), 50):
                results.append(actions.store_rows(device=device, rows=batch[start : start + 50], source="pull"))
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.new for r in results) == 750
    seqs = sorted(Punch.objects.filter(device=device).values_list("chain_seq", flat=True))
    assert seqs == list(range(1, 751))
    assert PunchChainHead.objects.get(device=device).seq == 750
    out = io.StringIO()
    call_command("verify_punches", "--punches", stdout=out)  # exits 1 on any problem
    assert "\n0 lỗi" in out.getvalue()
