"""Item analysis, results exports and official PDFs (pandas and numpy live here).

Item statistics follow Moodle's quiz statistics report (reference exam-anchors.md §1.2):
facility, item SD, discrimination index = corrected item–rest correlation × 100,
discriminative efficiency against cov_max from the sorted marginals, and for the test
skewness, kurtosis, Cronbach's α (the coefficient of internal consistency, which is
KR-20 for 0/1 items), error ratio and SEM, all with s−1 denominators. On top of that,
the classical upper/lower 27 % groups and a distractor analysis (§3.1–§3.2).

An item is marked 1 when answered exactly right and 0 otherwise (blank or wrong). A
negative mark is a scoring rule, not part of the item's psychometrics, so it does not
enter these statistics; the test score analysed is the number of right answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from django.utils import formats
from django.utils.translation import gettext as _

from assessments import results, scoring
from assessments.access import exams_for
from assessments.models import Attempt, Exam, ExamPart, PaperItem, QuestionVersion
from hr_system import pdf, spreadsheets

MIN_N = 3  # correlations and the 27 % groups need at least three attempts
GROUP_SHARE = 0.27  # Kelley's upper and lower groups
TOO_EASY = 90.0  # facility % at or above which an item tells candidates apart poorly
TOO_HARD = 20.0  # facility % at or below which it does the same from the other end
RARE_OPTION = 5.0  # a distractor chosen by fewer than 5 % does not function (Tarrant et al. 2009)
LETTERS = "ABCDEFGHIJKLMNOP"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FLAG_MISKEY = "miskey"
FLAG_NONFUNCTIONING = "nonfunctioning"
FLAG_TOO_EASY = "too_easy"
FLAG_TOO_HARD = "too_hard"


def flag_labels() -> dict[str, str]:
    return {
        FLAG_MISKEY: _("có thể sai đáp án"),
        FLAG_NONFUNCTIONING: _("phương án nhiễu không hiệu quả"),
        FLAG_TOO_EASY: _("quá dễ"),
        FLAG_TOO_HARD: _("quá khó"),
    }


def exam_choices_for(user) -> list[tuple[int, str]]:
    """(id, title) of the exams in the caller's exam-board / HR scope, newest first: what
    a unit may link to the competence criterion of its quy chế đánh giá (issue 17). The
    evaluation app reads exams only through this module (import contract)."""
    return [(pk, title) for pk, title in exams_for(user).order_by("-pk").values_list("pk", "title")[:200]]


# --- small statistics helpers (None instead of NaN, never a division by zero) -------------


def _mean(a: np.ndarray) -> float | None:
    return float(a.mean()) if len(a) else None


def _sd(a: np.ndarray) -> float | None:
    return float(a.std(ddof=1)) if len(a) >= 2 else None


def _var(a: np.ndarray) -> float | None:
    return float(a.var(ddof=1)) if len(a) >= 2 else None


def _constant(a: np.ndarray) -> bool:
    return len(a) == 0 or float(np.ptp(a)) == 0.0


def _corr(a: np.ndarray, b: np.ndarray) -> float | None:
    if len(a) < MIN_N or _constant(a) or _constant(b):
        return None
    return float(np.corrcoef(a, b)[0, 1])


def _cov(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.cov(a, b, ddof=1)[0, 1])


def _pct(value: float | None) -> float | None:
    return None if value is None else 100 * value


def score_statistics(totals: np.ndarray) -> dict:
    """Mean, median, SD, skewness and kurtosis of the test scores (Moodle's formulas)."""
    s = len(totals)
    out = {"n": s, "mean": _mean(totals), "median": float(np.median(totals)) if s else None, "sd": _sd(totals)}
    out["skewness"] = out["kurtosis"] = None
    if s > 2:
        d = totals - totals.mean()
        m2, m3, m4 = (float((d**r).mean()) for r in (2, 3, 4))
        k2 = s * m2 / (s - 1)
        if k2 > 0:
            k3 = s * s * m3 / ((s - 1) * (s - 2))
            out["skewness"] = k3 / k2**1.5
            if s > 3:
                k4 = s * s * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2) / ((s - 1) * (s - 2) * (s - 3))
                out["kurtosis"] = k4 / (k2 * k2)
    return out


# --- the analysis over plain values ------------------------------------------------------


