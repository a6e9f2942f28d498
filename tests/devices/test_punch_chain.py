"""The punch chain: every stored punch is chained per clock, the daily commitment fixes
the heads, and verify_punches names what was altered, deleted or inserted directly in
the database."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection

from devices import actions, chains, records
from devices.models import Device, Punch, PunchChainHead, PunchCommitment
from hr_system import chain

TABLE = Punch._meta.db_table


def run_verify(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_punches", *args, stdout=out)
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def device(cast):
    return Device.objects.create(name="cong-chinh", host="127.0.0.1", unit=cast.commune_a)


def rows(n: int, user: str = "1001", day: str = "2026-01-05") -> list[tuple]:
    start = dt.datetime.fromisoformat(f"{day} 07:00:00")
    return [(user, (start + dt.timedelta(minutes=i)).isoformat(" "), 1, 0, 1) for i in range(n)]


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_stored_punches_form_one_chain_that_verifies(device):
    actions.store_rows(device=device, rows=rows(5), source="pull")
    actions.store_rows(device=device, rows=rows(8), source="pull")  # 5 again + 3 new
    stored = list(Punch.objects.filter(device=device).order_by("chain_seq"))
    assert [p.chain_seq for p in stored] == list(range(1, 9))
    link = chain.genesis("punch", records.chain_name(device.pk))
    for p in stored:
        canonical = records.canonical_bytes(
            device.pk, p.device_user_id, p.local_time, p.status, p.punch, p.verify, p.source
        )
        link = chain.next_link(link, canonical)
        assert p.chain_link == link.hex()
    head = PunchChainHead.objects.get(device=device)
    assert (head.seq, head.link) == (8, link.hex())
    code, out = run_verify("--punches")
    assert code == 0, out
    assert "đã kiểm tra 8 lượt chấm công" in out


def test_an_altered_punch_time_is_named(device):
    actions.store_rows(device=device, rows=rows(5), source="pull")
    sql(f"UPDATE {TABLE} SET local_time = %s WHERE chain_seq = 3", ["2026-01-05 06:59:00"])
    code, out = run_verify("--punches")
    assert code == 1
    assert "cong-chinh: lượt chấm công #3 (mã 1001, 2026-01-05 06:59:00) đã bị sửa" in out
    assert out.count("LỖI") == 1


def test_a_deleted_punch_is_named_between_its_neighbours(device):
    actions.store_rows(device=device, rows=rows(5), source="pull")
    sql(f"DELETE FROM {TABLE} WHERE chain_seq = 3")
    code, out = run_verify("--punches")
    assert code == 1
    assert "lượt chấm công #3 giữa #2 (1001, 2026-01-05 07:01:00) và #4 (1001, 2026-01-05 07:03:00) đã bị xóa" in out
    assert out.count("LỖI") == 1


def test_the_last_punch_deleted_is_caught_by_the_head(device):
    actions.store_rows(device=device, rows=rows(5), source="pull")
    sql(f"DELETE FROM {TABLE} WHERE chain_seq = 5")
    code, out = run_verify("--punches")
    assert code == 1
    assert "cong-chinh: lượt chấm công #5–#5 ở cuối chuỗi đã bị xóa" in out


def test_an_inserted_punch_is_named(device):
    actions.store_rows(device=device, rows=rows(3), source="pull")
    p = Punch.objects.filter(device=device).first()
    sql(
        f"INSERT INTO {TABLE} (device_id, device_user_id, local_time, timestamp, status, punch, verify, source, "
        "received_at) VALUES (%s, %s, %s, %s, 1, 0, 1, 'pull', %s)",
        [device.pk, "2002", "2026-01-05 08:00:00", p.timestamp, p.received_at],
    )
    code, out = run_verify("--punches")
    assert code == 1
    assert "cong-chinh: lượt chấm công (mã 2002, 2026-01-05 08:00:00) bị chèn thêm: không có vị trí trong chuỗi" in out


def test_an_inserted_punch_with_a_copied_number_is_named(device):
    actions.store_rows(device=device, rows=rows(3), source="pull")
    p = Punch.objects.get(device=device, chain_seq=2)
    sql(
        f"INSERT INTO {TABLE} (device_id, device_user_id, local_time, timestamp, status, punch, verify, source, "
        "received_at, chain_seq, chain_link) VALUES (%s, %s, %s, %s, 1, 0, 1, 'pull', %s, 2, %s)",
        [device.pk, "1001", "2026-01-05 06:00:00", p.timestamp, p.received_at, p.chain_link],
    )
    code, out = run_verify("--punches")
    assert code == 1
    assert "cong-chinh: lượt chấm công #2 (mã 1001, 2026-01-05 06:00:00) bị chèn thêm (trùng số thứ tự)" in out
    assert out.count("LỖI") == 1, out


def test_a_rewritten_chain_is_caught_by_the_commitment(device):
    actions.store_rows(device=device, rows=rows(4), source="pull")
    assert chains.commit(dt.date(2026, 1, 5)) is not None
    assert chains.commit(dt.date(2026, 1, 5)) is None  # idempotent per day
    # Alter punch 2 and recompute every link after it and the head: only the
    # commitment still knows the old links.
    sql(f"UPDATE {TABLE} SET local_time = %s WHERE chain_seq = 2", ["2026-01-05 06:30:00"])
    link = chain.genesis("punch", records.chain_name(device.pk))
    for p in Punch.objects.filter(device=device).order_by("chain_seq"):
        link = chain.next_link(
            link,
            records.canonical_bytes(device.pk, p.device_user_id, p.local_time, p.status, p.punch, p.verify, p.source),
        )
        sql(f"UPDATE {TABLE} SET chain_link = %s WHERE id = %s", [link.hex(), p.pk])
    PunchChainHead.objects.filter(device=device).update(link=link.hex())
    code, out = run_verify("--punches")
    assert code == 1
    assert (
        "cong-chinh: chuỗi bị viết lại sau bản cam kết ngày 05/01/2026 (lượt #4 không còn mắt xích đã cam kết)" in out
    )


def test_an_altered_commitment_is_named(device):
    actions.store_rows(device=device, rows=rows(2), source="pull")
    chains.commit(dt.date(2026, 1, 5))
    actions.store_rows(device=device, rows=rows(2, day="2026-01-06"), source="pull")
    chains.commit(dt.date(2026, 1, 6))
    assert run_verify()[0] == 0
    PunchCommitment.objects.filter(day=dt.date(2026, 1, 5)).update(heads={str(device.pk): [1, "0" * 64]})
    code, out = run_verify("--punches")
    assert code == 1
    assert "bản cam kết ngày 05/01/2026: đã bị sửa" in out


def test_since_starts_from_the_commitment_before_the_day(device):
    actions.store_rows(device=device, rows=rows(3), source="pull")
    chains.commit(dt.date(2026, 1, 5))
    actions.store_rows(device=device, rows=rows(3, day="2026-01-06"), source="pull")
    # Damage before the commitment is not looked at with --since after it...
    sql(f"UPDATE {TABLE} SET status = 4 WHERE chain_seq = 1")
    code, out = run_verify("--punches", "--since", "2026-01-06")
    assert code == 0, out
    assert "đã kiểm tra 3 lượt chấm công" in out
    # ...damage after it is.
    sql(f"UPDATE {TABLE} SET status = 4 WHERE chain_seq = 5")
    code, out = run_verify("--punches", "--since", "2026-01-06")
    assert code == 1
    assert "lượt chấm công #5 (mã 1001, 2026-01-06 07:01:00) đã bị sửa" in out
    assert "#1" not in out


def test_device_option_checks_one_clock_and_bad_options_say_why(device, cast):
    other = Device.objects.create(name="cong-phu", host="127.0.0.2", unit=cast.commune_a)
    actions.store_rows(device=device, rows=rows(2), source="pull")
    actions.store_rows(device=other, rows=rows(2), source="pull")
    sql(f"UPDATE {TABLE} SET status = 9 WHERE device_id = %s", [other.pk])
    assert run_verify("--punches", "--device", "cong-chinh")[0] == 0
    assert run_verify("--punches", "--device", "cong-phu")[0] == 1
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Không có máy chấm công tên"):
        call_command("verify_punches", "--device", "nowhere")
    with pytest.raises(CommandError, match="không phải ngày"):
        call_command("verify_punches", "--since", "yesterday")


def test_commit_punches_worker_writes_yesterday_once(device):
    actions.store_rows(device=device, rows=rows(2), source="pull")
    call_command("commit_punches", "--once", stdout=io.StringIO())
    call_command("commit_punches", "--once", stdout=io.StringIO())
    made = PunchCommitment.objects.get()
    assert made.heads[str(device.pk)][0] == 2
    assert made.digest == made.expected_digest()
    assert "audit" in made.heads or not made.heads.get("audit")


def test_the_bench_switch_is_on(device):
    # The no-chain path exists only for bench/punch_chain.py; the product always chains.
    assert actions._CHAIN is True


def test_attaching_orphan_punches_later_keeps_the_chain_whole(device, cast):
    from hr_system.models import Employee

    actions.store_rows(device=device, rows=rows(3, user="7777"), source="pull")
    assert not Punch.objects.filter(device=device, employee__isnull=False).exists()
    Employee.objects.create(code="7777", full_name="Lò Văn Bảy", unit=cast.office_a, category="civil_servant")
    assert actions.attach_orphan_punches(device=device) == 3  # sets employee and received_at
    assert run_verify("--punches")[0] == 0
