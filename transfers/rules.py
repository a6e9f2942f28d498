"""Point-based transfer rules and leader-selection scoring, as plain functions.

Plain values in, plain values out; no ORM here, so the rule tables in
tests/transfers/test_rules.py run in milliseconds and bench/transfers.py can
rank a pool of 10,000 without a database.

What lives here:
- criteria sets: validation (unknown or cyclic inputs, negative rates or caps,
  overlapping bands) and scoring of one candidate's input snapshot with a breakdown;
- the illustrative default set of reference vietnam-rules.md §5.3 (not a published
  scoring sheet: Sơn La's and Mộc Châu's own sheets were not found, §5.2);
- eligibility with the rule each exclusion comes from (§5.1);
- ranking in the direction of the round's purpose, the tie-break chain, and assignment
  to target posts;
- combination of panel scores and ranking for leader-selection exams (§4.5).

Numbers are Decimal and every criterion's points are rounded to 0.01 before they are
added up, so a breakdown can be checked by hand against its total.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from hr_system import citations

# --- numbers ---------------------------------------------------------------------------

ZERO = Decimal(0)
CENT = Decimal("0.01")


def to_decimal(value) -> Decimal | None:
    """A JSON number (or numeric string) as Decimal; None stays None; bools are not numbers."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fmt(value) -> str:
    """Vietnamese number: decimal comma, no trailing zeros ('7,5', '12', '0,33')."""
    kind = type(value)
    if kind is float or kind is Decimal:
        return _fmt_number(value)
    return _fmt(value)


@lru_cache(maxsize=4096, typed=True)
def _fmt_number(value) -> str:
    # Breakdowns print the same few thousand values (years, km, points) over and over.
    return _fmt(value)


def _fmt(value) -> str:
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is float:
        if value.is_integer():
            return str(int(value))
        text = f"{value:.2f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text.replace(".", ",")
    number = to_decimal(value)
    if number is None:
        return ""
    text = f"{round2(number):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


# --- vocabulary ------------------------------------------------------------------------

# input key -> (label, unit used in rule texts)
INPUTS: dict[str, tuple[str, str]] = {
    "years_in_sector": ("Thời gian công tác trong ngành", "năm"),
    "years_at_unit": ("Thời gian công tác tại đơn vị hiện tại", "năm"),
    "hardship_years": ("Thời gian công tác ở vùng đặc biệt khó khăn", "năm"),
    "distance_km": ("Khoảng cách từ nơi ở đến nơi làm việc", "km"),
    "ratings": ("Kết quả đánh giá, xếp loại các năm gần nhất", ""),
    "exam_score": ("Điểm kiểm tra năng lực", "%"),
    "family_circumstances": ("Hoàn cảnh gia đình đặc biệt (được xác nhận)", "trường hợp"),
    "priority_group": ("Đối tượng ưu tiên", ""),
    "volunteer": ("Tự nguyện", ""),
}
REF_PREFIX = "criterion:"

RULES: dict[str, str] = {
    "per_unit": "Điểm theo đơn vị (hệ số, mức tối đa)",
    "bands": "Điểm theo khoảng giá trị",
    "fixed": "Điểm cố định khi có",
    "table": "Tra bảng điểm",
}

# Annual quality ratings (Decree 90/2020 and its successors Decree 335/2025 for công chức,
# Decree 233/2026 for viên chức; reference §3).
RATINGS: dict[str, str] = {
    "xuat_sac": "Hoàn thành xuất sắc nhiệm vụ",
    "tot": "Hoàn thành tốt nhiệm vụ",
    "hoan_thanh": "Hoàn thành nhiệm vụ",
    "khong_hoan_thanh": "Không hoàn thành nhiệm vụ",
}
RATING_SHORT = {
    "xuat_sac": "xuất sắc",
    "tot": "tốt",
    "hoan_thanh": "hoàn thành",
    "khong_hoan_thanh": "không hoàn thành",
}
# Used only to compare ratings in the tie-break chain, whatever the set awards for them.
RATING_ORDER = {"xuat_sac": 3, "tot": 2, "hoan_thanh": 1, "khong_hoan_thanh": 0}

# Where a year's rating came from (issue 17): the yearly classification recorded and
# decided in the evaluation module, or an evidence row HR entered with its document.
# A decided yearly classification wins over an evidence row for the same year: it is the
# record the decision rests on; a wrong one is corrected by reopening the evaluation.
RATING_FROM_EVALUATION = "evaluation"
RATING_FROM_EVIDENCE = "evidence"


def rating_source_text(year: int, source: str | None) -> str:
    """The source of one year's rating as printed next to its points."""
    if source == RATING_FROM_EVALUATION:
        return f"Đánh giá, xếp loại năm {year} (đã quyết định)"
    if source == RATING_FROM_EVIDENCE:
        return "minh chứng nhập tay"
    return ""


def rating_sources(value, last: int) -> list[dict]:
    """The years a ratings criterion counted, each with where its rating came from."""
    return [
        {
            "year": year,
            "rating": code,
            "source": source or "",
            "source_text": rating_source_text(year, source),
        }
        for year, code, source in rating_entries((value or [])[:last])
    ]


def rating_entries(value) -> list[tuple[int, str, str | None]]:
    """(year, code, source) of a stored ratings list; snapshots computed before issue 17
    hold [year, code] pairs without a source."""
    out = []
    for item in value or []:
        if isinstance(item, list | tuple) and len(item) >= 2:
            out.append((item[0], item[1], item[2] if len(item) > 2 else None))
    return out


# Priority groups on the scale of Decree 115/2020 art. 6 (recruitment of viên chức), used
# here by analogy (reference §4.4, §5.3). Only the highest group counts.
PRIORITY_GROUPS: dict[str, str] = {
    "1": "Anh hùng Lực lượng vũ trang, Anh hùng Lao động, thương binh, người hưởng chính sách như thương binh",
    "2": "Người dân tộc thiểu số, sĩ quan, quân nhân chuyên nghiệp chuyển ngành, con liệt sĩ, con thương binh",
    "3": "Người hoàn thành nghĩa vụ quân sự, nghĩa vụ công an, đội viên thanh niên xung phong",
    "4": "Cán bộ công đoàn trưởng thành từ cơ sở",
}


