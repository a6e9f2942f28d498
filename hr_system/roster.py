"""Roster files (.xlsx / .csv): reading, validating and the downloadable template.

Reading and validation are plain functions over rows so they are tested without a
database; `actions.import_employees` does the writing.
"""

from __future__ import annotations

import datetime as dt
import re
from contextlib import closing
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook

from hr_system import spreadsheets, uploads
from hr_system.models import CITIZEN_ID_RE, EMPLOYEE_CODE_RE, Employee
from hr_system.uploads import Rejected

# (field, Vietnamese header shown in the template, required)
COLUMNS: list[tuple[str, str, bool]] = [
    ("code", "Mã chấm công", True),
    ("full_name", "Họ và tên", True),
    ("date_of_birth", "Ngày sinh", False),
    ("citizen_id", "Số định danh cá nhân", False),
    ("gender", "Giới tính", False),
    ("category", "Loại", True),
    ("job_title", "Chức vụ", False),
    ("rank", "Ngạch, bậc", False),
    ("unit", "Mã đơn vị", True),
    ("sector_start", "Ngày vào ngành", False),
    ("unit_start", "Ngày về đơn vị", False),
    ("hardship_years", "Số năm vùng khó khăn", False),
    ("home_commune", "Quê quán (xã)", False),
    ("distance_km", "Khoảng cách (km)", False),
    ("start_date", "Ngày bắt đầu", False),
    ("leave_date", "Ngày nghỉ việc", False),
]
DATE_FIELDS = {"date_of_birth", "sector_start", "unit_start", "start_date", "leave_date"}
HEADER_TO_FIELD = {}
for _f, _h, _r in COLUMNS:
    HEADER_TO_FIELD[_h.lower()] = _f
    HEADER_TO_FIELD[_f] = _f

GENDERS = {
    "nam": "male",
    "male": "male",
    "m": "male",
    "nữ": "female",
    "nu": "female",
    "female": "female",
    "f": "female",
}
CATEGORIES = {}
for value, label in Employee.Category.choices:
    CATEGORIES[value] = value
    CATEGORIES[str(label).lower()] = value
CATEGORIES.update({"hđlđ": "contract_worker", "hdld": "contract_worker", "hợp đồng": "contract_worker"})

_CODE_RE = re.compile(EMPLOYEE_CODE_RE)
_CITIZEN_ID_RE = re.compile(CITIZEN_ID_RE)


class RosterFileError(uploads.UploadRejected):
    """The file as a whole cannot be read (wrong type, no header, missing columns)."""


@dataclass
class Validated:
    """Rows that passed validation, keyed by code, and the rejected ones."""

    rows: list[tuple[int, dict]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def read_rows(data: bytes, filename: str) -> list[tuple[int, dict]]:
    """Return (spreadsheet row number, {field: raw value}) for every non-empty row.

    The file is held to the upload limits first (hr_system.uploads) and read as a
    stream; raises UploadRejected (RosterFileError for what is wrong with a roster)."""
    uploads.check_size(len(data))
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = uploads.xlsx_rows(data)
    elif name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RosterFileError("Tệp CSV phải được lưu với mã hóa UTF-8.") from exc
        uploads.check_text(text)
        sample = text[:2048]
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        rows = uploads.csv_rows(text, delimiter)
    else:
        raise RosterFileError("Chỉ nhận tệp .xlsx hoặc .csv.")
    with closing(rows):
        first = next(rows, None)
        if first is None:
            raise RosterFileError("Tệp không có dữ liệu.")
        header = [str(h).strip().lower() if h is not None else "" for h in first]
        fields = [HEADER_TO_FIELD.get(h) for h in header]
        missing = [h for f, h, required in COLUMNS if required and f not in fields]
        if missing:
            raise RosterFileError("Thiếu cột bắt buộc: " + ", ".join(missing))
        out = []
        for number, raw in enumerate(rows, start=2):
            if all(v is None or str(v).strip() == "" for v in raw):
                continue
            out.append((number, {f: v for f, v in zip(fields, raw, strict=False) if f}))
    return out


DMY_RE = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})$")
YMD_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


class NonexistentDate(ValueError):
    """Written as a date (dd/mm/yyyy) but no such day exists, e.g. 31/02/2026."""


def parse_date(value) -> dt.date | None:
    """A date cell: a spreadsheet date, dd/mm/yyyy (also with "-" or "."), or ISO
    yyyy-mm-dd. ValueError if it is not written as a date; NonexistentDate if it is but
    the day does not exist (31/02, 29/02 of a common year, month 13), so the message can
    say which of the two the officer has to fix."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if match := DMY_RE.match(text):
        day, month, year = int(match[1]), int(match[3]), int(match[4])
    elif match := YMD_RE.match(text):
        year, month, day = (int(g) for g in match.groups())
    else:
        raise ValueError(text)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise NonexistentDate(text) from None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _decimal(value, label: str) -> Decimal | None:
    text = _text(value).replace(",", ".")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"{label} không phải là số: {text}") from exc
    if number < 0:
        raise ValueError(f"{label} không được âm: {text}")
    return number


def _citizen_id(value) -> str | None:
    """The 12-digit citizen-ID number, or None when the cell is empty. A number cell
    lost its leading zeros in the spreadsheet: refused with a hint (the value is never
    echoed back: it is personal data)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = str(int(value)) if float(value).is_integer() else str(value)
        if _CITIZEN_ID_RE.match(text):
            return text
        raise ValueError("Số định danh cá nhân phải gồm đúng 12 chữ số (định dạng ô là Văn bản để giữ số 0 ở đầu)")
    text = "".join(str(value).split())
    if not _CITIZEN_ID_RE.match(text):
        raise ValueError("Số định danh cá nhân phải gồm đúng 12 chữ số")
    return text


