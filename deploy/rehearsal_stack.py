"""The production stack of deploy/, started as plain processes (no systemd), for the
rehearsal (deploy/rehearsal.py) and the exam-save figure through Caddy
(bench/exam_caddy.py).

What a server runs, started from the repository's own files:
- gunicorn instances: `gunicorn -c deploy/gunicorn.conf.py hr_system.wsgi`, each with
  GUNICORN_BIND=127.0.0.1:<port> and its own PROMETHEUS_MULTIPROC_DIR, as the template
  unit chamcong-web@<port>.service sets them;
- Caddy: `caddy run --config deploy/Caddyfile --adapter caddyfile` with the
  CHAMCONG_* placeholders (high ports, `tls internal`, both instances upstream), its
  data and config under the run directory (HOME, XDG_DATA_HOME, XDG_CONFIG_HOME);
- the workers `poll_devices --loop` (any number of them), `recompute_attendance --loop`
  and `finalize_attempts --loop`, and ZK clock emulators (`zk_emulator`).

Every process gets the environment one /etc/chamcong/env would give it: DEBUG off, the
production security settings (HTTPS is real here, through Caddy), secrets read from
files (SECRET_KEY_FILE, DATABASE_URL_FILE), TRUSTED_PROXIES=127.0.0.1/32. The database
is a fresh PostgreSQL database `hr_rehearsal_<name>`, dropped at the end.

Each process writes stdout and stderr to its own files in the run directory; every
process carries a marker variable in its environment, so that after the stop a scan of
/proc finds anything of this run still alive (a gunicorn worker its master left behind).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MANAGE = [sys.executable, str(ROOT / "manage.py")]
CADDY = shutil.which("caddy") or "/usr/bin/caddy"
SITE = "localhost"  # CHAMCONG_SITE: the name people type; Caddy's internal CA signs it
MARKER = "CHAMCONG_REHEARSAL_RUN"  # in every started process's environment


def pg_admin_url() -> str:
    """The maintenance database of the PostgreSQL server: REHEARSAL_PG_URL, else the
    server of a PostgreSQL DATABASE_URL (as `.ci/run` exports), else the local one."""
    if os.environ.get("REHEARSAL_PG_URL"):
        return os.environ["REHEARSAL_PG_URL"]
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url.rsplit("/", 1)[0] + "/postgres"
    return "postgres://postgres@127.0.0.1:5432/postgres"


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    out: Path
    err: Path
    stop_seconds: float | None = None
    returncode: int | None = None

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 25) -> str:
        parts = []
        for path in (self.out, self.err):
            text = path.read_text(errors="replace") if path.exists() else ""
            rows = text.rstrip("\n").splitlines()[-lines:]
            if rows:
                parts.append(f"--- {path.name} (last {len(rows)} lines)\n" + "\n".join(rows))
        return "\n".join(parts) or f"--- {self.name}: no output"


@dataclass
class Ports:
    """Every port of one stack, consecutive from `base` (the rehearsal owns 18300-18449)."""

    base: int
    web_instances: int
    emulators: int

    @property
    def http(self) -> int:
        return self.base

    @property
    def https(self) -> int:
        return self.base + 1

    @property
    def adms(self) -> int:
        return self.base + 2

    @property
    def admin(self) -> int:
        return self.base + 3

    @property
    def web(self) -> list[int]:
        return [self.base + 10 + i for i in range(self.web_instances)]

    @property
    def zk(self) -> list[int]:
        return [self.base + 20 + i for i in range(self.emulators)]

    def all(self) -> list[int]:
        return [self.http, self.https, self.adms, self.admin, *self.web, *self.zk]


@dataclass
class Stack:
    name: str
    base_port: int
    web_instances: int = 2
    web_workers: int = 2
    emulators: int = 0
    run_dir: Path = field(default=None)  # type: ignore[assignment]
    procs: list[Proc] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ports = Ports(self.base_port, self.web_instances, self.emulators)
        self.run_dir = Path(self.run_dir or ROOT / "var" / "rehearsal" / self.name)
        shutil.rmtree(self.run_dir, ignore_errors=True)
        self.run_dir.mkdir(parents=True)
        self.token = secrets.token_hex(8)
        self.db_name = f"hr_rehearsal_{self.name}_{os.getpid()}"
        self.admin_url = pg_admin_url()
        self.db_url = self.admin_url.rsplit("/", 1)[0] + "/" + self.db_name
        self.base_url = f"https://{SITE}:{self.ports.https}"
        self.adms_url = f"http://127.0.0.1:{self.ports.adms}"
        self.db_created = False

    # --- environment ------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        """What /etc/chamcong/env gives every unit, for this run."""
        secrets_dir = self.run_dir / "etc"
        if not secrets_dir.exists():
            secrets_dir.mkdir(mode=0o700)
            (secrets_dir / "secret_key").write_text(secrets.token_urlsafe(50) + "\n")
            (secrets_dir / "database_url").write_text(self.db_url + "\n")
        keep = ("PATH", "LANG", "LC_ALL", "TZ", "TMPDIR")
        env = {k: v for k, v in os.environ.items() if k in keep}
        env.update(
            DEBUG="0",
            SECRET_KEY_FILE=str(secrets_dir / "secret_key"),
            DATABASE_URL_FILE=str(secrets_dir / "database_url"),
            ALLOWED_HOSTS=SITE,
            CSRF_TRUSTED_ORIGINS=self.base_url,
            TRUSTED_PROXIES="127.0.0.1/32",
            STATIC_ROOT=str(self.run_dir / "static"),
            MEDIA_ROOT=str(self.run_dir / "media"),
            BACKUP_DIR=str(self.run_dir / "backups"),
            DB_CONN_MAX_AGE="60",
            PYTHONUNBUFFERED="1",
        )
        return env

    def caddy_env(self) -> dict[str, str]:
        home = self.run_dir / "caddy"
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "TZ")}
        env.update(
            HOME=str(home),
            XDG_DATA_HOME=str(home / "data"),
            XDG_CONFIG_HOME=str(home / "config"),
            CHAMCONG_SITE=SITE,
            CHAMCONG_TLS="internal",
            CHAMCONG_HTTP_PORT=str(self.ports.http),
            CHAMCONG_HTTPS_PORT=str(self.ports.https),
            CHAMCONG_ADMS_PORT=str(self.ports.adms),
            CHAMCONG_UPSTREAMS=" ".join(f"127.0.0.1:{p}" for p in self.ports.web),
            CHAMCONG_CADDY_ADMIN=f"127.0.0.1:{self.ports.admin}",
        )
        return env

    def caddy_root_cert(self) -> Path:
        return self.run_dir / "caddy" / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"

    def tls_context(self) -> ssl.SSLContext:
        """Trusts Caddy's internal CA, and only it: a client's check of the site's chain."""
        return ssl.create_default_context(cafile=str(self.caddy_root_cert()))

    def setup_django(self) -> None:
        """This process talks to the same database with the same settings."""
        os.environ.update(self.env())
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("SECRET_KEY", None)
        os.environ["DJANGO_SETTINGS_MODULE"] = "hr_system.settings"
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        import django

        django.setup()

    # --- database and deployment steps ------------------------------------------------

    def check_ports(self) -> None:
        busy = []
        for port in self.ports.all():
            with socket.socket() as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    busy.append(port)
        if busy:
            raise RuntimeError(f"ports already in use: {busy} (another rehearsal running?)")

    def create_database(self) -> None:
        import psycopg

        try:
            with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{self.db_name}"')
        except psycopg.OperationalError as exc:
            where = self.admin_url.rsplit("@", 1)[-1]
            raise RuntimeError(f"PostgreSQL is not reachable at {where}: {exc}".strip()) from None
        self.db_created = True

    def drop_database(self) -> None:
        if not self.db_created:
            return
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        self.db_created = False

    def manage(self, *args: str, timeout: float = 300) -> str:
        """A deployment step (`manage.py …`) as the administrator runs it; raises on failure."""
        done = subprocess.run(
            [*MANAGE, *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
        return done.stdout

    # --- processes --------------------------------------------------------------------

    def spawn(self, name: str, command: list[str], env: dict[str, str]) -> Proc:
        out, err = self.run_dir / f"{name}.log", self.run_dir / f"{name}.err"
        popen = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**env, MARKER: self.token},
            stdin=subprocess.DEVNULL,
            stdout=out.open("wb"),
            stderr=err.open("wb"),
            start_new_session=True,  # its own process group: cleaned up as one if need be
        )
        proc = Proc(name, popen, out, err)
        self.procs.append(proc)
        return proc

    def proc(self, name: str) -> Proc:
        return next(p for p in self.procs if p.name == name)

    def start_web(self) -> list[Proc]:
        started = []
        for i, port in enumerate(self.ports.web, start=1):
            multiproc = self.run_dir / f"prometheus-web-{i}"
            multiproc.mkdir(exist_ok=True)
            env = {
                **self.env(),
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "GUNICORN_WORKERS": str(self.web_workers),
                "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
            }
            command = [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "hr_system.wsgi"]
            started.append(self.spawn(f"web-{i}", command, env))
        for proc, port in zip(started, self.ports.web, strict=True):
            self.wait_for_port(proc, port)
        return started

    def start_caddy(self) -> Proc:
        home = self.run_dir / "caddy"
        (home / "data").mkdir(parents=True, exist_ok=True)
        (home / "config").mkdir(parents=True, exist_ok=True)
        command = [CADDY, "run", "--config", str(ROOT / "deploy" / "Caddyfile"), "--adapter", "caddyfile"]
        proc = self.spawn("caddy", command, self.caddy_env())
        self.wait_for_port(proc, self.ports.https)
        self.wait_for_port(proc, self.ports.adms)
        deadline = time.monotonic() + 20
        while not self.caddy_root_cert().exists():
            if time.monotonic() > deadline or not proc.alive():
                raise RuntimeError("Caddy did not create its internal CA")
            time.sleep(0.1)
        return proc

    def start_workers(self, pollers: int = 2) -> list[Proc]:
        env = self.env()
        started = [self.spawn(f"poller-{i}", [*MANAGE, "poll_devices", "--loop"], env) for i in range(1, pollers + 1)]
        started.append(self.spawn("recompute", [*MANAGE, "recompute_attendance", "--loop"], env))
        started.append(self.spawn("exams", [*MANAGE, "finalize_attempts", "--loop"], env))
        return started

    def start_emulator(self, i: int, *, users: int, punches: int) -> Proc:
        port = self.ports.zk[i]
        command = [
            *MANAGE,
            "zk_emulator",
            f"--port={port}",
            f"--users={users}",
            f"--punches={punches}",
            f"--seed={100 + i}",
            f"--serial=RH-ZK-{i + 1:04d}",
            f"--state={self.run_dir / f'zk-{i + 1}.json'}",
        ]
        proc = self.spawn(f"zk-{i + 1}", command, self.env())
        return proc

    def wait_for_port(self, proc: Proc, port: int, timeout: float = 40) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not proc.alive():
                raise RuntimeError(f"{proc.name} exited ({proc.popen.returncode}) before listening on {port}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{proc.name} did not listen on {port} within {timeout:.0f} s")

    def dead(self) -> list[Proc]:
        """Processes that ended although nobody stopped them."""
        return [p for p in self.procs if p.stop_seconds is None and not p.alive()]

    def stop(self, timeout: float = 30) -> list[Proc]:
        """SIGTERM to each main process (as systemd's stop does), all at once; then wait
        for each. Returns the processes that did not exit cleanly (exit status non-zero,
        or still running after `timeout` and killed)."""
        started = time.monotonic()
        running = [p for p in self.procs if p.alive() and p.stop_seconds is None]
        for p in running:
            p.popen.send_signal(signal.SIGTERM)
        bad = []
        for p in running:
            left = max(0.1, timeout - (time.monotonic() - started))
            try:
                p.returncode = p.popen.wait(left)
            except subprocess.TimeoutExpired:
                os.killpg(p.popen.pid, signal.SIGKILL)
                p.popen.wait()
                p.returncode = None
            p.stop_seconds = time.monotonic() - started
            if p.returncode != 0:
                bad.append(p)
        for p in self.procs:  # those that had ended by themselves
            if p.stop_seconds is None:
                p.returncode = p.popen.returncode
                p.stop_seconds = 0.0
                bad.append(p)
        return bad

    def leftovers(self) -> list[str]:
        """Processes of this run still alive: any process whose environment carries
        this run's marker ("pid command")."""
        needle = f"{MARKER}={self.token}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                environ = (entry / "environ").read_bytes()
                if needle not in environ.split(b"\0"):
                    continue
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                status = (entry / "stat").read_text().split()[2]
            except OSError:
                continue
            if status != "Z":  # a zombie is gone, only not yet reaped by its parent
                found.append(f"{entry.name} {cmdline[:120]}")
        return found

    def kill_all(self) -> None:
        """Last-resort cleanup after a failure: every process group of this run."""
        for p in self.procs:
            if p.alive():
                try:
                    os.killpg(p.popen.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.popen.wait()
        needle = f"{MARKER}={self.token}".encode()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and int(entry.name) != os.getpid():
                try:
                    if needle in (entry / "environ").read_bytes().split(b"\0"):
                        os.kill(int(entry.name), signal.SIGKILL)
                except OSError:
                    pass