TIE_BREAKS: dict[str, str] = {
    "years_in_sector": "thời gian công tác trong ngành dài hơn",
    "years_at_unit": "thời gian công tác tại đơn vị dài hơn",
    "hardship_years": "thời gian công tác ở vùng đặc biệt khó khăn dài hơn",
    "ratings": "kết quả đánh giá, xếp loại cao hơn",
    "exam_score": "điểm kiểm tra năng lực cao hơn",
    "priority_group": "thuộc nhóm đối tượng ưu tiên cao hơn",
    "female": "nữ",
    "older": "nhiều tuổi hơn",
}
# Reference §5.3: without the quy chế's own list, longer service → higher evaluation →
# woman → older (the Quảng Trị and Đà Nẵng patterns of §5.2).
DEFAULT_TIE_BREAK = ["years_in_sector", "ratings", "female", "older"]

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def is_teacher_title(job_title: str) -> bool:
    """Whether a job title is a teaching post (Law on Teachers 2025 applies)."""
    title = (job_title or "").lower()
    return "giáo viên" in title or "nhà giáo" in title


# --- criteria sets ---------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionSpec:
    code: str
    label: str
    input: str
    rule: str
    params: dict = field(default_factory=dict)
    order: int = 0

    @property
    def ref(self) -> str | None:
        return self.input[len(REF_PREFIX) :] if self.input.startswith(REF_PREFIX) else None


class CriteriaError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def _number(value) -> Decimal | None:
    if isinstance(value, str):
        return None
    return to_decimal(value)


def _check_params(spec: CriterionSpec, name: str) -> list[str]:
    p = spec.params if isinstance(spec.params, dict) else {}
    errors: list[str] = []
    if spec.rule == "per_unit":
        rate = _number(p.get("rate"))
        if rate is None:
            errors.append(f"{name}: thiếu hệ số điểm (rate)")
        elif rate < 0:
            errors.append(f"{name}: hệ số điểm (rate) không được âm")
        if p.get("cap") is not None:
            cap = _number(p.get("cap"))
            if cap is None:
                errors.append(f"{name}: mức tối đa (cap) phải là số")
            elif cap < 0:
                errors.append(f"{name}: mức tối đa (cap) không được âm")
    elif spec.rule == "bands":
        bands = p.get("bands")
        if not isinstance(bands, list) or not bands:
            return [f"{name}: cần danh sách khoảng [[từ, đến, điểm], …]"]
        parsed = []
        for band in bands:
            if not isinstance(band, list | tuple) or len(band) != 3:
                errors.append(f"{name}: khoảng {band!r} phải có dạng [từ, đến, điểm]")
                continue
            low, high, points = _number(band[0]), _number(band[1]), _number(band[2])
            if low is None or points is None or (band[1] is not None and high is None):
                errors.append(f"{name}: khoảng {band!r} phải gồm các số (đến = null là không giới hạn)")
                continue
            if high is not None and high <= low:
                errors.append(f"{name}: khoảng [{fmt(low)}, {fmt(high)}) có cận trên không lớn hơn cận dưới")
                continue
            parsed.append((low, high))
        parsed.sort(key=lambda b: b[0])
        for (a_low, a_high), (b_low, b_high) in zip(parsed, parsed[1:], strict=False):
            if a_high is None or a_high > b_low:
                errors.append(
                    f"{name}: các khoảng [{fmt(a_low)}, {fmt(a_high) or '∞'}) và "
                    f"[{fmt(b_low)}, {fmt(b_high) or '∞'}) chồng lên nhau"
                )
    elif spec.rule == "fixed":
        if _number(p.get("points")) is None:
            errors.append(f"{name}: thiếu số điểm (points)")
    elif spec.rule == "table":
        table = p.get("table")
        if not isinstance(table, dict) or not table:
            return [f"{name}: cần bảng tra {{giá trị: điểm}}"]
        for key, points in table.items():
            if _number(points) is None:
                errors.append(f"{name}: điểm của «{key}» phải là số")
        if spec.input == "ratings":
            unknown = sorted(set(table) - set(RATINGS))
            if unknown:
                errors.append(f"{name}: xếp loại không hợp lệ: {', '.join(unknown)} (dùng {', '.join(RATINGS)})")
            last = p.get("last", 3)
            if not isinstance(last, int) or isinstance(last, bool) or not 1 <= last <= 5:
                errors.append(f"{name}: số năm gần nhất (last) phải từ 1 đến 5")
        if p.get("default") is not None and _number(p.get("default")) is None:
            errors.append(f"{name}: điểm mặc định (default) phải là số")
    else:
        errors.append(f"{name}: kiểu quy tắc «{spec.rule}» không hợp lệ (dùng {', '.join(RULES)})")
    return errors


def validate_criteria(criteria: Iterable[CriterionSpec]) -> list[str]:
    """Every problem of a set, each naming the criteria involved; [] when the set is usable."""
    criteria = list(criteria)
    errors: list[str] = []
    if not criteria:
        return ["Bộ tiêu chí chưa có tiêu chí nào"]
    codes = {c.code for c in criteria}
    seen: set[str] = set()
    for spec in criteria:
        name = f"Tiêu chí «{spec.code}»"
        if not CODE_RE.match(spec.code or ""):
            errors.append(f"{name}: mã chỉ gồm chữ thường không dấu, chữ số và dấu gạch dưới")
        if spec.code in seen:
            errors.append(f"{name}: mã bị trùng")
        seen.add(spec.code)
        if not (spec.label or "").strip():
            errors.append(f"{name}: thiếu tên tiêu chí")
        ref = spec.ref
        if ref is not None:
            if ref not in codes:
                errors.append(f"{name}: dùng điểm của tiêu chí «{ref}» nhưng bộ tiêu chí không có tiêu chí này")
        elif spec.input not in INPUTS:
            errors.append(f"{name}: nguồn dữ liệu «{spec.input}» không hợp lệ")
        errors.extend(_check_params(spec, name))
    errors.extend(_cycle_errors(criteria))
    return errors


def _cycle_errors(criteria: list[CriterionSpec]) -> list[str]:
    edges = {c.code: c.ref for c in criteria}
    reported: set[frozenset] = set()
    errors = []
    for start in edges:
        path = [start]
        node = edges.get(start)
        while node is not None and node in edges and node not in path:
            path.append(node)
            node = edges.get(node)
        if node is not None and node in path:
            cycle = path[path.index(node) :]
            key = frozenset(cycle)
            if key not in reported:
                reported.add(key)
                chain = " → ".join(f"«{c}»" for c in cycle + [node])
                errors.append(f"Các tiêu chí tham chiếu vòng tròn: {chain}")
    return errors


