"""Question files: the Aiken, GIFT and Excel readers, and the Excel template.

Plain functions over text or bytes returning ``(items, errors)``, with no ORM and no
database inside, so every syntax rule is table-tested. An error is ``(line, reason)``:
the line (or spreadsheet row) the author should look at, and a Vietnamese reason.
The Aiken and GIFT rules follow Moodle's importers as described in
shared/reference/exam-anchors.md §4.1–4.2; where we are stricter the comment says why.
Writing the parsed items into the bank is `assessments.bank.import_items`.

Option weights (issue 15: GIFT ``~%50%``, the template's Trọng số column) are kept as
``options[i]["weight"]`` in percent and checked here (`weight_problem`); which exams use
them is the scoring module's business.
"""

from __future__ import annotations

import re
import unicodedata
from contextlib import closing
from dataclasses import dataclass, field
from html.parser import HTMLParser

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from hr_system import spreadsheets
from hr_system.templatetags.numbers import vn_number
from hr_system.uploads import UploadRejected, check_size, check_text, xlsx_rows

# The question kinds, as QuestionVersion.Kind stores them (a test keeps the two equal).
SINGLE, MULTIPLE, TRUE_FALSE = "single", "multiple", "true_false"
KIND_NAMES = {SINGLE: "Một đáp án đúng", MULTIPLE: "Nhiều đáp án đúng", TRUE_FALSE: "Đúng/Sai"}

# The question form and the Excel template have six option slots (A–F); an imported
# item with more could not be edited without losing options, so it is rejected.
MAX_OPTIONS = 6
LETTERS = "ABCDEF"
FORMATS = ("aiken", "gift", "xlsx")
TRUE_TEXT, FALSE_TEXT = "Đúng", "Sai"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class BankFileError(UploadRejected):
    """The file as a whole cannot be read (encoding, not a workbook, missing columns)."""


@dataclass
class Item:
    """One parsed question, not yet in the database."""

    kind: str
    text: str
    options: list[dict]
    line: int
    category_code: str | None = None
    difficulty: int | None = None
    tags: list[str] = field(default_factory=list)
    title: str = ""


Error = tuple[int, str]


def nfc(text: str) -> str:
    # Government documents use precomposed Unicode (TCVN 6909:2001, Decision
    # 72/2002/QĐ-TTg); text typed with a decomposing keyboard would otherwise not match
    # the same words in searches and duplicate checks.
    return unicodedata.normalize("NFC", text)


def _lines(text: str) -> list[str]:
    # Not str.splitlines(): it also splits on \x0b, \x1c, U+2028…, which would shift
    # our line numbers away from what the author's editor shows.
    return re.split(r"\r\n|\r|\n", nfc(text.removeprefix("\ufeff")))


def numbered_options(texts: list[str], correct: set[int], weights: list[float] | None = None) -> list[dict]:
    """Options with ids a, b, c…; with `weights` (percent, one per option) each option
    also keeps its "weight" (QuestionVersion.options)."""
    options = [{"id": chr(ord("a") + i), "text": t, "correct": i in correct} for i, t in enumerate(texts)]
    if weights is not None:
        for option, weight in zip(options, weights, strict=True):
            option["weight"] = weight
    return options


# --- option weights (partial credit, issue 15) ---------------------------------------

# The positive weights of a multiple-answer question must make the whole mark; ±0.01
# percentage point lets authors write thirds as 33.33 or 33.333 (Moodle's own form
# rounds the sum to two decimals before comparing it with 100 %).
WEIGHT_TOLERANCE = 0.01


def parse_weight(value) -> float:
    """A weight in percent from a file cell, a form field or the API: 50, "50", "33,33",
    "-100 %"; ValueError (in Vietnamese) if it is not a number in -100..100."""
    if isinstance(value, bool):
        raise ValueError(f"Trọng số “{value}” không phải là số.")
    if isinstance(value, int | float):
        weight = float(value)
    else:
        text = nfc(str(value)).strip().removesuffix("%").strip().replace("−", "-").replace(",", ".")
        try:
            weight = float(text)
        except ValueError:
            raise ValueError(f"Trọng số “{_short(str(value))}” không phải là số.") from None
    if weight != weight or not -100 <= weight <= 100:  # NaN, or out of range
        raise ValueError(f"Trọng số {vn_number(weight)}% phải nằm trong khoảng -100% đến 100%.")
    return round(weight, 5) + 0.0


