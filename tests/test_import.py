import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from hr_system import actions, roster
from hr_system.models import AuditLog, Employee
from hr_system.uploads import UploadRejected

HEADER = "Mã chấm công,Họ và tên,Ngày sinh,Giới tính,Loại,Chức vụ,Mã đơn vị,Ngày bắt đầu\n"
GOOD = "301,Nguyễn Thị Lan,05/06/1990,Nữ,Công chức,Chuyên viên,P-MC-UB,01/09/2015\n"
GOOD2 = "302,Hà Văn Tùng,1988-01-02,Nam,Viên chức,Giáo viên,P-MC-TH,\n"
BAD_ROWS = (
    "301,Lò Văn Trùng,01/01/1990,Nam,Công chức,,P-MC-UB,\n"  # duplicate of row 2
    "303,Tòng Văn Ba,01/01/1990,Nam,Công chức,,KHONG-CO,\n"  # unknown unit
    "304,Sồng A Pó,31/02/1990,Nam,Công chức,,P-MC-UB,\n"  # malformed date
    "30A,Giàng Thị Dợ,01/01/1990,Nữ,Công chức,,P-MC-UB,\n"  # non-digit code
    "1234567890,Mùa A Chứ,01/01/1990,Nam,Công chức,,P-MC-UB,\n"  # too long
    "305,,01/01/1990,Nam,Công chức,,P-MC-UB,\n"  # missing name
)


def csv_bytes(*lines):
    return (HEADER + "".join(lines)).encode()


def test_each_rejected_row_names_its_row_and_reason(cast):
    report = actions.import_employees(acting_user=None, data=csv_bytes(GOOD, GOOD2, BAD_ROWS), filename="ds.csv")
    reasons = {r.row: r.reason for r in report.rejected}
    assert set(reasons) == {4, 5, 6, 7, 8, 9}
    assert "Trùng mã" in reasons[4] and "dòng 2" in reasons[4]
    assert "KHONG-CO" in reasons[5]
    assert "ngày không tồn tại" in reasons[6] and "định dạng" not in reasons[6]
    assert "chữ số" in reasons[7] and "chữ số" in reasons[8]
    assert "họ và tên" in reasons[9]
    assert report.created == 2 and not report.written
    assert not Employee.objects.filter(code__in=["301", "302"]).exists()


def test_valid_rows_written_only_when_chosen(cast):
    report = actions.import_employees(
        acting_user=None, data=csv_bytes(GOOD, GOOD2, BAD_ROWS), filename="ds.csv", import_valid_rows=True
    )
    assert report.written
    assert set(Employee.objects.filter(code__in=["301", "302", "303"]).values_list("code", flat=True)) == {"301", "302"}
    lan = Employee.objects.get(code="301")
    assert (
        lan.full_name == "Nguyễn Thị Lan" and lan.gender == "female" and lan.date_of_birth.isoformat() == "1990-06-05"
    )
    assert AuditLog.objects.filter(action="employees.import").count() == 1


def test_reimport_updates_instead_of_duplicating(cast):
    actions.import_employees(acting_user=None, data=csv_bytes(GOOD), filename="a.csv")
    changed = GOOD.replace("Chuyên viên", "Trưởng phòng")
    report = actions.import_employees(acting_user=None, data=csv_bytes(changed), filename="a.csv")
    assert (report.created, report.updated) == (0, 1)
    assert Employee.objects.get(code="301").job_title == "Trưởng phòng"


def test_xlsx_with_excel_dates(cast):
    wb = Workbook()
    ws = wb.active
    ws.append(["Mã chấm công", "Họ và tên", "Ngày sinh", "Loại", "Mã đơn vị"])
    import datetime as dt

    ws.append([401, "Đinh Thị Thảo", dt.datetime(1992, 3, 4), "Viên chức", "P-MC-TH"])
    buf = io.BytesIO()
    wb.save(buf)
    report = actions.import_employees(acting_user=None, data=buf.getvalue(), filename="ds.xlsx")
    assert report.written and Employee.objects.get(code="401").date_of_birth == dt.date(1992, 3, 4)


def test_missing_required_column_is_a_file_error(cast):
    import pytest

    with pytest.raises(roster.RosterFileError, match="Mã đơn vị"):
        actions.import_employees(acting_user=None, data=b"Ma,Ho va ten\n1,A\n", filename="x.csv")
    with pytest.raises(UploadRejected, match="Không đọc được tệp Excel"):
        actions.import_employees(acting_user=None, data=b"PK\x03\x04garbage", filename="x.xlsx")


def test_hr_import_is_scoped(cast):
    other = "501,Lường Văn Hải,,Nam,Công chức,,X-DK-UB,\n"
    steal = "201,Cầm Văn Đức,,Nam,Công chức,,P-MC-UB,\n"
    report = actions.import_employees(acting_user=cast.hr_a, data=csv_bytes(GOOD, other, steal), filename="x.csv")
    reasons = {r.row: r.reason for r in report.rejected}
    assert "X-DK-UB" in reasons[3]
    assert reasons[4] == actions.CODE_TAKEN
    assert Employee.objects.get(code="201").unit == cast.office_b


