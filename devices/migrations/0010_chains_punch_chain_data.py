"""Chain the punches stored before the chain existed: per clock, in the order they were
stored (pk), and set each clock's chain head to its last punch."""

from django.db import migrations

from devices import records
from hr_system import chain


def chain_existing(apps, schema_editor):
    Punch = apps.get_model("devices", "Punch")
    PunchChainHead = apps.get_model("devices", "PunchChainHead")
    connection = schema_editor.connection
    table = connection.ops.quote_name(Punch._meta.db_table)
    update = f"UPDATE {table} SET chain_seq = %s, chain_link = %s WHERE id = %s"
    device_ids = Punch.objects.order_by().values_list("device_id", flat=True).distinct()
    for device_id in sorted(device_ids):
        previous, seq, batch = chain.genesis("punch", records.chain_name(device_id)), 0, []
        rows = (
            Punch.objects.filter(device_id=device_id)
            .order_by("pk")
            .values_list("pk", "device_user_id", "local_time", "status", "punch", "verify", "source")
        )
        for pk, user_id, local, status, punch, verify, source in rows.iterator(chunk_size=5000):
            seq += 1
            previous = chain.next_link(
                previous, records.canonical_bytes(device_id, user_id, local, status, punch, verify, source)
            )
            batch.append((seq, previous.hex(), pk))
            if len(batch) >= 5000:
                with connection.cursor() as cursor:
                    cursor.executemany(update, batch)
                batch = []
        if batch:
            with connection.cursor() as cursor:
                cursor.executemany(update, batch)
        PunchChainHead.objects.update_or_create(device_id=device_id, defaults={"seq": seq, "link": previous.hex()})


class Migration(migrations.Migration):
    dependencies = [("devices", "0009_chains_punch_chain")]

    operations = [migrations.RunPython(chain_existing, migrations.RunPython.noop)]
