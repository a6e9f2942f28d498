"""Pages work under the Content-Security-Policy in a real browser: the publish button
asks first (static/js/confirm.js, no inline handler), and the API docs render from our
own static files (collectstatic's hashed names, served by gunicorn with DEBUG off);
chromium reports no policy violation on either."""

from __future__ import annotations

from assessments.models import Exam
from tests.assessments.test_results import world  # noqa: F401  (the fixture)


def test_publishing_results_asks_first(transactional_db, world, site, browser_page, watch, web_login):  # noqa: F811
    page = browser_page
    web_login(page, "hr_a")
    exam = world.exam
    page.goto(f"{site.url}/assessments/results/{exam.pk}/")
    asked: list[str] = []

    def answer(dialog, accept: bool):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    page.click("text=Công bố kết quả")
    page.wait_for_timeout(300)
    assert asked and "Công bố kết quả" in asked[0]
    assert Exam.objects.get(pk=exam.pk).published_at is None

    page.once("dialog", lambda d: answer(d, True))
    with page.expect_navigation():
        page.click("text=Công bố kết quả")
    assert Exam.objects.get(pk=exam.pk).published_at is not None
    watch.assert_loaded("css/app.css", "js/confirm.js")


def test_api_docs_render_under_the_policy(transactional_db, cast, site, browser_page, watch, web_login):
    page = browser_page
    web_login(page, "hr_a")
    page.goto(f"{site.url}/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=20000)
    watch.assert_loaded("ninja/swagger-ui.css", "ninja/swagger-ui-bundle.js", "ninja/swagger-ui-init.js")
