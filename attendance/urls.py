from django.urls import path

from attendance import views

urlpatterns = [
    path("attendance/timesheet/", views.timesheet, name="attendance_timesheet"),
    path("attendance/timesheet.pdf", views.timesheet_pdf, name="attendance_timesheet_pdf"),
    path("attendance/timesheet.xlsx", views.timesheet_xlsx, name="attendance_timesheet_xlsx"),
    path("attendance/timesheet/lock/", views.timesheet_lock, name="attendance_timesheet_lock"),
    path("attendance/timesheet/sign/", views.timesheet_sign, name="attendance_timesheet_sign"),
    path("attendance/timesheet/signed.pdf", views.timesheet_signed_pdf, name="attendance_timesheet_signed_pdf"),
    path("attendance/discipline/", views.discipline, name="attendance_discipline"),
    path("attendance/discipline.pdf", views.discipline_pdf, name="attendance_discipline_pdf"),
    path("attendance/discipline.xlsx", views.discipline_xlsx, name="attendance_discipline_xlsx"),
    path("attendance/discipline/reminder.pdf", views.reminder_pdf, name="attendance_reminder_pdf"),
]
