"""axe-core, the engine browsers' accessibility audits use, checks the pages people work
in every day against WCAG 2.1 A and AA (Circular 26/2020/TT-BTTTT points public agencies'
sites to WCAG), in Chromium against gunicorn with DEBUG off. A "serious" or "critical"
violation fails the test and names the rule, what it asks for and the elements to fix.

axe-core comes from npm, pinned by package-lock.json (`make test` runs `npm ci`). It is
injected as an inline script, which the product's Content-Security-Policy rightly refuses,
so these pages are opened in a context that bypasses CSP; the other browser tests keep
checking the policy itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import timezone

from assessments import remarks, results, sittings
from assessments.models import Attempt
from hr_system.models import Consent
from tests.assessments.test_attempts import build_exam
from tests.assessments.test_results import world  # noqa: F401  (the fixture)
from tests.attendance.test_reports import clock, march  # noqa: F401  (the fixtures)
from tests.browser.watch import Watch

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}
DESKTOP = (1366, 900)
PHONE = (390, 844)


@dataclass(frozen=True)
class Visit:
    """Who opens which page: `prepare(request)` builds the rows the page needs and
    returns (username or None for anonymous, path, CSS selector the page is ready at);
    `then(page)`, if any, brings the page to the state to check."""

    prepare: Callable[[pytest.FixtureRequest], tuple[str | None, str, str]]
    viewport: tuple[int, int] = DESKTOP
    then: Callable | None = None


def _login_page(request):
    return None, "/login/", "form"


def _dashboard(username):
    def prepare(request):
        request.getfixturevalue("cast")
        return username, "/", "main"

    return prepare


def _employee_list(request):
    request.getfixturevalue("cast")
    return "hr_a", "/employees/", "table.data"


def _timesheet(request):
    request.getfixturevalue("march")
    return "hr_a", "/attendance/timesheet/?unit=P-MC&month=2025-03", "table.sheet"


def _self_service(request):
    request.getfixturevalue("march")
    return "an", "/attendance/me/?month=2025-03", "main"


def _exam_in_progress(request):
    exam = build_exam(request.getfixturevalue("cast"), count=3).exam
    return "an", f"/assessments/take/{exam.pk}/", "#start-btn"


def _start_the_exam(page):
    page.click("#start-btn")
    page.wait_for_selector("#exam-run:not([hidden])")


def _as_hr(path, ready="main"):
    def prepare(request):
        request.getfixturevalue("march")
        return "hr_a", path, ready

    return prepare


def _results(username, path):
    def prepare(request):
        w = request.getfixturevalue("world")
        results.score_exam(w.exam)
        results.rank_exam(w.exam)
        results.publish(acting_user=w.cast.hr_a, exam=w.exam)
        return username, path.format(exam=w.exam.pk), "main"

    return prepare


def _sitting_page(path, ready):
    """A sitting of commune A's exam ten minutes ahead, seen by the exam board."""

    def prepare(request):
        s = build_exam(request.getfixturevalue("cast"), count=3)
        starts = timezone.now() + dt.timedelta(minutes=10)
        sitting = sittings.create_sitting(
            acting_user=s.board,
            exam=s.exam,
            name="Ca 1",
            venue="Phòng máy 1",
            starts_at=starts,
            ends_at=starts + dt.timedelta(minutes=45),
            employees=list(s.exam.attempts.values_list("employee_id", flat=True)),
        )
        return "board_a", path.format(exam=s.exam.pk, sitting=sitting.pk), ready

    return prepare


def _remark(username, path, ready="main"):
    """A published exam with An's pending re-marking request."""

    def prepare(request):
        w = request.getfixturevalue("world")
        results.publish(acting_user=w.cast.hr_a, exam=w.exam)
        attempt = Attempt.objects.select_related("exam", "employee").get(exam=w.exam, employee=w.cast.emp_a)
        remark = remarks.request_remark(acting_user=w.cast.staff_user, attempt=attempt, reason="Câu 4 chấm chưa đúng.")
        return username, path.format(exam=w.exam.pk, remark=remark.pk), ready

    return prepare


def _consents(request):
    cast = request.getfixturevalue("cast")
    Consent.objects.create(employee=cast.emp_a, purpose="fingerprint_attendance", evidence="Phiếu đồng ý số 1/2026")
    return "hr_a", "/employees/101/", "#dong-y"


