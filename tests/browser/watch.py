"""What a page did while a test drove it: every static file it fetched (each must answer
below 400, be a content-hashed name from collectstatic's manifest, so the page was built
by `{% static %}` with DEBUG off, and come from WhiteNoise), server errors,
Content-Security-Policy violations and uncaught script errors."""

from __future__ import annotations

from urllib.parse import urlsplit

# The product's own stylesheet: `header.top` is painted in its blue.
PRODUCT_BLUE = "rgb(11, 79, 138)"


class Watch:
    def __init__(self, page, server):
        self.server = server
        self.hashed = set(server.manifest.values())
        self.static: list[str] = []  # names under /static/ the page fetched, in order
        self.problems: list[str] = []
        self.csp: list[str] = []
        page.on("response", self._response)
        page.on("requestfailed", self._failed)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))

    def _static_name(self, url: str) -> str | None:
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.server.url or not parts.path.startswith("/static/"):
            return None
        return parts.path.removeprefix("/static/")

    def _response(self, response) -> None:
        name = self._static_name(response.url)
        if name is None:
            if response.status >= 500:
                self.problems.append(f"{response.status} for {response.url}")
            return
        self.static.append(name)
        if response.status >= 400:
            self.problems.append(f"static file {name} answered {response.status}")
        elif name not in self.hashed:
            self.problems.append(f"static file {name} is not a hashed name from the manifest")
        elif response.status == 200 and "immutable" not in response.headers.get("cache-control", ""):
            # WhiteNoise marks a hashed name cacheable forever; anything else served it.
            self.problems.append(f"static file {name} came without WhiteNoise's far-future caching")

    def _failed(self, request) -> None:
        name = self._static_name(request.url)
        # net::ERR_ABORTED is the browser cancelling its own request (the page navigated on
        # before the favicon arrived): nothing the server did. A file the server failed to
        # serve still shows in _response as its 4xx/5xx status.
        if name is not None and request.failure != "net::ERR_ABORTED":
            self.problems.append(f"static file {name} failed: {request.failure}")

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.csp.append(message.text)

    def assert_clean(self) -> None:
        assert self.problems == [], self.problems
        assert self.csp == [], self.csp

    def assert_loaded(self, *sources: str) -> None:
        """Each source file (e.g. "css/app.css") was fetched under its hashed name."""
        for source in sources:
            hashed = self.server.manifest.get(source)
            assert hashed and hashed != source, f"{source} has no hashed name in the manifest"
            assert hashed in self.static, f"{hashed} was not loaded; loaded: {self.static}"
        self.assert_clean()


def assert_styled(page) -> None:
    """The product's stylesheet is applied to the page (not only requested)."""
    colour = page.evaluate("getComputedStyle(document.querySelector('header.top')).backgroundColor")
    assert colour == PRODUCT_BLUE, f"header.top is {colour}: css/app.css not applied"