def weight_problem(kind: str, weights: list[float]) -> str | None:
    """Why these option weights (percent, one per option) do not fit the kind, or None.

    A multiple-answer question: the positive weights sum to 100 % (± WEIGHT_TOLERANCE).
    A single-answer or true/false question: exactly one option weighs 100 % and the
    others at most 0 (a negative weight is a penalty; partial credit for a "nearly
    right" single answer is refused, as before issue 15).
    """
    if any(not -100 <= w <= 100 for w in weights):
        return "Trọng số phải nằm trong khoảng -100% đến 100%."
    positive = [w for w in weights if w > 0]
    if kind == MULTIPLE:
        total = sum(positive)
        if abs(round(total - 100, 6)) > WEIGHT_TOLERANCE:
            return f"Tổng trọng số các phương án đúng là {vn_number(total, 3)}%; câu nhiều đáp án cần tổng bằng 100%."
        return None
    if len(positive) != 1 or positive[0] != 100:
        return "Không hỗ trợ điểm từng phần (%n%) trong câu một đáp án: phương án đúng phải có trọng số 100%."
    return None


def describe_weights(options: list[dict]) -> str:
    """ "A 50%, B 50%, C -100%": the weighted options by letter, for import reports."""
    return ", ".join(
        f"{LETTERS[i] if i < len(LETTERS) else o['id']} {vn_number(o['weight'])}%"
        for i, o in enumerate(options)
        if o.get("weight")
    )


# --- GIFT text markers -----------------------------------------------------------------


