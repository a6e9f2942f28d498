"""Uploads cannot knock a worker over (issue #12, item 7): every uploaded file, on every
path (roster page, API and command; question bank page and API), is held to a size, a
row and a column limit, and a workbook to what it unzips to, before anything parses it.

The three files of the report are built here: a tiny workbook declaring A1:XFD1048576,
a compression bomb (a worksheet of 1 GB of zeros, about 1 MB zipped, written as a
stream so the test itself stays light), and a 50 MB file. Each is refused with a
Vietnamese message naming the limit, by a child process whose peak resident memory
stays under 200 MB and which finishes in seconds.
"""

from __future__ import annotations

import io
import os
import random
import resource
import string
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from assessments import parsers
from assessments.models import Category, Question
from hr_system import roster, uploads
from hr_system.models import Employee, Role
from hr_system.uploads import UploadRejected
from tests.assessments.test_parsers import AIKEN_GOOD

ROOT = Path(__file__).resolve().parent.parent
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MEGABYTE = 1024 * 1024
PEAK_MB = 200
SECONDS = 20

# The required headers of a roster and of a question file: one sheet serves both.
HEADERS = ["Mã chấm công", "Họ và tên", "Loại", "Mã đơn vị", "Nội dung", "Phương án A", "Phương án B", "Đáp án"]
ROSTER_CSV_HEADER = "Mã chấm công,Họ và tên,Ngày sinh,Giới tính,Loại,Chức vụ,Mã đơn vị,Ngày bắt đầu\n"


# --- building workbooks by hand ---------------------------------------------------------


def _skeleton(archive: zipfile.ZipFile) -> None:
    archive.writestr(
        "[Content_Types].xml",
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    )
    archive.writestr(
        "_rels/.rels",
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/officeDocument"/></Relationships>',
    )
    archive.writestr(
        "xl/workbook.xml",
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Danh sách" sheetId="1" r:id="rId1"/></sheets></workbook>',
    )
    archive.writestr(
        "xl/_rels/workbook.xml.rels",
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/worksheet"/></Relationships>',
    )


def _text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


HEADER_ROW = '<row r="1">' + "".join(_text_cell(f"{chr(65 + i)}1", h) for i, h in enumerate(HEADERS)) + "</row>"


def workbook(rows: str = "", *, dimension: str | None = None, parts: dict[str, str | bytes] | None = None) -> bytes:
    """A workbook whose first sheet holds the header row, then `rows` (sheetData XML)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        _skeleton(archive)
        declared = f'<dimension ref="{dimension}"/>' if dimension else ""
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}">{declared}'
            f"<sheetData>{HEADER_ROW}{rows}</sheetData></worksheet>",
        )
        for name, content in (parts or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def dimension_bomb() -> bytes:
    """1.6 KB: the header row, a dimension of A1:XFD1048576 and a value in XFD1048576.
    Today openpyxl pads every row to 16,384 columns and yields 1,048,574 empty rows."""
    return workbook('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', dimension="A1:XFD1048576")


def write_compression_bomb(path: Path, megabytes: int = 1024) -> None:
    """A worksheet of `megabytes` MB of zeros in one cell (1 GB zips to about 1 MB),
    written a megabyte at a time so building it holds no more than that."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        _skeleton(archive)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>'.encode())
            sheet.write(f'{HEADER_ROW}<row r="2"><c r="A2" t="inlineStr"><is><t>'.encode())
            zeros = b"0" * MEGABYTE
            for _ in range(megabytes):
                sheet.write(zeros)
            sheet.write(b"</t></is></c></row></sheetData></worksheet>")


