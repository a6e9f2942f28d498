"""`make rehearsal`: the production rehearsal of deploy/ (issue 13, items 3 and 4).

Started as a province's server runs it, as plain processes instead of systemd units
(deploy/rehearsal_stack.py): a fresh PostgreSQL database; the deployment steps
(`migrate`, `collectstatic`); TWO gunicorn instances from deploy/gunicorn.conf.py; Caddy
from deploy/Caddyfile on high ports with `tls internal`, both instances upstream, round
robin; TWO pollers, the attendance recompute worker and the exam deadline worker; ZK
clock emulators. Then, each a check printed PASS or FAIL:

1. deployment: migrate and collectstatic run; /healthz through Caddy answers 200 with
   every worker's heartbeat fresh; /metrics is not served through Caddy; plain HTTP on
   the people's port redirects to HTTPS;
2. ADMS: a clock registered by serial number pushes through Caddy's plain-HTTP listener
   (handshake, then ATTLOG lines): its punches are stored; that listener serves nothing
   but /iclock/, and does not speak TLS;
3. ZK: the two pollers share the emulated clocks; every punch of every clock is stored
   exactly once; no clock was polled by both pollers at once (each device's runs by
   different workers never overlap in time, read back from the database);
4. exam: a candidate sits an exam in Chromium over Caddy's HTTPS (log in, start with the
   access code, answer every question, submit, see the result); every answer is in the
   database; the saves were served by both gunicorn instances, and their request log
   lines (the application's JSON lines, one per request, on each instance's stdout)
   add up to the saves made: no sticky sessions, nothing lost;
5. a spoofed X-Forwarded-For sent to Caddy by a client outside TRUSTED_PROXIES is not
   believed: the exam venue check (an exam's allowed networks, decided by
   hr_system.net.client_ip) refuses a venue that only the forged address is in, and
   admits the client's real address (positive control);
6. clean stop: SIGTERM to every process, each exits 0 within its unit's TimeoutStopSec,
   no poll run left open, no process of the run left alive.

The services run their units' own commands (ExecStart= of deploy/systemd/, relocated to
this checkout) with deploy/env.example as their environment file, only this machine's
values (site, ports, paths, secret files) set over it.

Exit status non-zero on any FAIL; the log tails of a failing process are printed.
Logs stay in var/rehearsal/rehearsal/ for a look afterwards.

    python deploy/rehearsal.py            # what `make rehearsal` runs (about 2 minutes)
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rehearsal_stack import ROOT, SITE, Stack  # noqa: E402

BASE_PORT = 18300  # the rehearsal's ports: 18300-18449 (bench/exam_caddy.py: from 18400)
QUESTIONS = 8
ACCESS_CODE = "DT-2026"
EMULATORS = 3
EMULATOR_USERS, EMULATOR_PUNCHES = 15, 400
ADMS_SERIAL = "RH-ADMS-0001"
# The rehearsal client's own address for the spoofing check: on loopback, but outside
# TRUSTED_PROXIES=127.0.0.1/32 (Linux answers the whole of 127.0.0.0/8 on `lo`).
OUTSIDER = "127.0.0.2"
FORGED = "203.0.113.7"  # TEST-NET-3: the venue address a candidate would claim
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]


@dataclass
class Report:
    rows: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.rows.append((name, bool(ok), detail))
        print(f"[{'PASS' if ok else 'FAIL'}] {name}" + (f" — {detail}" if detail else ""), flush=True)
        return bool(ok)

    @property
    def failed(self) -> list[str]:
        return [name for name, ok, _ in self.rows if not ok]


def wait_until(predicate, timeout: float, every: float = 0.5):
    """The predicate's first truthy value, or its last value after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)


# --- data: what an administrator and an HR officer set up ----------------------------------


