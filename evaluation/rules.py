"""The evaluation frameworks as data, and the rules that read them, as plain functions.

Plain values in, plain values out; no ORM here (tests/test_dependency_rule.py and the
pure-rules contract say so), so tests/evaluation/test_rules.py runs in milliseconds.

Sources, tagged as in ../shared/reference/vietnam-rules.md §3:
[C] confirmed in a public copy of the text or a reliable report of it, [S] secondary
source only, [M] from the reference's own transcription, [U] not verified: our reading,
kept as data so a unit (or a later correction) can change it without touching code.

- Decree 335/2025/NĐ-CP (21/12/2025), công chức, from 1/1/2026 [C]: 100-point scale
  tracked monthly or quarterly; Art. 12 general criteria ≤ 30 points [C]; task results
  ≤ 70 points from the quantity, quality and timeliness of converted products [C]
  (Arts. 13-16); each product failing on quality loses 25 % of its quality points, each
  late product 25 % of its timeliness points, unless the cause was objective [C];
  Art. 20 thresholds 90 / 70 / 50 and the "không hoàn thành" overrides [C]; xuất sắc
  ≤ 20 % of the number rated tốt within an agency and task group [C]; Art. 21 the
  year rated before 15/12 on the average of the monthly or quarterly results [C/S].
- Decree 233/2026/NĐ-CP, viên chức, from 1/7/2026 [M]: Art. 10 general 30, Art. 11
  results 70, Art. 12 thresholds and quota (20 %, 25 % where the unit is xuất sắc; a
  head not above their unit), Art. 12(5) a unit's quy chế sets sub-criterion points,
  Art. 14 < 6 months → not rated, Art. 15 rate before 5/12, Art. 19 Decree 90/2020
  ends on 1/7/2026.
- Decree 90/2020/NĐ-CP as amended by 48/2023/NĐ-CP (from 15/9/2023) for viên chức until
  30/6/2026 [C]: four qualitative levels (no points), < 6 months worked → not rated
  (maternity excepted), absent 3 to < 6 months → not above hoàn thành, disciplined in
  the year → không hoàn thành; rate before 15/12 (Art. 20 of 90/2020).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# --- numbers ---------------------------------------------------------------------------

ZERO = Decimal(0)
CENT = Decimal("0.01")


def to_decimal(value) -> Decimal | None:
    """A JSON number (or numeric string) as Decimal; None, bools and junk give None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fmt(value) -> str:
    """Vietnamese number: decimal comma, no trailing zeros ('7,5', '12')."""
    number = to_decimal(value)
    if number is None:
        return ""
    text = f"{round2(number):f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


# --- levels ----------------------------------------------------------------------------

XUAT_SAC = "xuat_sac"
TOT = "tot"
HOAN_THANH = "hoan_thanh"
KHONG_HOAN_THANH = "khong_hoan_thanh"
NOT_RATED = "not_rated"

LEVELS: tuple[str, ...] = (XUAT_SAC, TOT, HOAN_THANH, KHONG_HOAN_THANH, NOT_RATED)
LEVEL_LABELS = {
    XUAT_SAC: gettext_lazy("Hoàn thành xuất sắc nhiệm vụ"),
    TOT: gettext_lazy("Hoàn thành tốt nhiệm vụ"),
    HOAN_THANH: gettext_lazy("Hoàn thành nhiệm vụ"),
    KHONG_HOAN_THANH: gettext_lazy("Không hoàn thành nhiệm vụ"),
    NOT_RATED: gettext_lazy("Không xếp loại"),
}
LEVEL_CHOICES = [(code, LEVEL_LABELS[code]) for code in LEVELS]
# Higher is better; "not rated" sits outside the order.
RANK = {KHONG_HOAN_THANH: 0, HOAN_THANH: 1, TOT: 2, XUAT_SAC: 3}


def level_label(code: str) -> str:
    return str(LEVEL_LABELS.get(code, code))


