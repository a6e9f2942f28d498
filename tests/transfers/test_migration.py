"""The transfer models left assessments for their own app (issue 11) without moving a
row: a database at the schema before the move, holding a row in every transfer table,
is migrated forward and every row is found through the transfers models, with the
content types (so permissions and admin history) and the audit trail relabelled."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from hr_system.models import AuditLog
from transfers.models import (
    Candidate,
    Computation,
    CriteriaSet,
    Criterion,
    Evidence,
    LeaderCandidate,
    LeaderSelection,
    Objection,
    PanelMember,
    PanelScore,
    Preference,
    TargetPost,
    TransferRound,
)

BEFORE = ("assessments", "0002_transfers")
MOVED = [
    CriteriaSet,
    Criterion,
    TransferRound,
    TargetPost,
    Candidate,
    Preference,
    Evidence,
    Computation,
    Objection,
    LeaderSelection,
    LeaderCandidate,
    PanelMember,
    PanelScore,
]


def _other_leaves(executor: MigrationExecutor) -> list[tuple[str, str]]:
    return [node for node in executor.loader.graph.leaf_nodes() if node[0] not in ("assessments", "transfers")]


def _migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _seed_before_the_move(apps) -> dict:
    """One row in every transfer table (the M2M of source units included), written with
    the models as assessments knew them."""
    User = apps.get_model(settings.AUTH_USER_MODEL)
    OrgUnit = apps.get_model("hr_system", "OrgUnit")
    Employee = apps.get_model("hr_system", "Employee")
    Exam = apps.get_model("assessments", "Exam")
    old = {name: apps.get_model("assessments", name) for name in (m.__name__ for m in MOVED)}

    user = User.objects.create(username="migration-hr")
    unit = OrgUnit.objects.create(code="MIG", name="Đơn vị kiểm tra di chuyển", kind="province", path="/999999/")
    employee = Employee.objects.create(code="990001", full_name="Lò Văn Di", category="public_employee", unit=unit)
    opens = timezone.now()
    exam = Exam.objects.create(title="Thi viết", unit=unit, opens_at=opens, closes_at=opens + dt.timedelta(hours=1))

    criteria_set = old["CriteriaSet"].objects.create(name="Bộ tiêu chí cũ", valid_from=dt.date(2026, 1, 1))
    criterion = old["Criterion"].objects.create(
        criteria_set=criteria_set, code="volunteer", label="Tự nguyện", input="volunteer", rule="fixed"
    )
    transfer_round = old["TransferRound"].objects.create(
        title="Đợt trước khi chuyển ứng dụng",
        unit=unit,
        purpose="surplus",
        kind="transfer",
        criteria_set=criteria_set,
        exam=exam,
        reference_date=dt.date(2026, 9, 30),
    )
    transfer_round.source_units.add(unit)
    post = old["TargetPost"].objects.create(round=transfer_round, unit=unit, title="Giáo viên tiểu học", count=2)
    candidate = old["Candidate"].objects.create(
        round=transfer_round, employee=employee, assigned_post=post, rank=1, total=Decimal("7.50")
    )
    preference = old["Preference"].objects.create(candidate=candidate, post=post, position=1)
    evidence = old["Evidence"].objects.create(
        candidate=candidate, kind="volunteer", value=True, document_ref="Đơn tự nguyện", entered_by=user
    )
    computation = old["Computation"].objects.create(
        round=transfer_round, number=1, reason="compute", criteria_set=criteria_set, summary={"990001": {"rank": 1}}
    )
    objection = old["Objection"].objects.create(candidate=candidate, text="Xin xem lại điểm", filed_by=user)
    selection = old["LeaderSelection"].objects.create(title="Thi tuyển Hiệu trưởng", unit=unit, exam=exam)
    leader_candidate = old["LeaderCandidate"].objects.create(selection=selection, employee=employee)
    member = old["PanelMember"].objects.create(selection=selection, user=user)
    score = old["PanelScore"].objects.create(
        candidate=leader_candidate, member=member, part="interview", score=Decimal("81.50")
    )
    audit = apps.get_model("hr_system", "AuditLog").objects.create(
        action="transfer_round.create", object_type="assessments.TransferRound", object_id=str(transfer_round.pk)
    )
    # What post_migrate created while the models lived in assessments: a content type
    # per model and its permissions (the transfers ones did not exist yet).
    OldContentType = apps.get_model("contenttypes", "ContentType")
    OldPermission = apps.get_model("auth", "Permission")
    OldContentType.objects.filter(app_label="transfers").delete()
    content_type, _ = OldContentType.objects.get_or_create(app_label="assessments", model="transferround")
    permission, _ = OldPermission.objects.get_or_create(
        content_type=content_type, codename="view_transferround", defaults={"name": "Can view đợt điều động"}
    )
    return {
        "user": user.pk,
        "unit": unit.pk,
        "employee": employee.pk,
        "exam": exam.pk,
        CriteriaSet: criteria_set.pk,
        Criterion: criterion.pk,
        TransferRound: transfer_round.pk,
        TargetPost: post.pk,
        Candidate: candidate.pk,
        Preference: preference.pk,
        Evidence: evidence.pk,
        Computation: computation.pk,
        Objection: objection.pk,
        LeaderSelection: selection.pk,
        LeaderCandidate: leader_candidate.pk,
        PanelMember: member.pk,
        PanelScore: score.pk,
        "audit": audit.pk,
        "content_type": content_type.pk,
        "permission": permission.pk,
    }


def test_moving_the_models_to_transfers_keeps_every_row(transactional_db):
    executor = MigrationExecutor(connection)
    before = [BEFORE, *_other_leaves(executor)]
    try:
        executor.migrate([*before, ("transfers", None)])
        ids = _seed_before_the_move(executor.loader.project_state(before).apps)

        _migrate_to_latest()
        ContentType.objects.clear_cache()

        for model in MOVED:
            assert model._meta.db_table == f"assessments_{model.__name__.lower()}"
            assert model.objects.filter(pk=ids[model]).exists(), f"{model.__name__} row lost"
        transfer_round = TransferRound.objects.get(pk=ids[TransferRound])
        assert transfer_round.title == "Đợt trước khi chuyển ứng dụng"
        assert transfer_round.exam_id == ids["exam"] and transfer_round.criteria_set_id == ids[CriteriaSet]
        assert list(transfer_round.source_units.values_list("pk", flat=True)) == [ids["unit"]]
        candidate = Candidate.objects.get(pk=ids[Candidate])
        assert (candidate.round_id, candidate.employee_id, candidate.assigned_post_id) == (
            ids[TransferRound],
            ids["employee"],
            ids[TargetPost],
        )
        assert candidate.total == Decimal("7.50")
        assert Evidence.objects.get(pk=ids[Evidence]).value is True
        assert Computation.objects.get(pk=ids[Computation]).summary == {"990001": {"rank": 1}}
        assert Objection.objects.get(pk=ids[Objection]).candidate_id == ids[Candidate]
        assert PanelScore.objects.get(pk=ids[PanelScore]).score == Decimal("81.50")
        assert LeaderSelection.objects.get(pk=ids[LeaderSelection]).exam_id == ids["exam"]

        assert AuditLog.objects.get(pk=ids["audit"]).object_type == "transfers.TransferRound"
        content_type = ContentType.objects.get_for_model(TransferRound)
        assert content_type.pk == ids["content_type"] and content_type.app_label == "transfers"
        assert Permission.objects.get(pk=ids["permission"]).content_type_id == content_type.pk
        moved = [m.__name__.lower() for m in MOVED]
        assert not ContentType.objects.filter(app_label="assessments", model__in=moved).exists()
    finally:
        _migrate_to_latest()