def clean_row(raw: dict, unit_ids: dict[str, int]) -> dict:
    """Turn one raw row into Employee field values, or raise ValueError with the reason."""
    code = _text(raw.get("code"))
    if not code:
        raise ValueError("Thiếu mã chấm công")
    if not _CODE_RE.match(code):
        raise ValueError(f"Mã chấm công '{code}' phải gồm 1–9 chữ số")
    full_name = " ".join(_text(raw.get("full_name")).split())
    if not full_name:
        raise ValueError("Thiếu họ và tên")
    unit_code = _text(raw.get("unit"))
    if unit_code not in unit_ids:
        raise ValueError(f"Không có đơn vị mã '{unit_code}' (hoặc ngoài phạm vi quản lý)")
    category_text = _text(raw.get("category")).lower()
    category = CATEGORIES.get(category_text)
    if category is None:
        raise ValueError(f"Loại cán bộ không hợp lệ: '{_text(raw.get('category'))}'")
    gender_text = _text(raw.get("gender")).lower()
    gender = GENDERS.get(gender_text, "") if gender_text else ""
    if gender_text and not gender:
        raise ValueError(f"Giới tính không hợp lệ: '{_text(raw.get('gender'))}'")
    values = {
        "code": code,
        "full_name": full_name,
        "unit_id": unit_ids[unit_code],
        "category": category,
        "gender": gender,
        "job_title": _text(raw.get("job_title")),
        "rank": _text(raw.get("rank")),
        "home_commune": _text(raw.get("home_commune")),
    }
    for name in DATE_FIELDS:
        try:
            values[name] = parse_date(raw.get(name))
        except NonexistentDate as exc:
            label = dict((f, h) for f, h, _ in COLUMNS)[name]
            raise ValueError(f"{label} '{exc}': ngày không tồn tại (ghi theo ngày/tháng/năm)") from None
        except ValueError as exc:
            label = dict((f, h) for f, h, _ in COLUMNS)[name]
            raise ValueError(f"{label} sai định dạng ngày (dd/mm/yyyy): '{exc}'") from None
    values["citizen_id"] = _citizen_id(raw.get("citizen_id"))
    values["hardship_years"] = _decimal(raw.get("hardship_years"), "Số năm vùng khó khăn") or Decimal(0)
    values["distance_km"] = _decimal(raw.get("distance_km"), "Khoảng cách")
    if values["start_date"] and values["leave_date"] and values["leave_date"] < values["start_date"]:
        raise ValueError("Ngày nghỉ việc trước ngày bắt đầu")
    return values


def validate(rows: list[tuple[int, dict]], unit_ids: dict[str, int]) -> Validated:
    """Validate every row; a code appearing twice in the file rejects the later rows."""
    result = Validated()
    seen: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    for number, raw in rows:
        try:
            values = clean_row(raw, unit_ids)
        except ValueError as exc:
            result.rejected.append(Rejected(number, str(exc), code=_text(raw.get("code"))))
            continue
        first = seen.get(values["code"])
        if first is not None:
            result.rejected.append(Rejected(number, f"Trùng mã chấm công với dòng {first}", code=values["code"]))
            continue
        first = seen_ids.get(values["citizen_id"]) if values["citizen_id"] else None
        if first is not None:
            result.rejected.append(
                Rejected(number, f"Trùng số định danh cá nhân với dòng {first}", code=values["code"])
            )
            continue
        seen[values["code"]] = number
        if values["citizen_id"]:
            seen_ids[values["citizen_id"]] = number
        result.rows.append((number, values))
    return result


def template_workbook() -> bytes:
    """The downloadable .xlsx template with one example row."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Danh sách"
    ws.append([h for _, h, _ in COLUMNS])
    ws.append(
        [
            "1001",
            "Nguyễn Văn An",
            "15/03/1985",
            "",
            "Nam",
            "Công chức",
            "Chuyên viên",
            "Chuyên viên, bậc 3",
            "XA-MOCCHAU",
            "01/09/2008",
            "01/07/2025",
            "3",
            "Mộc Sơn",
            "4.5",
            "01/09/2008",
            "",
        ]
    )
    for column in ws.columns:
        ws.column_dimensions[column[0].column_letter].width = 18
    return spreadsheets.to_bytes(wb)
