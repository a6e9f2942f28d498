"""Password validators whose messages come out in Vietnamese.

Django 5.2 changed the "too short" message's msgid (`%d` instead of
`%(min_length)d`) and Django's Vietnamese catalogue was last updated for 4.0, so the
error showed in English on a Vietnamese page. The message is ours, written in
Vietnamese as every source string of the product is."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return _("Mật khẩu quá ngắn: cần ít nhất %(n)d ký tự.") % {"n": self.min_length}

    def get_help_text(self) -> str:
        return _("Mật khẩu phải có ít nhất %(n)d ký tự.") % {"n": self.min_length}
