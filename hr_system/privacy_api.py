"""GET /api/v1/me/data: the caller's own-data export as JSON (hr_system.personal_data)."""

from __future__ import annotations

from ninja import Router

from hr_system import access, personal_data
from hr_system.schemas import PersonalDataOut

me = Router(tags=["Dữ liệu cá nhân"])


@me.get("/data", response=PersonalDataOut)
def my_data(request):
    """Everything the system holds about the caller, section by section (each app adds
    its own). Only the caller's own: any query parameter (an id, a code, a user) is
    refused with 403, and a login without an employee record has nothing (404)."""
    employee = access.get_own_data_subject(request.user, request.GET)
    return personal_data.export(acting_user=request.user, employee=employee, fmt="api")