def analyse(answers: Iterable[tuple], keys: Mapping[int, Mapping], mode: str = scoring.ALL_OR_NOTHING) -> dict:
    """Item and test statistics from plain answers.

    answers: (attempt_id, version_id, selected option ids or None), one per paper item.
    keys: {version_id: {"kind", "options": [{"id", "text", "correct", "weight"?}]}}, in
    report order. mode: the exam's scoring mode. Every statistic is computed on the
    mark each answer was awarded (scoring.item_mark, 0..1): 1/0 all-or-nothing, the
    weighted share under partial credit — so facility is the mean mark, as in Moodle.
    The exam's negative marking is left out: it is the same for every item and would
    only shift the figures, not rank the items differently.

    Papers drawn at random from a bank differ between candidates, so every item is
    analysed over the attempts that had it. The test's α is exact when everyone sat the
    same questions ("fixed_form"); otherwise Σ var(x_i) is averaged over the papers.
    Units: facility, sd, upper/lower facility and option shares are percentages;
    discrimination_index and discriminative_efficiency are ×100 as in Moodle;
    point_biserial, option r and upper_lower_d are plain coefficients in [−1, 1].
    """
    version_ids = list(keys)
    v_index = {v: i for i, v in enumerate(version_ids)}
    answers = [a for a in answers if a[1] in v_index]
    attempt_ids = sorted({a[0] for a in answers})
    a_index = {a: i for i, a in enumerate(attempt_ids)}
    marks = np.full((len(attempt_ids), len(version_ids)), np.nan)
    chosen: dict[tuple[int, int], frozenset] = {}
    for attempt_id, version_id, selected in answers:
        key = keys[version_id]
        correct = [o["id"] for o in key["options"] if o.get("correct")]
        a, v = a_index[attempt_id], v_index[version_id]
        weights = scoring.option_weights(key["options"])
        marks[a, v] = scoring.item_mark(key["kind"], correct, selected, weights, mode)[0]
        chosen[(a, v)] = frozenset(selected or ())

    had = ~np.isnan(marks)
    totals = np.nansum(marks, axis=1)
    lengths = had.sum(axis=1)
    n = len(attempt_ids)

    # Kelley's groups over the share of the paper's marks earned (ties cut by attempt id).
    upper: set[int] = set()
    lower: set[int] = set()
    group_size = None
    if n >= MIN_N:
        fraction = np.divide(totals, lengths, out=np.zeros_like(totals), where=lengths > 0)
        order = np.lexsort((np.array(attempt_ids), -fraction))
        group_size = max(1, int(GROUP_SHARE * n + 0.5))
        upper, lower = set(order[:group_size].tolist()), set(order[-group_size:].tolist())

    items = []
    variances: list[float | None] = []
    for version_id in version_ids:
        v = v_index[version_id]
        rows = np.flatnonzero(had[:, v])
        item = _item(keys[version_id], v, rows, marks, totals, chosen, upper, lower)
        item["version_id"] = version_id
        items.append(item)
        variances.append(_var(marks[rows, v]))

    test = score_statistics(totals)
    test.update(_reliability(had, totals, lengths, variances, test["sd"]))
    test["group_size"] = group_size
    return {"test": test, "items": items}


def _reliability(had: np.ndarray, totals: np.ndarray, lengths: np.ndarray, variances, sd) -> dict:
    out = {
        "k": int(lengths.max()) if len(lengths) else 0,
        "fixed_form": bool(len(lengths)) and bool(had.all()),
        "mean_percent": None,
        "alpha": None,
        "cic": None,
        "error_ratio": None,
        "sem": None,
    }
    if len(lengths) and (lengths > 0).all():
        out["mean_percent"] = float((100 * totals / lengths).mean())
    k = out["k"]
    k2 = _var(totals)
    used = had.any(axis=0)
    # Every item actually sat needs a variance; the paper lengths must agree for one k.
    if (
        k < 2
        or not k2
        or len(set(lengths.tolist())) != 1
        or any(v is None for v, u in zip(variances, used, strict=True) if u)
    ):
        return out
    item_var = np.array([v if v is not None else 0.0 for v in variances])
    sum_var = float((had.astype(float) @ item_var).mean())
    alpha = k / (k - 1) * (1 - sum_var / k2)
    out["alpha"] = alpha
    out["cic"] = 100 * alpha
    out["error_ratio"] = 100 * float(np.sqrt(max(0.0, 1 - alpha)))
    out["sem"] = out["error_ratio"] / 100 * sd if sd is not None else None
    return out


