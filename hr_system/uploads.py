"""Imports from an uploaded file (the roster, the question bank): the file kept between
the report and the import, and the one shape of an import's report.

An import page takes two steps. The upload is checked and reported on (nothing is
written on a dry run or while rows are rejected); the officer then imports the valid
rows or cancels. Meanwhile the file waits under MEDIA_ROOT, named by a random token
kept in the session, so it need not be uploaded again. A roster holds names and dates
of birth, so the file is deleted as soon as the import is done or abandoned: once
written, on cancel, when a new upload replaces it, and, for a page simply left, by a
sweep of files older than MAX_AGE_SECONDS each time a new upload is saved.

Every uploaded file is also held to limits before anything parses it, so no file can
take a worker's memory or time (issue #12): its size (settings.UPLOAD_MAX_MB, checked
before the upload is read), its rows and columns (UPLOAD_MAX_ROWS, UPLOAD_MAX_COLUMNS)
and, for a workbook, what it unzips to. `read_upload`, `xlsx_rows`, `check_text` and
`csv_rows` are the one place these limits live; each refusal is an `UploadRejected`
whose Vietnamese message names the limit.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from django.conf import settings
from django.core.files import File
from django.utils.translation import gettext as _
from openpyxl import load_workbook

MAX_AGE_SECONDS = 3 * 60 * 60
_TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class Rejected:
    """A row left out of an import: the row (of a sheet, or the line of a text file) as
    the author's editor shows it, the reason, and the row's code where it names one."""

    row: int
    reason: str
    code: str = ""


@dataclass
class ImportReport:
    """What an import did, or would do. `total_rows` counts what the file holds (rows of
    a roster; questions and unreadable pieces of a question file); `warnings` are rows
    imported with a note. Each import shapes its own JSON (`as_dict`)."""

    total_rows: int = 0
    created: int = 0
    updated: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[Rejected] = field(default_factory=list)
    written: bool = False
    dry_run: bool = False

    @property
    def valid(self) -> int:
        return self.created + self.updated


class PendingUpload:
    """The one file a session holds for an import page (`folder` under MEDIA_ROOT, also
    naming the session entry), with the filename and options given at upload."""

    def __init__(self, session, folder: str):
        self.session = session
        self.folder = folder
        self.key = f"pending_upload:{folder}"

    @property
    def directory(self) -> Path:
        return Path(settings.MEDIA_ROOT) / self.folder

    @property
    def info(self) -> dict | None:
        """{"filename", and the options given to save()}, or None if nothing is pending."""
        return self.session.get(self.key)

    def _path(self) -> Path | None:
        token = (self.info or {}).get("token", "")
        return self.directory / token if _TOKEN_RE.match(token) else None

    def save(self, data: bytes, filename: str, **options: str) -> None:
        """Keep an uploaded file for the next step, replacing (and deleting) the one
        pending before; files left over by abandoned imports are swept meanwhile."""
        self.discard()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._sweep()
        token = secrets.token_hex(16)
        (self.directory / token).write_bytes(data)
        self.session[self.key] = {**options, "token": token, "filename": filename}

    def read(self) -> bytes | None:
        """The pending file's content; None if nothing is pending or it was swept."""
        path = self._path()
        if path is None:
            return None
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def discard(self) -> None:
        """The import is done or cancelled: forget the file and delete it."""
        path = self._path()
        self.session.pop(self.key, None)
        if path is not None:
            path.unlink(missing_ok=True)

    def _sweep(self) -> None:
        cutoff = time.time() - MAX_AGE_SECONDS
        for path in self.directory.iterdir():
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
            except FileNotFoundError:  # swept by a concurrent upload
                continue


# --- limits every uploaded file is held to ---------------------------------------------