def _timesheet_to_sign(request):
    """March 2025 of commune A locked; the school's head sees the sign box with their credential."""
    from attendance import actions as attendance_actions
    from hr_system.models import SigningCredential

    request.getfixturevalue("march")
    cast = request.getfixturevalue("cast")
    attendance_actions.lock_month(acting_user=cast.hr_a, unit=cast.commune_a, month=dt.date(2025, 3, 1))
    SigningCredential.objects.create(
        unit=cast.school_a,
        holder=cast.head_a,
        purpose=SigningCredential.Purpose.PERSONAL,
        kind=SigningCredential.Kind.PKCS12,
        label="Chứng thư của Hiệu trưởng",
        pkcs12_path="/nonexistent/head.p12",
    )
    return "head_a", "/attendance/timesheet/?unit=P-MC-TH&month=2025-03", "#sign-box form"


def _evaluation(username, path, ready):
    """Issue 17: An's first quarter of 2026, self-assessed, with a product assigned and
    its result; the head of the ward's People's Committee (head_ub) is to score it."""

    def prepare(request):
        from django.contrib.auth import get_user_model

        from evaluation import actions as evaluation_actions
        from hr_system.models import Role
        from tests.conftest import PASSWORD

        cast = request.getfixturevalue("cast")
        head = get_user_model().objects.create_user(username="head_ub", password=PASSWORD)
        Role.objects.create(user=head, kind=Role.Kind.UNIT_HEAD, unit=cast.office_a)
        q1 = dt.date(2026, 1, 1)
        product = evaluation_actions.add_product_type(
            acting_user=cast.hr_a, unit=cast.office_a, name="Văn bản tham mưu", measure="văn bản"
        )
        assignment = evaluation_actions.assign(
            acting_user=cast.hr_a,
            employee=cast.emp_a,
            product_type=product,
            period_kind="quarter",
            period_start=q1,
            quantity=4,
            deadline=dt.date(2026, 3, 31),
        )
        evaluation_actions.record_result(acting_user=cast.hr_a, assignment=assignment, quantity_done=4, late=1)
        evaluation = evaluation_actions.open_evaluation(
            acting_user=cast.hr_a, employee=cast.emp_a, period_kind="quarter", period_start=q1
        )
        return username, path.format(evaluation=evaluation.pk, assignment=assignment.pk), ready

    return prepare


