"""`manage.py verify_pdf`: what it prints and its exit status (0 valid, 1 not, 2 bad input)."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command


def run(*args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("verify_pdf", *args, stdout=out)
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


def test_valid_file_prints_signer_time_chain_and_exits_0(signed_pdf, pki, tmp_path):
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed_pdf)
    code, out = run(str(path), "--roots", str(pki.roots_dir))
    assert code == 0
    assert "Trạng thái: Hợp lệ (valid)" in out
    assert "Người ký: Nguyễn Văn Ký" in out
    assert "+07:00" in out
    assert "Nguyễn Văn Ký → Test Issuing CA → Test Root CA" in out
    assert "Dấu thời gian (TSA): không" in out
    assert "Kết luận: Tệp có chữ ký số hợp lệ (valid)" in out


def test_roots_default_to_the_setting(signed_pdf, trust_test_roots, tmp_path):
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed_pdf)
    assert run(str(path))[0] == 0


def test_tampered_file_exits_1(signed_pdf, pki, tmp_path):
    path = tmp_path / "tampered.pdf"
    path.write_bytes(signed_pdf + b"\n% appended\n")
    code, out = run(str(path), "--roots", str(pki.roots_dir))
    assert code == 1
    assert "(modified)" in out
    assert "KHÔNG hợp lệ" in out


def test_untrusted_roots_exit_1(signed_pdf, tmp_path):
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed_pdf)
    (tmp_path / "empty-roots").mkdir()
    code, out = run(str(path), "--roots", str(tmp_path / "empty-roots"))
    assert code == 1
    assert "(untrusted)" in out


def test_unsigned_pdf_exits_1(pki, tmp_path):
    from tests.signing.helpers import blank_pdf

    path = tmp_path / "plain.pdf"
    path.write_bytes(blank_pdf())
    code, out = run(str(path), "--roots", str(pki.roots_dir))
    assert code == 1
    assert "chưa được ký" in out


@pytest.mark.parametrize("content", [None, b"not a pdf at all"])
def test_missing_file_or_not_a_pdf_is_exit_2(tmp_path, pki, content):
    path = tmp_path / "x.pdf"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError) as err:
        run(str(path), "--roots", str(pki.roots_dir))
    assert err.value.returncode == 2
    assert ("Không tìm thấy tệp" if content is None else "không phải là PDF") in str(err.value)


def test_exit_status_of_the_real_process(signed_pdf, pki, tmp_path):
    good = tmp_path / "signed.pdf"
    good.write_bytes(signed_pdf)
    env = {**os.environ, "DATABASE_URL": ""}
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py"), "verify_pdf"]
    ok = subprocess.run([*manage, str(good), "--roots", str(pki.roots_dir)], capture_output=True, env=env, timeout=120)
    assert ok.returncode == 0, ok.stderr
    missing = subprocess.run([*manage, str(tmp_path / "nope.pdf")], capture_output=True, env=env, timeout=120)
    assert missing.returncode == 2
    assert "Không tìm thấy tệp" in missing.stderr.decode()
