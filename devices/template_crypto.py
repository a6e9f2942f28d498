"""Fingerprint templates at rest: Fernet encryption with a rotating key list.

Biometric data is sensitive personal data (Law 91/2025/QH15 on Personal Data
Protection; Decree 356/2025/NĐ-CP), so a template stored centrally is stored encrypted
or not at all. Keys come from `FINGER_TEMPLATE_KEYS` (comma-separated) or
`FINGER_TEMPLATE_KEY_FILE` (one key per line); the first key encrypts, every key
decrypts (MultiFernet), so a new key is put first and `manage.py rotate_template_keys`
re-encrypts the rows before the old key is removed.

No function here logs or raises with template bytes or key material in its message.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class TemplateKeyError(Exception):
    """No usable key, or a template that none of the configured keys decrypts."""


def storing_enabled() -> bool:
    return bool(getattr(settings, "STORE_FINGER_TEMPLATES", False))


def configured_keys() -> list[str]:
    """The key strings, current first. Setting both sources is refused (which one
    would be current would be a guess)."""
    from_env = [k.strip() for k in getattr(settings, "FINGER_TEMPLATE_KEYS", []) or [] if k.strip()]
    path = (getattr(settings, "FINGER_TEMPLATE_KEY_FILE", "") or "").strip()
    if path and from_env:
        raise TemplateKeyError("Đặt FINGER_TEMPLATE_KEYS hoặc FINGER_TEMPLATE_KEY_FILE, không đặt cả hai.")
    if not path:
        return from_env
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateKeyError(f"Không đọc được tệp khóa FINGER_TEMPLATE_KEY_FILE ({type(exc).__name__}).") from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def fernets() -> list[Fernet]:
    """One Fernet per configured key, current first."""
    keys = configured_keys()
    if not keys:
        raise TemplateKeyError(
            "Chưa cấu hình khóa mã hóa mẫu vân tay (FINGER_TEMPLATE_KEYS hoặc FINGER_TEMPLATE_KEY_FILE)."
        )
    found = []
    for number, key in enumerate(keys, start=1):
        try:
            found.append(Fernet(key.encode("ascii")))
        except (ValueError, UnicodeEncodeError):
            # The position only: the value is a secret.
            raise TemplateKeyError(
                f"Khóa mã hóa mẫu vân tay thứ {number} không hợp lệ (không phải khóa Fernet)."
            ) from None
    return found


def cipher() -> MultiFernet:
    return MultiFernet(fernets())


def encrypt(raw: bytes, *, using: MultiFernet | None = None) -> bytes:
    return (using or cipher()).encrypt(bytes(raw))


def decrypt(token: bytes, *, using: MultiFernet | None = None) -> bytes:
    try:
        return (using or cipher()).decrypt(bytes(token))
    except InvalidToken:
        raise TemplateKeyError(
            "Không giải mã được mẫu vân tay: khóa đã cấu hình không khớp (hoặc dữ liệu bị hỏng)."
        ) from None


def reencrypt(token: bytes, *, using: MultiFernet) -> bytes:
    """The same template under the current key (MultiFernet.rotate keeps the timestamp)."""
    try:
        return using.rotate(bytes(token))
    except InvalidToken:
        raise TemplateKeyError("Không giải mã được mẫu vân tay bằng các khóa đã cấu hình.") from None


def under_key(token: bytes, key: Fernet) -> bool:
    """Whether `key` decrypts the token (rotation skips rows already under the current key)."""
    try:
        key.decrypt(bytes(token))
    except InvalidToken:
        return False
    return True


KEY_HINT = (
    'Tạo khóa: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())" '
    "rồi đặt FINGER_TEMPLATE_KEYS=<khóa> hoặc ghi vào tệp FINGER_TEMPLATE_KEY_FILE; hoặc tắt STORE_FINGER_TEMPLATES."
)


def check_template_keys(app_configs=None, **kwargs) -> list:
    """Django system check (runs with `check`, `migrate`, `runserver`): storage on
    without a usable key is an error, so the service is not started meaning to store
    templates it cannot encrypt. Storing itself refuses too (TemplateKeyError)."""
    from django.core.checks import Error

    if not storing_enabled():
        return []
    try:
        fernets()
    except TemplateKeyError as exc:
        return [Error(f"STORE_FINGER_TEMPLATES đang bật nhưng: {exc}", hint=KEY_HINT, id="devices.E001")]
    return []
