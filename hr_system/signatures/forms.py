"""Forms of the signature pages. Units and holders offered are the caller's; what is
posted is checked against the same scope again (a forged choice is an error)."""

from __future__ import annotations

from pathlib import PurePosixPath

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hr_system import access
from hr_system.models import SigningCredential


class VerifyForm(forms.Form):
    pdf = forms.FileField(label=gettext_lazy("Tệp PDF đã ký"))


class CredentialForm(forms.ModelForm):
    class Meta:
        model = SigningCredential
        fields = [
            "unit",
            "purpose",
            "kind",
            "holder",
            "label",
            "pkcs12_path",
            "pkcs11_module",
            "token_label",
            "key_label",
            "active",
        ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = access.units_for(user, write=True).order_by("path")
        employees = access.employees_for(user, write=True).filter(user__isnull=False)
        self.fields["holder"].queryset = get_user_model().objects.filter(employee__in=employees).order_by("username")
        self.fields["holder"].label_from_instance = lambda u: f"{u.employee.full_name} ({u.username})"
        self.fields["pkcs11_module"] = forms.ChoiceField(
            label=self.fields["pkcs11_module"].label,
            choices=[("", "—")] + [(m, m) for m in settings.SIGNING_PKCS11_MODULES],
            required=False,
        )

    def clean_pkcs12_path(self):
        path = self.cleaned_data["pkcs12_path"].strip()
        if path and (not path.startswith("/") or PurePosixPath(path).suffix.lower() not in (".p12", ".pfx")):
            raise forms.ValidationError(_("Nhập đường dẫn tuyệt đối tới tệp .p12 hoặc .pfx trên máy chủ."))
        return path

    def clean(self):
        data = super().clean()
        kind, purpose = data.get("kind"), data.get("purpose")
        if kind == SigningCredential.Kind.PKCS12 and not data.get("pkcs12_path"):
            self.add_error("pkcs12_path", _("Cần đường dẫn tệp PKCS#12."))
        if kind == SigningCredential.Kind.PKCS11:
            if not data.get("pkcs11_module"):
                self.add_error("pkcs11_module", _("Chọn thư viện PKCS#11 của thiết bị."))
            if not data.get("token_label"):
                self.add_error("token_label", _("Cần nhãn của thiết bị ký số."))
        if purpose == SigningCredential.Purpose.PERSONAL and not data.get("holder"):
            self.add_error("holder", _("Chữ ký cá nhân cần chọn người ký."))
        if purpose == SigningCredential.Purpose.AGENCY and data.get("holder"):
            self.add_error("holder", _("Chữ ký của cơ quan không gắn với một người."))
        return data


class TrySignForm(forms.Form):
    secret = forms.CharField(
        label=gettext_lazy("Mã PIN hoặc mật khẩu tệp khóa"),
        max_length=128,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
