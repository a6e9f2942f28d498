"""render_pdf_with_slots finds where a template reserves its signatures, and a visible
signature signed into that box lands exactly there."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest

from hr_system.pdf import render_pdf, render_pdf_with_slots
from hr_system.signing import SignerInfo, sign_pdf
from tests.pki import P12_PASSPHRASE

MM = 72 / 25.4
A4_WIDTH = 210 * MM
TEMPLATES_DIR = Path(__file__).parent / "templates"


@pytest.fixture
def slot_templates(settings):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEMPLATES_DIR]}]


def _pages(pdf: bytes):
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(BytesIO(pdf))
    return reader, reader.root["/Pages"]["/Count"]


def test_slots_are_found_on_the_last_page_with_their_size(slot_templates):
    pdf, slots = render_pdf_with_slots("signing_test/slots.html", {"signer_name": "Nguyễn Văn Ký"})
    _, count = _pages(pdf)
    assert count == 2
    assert set(slots) == {"signer", "agency"}
    page, x1, y1, x2, y2 = slots["signer"]
    assert page == 1
    assert x2 - x1 == pytest.approx(70 * MM, abs=0.5)
    assert y2 - y1 == pytest.approx(25 * MM, abs=0.5)
    # The signature area is the right-hand column (Decree 30/2020, Appendix I).
    assert x1 > A4_WIDTH / 2 - 20 * MM
    assert 0 < y1 < y2 < 297 * MM


def test_the_agency_slot_overlaps_the_left_third_of_the_signers(slot_templates):
    _, slots = render_pdf_with_slots("signing_test/slots.html", {"signer_name": "Nguyễn Văn Ký"})
    _, sx1, sy1, sx2, _ = slots["signer"]
    _, ax1, ay1, ax2, _ = slots["agency"]
    assert ax1 < sx1 < ax2 < sx2
    assert (ax2 - sx1) / (sx2 - sx1) == pytest.approx(1 / 3, abs=0.05)
    assert ay1 == pytest.approx(sy1, abs=0.01)


def test_rendering_is_the_same_as_render_pdf(slot_templates):
    pdf, _ = render_pdf_with_slots("signing_test/slots.html", {"signer_name": "A"})
    plain = render_pdf("signing_test/slots.html", {"signer_name": "A"})
    assert _pages(pdf)[1] == _pages(plain)[1]
    assert abs(len(pdf) - len(plain)) < 200  # same content; only ids/dates may differ


def test_a_visible_signature_lands_on_the_slot(slot_templates, cast, make_credential):
    pdf, slots = render_pdf_with_slots("signing_test/slots.html", {"signer_name": "Nguyễn Văn Ký"})
    signed = sign_pdf(
        pdf,
        credential=make_credential(cast.commune_a),
        secret=P12_PASSPHRASE,
        info=SignerInfo(name="Nguyễn Văn Ký", position="Chủ tịch", agency="UBND phường Mộc Châu"),
        field_name="signer",
        box=slots["signer"],
    )
    reader, _ = _pages(signed)
    last = reader.root["/Pages"]["/Kids"][1].get_object()
    widgets = [a.get_object() for a in last.get("/Annots", []) if a.get_object().get("/T") == "signer"]
    assert len(widgets) == 1
    rect = [float(v) for v in widgets[0]["/Rect"]]
    assert rect == pytest.approx(list(slots["signer"][1:]), abs=0.01)
    # The appearance is the rendered block placed unscaled at the box's origin, and the
    # block is exactly the box's size with text in it (the signer's name, position, time).
    appearance = widgets[0]["/AP"]["/N"]
    assert b"1 0 0 1 0 0 cm" in appearance.data
    [block] = [x.get_object() for x in appearance["/Resources"]["/XObject"].values()]
    width, height = rect[2] - rect[0], rect[3] - rect[1]
    assert [float(v) for v in block["/BBox"]] == pytest.approx([0, 0, width, height], abs=0.01)
    assert b"BT" in block.data and b"TJ" in block.data