MB = 1024 * 1024
# Excel's own limit on the text of a cell. A longer run of characters anywhere in a
# workbook part is no spreadsheet, and ElementTree would hold it whole.
MAX_TEXT_RUN = 32_767
# A line of a CSV or question file (the csv module refuses fields over 131,072).
MAX_LINE_CHARS = 65_536
# A workbook: at most this many parts, this many times UPLOAD_MAX_MB once unzipped in
# all, and no part above RATIO_GRACE_BYTES unzipping to more than MAX_RATIO times its
# compressed size (Apache POI's zip-bomb default; worksheets compress about 10:1).
MAX_PARTS = 1_000
UNZIPPED_FACTOR = 10
MAX_RATIO = 100
RATIO_GRACE_BYTES = MB
# In read-only mode openpyxl streams a worksheet's rows, but it builds each <row> as one
# element tree before yielding it, and every other part (shared strings, styles, the
# workbook) and whatever a worksheet holds outside its rows as a whole tree. Those trees
# are bounded here, in XML nodes (elements and attributes) and characters; the parts
# other than worksheets also may not unzip to more than UPLOAD_MAX_MB together, and no
# tag, attribute or comment may exceed MAX_TOKEN_BYTES (expat holds one whole).
MAX_ROW_NODES = 65_536
MAX_WHOLE_NODES = 500_000
MAX_WHOLE_CHARS = 10_000_000
MAX_TOKEN_BYTES = MB
# Element names as expat reports them (namespace, space, local name).
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main "
WORKSHEET, DIMENSION, ROW, VALUE, INLINE_STRING = (_NS + n for n in ("worksheet", "dimension", "row", "v", "is"))
_CELL_REF_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_RANGE_END_RE = re.compile(r"^\$?([A-Za-z]{0,3})\$?(\d{0,9})$")
_LINE_RE = re.compile(r"[^\r\n]+")


class UploadRejected(ValueError):
    """A file refused as a whole (too large, over a limit, unreadable). The message says
    why in Vietnamese and names the limit; the API answers `status` with `code`."""

    status = 422
    code = "validation_error"
    summary = "Dữ liệu không hợp lệ."


class FileTooLarge(UploadRejected):
    status = 413
    code = "file_too_large"
    summary = "Tệp quá lớn."


@dataclass(frozen=True)
class Limits:
    bytes: int
    rows: int
    columns: int


def limits() -> Limits:
    """The limits in force (read at each call, so a test may change the settings)."""
    return Limits(settings.UPLOAD_MAX_MB * MB, settings.UPLOAD_MAX_ROWS, settings.UPLOAD_MAX_COLUMNS)


def _n(number: int) -> str:
    return f"{number:,}".replace(",", ".")  # 50.000, as Vietnamese writes it


def _mb(size: int) -> str:
    return f"{size / MB:.1f}".replace(".", ",").removesuffix(",0") + " MB"


def check_size(size: int) -> None:
    limit = limits().bytes
    if size > limit:
        raise FileTooLarge(
            _("Tệp lớn %(size)s, vượt giới hạn %(limit)s cho một tệp tải lên.")
            % {"size": _mb(size), "limit": _mb(limit)}
        )


def read_upload(upload) -> bytes:
    """The content of an uploaded file (a Django UploadedFile, or any File), refused
    before it is read when larger than the limit. Django keeps an upload above
    FILE_UPLOAD_MAX_MEMORY_SIZE in a temporary file, so a refused one never sits in memory."""
    size = getattr(upload, "size", None)
    if size is not None:
        check_size(size)
    data = upload.read(limits().bytes + 1)
    check_size(len(data))
    return data


def read_path(path: Path) -> bytes:
    """A file given on the command line, under the same limit as an upload."""
    with path.open("rb") as handle:
        return read_upload(File(handle, name=path.name))


# --- text files (CSV, Aiken, GIFT) ----------------------------------------------------