def validate_tie_break(chain, criterion_codes: Iterable[str] = ()) -> list[str]:
    codes = set(criterion_codes)
    if not isinstance(chain, list):
        return ["Thứ tự ưu tiên khi bằng điểm phải là một danh sách"]
    errors = []
    for item in chain:
        if not isinstance(item, str):
            errors.append(f"Tiêu chí phụ {item!r} không hợp lệ")
        elif item.startswith(REF_PREFIX):
            if item[len(REF_PREFIX) :] not in codes:
                errors.append(f"Tiêu chí phụ «{item}»: không có tiêu chí «{item[len(REF_PREFIX) :]}» trong bộ")
        elif item not in TIE_BREAKS:
            errors.append(f"Tiêu chí phụ «{item}» không hợp lệ (dùng {', '.join(TIE_BREAKS)} hoặc criterion:<mã>)")
    if len(set(map(str, chain))) != len(chain):
        errors.append("Thứ tự ưu tiên khi bằng điểm có mục bị lặp")
    return errors


def tie_break_text(chain: list[str], labels: dict[str, str] | None = None) -> str:
    """'thời gian công tác trong ngành dài hơn → … → nữ → nhiều tuổi hơn'."""
    labels = labels or {}
    parts = []
    for item in chain:
        if item.startswith(REF_PREFIX):
            code = item[len(REF_PREFIX) :]
            parts.append(f"điểm tiêu chí «{labels.get(code, code)}» cao hơn")
        else:
            parts.append(TIE_BREAKS.get(item, item))
    return " → ".join(parts)


def _unit_of(spec: CriterionSpec) -> str:
    if spec.ref is not None:
        return f"điểm của tiêu chí «{spec.ref}»"
    return INPUTS.get(spec.input, ("", ""))[1] or "đơn vị"


def rule_text(spec: CriterionSpec) -> str:
    """The rule in Vietnamese, as printed in breakdowns and on the published list."""
    p = spec.params
    unit = _unit_of(spec)
    if spec.rule == "per_unit":
        text = f"{fmt(p['rate'])} điểm cho mỗi {unit}"
        if p.get("cap") is not None:
            text += f", tối đa {fmt(p['cap'])} điểm"
        return text
    if spec.rule == "bands":
        parts = []
        for low, high, points in sorted(p["bands"], key=lambda b: to_decimal(b[0])):
            if high is None:
                parts.append(f"từ {fmt(low)} {unit} trở lên: {fmt(points)} điểm")
            else:
                parts.append(f"từ {fmt(low)} đến dưới {fmt(high)} {unit}: {fmt(points)} điểm")
        return "; ".join(parts) + "; ngoài các khoảng trên: 0 điểm"
    if spec.rule == "fixed":
        return f"có: {fmt(p['points'])} điểm; không: 0 điểm"
    if spec.rule == "table":
        if spec.input == "ratings":
            labels = RATING_SHORT
        elif spec.input == "priority_group":
            labels = {k: f"nhóm {k}" for k in p["table"]}
        else:
            labels = {}
        text = "; ".join(f"{labels.get(k, k)}: {fmt(v)}" for k, v in p["table"].items())
        if spec.input == "ratings":
            return text + f" (trung bình {p.get('last', 3)} năm gần nhất)"
        return text + f"; khác: {fmt(p.get('default') or 0)}"
    return spec.rule


# Rules are evaluated in floats and each criterion's points are rounded half-up to whole
# cents (integers) before they are added, so totals are exact and match a hand check;
# Decimal arithmetic throughout cost about three times as much for a 10,000-person pool.


def _num(value) -> float | None:
    kind = type(value)
    if kind is float or kind is int:
        return value
    if value is None or kind is bool:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _per_unit(spec: CriterionSpec):
    rate = float(spec.params["rate"])
    cap = _num(spec.params.get("cap"))

    def points(value) -> float:
        number = _num(value)
        if number is None or number <= 0:
            return 0.0
        result = number * rate
        return result if cap is None or result < cap else cap

    return points


def _bands(spec: CriterionSpec):
    bands = [(float(a), _num(b), float(c)) for a, b, c in spec.params["bands"]]

    def points(value) -> float:
        number = _num(value)
        if number is None:
            return 0.0
        for low, high, pts in bands:
            if number >= low and (high is None or number < high):
                return pts
        return 0.0

    return points


def _fixed(spec: CriterionSpec):
    award = float(spec.params["points"])

    def points(value) -> float:
        number = _num(value)
        if number is not None:
            return award if number > 0 else 0.0
        return award if value else 0.0

    return points


def _table(spec: CriterionSpec):
    table = {str(k): float(v) for k, v in spec.params["table"].items()}
    default = _num(spec.params.get("default")) or 0.0
    last = spec.params.get("last", 3)

    def points(value) -> float:
        if isinstance(value, list):
            # ratings: [[year, code], …], most recent first; the average of the last years
            codes = [item[1] if isinstance(item, list | tuple) else item for item in value[:last]]
            if not codes:
                return 0.0
            return sum(table.get(str(c), default) for c in codes) / len(codes)
        if value is None or value == "":
            return 0.0
        number = _num(value) if not isinstance(value, str) else None
        key = fmt(number).replace(",", ".") if number is not None else str(value)
        return table.get(key, default)

    return points


_RULE_FNS = {"per_unit": _per_unit, "bands": _bands, "fixed": _fixed, "table": _table}


def _value_texter(spec: CriterionSpec):
    """A function showing an input value next to its points (built once per criterion)."""
    if spec.ref is not None:
        ref = spec.ref
        return lambda value: f"{fmt(value)} điểm (tiêu chí «{ref}»)"
    if spec.input == "ratings":
        last = spec.params.get("last", 3)

        def ratings(value) -> str:
            if not value:
                return "chưa có kết quả"
            parts = []
            for year, code, source in rating_entries(value[:last]):
                text = f"{year}: {RATING_SHORT.get(code, code)}"
                origin = rating_source_text(year, source)
                parts.append(f"{text} ({origin})" if origin else text)
            return "; ".join(parts)

        return ratings
    if spec.input == "volunteer":
        return lambda value: "có" if value else "không"
    if spec.input == "priority_group":
        return lambda value: f"nhóm {value}" if value else "không"
    unit = INPUTS.get(spec.input, ("", ""))[1]

    def plain(value) -> str:
        if value is None or value == "":
            return "không có dữ liệu"
        return f"{fmt(value)} {unit}".strip()

    return plain


