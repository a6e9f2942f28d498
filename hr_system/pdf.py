"""Official PDF documents: one function renders a template with WeasyPrint.

The base template (templates/pdf/base.html) owns @page and the Decree 30/2020 header;
reports extend it and only fill in blocks. User data is always auto-escaped.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render `template_name` (which extends pdf/base.html) to PDF bytes."""
    from weasyprint import HTML  # imported lazily: it loads Pango at import time

    context = {"parent_agency": settings.ORG_PARENT_NAME, **context}
    if "date_line" not in context and "unit" in context:
        context["date_line"] = context["unit"].date_line()
    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
