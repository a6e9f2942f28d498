"""Logs: one JSON object per line on stdout (journald keeps it), one line per request and
per worker step, each carrying a request id.

- `RequestLogMiddleware` (first in MIDDLEWARE, so it times everything) gives each request
  an id, answers it in the `X-Request-ID` header and logs `{"event": "request", "method",
  "path", "status", "duration_ms", "outcome", "user_id", "instance", ...}` on the
  "hr.request" logger. An incoming X-Request-ID (Caddy sets one) is believed only from a
  peer in TRUSTED_PROXIES and only when it is a plain token: a client must not be able to
  write into our logs, or make two requests share an id.
- The id lives in a context variable for the length of the request (or a worker step);
  `RequestIdFilter` copies it onto every record, so Django's own "Internal Server Error"
  line and any app's warning can be joined with the request line.
- `RedactFilter` is a safety net under every handler: a log call that carelessly formats an
  Authorization header, an API token, a `password=…` pair or a fingerprint template gets
  the value masked. It is not a licence to log such things: nothing of ours does, and
  tests/check_logs.py greps the logs of a whole test run for them.
- Only the path of a request is logged, never its query string (a search for a person's
  name, or a code in a link, are not for the logs).

LOG_FORMAT=json (default) or text; LOG_LEVEL for the product's own loggers (settings.py).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import os
import re
import socket
import time
import uuid

from hr_system.net import is_trusted_proxy

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# What an incoming X-Request-ID may be: a UUID (Caddy's {http.request.uuid}), a hex or
# base64url string, at most 64 characters. Anything else is replaced, not cleaned.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

request_log = logging.getLogger("hr.request")

# LogRecord's own attributes; anything else on a record came from `extra=` and goes into
# the JSON object as a field.
_RECORD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", (), None)).keys() | {"message", "asctime", "request_id"}
)


def new_request_id() -> str:
    return uuid.uuid4().hex


def sane_request_id(value: str | None) -> str | None:
    """`value` when it is a plain token of at most 64 characters, else None."""
    if value and REQUEST_ID_PATTERN.fullmatch(value):
        return value
    return None


@contextlib.contextmanager
def request_id_context(request_id: str | None = None):
    """Run a block (a worker step, a command) under a request id; a new one by default."""
    token = REQUEST_ID.set(request_id or new_request_id())
    try:
        yield REQUEST_ID.get()
    finally:
        REQUEST_ID.reset(token)


_instance: tuple[int, str] | None = None


def instance() -> str:
    """host:pid of this process (gunicorn forks its workers: the pid is read again after a fork)."""
    global _instance
    pid = os.getpid()
    if _instance is None or _instance[0] != pid:
        _instance = (pid, f"{socket.gethostname()}:{pid}")
    return _instance[1]


# --- redaction ----------------------------------------------------------------------------

MASK = "[REDACTED]"

# One pattern, one pass; the schemes of an Authorization header are matched in their own
# case only ("API token revoked" is left alone, "Bearer abc" is not).
_SECRETS = re.compile(
    r"""
    (?P<bearer>\b(?-i:Bearer|Basic|Token)\s+)[^\s'",;]+              # Authorization: Bearer …
    | (?P<token>\bhrt_)[A-Za-z0-9_-]{8,}                               # our API tokens
    | (?P<pair>\b(?:[A-Za-z_]*(?:password|passwd|pwd|secret|token|access_code|authorization|cookie|sessionid)
          [A-Za-z0-9_]*|TMP|tmp)
        ['"]?\s*[:=]\s*['"]?)(?!\[REDACTED\])(?:(?-i:Bearer|Basic|Token)\s+)?[^\s'"&,;}\]]+  # key=value
    """,
    re.IGNORECASE | re.VERBOSE,
)


def _mask(match: re.Match) -> str:
    prefix = match.group("bearer") or match.group("token") or match.group("pair") or ""
    return prefix + MASK


# Words one of the patterns needs; a text without any (nearly every line) is not searched.
_HINTS = (
    "bearer",
    "basic",
    "token",
    "hrt_",
    "pass",
    "pwd",
    "secret",
    "access_code",
    "authoriz",
    "cookie",
    "session",
    "tmp",
)


def redact(text: str) -> str:
    """`text` with anything that looks like a secret replaced by [REDACTED]."""
    if not text:
        return text
    lowered = text.lower()
    if not any(hint in lowered for hint in _HINTS) or not _SECRETS.search(text):
        return text
    return _SECRETS.sub(_mask, text)


class RedactFilter(logging.Filter):
    """Mask secrets in a record's message, its exception text and its string fields.

    Put on handlers (a logger's filters do not see records propagated from its children)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned is not message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in list(vars(record).items()):
            if key not in _RECORD_ATTRIBUTES and isinstance(value, str):
                cleaned = redact(value)
                if cleaned is not value:
                    setattr(record, key, cleaned)
        return True


class RequestIdFilter(logging.Filter):
    """Copy the current request id onto the record (None outside a request or step).

    Django logs a 4xx/5xx response ("Not Found: /x") after the whole middleware chain has
    returned, when the context variable is reset; that record carries the request, whose
    id the middleware kept on it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_of(record)
        return True


def request_id_of(record: logging.LogRecord) -> str | None:
    request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
    if request_id is None:
        request_id = getattr(getattr(record, "request", None), "request_id", None)
    return request_id


# --- formatters ---------------------------------------------------------------------------


_PLAIN = (str, int, float, bool, type(None), dict, list)


def _timestamp(record: logging.LogRecord) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"


def _unknown(value) -> str:
    return f"<{type(value).__name__}>"


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line: ts, level, logger, event or message,
    request_id, the record's `extra=` fields, and the traceback as `exc` if any."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict = {"ts": _timestamp(record), "level": record.levelname, "logger": record.name}
        event = getattr(record, "event", None)
        if event is None:
            data["message"] = record.getMessage()
        data["request_id"] = request_id_of(record)
        for key, value in vars(record).items():
            # Plain values only: Django's own records carry the request object, whose repr
            # shows the query string.
            if key not in _RECORD_ATTRIBUTES and key not in data and isinstance(value, _PLAIN):
                data[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["exc"] = record.exc_text
        if record.stack_info:
            data["stack"] = self.formatStack(record.stack_info)
        return json.dumps(data, ensure_ascii=False, default=_unknown, separators=(",", ":"))


class TextFormatter(logging.Formatter):
    """For a person at a terminal (LOG_FORMAT=text): time, level, logger, request id, message."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = request_id_of(record)
        return super().format(record)


# --- the request line ---------------------------------------------------------------------


def outcome_of(status: int) -> str:
    if status >= 500:
        return "error"
    if status >= 400:
        return "refused"
    return "ok"


class RequestLogMiddleware:
    """Request id in, X-Request-ID out, and one log line per request (see the module
    docstring). First in MIDDLEWARE: its duration covers every other middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def request_id_of(request) -> str:
        incoming = request.META.get("HTTP_X_REQUEST_ID")
        if incoming and is_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
            believed = sane_request_id(incoming)
            if believed:
                return believed
        return new_request_id()

    def __call__(self, request):
        started = time.perf_counter()
        request_id = self.request_id_of(request)
        request.request_id = request_id
        token = REQUEST_ID.set(request_id)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            self.log(request, response.status_code, started)
            return response
        finally:
            REQUEST_ID.reset(token)

    def process_exception(self, request, exception):
        # Django turns the exception into a 500 below us; keep its class for our line.
        request._log_error = type(exception).__name__
        return None

    def log(self, request, status: int, started: float) -> None:
        if not request_log.isEnabledFor(logging.INFO):
            return
        duration = round((time.perf_counter() - started) * 1000, 1)
        user = getattr(request, "user", None)
        try:
            user_id = user.pk if user is not None and user.is_authenticated else None
        except Exception:  # a session store that failed mid-request must not lose the line
            user_id = None
        fields = {
            "event": "request",
            "method": request.method,
            "path": request.path[:300],
            "status": status,
            "duration_ms": duration,
            "outcome": outcome_of(status),
            "user_id": user_id,
            "instance": instance(),
        }
        error = getattr(request, "_log_error", None)
        if error:
            fields["error"] = error
        level = logging.ERROR if status >= 500 else logging.INFO
        request_log.log(level, "%s %s %s %.1fms", fields["method"], fields["path"], status, duration, extra=fields)