def make_data(stack: Stack) -> SimpleNamespace:
    """An org unit, its HR officer, two candidates with logins, a question bank, the
    exam the first candidate sits in the browser, three venue-restricted exams for the
    second, ZK clocks for the emulators and an ADMS clock registered by serial number."""
    import datetime as dt
    import io

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from assessments import attempts
    from assessments.models import Category, Exam, Question, QuestionVersion
    from assessments.papers import generate_papers
    from hr_system.models import ApiToken, Employee, OrgUnit, Role

    User = get_user_model()
    d = SimpleNamespace()
    unit = OrgUnit.add(code="X-DT", name="Xã Chiềng Sinh (diễn tập)", kind=OrgUnit.Kind.COMMUNE)
    officer = User.objects.create_user("noivu.dientap", password=secrets.token_urlsafe(16))
    Role.objects.create(user=officer, kind=Role.Kind.HR_OFFICER, unit=unit)
    d.password = secrets.token_urlsafe(16)
    people = []
    for i, name in enumerate(["Lò Văn Dũng", "Cầm Thị Hoa"], start=1):
        user = User.objects.create_user(f"thisinh{i}", password=d.password)
        people.append(
            Employee.objects.create(
                code=str(7000 + i),
                full_name=name,
                unit=unit,
                category=Employee.Category.CIVIL_SERVANT,
                user=user,
            )
        )
    d.username = people[0].user.username
    d.token = ApiToken.issue(people[1].user, "diễn tập")[1]

    category = Category.objects.create(code="DT", name="Kiến thức chung (diễn tập)", unit=unit)
    for i in range(QUESTIONS):
        question = Question.objects.create(category=category)
        version = QuestionVersion.objects.create(
            question=question,
            text=f"Câu hỏi diễn tập số {i + 1}: cơ quan nào quyết định nội dung này?",
            options=[{"id": o, "text": f"Phương án {o.upper()}", "correct": o == "a"} for o in "abcd"],
            status=QuestionVersion.Status.APPROVED,
            difficulty=1,
        )
        question.current = version
        question.save(update_fields=["current"])

    now = timezone.now()

    def exam(title: str, candidate, count: int, networks=()) -> Exam:
        made = attempts.create_exam(
            acting_user=officer,
            unit=unit,
            title=title,
            opens_at=now - dt.timedelta(minutes=5),
            closes_at=now + dt.timedelta(hours=2),
            time_limit=30,
            access_code=ACCESS_CODE,
            allowed_networks=list(networks),
            results_policy=Exam.Results.IMMEDIATE,
            parts=[{"title": "Kiến thức chung", "rules": [{"category": category, "difficulty": None, "count": count}]}],
        )
        attempts.add_candidates(acting_user=officer, exam=made, employees=[candidate])
        generate_papers(acting_user=officer, exam=made)
        return made

    d.exam = exam("Kiểm tra năng lực (diễn tập triển khai)", people[0], QUESTIONS)
    d.venue_forged = exam("Phòng thi chỉ có địa chỉ giả mạo", people[1], 2, [f"{FORGED}/32"])
    d.venue_real = exam("Phòng thi có địa chỉ thật của máy", people[1], 2, [f"{OUTSIDER}/32"])
    d.venue_proxy = exam("Phòng thi chỉ có địa chỉ của Caddy", people[1], 2, ["127.0.0.1/32"])

    d.zk_devices = []
    for i, port in enumerate(stack.ports.zk, start=1):
        name = f"Máy chấm công diễn tập {i}"
        args = ["--name", name, "--host", "127.0.0.1", "--port", str(port), "--unit", unit.code]
        call_command("add_device", *args, "--poll-interval", "2", stdout=io.StringIO())
        d.zk_devices.append(name)
    d.adms_device = "Máy ADMS diễn tập"
    args = ["--name", d.adms_device, "--push", "--serial", ADMS_SERIAL, "--unit", unit.code]
    call_command("add_device", *args, stdout=io.StringIO())
    d.codes = [p.code for p in people]
    return d


# --- the checks ---------------------------------------------------------------------------


