"""Playwright driving Debian's chromium (never a downloaded browser) against gunicorn
started as in production (tests/browser/server.py), one server for the whole package.

The server is a separate process reading pytest-django's test database, so every browser
test uses `transactional_db` (rows committed, tables flushed after the test), and users
get a password hash the production settings can check (see `fast_password_hasher`)."""

from __future__ import annotations

import os
import shutil
from types import SimpleNamespace

import pytest

from tests.browser import server as gunicorn
from tests.browser.watch import Watch
from tests.conftest import PASSWORD, TEST_LOG_DIR

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

CALL_REPORT = pytest.StashKey()
SERVER_LOG = pytest.StashKey()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Replaces tests/conftest.py's MD5 hasher, which the server (production settings)
    does not know: PBKDF2 at one iteration is a hash it checks, and it upgrades the hash
    to full strength at the first login, as it would for a user of an older release."""
    settings.PASSWORD_HASHERS = ["tests.browser.hashers.OneIterationPBKDF2PasswordHasher"]


@pytest.fixture(scope="package")
def site(django_db_setup, collected_static, tmp_path_factory, softhsm_token):
    """gunicorn serving the test database, DEBUG off, static files from the session's
    collectstatic. Requesting django_db_setup makes it stop before the test database is
    dropped (PostgreSQL refuses to drop a database with clients). The test SoftHSM2
    token is made first: SOFTHSM2_CONF must be in the server's environment when it
    starts (SoftHSM2 reads it once per process), for the signing tests' USB-token path."""
    from django.db import connections

    work = tmp_path_factory.mktemp("gunicorn")
    (work / "media").mkdir()
    server = gunicorn.start(
        settings_dict=dict(connections["default"].settings_dict),
        static_root=collected_static,
        media_root=work / "media",
        log_path=work / "gunicorn.log",
    )
    yield server
    server.stop()
    # Next to the test process's own log (tests/conftest.py), for the secrets grep: the
    # login form's password went through this server.
    TEST_LOG_DIR.mkdir(parents=True, exist_ok=True)
    server.export_log(TEST_LOG_DIR / f"gunicorn-{os.getpid()}.jsonl")


@pytest.fixture
def _browsing(request, transactional_db, site, monkeypatch):
    # A missing browser is a failure, never a skip: `make test` installs chromium.
    assert os.path.exists(CHROMIUM), "Debian chromium is not installed (make test installs it)"
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from
    # the test body (fixtures, asserts) are still synchronous and safe here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    request.node.stash[SERVER_LOG] = (site, site.log_size())
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(accept_downloads=True, locale="vi-VN")
        page = context.new_page()
        page.set_default_timeout(20000)
        watch = Watch(page, site)
        yield SimpleNamespace(page=page, watch=watch)
        seen = SimpleNamespace(problems=list(watch.problems), csp=list(watch.csp))
        context.close()
        browser.close()
        # ORM calls made in the test body while Playwright's loop runs in this thread get
        # their own connection (asgiref keys connections by context, not only by thread);
        # close it here, or PostgreSQL refuses to drop the test database at the end.
        from django.db import connections

        connections.close_all()
    report = request.node.stash.get(CALL_REPORT, None)
    if report is not None and report.passed:
        # Every page of every browser test: static files through gunicorn, no CSP report.
        assert seen.problems == [], seen.problems
        assert seen.csp == [], seen.csp


@pytest.fixture
def browser_page(_browsing):
    return _browsing.page


@pytest.fixture
def watch(_browsing) -> Watch:
    return _browsing.watch


@pytest.fixture
def web_login(site):
    def _login(page, username):
        page.goto(f"{site.url}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{site.url}/")

    return _login


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep the test's outcome for `_browsing`, and show what gunicorn printed during a
    failed test (its errors and the app's request lines) next to the failure."""
    report = yield
    if report.when == "call":
        item.stash[CALL_REPORT] = report
    if report.failed and SERVER_LOG in item.stash:
        server, offset = item.stash[SERVER_LOG]
        report.sections.append(("gunicorn output during the test", server.log_since(offset)[-20000:]))
    return report