def _item(key, v, rows, marks, totals, chosen, upper, lower) -> dict:
    x = marks[rows, v]
    t = totals[rows]
    y = t - x
    n = len(rows)
    di = _corr(x, y)
    de = None
    if n >= MIN_N and not _constant(x) and not _constant(y):
        cov_max = _cov(np.sort(x), np.sort(y))
        de = 100 * _cov(x, y) / cov_max if cov_max > 0 else None
    in_upper = np.array([r in upper for r in rows], dtype=bool)
    in_lower = np.array([r in lower for r in rows], dtype=bool)
    p_upper = _mean(x[in_upper]) if upper else None
    p_lower = _mean(x[in_lower]) if lower else None
    item = {
        "kind": key["kind"],
        "n": n,
        "facility": _pct(_mean(x)),
        "sd": _pct(_sd(x)),
        "discrimination_index": _pct(di),
        "discriminative_efficiency": de,
        "point_biserial": _corr(x, t),
        "upper_n": int(in_upper.sum()),
        "lower_n": int(in_lower.sum()),
        "upper_facility": _pct(p_upper),
        "lower_facility": _pct(p_lower),
        "upper_lower_d": p_upper - p_lower if p_upper is not None and p_lower is not None else None,
    }

    def shares(picked: np.ndarray) -> dict:
        return {
            "count": int(picked.sum()),
            "share": _pct(_mean(picked.astype(float))),
            "upper_share": _pct(_mean(picked[in_upper].astype(float))) if in_upper.any() else None,
            "lower_share": _pct(_mean(picked[in_lower].astype(float))) if in_lower.any() else None,
            # The option point-biserial against the rest score: a distractor should
            # draw the weaker candidates, i.e. correlate negatively.
            "r": _corr(picked.astype(float), y),
        }

    options = []
    for i, option in enumerate(key["options"]):
        picked = np.array([option["id"] in chosen[(r, v)] for r in rows], dtype=bool)
        options.append(
            {
                "id": option["id"],
                "letter": LETTERS[i] if i < len(LETTERS) else option["id"],
                "text": option.get("text", ""),
                "key": bool(option.get("correct")),
                "weight": option.get("weight"),
                **shares(picked),
            }
        )
    item["options"] = options
    item["blank"] = shares(np.array([not chosen[(r, v)] for r in rows], dtype=bool))
    item["flags"] = _flags(item) if n else []
    return item


def _num(value: float, places: int = 0) -> str:
    # Locale-aware: "0,82" in Vietnamese documents, "0.82" in English.
    return formats.number_format(round(value, places), places)


def _flags(item: dict) -> list[dict]:
    labels = flag_labels()
    flags = []
    miskey = []
    di = item["discrimination_index"]
    if di is not None and di < 0:
        miskey.append(_("độ phân biệt âm (DI = %(di)s)") % {"di": _num(di, 1)})
    key_upper = item["upper_facility"]
    for o in item["options"]:
        if not o["key"] and o["upper_share"] is not None and key_upper is not None and o["upper_share"] > key_upper:
            miskey.append(
                _("nhóm điểm cao chọn %(letter)s (%(o)s%%) nhiều hơn đáp án (%(k)s%%)")
                % {"letter": o["letter"], "o": _num(o["upper_share"]), "k": _num(key_upper)}
            )
    if miskey:
        flags.append({"code": FLAG_MISKEY, "label": labels[FLAG_MISKEY], "detail": "; ".join(miskey)})
    weak = []
    for o in item["options"]:
        if o["key"]:
            continue
        if o["share"] is not None and o["share"] < RARE_OPTION:
            weak.append(_("%(letter)s ít người chọn (%(s)s%%)") % {"letter": o["letter"], "s": _num(o["share"])})
        elif o["r"] is not None and o["r"] > 0:
            weak.append(
                _("%(letter)s có độ phân biệt dương (r = %(r)s)") % {"letter": o["letter"], "r": _num(o["r"], 2)}
            )
    if weak:
        flags.append({"code": FLAG_NONFUNCTIONING, "label": labels[FLAG_NONFUNCTIONING], "detail": "; ".join(weak)})
    facility = item["facility"]
    if facility is not None and facility >= TOO_EASY:
        flags.append({"code": FLAG_TOO_EASY, "label": labels[FLAG_TOO_EASY], "detail": f"F = {_num(facility)}%"})
    elif facility is not None and facility <= TOO_HARD:
        flags.append({"code": FLAG_TOO_HARD, "label": labels[FLAG_TOO_HARD], "detail": f"F = {_num(facility)}%"})
    return flags