class RuleError(ValueError):
    """A refused input; `message` is Vietnamese and shown as is."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


class RegimeError(RuleError):
    def __init__(self, message: str):
        super().__init__(message, code="regime")


# --- frameworks ------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    code: str
    label: str
    max_points: Decimal
    group: str  # "general" (≤ 30 in total) | "results" (≤ 70)
    discipline: bool = False  # the criterion attendance evidence sits beside
    competence: bool = False  # the criterion a linked competency exam sits beside


@dataclass(frozen=True)
class Regime:
    code: str
    label: str
    category: str  # hr_system Employee.Category value: "civil_servant" | "public_employee"
    effective_from: dt.date
    effective_to: dt.date | None
    scale: str  # "points100" | "qualitative"
    criteria: tuple[Criterion, ...]
    thresholds: tuple[tuple[int, str], ...]
    quota_rate: Decimal
    quota_rate_unit_excellent: Decimal | None
    head_not_above_unit: bool
    min_months_worked: int
    maternity_exempt: bool
    absent_cap: tuple[int, int, str] | None  # (from months, below months, highest level)
    yearly_deadline: tuple[int, int]  # (month, day)
    severities: dict[str, str] = field(default_factory=dict)  # problem code -> block | warn
    articles: dict[str, str] = field(default_factory=dict)

    def criterion(self, code: str) -> Criterion | None:
        return next((c for c in self.criteria if c.code == code), None)

    def group_max(self, group: str) -> Decimal:
        return sum((c.max_points for c in self.criteria if c.group == group), ZERO)

    def severity(self, problem_code: str) -> str:
        return self.severities.get(problem_code, "block")

    @property
    def scored(self) -> bool:
        return self.scale == "points100"


def _criteria_100() -> tuple[Criterion, ...]:
    # The general group is fixed at 30 points and results at 70 (Decree 335/2025 Art. 12
    # [C]; Decree 233/2026 Arts. 10-11 [M]). The five general sub-criteria and their
    # 6 points each are our default grouping of the Art. 12 / Phụ lục I headings [U]:
    # a unit's quy chế sets its own split within the 30 (Decree 233/2026 Art. 12(5)).
    six = Decimal(6)
    return (
        Criterion("chinh_tri_dao_duc", gettext_lazy("Phẩm chất chính trị, đạo đức, lối sống"), six, "general"),
        Criterion(
            "ky_luat_ky_cuong",
            gettext_lazy("Văn hóa công vụ, ý thức kỷ luật, kỷ cương trong thực thi công vụ"),
            six,
            "general",
            discipline=True,
        ),
        Criterion(
            "trach_nhiem_phuc_vu", gettext_lazy("Tinh thần trách nhiệm, thái độ phục vụ Nhân dân"), six, "general"
        ),
        Criterion("nang_luc", gettext_lazy("Năng lực, kỹ năng chuyên môn"), six, "general", competence=True),
        Criterion("doi_moi_sang_tao", gettext_lazy("Đổi mới, sáng tạo, dám nghĩ, dám làm"), six, "general"),
        Criterion("ket_qua_nhiem_vu", gettext_lazy("Kết quả thực hiện nhiệm vụ"), Decimal(70), "results"),
    )


THRESHOLDS_100 = ((90, XUAT_SAC), (70, TOT), (50, HOAN_THANH))

REGIMES: tuple[Regime, ...] = (
    Regime(
        code="nd335_2025",
        label=gettext_lazy("Nghị định 335/2025/NĐ-CP (công chức)"),
        category="civil_servant",
        effective_from=dt.date(2026, 1, 1),  # in force 1/1/2026 [C]
        effective_to=None,
        scale="points100",
        criteria=_criteria_100(),
        thresholds=THRESHOLDS_100,  # Art. 20 [C]
        quota_rate=Decimal("0.20"),  # Art. 20: ≤ 20 % of those rated tốt, same agency and task group [C]
        # "a higher ceiling for an outstanding organisation" [C]; 25 % taken from 233/2026 [U for 335].
        quota_rate_unit_excellent=Decimal("0.25"),
        # Not found in 335/2025 for công chức [U]: checked, but only as a warning.
        head_not_above_unit=False,
        min_months_worked=6,  # [U] for 335: carried over from 90/2020 as amended by 48/2023
        # Art. 21: a person on sick or maternity leave at rating time is rated on the
        # points of the time actually worked [S, read in a translation of the article].
        maternity_exempt=True,
        absent_cap=None,
        yearly_deadline=(12, 15),  # Art. 21: rated before 15/12 each year [C]
        severities={"quota": "block", "head_above_unit": "warn", "disciplined": "block", "short_service": "block"},
        articles={
            "general": "Nghị định 335/2025/NĐ-CP, Điều 12",
            "results": "Nghị định 335/2025/NĐ-CP, Điều 13-16",
            "thresholds": "Nghị định 335/2025/NĐ-CP, Điều 20",
            "quota": "Nghị định 335/2025/NĐ-CP, Điều 20",
        },
    ),
    Regime(
        code="nd233_2026",
        label=gettext_lazy("Nghị định 233/2026/NĐ-CP (viên chức)"),
        category="public_employee",
        effective_from=dt.date(2026, 7, 1),  # Art. 19: replaces 90/2020 from 1/7/2026 [M]
        effective_to=None,
        scale="points100",
        criteria=_criteria_100(),
        thresholds=THRESHOLDS_100,  # Art. 12 [M]
        quota_rate=Decimal("0.20"),  # Art. 12 [M]
        quota_rate_unit_excellent=Decimal("0.25"),  # Art. 12 [M]
        head_not_above_unit=True,  # Art. 12 [M]
        min_months_worked=6,  # Art. 14 [M]
        maternity_exempt=True,  # [U] the maternity exception read across from 48/2023
        absent_cap=None,
        yearly_deadline=(12, 5),  # Art. 15 [M]
        severities={"quota": "block", "head_above_unit": "block", "disciplined": "block", "short_service": "block"},
        articles={
            "general": "Nghị định 233/2026/NĐ-CP, Điều 10",
            "results": "Nghị định 233/2026/NĐ-CP, Điều 11",
            "thresholds": "Nghị định 233/2026/NĐ-CP, Điều 12",
            "quota": "Nghị định 233/2026/NĐ-CP, Điều 12",
            "rulebook": "Nghị định 233/2026/NĐ-CP, Điều 12 khoản 5",
            "short_service": "Nghị định 233/2026/NĐ-CP, Điều 14",
            "deadline": "Nghị định 233/2026/NĐ-CP, Điều 15",
        },
    ),
    Regime(
        code="nd90_2020_48_2023",
        label=gettext_lazy("Nghị định 90/2020/NĐ-CP, sửa đổi bởi 48/2023/NĐ-CP (viên chức)"),
        category="public_employee",
        effective_from=dt.date(2023, 9, 15),  # 48/2023 in force 15/9/2023 [C]
        effective_to=dt.date(2026, 6, 30),  # ended by 233/2026 Art. 19 [M]
        # Qualitative: the four levels of Arts. 12-15 are judged on criteria, not points,
        # so no criteria tree and no thresholds: the classification is entered directly.
        scale="qualitative",
        criteria=(),
        thresholds=(),
        # 48/2023 ties the share to the Party's rate for party members [C]; the earlier
        # 20 %-of-tốt rule of 90/2020 [U for its exact wording] is kept as a warning.
        quota_rate=Decimal("0.20"),
        quota_rate_unit_excellent=None,
        head_not_above_unit=False,
        min_months_worked=6,  # 48/2023 [C]
        maternity_exempt=True,  # 48/2023 [C]
        absent_cap=(3, 6, HOAN_THANH),  # 48/2023: absent 3 to < 6 months → not above hoàn thành [C]
        yearly_deadline=(12, 15),  # Art. 20 of 90/2020 [C]
        severities={"quota": "warn", "head_above_unit": "warn", "disciplined": "block", "short_service": "block"},
        articles={
            "thresholds": "Nghị định 90/2020/NĐ-CP, Điều 12-15",
            "overrides": "Nghị định 48/2023/NĐ-CP",
            "deadline": "Nghị định 90/2020/NĐ-CP, Điều 20",
        },
    ),
)
REGIME_CHOICES = [(r.code, r.label) for r in REGIMES]
_BY_CODE = {r.code: r for r in REGIMES}


def get_regime(code: str) -> Regime:
    regime = _BY_CODE.get(code)
    if regime is None:
        raise RegimeError(_("Không có khung đánh giá “%(code)s”.") % {"code": code})
    return regime


def _covers(regime: Regime, day: dt.date) -> bool:
    return regime.effective_from <= day and (regime.effective_to is None or day <= regime.effective_to)


def regime_for(category: str, day: dt.date) -> Regime:
    """The framework that applies to a staff category on a day."""
    for regime in REGIMES:
        if regime.category == category and _covers(regime, day):
            return regime
    raise RegimeError(
        _("Không có khung đánh giá, xếp loại áp dụng cho loại cán bộ này vào ngày %(day)s.")
        % {"day": day.strftime("%d/%m/%Y")}
    )


def check_regime(regime_code: str, category: str, period_start: dt.date, period_end: dt.date) -> Regime:
    """The regime, if it may be applied to this category over the whole period."""
    regime = get_regime(regime_code)
    if regime.category != category:
        raise RegimeError(_("%(regime)s không áp dụng cho loại cán bộ này.") % {"regime": regime.label})
    if not (_covers(regime, period_start) and _covers(regime, period_end)):
        until = regime.effective_to.strftime("%d/%m/%Y") if regime.effective_to else _("nay")
        raise RegimeError(
            _("%(regime)s chỉ áp dụng từ %(start)s đến %(end)s; kỳ %(from)s - %(to)s nằm ngoài thời gian đó.")
            % {
                "regime": regime.label,
                "start": regime.effective_from.strftime("%d/%m/%Y"),
                "end": until,
                "from": period_start.strftime("%d/%m/%Y"),
                "to": period_end.strftime("%d/%m/%Y"),
            }
        )
    return regime


# --- a unit's quy chế ----------------------------------------------------------------------


def criteria_maxima(regime: Regime, criteria_points: dict | None) -> dict[str, Decimal]:
    """Each criterion's maximum: the framework's default, replaced by the unit's own."""
    own = criteria_points or {}
    maxima = {}
    for c in regime.criteria:
        value = to_decimal(own.get(c.code))
        maxima[c.code] = c.max_points if value is None else value
    return maxima


