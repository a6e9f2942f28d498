"""[R] figure: signing a 300-person timesheet-sized PDF, beyond rendering it.

    .venv/bin/python -m bench.signing

Renders a 300-row, ~10-page table with WeasyPrint (timed apart), then times
`hr_system.signing.sign_pdf` with a visible signature on the last page, once with a
PKCS#12 file and once with a SoftHSM2 token (the PKCS#11 path; a USB token's own
signing takes longer, ~0.1–1 s per signature on the hardware), each the median of
three runs, against the target of ≤ 1 s beyond rendering. The test PKI and token are
throw-away (tests/pki.py). Wall-clock time: run it on an otherwise idle machine.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.common import report, setup_django, timer

ROWS = 300
RUNS = 3


def render_rows() -> bytes:
    from weasyprint import HTML

    rows = "".join(
        f"<tr><td>{i + 1}</td><td>Nguyễn Thị Hương {i + 1}</td><td>Chuyên viên</td>"
        + "".join("<td>x</td>" for _ in range(31))
        + "<td>22</td></tr>"
        for i in range(ROWS)
    )
    html = (
        "<style>@page { size: A4 landscape; margin: 15mm } body { font: 9pt 'DejaVu Sans' }"
        " table { border-collapse: collapse; width: 100% } td { border: 0.5pt solid #000; padding: 1.5pt }</style>"
        f"<h1>BẢNG CHẤM CÔNG</h1><table>{rows}</table><p>Người lập biểu</p>"
    )
    return HTML(string=html).write_pdf()


def median_sign(pdf: bytes, **kwargs) -> float:
    from hr_system.signing import sign_pdf

    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        sign_pdf(pdf, **kwargs)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="hr-bench-signing-"))
    from tests.pki import P12_PASSPHRASE, SoftHsmToken, TestPKI

    pki = TestPKI(work / "pki")
    # Before anything loads the PKCS#11 library (SoftHSM2 reads its configuration once).
    token = SoftHsmToken.create(work / "softhsm", "BENCH", {"signer": pki.signer}, ca_certs=[pki.issuing_ca.cert])
    setup_django()
    from hr_system.models import SigningCredential
    from hr_system.signing import SignerInfo, verify_pdf

    with timer() as rendering:
        pdf = render_rows()
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader

    pages = PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Count"]
    common = {
        "info": SignerInfo(name="Nguyễn Văn Ký", position="Chủ tịch", agency="UBND phường Mộc Châu"),
        "field_name": "signer",
        "box": (-1, 560, 40, 780, 110),
        "tsa_url": "",
    }
    p12 = SigningCredential(kind="pkcs12", label="bench", pkcs12_path=str(pki.pkcs12(pki.signer)))
    hsm = SigningCredential(kind="pkcs11", label="bench", token_label=token.label, key_label="signer")
    median_sign(pdf, credential=p12, secret=P12_PASSPHRASE, **common)  # warm-up: imports, fonts
    p12_s = median_sign(pdf, credential=p12, secret=P12_PASSPHRASE, **common)
    hsm_s = median_sign(pdf, credential=hsm, secret=token.pin, **common)
    from hr_system.signing import sign_pdf

    signed = sign_pdf(pdf, credential=p12, secret=P12_PASSPHRASE, **common)
    with timer() as verifying:
        checks = verify_pdf(signed, roots_dir=pki.roots_dir)
    assert [c.status for c in checks] == ["valid"], checks

    extra = f"{ROWS} rows, {pages} pages, {len(pdf) // 1024} KiB; rendering {rendering['seconds']:.2f} s"
    report("sign 300-row PDF, PKCS#12, beyond rendering", p12_s, "s", "≤ 1 s", p12_s <= 1.0, extra)
    report("sign 300-row PDF, PKCS#11 (SoftHSM2), beyond rendering", hsm_s, "s", "≤ 1 s", hsm_s <= 1.0)
    report("verify the signed PDF (not a target)", verifying["seconds"], "s", "—", True)


if __name__ == "__main__":
    main()
