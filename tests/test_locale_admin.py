"""The Django admin speaks Vietnamese too (issue 14 item 7): every model registered there,
ours and the third-party ones, under a Vietnamese name, and every app heading."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.utils import translation

ENGLISH_WORD = re.compile(r"\b(access|attempts?|logs?|token|run|command|template|day|request|rule|lock|result)s?\b")


def _names(model) -> list[str]:
    meta = model._meta
    return [str(meta.verbose_name), str(meta.verbose_name_plural), str(meta.app_config.verbose_name)]


def _cases():
    for model in admin.site._registry:
        key = f"{model._meta.app_label}.{model.__name__}"
        yield pytest.param(model, id=key)


@pytest.mark.parametrize("model", list(_cases()))
def test_every_admin_model_has_a_vietnamese_name(model):
    with translation.override("vi"):
        for name in _names(model):
            # Vietnamese names carry diacritics; English ones do not, and use English words.
            assert re.search(r"[^\x00-\x7f]", name) and not ENGLISH_WORD.search(name.lower()), name


def test_the_admin_index_is_in_vietnamese(cast, login):
    html = login(cast.admin).get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Khóa đăng nhập" in html and "Lần đăng nhập thất bại" in html
    assert "Khóa truy cập API" in html and "Nhật ký thao tác" in html and "Lần đồng bộ" in html
    assert "Access attempts" not in html and "Api tokens" not in html and "Site administration" not in html


def test_the_compiled_catalogue_matches_its_source():
    """locale/vi/LC_MESSAGES/django.mo is committed: rebuilt (`manage.py compilemessages`)
    whenever django.po changes."""
    import gettext

    from django.conf import settings

    folder = settings.BASE_DIR / "locale" / "vi" / "LC_MESSAGES"
    source = dict(re.findall(r'^msgid "(.+)"\nmsgstr "(.*)"$', (folder / "django.po").read_text(), re.MULTILINE))
    with open(folder / "django.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)._catalog
    assert source and {k: v for k, v in compiled.items() if k} == source
