import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hr_system", "0009_signing_credential"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SignedDocument",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=32, verbose_name="loại văn bản")),
                ("subject_key", models.CharField(max_length=128)),
                ("title", models.CharField(max_length=255, verbose_name="văn bản")),
                ("filename", models.CharField(max_length=128)),
                ("sha256", models.CharField(max_length=64)),
                ("size", models.PositiveIntegerField()),
                (
                    "status",
                    models.CharField(
                        choices=[("signed", "Đã ký"), ("voided", "Đã hủy hiệu lực")],
                        default="signed",
                        max_length=16,
                        verbose_name="trạng thái",
                    ),
                ),
                ("signer_name", models.CharField(max_length=255, verbose_name="người ký")),
                ("signed_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="thời điểm ký")),
                ("voided_at", models.DateTimeField(blank=True, null=True)),
                ("void_reason", models.CharField(blank=True, max_length=500)),
                (
                    "agency_credential",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="hr_system.signingcredential",
                    ),
                ),
                (
                    "credential",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="hr_system.signingcredential"
                    ),
                ),
                (
                    "signed_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="signed_documents",
                        to="hr_system.orgunit",
                        verbose_name="đơn vị",
                    ),
                ),
                (
                    "voided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "văn bản đã ký số",
                "verbose_name_plural": "văn bản đã ký số",
                "ordering": ["-signed_at", "-pk"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("status", "signed")),
                        fields=("kind", "subject_key"),
                        name="signed_document_one_in_force",
                    )
                ],
            },
        ),
    ]
