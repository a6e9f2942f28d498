"""The audit log's chain: AuditLog.record chains every record; verify_punches --audit
names a record removed, altered or inserted directly in the database; the writes the
issue names (corrections, approvals, locks, key corrections, re-markings, device
commands) each leave a record; the admin cannot add, change or delete one."""

from __future__ import annotations

import datetime as dt
import inspect
import io

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection

from devices import actions as device_actions
from devices.models import Device
from hr_system import chain
from hr_system.models import AuditChainHead, AuditLog

TABLE = AuditLog._meta.db_table


def run_verify() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_punches", "--audit", stdout=out)
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def log(cast):
    AuditLog.objects.all().delete()  # the cast's own records, written before the test
    AuditChainHead.objects.all().delete()
    for i in range(5):
        AuditLog.record(user=cast.hr_a, action=f"test.step{i}", object_type="test.Thing", object_id=str(i), n=i)
    return list(AuditLog.objects.order_by("seq"))


def test_records_are_chained_in_order_and_verify(log):
    assert [r.seq for r in log] == [1, 2, 3, 4, 5]
    link = chain.AUDIT_GENESIS
    for r in log:
        link = chain.next_link(link, r.canonical())
        assert r.link == link.hex()
    assert AuditChainHead.objects.get().seq == 5
    code, out = run_verify()
    assert code == 0, out
    assert "đã kiểm tra 5 bản ghi nhật ký" in out


def test_detail_is_chained_as_stored_whatever_its_key_order(cast, log):
    row = AuditLog.record(user=None, action="test.order", object_type="x", b=[1, (2, 3)], a={"z": 1, "y": 2.5})
    assert AuditLog.objects.get(pk=row.pk).detail == {"a": {"y": 2.5, "z": 1}, "b": [1, [2, 3]]}
    assert run_verify()[0] == 0


def test_an_altered_record_is_named(log):
    sql(f"UPDATE {TABLE} SET detail = %s WHERE seq = 2", ['{"n": 99}'])
    code, out = run_verify()
    assert code == 1
    assert "bản ghi nhật ký #2 (" in out and "test.step1 test.Thing 1) đã bị sửa" in out
    assert out.count("LỖI") == 1


def test_a_removed_record_is_named(log):
    sql(f"DELETE FROM {TABLE} WHERE seq = 3")
    code, out = run_verify()
    assert code == 1
    assert "bản ghi nhật ký #3 giữa #2 và #4 đã bị xóa" in out
    assert out.count("LỖI") == 1


def test_the_last_record_removed_is_caught_by_the_head(log):
    sql(f"DELETE FROM {TABLE} WHERE seq = 5")
    code, out = run_verify()
    assert code == 1
    assert "bản ghi nhật ký #5–#5 ở cuối nhật ký đã bị xóa" in out


def test_an_inserted_record_is_named(log):
    sql(
        f"INSERT INTO {TABLE} (at, action, object_type, object_id, detail) VALUES (%s, %s, %s, %s, %s)",
        [log[0].at, "month.unlock", "hr_system.OrgUnit", "7", "{}"],
    )
    code, out = run_verify()
    assert code == 1
    assert "month.unlock hr_system.OrgUnit 7) bị chèn thêm: không có vị trí trong chuỗi" in out


def test_an_inserted_record_with_a_copied_number_is_named(log):
    sql(
        f"INSERT INTO {TABLE} (at, action, object_type, object_id, detail, seq, link) VALUES (%s, %s, %s, %s, %s, 4, %s)",
        [log[3].at, "month.unlock", "hr_system.OrgUnit", "7", "{}", log[3].link],
    )
    code, out = run_verify()
    assert code == 1
    assert "month.unlock hr_system.OrgUnit 7) bị chèn thêm (trùng số thứ tự)" in out
    assert out.count("LỖI") == 1, out


