# The unit is required once every category has one (0005). A separate migration: on
# PostgreSQL an ALTER TABLE after row updates in one transaction fails on the pending
# deferred foreign-key checks.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0005_category_owner_assigned"),
        ("hr_system", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="category",
            name="unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="question_categories",
                to="hr_system.orgunit",
                verbose_name="đơn vị sở hữu",
            ),
        ),
    ]