def value_text(spec: CriterionSpec, value) -> str:
    """How an input value is shown next to its points."""
    return _value_texter(spec)(value)


class CompiledSet:
    """A validated criteria set, ready to score many candidates quickly."""

    def __init__(self, criteria: Iterable[CriterionSpec]):
        criteria = list(criteria)
        errors = validate_criteria(criteria)
        if errors:
            raise CriteriaError(errors)
        self.criteria = sorted(criteria, key=lambda c: (c.order, c.code))
        self.labels = {c.code: c.label for c in self.criteria}
        by_code = {c.code: c for c in criteria}
        order: list[CriterionSpec] = []
        done: set[str] = set()

        def visit(spec: CriterionSpec) -> None:
            if spec.code in done:
                return
            if spec.ref is not None:
                visit(by_code[spec.ref])
            done.add(spec.code)
            order.append(spec)

        for spec in self.criteria:
            visit(spec)
        self._steps = [(c.code, c.ref, c.input, _RULE_FNS[c.rule](c)) for c in order]
        self._lines = [(c.code, c.label, c.input, c.ref, rule_text(c), _value_texter(c)) for c in self.criteria]
        self._rating_years = {
            c.code: c.params.get("last", 3) for c in self.criteria if c.input == "ratings" and c.ref is None
        }

    def cents(self, inputs: dict) -> dict[str, int]:
        """Points of each criterion in whole cents."""
        cents: dict[str, int] = {}
        for code, ref, key, fn in self._steps:
            x = fn(cents[ref] / 100 if ref is not None else inputs.get(key))
            # half-up to whole cents; 1e-7 absorbs binary noise (2.675 → 268)
            cents[code] = int(x * 100 + 0.5 + 1e-7) if x >= 0 else -int(-x * 100 + 0.5 + 1e-7)
        return cents

    def score(self, inputs: dict) -> tuple[Decimal, list[dict], dict[str, int]]:
        """(total, breakdown lines, points by criterion in cents) for one candidate."""
        cents = self.cents(inputs)
        lines = []
        for code, label, key, ref, text, show in self._lines:
            value = cents[ref] / 100 if ref is not None else inputs.get(key)
            if type(value) is Decimal:
                value = float(value)
            lines.append(
                {
                    "criterion": code,
                    "label": label,
                    "input": key,
                    "value": value,
                    "value_text": show(value),
                    "rule": text,
                    "points": cents[code] / 100,
                }
            )
            if code in self._rating_years:
                lines[-1]["sources"] = rating_sources(value, self._rating_years[code])
        return Decimal(sum(cents.values())).scaleb(-2), lines, cents


# --- the illustrative default set (reference §5.3) -------------------------------------

DEFAULT_SET_NAME = "Bộ tiêu chí mẫu điều động, biệt phái theo phương pháp điểm số"
DEFAULT_SET_NOTE = "Bộ tiêu chí mẫu — cần điều chỉnh theo quy chế của tỉnh"
# The set's "căn cứ ban hành" is the unit's own quy chế, which HR enters when adopting
# the set; the template has none, so a decision drafted from it leaves the number of that
# quy chế to fill in. Provenance of the example (not cited in documents: another
# province's rules are no legal basis here): compiled from published practice —
# Công văn 362/PGDĐT Phú Lộc (2014), the teacher-transfer rules of Quảng Trị and the
# transfer rules of Quảng Ngãi; priority points after Decree 115/2020/NĐ-CP art. 6.
DEFAULT_SET_SOURCE = ""


def default_criteria() -> list[CriterionSpec]:
    """The §5.3 example table as data. It is a starting point to adapt to the province's
    quy chế (Decree 93/2026 arts. 11–13 make the provincial People's Committee issue it),
    not a published scoring sheet."""
    return [
        # Phú Lộc CV 362/2014 criterion (1): actual years in the sector, max 5 points;
        # Quảng Trị also favours "thời gian công tác lâu năm" (reference §5.2 items 1–2).
        CriterionSpec(
            "service",
            "Thời gian công tác trong ngành",
            "years_in_sector",
            "per_unit",
            {"rate": 1, "cap": 5},
            10,
        ),
        # Extra for service in especially disadvantaged areas: Decree 61/2006 art. 9 (3 years
        # for women, 5 for men) and the Quảng Ngãi return rule (§5.1–5.2).
        CriterionSpec(
            "hardship",
            "Thời gian công tác ở vùng đặc biệt khó khăn",
            "hardship_years",
            "per_unit",
            {"rate": 0.5, "cap": 3},
            20,
        ),
        # Achievements and evaluation, Phú Lộc criterion (2); annual ratings of Decree
        # 335/2025 art. 23 / Decree 233/2026, averaged over the last three years.
        CriterionSpec(
            "ratings",
            "Kết quả đánh giá, xếp loại 3 năm gần nhất",
            "ratings",
            "table",
            {"table": {"xuat_sac": 3, "tot": 2, "hoan_thanh": 1, "khong_hoan_thanh": 0}, "last": 3},
            30,
        ),
        # Distance home–workplace in bands: Phú Lộc moves far residents first; Quảng Ngãi
        # city favours living near the target unit. The bands here score "far from home"
        # higher, which suits closer-to-home rounds; a surplus quy chế may invert them.
        CriterionSpec(
            "distance",
            "Khoảng cách từ nơi ở đến nơi làm việc",
            "distance_km",
            "bands",
            {"bands": [[0, 10, 0], [10, 20, 1], [20, 40, 2], [40, None, 3]]},
            40,
        ),
        # Family circumstances certified by the commune (Phú Lộc criterion 3; Quảng Trị
        # items 5: caring for disabled or ill children or parents).
        CriterionSpec(
            "family",
            "Hoàn cảnh gia đình đặc biệt khó khăn",
            "family_circumstances",
            "fixed",
            {"points": 2},
            50,
        ),
        # Policy priority on the Decree 115/2020 art. 6 scale, by analogy; highest group only.
        CriterionSpec(
            "priority",
            "Đối tượng ưu tiên",
            "priority_group",
            "table",
            {"table": {"1": 7.5, "2": 5, "3": 2.5, "4": 1.5}},
            60,
        ),
    ]


# --- evidence and input snapshots ------------------------------------------------------

