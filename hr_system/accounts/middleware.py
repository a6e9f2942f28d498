"""A login whose password was set by someone else (created or reset by HR) must be
given a password of the owner's own before anything else.

Pages redirect to the password-change page (logout and static files still work); API calls on the session answer 403 in the error envelope. API tokens are
unaffected: a token is created by its owner, after the first login. The flag is read
from the database once per session and kept there; a reset by HR changes the password
hash, which ends the session anyway, and the change page clears it.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from hr_system.api_base import error_body
from hr_system.models import AccountState

SESSION_KEY = "_must_change_password"
API_PREFIX = "/api/"
# What a user who must change their password may still reach.
ALLOWED_NAMES = ("password_change", "logout", "login")
ALLOWED_API = ("/api/v1/accounts/password",)


def must_change_password(request) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    flag = request.session.get(SESSION_KEY)
    if flag is None:
        flag = AccountState.objects.filter(user=user, must_change_password=True).exists()
        request.session[SESSION_KEY] = flag
    return flag


def forget(request) -> None:
    """The password was changed: the flag is read again from the database."""
    request.session.pop(SESSION_KEY, None)


class PasswordChangeRequiredMiddleware:
    """After AuthenticationMiddleware (it reads request.user)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.allowed_paths: tuple[str, ...] | None = None

    def _allowed(self) -> tuple[str, ...]:
        if self.allowed_paths is None:
            self.allowed_paths = tuple(reverse(name) for name in ALLOWED_NAMES) + ALLOWED_API
        return self.allowed_paths

    def __call__(self, request):
        path = request.path_info
        if path.startswith("/static/") or path in self._allowed() or not must_change_password(request):
            return self.get_response(request)
        if path.startswith(API_PREFIX):
            body = error_body("password_change_required", _("Bạn phải đổi mật khẩu tạm thời trước khi tiếp tục."))
            return JsonResponse(body, status=403)
        target = reverse("password_change")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)
