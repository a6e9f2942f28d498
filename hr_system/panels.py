"""What other apps add to the employee page and the dashboard, without hr_system
importing them (the .importlinter rule "hr_system imports no app").

An app registers its functions in its AppConfig.ready() from its own `panels.py`:

    from hr_system import panels
    panels.register_profile_section(attendance_month)   # fn(request, employee) -> Panel | None
    panels.register_dashboard_panel(pending_requests)   # fn(request) -> Panel | None

Each function reads through its app's access helpers, scoped to `request.user`, and
returns None when it has nothing for this viewer. A panel is a template and its context;
the generic "hr/panel.html" lists `items` (Item) with an optional count and link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest

from hr_system.models import Employee


@dataclass
class Item:
    """One line of a panel: what needs doing and where it is done."""

    text: str
    url: str = ""
    count: int | None = None
    level: str = ""  # "", "warn" or "error": the CSS class of the line
    note: str = ""


@dataclass
class Panel:
    title: str
    items: list[Item] = field(default_factory=list)
    empty: str = ""  # said when there are no items
    more_url: str = ""
    more_text: str = ""
    template: str = "hr/panel.html"
    context: dict = field(default_factory=dict)
    order: int = 100
    key: str = ""  # an HTML id for the panel's section


ProfileSection = Callable[[HttpRequest, Employee], "Panel | None"]
DashboardPanel = Callable[[HttpRequest], "Panel | None"]

_profile_sections: list[ProfileSection] = []
_dashboard_panels: list[DashboardPanel] = []


def register_profile_section(fn: ProfileSection) -> ProfileSection:
    """Add a section to the employee detail page (idempotent: ready() may run twice in tests)."""
    if fn not in _profile_sections:
        _profile_sections.append(fn)
    return fn


def register_dashboard_panel(fn: DashboardPanel) -> DashboardPanel:
    """Add a panel to the dashboard (idempotent)."""
    if fn not in _dashboard_panels:
        _dashboard_panels.append(fn)
    return fn


def _collect(functions, *args) -> list[Panel]:
    found = [p for p in (fn(*args) for fn in functions) if p is not None]
    return sorted(found, key=lambda p: p.order)


def profile_sections(request: HttpRequest, employee: Employee) -> list[Panel]:
    """The sections the viewer may see on `employee`'s page, in their order."""
    return _collect(_profile_sections, request, employee)


def dashboard_panels(request: HttpRequest) -> list[Panel]:
    """The panels of the viewer's dashboard, in their order."""
    return _collect(_dashboard_panels, request)
