"""Employee list tables (pandas lives here): plain rows for PDFs, and Excel exports."""

from __future__ import annotations

import pandas as pd

from hr_system import spreadsheets
from hr_system.models import Employee
from hr_system.text import name_sort_key

EMPLOYEE_COLUMNS = {
    "code": "Mã chấm công",
    "full_name": "Họ và tên",
    "date_of_birth": "Ngày sinh",
    "gender": "Giới tính",
    "category": "Loại",
    "job_title": "Chức vụ",
    "rank": "Ngạch, bậc",
    "unit": "Đơn vị",
}


def employee_frame(employees) -> pd.DataFrame:
    """One row per employee with display values, sorted the Vietnamese way (unit, given name).

    The date of birth is `shown_date_of_birth` (hr_system.access.with_shown_birth_dates):
    blank for the people the caller may not see it of — a unit head's or an exam board's
    export has names and posts only (issue 16)."""
    genders = dict(Employee.Gender.choices)
    categories = dict(Employee.Category.choices)
    if "shown_date_of_birth" not in employees.query.annotations:
        raise ValueError("employee exports need access.with_shown_birth_dates()")
    records = list(
        employees.values_list(
            "code",
            "full_name",
            "shown_date_of_birth",
            "gender",
            "category",
            "job_title",
            "rank",
            "unit__name",
            "unit__path",
        )
    )
    frame = pd.DataFrame(records, columns=[*EMPLOYEE_COLUMNS, "unit_path"])
    if frame.empty:
        return frame.drop(columns=["unit_path"])
    frame["gender"] = frame["gender"].map(lambda g: str(genders.get(g, "")))
    frame["category"] = frame["category"].map(lambda c: str(categories.get(c, c)))
    frame["date_of_birth"] = frame["date_of_birth"].map(lambda d: d.strftime("%d/%m/%Y") if d else "")
    frame["given"] = frame["full_name"].map(name_sort_key)
    frame = frame.sort_values(["unit_path", "given", "code"]).drop(columns=["unit_path", "given"])
    return frame.reset_index(drop=True)


def employee_rows(employees) -> list[dict]:
    return employee_frame(employees).to_dict("records")


def frame_to_xlsx(frame: pd.DataFrame, columns: dict[str, str], sheet: str) -> bytes:
    """One sheet: a header row (column names through `columns`) and the frame's rows."""
    wb = spreadsheets.new_workbook(sheet)
    header = [columns.get(c, c) for c in frame.columns]
    spreadsheets.write_table(wb.active, header, frame.itertuples(index=False, name=None))
    return spreadsheets.to_bytes(wb)


def employee_xlsx(employees) -> bytes:
    frame = employee_frame(employees)
    frame.insert(0, "STT", range(1, len(frame) + 1))
    return frame_to_xlsx(frame, EMPLOYEE_COLUMNS, "Danh sách")


REGISTER_COLUMNS = (
    "Loại dữ liệu",
    "Nhạy cảm",
    "Trường dữ liệu",
    "Mục đích",
    "Căn cứ pháp lý",
    "Thời hạn lưu trữ",
    "Số ngày lưu",
    "Ai được xem",
    "Phân hệ",
)


def register_xlsx(entries: list[dict]) -> bytes:
    """The processing register (hr_system.personal_data.declarations) as one sheet."""
    wb = spreadsheets.new_workbook("Sổ đăng ký xử lý DLCN")
    rows = (
        (
            str(e["category"]),
            "Có" if e["sensitive"] else "Không",
            ", ".join(e["fields"]),
            str(e["purpose"]),
            str(e["legal_basis"]),
            str(e["retention"]),
            e["retention_days"],
            str(e["who_can_see"]),
            e["app"],
        )
        for e in entries
    )
    spreadsheets.write_table(wb.active, REGISTER_COLUMNS, rows)
    return spreadsheets.to_bytes(wb)