def check_health(stack: Stack, report: Report, client: httpx.Client) -> bool:
    def healthy():
        try:
            r = client.get(f"{stack.base_url}/healthz")
        except httpx.HTTPError:
            return None
        return r if r.status_code == 200 else None

    started = time.monotonic()
    r = wait_until(healthy, timeout=90, every=0.5)
    if r is None:
        try:
            last = client.get(f"{stack.base_url}/healthz")
            detail = f"{last.status_code} {last.text[:300]}"
        except httpx.HTTPError as exc:
            detail = repr(exc)
        return report.check("/healthz through Caddy answers 200", False, detail)
    body = r.json()
    workers = body.get("checks", {}).get("workers", {})
    report.check(
        "/healthz through Caddy answers 200, every worker's heartbeat fresh",
        body.get("status") == "ok" and workers and all(w["ok"] for w in workers.values()),
        f"after {time.monotonic() - started:.1f} s; workers: {', '.join(sorted(workers))}",
    )
    request_id = r.headers.get("X-Request-ID", "")
    report.check(
        "the request id Caddy sets reaches the application (X-Request-ID answered)",
        len(request_id) == 36 and request_id.count("-") == 4,
        request_id or "no X-Request-ID header",
    )
    metrics = client.get(f"{stack.base_url}/metrics")
    report.check("/metrics is not served through Caddy", metrics.status_code == 404, f"answered {metrics.status_code}")
    plain = httpx.get(f"http://127.0.0.1:{stack.ports.http}/login/", headers={"Host": f"{SITE}:{stack.ports.http}"})
    report.check(
        "plain HTTP on the people's port redirects to HTTPS",
        plain.status_code in (301, 308) and plain.headers.get("location", "").startswith("https://"),
        f"{plain.status_code} → {plain.headers.get('location')}",
    )
    return True


def check_adms(stack: Stack, data: SimpleNamespace, report: Report) -> None:
    from devices.models import Device, Punch

    device = Device.objects.get(name=data.adms_device)
    base = stack.adms_url
    with httpx.Client(timeout=10) as clock:  # what a clock on the LAN does, by address
        hello = clock.get(f"{base}/iclock/cdata", params={"SN": ADMS_SERIAL, "options": "all", "pushver": "2.4.1"})
        lines = "".join(
            f"{code}\t2026-03-02 {hour}\t0\t1\t0\t0\t0\n" for code in data.codes for hour in ("07:31:05", "17:02:40")
        )
        sent = clock.post(
            f"{base}/iclock/cdata",
            params={"SN": ADMS_SERIAL, "table": "ATTLOG", "Stamp": "1001"},
            content=lines.encode(),
            headers={"Content-Type": "text/plain"},
        )
        outside = {
            path: clock.get(f"{base}{path}").status_code for path in ("/login/", "/healthz", "/api/v1/openapi.json")
        }
    stored = Punch.objects.filter(device=device, source=Punch.Source.PUSH).count()
    expected = len(data.codes) * 2
    report.check(
        "ADMS handshake through Caddy's plain-HTTP listener",
        hello.status_code == 200 and hello.text.startswith(f"GET OPTION FROM: {ADMS_SERIAL}"),
        f"{hello.status_code} {hello.text.splitlines()[0] if hello.text else ''}",
    )
    report.check(
        "ADMS ATTLOG push through Caddy: every punch stored",
        sent.status_code == 200 and sent.text == f"OK: {expected}" and stored == expected,
        f"answered {sent.status_code} {sent.text!r}; {stored} of {expected} punches stored",
    )
    report.check(
        "the ADMS listener serves /iclock/ only (everything else 404)",
        all(code == 404 for code in outside.values()),
        ", ".join(f"{p} → {c}" for p, c in outside.items()),
    )
    try:
        httpx.get(f"https://127.0.0.1:{stack.ports.adms}/iclock/cdata?SN={ADMS_SERIAL}", verify=False, timeout=5)
        tls = "answered over TLS"
    except httpx.HTTPError as exc:
        tls = f"refused ({type(exc).__name__})"
    report.check("the ADMS listener does not speak TLS", tls.startswith("refused"), tls)
    on_http = httpx.get(
        f"http://127.0.0.1:{stack.ports.http}/iclock/cdata",
        params={"SN": ADMS_SERIAL, "options": "all"},
        headers={"Host": f"{SITE}:{stack.ports.http}"},
    )
    report.check(
        "/iclock/ on the people's plain-HTTP port is not served (redirect to HTTPS)",
        on_http.status_code in (301, 308),
        f"answered {on_http.status_code}",
    )


