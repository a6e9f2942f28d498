# The tally starts from the punches already stored: one grouped count, once. Stop the
# poller before migrating (deploy/README.md, upgrade): punches an old poller stores after
# this count would be missing from the tally.

from django.db import migrations
from django.db.models import Count


def count_stored_punches(apps, schema_editor):
    Punch = apps.get_model("devices", "Punch")
    PunchTally = apps.get_model("devices", "PunchTally")
    db = schema_editor.connection.alias
    counts = Punch.objects.using(db).order_by().values_list("device_id", "source").annotate(n=Count("id"))
    PunchTally.objects.using(db).all().delete()
    PunchTally.objects.using(db).bulk_create(
        (PunchTally(device_id=device_id, source=source, stored=n) for device_id, source, n in counts),
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("devices", "0004_punch_tally"),
    ]

    operations = [
        migrations.RunPython(count_stored_punches, migrations.RunPython.noop, elidable=True),
    ]