def check_text(text: str) -> None:
    """A decoded text file: at most UPLOAD_MAX_ROWS lines of at most MAX_LINE_CHARS, and
    no NUL character (the csv module of Python 3.11 reads it into a value, which
    PostgreSQL then refuses to store)."""
    limit = limits().rows
    nul = text.find("\x00")
    if nul >= 0:
        raise UploadRejected(
            _("Dòng %(line)s chứa ký tự NUL; tệp văn bản phải được lưu với mã hóa UTF-8.")
            % {"line": _n(text.count("\n", 0, nul) + 1)}
        )
    lines = text.count("\n") + text.count("\r") - text.count("\r\n") + (1 if text[-1:] not in ("", "\r", "\n") else 0)
    if lines > limit:
        raise UploadRejected(
            _("Tệp có %(n)s dòng, vượt giới hạn %(limit)s dòng; hãy chia thành nhiều tệp.")
            % {"n": _n(lines), "limit": _n(limit)}
        )
    for match in _LINE_RE.finditer(text):
        if match.end() - match.start() > MAX_LINE_CHARS:
            raise UploadRejected(
                _("Dòng %(line)s dài hơn giới hạn %(limit)s ký tự.")
                % {"line": _n(text.count("\n", 0, match.start()) + 1), "limit": _n(MAX_LINE_CHARS)}
            )


def csv_rows(text: str, delimiter: str) -> Iterator[list[str]]:
    """The rows of a CSV text checked by `check_text`; a row with data beyond
    UPLOAD_MAX_COLUMNS, or a line the csv module cannot read (an unclosed quote that
    swallows the rest of the file into one value), refuses the file."""
    columns = limits().columns
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for row in reader:
            if len(row) > columns and any(value.strip() for value in row[columns:]):
                raise UploadRejected(
                    _("Dòng %(line)s có dữ liệu ở cột thứ %(n)s, vượt giới hạn %(limit)s cột.")
                    % {"line": _n(reader.line_num), "n": _n(len(row)), "limit": _n(columns)}
                )
            yield row
    except csv.Error:
        raise UploadRejected(
            _("Dòng %(line)s của tệp CSV không đúng định dạng (dấu ngoặc kép chưa đóng hoặc ô quá dài).")
            % {"line": _n(reader.line_num)}
        ) from None


# --- workbooks (.xlsx) ------------------------------------------------------------------


def _unreadable(detail: object = "") -> UploadRejected:
    message = _("Không đọc được tệp Excel (.xlsx)")
    return UploadRejected(f"{message}: {detail}" if detail else f"{message}.")


def xlsx_rows(data: bytes, *, first_sheet: bool = False) -> Iterator[tuple]:
    """The rows of a workbook's active (or first) sheet as tuples of values, row 1 first,
    each padded to UPLOAD_MAX_COLUMNS. The workbook passes `check_workbook` before
    openpyxl opens it, and is then read in read-only (streaming) mode within the limits."""
    check_workbook(data)
    limit = limits()
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise _unreadable(exc) from exc
    try:
        sheet = workbook.worksheets[0] if first_sheet else workbook.active
        yield from sheet.iter_rows(max_row=limit.rows, max_col=limit.columns, values_only=True)
    except UploadRejected:
        raise
    except Exception as exc:
        raise _unreadable(exc) from exc
    finally:
        workbook.close()