def validate_rulebook(regime: Regime, criteria_points: dict, discipline_rule: dict | None = None) -> list[str]:
    """Problems of a unit's quy chế against the framework (Decree 233/2026 Art. 12(5)):
    sub-criterion points are the unit's, the group totals (30 / 70) are not."""
    problems: list[str] = []
    if not regime.scored:
        if criteria_points:
            problems.append(_("Khung đánh giá này không chấm điểm theo tiêu chí."))
        return problems
    for code, value in (criteria_points or {}).items():
        if regime.criterion(code) is None:
            problems.append(_("Tiêu chí “%(code)s” không có trong khung đánh giá.") % {"code": code})
        number = to_decimal(value)
        if number is None or number < 0:
            problems.append(_("Điểm tối đa của tiêu chí “%(code)s” phải là số không âm.") % {"code": code})
    if problems:
        return problems
    maxima = criteria_maxima(regime, criteria_points)
    for group, label in (("general", _("tiêu chí chung")), ("results", _("kết quả thực hiện nhiệm vụ"))):
        total = sum((maxima[c.code] for c in regime.criteria if c.group == group), ZERO)
        expected = regime.group_max(group)
        if total != expected:
            problems.append(
                _("Tổng điểm nhóm %(group)s là %(total)s, khung quy định %(expected)s.")
                % {"group": label, "total": fmt(total), "expected": fmt(expected)}
            )
    for key, value in (discipline_rule or {}).items():
        number = to_decimal(value)
        if key not in DISCIPLINE_RULE_KEYS:
            problems.append(_("Quy tắc trừ điểm kỷ luật không có mục “%(key)s”.") % {"key": key})
        elif number is None or number < 0:
            problems.append(_("Mục “%(key)s” của quy tắc trừ điểm phải là số không âm.") % {"key": key})
    return problems