# Personal circumstances that the registry does not hold; entered per candidate with a
# document reference. kind -> (label, value shape)
EVIDENCE_KINDS: dict[str, tuple[str, str]] = {
    "discipline": ("Đang bị xem xét, xử lý kỷ luật", "bool"),
    "investigation": ("Đang bị thanh tra, kiểm tra, điều tra", "bool"),
    "serious_illness": ("Đang điều trị bệnh hiểm nghèo hoặc ốm đau dài ngày", "bool"),
    "study": ("Đi học tập trung (số tháng của khóa học; 0 nếu không)", "months"),
    "on_secondment": ("Đang được biệt phái", "bool"),
    "secondment_months": ("Số tháng đã biệt phái (đợt hiện tại)", "months"),
    "pregnancy": ("Đang mang thai", "bool"),
    "child": ("Nuôi con dưới 36 tháng tuổi", "child"),
    "rating": ("Kết quả đánh giá, xếp loại một năm", "rating"),
    "family_circumstances": ("Hoàn cảnh gia đình đặc biệt (được xác nhận)", "text"),
    "priority_group": ("Đối tượng ưu tiên (nhóm 1–4)", "priority"),
    "volunteer": ("Tự nguyện", "bool"),
    "correction": ("Đính chính số liệu hồ sơ", "correction"),
}
BOOL_TARGETS = {
    "discipline": "under_discipline",
    "investigation": "under_investigation",
    "serious_illness": "serious_illness",
    "on_secondment": "on_secondment",
    "pregnancy": "pregnant",
    "volunteer": "volunteer",
}
CORRECTABLE = {
    "years_in_sector": "number",
    "years_at_unit": "number",
    "hardship_years": "number",
    "distance_km": "number",
    "exam_score": "number",
    "family_circumstances": "number",
    "date_of_birth": "date",
    "sector_start": "date",
    "gender": "gender",
}


def _iso_date(value, what: str) -> str:
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ValueError(f"{what}: ngày không hợp lệ «{value}» (dạng năm-tháng-ngày)")


def clean_evidence(kind: str, value):
    """The value of an evidence row in its stored shape, or ValueError with a message."""
    if kind not in EVIDENCE_KINDS:
        raise ValueError(f"Loại minh chứng «{kind}» không hợp lệ")
    label, shape = EVIDENCE_KINDS[kind]
    if shape == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"{label}: giá trị phải là true hoặc false")
        return value
    if shape == "months":
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 600:
            raise ValueError(f"{label}: số tháng phải là số nguyên từ 0 đến 600")
        return value
    if shape == "child":
        if isinstance(value, str):
            value = {"birth_date": value}
        if not isinstance(value, dict) or set(value) - {"birth_date", "raising_alone"}:
            raise ValueError(f"{label}: cần {{birth_date, raising_alone}}")
        birth = value.get("birth_date")
        return {
            "birth_date": _iso_date(birth, label) if birth else None,
            "raising_alone": bool(value.get("raising_alone", False)),
        }
    if shape == "rating":
        if not isinstance(value, dict) or set(value) != {"year", "rating"}:
            raise ValueError(f"{label}: cần {{year, rating}}")
        year = value["year"]
        if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
            raise ValueError(f"{label}: năm không hợp lệ")
        if value["rating"] not in RATINGS:
            raise ValueError(f"{label}: xếp loại phải là một trong {', '.join(RATINGS)}")
        return {"year": year, "rating": value["rating"]}
    if shape == "text":
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{label}: cần mô tả trường hợp")
        return value.strip()[:500]
    if shape == "priority":
        value = "" if value in (None, "") else str(value)
        if value and value not in PRIORITY_GROUPS:
            raise ValueError(f"{label}: nhóm phải là 1, 2, 3 hoặc 4 (để trống nếu không)")
        return value
    # correction of a registry value copied into the snapshot
    if not isinstance(value, dict) or set(value) != {"input", "value"} or value["input"] not in CORRECTABLE:
        raise ValueError(f"{label}: cần {{input, value}} với input là một trong {', '.join(CORRECTABLE)}")
    target, raw = value["input"], value["value"]
    kind_of = CORRECTABLE[target]
    if kind_of == "number":
        number = _number(raw)
        if number is None or number < 0:
            raise ValueError(f"{label}: giá trị của {target} phải là số không âm")
        return {"input": target, "value": float(number)}
    if kind_of == "date":
        return {"input": target, "value": _iso_date(raw, label)}
    if raw not in ("male", "female"):
        raise ValueError(f"{label}: giới tính là male hoặc female")
    return {"input": target, "value": raw}


EMPTY_EVIDENCE = {
    "under_discipline": False,
    "under_investigation": False,
    "serious_illness": False,
    "study_months": 0,
    "on_secondment": False,
    "secondment_months": 0,
    "pregnant": False,
    "child_birth_date": None,
    "raising_child_alone": False,
    "ratings": [],
    "family_circumstances": 0,
    "priority_group": "",
    "volunteer": False,
}


def merge_inputs(registry: dict, evidence: Iterable[tuple[str, object]]) -> dict:
    """Registry snapshot + evidence rows (in entry order; a later row supersedes an
    earlier one of the same kind, and corrections override registry values)."""
    inputs = {**registry, **EMPTY_EVIDENCE}
    ratings: dict[int, str] = {}
    family = 0
    corrections = {}
    for kind, value in evidence:
        if kind in BOOL_TARGETS:
            inputs[BOOL_TARGETS[kind]] = bool(value)
        elif kind == "study":
            inputs["study_months"] = value
        elif kind == "secondment_months":
            inputs["secondment_months"] = value
        elif kind == "child":
            inputs["child_birth_date"] = value.get("birth_date")
            inputs["raising_child_alone"] = bool(value.get("raising_alone"))
        elif kind == "rating":
            ratings[value["year"]] = value["rating"]
        elif kind == "family_circumstances":
            family += 1
        elif kind == "priority_group":
            inputs["priority_group"] = value
        elif kind == "correction":
            corrections[value["input"]] = value["value"]
    # A decided yearly classification (copied into the registry snapshot) wins over an
    # evidence row for the same year; each entry keeps its source for the breakdown.
    sources = {year: [year, code, RATING_FROM_EVIDENCE] for year, code in ratings.items()}
    for year, code in registry.get("evaluation_ratings") or []:
        sources[int(year)] = [int(year), code, RATING_FROM_EVALUATION]
    inputs["ratings"] = [sources[year] for year in sorted(sources, reverse=True)]
    inputs["family_circumstances"] = family
    inputs.update(corrections)
    inputs["corrected"] = sorted(corrections)
    return inputs


