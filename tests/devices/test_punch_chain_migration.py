"""The data migrations chain what was stored before the chains existed: punches per
clock in pk order, the audit log in pk order; verify_punches then finds nothing."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from devices.models import Punch, PunchChainHead
from hr_system.models import AuditChainHead, AuditLog

BEFORE = [("devices", "0008_templates_encryption"), ("hr_system", "0011_chains_audit_chain")]


def _latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_existing_punches_and_audit_records_are_chained(transactional_db):
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        apps = executor.loader.project_state(BEFORE).apps
        OrgUnit = apps.get_model("hr_system", "OrgUnit")
        OldDevice = apps.get_model("devices", "Device")
        OldPunch = apps.get_model("devices", "Punch")
        OldAudit = apps.get_model("hr_system", "AuditLog")
        unit = OrgUnit.objects.create(code="SL", name="Sơn La", kind="province", path="/000001/")
        a = OldDevice.objects.create(name="a", host="10.0.0.1", unit=unit)
        b = OldDevice.objects.create(name="b", host="10.0.0.2", unit=unit)
        for i in range(6):
            OldPunch.objects.create(
                device=(a, b)[i % 2],
                device_user_id=str(100 + i),
                local_time=f"2026-01-05 07:{i:02d}:00",
                timestamp="2026-01-05T00:00:00Z",
                source="pull",
                status=i,
            )
        OldAudit.objects.all().delete()
        for i in range(4):
            OldAudit.objects.create(action=f"old.{i}", object_type="x", object_id=str(i), detail={"b": i, "a": [i]})

        _latest()

        by_device = {
            d: list(Punch.objects.filter(device_id=d).order_by("pk").values_list("chain_seq", flat=True))
            for d in (a.pk, b.pk)
        }
        assert by_device == {a.pk: [1, 2, 3], b.pk: [1, 2, 3]}
        assert PunchChainHead.objects.get(device_id=a.pk).seq == 3
        assert list(AuditLog.objects.order_by("pk").values_list("seq", flat=True)) == [1, 2, 3, 4]
        assert AuditChainHead.objects.get().seq == 4
        out = io.StringIO()
        call_command("verify_punches", stdout=out)  # exits 1 on any problem
        assert "đã kiểm tra 6 lượt chấm công" in out.getvalue() and "\n0 lỗi" in out.getvalue()
    finally:
        _latest()