class _TextOnly(HTMLParser):
    """Author HTML reduced to its text: tags dropped, entities decoded, the contents of
    script and style dropped, and line-breaking tags turned into line breaks. Our pages
    show question text as escaped plain text; no author markup ever reaches a page."""

    BREAKS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}
    HIDDEN = {"script", "style"}

    def __init__(self, newline: str):
        super().__init__(convert_charrefs=True)
        self.newline, self.parts, self.hidden = newline, [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BREAKS:
            self.parts.append(self.newline)

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BREAKS and tag != "br":
            self.parts.append(self.newline)

    def handle_startendtag(self, tag, attrs):
        if tag in self.BREAKS:
            self.parts.append(self.newline)

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def html_to_text(markup: str, newline: str = "\n") -> str:
    parser = _TextOnly(newline)
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- Aiken -------------------------------------------------------------------------

AIKEN_OPTION_RE = re.compile(r"^([A-Z])[).][ \t]?")
AIKEN_ANSWER = "ANSWER:"
# What authors type instead of ANSWER: — caught so the reason can say what is wrong.
AIKEN_LOOSE_ANSWER_RE = re.compile(r"^(answer|đáp án|dap an)\s*:", re.IGNORECASE)


@dataclass
class _Pending:
    line: int
    text: str
    options: list[str] = field(default_factory=list)


def parse_aiken(text: str) -> tuple[list[Item], list[Error]]:
    """Aiken: one line of question text, option lines ``A. …``/``B) …``, then ``ANSWER: B``.

    A line that is neither an option nor ANSWER starts a new question, so a question
    still waiting for its ANSWER is discarded with an error at its own line. After an
    error inside a question its remaining option/ANSWER lines are skipped silently.
    """
    items: list[Item] = []
    errors: list[Error] = []
    pending: _Pending | None = None
    skipping = False  # inside a question already rejected

    def reject(line: int, reason: str) -> None:
        nonlocal pending, skipping
        errors.append((line, reason))
        pending, skipping = None, True

    for number, raw in enumerate(_lines(text), start=1):
        line = raw.strip()
        if len(line) < 2:
            continue
        option = AIKEN_OPTION_RE.match(line)
        if option:
            if pending is None:
                if not skipping:
                    reject(number, f"Phương án “{_short(line)}” không thuộc câu hỏi nào (thiếu dòng nội dung câu hỏi).")
                continue
            # Moodle ignores the letter and counts positions; we insist they agree, or
            # "ANSWER: C" could silently point at a different option than the author meant.
            expected = LETTERS[len(pending.options)] if len(pending.options) < MAX_OPTIONS else None
            if expected is None:
                reject(number, f"Câu hỏi có quá {MAX_OPTIONS} phương án (tối đa A–F).")
            elif option[1] != expected:
                reject(number, f"Phương án “{option[1]}” sai thứ tự: phương án tiếp theo phải là “{expected}”.")
            elif not line[2:].strip():
                reject(number, f"Phương án {expected} không có nội dung.")
            else:
                pending.options.append(line[2:].strip())
            continue
        if line.startswith(AIKEN_ANSWER):
            if pending is None:
                if not skipping:
                    reject(number, "Dòng “ANSWER:” không thuộc câu hỏi nào.")
                continue
            answer = line[len(AIKEN_ANSWER) :].strip()
            letter = answer[:1]
            count = len(pending.options)
            if count < 2:
                reject(pending.line, f"Câu hỏi chỉ có {count} phương án; cần ít nhất 2 phương án.")
            elif not letter:
                reject(number, "Dòng “ANSWER:” thiếu chữ cái của đáp án đúng.")
            elif answer[1:] not in ("", ".", ")"):
                reject(number, f"“{_short(line)}”: định dạng Aiken chỉ có đúng một đáp án, ví dụ “ANSWER: B”.")
            elif not ("A" <= letter <= LETTERS[count - 1]):
                reject(number, f"Đáp án “{letter}” không có trong các phương án (A–{LETTERS[count - 1]}).")
            else:
                index = ord(letter) - ord("A")
                items.append(Item(SINGLE, pending.text, numbered_options(pending.options, {index}), pending.line))
                pending, skipping = None, False
            continue
        if AIKEN_LOOSE_ANSWER_RE.match(line):
            if pending is not None or not skipping:
                reject(
                    number, f"“{_short(line)}”: dòng đáp án phải viết đúng “ANSWER:” (chữ in hoa, liền dấu hai chấm)."
                )
            continue
        if pending is not None:
            errors.append((pending.line, "Câu hỏi chưa hoàn chỉnh (thiếu dòng “ANSWER:”) nên bị bỏ qua."))
        pending, skipping = _Pending(number, line), False
    if pending is not None:
        errors.append((pending.line, "Câu hỏi chưa hoàn chỉnh (thiếu dòng “ANSWER:”) nên bị bỏ qua."))
    errors.sort(key=lambda e: e[0])
    return items, errors


# --- GIFT --------------------------------------------------------------------------

# Escaped characters become private-use code points while parsing, so the structural
# characters left in the text are exactly the unescaped ones.
_ESCAPED = {"~": "\ue000", "=": "\ue001", "#": "\ue002", "{": "\ue003", "}": "\ue004", ":": "\ue005"}
_NEWLINE, _BACKSLASH = "\ue006", "\ue007"
_ESCAPE_RE = re.compile(r"\\([~=#{}:n\\])")
_UNPROTECT = str.maketrans({v: k for k, v in _ESCAPED.items()} | {_BACKSLASH: "\\"})
# The reference quotes Moodle's weight pattern with 1–2 digits but its own examples use
# %-100%; we accept up to three digits and check the range ourselves.
_WEIGHT_RE = re.compile(r"^\s*%(-?\d{1,3}(?:\.\d*)?)%")
_FORMAT_RE = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
_TRUE_FALSE_RE = re.compile(r"^(T|TRUE|F|FALSE)\s*(#.*)?$", re.IGNORECASE | re.DOTALL)


def _protect(line: str) -> str:
    def sub(m: re.Match) -> str:
        char = m[1]
        return _NEWLINE if char == "n" else _BACKSLASH if char == "\\" else _ESCAPED[char]

    return _ESCAPE_RE.sub(sub, line)


def _gift_text(raw: str) -> str:
    """Unescape and tidy: source line breaks are wrapping; only ``\\n`` is a new line."""
    text = " ".join(raw.split()).translate(_UNPROTECT)
    return re.sub(r" *\ue006 *", "\n", text).strip()


def _marked_text(raw: str) -> str:
    """Question or option text with GIFT's leading format marker recognised: ``[html]``
    text is reduced to plain text (html_to_text), ``[moodle]``, ``[plain]`` and
    ``[markdown]`` are dropped and the text kept as written (shown escaped)."""
    marker = _FORMAT_RE.match(raw)
    if not marker:
        return _gift_text(raw)
    raw = raw[marker.end() :]
    if marker[1].lower() == "html":
        raw = html_to_text(raw, _NEWLINE)
    return _gift_text(raw)


class _GiftError(ValueError):
    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line


def parse_gift(text: str) -> tuple[list[Item], list[Error]]:
    """GIFT, limited to what our bank holds: single choice (``=`` right, ``~`` wrong),
    multiple answers (only ``~`` with ``%n%`` weights; a positive weight is a correct
    option) and true/false. Every other GIFT type is rejected, naming it. Weights are
    kept on the options (`_gift_choice`); ``[html]``, ``[moodle]``, ``[plain]`` and
    ``[markdown]`` at the start of question or option text are recognised
    (`_marked_text`); feedback, with or without a marker, is dropped.

    Questions are separated by blank lines; ``//`` lines are comments; ``$CATEGORY:``
    sets the category code for the questions after it (its last path segment).
    """
    blocks: list[list[tuple[int, str]]] = []
    block: list[tuple[int, str]] = []
    for number, raw in enumerate(_lines(text), start=1):
        stripped = raw.strip()
        if stripped.startswith("//"):
            continue
        if not stripped:
            if block:
                blocks.append(block)
                block = []
            continue
        block.append((number, _protect(raw.rstrip())))
    if block:
        blocks.append(block)

    items: list[Item] = []
    errors: list[Error] = []
    category_code: str | None = None
    for block in blocks:
        if block[0][1].lstrip().startswith("$CATEGORY:"):
            line = re.sub(r"\s+//.*$", "", block[0][1].strip())  # a trailing // comment
            path = _gift_text(line[len("$CATEGORY:") :])
            segments = [s.strip() for s in path.split("/") if s.strip()]
            category_code = segments[-1] if segments else None
            block = block[1:]
            if not block:
                continue
        try:
            item = _gift_question(block)
        except _GiftError as exc:
            errors.append((exc.line, str(exc)))
            continue
        item.category_code = category_code
        items.append(item)
    errors.sort(key=lambda e: e[0])
    return items, errors


def _gift_question(block: list[tuple[int, str]]) -> Item:
    first = block[0][0]
    source = "\n".join(content for _, content in block)
    starts: list[tuple[int, int]] = []  # (offset where the line starts, line number)
    offset = 0
    for number, content in block:
        starts.append((offset, number))
        offset += len(content) + 1

    def line_at(position: int) -> int:
        return [n for start, n in starts if start <= position][-1]

    title = ""
    rest_start = 0
    if source.lstrip().startswith("::"):
        opening = source.index("::")
        closing = source.find("::", opening + 2)
        if closing < 0:
            raise _GiftError(first, "Tiêu đề “::…::” chưa có dấu “::” đóng.")
        title = _gift_text(source[opening + 2 : closing])
        rest_start = closing + 2

    depth, open_at, close_at = 0, None, None
    for position in range(rest_start, len(source)):
        char = source[position]
        if char == "{":
            if depth:
                raise _GiftError(line_at(position), "Dấu “{” lồng trong “{…}”: nếu là chữ thường hãy viết “\\{”.")
            if open_at is not None:
                raise _GiftError(
                    line_at(position),
                    "Có nhiều hơn một cặp “{…}”: các câu hỏi phải cách nhau bằng một dòng trống.",
                )
            depth, open_at = 1, position
        elif char == "}":
            if not depth:
                raise _GiftError(line_at(position), "Dấu “}” không có dấu “{” mở tương ứng (ngoặc không cân đối).")
            depth, close_at = 0, position
    if depth:
        raise _GiftError(line_at(open_at), "Dấu “{” chưa được đóng bằng “}” (ngoặc không cân đối).")
    if open_at is None:
        raise _GiftError(first, "Loại câu hỏi “mô tả” (không có phần đáp án {…}) không được hỗ trợ.")

    stem, tail = source[rest_start:open_at], source[close_at + 1 :]
    answers = source[open_at + 1 : close_at].split("####", 1)[0]  # general feedback dropped
    kind_name = None
    if not answers.strip():
        kind_name = "tự luận (essay, “{}” rỗng)"
    elif answers.strip().startswith("#"):
        kind_name = "số (numerical, “{#…}”)"
    elif "~" not in answers and "=" in answers and "->" in answers:
        kind_name = "ghép đôi (matching, “=… -> …”)"
    elif "~" not in answers and not _TRUE_FALSE_RE.match(answers.strip()):
        kind_name = "trả lời ngắn (short answer)"
    if kind_name:
        raise _GiftError(
            first, f"Loại câu hỏi {kind_name} không được hỗ trợ; chỉ nhận câu chọn một, chọn nhiều và đúng/sai."
        )
    if tail.strip():
        raise _GiftError(
            line_at(close_at),
            "Có nội dung sau dấu “}” (câu điền khuyết, missing word) — không được hỗ trợ; hãy đặt {…} ở cuối câu hỏi.",
        )

    question_text = _marked_text(stem) or title
    if not question_text:
        raise _GiftError(first, "Thiếu nội dung câu hỏi.")

    true_false = _TRUE_FALSE_RE.match(answers.strip())
    if true_false and "~" not in answers:
        is_true = true_false[1].upper() in ("T", "TRUE")
        return Item(
            TRUE_FALSE,
            question_text,
            numbered_options([TRUE_TEXT, FALSE_TEXT], {0 if is_true else 1}),
            first,
            title=title,
        )
    return _gift_choice(answers, question_text, title, line_at(open_at), first)


def _gift_choice(answers: str, question_text: str, title: str, line: int, first: int) -> Item:
    """Choice questions, as Moodle's GIFT reader decides them: with an ``=`` it is
    single-answer, with only ``~`` multiple-answer (Moodle: "multiple answers are
    enabled if no single answer is 100% correct").

    Weights (``~%50%``, ``~%-100%``; ``=`` is 100 %) are kept per option: an exam
    scored "partial credit" uses them, an all-or-nothing exam uses only the correct
    flags (the import report warns, bank.import_items). Without any ``%n%`` the options
    carry no weight at all, as before issue 15.
    """
    parts = re.split(r"([=~])", answers)
    if parts[0].strip():
        raise _GiftError(
            line, f"Có nội dung “{_short(_gift_text(parts[0]))}” trước phương án đầu tiên (thiếu “=” hoặc “~”)."
        )
    parsed: list[tuple[str, float | None, str]] = []  # (marker, weight, text)
    for marker, body in zip(parts[1::2], parts[2::2], strict=True):
        weight = None
        match = _WEIGHT_RE.match(body)
        if match:
            weight = float(match[1])
            if not -100 <= weight <= 100:
                raise _GiftError(line, f"Trọng số “%{match[1]}%” phải nằm trong khoảng -100% đến 100%.")
            body = body[match.end() :]
        answer_text = _marked_text(body.split("#", 1)[0])  # per-answer feedback dropped
        if not answer_text:
            raise _GiftError(line, f"Có phương án “{marker}” không có nội dung.")
        parsed.append((marker, weight, answer_text))
    if len(parsed) < 2:
        raise _GiftError(first, f"Câu trắc nghiệm chỉ có {len(parsed)} phương án; cần ít nhất 2 phương án.")
    if len(parsed) > MAX_OPTIONS:
        raise _GiftError(first, f"Câu hỏi có {len(parsed)} phương án; tối đa {MAX_OPTIONS}.")
    texts = [t for _, _, t in parsed]
    if len(set(texts)) != len(texts):
        raise _GiftError(first, "Có hai phương án trùng nội dung.")
    weighted = any(w is not None for _, w, _ in parsed)
    weights = [(100.0 if m == "=" else 0.0) if w is None else w for m, w, _ in parsed]

    if any(m == "=" for m, _, _ in parsed):
        correct = {i for i, (m, _, _) in enumerate(parsed) if m == "="}
        if len(correct) > 1:
            raise _GiftError(first, "Câu một đáp án có nhiều hơn một dấu “=”; câu nhiều đáp án dùng “~%n%”.")
        problem = weight_problem(SINGLE, weights)
        if problem:
            raise _GiftError(first, problem)
        return Item(
            SINGLE, question_text, numbered_options(texts, correct, weights if weighted else None), first, title=title
        )
    correct = {i for i, w in enumerate(weights) if w > 0}
    if not correct:
        raise _GiftError(
            first, "Câu nhiều đáp án (chỉ dùng “~”) cần ít nhất một phương án có trọng số dương, ví dụ “~%50%”."
        )
    problem = weight_problem(MULTIPLE, weights)
    if problem:
        raise _GiftError(first, problem)
    return Item(MULTIPLE, question_text, numbered_options(texts, correct, weights), first, title=title)


# --- Excel -------------------------------------------------------------------------

# (key, header in the template, required)
XLSX_COLUMNS: list[tuple[str, str, bool]] = [
    ("category", "Chủ đề", False),
    ("difficulty", "Mức độ", False),
    ("kind", "Loại", False),
    ("text", "Nội dung", True),
    *[(letter, f"Phương án {letter}", letter in "AB") for letter in LETTERS],
    ("answer", "Đáp án", True),
    ("weights", "Trọng số (%)", False),
    ("tags", "Thẻ", False),
]
# "A: 50; B: 50; C: -100" (or A=50). Pairs are separated by ";" or a line break, never
# by "," which is the Vietnamese decimal mark ("33,33").
XLSX_WEIGHT_RE = re.compile(r"^([A-Fa-f])\s*[:=]\s*(.+)$")
DIFFICULTY_LABELS = {"dễ": 1, "de": 1, "1": 1, "trung bình": 2, "trung binh": 2, "2": 2, "khó": 3, "kho": 3, "3": 3}
KIND_LABELS = {
    "một đáp án": SINGLE,
    "mot dap an": SINGLE,
    "single": SINGLE,
    "nhiều đáp án": MULTIPLE,
    "nhieu dap an": MULTIPLE,
    "multiple": MULTIPLE,
    "đúng-sai": TRUE_FALSE,
    "đúng/sai": TRUE_FALSE,
    "đúng sai": TRUE_FALSE,
    "dung-sai": TRUE_FALSE,
    "dung/sai": TRUE_FALSE,
    "true_false": TRUE_FALSE,
}


def _key(value) -> str:
    return " ".join(_cell(value).lower().split())


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value)).strip()