def years_between(start: dt.date | str | None, end: dt.date) -> float | None:
    """Completed months between two dates, in years, rounded down to 0.01."""
    if not start:
        return None
    if isinstance(start, str):
        start = dt.date.fromisoformat(start)
    months = (end.year - start.year) * 12 + (end.month - start.month) - (1 if end.day < start.day else 0)
    if months <= 0:
        return 0.0
    return float((Decimal(months) / 12).quantize(CENT, rounding=ROUND_DOWN))


# --- eligibility -----------------------------------------------------------------------


def _months(years: int, months: int = 0) -> int:
    return years * 12 + months


def default_retirement_ages() -> dict[str, list[list[int]]]:
    """Retirement age in months by the calendar year in which it is reached.

    Labour Code 2019 art. 169 and Decree 135/2020 art. 4: from 2021 men 60y3m rising by
    3 months a year to 62 (2028), women 55y4m rising by 4 months a year to 60 (2035).
    Approximation: Decree 135/2020 Appendix I lists the exact month for each birth month,
    and early or late retirement (arts. 5–6) and special categories are not modelled;
    the table is stored with each criteria set so a province can replace it.
    """
    male = [[2021 + i, _months(60, 3) + 3 * i] for i in range(8)]
    female = [[2021 + i, _months(55, 4) + 4 * i] for i in range(15)]
    return {"male": male, "female": female}


DEFAULT_ELIGIBILITY = {
    "months_before_retirement": 18,  # Decree 59/2019 art. 39
    "teacher_years_after_recruitment": 3,  # Law on Teachers 2025 art. 19
    "study_months": 12,  # Decree 59/2019 art. 38
    "child_months": 36,  # Decree 59/2019 art. 38; Luật Viên chức 2010 art. 36
    # Luật Viên chức 2010 art. 36; Decree 115/2020 art. 27. Kept from 1 July 2026 under
    # Law 129/2025 until its secondment article is verified (hr_system.citations).
    "secondment_max_months": 36,
    "retirement_ages": default_retirement_ages(),
}


def validate_eligibility(params: dict) -> list[str]:
    errors = []
    for key in ("months_before_retirement", "teacher_years_after_recruitment", "study_months", "child_months"):
        value = params.get(key, DEFAULT_ELIGIBILITY[key])
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors.append(f"Điều kiện «{key}» phải là số nguyên không âm")
    limit = params.get("secondment_max_months", 36)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 0 < limit <= 36:
        errors.append(f"Thời hạn biệt phái tối đa phải từ 1 đến 36 tháng ({citations.cite('secondment')})")
    table = params.get("retirement_ages", DEFAULT_ELIGIBILITY["retirement_ages"])
    if not isinstance(table, dict):
        return errors + ["Bảng tuổi nghỉ hưu phải có dạng {male: [[năm, số tháng], …], female: …}"]
    for gender in ("male", "female"):
        rows = table.get(gender)
        ok = isinstance(rows, list) and rows
        ok = ok and all(isinstance(r, list) and len(r) == 2 and all(isinstance(x, int) for x in r) for r in rows)
        if not ok or [r[0] for r in rows] != sorted(r[0] for r in rows):
            errors.append(f"Bảng tuổi nghỉ hưu ({gender}): cần danh sách [năm, tuổi tính bằng tháng] theo thứ tự năm")
    return errors


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def retirement_date(birth: dt.date, gender: str, table: dict) -> dt.date | None:
    """The day the person reaches the retirement age in force in the year they reach it."""
    rows = table.get(gender) or []
    if not rows:
        return None
    for year, months in rows:
        if birth.year + (birth.month - 1 + months) // 12 <= year:
            return add_months(birth, months)
    return add_months(birth, rows[-1][1])


def secondment_rule(on: dt.date | None = None) -> str:
    """The secondment provisions in force on `on` (hr_system.citations: Luật Viên chức
    2010 art. 36 until 30 June 2026, Law 129/2025 from 1 July 2026)."""
    return f"{citations.cite('secondment', on)}; Nghị định 115/2020/NĐ-CP, Điều 27"


