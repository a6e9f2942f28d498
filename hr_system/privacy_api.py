"""GET /api/v1/me/data: the caller's own-data export as JSON (hr_system.personal_data).

The document's shape is open (each app contributes sections), so the endpoint answers
the document itself rather than a fixed schema; its envelope is fixed: generated_at,
employee_code, sections[{key, title, fields | columns + rows, note?}]."""

from __future__ import annotations



from django.http import HttpResponse
from ninja import Router

from hr_system import access, personal_data

me = Router(tags=["Dữ liệu cá nhân"])


@me.get("/data", response={200: dict})
def my_data(request):
    """Everything the system holds about the caller. Only the caller's own: any query
    parameter (an id, a code, a user) is refused with 403."""
    employee = access.get_own_data_subject(request.user, request.GET)
    document = personal_data.export(acting_user=request.user, employee=employee, fmt="api")
    # Serialised by the export's own encoder (dates, decimals) in one pass.
    return HttpResponse(personal_data.as_json(document), content_type="application/json; charset=utf-8")



