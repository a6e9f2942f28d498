"""deploy/ as a Debian 12 server uses it: the systemd units pass `systemd-analyze verify`,
the Caddyfile is valid and routes what it must (and nothing else), gunicorn starts from
deploy/gunicorn.conf.py and refuses to start without SECRET_KEY, deploy/env.example lists
every variable the product reads, and the units use only paths deploy/README.md creates.

The tools are real: Debian's systemd-analyze (systemd 252) and caddy (2.6); `make test`
installs caddy. A missing tool fails these tests, it never skips them.
"""

from __future__ import annotations

import contextlib
import fnmatch
import http.client
import http.server
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SYSTEMD = DEPLOY / "systemd"
UNITS = sorted(p for p in SYSTEMD.iterdir() if p.suffix in (".service", ".timer", ".target"))
DROP_IN = SYSTEMD / "caddy.service.d" / "chamcong.conf"
VENV = Path(sys.prefix)
SERVER_ROOT = "/opt/chamcong"

# Ports of this module (18200-18299): two stub upstreams and Caddy's three listeners.
UPSTREAM_PORTS = (18201, 18202)
GUNICORN_PORT = 18210
HTTPS_PORT, HTTP_PORT, ADMS_PORT = 18243, 18280, 18281


def tool(name: str) -> str:
    path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if path is None:
        pytest.fail(f"`{name}` is not installed: deploy/ is checked with it (apt-get install {name})")
    return path


def unit_text(path: Path) -> str:
    """A unit as it would run from this checkout: /opt/chamcong is here, its venv ours."""
    text = path.read_text(encoding="utf-8")
    return text.replace(f"{SERVER_ROOT}/.venv", str(VENV)).replace(SERVER_ROOT, str(ROOT))


# --- systemd ---------------------------------------------------------------------------


