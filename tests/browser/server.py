"""gunicorn as a province runs it, for the browser tests: DEBUG off, the production
settings, static files collected beforehand and served by WhiteNoise. Plain http on
loopback is the only relaxation (no SSL redirect, no secure-only cookies)."""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
# Straight to loopback, whatever http_proxy the environment names.
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
PORTS = range(18100, 18200)  # the browser tests' share of the machine's ports
TEST_SECRET_KEY = "browser-test-only-secret-key-not-for-production-0123456789abcdef"
START_SECONDS = 60
STOP_SECONDS = 15

# Settings the server must not inherit from whoever runs the tests.
DROPPED = (
    "SECRET_KEY_FILE",
    "DATABASE_URL_FILE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "PROMETHEUS_MULTIPROC_DIR",
    "CSRF_TRUSTED_ORIGINS",
    "TRUSTED_PROXIES",
)


def database_url(settings_dict: dict) -> str:
    """A URL naming the database the tests use (pytest-django's test database), so rows
    the test writes are what the server reads."""
    engine, name = settings_dict["ENGINE"], settings_dict["NAME"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{Path(name).resolve()}"
    if not engine.endswith("postgresql"):
        raise AssertionError(f"the browser tests know SQLite and PostgreSQL, not {engine}")
    user = urllib.parse.quote(settings_dict.get("USER") or "", safe="")
    password = urllib.parse.quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or ""
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{urllib.parse.quote(name, safe='')}"


def free_port(skip: set[int]) -> int:
    for port in PORTS:
        if port in skip:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError(f"no free port in {PORTS.start}-{PORTS.stop - 1} for gunicorn")


LIBC = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel sends SIGTERM to gunicorn if the test
    process dies without tearing down (killed by a CI timeout), so no server outlives it."""
    LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def command(port: int) -> tuple[list[str], dict[str, str]]:
    """How deployment starts the web server (deploy/gunicorn.conf.py), bound to `port`."""
    return [str(GUNICORN), "-c", str(CONFIG), "hr_system.wsgi"], {
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",  # two processes: nothing may live in one worker's memory
        "GUNICORN_THREADS": "1",
        "GUNICORN_TIMEOUT": "60",
        "GUNICORN_GRACEFUL_TIMEOUT": "5",
    }


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path
    static_root: Path
    manifest: dict[str, str] = field(default_factory=dict, repr=False)  # source name -> hashed name

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def log_since(self, offset: int) -> str:
        with self.log_path.open("rb") as fh:
            fh.seek(offset)
            return fh.read().decode("utf-8", errors="replace")

    def stop(self) -> None:
        """SIGTERM to the master (it stops its workers), then wait; SIGKILL to the whole
        process group only if it does not go in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # stray workers, if any
        except ProcessLookupError:
            pass
        self.process.wait()

    def export_log(self, path: Path) -> None:
        """The server's output as JSON lines for tests/check_logs.py, which greps a test run's
        logs for secrets: the app's own lines as they are, gunicorn's plain lines wrapped."""
        with path.open("w", encoding="utf-8") as out:
            for line in self.log_since(0).splitlines():
                if not line.strip():
                    continue
                try:
                    is_object = isinstance(json.loads(line), dict)
                except ValueError:
                    is_object = False
                out.write((line if is_object else json.dumps({"logger": "gunicorn", "message": line})) + "\n")


def start(*, settings_dict: dict, static_root: Path, media_root: Path, log_path: Path) -> Server:
    """Start gunicorn on a free port of PORTS and wait until it serves. Another run may
    take the port between our check and gunicorn's bind: then gunicorn gives up ("in use")
    and the next port is tried; a page answered by someone else's server on the port is
    never mistaken for ours (we wait for our master's own "Listening at" line)."""
    manifest = json.loads((static_root / "staticfiles.json").read_text(encoding="utf-8"))["paths"]
    env = {k: v for k, v in os.environ.items() if k not in DROPPED}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "hr_system.settings",
            "DEBUG": "0",
            "SECRET_KEY": TEST_SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            # Plain http on loopback: the only relaxation of the production settings.
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "DATABASE_URL": database_url(settings_dict),
            "DB_CONN_MAX_AGE": "0",  # no connection kept between requests: tests flush tables
            "STATIC_ROOT": str(static_root),
            "MEDIA_ROOT": str(media_root),
            "PYTHONUNBUFFERED": "1",
        }
    )
    tried: set[int] = set()
    for _ in range(3):
        port = free_port(skip=tried)
        tried.add(port)
        argv, gunicorn_env = command(port)
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                argv,
                cwd=ROOT,
                env={**env, **gunicorn_env},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so stop() reaches every worker
                preexec_fn=_die_with_parent,  # noqa: PLW1509 — it only calls prctl
            )
        server = Server(f"http://127.0.0.1:{port}", process, log_path, static_root, manifest)
        try:
            if _wait_until_serving(server):
                return server
        except BaseException:
            server.stop()
            raise
    raise AssertionError(f"gunicorn found no free port among {sorted(tried)}:\n" + server.log_since(0)[-4000:])


def _wait_until_serving(server: Server) -> bool:
    """True once our gunicorn listens on its port and its login page answers 200
    (templates, manifest and database all work); False if the port was taken under it.
    Fails with gunicorn's own output if it exits otherwise or never answers."""
    listening = f"Listening at: {server.url} ({server.process.pid})"
    deadline = time.monotonic() + START_SECONDS
    last = "not listening yet"
    while time.monotonic() < deadline:
        output = server.log_since(0)
        if server.process.poll() is not None:
            if "Connection in use" in output and listening not in output:
                return False
            raise AssertionError(
                f"gunicorn exited with status {server.process.returncode} before serving:\n{output[-8000:]}"
            )
        if listening in output:
            try:
                with NO_PROXY.open(f"{server.url}/login/", timeout=5) as response:
                    if response.status == 200:
                        return True
                    last = f"status {response.status}"
            except urllib.error.HTTPError as exc:
                last = f"status {exc.code}"
            except OSError as exc:
                last = str(exc)
        time.sleep(0.2)
    raise AssertionError(
        f"gunicorn did not serve {server.url}/login/ within {START_SECONDS} s ({last}):\n" + server.log_since(0)[-8000:]
    )
