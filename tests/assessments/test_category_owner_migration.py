"""Categories without a unit (the old shared bank) are given an owner by migration 0005:
the one root of the org tree, or, with several roots, the root under which the exams
drawing the category were organised, else the first root; then the unit is required."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from assessments.models import Category
from hr_system.models import Role

BEFORE = [("assessments", "0004_exam_models_verbose_names")]


def _latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _unit(OrgUnit, code: str, parent=None):
    unit = OrgUnit.objects.create(code=code, name=code, kind="province" if parent is None else "commune", parent=parent)
    unit.path = (parent.path if parent else "/") + f"{unit.pk:06d}/"
    unit.save(update_fields=["path"])
    return unit


def test_unit_less_categories_go_to_the_root_that_uses_them_else_the_first_root(transactional_db):
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        apps = executor.loader.project_state(BEFORE).apps
        OrgUnit = apps.get_model("hr_system", "OrgUnit")
        OldCategory = apps.get_model("assessments", "Category")
        Exam = apps.get_model("assessments", "Exam")
        ExamPart = apps.get_model("assessments", "ExamPart")
        BlueprintRule = apps.get_model("assessments", "BlueprintRule")
        first = _unit(OrgUnit, "SL")
        second = _unit(OrgUnit, "DB")
        commune = _unit(OrgUnit, "DB-X1", parent=second)
        unused = OldCategory.objects.create(code="CHUNG", name="Dùng chung")
        used = OldCategory.objects.create(code="DB-CHUNG", name="Dùng chung Điện Biên")
        owned = OldCategory.objects.create(code="RIENG", name="Của xã", unit=commune)
        opens = timezone.now()
        exam = Exam.objects.create(title="Thi", unit=commune, opens_at=opens, closes_at=opens + dt.timedelta(hours=1))
        part = ExamPart.objects.create(exam=exam, title="Phần I")
        BlueprintRule.objects.create(part=part, category=used, count=1)

        _latest()

        owners = dict(Category.objects.values_list("code", "unit_id"))
        assert owners == {"CHUNG": first.pk, "DB-CHUNG": second.pk, "RIENG": commune.pk}
        assert owned.pk and unused.pk  # the rows are kept, not recreated
        assert not Category._meta.get_field("unit").null
    finally:
        _latest()


def test_one_root_owns_every_unit_less_category(transactional_db):
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        apps = executor.loader.project_state(BEFORE).apps
        OrgUnit = apps.get_model("hr_system", "OrgUnit")
        OldCategory = apps.get_model("assessments", "Category")
        province = _unit(OrgUnit, "SL")
        _unit(OrgUnit, "SL-X1", parent=province)
        OldCategory.objects.create(code="A", name="A")
        OldCategory.objects.create(code="B", name="B")

        _latest()

        assert set(Category.objects.values_list("unit_id", flat=True)) == {province.pk}
    finally:
        _latest()


def test_the_old_shared_bank_is_the_provinces_and_no_commune_reads_its_keys(transactional_db, cast, login):
    # The reported case: a unit-less category, read key and all by Mộc Châu's HR officer.
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        apps = executor.loader.project_state(BEFORE).apps
        OldCategory = apps.get_model("assessments", "Category")
        OldQuestion = apps.get_model("assessments", "Question")
        OldVersion = apps.get_model("assessments", "QuestionVersion")
        shared = OldCategory.objects.create(code="CHUNG", name="Kiến thức chung")
        question = OldQuestion.objects.create(category=shared)
        version = OldVersion.objects.create(
            question=question,
            text="Cơ quan nào ban hành Hiến pháp?",
            options=[
                {"id": "a", "text": "Quốc hội", "correct": True},
                {"id": "b", "text": "Chính phủ", "correct": False},
            ],
            status="approved",
        )
        OldQuestion.objects.filter(pk=question.pk).update(current=version)

        _latest()

        commune = login(cast.hr_a).get("/api/v1/assessments/bank/questions", {"category": shared.pk})
        assert commune.status_code == 200 and commune.json()["count"] == 0
        assert Category.objects.get(code="CHUNG").unit == cast.province
        province_hr = get_user_model().objects.create_user(username="hr_tinh", password="x")
        Role.objects.create(user=province_hr, kind=Role.Kind.HR_OFFICER, unit=cast.province)
        owner = login(province_hr).get("/api/v1/assessments/bank/questions", {"category": shared.pk}).json()
        assert owner["count"] == 1 and owner["items"][0]["latest"]["options"][0]["correct"] is True
    finally:
        _latest()
