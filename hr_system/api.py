"""The composition root of the API: the one NinjaAPI at /api/v1/, its auth and error
envelope, and every app's router mounted under its prefix. Nothing imports this module
but `hr_system/urls.py`; shared API pieces live in `hr_system/api_base.py`."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.openapi.views import openapi_json
from ninja.security import django_auth

from assessments.api import router as assessments_router
from attendance.api import router as attendance_router
from devices.api import router as devices_router
from evaluation.api import router as evaluation_router
from hr_system.accounts.api import router as accounts_router
from hr_system.api_base import TokenAuth, error_body, install_error_envelope
from hr_system.org_api import org, people
from hr_system.privacy_api import me
from hr_system.schemas import ErrorOut
from hr_system.signatures.api import router as signatures_router
from hr_system.signed_documents.api import router as signed_documents_router
from transfers.api import router as transfers_router


class Api(NinjaAPI):
    # operationIds are part of the published API (generated clients name their methods
    # after them). Django Ninja derives them from the view's module, so the modules moved
    # by the 2026 layout change keep the prefix they were published with.
    PUBLISHED_MODULES = {
        "hr_system.org_api": "hr_system.api",
        "assessments.api.exams": "assessments.api_exam",
        "transfers.api": "assessments.api_transfers",
    }

    def get_openapi_operation_id(self, operation) -> str:
        module = operation.view_func.__module__
        module = self.PUBLISHED_MODULES.get(module, module)
        return f"{module}_{operation.view_func.__name__}".replace(".", "_")

    def get_openapi_schema(self, **kwargs):
        # Every error the API answers is a 4xx in the one envelope (api_base.error_body).
        # It is documented here once for every operation rather than in a hundred
        # `response=` dicts, so clients and `make fuzz` can check error bodies against it.
        schema = super().get_openapi_schema(**kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        envelope = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(envelope.pop("$defs", {}))
        components["ErrorOut"] = envelope
        error = {
            "description": "Lỗi: 400 yêu cầu hỏng, 401 chưa xác thực, 403 không có quyền, "
            "404 không tìm thấy hoặc ngoài phạm vi, 409 xung đột, 422 dữ liệu không hợp lệ",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
        }
        for item in schema["paths"].values():
            for operation in item.values():
                operation["responses"].setdefault("4XX", error)
        return schema


def docs_login_required(view):
    """The Swagger UI page (`/api/v1/docs`, served from ninja's own static files) only to
    signed-in users. Ninja applies the decorator to the OpenAPI document too, which stays
    public: token clients and `make fuzz` read it without a session, and it holds no data."""
    if getattr(view, "func", None) is openapi_json:
        return view
    return login_required(view)


api = Api(
    title="Hệ thống chấm công và đánh giá năng lực",
    version="1",
    urls_namespace="api",
    docs_decorator=docs_login_required,
    # Session auth checks CSRF on unsafe methods; token auth is for scripts.
    auth=[TokenAuth(), django_auth],
)
install_error_envelope(api)

api.add_router("/org", org)
api.add_router("/people", people)
api.add_router("/accounts", accounts_router)
api.add_router("/me", me)
api.add_router("/signed-documents", signed_documents_router)
api.add_router("/signatures", signatures_router)
api.add_router("/devices", devices_router)
api.add_router("/attendance", attendance_router)
api.add_router("/assessments", assessments_router)
api.add_router("/assessments/transfers", transfers_router, tags=["Điều động, biệt phái, thi tuyển lãnh đạo"])
api.add_router("/evaluation", evaluation_router)


@csrf_exempt  # it changes nothing; a token client's POST would otherwise get the CSRF page
def not_found(request, rest: str):
    """A path under /api/v1/ that no operation matches (`/exams/abc`, a typo): the API's
    404 in its envelope rather than Django's HTML page. Mounted after `api.urls`; a path
    that only lacks its trailing slash is still redirected, as CommonMiddleware did."""
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    return api.create_response(request, error_body("not_found", "Không tìm thấy."), status=404)
