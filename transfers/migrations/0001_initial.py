# The transfer and leader-selection models move here from assessments (issue 11).
#
# Their tables stay where assessments/migrations/0002_transfers.py created them
# (Meta.db_table keeps every `assessments_*` name), so this migration changes Django's
# state only: no table is created, renamed or copied. assessments 0003 then drops the
# models from assessments' state. The rows that name a model by its app label move
# with it: django_content_type (permissions and admin history follow the content type)
# and hr_system_auditlog.object_type, which AuditLog.record fills with `_meta.label`.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MOVED = [
    "CriteriaSet",
    "Criterion",
    "TransferRound",
    "TargetPost",
    "Candidate",
    "Preference",
    "Evidence",
    "Computation",
    "Objection",
    "LeaderSelection",
    "LeaderCandidate",
    "PanelMember",
    "PanelScore",
]


def relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditLog = apps.get_model("hr_system", "AuditLog")
    for name in MOVED:
        model = name.lower()
        # A content type already under the new label (post_migrate created it while the
        # app had no migrations applied) wins, as in Django's own RenameContentType; the
        # stale one is left for remove_stale_contenttypes.
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)
        AuditLog.objects.filter(object_type=f"{old}.{name}").update(object_type=f"{new}.{name}")
    ContentType.objects.clear_cache()


def forwards(apps, schema_editor):
    relabel(apps, "assessments", "transfers")


