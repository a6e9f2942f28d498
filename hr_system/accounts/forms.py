"""Forms of the account pages. Choices offered are what the caller may pick; what is
posted is checked again by access and actions (a forged choice is refused there)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hr_system.accounts import access as account_access
from hr_system.models import Role

ACTIVE_CHOICES = [("", gettext_lazy("Tất cả")), ("1", gettext_lazy("Đang hoạt động")), ("0", gettext_lazy("Đã khóa"))]


def _unit_choices(user) -> list[tuple[str, str]]:
    return [(u.code, u.name) for u in account_access.managed_units(user).order_by("path")]


class AccountCreateForm(forms.Form):
    username = forms.CharField(
        label=gettext_lazy("Tên đăng nhập"),
        max_length=150,
        required=False,
        help_text=gettext_lazy("Để trống để dùng tên gợi ý."),
    )
    role_kind = forms.ChoiceField(label=gettext_lazy("Vai trò ban đầu"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role_kind"].choices = [("", _("Không cấp vai trò")), *Role.Kind.choices]
        self.fields["role_kind"].widget.choices = [
            ("", _("Không cấp vai trò")),
            *account_access.grantable_kinds(user),
        ]


class RoleForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Vai trò"), choices=Role.Kind.choices)
    unit = forms.CharField(label=gettext_lazy("Đơn vị phạm vi"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Offered: the kinds and units the caller may grant; posted values outside them
        # reach the ladder check (403) or the unit check (an error on the field).
        self.fields["kind"].widget.choices = account_access.grantable_kinds(user)
        self.fields["unit"].widget = forms.Select(choices=[("", _("— Không giới hạn —")), *_unit_choices(user)])


class LinkForm(forms.Form):
    employee = forms.CharField(label=gettext_lazy("Mã chấm công của cán bộ"), max_length=9)


class AccountFilterForm(forms.Form):
    unit = forms.CharField(label=gettext_lazy("Đơn vị"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Vai trò"), required=False)
    q = forms.CharField(label=gettext_lazy("Tìm"), required=False, max_length=100)
    active = forms.ChoiceField(label=gettext_lazy("Trạng thái"), required=False, choices=ACTIVE_CHOICES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Tất cả vai trò")), *Role.Kind.choices]
        self.fields["unit"].widget = forms.Select(choices=[("", _("Tất cả đơn vị")), *_unit_choices(user)])


class OwnPasswordChangeForm(PasswordChangeForm):
    """Django's form and the configured validators; a temporary password may not be
    kept as the new one."""

    def clean(self):
        data = super().clean()
        new = data.get("new_password1")
        if new and data.get("old_password") and new == data["old_password"]:
            self.add_error("new_password1", _("Mật khẩu mới phải khác mật khẩu cũ."))
        return data