def validate_scores(regime: Regime, criteria_points: dict | None, scores: dict) -> list[str]:
    """Problems of one set of scores: unknown criterion, not a number, negative, above the
    criterion's maximum in the unit's quy chế."""
    if not isinstance(scores, dict):
        return [_("Điểm phải là bảng {mã tiêu chí: điểm}.")]
    if not regime.scored:
        return [_("Khung đánh giá này xếp loại trực tiếp, không chấm điểm.")] if scores else []
    maxima = criteria_maxima(regime, criteria_points)
    problems: list[str] = []
    for code, value in scores.items():
        criterion = regime.criterion(code)
        if criterion is None:
            problems.append(_("Tiêu chí “%(code)s” không có trong khung đánh giá.") % {"code": code})
            continue
        number = to_decimal(value)
        if number is None:
            problems.append(_("Điểm tiêu chí “%(label)s” phải là số.") % {"label": criterion.label})
        elif number < 0:
            problems.append(_("Điểm tiêu chí “%(label)s” không được âm.") % {"label": criterion.label})
        elif number > maxima[code]:
            problems.append(
                _("Điểm tiêu chí “%(label)s” là %(points)s, vượt mức tối đa %(max)s.")
                % {"label": criterion.label, "points": fmt(number), "max": fmt(maxima[code])}
            )
    return problems


