"""Migration 0008 leaves no template in clear: encrypted with a configured key, else deleted."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from devices import template_crypto
from devices.models import FingerTemplate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("devices", "0007_vietnamese_admin_names")]
CLEAR = b"\x11\x22clear-template-from-before"


def _clear_rows_before_the_migration() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("devices", "FingerTemplate")
    old.objects.create(device_user_id="101", finger=1, template=CLEAR, valid=1)
    old.objects.create(device_user_id="102", finger=2, template=CLEAR + b"2", valid=1)


def _migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_with_a_key_clear_rows_are_encrypted(settings):
    settings.FINGER_TEMPLATE_KEYS, settings.FINGER_TEMPLATE_KEY_FILE = [Fernet.generate_key().decode()], ""
    _clear_rows_before_the_migration()
    _migrate_to_latest()
    rows = {t.device_user_id: bytes(t.template) for t in FingerTemplate.objects.all()}
    assert set(rows) == {"101", "102"}
    assert all(CLEAR not in token for token in rows.values())
    assert template_crypto.decrypt(rows["101"]) == CLEAR and template_crypto.decrypt(rows["102"]) == CLEAR + b"2"


def test_without_a_key_clear_rows_are_deleted(settings):
    settings.FINGER_TEMPLATE_KEYS, settings.FINGER_TEMPLATE_KEY_FILE = [], ""
    _clear_rows_before_the_migration()
    _migrate_to_latest()
    assert not FingerTemplate.objects.exists()