def emulator_punches(stack: Stack, i: int) -> set[tuple[str, str]]:
    """(user id, local time) of every record on emulator i, from its state file."""
    from devices.zk.protocol import decode_time

    state = json.loads((stack.run_dir / f"zk-{i + 1}.json").read_text())
    return {(row[1], decode_time(row[2]).strftime("%Y-%m-%d %H:%M:%S")) for row in state["attendance"]}


def zk_progress(data: SimpleNamespace, expected: dict[str, int]) -> dict:
    """Per device: punches stored, finished pull runs, workers that ran them."""
    from devices.models import Punch, SyncRun

    out = {}
    for name in data.zk_devices:
        runs = SyncRun.objects.filter(device__name=name, kind="pull", finished_at__isnull=False)
        out[name] = {
            "stored": Punch.objects.filter(device__name=name).count(),
            "runs": runs.count(),
            "workers": set(runs.values_list("worker", flat=True)),
        }
    return out


def check_zk_progress(stack: Stack, data: SimpleNamespace, report: Report) -> None:
    expected = {name: len(emulator_punches(stack, i)) for i, name in enumerate(data.zk_devices)}

    def shared():
        state = zk_progress(data, expected)
        workers = set().union(*(s["workers"] for s in state.values()))
        done = all(s["stored"] >= expected[n] and s["runs"] >= 3 for n, s in state.items())
        return state if done and len(workers) >= 2 else None

    started = time.monotonic()
    state = wait_until(shared, timeout=60, every=1.0) or zk_progress(data, expected)
    workers = set().union(*(s["workers"] for s in state.values()))
    report.check(
        "the two pollers share the ZK clocks (each clock polled several times)",
        len(workers) == 2 and all(s["runs"] >= 3 for s in state.values()),
        f"{sum(s['runs'] for s in state.values())} runs by {len(workers)} pollers in {time.monotonic() - started:.0f} s",
    )


def check_zk_after_stop(stack: Stack, data: SimpleNamespace, report: Report) -> None:
    """Stored exactly once, and no overlap: read when every process has stopped, so the
    emulators' state files are final and no run is still open."""
    from devices.models import Punch, SyncRun

    problems = []
    counts = []
    for i, name in enumerate(data.zk_devices):
        on_clock = emulator_punches(stack, i)
        rows = list(Punch.objects.filter(device__name=name).values_list("device_user_id", "local_time"))
        if len(rows) != len(set(rows)) or set(rows) != on_clock:
            problems.append(f"{name}: {len(set(rows))} distinct of {len(rows)} stored, {len(on_clock)} on the clock")
        counts.append(f"{len(rows)}/{len(on_clock)}")
    report.check(
        "every punch of every ZK clock stored exactly once",
        not problems,
        "; ".join(problems) or f"stored/on clock: {', '.join(counts)}",
    )

    overlaps = []
    pairs = 0
    for name in data.zk_devices:
        runs = list(
            SyncRun.objects.filter(device__name=name, kind="pull")
            .order_by("started_at")
            .values_list("worker", "started_at", "finished_at")
        )
        for a in range(len(runs)):
            for b in range(a + 1, len(runs)):
                (wa, sa, fa), (wb, sb, fb) = runs[a], runs[b]
                if wa == wb:
                    continue
                pairs += 1
                if fa is None or fb is None or (sa < fb and sb < fa):
                    overlaps.append(f"{name}: {wa} {sa:%H:%M:%S.%f}–{fa} and {wb} {sb:%H:%M:%S.%f}–{fb}")
    open_runs = SyncRun.objects.filter(finished_at__isnull=True).count()
    report.check(
        "no clock was polled by both pollers at once (runs by different pollers never overlap)",
        not overlaps and pairs > 0,
        "; ".join(overlaps[:3]) or f"{pairs} pairs of runs by different pollers compared",
    )
    report.check("every poll run closed after the stop", open_runs == 0, f"{open_runs} open")