def total_of(scores: dict) -> Decimal:
    return round2(sum((to_decimal(v) or ZERO for v in scores.values()), ZERO))


# --- task results (Decree 335/2025 Arts. 13-16) ---------------------------------------

# How the results points split between quantity, quality and timeliness. The decree
# scores each as a percentage of the converted products assigned [C] and combines the
# three (a), (b), (c) in a formula we could read only as an image caption [S]: the
# default is an even split (the mean of the three percentages × 70), and a unit's quy
# chế may set its own (Rulebook.results_split) until the text is checked.
DEFAULT_RESULTS_SPLIT = {"quantity": Decimal(1) / 3, "quality": Decimal(1) / 3, "timeliness": Decimal(1) / 3}
# Each product failing its quality review loses 25 % of its quality points; each late
# one 25 % of its timeliness points; both unless the cause was objective and confirmed
# by the competent person [C] (Arts. 13-16, as reported by laodong.vn and kienthuc.net.vn).
# The product records one cause, accepted for lateness; errors have no exception here.
REJECTED_LOSS = Decimal("0.25")
LATE_LOSS = Decimal("0.25")


def results_split(split: dict | None) -> dict[str, Decimal]:
    own = {k: to_decimal(v) for k, v in (split or {}).items()}
    if not own or any(v is None or v < 0 for v in own.values()) or set(own) != set(DEFAULT_RESULTS_SPLIT):
        return dict(DEFAULT_RESULTS_SPLIT)
    total = sum(own.values(), ZERO)
    if total <= 0:
        return dict(DEFAULT_RESULTS_SPLIT)
    return {k: v / total for k, v in own.items()}


def results_points(lines: Iterable[dict], max_points, split: dict | None = None) -> dict:
    """Results points from the period's products, converted to standard products.

    lines: dicts of quantity (assigned), quantity_done, standard_units, rejected, late,
    cause_accepted. Each part is a percentage of the converted products assigned
    (capped at 100 %): quantity = done; quality = done, each rejected product counting
    only 75 %; timeliness = done, each late product without an accepted cause counting
    only 75 %."""
    maximum = to_decimal(max_points) or ZERO
    weights = results_split(split)
    assigned = done = rejected = late = ZERO
    late_excused = ZERO
    for line in lines:
        units = to_decimal(line.get("standard_units")) or ZERO
        quantity = max(to_decimal(line.get("quantity")) or ZERO, ZERO)
        finished = max(to_decimal(line.get("quantity_done")) or ZERO, ZERO)
        bad = min(Decimal(int(line.get("rejected") or 0)), finished)
        slow = min(Decimal(int(line.get("late") or 0)), finished)
        assigned += quantity * units
        done += finished * units
        rejected += bad * units
        if line.get("cause_accepted"):
            late_excused += slow * units
        else:
            late += slow * units
    q_max = maximum * weights["quantity"]
    ql_max = maximum * weights["quality"]
    t_max = maximum * weights["timeliness"]
    if assigned <= 0:
        quantity_pts = quality_pts = timeliness_pts = ZERO
    else:
        one = Decimal(1)
        quantity_pts = q_max * min(done / assigned, one)
        quality_pts = ql_max * min((done - REJECTED_LOSS * rejected) / assigned, one)
        timeliness_pts = t_max * min((done - LATE_LOSS * late) / assigned, one)
    parts = {"quantity": round2(quantity_pts), "quality": round2(quality_pts), "timeliness": round2(timeliness_pts)}
    # The total is rounded once, from the unrounded parts (thirds of 70 shown as 23,33
    # each still give 70).
    return {
        **parts,
        "total": min(round2(quantity_pts + quality_pts + timeliness_pts), maximum),
        "assigned_units": round2(assigned),
        "done_units": round2(done),
        "rejected_units": round2(rejected),
        "late_units": round2(late),
        "late_excused_units": round2(late_excused),
        "max_points": maximum,
    }