def test_a_code_held_elsewhere_is_refused_without_naming_its_holder(cast, login):
    """The import and the API give one answer for a code held by anyone, in scope or
    not, naming no person, unit or place of the holder (cast.emp_b of Đoàn Kết)."""
    steal = "201,Lường Văn Hải,,Nam,Công chức,,P-MC-UB,\n"
    report = actions.import_employees(acting_user=cast.hr_a, data=csv_bytes(GOOD, steal), filename="x.csv")
    reason = next(r.reason for r in report.rejected if r.code == "201")
    client = login(cast.hr_a)
    answers = []
    for code in ("201", "101"):  # Đoàn Kết's employee, then one of Mộc Châu's own
        r = client.post(
            "/api/v1/people/employees",
            {"code": code, "full_name": "Lường Văn Hải", "category": "civil_servant", "unit": "P-MC-UB"},
            content_type="application/json",
        )
        assert r.status_code == 422
        answers.append(r.json())
    assert answers[0] == answers[1]
    assert answers[0]["error"]["fields"]["code"] == [reason]
    for text in (reason, r.content.decode()):
        for leak in ("Cầm Văn Đức", "X-DK", "Đoàn Kết", "đơn vị khác", str(cast.office_b.pk)):
            assert leak not in text


def test_api_import_and_dry_run(cast, login):
    client = login(cast.hr_a)
    upload = SimpleUploadedFile("ds.csv", csv_bytes(GOOD, BAD_ROWS), content_type="text/csv")
    r = client.post("/api/v1/people/employees/import", {"file": upload})
    body = r.json()
    assert r.status_code == 200 and body["written"] is False and len(body["rejected"]) == 6
    assert body["rejected"][0] == {"row": 3, "code": "301", "reason": body["rejected"][0]["reason"]}
    upload = SimpleUploadedFile("ds.csv", csv_bytes(GOOD, BAD_ROWS), content_type="text/csv")
    r = client.post("/api/v1/people/employees/import", {"file": upload, "import_valid_rows": "true"})
    assert r.json()["written"] is True and Employee.objects.filter(code="301").exists()
    bad = SimpleUploadedFile("ds.txt", b"hello", content_type="text/plain")
    r = client.post("/api/v1/people/employees/import", {"file": bad})
    assert r.status_code == 422 and "file" in r.json()["error"]["fields"]


def test_unit_head_cannot_import(cast, login):
    client = login(cast.head_a)
    upload = SimpleUploadedFile("ds.csv", csv_bytes(GOOD), content_type="text/csv")
    assert client.post("/api/v1/people/employees/import", {"file": upload}).status_code == 403


def test_web_import_reports_then_imports_valid_rows(cast, login):
    client = login(cast.hr_a)
    upload = SimpleUploadedFile("ds.csv", csv_bytes(GOOD, BAD_ROWS), content_type="text/csv")
    page = client.post("/employees/import/", {"file": upload}).content.decode()
    assert "CHƯA ghi" in page and "KHONG-CO" in page
    assert not Employee.objects.filter(code="301").exists()
    page = client.post("/employees/import/", {"import_valid_rows": "1"}, follow=True).content.decode()
    assert Employee.objects.filter(code="301").exists()
    assert "Đã nhập" in page


def test_template_download_is_a_readable_roster(cast, login):
    client = login(cast.hr_a)
    r = client.get("/employees/import/template.xlsx")
    rows = roster.read_rows(r.content, "t.xlsx")
    assert rows[0][1]["code"] == "1001"


def test_command_dry_run_writes_nothing(cast, tmp_path, settings):
    path = tmp_path / "ds.csv"
    path.write_bytes(csv_bytes(GOOD))
    out = io.StringIO()
    call_command("import_employees", str(path), "--dry-run", stdout=out)
    assert "created: 1" in out.getvalue() and "Dry run" in out.getvalue()
    assert not Employee.objects.filter(code="301").exists()
    call_command("import_employees", str(path), stdout=out)
    assert Employee.objects.filter(code="301").exists()


def test_command_exit_code_on_rejections(cast, tmp_path):
    """Rejected rows: exit status 2, each rejected row named with its reason, nothing
    written; with --import-valid-rows the good rows are written and the status is 0."""
    path = tmp_path / "ds.csv"
    path.write_bytes(csv_bytes(GOOD, "303,Tòng Văn Ba,01/01/1990,Nam,Công chức,,KHONG-CO,\n"))
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("import_employees", str(path), stdout=out)
    assert exited.value.code == 2
    assert "row 3 [303]" in out.getvalue() and "KHONG-CO" in out.getvalue()
    assert "nothing written" in out.getvalue()
    assert not Employee.objects.filter(code__in=["301", "303"]).exists()

    out = io.StringIO()
    call_command("import_employees", str(path), "--import-valid-rows", stdout=out)  # no SystemExit: status 0
    assert "Written." in out.getvalue()
    assert Employee.objects.filter(code="301").exists() and not Employee.objects.filter(code="303").exists()


