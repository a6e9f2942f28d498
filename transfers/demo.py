"""Demo data on top of hr_system.demo: a surplus round for primary teachers of the four
Mộc Châu wards, computed and published, and a leader-selection exam for a school head.

Idempotent: each object is found by its title and created only when missing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assessments.models import Attempt, Exam
from evaluation import demo as evaluation_demo
from hr_system import demo
from hr_system.models import Employee, OrgUnit, Role
from transfers import actions
from transfers.models import LeaderSelection, TransferRound

ROUND_TITLE = "Sắp xếp giáo viên tiểu học dôi dư các phường khu vực Mộc Châu, năm học 2026–2027"
SELECTION_TITLE = "Thi tuyển chức danh Hiệu trưởng Trường Tiểu học Đoàn Kết"
EXAM_TITLE = "Thi viết tuyển chọn Hiệu trưởng Trường Tiểu học Đoàn Kết"
SURPLUS_SCHOOLS = ["P-MOCCHAU-TH", "P-MOCSON-TH", "P-VANSON-TH", "P-THAONGUYEN-TH"]
# (school, title, count): the shortage is in the communes.
TARGETS = [
    ("X-DOANKET-TH", "Giáo viên tiểu học", 2),
    ("X-LONGSAP-TH", "Giáo viên tiểu học", 1),
    ("X-CHIENGSON-TH", "Giáo viên tiểu học", 1),
]
PANEL = [
    ("hoidong.1", "Thành viên hội đồng thi tuyển 1"),
    ("hoidong.2", "Thành viên hội đồng thi tuyển 2"),
    ("hoidong.3", "Thành viên hội đồng thi tuyển 3"),
]
DOC = "Hồ sơ lưu tại Phòng Tổ chức cán bộ"


def _evidence(transfer_round: TransferRound, acting_user, teachers: list[Employee]) -> None:
    """A few circumstances from files HR would have: ratings, a volunteer, a family case,
    a priority group, one pregnancy and one disciplinary review (both excluded)."""
    add = actions.add_evidence
    ratings = ["xuat_sac", "tot", "tot", "hoan_thanh", "tot", "xuat_sac"]
    for i, teacher in enumerate(teachers[:12]):
        for year_offset in range(3):
            add(
                acting_user=acting_user,
                transfer_round=transfer_round,
                employee_code=teacher.code,
                kind="rating",
                value={"year": 2025 - year_offset, "rating": ratings[(i + year_offset) % len(ratings)]},
                document_ref=f"Quyết định công nhận kết quả đánh giá, xếp loại năm {2025 - year_offset}",
            )
    add(
        acting_user=acting_user,
        transfer_round=transfer_round,
        employee_code=teachers[3].code,
        kind="volunteer",
        value=True,
        document_ref="Đơn tự nguyện ngày 05/09/2026",
    )
    add(
        acting_user=acting_user,
        transfer_round=transfer_round,
        employee_code=teachers[5].code,
        kind="family_circumstances",
        value="Nuôi mẹ già ốm đau dài ngày, có xác nhận của UBND phường",
        document_ref="Giấy xác nhận số 15/XN-UBND",
    )
    add(
        acting_user=acting_user,
        transfer_round=transfer_round,
        employee_code=teachers[6].code,
        kind="priority_group",
        value="2",
        document_ref="Bản sao giấy khai sinh (người dân tộc thiểu số)",
    )
    females = [t for t in teachers if t.gender == Employee.Gender.FEMALE]
    if females:
        add(
            acting_user=acting_user,
            transfer_round=transfer_round,
            employee_code=females[-1].code,
            kind="pregnancy",
            value=True,
            document_ref="Giấy xác nhận của Trạm Y tế",
        )
    add(
        acting_user=acting_user,
        transfer_round=transfer_round,
        employee_code=teachers[-1].code,
        kind="discipline",
        value=True,
        document_ref="Thông báo số 08/TB-HĐKL về việc xem xét kỷ luật",
    )


def seed_round(admin) -> TransferRound:
    existing = TransferRound.objects.filter(title=ROUND_TITLE).first()
    if existing is not None:
        return existing
    criteria_set = actions.create_default_set(acting_user=admin)
    province = OrgUnit.objects.get(code="SL")
    sources = list(OrgUnit.objects.filter(code__in=SURPLUS_SCHOOLS).order_by("path"))
    transfer_round = actions.create_round(
        acting_user=admin,
        title=ROUND_TITLE,
        unit=province,
        purpose=TransferRound.Purpose.SURPLUS,
        kind=TransferRound.Kind.TRANSFER,
        criteria_set=criteria_set,
        source_units=sources,
        reference_date=dt.date(2026, 9, 30),
        to_hardship_area=True,
        issuer_name="Sở Giáo dục và Đào tạo tỉnh Sơn La",
        signer_title="GIÁM ĐỐC",
        signed_by_deputy=True,
        doc_symbol="QĐ-SGDĐT",
    )
    teachers = list(actions.source_employees(transfer_round, job_title_contains="Giáo viên"))
    actions.add_candidates(acting_user=admin, transfer_round=transfer_round, employees=teachers)
    posts = []
    for code, title, count in TARGETS:
        posts.append(
            actions.add_target_post(
                acting_user=admin,
                transfer_round=transfer_round,
                unit=OrgUnit.objects.get(code=code),
                title=title,
                count=count,
            )
        )
    _evidence(transfer_round, admin, teachers)
    # Three teachers' 2025 classification as decided in the evaluation module: the round
    # shows it as the source of their rating points (issue 17); the first of them also
    # has evidence rows, which the decided classification overrides for 2025.
    evaluation_demo.seed_yearly_ratings(admin, teachers[11:14])
    candidates = {c.employee.code: c for c in transfer_round.candidates.select_related("employee", "round")}
    for i, teacher in enumerate(teachers[:6]):
        order = [posts[(i + k) % len(posts)].pk for k in range(len(posts))]
        actions.set_preferences(acting_user=admin, candidate=candidates[teacher.code], post_ids=order)
    actions.compute_round(acting_user=admin, transfer_round=transfer_round)
    now = timezone.now()
    actions.publish_round(
        acting_user=admin, transfer_round=transfer_round, opens_at=now, closes_at=now + dt.timedelta(days=10)
    )
    return transfer_round


def _exam(admin, candidates: list[Employee]) -> Exam:
    exam = Exam.objects.filter(title=EXAM_TITLE).first()
    if exam is None:
        opens = timezone.make_aware(dt.datetime(2026, 10, 10, 8, 0))
        exam = Exam.objects.create(
            title=EXAM_TITLE,
            unit=OrgUnit.objects.get(code="SL-SGD"),
            opens_at=opens,
            closes_at=opens + dt.timedelta(hours=3),
            time_limit=180,
            created_by=admin,
        )
    for employee, score in zip(candidates, [Decimal("78"), Decimal("71.5"), Decimal("84")], strict=False):
        Attempt.objects.get_or_create(
            exam=exam,
            employee=employee,
            defaults={
                "status": Attempt.Status.FINALIZED,
                "score": score,
                "max_score": Decimal(100),
                "passed": score >= 50,
            },
        )
    return exam


def seed_selection(admin) -> LeaderSelection:
    existing = LeaderSelection.objects.filter(title=SELECTION_TITLE).first()
    if existing is not None:
        return existing
    User = get_user_model()
    candidates = [
        Employee.objects.filter(unit__code=code, job_title="Phó Hiệu trưởng").order_by("code").first()
        for code in ("X-DOANKET-TH", "P-MOCSON-TH", "P-VANSON-TH")
    ]
    candidates = [c for c in candidates if c is not None]
    panel = []
    for username, label in PANEL:
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": label})
        if created:
            user.set_password(demo.DEMO_PASSWORD)
            user.save()
        panel.append(user)
    Role.objects.get_or_create(user=panel[0], kind=Role.Kind.EXAM_BOARD, unit=OrgUnit.objects.get(code="SL-SGD"))
    selection = actions.create_selection(
        acting_user=admin,
        title=SELECTION_TITLE,
        unit=OrgUnit.objects.get(code="X-DOANKET-TH"),
        post="Hiệu trưởng",
        exam=_exam(admin, candidates),
        weights={"exam": 1, "presentation": 2, "interview": 1},
        pass_marks={"exam": 50, "presentation": 50, "interview": 50},
        pass_total=Decimal(60),
        drop_extremes=True,
    )
    actions.add_leader_candidates(acting_user=admin, selection=selection, employees=candidates)
    actions.add_panel_members(acting_user=admin, selection=selection, users=panel)
    sheets = [
        # presentation, interview per candidate, one list per panel member
        [(82, 75), (70, 68), (88, 80)],
        [(78, 72), (74, 65), (90, 85)],
        [(85, 70), (60, 62), (79, 83)],
    ]
    for member, sheet in zip(selection.panel.select_related("user").order_by("pk"), sheets, strict=False):
        scores = []
        for employee, (presentation, interview) in zip(candidates, sheet, strict=False):
            scores.append({"employee": employee.code, "part": "presentation", "score": presentation})
            scores.append({"employee": employee.code, "part": "interview", "score": interview})
        actions.enter_scores(acting_user=member.user, member=member, scores=scores)
    return selection


@transaction.atomic
def seed() -> dict:
    if not OrgUnit.objects.filter(code__in=SURPLUS_SCHOOLS).exists():
        demo.seed()
    admin = get_user_model().objects.filter(username="admin").first()
    transfer_round = seed_round(admin)
    selection = seed_selection(admin)
    return {
        "round": transfer_round,
        "candidates": transfer_round.candidates.count(),
        "ranked": transfer_round.candidates.filter(eligible=True).count(),
        "excluded": transfer_round.candidates.filter(eligible=False).count(),
        "selection": selection,
        "panel": [username for username, _ in PANEL],
    }
