import datetime as dt
import io

from openpyxl import load_workbook
from pypdf import PdfReader

from hr_system.models import Employee


def add_people(unit, n):
    Employee.objects.bulk_create(
        Employee(
            code=str(5000 + i),
            full_name=f"Nguyễn Thị Hường {i}",
            unit=unit,
            category="public_employee",
            gender="female",
            date_of_birth=dt.date(1990, 1, 1),
        )
        for i in range(n)
    )


def pdf_text(content):
    reader = PdfReader(io.BytesIO(content))
    return reader, "\n".join(p.extract_text() for p in reader.pages)


def test_employee_list_pdf_keeps_diacritics_and_header(cast, login):
    client = login(cast.hr_a)
    r = client.get("/employees/export.pdf?unit=P-MC")
    assert r["Content-Type"] == "application/pdf"
    reader, text = pdf_text(r.content)
    assert len(reader.pages) == 1
    for phrase in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Nguyễn Văn An",
        "Lò Thị Hương",
        "DANH SÁCH",
        "Mộc Châu, ngày",
    ):
        assert phrase in text, phrase
    assert "Cầm Văn Đức" not in text


def test_page_count_grows_and_numbers_start_on_page_two(cast, login):
    add_people(cast.school_a, 120)
    client = login(cast.hr_a)
    reader, text = pdf_text(client.get("/employees/export.pdf?unit=P-MC-TH").content)
    pages = len(reader.pages)
    assert pages >= 4
    # The page number is the only text in the top margin: a line that is just "2".
    lines = [[line.strip() for line in p.extract_text().splitlines()] for p in reader.pages]
    assert "2" in lines[1] and str(pages) in lines[-1]
    assert not any(line.isdigit() for line in lines[0])
    assert "Tổng số: 121 người" in text


def test_pdf_uses_a4_and_serif_font(cast, login):
    client = login(cast.hr_a)
    reader, _ = pdf_text(client.get("/employees/export.pdf?unit=P-MC").content)
    box = reader.pages[0].mediabox
    # landscape A4 in points (297 x 210 mm)
    assert round(float(box.width)) == 842 and round(float(box.height)) == 595
    fonts = set()
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("Serif" in f for f in fonts), fonts


def test_excel_export_matches_list(cast, login):
    client = login(cast.hr_a)
    r = client.get("/employees/export.xlsx?unit=P-MC")
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("STT", "Mã chấm công", "Họ và tên")
    names = {row[2] for row in rows[1:]}
    assert names == {"Nguyễn Văn An", "Lò Thị Hương"}


def test_date_line_takes_the_nearest_place_name_up_the_tree(cast):
    import datetime as dt

    from hr_system.models import OrgUnit

    day = dt.date(2026, 3, 5)
    assert cast.office_a.date_line(day) == "Mộc Châu, ngày 05 tháng 3 năm 2026"
    assert cast.province.date_line(dt.date(2026, 11, 20)) == "Sơn La, ngày 20 tháng 11 năm 2026"
    # Decree 30/2020 Appendix I: months 1 and 2 take a leading zero, later months do not.
    assert cast.province.date_line(dt.date(2026, 2, 9)) == "Sơn La, ngày 09 tháng 02 năm 2026"
    assert cast.province.date_line(dt.date(2026, 10, 1)) == "Sơn La, ngày 01 tháng 10 năm 2026"
    bare = OrgUnit.add(code="X", name="Tỉnh Thử", kind=OrgUnit.Kind.PROVINCE)
    child = OrgUnit.add(code="X-1", name="Xã Một", kind=OrgUnit.Kind.COMMUNE, parent=bare)
    assert child.date_line(day) == "Tỉnh Thử, ngày 05 tháng 3 năm 2026"