VISITS = {
    "login": Visit(_login_page),
    "login-390": Visit(_login_page, PHONE),
    "dashboard-hr": Visit(_dashboard("hr_a")),
    "dashboard-employee": Visit(_dashboard("an")),
    "employee-list": Visit(_employee_list),
    "timesheet": Visit(_timesheet),
    "self-service": Visit(_self_service),
    "self-service-390": Visit(_self_service, PHONE),
    "exam-in-progress": Visit(_exam_in_progress, then=_start_the_exam),
    "results-hr": Visit(_results("hr_a", "/assessments/results/{exam}/")),
    "results-hr-390": Visit(_results("hr_a", "/assessments/results/{exam}/"), PHONE),
    "result-candidate": Visit(_results("an", "/assessments/results/{exam}/mine/")),
    "result-after-exam": Visit(_results("an", "/assessments/take/{exam}/result/")),
    # Beyond the daily pages: forms and live pages axe found faults on once.
    "exam-create": Visit(_as_hr("/assessments/exams/new/", "form")),
    "question-create": Visit(_as_hr("/bank/questions/new/", "form")),
    "devices": Visit(_as_hr("/devices/", "button.autorefresh")),
    "day-board": Visit(_as_hr("/attendance/board/?unit=P-MC", "button.autorefresh")),
    # Exam sittings and re-marking (issue 15).
    "exam-settings": Visit(_sitting_page("/assessments/exams/{exam}/settings/", "form")),
    "sitting-create": Visit(_sitting_page("/assessments/exams/{exam}/sittings/new/", "#sitting-form")),
    "sitting-checkin": Visit(_sitting_page("/assessments/sittings/{sitting}/", "#checkin")),
    "sitting-checkin-390": Visit(_sitting_page("/assessments/sittings/{sitting}/", "#checkin"), PHONE),
    "sitting-records": Visit(_sitting_page("/assessments/sittings/{sitting}/records/", "#incident-form")),
    "remark-list": Visit(_remark("hr_a", "/assessments/results/{exam}/remarks/")),
    "remark-review": Visit(_remark("hr_a", "/assessments/remarks/{remark}/", "#remark-decision")),
    "remark-candidate": Visit(_remark("an", "/assessments/results/{exam}/mine/", "#phuc-khao")),
    # Enrolment consent (issue 16): the table, the withdraw button and the form.
    "employee-consents": Visit(_consents),
    # Signed documents (issue 16).
    "timesheet-sign": Visit(_timesheet_to_sign),
    "signed-documents": Visit(_as_hr("/signed-documents/", "main h1")),
    # Evaluation and classification (issue 17).
    "evaluation-self": Visit(_evaluation("an", "/evaluation/{evaluation}/", "#save-scores")),
    "evaluation-score-390": Visit(_evaluation("head_ub", "/evaluation/{evaluation}/", "#criteria"), PHONE),
    "evaluation-unit": Visit(_evaluation("hr_a", "/evaluation/", "#open-form")),
    "evaluation-mine": Visit(_evaluation("an", "/evaluation/me/", "#my-evaluations")),
    "evaluation-assignments": Visit(_evaluation("hr_a", "/evaluation/assignments/", "#assignment-form")),
    "evaluation-result": Visit(_evaluation("hr_a", "/evaluation/assignments/{assignment}/result/", "#result-form")),
    "evaluation-rulebooks": Visit(_evaluation("hr_a", "/evaluation/rulebooks/", "#rulebook-form")),
}


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page as it stands; the violations with their nodes."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
            .then(r => r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary}))})))""",
        WCAG_21_AA,
    )


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {node['target']}  — {summary[:300]}")
    return "\n".join(lines)


@pytest.mark.parametrize("name", list(VISITS))
def test_page_has_no_serious_accessibility_violation(name, request, transactional_db, site, browser_page, web_login):
    assert AXE.exists(), "axe-core is not installed (make test runs `npm ci`)"
    visit = VISITS[name]
    username, path, ready = visit.prepare(request)
    width, height = visit.viewport
    context = browser_page.context.browser.new_context(
        bypass_csp=True, locale="vi-VN", viewport={"width": width, "height": height}
    )
    page = context.new_page()
    watch = Watch(page, site)
    if username:
        web_login(page, username)
    page.goto(f"{site.url}{path}")
    page.wait_for_selector(ready)
    if visit.then:
        visit.then(page)

    violations = axe_violations(page)
    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    context.close()
    # Moderate and minor findings do not fail; shown with a failure or under `pytest -rP`.
    print(describe([v for v in violations if v not in failing]) or "no moderate or minor finding")
    assert not failing, f"{path} at {width} px:\n{describe(failing)}"
    assert watch.problems == [], watch.problems


def test_the_check_catches_a_nameless_button_and_faint_text(transactional_db, site, browser_page):
    """The harness itself: on a page with two planted faults, both fail the check."""
    context = browser_page.context.browser.new_context(bypass_csp=True, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{site.url}/login/")
    page.evaluate(
        """() => {
            document.querySelector("main").insertAdjacentHTML("beforeend",
                '<button id="planted-button"></button><p id="planted-text" style="color:#c8c8c8">Mờ quá</p>');
        }"""
    )
    failing = {v["id"]: v for v in axe_violations(page) if v["impact"] in FAILING_IMPACTS}
    context.close()
    assert set(failing) == {"button-name", "color-contrast"}, describe(list(failing.values()))
    assert failing["button-name"]["nodes"][0]["target"] == "#planted-button"
    assert failing["color-contrast"]["nodes"][0]["target"] == "#planted-text"


def test_live_pages_reload_until_the_user_pauses(transactional_db, cast, site, browser_page, watch, web_login):
    """The clocks' page reloads itself every 30 s, as it did with <meta refresh>, but a
    button stops it (WCAG 2.2.1) and the choice holds over a manual reload."""
    page = browser_page
    page.clock.install()
    web_login(page, "hr_a")
    page.goto(f"{site.url}/devices/")
    button = page.locator("button.autorefresh")
    assert button.inner_text() == "Tạm dừng tự làm mới" and button.get_attribute("aria-pressed") == "false"

    page.evaluate("() => { window.notReloaded = true; }")
    with page.expect_navigation():
        page.clock.run_for(31_000)
    assert page.evaluate("() => window.notReloaded") is None

    page.click("button.autorefresh")
    assert button.inner_text() == "Tiếp tục tự làm mới" and button.get_attribute("aria-pressed") == "true"
    page.evaluate("() => { window.notReloaded = true; }")
    page.clock.run_for(120_000)
    assert page.evaluate("() => window.notReloaded") is True
    page.reload()
    assert button.get_attribute("aria-pressed") == "true"
    watch.assert_loaded("js/autorefresh.js")
