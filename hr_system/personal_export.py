"""hr_system's part of a person's own-data export (hr_system.personal_data): the
profile, the login account with its roles, and the audit entries about them or by them."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from hr_system.models import AuditLog, Consent, Employee, Role

# What an audit entry tells its subject: when, what was done, to which kind of record, and
# whether they did it or it was done to their record. Neither the detail (it may quote
# other people's data) nor who acted on their record is copied.
AUDIT_COLUMNS = ("at", "action", "object_type", "relation")


def _profile(employee: Employee) -> dict:
    e = employee
    values = [
        (_("Mã chấm công"), e.code),
        (_("Họ và tên"), e.full_name),
        (_("Ngày sinh"), e.date_of_birth),
        (_("Số định danh cá nhân (căn cước)"), e.citizen_id),
        (_("Giới tính"), e.get_gender_display()),
        (_("Loại"), e.get_category_display()),
        (_("Chức vụ, chức danh"), e.job_title),
        (_("Ngạch, bậc"), e.rank),
        (_("Đơn vị"), e.unit.name),
        (_("Ngày vào ngành"), e.sector_start),
        (_("Ngày về đơn vị hiện tại"), e.unit_start),
        (_("Số năm công tác vùng khó khăn"), e.hardship_years),
        (_("Quê quán (xã)"), e.home_commune),
        (_("Khoảng cách đến nơi làm việc (km)"), e.distance_km),
        (_("Ngày bắt đầu làm việc"), e.start_date),
        (_("Ngày nghỉ việc"), e.leave_date),
        (_("Ngày tạo hồ sơ"), e.created_at),
        (_("Ngày cập nhật gần nhất"), e.updated_at),
    ]
    return {
        "key": "hr_system.profile",
        "title": _("Hồ sơ cá nhân"),
        "fields": [{"label": str(label), "value": value} for label, value in values],
    }


def _account(employee: Employee) -> dict:
    user = employee.user
    if user is None:
        return {
            "key": "hr_system.account",
            "title": _("Tài khoản đăng nhập và vai trò"),
            "fields": [],
            "note": _("Hồ sơ không gắn với tài khoản đăng nhập nào."),
        }
    roles = Role.objects.filter(user=user).select_related("unit").order_by("kind", "unit__path")
    fields = [
        (_("Tên đăng nhập"), user.username),
        (_("Họ tên trên tài khoản"), user.get_full_name()),
        (_("Thư điện tử"), user.email),
        (_("Đang hoạt động"), user.is_active),
        (_("Ngày tạo tài khoản"), user.date_joined),
        (_("Đăng nhập gần nhất"), user.last_login),
        *[(_("Vai trò"), f"{r.get_kind_display()} — {r.unit.name if r.unit else _('toàn hệ thống')}") for r in roles],
    ]
    return {
        "key": "hr_system.account",
        "title": _("Tài khoản đăng nhập và vai trò"),
        "fields": [{"label": str(label), "value": value} for label, value in fields],
    }


def _audit(employee: Employee) -> dict:
    about = Q(object_type=Employee._meta.label, object_id=str(employee.pk))
    by = Q(pk__in=[])
    if employee.user_id is not None:
        about |= Q(object_type="auth.User", object_id=str(employee.user_id))
        by = Q(user_id=employee.user_id)
    rows = []
    for at, action, object_type, object_id, user_id in (
        AuditLog.objects.filter(about | by)
        .order_by("at", "pk")
        .values_list("at", "action", "object_type", "object_id", "user_id")
    ):
        mine = employee.user_id is not None and user_id == employee.user_id
        subject = (object_type == Employee._meta.label and object_id == str(employee.pk)) or (
            object_type == "auth.User" and object_id == str(employee.user_id)
        )
        relation = (
            _("Bạn thực hiện, về hồ sơ của bạn")
            if mine and subject
            else (_("Bạn thực hiện") if mine else _("Thao tác trên hồ sơ của bạn"))
        )
        rows.append([at, action, object_type, str(relation)])
    return {
        "key": "hr_system.audit",
        "title": _("Nhật ký thao tác liên quan đến bạn"),
        "columns": [str(_("Thời điểm")), str(_("Thao tác")), str(_("Loại hồ sơ")), str(_("Liên quan"))],
        "rows": rows,
        "note": _(
            "Chỉ ghi thời điểm, loại thao tác và loại hồ sơ; không chép chi tiết để không lộ dữ liệu cá nhân "
            "của người khác."
        ),
    }


def _consents(employee: Employee) -> dict:
    """The person's consents: purpose, when given, the form's reference, when withdrawn.
    Who recorded it is not copied."""
    rows = [
        [c.get_purpose_display(), c.given_at, c.evidence, c.withdrawn_at]
        for c in Consent.objects.filter(employee=employee).order_by("given_at", "pk")
    ]
    return {
        "key": "hr_system.consents",
        "title": _("Sự đồng ý xử lý dữ liệu cá nhân"),
        "columns": [str(_("Mục đích")), str(_("Thời điểm đồng ý")), str(_("Căn cứ")), str(_("Thời điểm rút lại"))],
        "rows": rows,
    }


def sections(employee: Employee) -> list[dict]:
    found = [_profile(employee), _account(employee), _consents(employee), _audit(employee)]
    return [s for s in found if s is not None]
