"""Personal-data pages: a person's own-data export (JSON and a readable PDF) and the
processing register for administrators (hr_system.personal_data)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from hr_system import access, personal_data, reports


@login_required
def my_data(request):
    employee = access.get_own_data_subject(request.user, request.GET)
    return render(request, "hr/my_data.html", {"employee": employee})


@login_required
def my_data_json(request):
    employee = access.get_own_data_subject(request.user, request.GET)
    document = personal_data.export(acting_user=request.user, employee=employee, fmt="json")
    response = HttpResponse(personal_data.as_json(document), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="du-lieu-ca-nhan-{employee.code}.json"'
    return response


@login_required
def my_data_pdf(request):
    employee = access.get_own_data_subject(request.user, request.GET)
    document = personal_data.export(acting_user=request.user, employee=employee, fmt="pdf")
    response = HttpResponse(personal_data.export_pdf(document, employee), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="du-lieu-ca-nhan-{employee.code}.pdf"'
    return response


def _register_entries() -> list[dict]:
    return sorted(personal_data.declarations(), key=lambda d: (d["app"], str(d["category"])))


@login_required
def processing_register(request):
    access.require_register_reader(request.user)
    return render(request, "hr/processing_register.html", {"entries": _register_entries()})


@login_required
def processing_register_xlsx(request):
    access.require_register_reader(request.user)
    response = HttpResponse(
        reports.register_xlsx(_register_entries()),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="so-dang-ky-xu-ly-du-lieu-ca-nhan.xlsx"'
    return response