def test_a_rewritten_log_is_caught_by_the_daily_commitment(log):
    from devices import chains

    chains.commit(dt.date(2026, 1, 5))
    # Rewrite record 2 and every link after it, and the head: only the commitment knows.
    sql(f"UPDATE {TABLE} SET action = %s WHERE seq = 2", ["test.rewritten"])
    link = chain.AUDIT_GENESIS
    for r in AuditLog.objects.order_by("seq"):
        link = chain.next_link(link, r.canonical())
        sql(f"UPDATE {TABLE} SET link = %s WHERE id = %s", [link.hex(), r.pk])
    AuditChainHead.objects.update(link=link.hex())
    code, out = run_verify()
    assert code == 1
    assert "nhật ký bị viết lại sau bản cam kết ngày 05/01/2026 (bản ghi #5 không còn mắt xích đã cam kết)" in out


def test_record_inside_a_rolled_back_transaction_leaves_the_chain_whole(cast, log):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        AuditLog.record(user=None, action="test.rolled_back", object_type="x")
        raise RuntimeError
    AuditLog.record(user=None, action="test.after", object_type="x")
    assert AuditLog.objects.get(action="test.after").seq == 6
    assert run_verify()[0] == 0


def test_admin_cannot_add_change_or_delete_audit_records(rf, cast):
    model_admin = admin.site._registry[AuditLog]
    request = rf.get("/")
    request.user = cast.hr_a
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


# The writes issue 16 names, each with the action its audit record carries. The device
# commands and the month lock/unlock are driven below; the rest are checked in their
# source (their setups are long; their own tests drive them).
AUDITED = [
    ("attendance.actions", "decide_correction", "_decide"),
    ("attendance.actions", "_decide", 'action=f"{obj._meta.model_name}.{status}"'),
    ("attendance.actions", "lock_month", 'action="month.lock"'),
    ("attendance.actions", "unlock_month", 'action="month.unlock"'),
    ("devices.actions", "approve_device", 'action="device.approve"'),
    ("devices.actions", "queue_command", 'action="device.command"'),
    ("assessments.results", "correct_key", 'action="exam.key_corrected"'),
    ("assessments.remarks", "decide_remark", 'action="exam.remark_decided"'),
    ("assessments.sealing", "seal_sitting", 'action="sitting.sealed"'),
    ("transfers.actions", "resolve_objection", 'action="transfer_objection.accept"'),
    ("transfers.actions", "finalise_round", 'action="transfer_round.finalise"'),
]


@pytest.mark.parametrize(("module", "function", "needle"), AUDITED)
def test_each_named_write_records_its_audit_entry(module, function, needle):
    import importlib

    source = inspect.getsource(getattr(importlib.import_module(module), function))
    assert needle in source
    assert "AuditLog.record(" in source or needle == "_decide"


def test_device_commands_and_month_locks_are_in_the_chained_log(cast):
    from attendance import actions as attendance_actions

    device = Device.objects.create(name="adms-1", transport="push", serial_number="SN-CHAIN-1", unit=cast.commune_a)
    for kind in ("time_sync", "log_upload", "reboot"):
        device_actions.queue_command(acting_user=cast.hr_a, device=device, kind=kind)
    attendance_actions.lock_month(acting_user=cast.hr_a, unit=cast.commune_a, month=dt.date(2026, 1, 1))
    attendance_actions.unlock_month(acting_user=cast.hr_a, unit=cast.commune_a, month=dt.date(2026, 1, 1), reason="sai")
    actions = list(AuditLog.objects.filter(seq__isnull=False).order_by("seq").values_list("action", flat=True))
    assert actions[-5:] == ["device.command", "device.command", "device.command", "month.lock", "month.unlock"]
    assert run_verify()[0] == 0


def test_admin_cannot_add_change_or_delete_punch_commitments(rf, cast):
    from devices.models import PunchCommitment

    model_admin = admin.site._registry[PunchCommitment]
    request = rf.get("/")
    request.user = cast.hr_a
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