# --- discipline criterion: the unit's own rule (no statute fixes one) -----------------

DISCIPLINE_RULE_KEYS = (
    "late_per",
    "late_points",
    "early_per",
    "early_points",
    "unexcused_absence_points",
    "missing_punch_per",
    "missing_punch_points",
    "cap",
)
# An illustrative default, labelled as the unit's nội quy, not law (vietnam-rules §3).
DEFAULT_DISCIPLINE_RULE = {
    "late_per": 2,
    "late_points": 1,
    "early_per": 2,
    "early_points": 1,
    "unexcused_absence_points": 2,
    "missing_punch_per": 3,
    "missing_punch_points": Decimal("0.5"),
}


def discipline_deduction(facts: dict, rule: dict | None, max_points) -> tuple[Decimal, str]:
    """Points deducted from the discipline criterion for the period's attendance facts
    (late, early, unexcused_absences, missing_punches), under the unit's own rule:
    `points` for each full block of `per` occurrences, `unexcused_absence_points` per
    day; capped at the rule's cap and never above the criterion's maximum."""
    rule = {**DEFAULT_DISCIPLINE_RULE, **(rule or {})}
    maximum = to_decimal(max_points) or ZERO
    cap = min(to_decimal(rule.get("cap")) or maximum, maximum)
    parts: list[str] = []
    deducted = ZERO

    def blocks(count_key: str, per_key: str, points_key: str, label: str) -> None:
        nonlocal deducted
        count = int(facts.get(count_key) or 0)
        per = int(to_decimal(rule.get(per_key)) or 0)
        points = to_decimal(rule.get(points_key)) or ZERO
        if count <= 0 or per <= 0 or points <= 0:
            return
        n = count // per
        if n:
            deducted += n * points
            parts.append(
                _("%(count)s lần %(label)s (trừ %(points)s điểm mỗi %(per)s lần): -%(total)s")
                % {"count": count, "label": label, "points": fmt(points), "per": per, "total": fmt(n * points)}
            )

    blocks("late", "late_per", "late_points", _("đi muộn"))
    blocks("early", "early_per", "early_points", _("về sớm"))
    blocks("missing_punches", "missing_punch_per", "missing_punch_points", _("thiếu lượt chấm công"))
    # Days, not occurrences: a half day's unexcused absence counts as half a day.
    absences = max(to_decimal(facts.get("unexcused_absences")) or ZERO, ZERO)
    absence_points = to_decimal(rule.get("unexcused_absence_points")) or ZERO
    if absences > 0 and absence_points > 0:
        deducted += absences * absence_points
        parts.append(
            _("%(count)s ngày nghỉ không lý do (trừ %(points)s điểm mỗi ngày): -%(total)s")
            % {"count": fmt(absences), "points": fmt(absence_points), "total": fmt(absences * absence_points)}
        )
    capped = min(deducted, cap)
    if capped < deducted:
        parts.append(_("tối đa trừ %(cap)s điểm") % {"cap": fmt(cap)})
    if not parts:
        parts.append(_("không có vi phạm"))
    explanation = "; ".join(parts) + " " + _("(theo quy chế của đơn vị, không phải quy định của pháp luật)")
    return round2(capped), explanation