# --- item analysis of an exam --------------------------------------------------------------


def employee_exam_results(exam_id: int, employee_ids: Iterable[int]) -> dict[int, dict]:
    """Each listed person's final result in one exam, for the competence criterion of the
    evaluation of work results (issue 17):

        {employee_id: {"exam_id", "exam_title", "score", "max_score", "percent",
         "passed", "result", "finished_at", "published_at"}}

    Only what the candidate could see themselves (Exam.results_visible: published, or
    an "immediate" exam) and only finished, scored sittings (Attempt FINALIZED with a
    score); anyone else is absent from the answer, as is anyone not asked for. Scores
    and pass marks only: never keys, answers or per-item data.
    """
    ids = list(dict.fromkeys(int(pk) for pk in employee_ids))
    exam = Exam.objects.filter(pk=exam_id).only("pk", "title", "results_policy", "published_at").first()
    if exam is None or not ids or not exam.results_visible():
        return {}
    attempts = Attempt.objects.filter(
        exam_id=exam.pk, employee_id__in=ids, status=Attempt.Status.FINALIZED, score__isnull=False
    ).values_list("employee_id", "score", "max_score", "passed", "finalized_at")
    out = {}
    for employee_id, score, max_score, passed, finalized_at in attempts:
        score = float(score)
        max_score = float(max_score) if max_score is not None else None
        out[employee_id] = {
            "exam_id": exam.pk,
            "exam_title": exam.title,
            "score": score,
            "max_score": max_score,
            "percent": round(100 * score / max_score, 2) if max_score else None,
            "passed": passed,
            "result": _("Chưa chấm") if passed is None else (_("Đạt") if passed else _("Không đạt")),
            "finished_at": finalized_at,
            "published_at": exam.published_at,
        }
    return out


def item_analysis(exam: Exam, hidden: frozenset[int] | set[int] = frozenset()) -> dict:
    """Statistics for every question version on the exam's finalized papers (4 queries).

    Versions in `hidden` (assessments.access.hidden_versions: items the reader may not
    see) keep their statistics but lose their text, options, key and the flag details
    that name options: distractor shares by letter would point at the key.
    """
    parts = list(ExamPart.objects.filter(exam=exam).order_by("order", "pk"))
    part_order = {p.pk: i for i, p in enumerate(parts)}
    rows = list(
        PaperItem.objects.filter(attempt__exam=exam, attempt__status=Attempt.Status.FINALIZED).values_list(
            "attempt_id", "version_id", "part_id", "response__selected"
        )
    )
    part_of = {}
    for _attempt, version_id, part_id, _selected in rows:
        part_of.setdefault(version_id, part_id)
    versions = list(
        QuestionVersion.objects.filter(pk__in=part_of).values("pk", "question_id", "number", "kind", "text", "options")
    )
    versions.sort(key=lambda v: (part_order.get(part_of[v["pk"]], len(parts)), v["question_id"], v["number"]))
    keys = {v["pk"]: v for v in versions}
    report = analyse(((a, v, s) for a, v, _p, s in rows), keys, exam.scoring)
    titles = {p.pk: p.title for p in parts}
    for number, item in enumerate(report["items"], start=1):
        version = keys[item["version_id"]]
        item.update(
            number=number,
            question_id=version["question_id"],
            version_number=version["number"],
            text=version["text"],
            part_id=part_of[item["version_id"]],
            part_title=titles.get(part_of[item["version_id"]], ""),
            hidden=item["version_id"] in hidden,
        )
        if item["hidden"]:
            item.update(text="", options=[], flags=[{**f, "detail": ""} for f in item["flags"]])
    report["exam"] = {"id": exam.pk, "title": exam.title, "scoring": exam.scoring}
    report["flag_counts"] = {
        code: sum(any(f["code"] == code for f in item["flags"]) for item in report["items"]) for code in flag_labels()
    }
    report["flag_labels"] = flag_labels()
    report["thresholds"] = {
        "min_n": MIN_N,
        "group_share": GROUP_SHARE,
        "too_easy": TOO_EASY,
        "too_hard": TOO_HARD,
        "rare_option": RARE_OPTION,
    }
    return report


# --- exports -------------------------------------------------------------------------------