def backwards(apps, schema_editor):
    relabel(apps, "transfers", "assessments")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("assessments", "0002_transfers"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("hr_system", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="CriteriaSet",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=200, verbose_name="tên bộ tiêu chí")),
                        ("version", models.PositiveIntegerField(default=1, verbose_name="phiên bản")),
                        ("valid_from", models.DateField(verbose_name="hiệu lực từ")),
                        ("valid_to", models.DateField(blank=True, null=True, verbose_name="hiệu lực đến")),
                        ("is_default_template", models.BooleanField(default=False, verbose_name="bộ tiêu chí mẫu")),
                        ("source", models.CharField(blank=True, max_length=300, verbose_name="căn cứ ban hành")),
                        ("tie_break", models.JSONField(blank=True, default=list, verbose_name="thứ tự ưu tiên khi bằng điểm")),
                        ("volunteers_first", models.BooleanField(default=True, verbose_name="người tự nguyện được xếp trước")),
                        ("eligibility", models.JSONField(blank=True, default=dict, verbose_name="điều kiện loại trừ")),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("unit", models.ForeignKey(blank=True, help_text="Để trống: bộ mẫu dùng chung", null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="hr_system.orgunit", verbose_name="đơn vị ban hành")),
                    ],
                    options={
                        "verbose_name": "bộ tiêu chí điều động",
                        "verbose_name_plural": "bộ tiêu chí điều động",
                        "db_table": "assessments_criteriaset",
                        "ordering": ["name", "-version"],
                        "constraints": [
                            models.UniqueConstraint(fields=("name", "version"), name="criteria_set_version_once"),
                            models.CheckConstraint(condition=models.Q(("valid_to__isnull", True), ("valid_to__gte", models.F("valid_from")), _connector="OR"), name="criteria_set_valid_range"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Criterion",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("code", models.CharField(max_length=40, verbose_name="mã")),
                        ("label", models.CharField(max_length=200, verbose_name="tên tiêu chí")),
                        ("input", models.CharField(max_length=60, verbose_name="nguồn dữ liệu")),
                        ("rule", models.CharField(choices=[("per_unit", "Điểm theo đơn vị (hệ số, mức tối đa)"), ("bands", "Điểm theo khoảng giá trị"), ("fixed", "Điểm cố định khi có"), ("table", "Tra bảng điểm")], max_length=10, verbose_name="cách tính")),
                        ("params", models.JSONField(blank=True, default=dict, verbose_name="tham số")),
                        ("order", models.PositiveSmallIntegerField(default=0, verbose_name="thứ tự")),
                        ("criteria_set", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="criteria", to="transfers.criteriaset")),
                    ],
                    options={
                        "verbose_name": "tiêu chí",
                        "verbose_name_plural": "tiêu chí",
                        "db_table": "assessments_criterion",
                        "ordering": ["criteria_set", "order", "code"],
                        "constraints": [
                            models.UniqueConstraint(fields=("criteria_set", "code"), name="criterion_code_once"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="TransferRound",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("title", models.CharField(max_length=250, verbose_name="tên đợt")),
                        ("purpose", models.CharField(choices=[("surplus", "Sắp xếp người dôi dư"), ("closer_to_home", "Chuyển công tác về gần nơi cư trú")], max_length=20, verbose_name="mục đích")),
                        ("kind", models.CharField(choices=[("transfer", "Điều động"), ("secondment", "Biệt phái"), ("rotation", "Chuyển đổi vị trí công tác")], max_length=12, verbose_name="hình thức")),
                        ("reference_date", models.DateField(help_text="Tính tuổi, thâm niên đến ngày này", verbose_name="thời điểm tính")),
                        ("to_hardship_area", models.BooleanField(default=False, verbose_name="nơi đến thuộc vùng khó khăn")),
                        ("secondment_months", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="thời hạn biệt phái (tháng)")),
                        ("status", models.CharField(choices=[("draft", "Dự thảo"), ("computed", "Đã tính điểm"), ("published", "Đã công khai"), ("final", "Đã chốt")], default="draft", max_length=10, verbose_name="trạng thái")),
                        ("objection_opens_at", models.DateTimeField(blank=True, null=True, verbose_name="nhận phản hồi từ")),
                        ("objection_closes_at", models.DateTimeField(blank=True, null=True, verbose_name="nhận phản hồi đến")),
                        ("computed_at", models.DateTimeField(blank=True, null=True)),
                        ("published_at", models.DateTimeField(blank=True, null=True)),
                        ("finalised_at", models.DateTimeField(blank=True, null=True)),
                        ("warnings", models.JSONField(blank=True, default=list)),
                        ("issuer_name", models.CharField(blank=True, max_length=200, verbose_name="cơ quan ban hành")),
                        ("signer_title", models.CharField(default="CHỦ TỊCH", max_length=100, verbose_name="chức danh người ký")),
                        ("signer_name", models.CharField(blank=True, max_length=120, verbose_name="người ký")),
                        ("signed_by_deputy", models.BooleanField(default=False, verbose_name="cấp phó ký thay (KT.)")),
                        ("doc_symbol", models.CharField(default="QĐ-UBND", max_length=40, verbose_name="ký hiệu văn bản")),
                        ("legal_bases", models.JSONField(blank=True, default=list, verbose_name="căn cứ")),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("criteria_set", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="rounds", to="transfers.criteriaset", verbose_name="bộ tiêu chí")),
                        ("exam", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="assessments.exam", verbose_name="kỳ thi")),
                        # The through table is named after db_table: still assessments_transferround_source_units.
                        ("source_units", models.ManyToManyField(related_name="+", to="hr_system.orgunit", verbose_name="đơn vị nguồn")),
                        ("unit", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="hr_system.orgunit", verbose_name="đơn vị tổ chức")),
                    ],
                    options={
                        "verbose_name": "đợt điều động",
                        "verbose_name_plural": "đợt điều động",
                        "db_table": "assessments_transferround",
                        "ordering": ["-created_at", "-pk"],
                        "constraints": [
                            models.CheckConstraint(condition=models.Q(("objection_closes_at__isnull", True), ("objection_opens_at__isnull", True), ("objection_closes_at__gt", models.F("objection_opens_at")), _connector="OR"), name="transfer_round_window_ordered"),
                            models.CheckConstraint(condition=models.Q(("secondment_months__isnull", True), ("secondment_months__lte", 36), _connector="OR"), name="transfer_round_secondment_max_36"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="TargetPost",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("title", models.CharField(max_length=200, verbose_name="vị trí")),
                        ("count", models.PositiveSmallIntegerField(default=1, verbose_name="chỉ tiêu")),
                        ("order", models.PositiveSmallIntegerField(default=0)),
                        ("round", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="posts", to="transfers.transferround")),
                        ("unit", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="hr_system.orgunit", verbose_name="đơn vị đến")),
                    ],
                    options={
                        "verbose_name": "vị trí đến",
                        "verbose_name_plural": "vị trí đến",
                        "db_table": "assessments_targetpost",
                        "ordering": ["round", "order", "pk"],
                        "constraints": [
                            models.CheckConstraint(condition=models.Q(("count__gte", 1)), name="target_post_count_positive"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Candidate",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("added_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("registry", models.JSONField(blank=True, default=dict)),
                        ("registry_at", models.DateTimeField(blank=True, null=True)),
                        ("inputs", models.JSONField(blank=True, default=dict)),
                        ("eligible", models.BooleanField(null=True)),
                        ("exclusions", models.JSONField(blank=True, default=list)),
                        ("notes", models.JSONField(blank=True, default=list)),
                        ("total", models.DecimalField(blank=True, decimal_places=2, max_digits=8, null=True)),
                        ("breakdown", models.JSONField(blank=True, default=list)),
                        ("rank", models.PositiveIntegerField(blank=True, null=True)),
                        ("added_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("assigned_post", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="assigned", to="transfers.targetpost")),
                        ("employee", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="hr_system.employee")),
                        ("round", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="candidates", to="transfers.transferround")),
                    ],
                    options={
                        "verbose_name": "người trong danh sách xem xét",
                        "verbose_name_plural": "người trong danh sách xem xét",
                        "db_table": "assessments_candidate",
                        "ordering": ["round", "rank", "employee__code"],
                        # The name assessments 0002 gave the index (derived from db_table).
                        "indexes": [models.Index(fields=["round", "rank"], name="assessments_round_i_654a36_idx")],
                        "constraints": [
                            models.UniqueConstraint(fields=("round", "employee"), name="transfer_candidate_once"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Preference",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("position", models.PositiveSmallIntegerField()),
                        ("candidate", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="preferences", to="transfers.candidate")),
                        ("post", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="transfers.targetpost")),
                    ],
                    options={
                        "verbose_name": "nguyện vọng",
                        "verbose_name_plural": "nguyện vọng",
                        "db_table": "assessments_preference",
                        "ordering": ["candidate", "position"],
                        "constraints": [
                            models.UniqueConstraint(fields=("candidate", "position"), name="preference_position_once"),
                            models.UniqueConstraint(fields=("candidate", "post"), name="preference_post_once"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Evidence",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(choices=[("discipline", "Đang bị xem xét, xử lý kỷ luật"), ("investigation", "Đang bị thanh tra, kiểm tra, điều tra"), ("serious_illness", "Đang điều trị bệnh hiểm nghèo hoặc ốm đau dài ngày"), ("study", "Đi học tập trung (số tháng của khóa học; 0 nếu không)"), ("on_secondment", "Đang được biệt phái"), ("secondment_months", "Số tháng đã biệt phái (đợt hiện tại)"), ("pregnancy", "Đang mang thai"), ("child", "Nuôi con dưới 36 tháng tuổi"), ("rating", "Kết quả đánh giá, xếp loại một năm"), ("family_circumstances", "Hoàn cảnh gia đình đặc biệt (được xác nhận)"), ("priority_group", "Đối tượng ưu tiên (nhóm 1–4)"), ("volunteer", "Tự nguyện"), ("correction", "Đính chính số liệu hồ sơ")], max_length=24, verbose_name="loại")),
                        ("value", models.JSONField(verbose_name="giá trị")),
                        ("document_ref", models.CharField(max_length=250, verbose_name="văn bản, giấy tờ")),
                        ("note", models.CharField(blank=True, max_length=500, verbose_name="ghi chú")),
                        ("entered_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("candidate", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="evidence", to="transfers.candidate")),
                        ("entered_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "minh chứng",
                        "verbose_name_plural": "minh chứng",
                        "db_table": "assessments_evidence",
                        "ordering": ["candidate", "entered_at", "pk"],
                    },
                ),
                migrations.CreateModel(
                    name="Computation",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("number", models.PositiveIntegerField()),
                        ("reason", models.CharField(choices=[("compute", "Tính điểm"), ("registry", "Tính lại từ hồ sơ"), ("objection", "Tính lại sau phản hồi")], max_length=10)),
                        ("at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("summary", models.JSONField(default=dict)),
                        ("warnings", models.JSONField(blank=True, default=list)),
                        ("by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("criteria_set", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="transfers.criteriaset")),
                        ("round", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="computations", to="transfers.transferround")),
                    ],
                    options={
                        "verbose_name": "lần tính điểm",
                        "verbose_name_plural": "lần tính điểm",
                        "db_table": "assessments_computation",
                        "ordering": ["round", "number"],
                        "constraints": [
                            models.UniqueConstraint(fields=("round", "number"), name="computation_number_once"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Objection",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("text", models.TextField(verbose_name="nội dung phản hồi")),
                        ("filed_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("status", models.CharField(choices=[("pending", "Chờ xử lý"), ("accepted", "Chấp nhận"), ("rejected", "Không chấp nhận")], default="pending", max_length=10)),
                        ("resolution", models.TextField(blank=True, verbose_name="kết quả xử lý")),
                        ("resolved_at", models.DateTimeField(blank=True, null=True)),
                        ("rank_before", models.PositiveIntegerField(blank=True, null=True)),
                        ("rank_after", models.PositiveIntegerField(blank=True, null=True)),
                        ("candidate", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="objections", to="transfers.candidate")),
                        ("filed_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("resolved_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "ý kiến phản hồi",
                        "verbose_name_plural": "ý kiến phản hồi",
                        "db_table": "assessments_objection",
                        "ordering": ["filed_at", "pk"],
                        "constraints": [
                            models.UniqueConstraint(condition=models.Q(("status", "pending")), fields=("candidate",), name="objection_one_pending_per_candidate"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="LeaderSelection",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("title", models.CharField(max_length=250, verbose_name="tên kỳ thi tuyển")),
                        ("post", models.CharField(default="Hiệu trưởng", max_length=120, verbose_name="chức danh")),
                        ("weight_exam", models.DecimalField(decimal_places=2, default=1, max_digits=5, verbose_name="trọng số thi viết")),
                        ("weight_presentation", models.DecimalField(decimal_places=2, default=1, max_digits=5, verbose_name="trọng số trình bày đề án")),
                        ("weight_interview", models.DecimalField(decimal_places=2, default=1, max_digits=5, verbose_name="trọng số phỏng vấn")),
                        ("pass_exam", models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, verbose_name="điểm sàn thi viết")),
                        ("pass_presentation", models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, verbose_name="điểm sàn trình bày đề án")),
                        ("pass_interview", models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, verbose_name="điểm sàn phỏng vấn")),
                        ("pass_total", models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, verbose_name="tổng điểm đạt")),
                        ("drop_extremes", models.BooleanField(default=True, verbose_name="bỏ điểm cao nhất và thấp nhất")),
                        ("tie_break", models.JSONField(blank=True, default=list, verbose_name="thứ tự ưu tiên khi bằng điểm")),
                        ("closed_at", models.DateTimeField(blank=True, null=True, verbose_name="đã khóa điểm lúc")),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("exam", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="assessments.exam", verbose_name="bài thi viết")),
                        ("unit", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="hr_system.orgunit", verbose_name="đơn vị có vị trí tuyển")),
                    ],
                    options={
                        "verbose_name": "thi tuyển lãnh đạo",
                        "verbose_name_plural": "thi tuyển lãnh đạo",
                        "db_table": "assessments_leaderselection",
                        "ordering": ["-created_at", "-pk"],
                        "constraints": [
                            models.CheckConstraint(condition=models.Q(("weight_exam__gte", 0), ("weight_presentation__gte", 0), ("weight_interview__gte", 0)), name="leader_selection_weights_not_negative"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="LeaderCandidate",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("employee", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="hr_system.employee")),
                        ("selection", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="candidates", to="transfers.leaderselection")),
                    ],
                    options={
                        "verbose_name": "người dự tuyển",
                        "verbose_name_plural": "người dự tuyển",
                        "db_table": "assessments_leadercandidate",
                        "ordering": ["selection", "employee__code"],
                        "constraints": [
                            models.UniqueConstraint(fields=("selection", "employee"), name="leader_candidate_once"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="PanelMember",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("selection", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="panel", to="transfers.leaderselection")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "thành viên hội đồng thi tuyển",
                        "verbose_name_plural": "thành viên hội đồng thi tuyển",
                        "db_table": "assessments_panelmember",
                        "ordering": ["selection", "pk"],
                        "constraints": [
                            models.UniqueConstraint(fields=("selection", "user"), name="panel_member_once"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="PanelScore",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("part", models.CharField(choices=[("presentation", "Trình bày đề án"), ("interview", "Phỏng vấn")], max_length=12)),
                        ("score", models.DecimalField(decimal_places=2, max_digits=5)),
                        ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("candidate", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="scores", to="transfers.leadercandidate")),
                        ("member", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="scores", to="transfers.panelmember")),
                    ],
                    options={
                        "verbose_name": "điểm của thành viên hội đồng",
                        "verbose_name_plural": "điểm của thành viên hội đồng",
                        "db_table": "assessments_panelscore",
                        "ordering": ["candidate", "part", "member"],
                        "constraints": [
                            models.UniqueConstraint(fields=("candidate", "member", "part"), name="panel_score_once"),
                            models.CheckConstraint(condition=models.Q(("score__gte", 0), ("score__lte", 100)), name="panel_score_0_100"),
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