def sit_exam_in_chromium(stack: Stack, data: SimpleNamespace, report: Report) -> None:
    from playwright.sync_api import expect, sync_playwright

    from assessments.models import Attempt, Response

    base = stack.base_url
    clicked: dict[int, str] = {}
    blocked: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            # Caddy's internal CA is not in Chromium's store (the certificate chain is
            # checked by the HTTP client checks instead, against Caddy's root).
            context = browser.new_context(ignore_https_errors=True, locale="vi-VN")
            page = context.new_page()
            page.set_default_timeout(20000)
            page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
            page.on("dialog", lambda dialog: dialog.accept())  # "Bạn chắc chắn muốn nộp bài?"
            page.goto(f"{base}/login/")
            page.fill("input[name=username]", data.username)
            page.fill("input[name=password]", data.password)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            page.goto(f"{base}/assessments/take/")
            page.click("text=Vào thi")
            page.fill("#access-code", ACCESS_CODE)
            page.click("#start-btn")
            page.wait_for_selector("#exam-run:not([hidden])")
            for position in range(1, QUESTIONS + 1):
                page.click(f"#nav-{position}")
                index = position % 4
                clicked[position] = page.locator(f'input[name="q{position}"]').nth(index).get_attribute("value")
                page.locator(f"#q-{position} label").nth(index).click()
                expect(page.locator(f"#q-status-{position}")).to_have_text("Đã lưu", timeout=15000)
            page.click("#finish-btn")
            page.wait_for_url(f"{base}/assessments/take/{data.exam.pk}/result/")
            result = page.inner_text("#result")
            answered = page.inner_text("#result-answered")
            context.close()
        finally:
            browser.close()
    report.check(
        "a candidate sits the exam in Chromium over Caddy's HTTPS and sees the result",
        "Đã nộp" in result and answered.strip() == f"{QUESTIONS}/{QUESTIONS}" and not blocked,
        f"result page: answered {answered.strip()}" + (f"; CSP blocked: {blocked[:2]}" if blocked else ""),
    )
    attempt = Attempt.objects.get(exam=data.exam)
    stored = {r.item.position: r.selected for r in Response.objects.filter(attempt=attempt).select_related("item")}
    report.check(
        "every answer is stored as clicked; the attempt is submitted",
        stored == {pos: [value] for pos, value in clicked.items()} and attempt.status == Attempt.Status.FINALIZED,
        f"{len(stored)} of {QUESTIONS} answers stored, attempt {attempt.status}",
    )

    path = f"/api/v1/assessments/exams/{data.exam.pk}/answers"
    per_instance = Counter()
    for proc in stack.procs:
        if proc.name.startswith("web-"):
            per_instance[proc.name] = sum(1 for line in request_lines(proc.out) if line_is_save(line, path))
    counts = ", ".join(f"{name}: {n}" for name, n in sorted(per_instance.items()))
    report.check(
        "the saves alternated between the two gunicorn instances, none lost",
        len(per_instance) == 2 and all(per_instance.values()) and sum(per_instance.values()) == QUESTIONS,
        f"200 saves logged per instance: {counts}; {QUESTIONS} made",
    )