def split_tags(value: str | list[str] | None) -> list[str]:
    raw = value if isinstance(value, list) else re.split(r"[,;]", value or "")
    tags: list[str] = []
    for tag in raw:
        tag = " ".join(nfc(str(tag)).split())
        if tag and tag.lower() not in (t.lower() for t in tags):
            tags.append(tag)
    return tags


def parse_xlsx(data: bytes) -> tuple[list[Item], list[Error]]:
    """Read the first sheet of a workbook made from `template_xlsx`; errors name the row.
    The workbook is held to the upload limits and streamed (hr_system.uploads)."""
    with closing(xlsx_rows(data, first_sheet=True)) as rows:
        first = next(rows, None)
        if first is None:
            raise BankFileError("Tệp Excel không có dữ liệu.")
        by_header = {_key(h): key for key, h, _ in XLSX_COLUMNS}
        columns = [by_header.get(_key(h)) for h in first]
        missing = [h for key, h, required in XLSX_COLUMNS if required and key not in columns]
        if missing:
            raise BankFileError("Thiếu cột bắt buộc ở dòng tiêu đề: " + ", ".join(missing))

        items: list[Item] = []
        errors: list[Error] = []
        for number, raw in enumerate(rows, start=2):
            if all(_cell(v) == "" for v in raw):
                continue
            values = {key: value for key, value in zip(columns, raw, strict=False) if key}
            try:
                items.append(_xlsx_item(values, number))
            except ValueError as exc:
                errors.append((number, str(exc)))
    return items, errors