# --- classification -------------------------------------------------------------------


def classify(
    total,
    *,
    regime: Regime,
    disciplined: bool,
    months_worked: float,
    maternity: bool = False,
    months_absent: float = 0,
    entered: str | None = None,
) -> tuple[str, list[str]]:
    """The level and why. A points regime reads the total against its thresholds; a
    qualitative one takes the `entered` level. Then the overrides, in order of force:
    under the minimum months worked (maternity excepted) → not rated; disciplined
    (khiển trách or above) in the year → không hoàn thành; absent 3 to < 6 months →
    not above hoàn thành (48/2023)."""
    reasons: list[str] = []
    if months_worked < regime.min_months_worked and not (maternity and regime.maternity_exempt):
        reasons.append(
            _("Làm việc %(months)s tháng, dưới %(min)s tháng trong năm: không xếp loại.")
            % {"months": fmt(months_worked), "min": regime.min_months_worked}
        )
        return NOT_RATED, reasons
    if regime.scored:
        number = to_decimal(total)
        if number is None:
            raise RuleError(_("Chưa có tổng điểm để xếp loại."))
        level = KHONG_HOAN_THANH
        for threshold, name in regime.thresholds:
            if number >= threshold:
                level = name
                break
        reasons.append(_("Tổng điểm %(total)s: %(level)s.") % {"total": fmt(number), "level": level_label(level)})
    else:
        if entered not in RANK:
            raise RuleError(_("Khung đánh giá này cần chọn trực tiếp mức xếp loại."))
        level = entered
    if disciplined and level != KHONG_HOAN_THANH:
        level = KHONG_HOAN_THANH
        reasons.append(_("Bị kỷ luật từ khiển trách trở lên trong năm: không hoàn thành nhiệm vụ."))
    if regime.absent_cap is not None:
        low, high, ceiling = regime.absent_cap
        if low <= months_absent < high and RANK[level] > RANK[ceiling]:
            level = ceiling
            reasons.append(
                _("Vắng mặt %(months)s tháng (từ %(low)s đến dưới %(high)s tháng): không cao hơn %(level)s.")
                % {"months": fmt(months_absent), "low": low, "high": high, "level": level_label(ceiling)}
            )
    return level, reasons


# --- checks before a decision ---------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    code: str  # quota | head_above_unit | disciplined | short_service
    severity: str  # block | warn
    message: str
    employee_ids: tuple[int, ...] = ()


def quota_problems(rows: Iterable[dict], *, regime: Regime, unit_excellent: bool = False) -> list[Problem]:
    """The xuất sắc quota per (agency, task group).

    rows: dicts of employee_id, agency, task_group, level, and optional pending (True
    for the rows being decided now). The ceiling is a share "of the total number rated
    hoàn thành tốt nhiệm vụ" (Decree 335/2025 Art. 20(5)(a) [C]): those rated tốt only,
    not tốt-and-above. The allowance is rounded down, a fraction of a person being no
    person [U: no rounding rule found], so a group with under 5 rated tốt has no room
    for a xuất sắc."""
    rate = regime.quota_rate
    if unit_excellent and regime.quota_rate_unit_excellent is not None:
        rate = regime.quota_rate_unit_excellent
    groups: dict[tuple, dict[str, list]] = defaultdict(lambda: {"tot": [], "xs": [], "pending_xs": []})
    for row in rows:
        key = (row.get("agency"), row.get("task_group") or "")
        if row.get("level") == TOT:
            groups[key]["tot"].append(row["employee_id"])
        elif row.get("level") == XUAT_SAC:
            groups[key]["xs"].append(row["employee_id"])
            if row.get("pending"):
                groups[key]["pending_xs"].append(row["employee_id"])
    problems = []
    for (_agency, group), g in groups.items():
        allowed = int(rate * len(g["tot"]))
        if len(g["xs"]) <= allowed:
            continue
        over = g["pending_xs"] or g["xs"]
        problems.append(
            Problem(
                code="quota",
                severity=regime.severity("quota"),
                message=_(
                    "Nhóm %(group)s: %(xs)s người xếp loại xuất sắc, vượt tỷ lệ %(rate)s%% của %(tot)s người "
                    "xếp loại tốt (tối đa %(allowed)s)."
                )
                % {
                    "group": group or _("chung"),
                    "xs": len(g["xs"]),
                    "rate": fmt(rate * 100),
                    "tot": len(g["tot"]),
                    "allowed": allowed,
                },
                employee_ids=tuple(over),
            )
        )
    return problems


