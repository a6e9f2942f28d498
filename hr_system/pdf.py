"""Official PDF documents: one function renders a template with WeasyPrint.

The base template (templates/pdf/base.html) owns @page and the Decree 30/2020 header;
reports extend it and only fill in blocks. User data is always auto-escaped.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string

SLOT_ATTRIBUTE = "data-signature-slot"
# WeasyPrint lays out in CSS pixels (96 per inch); PDF user space is in points (72 per inch).
PX_TO_PT = 72 / 96

SlotBox = tuple[int, float, float, float, float]


def _html(template_name: str, context: dict):
    from weasyprint import HTML  # imported lazily: it loads Pango at import time

    context = {"parent_agency": settings.ORG_PARENT_NAME, **context}
    if "date_line" not in context and "unit" in context:
        context["date_line"] = context["unit"].date_line()
    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR))


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render `template_name` (which extends pdf/base.html) to PDF bytes."""
    return _html(template_name, context).write_pdf()


def render_pdf_with_slots(template_name: str, context: dict) -> tuple[bytes, dict[str, SlotBox]]:
    """Render like `render_pdf`, and return where each signature slot landed.

    Every element with `data-signature-slot="NAME"` yields NAME -> (page index, x1, y1,
    x2, y2) in PDF points with the origin at the bottom left, taken from WeasyPrint's
    own layout, so a visible signature placed there covers exactly the space the
    template reserved (Decree 30/2020, Appendix I: the signature area under the
    signer's position). A slot split across pages keeps its part on the last page.
    """
    document = _html(template_name, context).render()
    slots: dict[str, SlotBox] = {}
    for index, page in enumerate(document.pages):
        found: dict[str, list[float]] = {}
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            name = element.get(SLOT_ATTRIBUTE) if element is not None else None
            if not name:
                continue
            left, top = box.border_box_x(), box.border_box_y()
            right, bottom = left + box.border_width(), top + box.border_height()
            if name in found:
                edges = found[name]
                found[name] = [min(edges[0], left), min(edges[1], top), max(edges[2], right), max(edges[3], bottom)]
            else:
                found[name] = [left, top, right, bottom]
        for name, (left, top, right, bottom) in found.items():
            slots[name] = (
                index,
                round(left * PX_TO_PT, 2),
                round((page.height - bottom) * PX_TO_PT, 2),
                round(right * PX_TO_PT, 2),
                round((page.height - top) * PX_TO_PT, 2),
            )
    return document.write_pdf(), slots
