"""Grep the logs of a test run for secrets: `python tests/check_logs.py var/test-logs`.

tests/conftest.py writes every log record of a pytest run, formatted as production formats
it, to var/test-logs/<pid>.jsonl. This script fails (exit 1) when any line holds

- a password the tests use (tests' `…PASSWORD… = "…"` constants, the demo password), or
  a PKCS#12 passphrase or token PIN (`…PASSPHRASE…`, `…_PIN…` constants),
- an API token (`hrt_` and its random part) or a SECRET_KEY the tests run with,
- an answer key: an option marked correct, or the text of a correct option of the tests'
  question banks,
- fingerprint template data (the tests' template bytes in base64, hex or as text, the
  emulator's synthetic templates, an ADMS `TMP=` value),
- a 12-digit number (a citizen-ID/CCCD number),

naming the file, the line and the kind of secret, never the secret itself. It also fails
when it finds no log files, a line that is not JSON, or fewer request lines than
--min-requests (a run that logged nothing must not pass).
"""

from __future__ import annotations

import argparse
import ast
import base64
import functools
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"

TOKEN = re.compile(r"\bhrt_[A-Za-z0-9_-]{16,}")
ANSWER_FLAG = re.compile(r"""\\?["']correct\\?["']\s*:\s*(?:true|True)""")
TEMPLATE_FIELD = re.compile(r"\bTMP=(?!\[REDACTED\])[A-Za-z0-9+/=]{6,}")
CITIZEN_ID = re.compile(r"(?<![0-9A-Za-z.])\d{12}(?![0-9A-Za-z])")


def _python_files(folder: Path):
    return sorted(p for p in folder.rglob("*.py") if ".venv" not in p.parts)


def _string_assignments(pattern: re.Pattern, files) -> set[str]:
    found: set[str] = set()
    for path in files:
        found.update(m.group(1) for m in pattern.finditer(path.read_text(encoding="utf-8")))
    return found


@functools.cache
def passwords() -> set[str]:
    # Passwords, and the signing tests' PKCS#12 passphrases and token PINs (tests/pki.py).
    constant = re.compile(
        r"""^\s*[A-Z_]*(?:PASSWORD|PASSPHRASE|_PIN)[A-Z_]*\s*=\s*["']([^"'\n]{6,})["']""", re.MULTILINE
    )
    found = _string_assignments(constant, [*_python_files(TESTS), ROOT / "hr_system" / "demo.py"])
    return found


@functools.cache
def secret_keys() -> set[str]:
    found = {os.environ.get("SECRET_KEY", "")}
    literal = re.compile(r"""SECRET_KEY["']?\s*[:=,]\s*["']([^"'\s]{16,})["']""")
    found |= _string_assignments(literal, [*_python_files(TESTS), ROOT / "hr_system" / "settings.py"])
    makefile = ROOT / "Makefile"
    if makefile.exists():
        found |= set(re.findall(r"SECRET_KEY=(\S{16,})", makefile.read_text(encoding="utf-8")))
    return {k for k in found if len(k) >= 16}


