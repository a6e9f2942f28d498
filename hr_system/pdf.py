"""Official PDF documents: one function renders a template with WeasyPrint.

The base template (templates/pdf/base.html) owns @page and the Decree 30/2020 header;
reports extend it and only fill in blocks. User data is always auto-escaped.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone


def vn_date_line(place: str, day: dt.date | None = None) -> str:
    """'Mộc Châu, ngày 05 tháng 03 năm 2026' — days and months below 10 are zero-padded
    (Decree 30/2020 Phụ lục I)."""
    day = day or timezone.localdate()
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render `template_name` (which extends pdf/base.html) to PDF bytes."""
    from weasyprint import HTML  # imported lazily: it loads Pango at import time

    context = {"parent_agency": settings.ORG_PARENT_NAME, **context}
    context.setdefault("date_line", vn_date_line(context.get("place", "Sơn La")))
    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
