"""The regulations documents and pages cite, as dated data (issue 14, item 10).

A document cites the text in force on its own date: a decision drafted on 30 June 2026
is "căn cứ" Luật Viên chức 58/2010/QH12, the same decision drafted on 1 July 2026 is
"căn cứ" Luật Viên chức 129/2025/QH15. Each key has entries with non-overlapping
validity (`valid_to` inclusive, None = open); `cite(key, on=day)` picks the one in
force. When a law is replaced, add an entry here (and close the old one) instead of
editing templates and messages.

Every entry's `source` says where its number, title and dates come from; "UNVERIFIED"
marks what could not be checked against a published text and must be checked before
a document relying on it is signed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

D = dt.date


@dataclass(frozen=True)
class Citation:
    key: str
    text: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    source: str = ""

    def in_force(self, on: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on <= self.valid_to)


PUBLIC_EMPLOYEES_2026 = D(2026, 7, 1)
CIVIL_SERVANTS_2025 = D(2025, 7, 1)

REGISTRY: tuple[Citation, ...] = (
    # --- Luật Viên chức ---------------------------------------------------------------
    Citation(
        "law.public_employees",
        "Luật Viên chức số 58/2010/QH12, được sửa đổi, bổ sung bởi Luật số 52/2019/QH14",
        valid_to=PUBLIC_EMPLOYEES_2026 - dt.timedelta(days=1),
        source="Replaced by Law 129/2025/QH15 from 1 July 2026 (see the next entry).",
    ),
    Citation(
        "law.public_employees",
        "Luật Viên chức số 129/2025/QH15",
        valid_from=PUBLIC_EMPLOYEES_2026,
        source="Passed 10 Dec 2025, 6 chapters 43 articles, in force 1 July 2026, replacing the 2010 law as "
        "amended in 2019 (National Assembly press reports of 10 and 31 Dec 2025).",
    ),
    Citation(
        "law.public_employees.short", "Luật Viên chức 2010", valid_to=PUBLIC_EMPLOYEES_2026 - dt.timedelta(days=1)
    ),
    Citation("law.public_employees.short", "Luật Viên chức 2025", valid_from=PUBLIC_EMPLOYEES_2026),
    # Secondment of a public employee, at most 36 months: Law 58/2010 art. 36(2).
    Citation(
        "secondment",
        "Luật Viên chức 2010, Điều 36",
        valid_to=PUBLIC_EMPLOYEES_2026 - dt.timedelta(days=1),
        source="Law 58/2010/QH12 art. 36: biệt phái, not more than 3 years.",
    ),
    Citation(
        "secondment",
        "Luật Viên chức số 129/2025/QH15 (điều về biệt phái)",
        valid_from=PUBLIC_EMPLOYEES_2026,
        source="UNVERIFIED: the article of Law 129/2025 on secondment and whether it keeps the 36-month limit "
        "were not checked against the published text; the rule keeps the 2010 limit until they are.",
    ),
    # --- Luật Cán bộ, công chức -----------------------------------------------------------
    Citation(
        "law.civil_servants",
        "Luật Cán bộ, công chức số 22/2008/QH12, được sửa đổi, bổ sung bởi Luật số 52/2019/QH14",
        valid_to=CIVIL_SERVANTS_2025 - dt.timedelta(days=1),
    ),
    Citation(
        "law.civil_servants",
        "Luật Cán bộ, công chức số 80/2025/QH15",
        valid_from=CIVIL_SERVANTS_2025,
        source="Passed 24 June 2025, in force 1 July 2025 (civil-servant evaluation, ch. IV s. 3, from "
        "1 Jan 2026), replacing Law 22/2008/QH12 and its amendments.",
    ),
    # --- discipline of cán bộ, công chức -------------------------------------------------
    Citation(
        "decree.discipline",
        "Nghị định số 112/2020/NĐ-CP của Chính phủ về xử lý kỷ luật cán bộ, công chức, viên chức, "
        "được sửa đổi, bổ sung bởi Nghị định số 71/2023/NĐ-CP",
        valid_to=CIVIL_SERVANTS_2025 - dt.timedelta(days=1),
    ),
    Citation(
        "decree.discipline",
        "Nghị định số 172/2025/NĐ-CP của Chính phủ quy định về xử lý kỷ luật cán bộ, công chức",
        valid_from=CIVIL_SERVANTS_2025,
        source="In force 1 July 2025, replacing Decrees 112/2020 and 71/2023 for cán bộ, công chức "
        "(Lao Động, 2025). UNVERIFIED: which decree governs the discipline of viên chức after it.",
    ),
    Citation(
        "decree.discipline.short", "Nghị định 112/2020/NĐ-CP", valid_to=CIVIL_SERVANTS_2025 - dt.timedelta(days=1)
    ),
    Citation("decree.discipline.short", "Nghị định 172/2025/NĐ-CP", valid_from=CIVIL_SERVANTS_2025),
    # --- others cited by transfer decisions ------------------------------------------------
    Citation(
        "law.local_government",
        "Luật Tổ chức chính quyền địa phương số 77/2015/QH13",
        valid_to=D(2025, 6, 15),
    ),
    Citation(
        "law.local_government",
        "Luật Tổ chức chính quyền địa phương số 72/2025/QH15",
        valid_from=D(2025, 6, 16),
        source="UNVERIFIED: the effective date (16 June 2025, the day it was passed) was not checked.",
    ),
    Citation(
        "law.teachers",
        "Luật Nhà giáo số 73/2025/QH15",
        valid_from=D(2026, 1, 1),
        source="Passed 16 June 2025, 9 chapters 42 articles, in force 1 Jan 2026 (Ministry of Justice, 11 July "
        "2025). Before it no law on teachers existed, so nothing is cited.",
    ),
    Citation(
        "decree.public_employees",
        "Nghị định số 115/2020/NĐ-CP của Chính phủ quy định về tuyển dụng, sử dụng và quản lý viên chức, "
        "được sửa đổi, bổ sung bởi Nghị định số 85/2023/NĐ-CP",
        source="UNVERIFIED: whether a decree implementing Law 129/2025 replaces it from 1 July 2026.",
    ),
    # Articles the transfer rules cite for who may not be moved (transfers.rules).
    Citation(
        "rotation.protected",
        "Nghị định 59/2019/NĐ-CP, Điều 38",
        source="Decree 59/2019 art. 38: people not rotated (discipline, investigation, illness, study, "
        "pregnancy, a child under 36 months). UNVERIFIED: whether a later decree replaced it.",
    ),
    Citation(
        "rotation.retirement",
        "Nghị định 59/2019/NĐ-CP, Điều 39",
        source="Decree 59/2019 art. 39: no rotation within 18 months of retirement. UNVERIFIED as above.",
    ),
    Citation(
        "teachers.transfer",
        "Luật Nhà giáo 2025 (73/2025/QH15), Điều 19",
        valid_from=D(2026, 1, 1),
        source="Law on Teachers art. 19 (transfer of teachers), in force 1 Jan 2026 with the law.",
    ),
    Citation(
        "civil_servants.secondment",
        "Nghị định 170/2025/NĐ-CP, Điều 26",
        valid_from=CIVIL_SERVANTS_2025,
        source="UNVERIFIED: Decree 170/2025 (recruitment, use and management of civil servants) art. 26 on "
        "secondment, and its effective date (assumed 1 July 2025, with Law 80/2025).",
    ),
    Citation(
        "decree.anticorruption",
        "Nghị định số 59/2019/NĐ-CP của Chính phủ quy định chi tiết một số điều và biện pháp thi hành "
        "Luật Phòng, chống tham nhũng",
    ),
)


def entries(key: str) -> list[Citation]:
    found = [c for c in REGISTRY if c.key == key]
    if not found:
        raise KeyError(key)
    return found


def citation(key: str, on: dt.date | None = None) -> Citation | None:
    """The entry of `key` in force on `on` (default: today), or None if none was."""
    on = on or timezone.localdate()
    return next((c for c in entries(key) if c.in_force(on)), None)


def cite(key: str, on: dt.date | None = None, default: str | None = None) -> str:
    """The text of `key` in force on `on` (default: today). With no entry in force,
    `default` if given, else LookupError: a document must not cite a law not yet (or no
    longer) in force by accident."""
    found = citation(key, on)
    if found is not None:
        return found.text
    if default is not None:
        return default
    raise LookupError(f"No citation {key!r} in force on {on}")
