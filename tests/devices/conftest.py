"""Emulated clocks for the device tests, on free ports, stopped after each test; and
fingerprint template storage (on, with a fresh key) for the tests that need it."""

from __future__ import annotations

import socket

import pytest
from cryptography.fernet import Fernet

from devices import template_crypto
from devices.models import Device
from hr_system.models import Consent, Employee


def free_port() -> int:
    # TCP and UDP share the number: pick one that is free for both.
    while True:
        with socket.socket() as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            try:
                udp.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


@pytest.fixture
def emulator():
    from devices.zk.emulator import ZKEmulator

    started = []

    def make(**kwargs):
        emu = ZKEmulator(port=free_port(), **kwargs)
        emu.start()
        started.append(emu)
        return emu

    yield make
    for emu in started:
        emu.stop()


@pytest.fixture
def clock(cast):
    """A Device row for the Mộc Châu office; point it at an emulator with .port."""

    def make(emu, **fields):
        defaults = {"name": f"clock-{emu.port}", "host": "127.0.0.1", "port": emu.port, "unit": cast.commune_a}
        defaults.update(fields)
        return Device.objects.create(**defaults)

    return make


@pytest.fixture
def poller_env():
    """The environment of a `manage.py poll_devices` subprocess on this test's database."""
    import os

    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "postgresql":
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    else:
        url = f"sqlite:///{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url}


class TemplateStore:
    def consent(self, *codes: str) -> None:
        for code in codes:
            Consent.objects.create(
                employee=Employee.objects.get(code=code),
                purpose=Consent.Purpose.FINGERPRINT_ATTENDANCE,
                evidence="Phiếu đồng ý số 1/2026",
            )

    @staticmethod
    def clear(template) -> bytes:
        """The stored row decrypted (the test's own look, not a logged read)."""
        return template_crypto.decrypt(bytes(template.template))


@pytest.fixture
def template_key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
def template_store(settings, template_key) -> TemplateStore:
    settings.STORE_FINGER_TEMPLATES = True
    settings.FINGER_TEMPLATE_KEYS = [template_key]
    settings.FINGER_TEMPLATE_KEY_FILE = ""
    return TemplateStore()