def write_large_roster(path: Path, megabytes: int = 50) -> None:
    """A well-formed roster CSV of `megabytes` MB (about 700,000 rows)."""
    with path.open("w", encoding="utf-8") as out:
        out.write(ROSTER_CSV_HEADER)
        number = 0
        while out.tell() < megabytes * MEGABYTE:
            lines = [
                f"{100000 + number + i},Nguyễn Văn An {number + i},05/06/1990,Nam,Công chức,Chuyên viên,P-MC-UB,\n"
                for i in range(1000)
            ]
            number += 1000
            out.write("".join(lines))


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    files = {"dimension": folder / "dimension.xlsx", "bomb": folder / "bomb.xlsx", "50mb": folder / "roster.csv"}
    files["dimension"].write_bytes(dimension_bomb())
    write_compression_bomb(files["bomb"])
    write_large_roster(files["50mb"])
    return files


# --- the report's three files, each in a child process whose memory is measured ---------


# Runs a script (argv[1], with its arguments after it) and reports, on exit, the peak
# resident memory of this process's own image. Not the child's rusage (wait4's ru_maxrss):
# Linux carries the forking parent's resident size over exec into it, so under pytest it
# would report pytest's size. VmHWM belongs to the image after exec.
MEASURE = """
import atexit, runpy, sys


def peak():
    with open("/proc/self/status") as status:
        kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(f"\\nVmHWM {kb} kB", file=sys.stderr)


atexit.register(peak)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def run_measured(args: list[str], timeout: float = 60) -> tuple[int, str, float, float]:
    """Run `python args…` through MEASURE; return (exit status, its output, its peak
    resident memory in MB, seconds). The child gets 1 GiB of address space and `timeout`
    seconds, so a regression fails the test instead of exhausting the machine."""

    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (1024 * MEGABYTE, 1024 * MEGABYTE))

    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "hr_system.settings"}
    env.setdefault("SECRET_KEY", "make-test-only-secret-key-not-for-production-0123456789")
    for name in ("UPLOAD_MAX_MB", "UPLOAD_MAX_ROWS", "UPLOAD_MAX_COLUMNS"):
        env.pop(name, None)  # the defaults are what is measured
    with tempfile.TemporaryDirectory() as folder:
        # The command must not reach a real database: a refusal comes before any query.
        env["DATABASE_URL"] = f"sqlite:///{folder}/empty.sqlite3"
        started = time.monotonic()
        try:
            done = subprocess.run(
                [sys.executable, "-c", MEASURE, *args],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout,
                preexec_fn=limit_memory,
            )
        except subprocess.TimeoutExpired as expired:
            output = (expired.stdout or b"") + (expired.stderr or b"")
            return -9, output.decode(errors="replace"), float("inf"), time.monotonic() - started
        seconds = time.monotonic() - started
    output = (done.stdout + done.stderr).decode(errors="replace")
    peaks = [line.split()[1] for line in output.splitlines() if line.startswith("VmHWM ")]
    return done.returncode, output, int(peaks[-1]) / 1024 if peaks else float("inf"), seconds


# What the question bank's page and API do with an upload (hr_system.uploads.read_upload,
# then assessments.parsers.parse), run on a file given on the command line.
BANK_CHILD = """
import sys
from pathlib import Path

import django

django.setup()
from django.core.files import File

from assessments import parsers
from hr_system.uploads import UploadRejected, read_upload

path, fmt = Path(sys.argv[1]), sys.argv[2]
with path.open("rb") as handle:
    try:
        parsers.parse(read_upload(File(handle, name=path.name)), fmt)
    except UploadRejected as exc:
        print(exc)
        sys.exit(3)