def results_frame(exam: Exam, data: dict | None = None) -> pd.DataFrame:
    """One row per candidate: parts, total, the answer counts (right, partly right —
    partial credit only —, wrong, blank), time used (mm:ss), result and rank."""
    data = data or results.result_rows(exam)
    partial = exam.scoring == Exam.Scoring.PARTIAL
    part_columns = [p["title"] for p in data["parts"]]
    records = [
        [
            i,
            row["full_name"],
            row["employee_code"],
            row["unit_name"],
            *row["parts"],
            row["score"],
            row["right"],
            *([row["partial"]] if partial else []),
            row["wrong"],
            row["blank"],
            row["time_used_text"],
            row["result"],
            row["rank"],
        ]
        for i, row in enumerate(data["rows"], start=1)
    ]
    counts = ["Số câu đúng", *(["Số câu đúng một phần"] if partial else []), "Số câu sai", "Số câu bỏ trống"]
    columns = [
        "STT",
        "Họ và tên",
        "Mã",
        "Đơn vị",
        *part_columns,
        "Tổng điểm",
        *counts,
        "Thời gian làm bài (phút:giây)",
        "Kết quả",
        "Xếp hạng",
    ]
    return pd.DataFrame(records, columns=columns)


def results_xlsx(exam: Exam) -> bytes:
    """The results list as a workbook: the list, then the rules it was made by."""
    data = results.result_rows(exam)
    frame = results_frame(exam, data)
    notes = pd.DataFrame(
        {
            "Nội dung": ["Kỳ thi", "Cách tính điểm", "Điều kiện đạt", "Quy tắc xếp hạng", "Công bố"],
            "Giá trị": [
                exam.title,
                data["scoring_rule"],
                data["pass_rule"],
                data["tie_break"],
                exam.published_at.strftime("%d/%m/%Y %H:%M") if exam.published_at else "Chưa công bố",
            ],
        }
    )
    wb = spreadsheets.new_workbook("Kết quả", "Ghi chú")
    for ws, table in zip(wb.worksheets, (frame, notes), strict=True):
        spreadsheets.write_table(ws, list(table.columns), table.itertuples(index=False, name=None))
    return spreadsheets.to_bytes(wb)


def _header(exam: Exam, kind: str) -> dict:
    """Decree 30 header fields; `kind` is the document-type abbreviation (Phụ lục III:
    TB thông báo, BC báo cáo; KQ for the results list)."""
    unit = exam.unit
    return {
        "agency": unit.issuing_agency(),
        "date_line": unit.date_line(),
        "doc_symbol": f"{kind}-{unit.doc_symbol or 'HĐKT'}",
        "signer_title": "CHỦ TỊCH HỘI ĐỒNG",
        "exam": exam,
    }


def results_pdf(exam: Exam) -> bytes:
    """The official results list (Decree 30/2020 layout, landscape for the part columns)."""
    return pdf.render_pdf(*results_document(exam))


def results_pdf_with_slots(exam: Exam) -> tuple[bytes, dict]:
    """The same list with its signature slots (the board's and the agency's), for signing."""
    return pdf.render_pdf_with_slots(*results_document(exam))


def results_document(exam: Exam) -> tuple[str, dict]:
    data = results.result_rows(exam)
    return (
        "pdf/results.html",
        {
            "agency_slot": True,
            **_header(exam, "KQ"),
            "doc_type": "KẾT QUẢ KIỂM TRA, ĐÁNH GIÁ NĂNG LỰC",
            "doc_summary": exam.title,
            "recipients": ["Thí sinh dự kiểm tra", "Phòng Nội vụ"],
            "passed_count": sum(1 for r in data["rows"] if r["passed"]),
            **data,
        },
    )


def candidate_result_pdf(attempt: Attempt) -> bytes:
    """One candidate's result notice."""
    data = results.candidate_result(attempt)
    return pdf.render_pdf(
        "pdf/candidate_result.html",
        {
            **_header(attempt.exam, "TB"),
            "doc_type": "THÔNG BÁO",
            "doc_summary": f"Kết quả kiểm tra, đánh giá năng lực của {data['full_name']}",
            "recipients": [data["full_name"]],
            "r": data,
        },
    )


def item_analysis_pdf(exam: Exam, report: dict | None = None) -> bytes:
    """Statistics and flags for the exam board, before results are published."""
    report = report or item_analysis(exam)
    return pdf.render_pdf(
        "pdf/item_analysis.html",
        {
            **_header(exam, "BC"),
            "doc_type": "BÁO CÁO",
            "doc_summary": f"Phân tích câu hỏi và độ tin cậy của đề — {exam.title}",
            "recipients": ["Hội đồng kiểm tra"],
            "report": report,
            "test": report["test"],
            "items": report["items"],
        },
    )