def consistency_problems(
    evaluation_rows: Iterable[dict], unit_level: str | None = None, *, regime: Regime
) -> list[Problem]:
    """A head above their unit, a disciplined person above không hoàn thành, a person
    with under the minimum months rated. rows: dicts of employee_id, level,
    is_unit_head, disciplined, months_worked, maternity."""
    heads, disciplined, short = [], [], []
    for row in evaluation_rows:
        level = row.get("level")
        if level not in RANK:
            continue
        if row.get("is_unit_head") and unit_level in RANK and RANK[level] > RANK[unit_level]:
            heads.append(row["employee_id"])
        if row.get("disciplined") and level != KHONG_HOAN_THANH:
            disciplined.append(row["employee_id"])
        months = row.get("months_worked")
        if (
            months is not None
            and months < regime.min_months_worked
            and not (row.get("maternity") and regime.maternity_exempt)
        ):
            short.append(row["employee_id"])
    problems = []
    if heads:
        problems.append(
            Problem(
                "head_above_unit",
                regime.severity("head_above_unit"),
                _("Người đứng đầu được xếp loại cao hơn đơn vị (%(level)s).") % {"level": level_label(unit_level)},
                tuple(heads),
            )
        )
    if disciplined:
        problems.append(
            Problem(
                "disciplined",
                regime.severity("disciplined"),
                _("Người bị kỷ luật trong năm phải xếp loại không hoàn thành nhiệm vụ."),
                tuple(disciplined),
            )
        )
    if short:
        problems.append(
            Problem(
                "short_service",
                regime.severity("short_service"),
                _("Người làm việc dưới %(min)s tháng trong năm không được xếp loại.")
                % {"min": regime.min_months_worked},
                tuple(short),
            )
        )
    return problems


# --- periods and deadlines ------------------------------------------------------------


def period_bounds(kind: str, start: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of a month, quarter or year starting on `start`."""
    if kind == "month":
        if start.day != 1:
            raise RuleError(_("Kỳ tháng phải bắt đầu từ ngày 1."))
        return start, start.replace(day=calendar.monthrange(start.year, start.month)[1])
    if kind == "quarter":
        if start.day != 1 or start.month not in (1, 4, 7, 10):
            raise RuleError(_("Kỳ quý phải bắt đầu từ ngày 1/1, 1/4, 1/7 hoặc 1/10."))
        last_month = start.month + 2
        return start, dt.date(start.year, last_month, calendar.monthrange(start.year, last_month)[1])
    if kind == "year":
        if (start.month, start.day) != (1, 1):
            raise RuleError(_("Kỳ năm phải bắt đầu từ ngày 1/1."))
        return start, dt.date(start.year, 12, 31)
    raise RuleError(_("Kỳ đánh giá phải là tháng, quý hoặc năm."))


def period_label(kind: str, start: dt.date) -> str:
    if kind == "month":
        return _("Tháng %(m)s/%(y)s") % {"m": start.month, "y": start.year}
    if kind == "quarter":
        return _("Quý %(q)s/%(y)s") % {"q": (start.month - 1) // 3 + 1, "y": start.year}
    return _("Năm %(y)s") % {"y": start.year}


def deadline_for(regime: Regime, year: int) -> dt.date:
    month, day = regime.yearly_deadline
    return dt.date(year, month, day)


def mean_total(totals: Iterable) -> Decimal | None:
    """The yearly score from the periods' totals: their mean. Decree 335/2025 Art. 21
    has the year rated on the average of the monthly or quarterly results [S: read in a
    translation of the article]; kept in one place."""
    numbers = [to_decimal(t) for t in totals]
    numbers = [n for n in numbers if n is not None]
    if not numbers:
        return None
    return round2(sum(numbers, ZERO) / len(numbers))