def request_lines(path: Path) -> list[dict]:
    """The application's per-request JSON log lines in one instance's stdout."""
    out = []
    for raw in path.read_text(errors="replace").splitlines():
        if not raw.startswith("{"):
            continue
        try:
            line = json.loads(raw)
        except ValueError:
            continue
        if isinstance(line, dict) and line.get("event") == "request":
            out.append(line)
    return out


def line_is_save(line: dict, path: str) -> bool:
    return line.get("method") == "POST" and line.get("path") == path and line.get("status") == 200


def check_spoofed_forwarding(stack: Stack, data: SimpleNamespace, report: Report) -> None:
    """A client outside TRUSTED_PROXIES (127.0.0.2) tells Caddy it is FORGED; Caddy
    replaces X-Forwarded-For with the real peer and the application believes Caddy only."""
    from assessments.models import AttemptEvent

    def start(client: httpx.Client, base: str, exam) -> httpx.Response:
        return client.post(
            f"{base}/api/v1/assessments/exams/{exam.pk}/start",
            json={"access_code": ACCESS_CODE},
            headers={
                "Authorization": f"Bearer {data.token}",
                "X-Forwarded-For": FORGED,
                "X-Real-IP": FORGED,
                "Forwarded": f"for={FORGED}",
            },
        )

    transport = httpx.HTTPTransport(local_address=OUTSIDER, verify=stack.tls_context())
    with httpx.Client(transport=transport, timeout=15) as client:
        forged = start(client, stack.base_url, data.venue_forged)
        proxy = start(client, stack.base_url, data.venue_proxy)
        real = start(client, stack.base_url, data.venue_real)
    code = (forged.json().get("error") or {}).get("code") if forged.status_code != 200 else "admitted"
    report.check(
        f"spoofed X-Forwarded-For through Caddy is not believed (venue {FORGED}/32 refuses)",
        forged.status_code == 403 and code == "ip_not_allowed",
        f"answered {forged.status_code} {code}",
    )
    report.check(
        "the proxy's own address is not taken for the client's (venue 127.0.0.1/32 refuses)",
        proxy.status_code == 403,
        f"answered {proxy.status_code}",
    )
    seen = list(
        AttemptEvent.objects.filter(attempt__exam=data.venue_real, kind="start").values_list("detail", flat=True)
    )
    report.check(
        f"positive control: the client's real address through Caddy is believed (venue {OUTSIDER}/32 admits)",
        real.status_code == 200 and [d.get("ip") for d in seen] == [OUTSIDER],
        f"answered {real.status_code}; start recorded from {[d.get('ip') for d in seen]}",
    )


def check_stop(stack: Stack, report: Report) -> None:
    bad = stack.stop()
    slowest = max(stack.procs, key=lambda p: p.stop_seconds or 0)
    report.check(
        f"clean stop: SIGTERM to all {len(stack.procs)} processes, each exits 0 within its unit's TimeoutStopSec",
        not bad,
        ", ".join(f"{p.name} exit {p.returncode}" for p in bad)
        or f"slowest {slowest.name} in {slowest.stop_seconds:.1f} s",
    )
    left = wait_until(lambda: not stack.leftovers(), timeout=5, every=0.2)
    leftovers = [] if left else stack.leftovers()
    report.check("no process of the run left alive", not leftovers, "; ".join(leftovers[:5]))


