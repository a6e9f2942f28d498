"""Attendance pages for employees, unit heads and HR (included at the site root)."""

from django.urls import path

from attendance import rule_views, self_views

urlpatterns = [
    path("attendance/me/", self_views.me, name="attendance_self_me"),
    path("attendance/me/leave/", self_views.file_leave, name="attendance_self_leave"),
    path("attendance/me/leave/<int:leave_id>/cancel/", self_views.cancel_leave, name="attendance_self_cancel"),
    path("attendance/me/correction/", self_views.file_correction, name="attendance_self_correction"),
    path("attendance/approvals/", self_views.approvals, name="attendance_approvals"),
    path("attendance/board/", self_views.board, name="attendance_board"),
    path("attendance/calendar/", self_views.calendar, name="attendance_calendar"),
    path("attendance/schedules/", self_views.schedules, name="attendance_schedules"),
    path("attendance/rules/", rule_views.unit_rules, name="attendance_rules"),
]