def check_workbook(data: bytes) -> None:
    """Refuse a workbook that would take more memory or time than its limits allow,
    before openpyxl opens it: its size; what it unzips to, in all and per part
    (compression bombs); and a streaming scan of every part (`_PartScan`). Every
    worksheet is held to the limits, not only the one read: while opening, openpyxl
    reads each one's dimension, and the whole worksheet when it declares none."""
    check_size(len(data))
    limit = limits()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _unreadable(_("tệp không đúng định dạng .xlsx hoặc đã bị hỏng")) from None
    with archive:
        parts = [info for info in archive.infolist() if not info.is_dir()]
        if len(parts) > MAX_PARTS:
            raise _unreadable(_("tệp có hơn %(n)s thành phần") % {"n": _n(MAX_PARTS)})
        unzipped = sum(info.file_size for info in parts)
        if unzipped > UNZIPPED_FACTOR * limit.bytes:
            raise UploadRejected(
                _("Tệp Excel giải nén ra %(size)s, vượt giới hạn %(limit)s.")
                % {"size": _mb(unzipped), "limit": _mb(UNZIPPED_FACTOR * limit.bytes)}
            )
        for info in parts:
            if info.file_size > RATIO_GRACE_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise UploadRejected(
                    _(
                        "Tệp Excel có thành phần nén bất thường (giải nén gấp %(ratio)s lần, giới hạn %(limit)s lần); "
                        "tệp có thể đã bị làm hỏng hoặc độc hại."
                    )
                    % {"ratio": _n(info.file_size // max(info.compress_size, 1)), "limit": _n(MAX_RATIO)}
                )
        budget = _Budget()
        for info in parts:
            sheet = _PartScan(limit, budget).scan(archive, info)
            if not sheet:
                budget.unzipped += info.file_size
                if budget.unzipped > limit.bytes:
                    raise _unreadable(
                        _("phần không phải trang tính giải nén ra quá %(limit)s") % {"limit": _mb(limit.bytes)}
                    )


@dataclass
class _Budget:
    """What openpyxl will hold as whole trees, summed over the parts of one workbook."""

    nodes: int = 0
    chars: int = 0
    unzipped: int = 0

    def add(self, nodes: int = 0, chars: int = 0) -> None:
        self.nodes += nodes
        self.chars += chars
        if self.nodes > MAX_WHOLE_NODES or self.chars > MAX_WHOLE_CHARS:
            raise _unreadable(_("tệp có cấu trúc quá lớn ngoài dữ liệu các dòng"))


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


class _PartScan:
    """One streaming pass of expat over a part of a workbook, holding nothing, that
    refuses what would make openpyxl's trees large: a DOCTYPE (entity expansion), a run
    of text longer than an Excel cell, a row of more than MAX_ROW_NODES nodes, too much
    outside rows. In a worksheet it also refuses a declared dimension beyond the row and
    column limits, and a value in a row or column beyond them (empty, formatted cells
    beyond them are left: openpyxl is asked for no more than the limits). Rows and cells
    are numbered as openpyxl numbers them (their `r`, or one after the previous)."""

    CHUNK = 64 * 1024

    def __init__(self, limit: Limits, budget: _Budget):
        self.limit, self.budget = limit, budget
        self.depth = 0
        self.sheet = False
        self.row_depth = 0  # depth of the open <row>; 0 outside a row
        self.row = self.column = self.valued_rows = 0
        self.row_valued = False
        self.row_nodes = self.row_chars = self.run = 0

    def scan(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
        """Scan one part; True if it is a worksheet (streamed by openpyxl)."""
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.StartDoctypeDeclHandler = self.doctype
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text
        fed = 0
        try:
            with archive.open(info) as stream:
                while chunk := stream.read(self.CHUNK):
                    parser.Parse(chunk, False)
                    fed += len(chunk)
                    # Expat holds an unfinished tag, attribute or comment whole; its
                    # position lags behind what it was fed by that token's length.
                    if fed - max(parser.CurrentByteIndex, 0) > MAX_TOKEN_BYTES:
                        raise _unreadable(_("tệp có một thẻ hoặc chú thích XML dài bất thường"))
                parser.Parse(b"", True)
        except expat.ExpatError:
            pass  # not XML (an image), or broken XML that openpyxl will refuse in turn
        except UploadRejected:
            raise
        except Exception as exc:  # bad CRC, encrypted or unsupported compression
            raise _unreadable(exc) from exc
        return self.sheet

    def doctype(self, *args) -> None:
        raise _unreadable(_("tệp chứa khai báo DOCTYPE"))

    def start(self, name: str, attrs: dict) -> None:
        self.depth += 1
        self.run = 0
        nodes = 1 + len(attrs)
        if self.depth == 1:
            self.sheet = name == WORKSHEET
        if self.row_depth:
            self.row_nodes += nodes
            if self.row_nodes > MAX_ROW_NODES:
                raise _unreadable(_("dòng %(row)s có cấu trúc quá lớn") % {"row": _n(self.row)})
            if self.depth == self.row_depth + 1:  # openpyxl reads every child of a row as a cell
                self.column = self._cell_column(attrs.get("r"))
            elif self.depth == self.row_depth + 2 and (name == VALUE or name == INLINE_STRING):
                self.value()
            return
        if self.sheet and name == ROW:
            self.row_depth = self.depth
            self.row = self._row_number(attrs.get("r"))
            self.column = 0
            self.row_valued = False
            self.row_nodes, self.row_chars = nodes, 0
            return
        self.budget.add(nodes=nodes)
        if self.sheet and name == DIMENSION:
            self.dimension(attrs.get("ref", ""))

    def end(self, name: str) -> None:
        if self.depth == self.row_depth:
            self.row_depth = 0
        self.depth -= 1
        self.run = 0

    def text(self, data: str) -> None:
        size = len(data)
        self.run += size
        if self.run > MAX_TEXT_RUN:
            raise UploadRejected(
                _("Tệp Excel có một ô hoặc đoạn văn bản dài hơn %(limit)s ký tự (giới hạn của Excel).")
                % {"limit": _n(MAX_TEXT_RUN)}
            )
        if self.row_depth:
            self.row_chars += size
            if self.row_chars > self.limit.columns * MAX_TEXT_RUN:
                raise _unreadable(_("dòng %(row)s có cấu trúc quá lớn") % {"row": _n(self.row)})
        else:
            self.budget.add(chars=size)

    def _row_number(self, ref: str | None) -> int:
        try:
            return int(float(ref))  # openpyxl also takes "3.0"
        except (TypeError, ValueError, OverflowError):
            return self.row + 1

    def _cell_column(self, ref: str | None) -> int:
        match = _CELL_REF_RE.match(ref or "")
        return _column_number(match[1]) if match else self.column + 1

    def dimension(self, ref: str) -> None:
        """The declared used range: refused beyond the limits without reading a row."""
        # The range's last cell; LibreOffice writes rows only ("1:49").
        match = _RANGE_END_RE.match(ref.rpartition(":")[2])
        if match is None:
            return  # openpyxl refuses it in turn
        rows = int(match[2]) if match[2] else 0
        columns = _column_number(match[1])
        if rows > self.limit.rows or columns > self.limit.columns:
            raise UploadRejected(
                _(
                    "Trang tính khai báo vùng dữ liệu %(ref)s, vượt giới hạn %(rows)s dòng và %(columns)s cột. "
                    "Hãy xóa các dòng, cột thừa (kể cả chỉ có định dạng) rồi lưu lại."
                )
                % {"ref": ref[:40], "rows": _n(self.limit.rows), "columns": _n(self.limit.columns)}
            )

    def value(self) -> None:
        """A cell of the open row holds a value."""
        if not self.row_valued:
            self.row_valued = True
            self.valued_rows += 1
            if self.row > self.limit.rows:
                raise UploadRejected(
                    _("Trang tính có dữ liệu ở dòng %(row)s, vượt giới hạn %(limit)s dòng; hãy chia thành nhiều tệp.")
                    % {"row": _n(self.row), "limit": _n(self.limit.rows)}
                )
            if self.valued_rows > self.limit.rows:
                raise UploadRejected(
                    _("Trang tính có hơn %(limit)s dòng dữ liệu; hãy chia thành nhiều tệp.")
                    % {"limit": _n(self.limit.rows)}
                )
        if self.column > self.limit.columns:
            raise UploadRejected(
                _("Trang tính có dữ liệu ở cột thứ %(column)s (dòng %(row)s), vượt giới hạn %(limit)s cột.")
                % {"column": _n(self.column), "row": _n(self.row), "limit": _n(self.limit.columns)}
            )
