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

The services are started with their units' own commands and environment: ExecStart=,
Environment= and TimeoutStopSec= are read from deploy/systemd/ (with /opt/chamcong
being this checkout and %i the instance's port), and the environment file is
deploy/env.example itself, with only what differs on this machine set over it (the
site name, ports, paths, the files holding the secret key and the database address).
So DEBUG is off, the production security settings stand (HTTPS is real here, through
Caddy) and TRUSTED_PROXIES is the example's. The database is a fresh PostgreSQL
database `hr_rehearsal_<name>_<pid>`, dropped at the end.

Each process writes stdout and stderr to its own files in the run directory; every
process carries a marker variable in its environment, so that after the stop a scan of
/proc finds anything of this run still alive (a gunicorn worker its master left behind).
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
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
SERVER_ROOT = "/opt/chamcong"  # where deploy/ puts the code on a server
UNITS = ROOT / "deploy" / "systemd"
ENV_FILE = ROOT / "deploy" / "env.example"
SYSTEMD_DEFAULT_STOP_SECONDS = 90.0
CADDY_STOP_SECONDS = 5.0  # TimeoutStopSec of Debian's caddy.service


def read_env_file(path: Path) -> dict[str, str]:
    """NAME=value lines as systemd's EnvironmentFile= reads them (comments, blank lines
    and surrounding double quotes dropped)."""
    env = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        name, sep, value = line.partition("=")
        if not sep:
            raise ValueError(f"{path.name}: not NAME=value: {raw!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        env[name.strip()] = value
    return env


@dataclass
class Unit:
    """What a unit of deploy/systemd/ starts: its command, its own Environment= lines
    and how long systemd waits for it to stop, relocated to this checkout."""

    command: list[str]
    env: dict[str, str]
    stop_seconds: float

    @classmethod
    def read(cls, name: str, instance: str = "") -> Unit:
        command, env, stop = None, {}, SYSTEMD_DEFAULT_STOP_SECONDS
        for raw in (UNITS / name).read_text(encoding="utf-8").splitlines():
            line = raw.strip().replace("%i", instance)
            key, _, value = line.partition("=")
            if key == "ExecStart":
                command = [cls.relocate(arg) for arg in shlex.split(value)]
            elif key == "Environment":
                name_, _, val = value.partition("=")
                env[name_] = val
            elif key == "TimeoutStopSec":
                stop = cls.seconds(value)
        if not command:
            raise ValueError(f"{name}: no ExecStart=")
        return cls(command, env, stop)

    @staticmethod
    def seconds(value: str) -> float:
        """A systemd time span as the units write it: "45s", "45", "2min", "1min 30s"."""
        total = 0.0
        for number, unit in re.findall(r"(\d+)\s*(min|s)?", value):
            total += int(number) * (60 if unit == "min" else 1)
        if not total:
            raise ValueError(f"TimeoutStopSec={value}: not a time span this reads")
        return total

    @staticmethod
    def relocate(arg: str) -> str:
        if arg == f"{SERVER_ROOT}/.venv/bin/python":
            return sys.executable
        if arg.startswith(f"{SERVER_ROOT}/.venv/bin/"):
            return str(BIN / arg.rsplit("/", 1)[-1])
        if arg.startswith(f"{SERVER_ROOT}/"):
            return str(ROOT / arg.removeprefix(f"{SERVER_ROOT}/"))
        return arg


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
    stop_timeout: float = SYSTEMD_DEFAULT_STOP_SECONDS
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

    def overrides(self) -> dict[str, str]:
        """What differs from deploy/env.example on this machine, for this run."""
        secrets_dir = self.run_dir / "etc"
        if not secrets_dir.exists():
            secrets_dir.mkdir(mode=0o700)
            (secrets_dir / "secret_key").write_text(secrets.token_urlsafe(50) + "\n")
            (secrets_dir / "database_url").write_text(self.db_url + "\n")
        return {
            "SECRET_KEY_FILE": str(secrets_dir / "secret_key"),
            "DATABASE_URL_FILE": str(secrets_dir / "database_url"),
            "ALLOWED_HOSTS": SITE,
            "CSRF_TRUSTED_ORIGINS": self.base_url,
            "STATIC_ROOT": str(self.run_dir / "static"),
            "MEDIA_ROOT": str(self.run_dir / "media"),
            "BACKUP_DIR": str(self.run_dir / "backups"),
            "CHAMCONG_SITE": SITE,
            "CHAMCONG_TLS": "internal",
            "CHAMCONG_HTTP_PORT": str(self.ports.http),
            "CHAMCONG_HTTPS_PORT": str(self.ports.https),
            "CHAMCONG_ADMS_PORT": str(self.ports.adms),
            "CHAMCONG_UPSTREAMS": " ".join(f"127.0.0.1:{p}" for p in self.ports.web),
            "CHAMCONG_CADDY_ADMIN": f"127.0.0.1:{self.ports.admin}",
        }

    def env(self) -> dict[str, str]:
        """What /etc/chamcong/env gives every unit: deploy/env.example, with this run's
        overrides, over the little a systemd service inherits."""
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TZ", "TMPDIR")}
        env.update(read_env_file(ENV_FILE))
        env.update(self.overrides())
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def caddy_env(self) -> dict[str, str]:
        """Caddy's: the same environment file (deploy/systemd/caddy.service.d), its data
        and configuration under the run directory instead of /var/lib/caddy."""
        home = self.run_dir / "caddy"
        return {
            **self.env(),
            "HOME": str(home),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_CONFIG_HOME": str(home / "config"),
        }

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

    def manage(self, *args: str, timeout: float = 300) -> float:
        """A deployment step (`manage.py …`) as the administrator runs it; its seconds.
        Raises, with the step's output, when it fails."""
        return self.manage_in_background(*args)(timeout)

    def manage_in_background(self, *args: str):
        """Start a deployment step; returns wait(timeout) → seconds, raising on failure.
        (collectstatic, the slowest step, runs beside migrate and the data set-up.)"""
        started = time.monotonic()
        out = self.run_dir / f"manage-{args[0]}.log"
        popen = subprocess.Popen(
            [*MANAGE, *args],
            cwd=ROOT,
            env={**self.env(), MARKER: self.token},
            stdout=out.open("wb"),
            stderr=subprocess.STDOUT,
        )

        def wait(timeout: float = 300) -> float:
            try:
                code = popen.wait(timeout)
            except subprocess.TimeoutExpired:
                popen.kill()
                popen.wait()
                code = "killed after a timeout"
            if code:
                raise RuntimeError(
                    f"manage.py {' '.join(args)} exited {code}:\n{out.read_text(errors='replace')[-3000:]}"
                )
            return time.monotonic() - started

        return wait

    # --- processes --------------------------------------------------------------------

    def spawn(self, name: str, command: list[str], env: dict[str, str], stop_timeout: float = 30.0) -> Proc:
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
        proc = Proc(name, popen, out, err, stop_timeout=stop_timeout)
        self.procs.append(proc)
        return proc

    def proc(self, name: str) -> Proc:
        return next(p for p in self.procs if p.name == name)

    def start_unit(self, name: str, unit_file: str, instance: str = "", **env: str) -> Proc:
        unit = Unit.read(unit_file, instance)
        # systemd: what EnvironmentFile= sets wins over the unit's Environment= lines.
        return self.spawn(name, unit.command, {**unit.env, **self.env(), **env}, unit.stop_seconds)

    def start_web(self) -> list[Proc]:
        """chamcong-web@<port> for each instance; its RuntimeDirectory (the Prometheus
        multiprocess directory) under the run directory instead of /run."""
        started = []
        for i, port in enumerate(self.ports.web, start=1):
            multiproc = self.run_dir / f"chamcong-web-{port}"
            multiproc.mkdir(exist_ok=True)
            started.append(
                self.start_unit(
                    f"web-{i}",
                    "chamcong-web@.service",
                    str(port),
                    GUNICORN_WORKERS=str(self.web_workers),
                    PROMETHEUS_MULTIPROC_DIR=str(multiproc),
                )
            )
        for proc, port in zip(started, self.ports.web, strict=True):
            self.wait_for_port(proc, port)
        return started

    def start_caddy(self) -> Proc:
        home = self.run_dir / "caddy"
        (home / "data").mkdir(parents=True, exist_ok=True)
        (home / "config").mkdir(parents=True, exist_ok=True)
        command = [CADDY, "run", "--config", str(ROOT / "deploy" / "Caddyfile"), "--adapter", "caddyfile"]
        proc = self.spawn("caddy", command, self.caddy_env(), CADDY_STOP_SECONDS)
        self.wait_for_port(proc, self.ports.https)
        self.wait_for_port(proc, self.ports.adms)
        deadline = time.monotonic() + 20
        while not self.caddy_root_cert().exists():
            if time.monotonic() > deadline or not proc.alive():
                raise RuntimeError("Caddy did not create its internal CA")
            time.sleep(0.1)
        return proc

    def start_workers(self, pollers: int = 2) -> list[Proc]:
        """chamcong-poller (`pollers` of them, as on two machines), chamcong-recompute,
        chamcong-exams."""
        started = [self.start_unit(f"poller-{i}", "chamcong-poller.service") for i in range(1, pollers + 1)]
        started.append(self.start_unit("recompute", "chamcong-recompute.service"))
        started.append(self.start_unit("exams", "chamcong-exams.service"))
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

    def stop(self) -> list[Proc]:
        """SIGTERM to each main process (as systemd's stop does), all at once; then wait
        for each up to its unit's TimeoutStopSec. Returns the processes that did not exit
        cleanly (exit status non-zero, or still running after their time and killed)."""
        started = time.monotonic()
        running = [p for p in self.procs if p.alive() and p.stop_seconds is None]
        for p in running:
            p.popen.send_signal(signal.SIGTERM)
        bad = []
        for p in running:
            left = max(0.1, p.stop_timeout - (time.monotonic() - started))
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
