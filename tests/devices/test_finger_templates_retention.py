"""Templates are deleted N days after leaving, without consent, or all with storage off."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from devices import retention
from devices.models import Device, DeviceCommand, FingerTemplate
from hr_system.models import AuditLog

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 31)


def test_retention_rule_is_data_with_an_effective_date():
    rules = (retention.RetentionRule(dt.date(2026, 1, 1), 30), retention.RetentionRule(dt.date(2027, 1, 1), 10))
    assert retention.retention_days(dt.date(2026, 6, 1), rules) == 30
    assert retention.retention_days(dt.date(2027, 1, 1), rules) == 10
    assert retention.retention_days(dt.date(2025, 1, 1), rules) == 30  # before any rule: the first
    assert retention.retention_days(TODAY) == 30
    assert retention.past_retention(dt.date(2026, 3, 1), TODAY, 30) is True  # 30 days on
    assert retention.past_retention(dt.date(2026, 3, 2), TODAY, 30) is False  # 29 days on
    assert retention.past_retention(None, TODAY, 30) is False


def test_a_leavers_templates_go_n_days_after_leaving_and_not_before(cast, template_store, monkeypatch):
    adms = Device.objects.create(name="ADMS A", transport="push", serial_number="MCSN0001", unit=cast.commune_a)
    template_store.consent("101", "102")
    for code in ("101", "102"):
        FingerTemplate.keep(device_user_id=code, finger=1, raw=b"finger-" + code.encode(), valid=1, source_device=None)
    cast.emp_a.leave_date = TODAY - dt.timedelta(days=29)
    cast.emp_a.save()

    assert retention.purge(today=TODAY)["templates_deleted"] == 0
    assert FingerTemplate.objects.count() == 2 and not AuditLog.objects.filter(action="finger_templates.purge").exists()

    result = retention.purge(today=TODAY + dt.timedelta(days=1))
    assert (result["templates_deleted"], result["leavers"], result["clock_deletions_queued"]) == (1, 1, 1)
    assert list(FingerTemplate.objects.values_list("device_user_id", flat=True)) == ["102"]
    assert DeviceCommand.objects.get(device=adms).command == "DATA DELETE FINGERTMP PIN=101"
    audit = AuditLog.objects.get(action="finger_templates.purge")
    assert audit.detail["templates_deleted"] == 1 and audit.detail["reason"] == "retention"
    assert "finger-" not in str(audit.detail)


def test_templates_without_consent_are_purged(cast, template_store):
    template_store.consent("101")
    FingerTemplate.keep(device_user_id="101", finger=1, raw=b"finger-an", valid=1, source_device=None)
    FingerTemplate.keep(device_user_id="201", finger=1, raw=b"finger-duc", valid=1, source_device=None)
    result = retention.purge(today=TODAY)
    assert (result["templates_deleted"], result["without_consent"]) == (1, 1)
    assert list(FingerTemplate.objects.values_list("device_user_id", flat=True)) == ["101"]


def test_the_worker_deletes_every_row_once_storage_is_off(cast, template_store, settings):
    template_store.consent("101", "201")
    FingerTemplate.keep(device_user_id="101", finger=1, raw=b"finger-an", valid=1, source_device=None)
    FingerTemplate.keep(device_user_id="201", finger=2, raw=b"finger-duc", valid=1, source_device=None)
    settings.STORE_FINGER_TEMPLATES = False
    out = io.StringIO()
    call_command("purge_finger_templates", "--once", stdout=out)
    assert "templates deleted 2" in out.getvalue() and "(central storage is off)" in out.getvalue()
    assert not FingerTemplate.objects.exists()
    audit = AuditLog.objects.get(action="finger_templates.purge")
    assert (audit.detail["reason"], audit.detail["templates_deleted"]) == ("storage_off", 2)