def _xlsx_item(values: dict, row: int) -> Item:
    text = _cell(values.get("text"))
    if not text:
        raise ValueError("Thiếu nội dung câu hỏi.")
    difficulty = None
    if _cell(values.get("difficulty")):
        difficulty = DIFFICULTY_LABELS.get(_key(values.get("difficulty")))
        if difficulty is None:
            raise ValueError(
                f"Mức độ “{_cell(values.get('difficulty'))}” không hợp lệ (Dễ, Trung bình, Khó hoặc 1, 2, 3)."
            )
    kind = None
    if _cell(values.get("kind")):
        kind = KIND_LABELS.get(_key(values.get("kind")))
        if kind is None:
            raise ValueError(
                f"Loại “{_cell(values.get('kind'))}” không hợp lệ (Một đáp án, Nhiều đáp án hoặc Đúng-Sai)."
            )

    texts = [_cell(values.get(letter)) for letter in LETTERS]
    while texts and not texts[-1]:
        texts.pop()
    if "" in texts:
        gap = LETTERS[texts.index("")]
        raise ValueError(f"Phương án {gap} để trống nhưng có phương án sau nó.")
    if kind == TRUE_FALSE and not texts:
        texts = [TRUE_TEXT, FALSE_TEXT]

    if len(texts) < 2:
        raise ValueError(f"Câu hỏi chỉ có {len(texts)} phương án; cần ít nhất 2 phương án.")
    answer = _cell(values.get("answer"))
    if not answer:
        raise ValueError("Thiếu đáp án đúng (ví dụ “B” hoặc “A,C”).")
    correct: set[int] = set()
    for token in re.split(r"[,;\s]+", answer):
        if not token:
            continue
        named = [i for i, t in enumerate(texts) if t.lower() == token.lower()]
        letter = token.upper()
        if len(letter) == 1 and "A" <= letter <= "F" and ord(letter) - ord("A") < len(texts):
            correct.add(ord(letter) - ord("A"))
        elif kind == TRUE_FALSE and named:  # "Đúng" / "Sai" instead of A / B
            correct.add(named[0])
        else:
            raise ValueError(f"Đáp án “{token}” không có trong các phương án (A–{LETTERS[len(texts) - 1]}).")
    if kind is None:
        kind = MULTIPLE if len(correct) > 1 else SINGLE
    if kind in (SINGLE, TRUE_FALSE) and len(correct) != 1:
        raise ValueError(f"Loại “{KIND_NAMES[kind]}” phải có đúng một đáp án, tệp ghi “{answer}”.")
    if kind == TRUE_FALSE and len(texts) != 2:
        raise ValueError("Câu Đúng-Sai phải có đúng hai phương án.")
    weights = _xlsx_weights(values.get("weights"), texts, correct, kind)
    category = _cell(values.get("category")) or None
    return Item(
        kind,
        text,
        numbered_options(texts, correct, weights),
        row,
        category,
        difficulty,
        split_tags(_cell(values.get("tags"))),
    )