def verify(unit_dir: Path, names: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [tool("systemd-analyze"), "verify", "--man=no", "--generators=no", *[str(unit_dir / n) for n in names]],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_units_pass_systemd_analyze_verify_without_a_warning(tmp_path):
    names = []
    for unit in UNITS:
        # A template is verified as an instance (chamcong-web@8001.service).
        name = unit.name.replace("@.", f"@{GUNICORN_PORT}.")
        (tmp_path / name).write_text(unit_text(unit), encoding="utf-8")
        names.append(name)
    assert {"chamcong.target", "chamcong-backup.timer", f"chamcong-web@{GUNICORN_PORT}.service"} <= set(names)
    # Debian's own caddy.service with our drop-in beside it (verify reads <unit>.d/).
    caddy_unit = Path("/lib/systemd/system/caddy.service")
    assert caddy_unit.exists(), "Debian's caddy package is not installed (apt-get install caddy)"
    shutil.copy(caddy_unit, tmp_path / "caddy.service")
    (tmp_path / "caddy.service.d").mkdir()
    shutil.copy(DROP_IN, tmp_path / "caddy.service.d" / DROP_IN.name)
    names.append("caddy.service")

    proc = verify(tmp_path, names)
    assert proc.returncode == 0 and not (proc.stdout + proc.stderr).strip(), proc.stdout + proc.stderr


def test_systemd_analyze_verify_does_catch_a_broken_unit(tmp_path):
    # The check above is only worth something if verify reads our files: a misspelt key and
    # a missing program must be reported here.
    text = unit_text(SYSTEMD / "chamcong-poller.service")
    text = text.replace(f"{VENV}/bin/python", "/nonexistent/python").replace("RestartSec=", "RestartSecs=")
    (tmp_path / "broken.service").write_text(text, encoding="utf-8")
    proc = verify(tmp_path, ["broken.service"])
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "/nonexistent/python" in out and "RestartSecs" in out, out


def unit_settings(path: Path) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_services_run_as_chamcong_with_the_shared_environment_and_stop_gracefully():
    services = [u for u in UNITS if u.suffix == ".service"]
    assert {u.name for u in services} == {
        "chamcong-web@.service",
        "chamcong-poller.service",
        "chamcong-recompute.service",
        "chamcong-exams.service",
        "chamcong-purge-templates.service",
        "chamcong-anonymise.service",
        "chamcong-backup.service",
        "chamcong-commit-punches.service",
    }
    commands = {}
    for unit in services:
        s = unit_settings(unit)
        assert s["User"] == ["chamcong"] and s["WorkingDirectory"] == [SERVER_ROOT], unit.name
        assert s["EnvironmentFile"] == ["/etc/chamcong/env"], unit.name
        assert s["ProtectSystem"] == ["strict"] and s["NoNewPrivileges"] == ["yes"], unit.name
        assert s["ReadWritePaths"] == ["/var/lib/chamcong /var/backups/chamcong"], unit.name
        commands[unit.name] = s["ExecStart"][0]
        if unit.name != "chamcong-backup.service":
            assert s["Restart"] == ["on-failure"] and s["KillSignal"] == ["SIGTERM"], unit.name
            assert s["PartOf"] == ["chamcong.target"] and "chamcong.target" in s["WantedBy"], unit.name
    assert commands["chamcong-web@.service"] == (
        f"{SERVER_ROOT}/.venv/bin/gunicorn -c deploy/gunicorn.conf.py hr_system.wsgi"
    )
    web = unit_settings(SYSTEMD / "chamcong-web@.service")
    assert "GUNICORN_BIND=127.0.0.1:%i" in web["Environment"]
    assert f"PROMETHEUS_MULTIPROC_DIR=/run/{web['RuntimeDirectory'][0]}" in web["Environment"]
    for name, command in (
        ("chamcong-poller.service", "poll_devices --loop"),
        ("chamcong-recompute.service", "recompute_attendance --loop"),
        ("chamcong-exams.service", "finalize_attempts --loop"),
        ("chamcong-purge-templates.service", "purge_finger_templates --loop"),
        ("chamcong-anonymise.service", "anonymise_candidates --loop"),
        ("chamcong-backup.service", "backup"),
        ("chamcong-commit-punches.service", "commit_punches --loop --sleep 600"),
    ):
        assert commands[name] == f"{SERVER_ROOT}/.venv/bin/python manage.py {command}"
        assert list(ROOT.glob(f"*/management/commands/{command.split()[0]}.py")), command
    timer = unit_settings(SYSTEMD / "chamcong-backup.timer")
    assert timer["Persistent"] == ["true"] and timer["RandomizedDelaySec"] and timer["OnCalendar"]


# --- deploy/README.md creates what the units use --------------------------------------

README = (DEPLOY / "README.md").read_text(encoding="utf-8")
README_CODE = "\n".join(re.findall(r"```sh\n(.*?)```", README, flags=re.S)).replace("\\\n", " ")


def created_by_readme() -> set[str]:
    """Paths the README's commands create: directories, the clone/venv/copies, the user's home."""
    created = set()
    for line in README_CODE.splitlines():
        words = line.split()
        if words[:2] == ["install", "-d"] or words[:1] == ["install"]:
            created.update(w for w in words[1:] if w.startswith("/") and not w.startswith("/opt/chamcong/deploy"))
        elif words[:2] == ["git", "clone"] or words[:3] == ["python3", "-m", "venv"]:
            created.add(words[-1])
        elif words[:1] == ["adduser"]:
            created.add(words[words.index("--home") + 1])
        elif words[:1] == ["cp"]:
            created.add(words[-1].rstrip("/"))
        created.update(re.findall(r">\s*(/[\w./-]+)", line))
    return created


def referenced_paths(text: str) -> set[str]:
    paths = set()
    for line in text.splitlines():
        if line.lstrip().startswith("#") or line.startswith("Documentation="):
            continue
        paths.update(re.findall(r"(?<![\w:/])(/(?:opt|etc|var|run|usr|bin)/[\w.%@/-]*)", line))
    return paths


def test_units_and_the_manage_wrapper_use_only_paths_the_readme_creates():
    created = created_by_readme()
    assert {"/opt/chamcong", "/opt/chamcong/.venv", "/etc/chamcong/env", "/var/lib/chamcong"} <= created
    system = {"/bin/kill", "/bin/sh", "/usr/local/bin/chamcong-manage"}
    missing = {}
    for path in [*UNITS, DROP_IN, DEPLOY / "chamcong-manage"]:
        runtime = {f"/run/{d}" for d in unit_settings(path).get("RuntimeDirectory", [])}
        for ref in referenced_paths(path.read_text(encoding="utf-8")):
            ref = ref.rstrip("/")
            if ref in system | runtime or any(ref == c or ref.startswith(c + "/") for c in created):
                continue
            missing.setdefault(path.name, []).append(ref)
    assert not missing, f"paths used but not created by deploy/README.md: {missing}"
    # Relative paths in ExecStart are the checkout's own files.
    assert (ROOT / "deploy" / "gunicorn.conf.py").is_file() and (ROOT / "manage.py").is_file()


def test_readme_installs_every_unit_and_the_drop_in():
    sources = [w for w in README_CODE.split() if w.startswith("/opt/chamcong/deploy/systemd/")]
    for path in [*UNITS, DROP_IN]:
        installed = "/opt/chamcong/" + str(path.relative_to(ROOT))
        assert any(fnmatch.fnmatch(installed, s) for s in sources), f"{path.name} is never installed"
    enabled = re.search(r"systemctl enable (chamcong\.target.*)", README_CODE).group(1).split()
    assert {"chamcong-web@8001.service", "chamcong-poller.service", "chamcong-backup.timer"} <= set(enabled)


# --- Caddy -----------------------------------------------------------------------------

CADDY_ENV = {
    "CHAMCONG_SITE": "localhost",
    "CHAMCONG_TLS": "internal",
    "CHAMCONG_HTTP_PORT": str(HTTP_PORT),
    "CHAMCONG_HTTPS_PORT": str(HTTPS_PORT),
    "CHAMCONG_ADMS_PORT": str(ADMS_PORT),
    "CHAMCONG_UPSTREAMS": " ".join(f"127.0.0.1:{p}" for p in UPSTREAM_PORTS),
    "CHAMCONG_CADDY_ADMIN": "off",
}


def caddy_env(tmp_path: Path, **overrides) -> dict:
    # Caddy keeps its CA and certificates under $HOME/XDG dirs: the test's own.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAMCONG_")}
    env.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    env.update(CADDY_ENV, **overrides)
    return env


def caddy(tmp_path: Path, *args, **overrides) -> subprocess.CompletedProcess:
    return subprocess.run(
        [tool("caddy"), *args, "--adapter", "caddyfile", "--config", str(DEPLOY / "Caddyfile")],
        env=caddy_env(tmp_path, **overrides),
        capture_output=True,
        text=True,
        timeout=60,
    )


def adapted(tmp_path: Path, **overrides) -> dict:
    proc = caddy(tmp_path, "adapt", **overrides)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def handlers(node) -> list[dict]:
    """Every handler object anywhere under a route (subroutes included)."""
    found = []
    if isinstance(node, dict):
        if "handler" in node:
            found.append(node)
        for value in node.values():
            found += handlers(value)
    elif isinstance(node, list):
        for value in node:
            found += handlers(value)
    return found


def server_listening(config: dict, port: int) -> dict:
    servers = [s for s in config["apps"]["http"]["servers"].values() if s["listen"] == [f":{port}"]]
    assert len(servers) == 1, config["apps"]["http"]["servers"]
    return servers[0]


def test_caddyfile_is_valid_with_the_defaults_and_with_the_placeholders_set(tmp_path):
    for overrides in ({}, {"CHAMCONG_TLS": "it@sonla.gov.vn", "CHAMCONG_SITE": "chamcong.sonla.gov.vn"}):
        proc = caddy(tmp_path, "validate", **overrides)
        assert proc.returncode == 0 and "Valid configuration" in proc.stdout, proc.stdout + proc.stderr
    # Without any CHAMCONG_* variable, the documented defaults apply.
    env = {k: v for k, v in caddy_env(tmp_path).items() if not k.startswith("CHAMCONG_")}
    proc = subprocess.run(
        [tool("caddy"), "adapt", "--adapter", "caddyfile", "--config", str(DEPLOY / "Caddyfile")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    config = json.loads(proc.stdout)
    assert config["admin"]["listen"] == "localhost:2019"
    assert (config["apps"]["http"]["http_port"], config["apps"]["http"]["https_port"]) == (80, 443)
    server_listening(config, 8081)
    proxies = [h for h in handlers(config) if h["handler"] == "reverse_proxy"]
    assert proxies and all(h["upstreams"] == [{"dial": "127.0.0.1:8001"}] for h in proxies)


def test_caddyfile_routes_people_over_https_and_clocks_to_iclock_only(tmp_path):
    config = adapted(tmp_path)
    http = config["apps"]["http"]
    assert (http["http_port"], http["https_port"]) == (HTTP_PORT, HTTPS_PORT)
    assert config["admin"]["disabled"] is True
    upstreams = [{"dial": f"127.0.0.1:{p}"} for p in UPSTREAM_PORTS]

    # The clocks' listener: /iclock/* proxied, every other request answered 404 by Caddy.
    adms = server_listening(config, ADMS_PORT)
    proxied = [r for r in adms["routes"] if any(h["handler"] == "reverse_proxy" for h in handlers(r))]
    assert [r.get("match") for r in proxied] == [[{"path": ["/iclock/*"]}]]
    catch_all = adms["routes"][-1]
    responses = [h["status_code"] for h in handlers(catch_all) if h["handler"] == "static_response"]
    assert "match" not in catch_all and responses == [404]
    (adms_proxy,) = [h for h in handlers(adms) if h["handler"] == "reverse_proxy"]
    assert adms_proxy["upstreams"] == upstreams

    # The people's site: TLS, /metrics answered 404 before anything is proxied.
    site = server_listening(config, HTTPS_PORT)
    (site_route,) = site["routes"]
    assert site_route["match"] == [{"host": ["localhost"]}]
    routes = site_route["handle"][0]["routes"]
    metrics_at = next(i for i, r in enumerate(routes) if {"path": ["/metrics", "/metrics/*"]} in r.get("match", []))
    proxy_at = next(i for i, r in enumerate(routes) if any(h["handler"] == "reverse_proxy" for h in handlers(r)))
    responses = [h["status_code"] for h in handlers(routes[metrics_at]) if h["handler"] == "static_response"]
    assert metrics_at < proxy_at and responses == [404]
    (proxy,) = [h for h in handlers(site) if h["handler"] == "reverse_proxy"]
    for p in (proxy, adms_proxy):
        assert p["upstreams"] == upstreams
        assert p["load_balancing"]["selection_policy"] == {"policy": "round_robin"}
        assert p["headers"]["request"]["set"]["X-Request-Id"] == ["{http.request.uuid}"]
    (body_limit,) = [h for h in handlers(site) if h["handler"] == "request_body"]
    assert 10 * 1024 * 1024 < body_limit["max_size"] <= 16 * 1024 * 1024  # a little above UPLOAD_MAX_MB
    assert any(h["handler"] == "encode" for h in handlers(site))
    policies = config["apps"]["tls"]["automation"]["policies"]
    assert [i["module"] for p in policies for i in p["issuers"]] == ["internal"]
    assert config["apps"]["pki"]["certificate_authorities"]["local"]["install_trust"] is False

    acme = adapted(tmp_path, CHAMCONG_TLS="it@sonla.gov.vn", CHAMCONG_SITE="chamcong.sonla.gov.vn")
    issuers = [i for p in acme["apps"]["tls"]["automation"]["policies"] for i in p["issuers"]]
    assert {i["module"] for i in issuers} >= {"acme"} and {i.get("email") for i in issuers} == {"it@sonla.gov.vn"}


class Upstream(http.server.ThreadingHTTPServer):
    """A stand-in for gunicorn: answers with what it was sent, and remembers it."""

    daemon_threads = True

    def __init__(self, port: int):
        self.seen: list[dict] = []
        super().__init__(("127.0.0.1", port), UpstreamHandler)


class UpstreamHandler(http.server.BaseHTTPRequestHandler):
    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body_size = len(self.rfile.read(length)) if length else 0
        seen = {
            "port": self.server.server_address[1],
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body_size": body_size,
        }
        self.server.seen.append(seen)
        data = json.dumps(seen).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(ConnectionError):  # Caddy cut a refused upload short
            self.wfile.write(data)

    do_GET = do_POST = answer

    def log_message(self, *args):
        pass


def wait_for_port(port: int, proc: subprocess.Popen, log: Path, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"caddy exited ({proc.returncode}): {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"nothing listens on {port} after {seconds} s: {log.read_text()[-2000:]}")


@pytest.fixture
def caddy_in_front(tmp_path):
    for port in (HTTPS_PORT, HTTP_PORT, ADMS_PORT):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            pytest.fail(f"port {port} is already in use: this test starts its own Caddy there")
    upstreams = [Upstream(p) for p in UPSTREAM_PORTS]
    threads = [threading.Thread(target=u.serve_forever, daemon=True) for u in upstreams]
    for t in threads:
        t.start()
    log = tmp_path / "caddy.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [tool("caddy"), "run", "--adapter", "caddyfile", "--config", str(DEPLOY / "Caddyfile")],
            env=caddy_env(tmp_path),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        for port in (HTTPS_PORT, HTTP_PORT, ADMS_PORT):
            wait_for_port(port, proc, log)
        yield SimpleNamespace(upstreams=upstreams, log=log)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for u in upstreams:
            u.shutdown()
            u.server_close()


def request(port, method, path, *, tls=False, headers=None, body=None):
    if tls:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # Caddy's internal CA
        conn = http.client.HTTPSConnection("localhost", port, timeout=20, context=context)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        # The handshake is retried while Caddy is still issuing its first certificate.
        for attempt in range(50):
            try:
                conn.connect()
                break
            except ssl.SSLError:
                if attempt == 49:
                    raise
                conn.close()
                time.sleep(0.2)
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_caddy_serves_the_site_and_the_clock_listener_as_configured(caddy_in_front):
    seen = lambda: sum(len(u.seen) for u in caddy_in_front.upstreams)  # noqa: E731

    # People: proxied over HTTPS, alternating between the instances; a client's own
    # X-Forwarded-For and X-Request-ID are not passed on as theirs.
    answers = []
    for _ in range(4):
        status, _, body = request(
            HTTPS_PORT, "GET", "/healthz", tls=True, headers={"X-Forwarded-For": "6.6.6.6", "X-Request-ID": "evil"}
        )
        assert status == 200
        answers.append(json.loads(body))
    assert {a["port"] for a in answers} == set(UPSTREAM_PORTS)
    for a in answers:
        assert "6.6.6.6" not in a["headers"]["x-forwarded-for"]
        assert a["headers"]["x-forwarded-proto"] == "https"
        assert re.fullmatch(r"[0-9a-f-]{36}", a["headers"]["x-request-id"])
    assert len({a["headers"]["x-request-id"] for a in answers}) == 4

    before = seen()
    status, _, _ = request(HTTPS_PORT, "GET", "/metrics", tls=True)
    assert status == 404 and seen() == before

    # An upload within UPLOAD_MAX_MB passes, one well above it does not reach the app whole.
    status, _, body = request(HTTPS_PORT, "POST", "/import", tls=True, body=b"x" * (9 * 1024 * 1024))
    assert status == 200 and json.loads(body)["body_size"] == 9 * 1024 * 1024
    try:  # Caddy answers an error and closes the connection while the client still sends
        status, _, _ = request(HTTPS_PORT, "POST", "/import", tls=True, body=b"x" * (20 * 1024 * 1024))
    except OSError:
        status = None
    assert status is None or status >= 400
    assert all(s["body_size"] < 20 * 1024 * 1024 for u in caddy_in_front.upstreams for s in u.seen)

    # Plain HTTP for people redirects to HTTPS (Caddy 2.6 leaves a non-default HTTPS port
    # out of the address; on a server it is 443).
    status, headers, _ = request(HTTP_PORT, "GET", "/login/", headers={"Host": f"localhost:{HTTP_PORT}"})
    assert status == 308 and re.fullmatch(r"https://localhost(:\d+)?/login/", headers["Location"])

    # Clocks: /iclock/ reaches the app (addressed to the site's name, whatever address the
    # clock used), everything else on that port is 404 from Caddy.
    status, _, body = request(ADMS_PORT, "POST", "/iclock/cdata?SN=CGXP2013&table=ATTLOG", body=b"1\t2026-12-01")
    assert status == 200
    clock = json.loads(body)
    assert clock["path"] == "/iclock/cdata?SN=CGXP2013&table=ATTLOG" and clock["headers"]["host"] == "localhost"
    assert clock["headers"]["x-forwarded-proto"] == "http" and clock["headers"]["x-request-id"]
    before = seen()
    for path in ("/", "/login/", "/metrics", "/admin/", "/api/v1/docs", "/iclockx"):
        status, _, _ = request(ADMS_PORT, "GET", path)
        assert status == 404, path
    assert seen() == before


# --- gunicorn --------------------------------------------------------------------------


def production_env(tmp_path: Path, **extra) -> dict:
    keep = ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    secret_key = tmp_path / "secret_key"
    secret_key.write_text("deploy-test-" + "k" * 50 + "\n")
    env.update(
        DEBUG="0",
        SECRET_KEY_FILE=str(secret_key),
        DATABASE_URL="",
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        TRUSTED_PROXIES="127.0.0.1/32",
        ALLOWED_HOSTS="localhost,127.0.0.1",
        GUNICORN_BIND=f"127.0.0.1:{GUNICORN_PORT}",
        GUNICORN_WORKERS="1",
    )
    env.update(extra)
    return env


GUNICORN = [str(VENV / "bin" / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "hr_system.wsgi"]


def test_gunicorn_config_loads_with_the_application(tmp_path):
    proc = subprocess.run(
        [*GUNICORN, "--check-config"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def load_config(monkeypatch, **env) -> dict:
    for name in ("GUNICORN_BIND", "GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    namespace: dict = {}
    exec(compile((DEPLOY / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)
    return namespace


def test_gunicorn_config_reads_the_environment(monkeypatch):
    default = load_config(monkeypatch)
    assert default["bind"] == "127.0.0.1:8001" and default["timeout"] == 60 and default["threads"] == 1
    assert 2 <= default["workers"] <= 8 and default["accesslog"] is None and default["errorlog"] == "-"
    assert default["graceful_timeout"] < 45  # TimeoutStopSec of chamcong-web@.service
    assert default["proc_name"] == "chamcong-web"
    set_ = load_config(
        monkeypatch, GUNICORN_BIND="127.0.0.1:8002", GUNICORN_WORKERS="3", GUNICORN_THREADS="4", GUNICORN_TIMEOUT="90"
    )
    assert (set_["bind"], set_["workers"], set_["threads"], set_["timeout"]) == ("127.0.0.1:8002", 3, 4, 90)


def test_child_exit_drops_a_dead_workers_prometheus_files(monkeypatch, tmp_path):
    config = load_config(monkeypatch, PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    (tmp_path / "gauge_livesum_4242.db").write_bytes(b"")
    (tmp_path / "gauge_livesum_4343.db").write_bytes(b"")
    from prometheus_client.mmap_dict import MmapedDict

    saves = MmapedDict(str(tmp_path / "histogram_4242.db"))
    saves.write_value('["hr_answer_save_seconds", "hr_answer_save_seconds_count", [], [], []]', 7.0, 0.0)
    saves.close()
    config["on_starting"](None)  # the master imports the folding before any worker exists
    config["child_exit"](None, SimpleNamespace(pid=4242))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gauge_livesum_4343.db", "histogram_archive.db"]
    # The dead worker's seven saves are kept in the archive, not lost with its file.
    archived = MmapedDict.read_all_values_from_file(str(tmp_path / "histogram_archive.db"))
    assert [value for _key, value, _ts, _pos in archived] == [7.0]
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    config["child_exit"](None, SimpleNamespace(pid=4343))  # not in multiprocess mode: nothing to do
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gauge_livesum_4343.db", "histogram_archive.db"]


def test_gunicorn_without_secret_key_in_production_stops_at_once_naming_it(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY_FILE"]
    started = time.monotonic()
    proc = subprocess.run(GUNICORN, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in proc.stderr, proc.stderr[-3000:]
    assert time.monotonic() - started < 30


# --- deploy/env.example lists every variable the product reads -------------------------

PRODUCT_DIRS = ("hr_system", "devices", "attendance", "assessments", "transfers")
READ = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|envbool|envint|_int)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""
)
SECRET = re.compile(r"""\bsecret\(\s*["']([A-Z][A-Z0-9_]*)["']""")


def variables_read() -> tuple[set[str], set[str]]:
    """(plain variables, secrets read as NAME or NAME_FILE) of the product and gunicorn.conf.py."""
    sources = [DEPLOY / "gunicorn.conf.py"]
    for d in PRODUCT_DIRS:
        sources += [p for p in (ROOT / d).rglob("*.py") if "migrations" not in p.parts]
    plain, secrets = set(), set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        plain |= {a or b for a, b in READ.findall(text)}
        secrets |= set(SECRET.findall(text))
    return plain, secrets


def env_example_names() -> set[str]:
    text = (DEPLOY / "env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.M))


def test_env_example_lists_every_variable_the_product_reads():
    plain, secrets = variables_read()
    assert {"DEBUG", "ALLOWED_HOSTS", "UPLOAD_MAX_MB", "GUNICORN_BIND"} <= plain and "SECRET_KEY" in secrets
    listed = env_example_names()
    # Set by chamcong-web@.service per instance, deliberately not in the shared file.
    per_instance = {"GUNICORN_BIND", "PROMETHEUS_MULTIPROC_DIR"}
    missing = sorted(plain - listed - per_instance)
    missing += sorted(s for s in secrets if s not in listed and f"{s}_FILE" not in listed)
    assert not missing, f"deploy/env.example does not list: {missing}"
    assert not per_instance & listed, "set per instance by the unit; the env file would override it"


def test_env_example_sets_every_caddyfile_placeholder_and_is_readable_by_systemd_and_sh():
    caddyfile = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    code = "\n".join(line for line in caddyfile.splitlines() if not line.lstrip().startswith("#"))
    placeholders = set(re.findall(r"\{\$([A-Z][A-Z0-9_]*)", code))
    assert {"CHAMCONG_SITE", "CHAMCONG_UPSTREAMS", "CHAMCONG_ADMS_PORT"} <= placeholders
    assert placeholders <= env_example_names()
    # systemd's EnvironmentFile= and chamcong-manage's `. /etc/chamcong/env` must agree: no
    # expansion, quotes only around a whole value.
    for line in (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, value = line.split("=", 1)
            assert re.fullmatch(r"[A-Z][A-Z0-9_]*", name) and "$" not in value and "`" not in value, line
            assert re.fullmatch(r'"[^"]*"|[^"\s]*', value), line
    sourced = subprocess.run(
        ["/bin/sh", "-c", f'set -a; . {DEPLOY / "env.example"}; echo "$ORG_PARENT_NAME|$CHAMCONG_UPSTREAMS"'],
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert sourced.stdout.strip() == "UBND TỈNH SƠN LA|127.0.0.1:8001"