def _date(value) -> dt.date | None:
    if not value:
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def check_eligibility(
    inputs: dict,
    *,
    on: dt.date,
    kind: str = "transfer",
    to_hardship_area: bool = False,
    planned_months: int | None = None,
    params: dict | None = None,
) -> tuple[list[dict], list[str]]:
    """(exclusions, notes). Each exclusion is {code, reason, rule} with the citation."""
    p = {**DEFAULT_ELIGIBILITY, **(params or {})}
    out: list[dict] = []
    teacher = bool(inputs.get("is_teacher"))
    # The provisions in force on the day (hr_system.citations).
    art38 = citations.cite("rotation.protected", on)
    teachers_art19 = citations.cite("teachers.transfer", on, default="")
    with_teachers = art38 + (f"; {teachers_art19}" if teacher and teachers_art19 else "")

    def exclude(code: str, reason: str, rule: str) -> None:
        out.append({"code": code, "reason": reason, "rule": rule})

    if inputs.get("under_discipline"):
        rule = with_teachers
        if kind == "secondment" and (civil := citations.cite("civil_servants.secondment", on, default="")):
            rule += f"; {civil}"
        exclude("discipline", "Đang trong thời gian bị xem xét, xử lý kỷ luật", rule)
    if inputs.get("under_investigation"):
        exclude(
            "investigation",
            "Đang bị thanh tra, kiểm tra, điều tra",
            with_teachers,
        )
    if inputs.get("serious_illness"):
        exclude("serious_illness", "Đang điều trị bệnh hiểm nghèo hoặc ốm đau dài ngày (có xác nhận)", art38)
    study = inputs.get("study_months") or 0
    if study >= p["study_months"]:
        exclude("study", f"Đang đi học tập trung từ {p['study_months']} tháng trở lên ({study} tháng)", art38)
    if inputs.get("on_secondment"):
        exclude("on_secondment", "Đang được biệt phái", art38)
    protection = art38 + (f"; {citations.cite('secondment', on)}" if kind == "secondment" else "")
    if inputs.get("pregnant"):
        exclude("pregnancy", "Đang mang thai", protection)
    child_birth = _date(inputs.get("child_birth_date"))
    if child_birth is not None and on < add_months(child_birth, p["child_months"]):
        female = inputs.get("gender") == "female"
        if female or inputs.get("raising_child_alone"):
            who = "Nuôi con" if female else "Nam một mình nuôi con"
            exclude(
                "child",
                f"{who} dưới {p['child_months']} tháng tuổi (con sinh ngày {child_birth:%d/%m/%Y})",
                protection,
            )
    notes: list[str] = []
    birth = _date(inputs.get("date_of_birth"))
    if birth is None or inputs.get("gender") not in ("male", "female"):
        notes.append("Hồ sơ thiếu ngày sinh hoặc giới tính: chưa kiểm tra được thời gian còn lại đến tuổi nghỉ hưu")
    else:
        retire = retirement_date(birth, inputs["gender"], p["retirement_ages"])
        if retire is not None and add_months(on, p["months_before_retirement"]) > retire:
            exclude(
                "retirement",
                f"Còn dưới {p['months_before_retirement']} tháng đến tuổi nghỉ hưu (dự kiến {retire:%m/%Y})",
                citations.cite("rotation.retirement", on),
            )
    if teacher:
        recruited = _date(inputs.get("sector_start"))
        years = p["teacher_years_after_recruitment"]
        if recruited is None:
            notes.append("Hồ sơ thiếu ngày vào ngành: chưa kiểm tra được thời gian công tác sau tuyển dụng")
        elif on < add_months(recruited, years * 12):
            if inputs.get("volunteer") and to_hardship_area:
                notes.append(
                    f"Chưa đủ {years} năm kể từ khi tuyển dụng nhưng tự nguyện đến vùng khó khăn ({teachers_art19})"
                )
            else:
                exclude(
                    "recently_recruited",
                    f"Chưa đủ {years} năm công tác kể từ khi tuyển dụng (vào ngành {recruited:%d/%m/%Y})",
                    teachers_art19,
                )
    if kind == "secondment":
        done = inputs.get("secondment_months") or 0
        planned = planned_months or 0
        if done + planned > p["secondment_max_months"]:
            exclude(
                "secondment_limit",
                f"Tổng thời gian biệt phái vượt quá {p['secondment_max_months']} tháng "
                f"(đã biệt phái {done} tháng, dự kiến thêm {planned} tháng)",
                secondment_rule(on),
            )
    return out, notes


# --- ranking and assignment ------------------------------------------------------------

_PRIORITY_RANK = {"1": 4, "2": 3, "3": 2, "4": 1}
_MISSING = -1e12


def _ratings_level(inputs: dict, cents: dict) -> float:
    codes = [code for _, code, _ in rating_entries((inputs.get("ratings") or [])[:3])]
    return sum(RATING_ORDER.get(c, 0) for c in codes) / len(codes) if codes else _MISSING


def _older(inputs: dict, cents: dict) -> float:
    birth = _date(inputs.get("date_of_birth"))
    return -float(birth.toordinal()) if birth else _MISSING


def _tie_getter(item: str):
    """A function (inputs, cents) -> float for one link of the chain; larger is favoured."""
    if item.startswith(REF_PREFIX):
        code = item[len(REF_PREFIX) :]
        return lambda inputs, cents: cents.get(code, 0) / 100
    if item == "female":
        return lambda inputs, cents: 1.0 if inputs.get("gender") == "female" else 0.0
    if item == "older":
        return _older
    if item == "ratings":
        return _ratings_level
    if item == "priority_group":
        return lambda inputs, cents: float(_PRIORITY_RANK.get(inputs.get("priority_group") or "", 0))

    def plain(inputs: dict, cents: dict) -> float:
        value = inputs.get(item)
        return _MISSING if value is None else float(value)

    return plain


@dataclass(slots=True)
class Entry:
    """One candidate as the ranking sees it."""

    key: str
    inputs: dict
    eligible: bool = True
    total: Decimal = ZERO
    cents: dict = field(default_factory=dict)  # points by criterion, in cents

    def favour(self, getters: list) -> tuple:
        """Larger is more favoured: kept in a surplus, served first when moving home."""
        return (float(self.total), *(get(self.inputs, self.cents) for get in getters))


def rank(
    entries: Iterable[Entry], *, purpose: str, chain: list[str], volunteers_first: bool = True
) -> tuple[list[str], list[list[str]]]:
    """Order of the eligible candidates (position 1 first) and groups still tied after
    the whole chain (ordered by employee code so the result is stable).

    Direction (reference §5.3): for a surplus, volunteers go first (the most favoured of
    them first), then the *lowest* points move first; for closer to home, the highest
    points are served first.
    """
    getters = [_tie_getter(item) for item in chain]
    eligible = [(e.favour(getters), e) for e in entries if e.eligible]
    best_first = sorted(eligible, key=lambda fe: (tuple(-x for x in fe[0]), fe[1].key))
    if purpose == "closer_to_home":
        ordered = best_first
    else:
        volunteers = [fe for fe in best_first if volunteers_first and fe[1].inputs.get("volunteer")]
        others = [fe for fe in eligible if not (volunteers_first and fe[1].inputs.get("volunteer"))]
        ordered = volunteers + sorted(others, key=lambda fe: (fe[0], fe[1].key))
    ties: list[list[str]] = []
    for i in range(1, len(ordered)):
        (prev_key, prev), (key, cur) = ordered[i - 1], ordered[i]
        split = purpose != "closer_to_home" and volunteers_first  # volunteers are a group of their own
        same_group = not split or bool(prev.inputs.get("volunteer")) == bool(cur.inputs.get("volunteer"))
        if prev_key == key and same_group:
            if ties and ties[-1][-1] == prev.key:
                ties[-1].append(cur.key)
            else:
                ties.append([prev.key, cur.key])
    return [e.key for _, e in ordered], ties


def assign_posts(
    order: list[str],
    posts: list[tuple[int, int]],
    preferences: dict[str, list[int]],
    *,
    any_post: bool,
) -> tuple[dict[str, int], list[tuple[int, int]]]:
    """Serve candidates in ranking order; each gets their highest-preference post that
    still has room. With `any_post` (a surplus: the person must move somewhere) someone
    whose preferences are full takes the first post with room. Returns the assignment
    and the posts left with unfilled places — those are reported, never filled silently."""
    room = dict(posts)
    post_order = [pid for pid, _ in posts]
    assigned: dict[str, int] = {}
    for key in order:
        if not any(room.values()):
            break
        choice = next((pid for pid in preferences.get(key, []) if room.get(pid, 0) > 0), None)
        if choice is None and any_post:
            choice = next((pid for pid in post_order if room[pid] > 0), None)
        if choice is not None:
            assigned[key] = choice
            room[choice] -= 1
    return assigned, [(pid, room[pid]) for pid in post_order if room[pid] > 0]