def _xlsx_weights(value, texts: list[str], correct: set[int], kind: str) -> list[float] | None:
    """The Trọng số (%) cell: "A: 50; B: 50; C: -100", options not named weigh 0.
    The options with a positive weight must be exactly the Đáp án column's."""
    cell = _cell(value)
    if not cell:
        return None
    weights = [0.0] * len(texts)
    named: set[int] = set()
    for pair in re.split(r"[;\n]+", cell):
        if not pair.strip():
            continue
        match = XLSX_WEIGHT_RE.match(pair.strip())
        if not match:
            raise ValueError(f"Trọng số “{_short(pair.strip())}” phải ghi dạng “A: 50; B: 50; C: -100”.")
        index = ord(match[1].upper()) - ord("A")
        if index >= len(texts):
            raise ValueError(f"Trọng số cho phương án {match[1].upper()} nhưng câu hỏi không có phương án này.")
        if index in named:
            raise ValueError(f"Phương án {match[1].upper()} có hai trọng số.")
        named.add(index)
        weights[index] = parse_weight(match[2])
    problem = weight_problem(kind, weights)
    if problem:
        raise ValueError(problem)
    positive = {i for i, w in enumerate(weights) if w > 0}
    if positive != correct:
        raise ValueError(
            f"Các phương án có trọng số dương ({', '.join(LETTERS[i] for i in sorted(positive)) or 'không có'}) "
            f"phải trùng với cột Đáp án ({', '.join(LETTERS[i] for i in sorted(correct))})."
        )
    return weights


