"""The pieces every app's API shares: token auth, the one error envelope, `ApiError`,
`invalid`, pagination. Apps import this module, never the composition root
(`hr_system/api.py`), so mounting their routers there creates no import cycle."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpRequest
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.pagination import PaginationBase
from ninja.security import HttpBearer
from pydantic import Field

from hr_system import lockout
from hr_system.models import ApiToken


class TokenAuth(HttpBearer):
    """`Authorization: Bearer hrt_…` — a personal token; no CSRF needed.

    A wrong token counts as a failed login of the source address (hr_system.lockout);
    an address locked out may not try tokens until the lock ends (429)."""

    def authenticate(self, request: HttpRequest, token: str):
        if lockout.token_locked(request):
            raise ApiError(429, "too_many_failures", lockout.lockout_message())
        user = ApiToken.authenticate(token)
        if user is None:
            lockout.token_failed(request)
            return None
        request.user = user
        return user


# --- one error envelope: {"error": {"code", "message", "fields"?}} -----------------


class ApiError(HttpError):
    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(status, message)
        self.code = code
        self.fields = fields


def invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "validation_error", "Dữ liệu không hợp lệ.", {field: [message]})


def field_errors(errors: list[dict]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form", "file", "payload")]
        out.setdefault(".".join(loc) or "__all__", []).append(err.get("msg", "invalid"))
    return out


def error_body(code: str, message: str, fields: dict | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def install_error_envelope(api: NinjaAPI) -> None:
    """Route every error the API can raise into the one envelope."""

    def respond(request, status: int, code: str, message: str, fields: dict | None = None):
        return api.create_response(request, error_body(code, message, fields), status=status)

    handlers = {
        ValidationError: lambda r, e: respond(
            r, 422, "validation_error", "Dữ liệu không hợp lệ.", field_errors(e.errors)
        ),
        ApiError: lambda r, e: respond(r, e.status_code, e.code, e.message, e.fields),
        AuthenticationError: lambda r, e: respond(
            r, 401, "unauthorized", "Chưa đăng nhập hoặc mã truy cập không hợp lệ."
        ),
        HttpError: lambda r, e: respond(r, e.status_code, "http_error", str(e)),
        Http404: lambda r, e: respond(r, 404, "not_found", str(e) or "Không tìm thấy."),
        PermissionDenied: lambda r, e: respond(r, 403, "forbidden", str(e) or "Không có quyền."),
        # A body Django cannot parse (multipart without a boundary, …): Django's own 400
        # is an HTML page.
        MultiPartParserError: lambda r, e: respond(r, 400, "bad_request", "Không đọc được dữ liệu gửi lên."),
        BadRequest: lambda r, e: respond(r, 400, "bad_request", "Không đọc được dữ liệu gửi lên."),
    }
    for exc_class, handler in handlers.items():
        api.add_exception_handler(exc_class, handler)


# --- pagination ------------------------------------------------------------------


class PageNumber(PaginationBase):
    """?page=1&page_size=50 → {items, count, page, page_size}. Callers give a fixed ordering."""

    class Input(Schema):
        # (page - 1) × page_size is the SQL OFFSET: unbounded, page=999999999999999999
        # overflowed PostgreSQL's bigint (a 500). A million pages covers any list here.
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int = Field(50, ge=1, le=500)

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int

    def paginate_queryset(self, queryset, pagination: Input, **params):
        start = (pagination.page - 1) * pagination.page_size
        return {
            "items": list(queryset[start : start + pagination.page_size]),
            "count": self._items_count(queryset),
            "page": pagination.page,
            "page_size": pagination.page_size,
        }