@dataclass(slots=True)
class Outcome:
    key: str
    eligible: bool
    exclusions: list[dict]
    notes: list[str]
    total: Decimal
    breakdown: list[dict]
    rank: int | None = None
    post: int | None = None


@dataclass
class RoundOutcome:
    results: dict[str, Outcome]
    order: list[str]
    ties: list[list[str]]
    unfilled: list[tuple[int, int]]


def evaluate_round(
    candidates: Iterable[tuple[str, dict, list[int]]],
    *,
    compiled: CompiledSet,
    purpose: str,
    kind: str,
    on: dt.date,
    posts: list[tuple[int, int]],
    chain: list[str],
    eligibility: dict | None = None,
    volunteers_first: bool = True,
    to_hardship_area: bool = False,
    planned_months: int | None = None,
) -> RoundOutcome:
    """Score, filter, rank and assign a whole pool: (key, inputs, preferred post ids)."""
    params = {**DEFAULT_ELIGIBILITY, **(eligibility or {})}
    results: dict[str, Outcome] = {}
    entries: list[Entry] = []
    preferences: dict[str, list[int]] = {}
    for key, inputs, prefs in candidates:
        total, lines, cents = compiled.score(inputs)
        exclusions, notes = check_eligibility(
            inputs,
            on=on,
            kind=kind,
            to_hardship_area=to_hardship_area,
            planned_months=planned_months,
            params=params,
        )
        results[key] = Outcome(key, not exclusions, exclusions, notes, total, lines)
        entries.append(Entry(key, inputs, not exclusions, total, cents))
        preferences[key] = prefs
    order, ties = rank(entries, purpose=purpose, chain=chain, volunteers_first=volunteers_first)
    assigned, unfilled = assign_posts(order, posts, preferences, any_post=purpose == "surplus")
    for position, key in enumerate(order, start=1):
        results[key].rank = position
        results[key].post = assigned.get(key)
    return RoundOutcome(results, order, ties, unfilled)


# --- leader selection (thi tuyển lãnh đạo, reference §4.5) -----------------------------

LEADER_PARTS = {"exam": "Thi viết", "presentation": "Trình bày đề án", "interview": "Phỏng vấn"}
LEADER_TIE_BREAKS = {
    "exam": "điểm thi viết cao hơn",
    "presentation": "điểm trình bày đề án cao hơn",
    "interview": "điểm phỏng vấn cao hơn",
    "female": "nữ",
    "older": "nhiều tuổi hơn",
}
# Decree 115/2020 art. 10 breaks recruitment ties on the written (round 1) score first,
# then the head of the agency decides; we follow that order for the written part.
DEFAULT_LEADER_TIE_BREAK = ["exam", "interview", "presentation"]


def combine_panel(scores: Iterable, *, drop_extremes: bool) -> Decimal | None:
    """Average of the panel's scores; with `drop_extremes` and at least three scores, one
    highest and one lowest are left out first."""
    values = sorted(to_decimal(s) for s in scores if s is not None)
    if not values:
        return None
    if drop_extremes and len(values) >= 3:
        values = values[1:-1]
    return round2(sum(values, ZERO) / len(values))


def validate_leader_tie_break(chain) -> list[str]:
    if not isinstance(chain, list) or any(item not in LEADER_TIE_BREAKS for item in chain):
        return [f"Thứ tự ưu tiên khi bằng điểm chỉ gồm: {', '.join(LEADER_TIE_BREAKS)}"]
    return []


def rank_leaders(
    rows: Iterable[dict],
    *,
    weights: dict[str, Decimal],
    pass_marks: dict[str, Decimal | None],
    pass_total: Decimal | None,
    chain: list[str],
) -> list[dict]:
    """rows: {key, exam, presentation, interview, gender, date_of_birth}. Adds total,
    passed, failed (reasons) and rank. Parts with weight 0 do not count; a candidate
    missing a counted part is listed last, unranked."""
    parts = [p for p in LEADER_PARTS if (to_decimal(weights.get(p)) or ZERO) > 0]
    weight_sum = sum((to_decimal(weights[p]) for p in parts), ZERO)
    out = []
    for row in rows:
        row = dict(row)
        missing = [p for p in parts if row.get(p) is None]
        row["failed"] = []
        if missing or not parts:
            row.update(total=None, passed=False, complete=False)
            row["failed"] = [f"Chưa đủ điểm phần {LEADER_PARTS[p].lower()}" for p in missing]
            out.append(row)
            continue
        total = sum((to_decimal(weights[p]) * to_decimal(row[p]) for p in parts), ZERO) / weight_sum
        row["total"] = round2(total)
        for p in parts:
            mark = to_decimal(pass_marks.get(p))
            if mark is not None and to_decimal(row[p]) < mark:
                row["failed"].append(f"{LEADER_PARTS[p]} dưới điểm sàn {fmt(mark)}")
        if pass_total is not None and row["total"] < to_decimal(pass_total):
            row["failed"].append(f"Tổng điểm dưới mức đạt {fmt(pass_total)}")
        row.update(passed=not row["failed"], complete=True)
        out.append(row)

    def favour(row: dict) -> tuple:
        values = []
        for item in chain:
            if item == "female":
                values.append(1.0 if row.get("gender") == "female" else 0.0)
            elif item == "older":
                birth = _date(row.get("date_of_birth"))
                values.append(-float(birth.toordinal()) if birth else _MISSING)
            else:
                value = row.get(item)
                values.append(_MISSING if value is None else float(value))
        return (1 if row["passed"] else 0, float(row["total"]), *values)

    complete = sorted((r for r in out if r["complete"]), key=lambda r: (tuple(-x for x in favour(r)), r["key"]))
    for position, row in enumerate(complete, start=1):
        row["rank"] = position
        row["tied_with_previous"] = position > 1 and favour(row) == favour(complete[position - 2])
    incomplete = [dict(r, rank=None, tied_with_previous=False) for r in out if not r["complete"]]
    return complete + sorted(incomplete, key=lambda r: r["key"])