print("accepted")
"""

EXPECTED = {  # what the refusal names: the limit passed
    "dimension": ["A1:XFD1048576", "50.000 dòng", "50 cột"],
    "bomb": ["giới hạn 100 MB"],
    "50mb": ["50 MB", "giới hạn 10 MB"],
}


def measured_refusal(kind: str, path: Path, fmt: str, folder: Path) -> tuple[str, float, float]:
    if kind == "roster":  # the import_employees command, as an administrator runs it
        status, output, peak, seconds = run_measured(["manage.py", "import_employees", str(path), "--dry-run"])
        assert status == 1 and "CommandError" in output, output[-2000:]
    else:
        script = folder / "bank_child.py"
        script.write_text(BANK_CHILD, encoding="utf-8")
        status, output, peak, seconds = run_measured([str(script), str(path), fmt])
        assert status == 3, output[-2000:]
    return output, peak, seconds


@pytest.mark.parametrize("kind", ["roster", "bank"])
@pytest.mark.parametrize("name", ["dimension", "bomb", "50mb"])
def test_the_reported_files_are_refused_in_seconds_and_under_200_mb(hostile_files, kind, name, tmp_path):
    fmt = "gift" if name == "50mb" else "xlsx"
    output, peak, seconds = measured_refusal(kind, hostile_files[name], fmt, tmp_path)
    for words in EXPECTED[name]:
        assert words in output, output[-2000:]
    assert peak < PEAK_MB, f"peak {peak:.0f} MB"
    assert seconds < SECONDS, f"{seconds:.1f} s"


# --- the API: 413 over the size limit, 422 over another, in the one error envelope -------


@pytest.fixture
def board(cast):
    """An exam-board member of commune A (a question bank manager) and a category."""
    cast.board_a = get_user_model().objects.create_user("board_upl", password="x")
    Role.objects.create(user=cast.board_a, kind=Role.Kind.EXAM_BOARD, unit=cast.commune_a)
    cast.law_a = Category.objects.create(code="LUAT-UPL", name="Pháp luật", unit=cast.commune_a)
    return cast


def roster_csv(rows: int = 1) -> bytes:
    lines = [f"{700 + i},Lò Thị Lan,05/06/1990,Nữ,Công chức,Chuyên viên,P-MC-UB,\n" for i in range(rows)]
    return (ROSTER_CSV_HEADER + "".join(lines)).encode()


def oversized(name: str) -> SimpleUploadedFile:
    """1.5 MB, for a limit set to 1 MB: large enough to be spooled to a temporary file."""
    return SimpleUploadedFile(name, roster_csv() + b"\n" * (3 * MEGABYTE // 2))


def post_roster(client, name: str, content: bytes):
    return client.post("/api/v1/people/employees/import", {"file": SimpleUploadedFile(name, content)})


def post_questions(client, name: str, content: bytes, fmt: str):
    return client.post("/api/v1/assessments/bank/import", {"file": SimpleUploadedFile(name, content), "format": fmt})


def test_api_refuses_an_oversized_file_with_413_naming_the_limit(board, login, settings):
    settings.UPLOAD_MAX_MB = 1
    for r in (
        login(board.hr_a).post("/api/v1/people/employees/import", {"file": oversized("ds.csv")}),
        login(board.board_a).post("/api/v1/assessments/bank/import", {"file": oversized("de.txt"), "format": "aiken"}),
    ):
        error = r.json()["error"]
        assert r.status_code == 413 and error["code"] == "file_too_large", r.content
        assert "vượt giới hạn 1 MB" in error["fields"]["file"][0]
    assert not Employee.objects.filter(code="700").exists() and not Question.objects.exists()


def test_api_refuses_hostile_workbooks_with_422_in_the_envelope(board, login):
    hr, author = login(board.hr_a), None
    for r in (post_roster(hr, "ds.xlsx", dimension_bomb()), post_roster(hr, "ds.xlsx", small_bomb())):
        assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error", r.content
        assert "giới hạn" in r.json()["error"]["fields"]["file"][0]
    author = login(board.board_a)
    for r in (
        post_questions(author, "de.xlsx", dimension_bomb(), "xlsx"),
        post_questions(author, "de.xlsx", small_bomb(), "xlsx"),
    ):
        assert r.status_code == 422 and "giới hạn" in r.json()["error"]["fields"]["file"][0], r.content


def test_api_refuses_a_text_file_with_a_nul_character(board, login):
    """Python 3.11's csv module reads a NUL into the value; PostgreSQL then refused to
    store it ("A string literal cannot contain NUL characters"), a 500."""
    r = post_roster(login(board.hr_a), "ds.csv", roster_csv().replace(b"Lan", b"L\x00an"))
    assert r.status_code == 422 and "Dòng 2 chứa ký tự NUL" in r.json()["error"]["fields"]["file"][0], r.content
    r = post_questions(login(board.board_a), "de.txt", AIKEN_GOOD.replace("Quốc", "Qu\x00ốc").encode(), "aiken")
    assert r.status_code == 422 and "chứa ký tự NUL" in r.json()["error"]["fields"]["file"][0], r.content
    assert not Employee.objects.filter(code="700").exists() and not Question.objects.exists()


# --- pages: the Vietnamese error, and no file of a refused upload kept -------------------


def test_roster_page_shows_the_limit_and_keeps_no_file_of_a_refused_upload(cast, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    imports = tmp_path / "imports"
    client = login(cast.hr_a)
    bad_row = b"30A,Giang Thi Do,,Nam,Cong chuc,,P-MC-UB,\n"  # a rejected row keeps the file pending
    client.post("/employees/import/", {"file": SimpleUploadedFile("ds.csv", roster_csv() + bad_row)})
    assert len(list(imports.iterdir())) == 1

    settings.UPLOAD_MAX_MB = 1
    page = client.post("/employees/import/", {"file": oversized("ds.csv")}, follow=True).content.decode()
    assert "vượt giới hạn 1 MB" in page and list(imports.iterdir()) == []

    settings.UPLOAD_MAX_MB = 10
    client.post("/employees/import/", {"file": SimpleUploadedFile("ds.csv", roster_csv() + bad_row)})
    page = client.post("/employees/import/", {"file": SimpleUploadedFile("ds.xlsx", small_bomb())}, follow=True)
    assert "nén bất thường" in page.content.decode() and list(imports.iterdir()) == []
    page = client.post("/employees/import/", {"import_valid_rows": "1"}, follow=True).content.decode()
    assert "Vui lòng chọn tệp danh sách" in page and not Employee.objects.filter(code="700").exists()


def test_bank_page_shows_the_limit_and_keeps_no_file_of_a_refused_upload(board, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    pending = tmp_path / "bank-imports"
    client = login(board.board_a)
    options = {"format": "aiken", "category": board.law_a.pk, "difficulty": 2}
    half = AIKEN_GOOD + "Câu thiếu đáp án?\nA. Có\nB. Không\n"  # a rejected item keeps the file pending
    client.post("/bank/import/", {"file": SimpleUploadedFile("de.txt", half.encode()), **options})
    assert len(list(pending.iterdir())) == 1

    settings.UPLOAD_MAX_ROWS = 5
    page = client.post("/bank/import/", {"file": SimpleUploadedFile("de.txt", half.encode()), **options}, follow=True)
    assert "vượt giới hạn 5 dòng" in page.content.decode() and list(pending.iterdir()) == []

    settings.UPLOAD_MAX_ROWS, settings.UPLOAD_MAX_MB = 50_000, 1
    client.post("/bank/import/", {"file": SimpleUploadedFile("de.txt", half.encode()), **options})
    page = client.post("/bank/import/", {"file": oversized("de.txt"), **options}, follow=True).content.decode()
    assert "vượt giới hạn 1 MB" in page and list(pending.iterdir()) == []
    assert not Question.objects.exists()


# --- the command: a non-zero exit with the message --------------------------------------


def test_command_refuses_an_oversized_file_with_the_limit(cast, settings, tmp_path):
    settings.UPLOAD_MAX_MB = 1
    path = tmp_path / "ds.csv"
    path.write_bytes(oversized("ds.csv").read())
    with pytest.raises(CommandError, match="vượt giới hạn 1 MB"):
        call_command("import_employees", str(path), "--dry-run")
    settings.UPLOAD_MAX_MB, settings.UPLOAD_MAX_COLUMNS = 10, 8
    path.write_bytes(roster_csv().replace(b"P-MC-UB,\n", "P-MC-UB,,ghi chú\n".encode()))
    with pytest.raises(CommandError, match="Dòng 2 có dữ liệu ở cột thứ 9, vượt giới hạn 8 cột"):
        call_command("import_employees", str(path), "--dry-run")


# --- the workbook guards, one by one --------------------------------------------------------


def small_bomb() -> bytes:
    """8 MB of zeros zipped to 8 KB: under every size limit, refused by its ratio."""
    return workbook('<row r="2"><c r="A2" t="inlineStr"><is><t>' + "0" * 8 * MEGABYTE + "</t></is></c></row>")


def noise(size: int) -> str:
    """Letters that do not compress much (about 1.6 : 1)."""
    return "".join(random.Random(size).choices(string.ascii_letters, k=size))


def value_rows(first: int, count: int, column: str = "A") -> str:
    return "".join(f'<row r="{n}"><c r="{column}{n}"><v>{n}</v></c></row>' for n in range(first, first + count))


def refusal(data: bytes) -> str:
    with pytest.raises(UploadRejected) as refused:
        list(uploads.xlsx_rows(data))
    return str(refused.value)


def test_a_part_unzipping_far_beyond_its_size_is_refused_before_openpyxl_opens_it():
    assert "nén bất thường" in refusal(small_bomb()) and "giới hạn 100 lần" in refusal(small_bomb())


def test_a_workbook_unzipping_beyond_its_total_is_refused(settings, monkeypatch):
    settings.UPLOAD_MAX_MB = 1
    monkeypatch.setattr(uploads, "UNZIPPED_FACTOR", 2)  # 2 MB unzipped in all
    data = workbook(f'<row r="2"><c r="A2" t="inlineStr"><is><t>{noise(30_000)}</t></is></c></row>' * 80)
    assert len(data) < MEGABYTE and "vượt giới hạn 2 MB" in refusal(data)


def test_a_declared_dimension_beyond_the_limits_is_refused_without_reading_rows():
    message = refusal(workbook(dimension="A1:XFD1048576"))
    assert "A1:XFD1048576" in message and "50.000 dòng" in message and "50 cột" in message
    assert "A1:AX60000" in refusal(workbook(dimension="A1:AX60000"))
    assert [row[:2] for row in uploads.xlsx_rows(workbook(value_rows(2, 1), dimension="A1:AX2"))][1] == (2, None)
    assert (
        len(list(uploads.xlsx_rows(workbook(value_rows(2, 1), dimension="1:2")))) == 2
    )  # LibreOffice's rows-only form


def test_a_value_beyond_the_row_or_column_limit_is_refused(settings):
    settings.UPLOAD_MAX_ROWS, settings.UPLOAD_MAX_COLUMNS = 10, len(HEADERS)
    assert "dòng 11, vượt giới hạn 10 dòng" in refusal(workbook(value_rows(2, 10)))
    assert "dòng 1.048.576" in refusal(workbook(value_rows(1048576, 1)))
    assert "cột thứ 9 (dòng 2), vượt giới hạn 8 cột" in refusal(workbook(value_rows(2, 1, column="I")))
    # Without `r`, rows and cells count on from the previous one, as openpyxl counts them.
    assert "cột thứ 9 (dòng 2)" in refusal(workbook("<row>" + "<c/>" * 8 + "<c><v>1</v></c></row>"))
    # Rows that repeat a number are rows all the same.
    assert "hơn 10 dòng dữ liệu" in refusal(workbook('<row r="2"><c r="A2"><v>1</v></c></row>' * 11))


def test_formatted_empty_cells_beyond_the_limits_are_left_out(settings):
    """Spreadsheet programs write styled empty cells and rows past the data; they are not
    data, so the file is read and openpyxl is asked for no more than the limits."""
    settings.UPLOAD_MAX_ROWS, settings.UPLOAD_MAX_COLUMNS = 10, len(HEADERS)
    styled = '<row r="2"><c r="A2"><v>7</v></c><c r="Z2" s="1"/></row><row r="900" s="1"><c r="A900" s="1"/></row>'
    rows = list(uploads.xlsx_rows(workbook(styled)))
    assert len(rows) == 10 and {len(row) for row in rows} == {8} and rows[1][0] == 7
    assert all(value is None for row in rows[2:] for value in row)


def test_xml_that_would_grow_a_large_tree_is_refused(monkeypatch):
    entity = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'
    doctype = workbook(parts={"xl/extra.xml": f'<?xml version="1.0"?>{entity}<x>&a;</x>'})
    assert "DOCTYPE" in refusal(doctype)
    long_cell = workbook(f'<row r="2"><c r="A2" t="inlineStr"><is><t>{noise(40_000)}</t></is></c></row>')
    assert "32.767 ký tự" in refusal(long_cell)
    long_tag = workbook(f'<row r="2" x="{noise(2 * MEGABYTE)}"><c r="A2"><v>1</v></c></row>')
    assert "thẻ hoặc chú thích XML dài bất thường" in refusal(long_tag)
    wide_row = workbook('<row r="2">' + "<c/>" * (uploads.MAX_ROW_NODES + 1) + "</row>")
    assert "dòng 2 có cấu trúc quá lớn" in refusal(wide_row)
    monkeypatch.setattr(uploads, "MAX_WHOLE_NODES", 1_000)  # what openpyxl holds whole: shared strings…
    strings = workbook(parts={"xl/sharedStrings.xml": f'<sst xmlns="{NS}">' + "<si><t>a</t></si>" * 600 + "</sst>"})
    assert "cấu trúc quá lớn ngoài dữ liệu" in refusal(strings)
    many_parts = workbook(parts={f"xl/media/{n}.bin": b"" for n in range(uploads.MAX_PARTS)})
    assert "thành phần" in refusal(many_parts)


def test_a_workbook_within_the_limits_still_reads():
    rows = list(uploads.xlsx_rows(workbook(value_rows(2, 3), dimension="A1:H4")))
    assert len(rows) == 4 and rows[0][:2] == ("Mã chấm công", "Họ và tên") and rows[3][0] == 4


# --- text files: lines and their length -------------------------------------------------


def test_text_files_are_held_to_the_row_and_line_limits(cast, settings):
    settings.UPLOAD_MAX_ROWS = 10
    with pytest.raises(UploadRejected, match="11 dòng, vượt giới hạn 10 dòng"):
        roster.read_rows(roster_csv(10), "ds.csv")
    assert len(roster.read_rows(roster_csv(9), "ds.csv")) == 9
    settings.UPLOAD_MAX_ROWS = 5
    with pytest.raises(UploadRejected, match="vượt giới hạn 5 dòng"):
        parsers.parse(AIKEN_GOOD.encode(), "aiken")
    settings.UPLOAD_MAX_ROWS = 50_000
    long_line = roster_csv() + b"701," + b"x" * uploads.MAX_LINE_CHARS + b",,Nam,,,P-MC-UB,\n"
    with pytest.raises(UploadRejected, match="Dòng 3 dài hơn giới hạn 65.536 ký tự"):
        roster.read_rows(long_line, "ds.csv")
    unclosed = roster_csv() + b'702,"' + b"y" * 60_000 + b"\n" + b"z" * 60_000 + b"\n" + b"w" * 60_000 + b"\n"
    with pytest.raises(UploadRejected, match="dấu ngoặc kép chưa đóng"):
        roster.read_rows(unclosed, "ds.csv")