# --- the run ------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep-db", action="store_true", help="leave the database for a look afterwards")
    args = parser.parse_args()
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # ORM reads beside Playwright's sync API
    began = time.monotonic()
    report = Report()
    stack = Stack(name="rehearsal", base_port=BASE_PORT, web_instances=2, web_workers=2, emulators=EMULATORS)
    print(f"Production rehearsal: run directory {stack.run_dir.relative_to(ROOT)}", flush=True)
    print(
        "Environment: deploy/env.example, with this run's values for "
        + ", ".join(sorted(stack.overrides()))
        + "; commands and stop timeouts from the units in deploy/systemd/",
        flush=True,
    )
    data = None
    step = "set-up"
    try:
        stack.check_ports()
        step = "database"
        stack.create_database()
        step = "deployment steps"
        collected = stack.manage_in_background("collectstatic", "--noinput")
        migrated = stack.manage("migrate", "--noinput")
        step = "data"
        stack.setup_django()
        for i in range(EMULATORS):
            stack.start_emulator(i, users=EMULATOR_USERS, punches=EMULATOR_PUNCHES)
        data = make_data(stack)
        for i, port in enumerate(stack.ports.zk):
            stack.wait_for_port(stack.proc(f"zk-{i + 1}"), port)
        close_connections()
        step = "deployment steps"
        collect_seconds = collected()
        manifest = Path(stack.env()["STATIC_ROOT"]) / "staticfiles.json"
        report.check(
            "deployment steps: migrate, collectstatic",
            manifest.exists(),
            f"PostgreSQL database {stack.db_name}; migrate {migrated:.0f} s, collectstatic {collect_seconds:.0f} s"
            " (beside migrate and the data set-up)",
        )
        step = "start"
        stack.start_web()
        stack.start_caddy()
        stack.start_workers(pollers=2)
        print(
            f"Started: gunicorn ×2 ({', '.join(f'127.0.0.1:{p}' for p in stack.ports.web)}), "
            f"Caddy (https {stack.ports.https}, http {stack.ports.http}, ADMS {stack.ports.adms}), "
            f"2 pollers, recompute, exams, {EMULATORS} ZK emulators",
            flush=True,
        )
        step = "health"
        with httpx.Client(verify=stack.tls_context(), timeout=15) as client:
            healthy = check_health(stack, report, client)
    except Exception as exc:
        report.check(f"{step}: ran to the end", False, f"{type(exc).__name__}: {exc}")
        traceback.print_exc()
        healthy = False

    # Each check on its own: one that breaks does not hide what the others find.
    if healthy:
        for name, run in [
            ("ADMS", lambda: check_adms(stack, data, report)),
            ("ZK", lambda: check_zk_progress(stack, data, report)),
            ("exam", lambda: sit_exam_in_chromium(stack, data, report)),
            ("spoofing", lambda: check_spoofed_forwarding(stack, data, report)),
        ]:
            try:
                run()
            except Exception as exc:
                report.check(f"{name}: ran to the end", False, f"{type(exc).__name__}: {exc}")
                traceback.print_exc()
        dead = stack.dead()
        report.check(
            "no process ended on its own during the rehearsal",
            not dead,
            ", ".join(f"{p.name} exit {p.popen.returncode}" for p in dead),
        )
    try:
        if stack.procs:
            check_stop(stack, report)
        if healthy:
            close_connections()
            check_zk_after_stop(stack, data, report)
    except Exception as exc:
        report.check("stop: ran to the end", False, f"{type(exc).__name__}: {exc}")
        traceback.print_exc()
    finally:
        # After a failed check, every process's log tail; else only those of the
        # processes that failed (exit status, or ended by themselves).
        failing = [p for p in stack.procs if p.returncode != 0]
        for p in stack.procs if report.failed else failing:
            print(f"\n=== {p.name} (exit {p.popen.returncode}) ===\n{p.tail()}", flush=True)
        stack.kill_all()
        close_connections()
        if not args.keep_db:
            stack.drop_database()
    total = len(report.rows)
    print(
        f"\n== rehearsal: {total - len(report.failed)} of {total} checks passed in {time.monotonic() - began:.0f} s =="
    )
    for name, ok, _ in report.rows:
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    return 1 if report.failed else 0


def close_connections() -> None:
    """This process's database connections (the database is dropped at the end)."""
    if "django.db" in sys.modules:
        from django.conf import settings

        if settings.configured:
            from django.db import connections

            connections.close_all()


if __name__ == "__main__":
    sys.exit(main())