def test_command_refuses_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="Không tìm thấy tệp"):
        call_command("import_employees", str(tmp_path / "none.csv"))


# --- the uploaded file between the report and the import (hr_system.uploads) -----------


def _upload(client):
    upload = SimpleUploadedFile("ds.csv", csv_bytes(GOOD, BAD_ROWS), content_type="text/csv")
    return client.post("/employees/import/", {"file": upload})


def test_web_import_leaves_no_file_once_imported_or_cancelled(cast, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    imports = tmp_path / "imports"
    client = login(cast.hr_a)
    page = _upload(client).content.decode()
    assert "Hủy và xóa tệp đã tải lên" in page and len(list(imports.iterdir())) == 1
    client.post("/employees/import/", {"import_valid_rows": "1"})
    assert Employee.objects.filter(code="301").exists()
    assert list(imports.iterdir()) == []

    _upload(client)
    first = list(imports.iterdir())
    _upload(client)  # a new upload replaces the pending one
    assert len(first) == len(list(imports.iterdir())) == 1 and first != list(imports.iterdir())
    page = client.post("/employees/import/", {"cancel": "1"}, follow=True).content.decode()
    assert "Đã hủy lần nhập" in page and list(imports.iterdir()) == []
    page = client.post("/employees/import/", {"import_valid_rows": "1"}, follow=True).content.decode()
    assert "Vui lòng chọn tệp danh sách" in page


def test_a_new_upload_sweeps_files_left_by_abandoned_imports(cast, login, settings, tmp_path):
    import os
    import time

    from hr_system import uploads

    settings.MEDIA_ROOT = tmp_path
    imports = tmp_path / "imports"
    imports.mkdir()
    abandoned, recent = imports / ("a" * 32), imports / ("b" * 32)
    abandoned.write_bytes(csv_bytes(GOOD))
    recent.write_bytes(csv_bytes(GOOD2))
    long_ago = time.time() - uploads.MAX_AGE_SECONDS - 60
    os.utime(abandoned, (long_ago, long_ago))
    _upload(login(cast.hr_a))
    assert not abandoned.exists() and recent.exists()
    assert len(list(imports.iterdir())) == 2


def test_web_import_says_so_when_the_pending_file_was_swept(cast, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login(cast.hr_a)
    _upload(client)
    for path in (tmp_path / "imports").iterdir():
        path.unlink()
    page = client.post("/employees/import/", {"import_valid_rows": "1"}, follow=True).content.decode()
    assert "không còn trên máy chủ" in page and not Employee.objects.filter(code="301").exists()


@pytest.mark.parametrize("text", ["31/02/2026", "29/02/2025", "31-04-2026", "2026-02-30", "01/13/2026"])
def test_a_date_that_does_not_exist_says_so_not_wrong_format(cast, text):
    row = f"306,Lò Văn Dũng,{text},Nam,Công chức,,P-MC-UB,\n"
    [rejected] = actions.import_employees(acting_user=None, data=csv_bytes(row), filename="ds.csv").rejected
    assert "ngày không tồn tại" in rejected.reason and text in rejected.reason
    assert "định dạng" not in rejected.reason


@pytest.mark.parametrize("text", ["31.2.2026x", "2026/02/01", "hôm qua", "1/2/26"])
def test_text_that_is_not_a_date_is_still_a_wrong_format(cast, text):
    row = f"306,Lò Văn Dũng,{text},Nam,Công chức,,P-MC-UB,\n"
    [rejected] = actions.import_employees(acting_user=None, data=csv_bytes(row), filename="ds.csv").rejected
    assert "sai định dạng ngày" in rejected.reason


def test_a_leap_day_and_single_digit_dates_are_read(cast):
    assert roster.parse_date("29/02/2024").isoformat() == "2024-02-29"
    assert roster.parse_date("1.2.2026").isoformat() == "2026-02-01"
    assert roster.parse_date("2026-2-1").isoformat() == "2026-02-01"


def test_a_dry_run_says_what_would_be_added_and_updated_then_what_was(cast, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    actions.import_employees(acting_user=None, data=csv_bytes(GOOD), filename="a.csv")
    client = login(cast.hr_a)
    upload = SimpleUploadedFile("ds.csv", csv_bytes(GOOD.replace("Chuyên viên", "Trưởng phòng"), GOOD2))
    page = client.post("/employees/import/", {"file": upload, "dry_run": "1"}).content.decode()
    assert "sẽ thêm 1, sẽ cập nhật 1" in page and "thêm mới" not in page
    assert not Employee.objects.filter(code="302").exists()
    upload = SimpleUploadedFile("ds.csv", csv_bytes(GOOD2))
    page = client.post("/employees/import/", {"file": upload}, follow=True).content.decode()
    assert Employee.objects.filter(code="302").exists() and "sẽ thêm" not in page
