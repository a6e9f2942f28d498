from django.contrib import admin
from django.urls import include, path

from hr_system import ops_views, views
from hr_system.api import api
from hr_system.api import not_found as api_not_found
from hr_system.signed_documents import pages as signed_pages

handler500 = "hr_system.ops_views.server_error"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("healthz", ops_views.healthz, name="healthz"),
    path("favicon.ico", ops_views.favicon, name="favicon"),
    path("metrics", ops_views.metrics_view, name="metrics"),
    path("org/", views.org_tree, name="org_tree"),
    path("employees/", views.employee_list, name="employee_list"),
    path("employees/export.pdf", views.employee_list_pdf, name="employee_list_pdf"),
    path("employees/export.xlsx", views.employee_list_xlsx, name="employee_list_xlsx"),
    path("employees/import/", views.employee_import, name="employee_import"),
    path("employees/import/template.xlsx", views.import_template, name="import_template"),
    path("employees/<str:code>/", views.employee_detail, name="employee_detail"),
    path("employees/<str:code>/consents/", views.employee_consent_add, name="employee_consent_add"),
    path(
        "employees/<str:code>/consents/<int:pk>/withdraw/",
        views.employee_consent_withdraw,
        name="employee_consent_withdraw",
    ),
    path("account/tokens/", views.api_tokens, name="api_tokens"),
    path("signed-documents/", signed_pages.signed_document_list, name="signed_documents"),
    path("signed-documents/<int:pk>.pdf", signed_pages.signed_document_download, name="signed_document_download"),
    path("", include("hr_system.accounts.urls")),
    path("", include("hr_system.privacy_urls")),
    path("", include("hr_system.signatures.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("api/v1/<path:rest>", api_not_found),
    path("", include("devices.urls")),
    path("", include("devices.web_urls")),
    path("", include("attendance.urls")),
    path("", include("attendance.self_urls")),
    path("", include("assessments.urls")),
    path("", include("transfers.urls")),
    path("", include("evaluation.urls")),
]