def _dicts(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = [k.value if isinstance(k, ast.Constant) else None for k in node.keys]
            yield dict(zip(keys, node.values, strict=True))


NAME_FIELDS = {"name", "full_name", "place_name", "title", "unit_name"}


@functools.cache
def correct_option_texts() -> set[str]:
    """Texts of options the tests mark correct (`{"text": …, "correct": True}`). Left out:
    short ones ("Có", "Đúng"), ordinary words; and those inside a name the tests give a unit,
    a person or an exam ("Ủy ban nhân dân" in a unit's name), which a log line may name."""
    correct: set[str] = set()
    names: set[str] = set()
    for path in _python_files(TESTS):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg in NAME_FIELDS and isinstance(node.value, ast.Constant):
                names.add(str(node.value.value))
        for fields in _dicts(tree):
            names |= {str(fields[k].value) for k in NAME_FIELDS & fields.keys() if isinstance(fields[k], ast.Constant)}
            text, flag = fields.get("text"), fields.get("correct")
            if isinstance(text, ast.Constant) and isinstance(text.value, str) and isinstance(flag, ast.Constant):
                if flag.value is True and len(text.value.strip()) >= 8:
                    correct.add(text.value.strip())
    return {t for t in correct if not any(t in name for name in names)}


@functools.cache
def template_markers() -> set[str]:
    """The tests' fingerprint templates as they could reach a log line: base64, hex, and the
    bytes as text when they read as text; plus the emulator's synthetic templates."""
    blobs: set[bytes] = set()
    for path in _python_files(TESTS / "devices"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, bytes) and len(node.value) >= 6:
                blobs.add(node.value)
    sys.path.insert(0, str(ROOT))
    try:
        from devices.zk.emulator import synthetic_template

        blobs |= {synthetic_template(uid, fid) for uid in range(1, 33) for fid in range(10)}
    except ImportError:
        pass
    markers: set[str] = set()
    for blob in blobs:
        head = blob[:24]
        markers.add(base64.b64encode(head).decode()[:16] if len(head) >= 12 else base64.b64encode(blob).decode())
        markers.add(head.hex()[:24] if len(head) >= 12 else blob.hex())
        text = blob.decode("latin-1")
        if len(blob) >= 10 and text.isprintable():
            markers.add(text)
    return {m for m in markers if len(m) >= 8}


def masked(value: str) -> str:
    return value[:3] + "…" if len(value) > 3 else "…"


class Checker:
    def __init__(self):
        literals = {
            "password": passwords(),
            "SECRET_KEY": secret_keys(),
            "answer key (correct option text)": correct_option_texts(),
            "fingerprint template": template_markers(),
        }
        self.kinds = {value: kind for kind, values in literals.items() for value in values if value}
        ordered = sorted(self.kinds, key=len, reverse=True)
        self.literal = re.compile("|".join(re.escape(v) for v in ordered)) if ordered else None
        self.patterns = [
            ("API token", TOKEN),
            ("answer key (correct flag)", ANSWER_FLAG),
            ("fingerprint template (TMP=)", TEMPLATE_FIELD),
            ("citizen-ID number (12 digits)", CITIZEN_ID),
        ]

    def findings(self, line: str, data: dict) -> list[tuple[str, str]]:
        found = []
        if self.literal is not None:
            found += [(self.kinds[m.group(0)], m.group(0)) for m in self.literal.finditer(line)]
        # A request id is a token of its own (hex, or a proxy's UUID): not a citizen ID.
        scrubbed = line.replace(str(data.get("request_id")), "") if data.get("request_id") else line
        for kind, pattern in self.patterns:
            found += [(kind, m.group(0)) for m in pattern.finditer(scrubbed)]
        return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where the test run wrote its *.jsonl logs")
    parser.add_argument(
        "--min-requests", type=int, default=500, help="fewer request lines fail (a whole run logs ~1,700)"
    )
    parser.add_argument("--min-steps", type=int, default=20, help="fewer worker-step lines fail (a whole run logs ~70)")
    args = parser.parse_args(argv)

    files = sorted(args.folder.glob("*.jsonl")) if args.folder.is_dir() else []
    if not files:
        print(f"check_logs: no log files (*.jsonl) in {args.folder}: did the test run write its logs?")
        return 1
    checker = Checker()
    problems = lines = requests = steps = 0
    for path in files:
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                lines += 1
                try:
                    data = json.loads(line)
                except ValueError:
                    problems += 1
                    print(f"{path}:{number}: not a JSON object")
                    continue
                if not isinstance(data, dict):
                    problems += 1
                    print(f"{path}:{number}: not a JSON object")
                    continue
                event = data.get("event")
                requests += event == "request"
                steps += event == "worker_step"
                for kind, value in checker.findings(line, data):
                    problems += 1
                    print(f"{path}:{number}: {kind} in a log line ({masked(value)}, logger {data.get('logger')})")
    summary = f"{len(files)} file(s), {lines} lines, {requests} request lines, {steps} worker-step lines"
    if requests < args.min_requests:
        problems += 1
        print(f"check_logs: only {requests} request lines (at least {args.min_requests} expected)")
    if steps < args.min_steps:
        problems += 1
        print(f"check_logs: only {steps} worker-step lines (at least {args.min_steps} expected)")
    if problems:
        print(f"check_logs: FAILED, {problems} problem(s); {summary}")
        return 1
    print(f"check_logs: {summary}; no password, token, answer key, template or citizen ID found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
