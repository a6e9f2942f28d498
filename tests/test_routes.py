"""The layout may change; the product's addresses may not.

`tests/data/routes_before_layout.json` was written before the apps were restructured
(issue 11): every API operation (with its operationId) and every page URL with its name. Any restructuring
must leave both sets exactly as they were; a new route is added to the file on purpose.
"""

import json
from pathlib import Path

from django.urls import URLResolver, get_resolver

from hr_system.api import api

BEFORE = json.loads((Path(__file__).parent / "data" / "routes_before_layout.json").read_text(encoding="utf-8"))
METHODS = {"get", "post", "put", "patch", "delete"}


def _page_urls(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _page_urls(p.url_patterns, prefix + str(p.pattern))
        else:
            yield f"{prefix}{p.pattern} [{p.name}]"


def test_api_operations_are_unchanged():
    paths = api.get_openapi_schema()["paths"]
    now = sorted(f"{m.upper()} {path}" for path, item in paths.items() for m in item if m in METHODS)
    assert set(now) - set(BEFORE["api_operations"]) == set(), "new API operations"
    assert set(BEFORE["api_operations"]) - set(now) == set(), "API operations lost"
    assert len(now) == len(BEFORE["api_operations"])


def test_operation_ids_are_unchanged():
    """Generated API clients name their methods after operationIds: moving a module must
    not rename them (written from the schema of the commit before the move)."""
    paths = api.get_openapi_schema()["paths"]
    now = {
        f"{m.upper()} {path} {op['operationId']}"
        for path, item in paths.items()
        for m, op in item.items()
        if m in METHODS
    }
    assert now == set(BEFORE["operation_ids"])


def test_page_urls_are_unchanged():
    now = {u for u in _page_urls(get_resolver().url_patterns) if not u.startswith(("admin/", "api/v1/"))}
    assert now - set(BEFORE["page_urls"]) == set(), "new page URLs"
    assert set(BEFORE["page_urls"]) - now == set(), "page URLs lost"