def template_xlsx() -> bytes:
    """The downloadable template: a sheet of three example questions and a guide sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Câu hỏi"
    ws.append([h for _, h, _ in XLSX_COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.append(
        [
            "KTQLNN",
            "Dễ",
            "Một đáp án",
            "Theo Hiến pháp năm 2013, cơ quan nào là cơ quan quyền lực nhà nước cao nhất?",
            "Chính phủ",
            "Quốc hội",
            "Tòa án nhân dân tối cao",
            "Chủ tịch nước",
            "",
            "",
            "B",
            "",
            "Hiến pháp",
        ]
    )
    ws.append(
        [
            "KTQLNN",
            "Trung bình",
            "Nhiều đáp án",
            "Những cơ quan nào sau đây là cơ quan hành chính nhà nước?",
            "Chính phủ",
            "Ủy ban nhân dân các cấp",
            "Hội đồng nhân dân các cấp",
            "Viện kiểm sát nhân dân",
            "",
            "",
            "A,B",
            "A: 50; B: 50; C: -100; D: -100",
            "Bộ máy nhà nước",
        ]
    )
    ws.append(
        [
            "KTQLNN",
            "Dễ",
            "Đúng-Sai",
            "Hiến pháp là luật cơ bản của nước Cộng hòa xã hội chủ nghĩa Việt Nam, có hiệu lực pháp lý cao nhất.",
            TRUE_TEXT,
            FALSE_TEXT,
            "",
            "",
            "",
            "",
            "A",
            "",
            "Hiến pháp",
        ]
    )
    levels = DataValidation(type="list", formula1='"Dễ,Trung bình,Khó"', allow_blank=True)
    kinds = DataValidation(type="list", formula1='"Một đáp án,Nhiều đáp án,Đúng-Sai"', allow_blank=True)
    ws.add_data_validation(levels)
    ws.add_data_validation(kinds)
    levels.add("B2:B2000")
    kinds.add("C2:C2000")
    widths = {"A": 12, "B": 12, "C": 14, "D": 60, "K": 10, "L": 30, "M": 18}
    for column in ws.columns:
        letter = column[0].column_letter
        ws.column_dimensions[letter].width = widths.get(letter, 24)

    guide = wb.create_sheet("Hướng dẫn")
    for line in [
        "Mỗi dòng của trang “Câu hỏi” là một câu hỏi; giữ nguyên dòng tiêu đề.",
        "Chủ đề: mã chủ đề đã có trong ngân hàng; để trống hoặc mã không có thì dùng chủ đề chọn khi nhập.",
        "Mức độ: Dễ, Trung bình, Khó (hoặc 1, 2, 3); để trống thì dùng mức chọn khi nhập.",
        "Loại: Một đáp án, Nhiều đáp án hoặc Đúng-Sai; để trống thì suy ra từ cột Đáp án.",
        f"Phương án A đến {LETTERS[-1]}: ít nhất hai phương án, điền liên tiếp từ A.",
        "Đáp án: chữ cái của phương án đúng, ví dụ B; nhiều đáp án ghi A,C.",
        "Trọng số (%): không bắt buộc; dùng khi kỳ thi chấm “tính điểm từng phần”. Ghi dạng "
        "“A: 50; C: 50; D: -100” (cách nhau bằng dấu chấm phẩy, số thập phân dùng dấu phẩy, ví dụ 33,33); "
        "phương án không ghi có trọng số 0.",
        "Câu nhiều đáp án: tổng trọng số các phương án đúng phải bằng 100%; phương án có trọng số dương "
        "phải trùng với cột Đáp án; trọng số âm là điểm trừ khi chọn phương án sai (điểm mỗi câu không âm).",
        "Câu một đáp án: phương án đúng 100%, các phương án sai có thể ghi trọng số âm; không có điểm từng phần.",
        "Kỳ thi chấm “đúng hoàn toàn mới được điểm” bỏ qua trọng số: chỉ chọn đúng và đủ các đáp án mới được điểm.",
        "Câu Đúng-Sai: có thể để trống các phương án (tự điền Đúng/Sai), đáp án ghi A (Đúng) hoặc B (Sai).",
        "Thẻ: các từ khóa cách nhau bằng dấu phẩy.",
        "Câu hỏi mới nhập ở trạng thái Bản nháp; cần thẩm định và phê duyệt trước khi dùng cho đề thi.",
    ]:
        guide.append([line])
    guide.column_dimensions["A"].width = 110
    return spreadsheets.to_bytes(wb)


# --- one entry point for uploaded files -----------------------------------------------


def decode_text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Notepad's "Unicode"
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BankFileError("Tệp văn bản phải được lưu với mã hóa UTF-8.") from None


def parse(data: bytes, fmt: str) -> tuple[list[Item], list[Error]]:
    """Parse an uploaded file of format aiken, gift or xlsx, held to the upload limits
    (hr_system.uploads); raises UploadRejected (BankFileError for a question file's own
    problems)."""
    if fmt not in FORMATS:
        raise BankFileError(f"Định dạng “{fmt}” không được hỗ trợ (aiken, gift, xlsx).")
    check_size(len(data))
    if fmt == "xlsx":
        items, errors = parse_xlsx(data)
    else:
        text = decode_text(data)
        check_text(text)
        items, errors = (parse_aiken if fmt == "aiken" else parse_gift)(text)
    if not items and not errors:
        raise BankFileError("Tệp không có câu hỏi nào.")
    return items, errors
