"""Issue 17, done-when (last step): a transfer round, computed from its page in a browser
against gunicorn with DEBUG off, shows the decided yearly classification as the source of
a candidate's evaluation points, beside a year HR entered by hand."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from evaluation.models import Evaluation
from transfers import actions
from transfers.models import TransferRound

SOURCE_2025 = "2025: tốt (Đánh giá, xếp loại năm 2025 (đã quyết định))"
BY_HAND_2024 = "2024: xuất sắc (minh chứng nhập tay)"


def test_a_round_shows_the_yearly_classification_as_the_source_of_its_points(
    transactional_db, cast, site, browser_page, watch, web_login
):
    teacher = cast.teacher_a
    Evaluation.objects.create(
        employee=teacher,
        unit=teacher.unit,
        regime="nd90_2020_48_2023",
        period_kind="year",
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 31),
        status=Evaluation.Status.DECIDED,
        classification="tot",
        decided_at=timezone.make_aware(dt.datetime(2025, 12, 12, 9, 0)),
    )
    transfer_round = actions.create_round(
        acting_user=cast.admin,
        title="Sắp xếp giáo viên dôi dư năm học 2026–2027",
        unit=cast.commune_a,
        purpose=TransferRound.Purpose.SURPLUS,
        kind=TransferRound.Kind.TRANSFER,
        criteria_set=actions.create_default_set(acting_user=cast.admin),
        source_units=[cast.school_a],
        reference_date=dt.date(2026, 9, 30),
    )
    actions.add_candidates(acting_user=cast.admin, transfer_round=transfer_round, employees=[teacher])
    actions.add_evidence(
        acting_user=cast.admin,
        transfer_round=transfer_round,
        employee_code=teacher.code,
        kind="rating",
        value={"year": 2024, "rating": "xuat_sac"},
        document_ref="Quyết định công nhận kết quả xếp loại năm 2024",
    )

    page = browser_page
    web_login(page, "hr_a")
    page.goto(f"{site.url}/transfers/rounds/{transfer_round.pk}/")
    page.get_by_role("button", name="Tính điểm, xếp hạng").click()
    page.wait_for_selector("text=Đã tính điểm và xếp hạng.")
    row = page.locator("details.breakdown", has=page.locator("summary", has_text="Lò Thị Hương"))
    row.locator("summary").click()
    ratings = row.locator("tr", has=page.locator("td", has_text="Kết quả đánh giá, xếp loại"))
    cells = ratings.locator("td").all_inner_texts()
    assert cells[1] == f"{SOURCE_2025}; {BY_HAND_2024}"
    assert cells[3] == "2,5"  # (tốt 2 + xuất sắc 3) / 2
    watch.assert_loaded("css/app.css")
