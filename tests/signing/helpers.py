"""Small PDFs for signing tests."""

from __future__ import annotations


def blank_pdf(pages: int = 1, text: str = "Văn bản kiểm thử") -> bytes:
    from weasyprint import HTML

    body = "".join(f'<p style="page-break-after: always">{text} {i + 1}</p>' for i in range(pages))
    return HTML(string=f"<style>@page {{ size: A4 }}</style>{body}").write_pdf()
