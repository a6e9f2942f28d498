"""Chain the audit records written before the chain existed, in the order they were
written (pk), and set the chain's head to the last one."""

from django.db import migrations

from hr_system import chain


def chain_existing(apps, schema_editor):
    AuditLog = apps.get_model("hr_system", "AuditLog")
    AuditChainHead = apps.get_model("hr_system", "AuditChainHead")
    previous, seq, batch = chain.AUDIT_GENESIS, 0, []
    rows = AuditLog.objects.order_by("pk").values_list(
        "pk", "at", "user_id", "action", "object_type", "object_id", "detail"
    )
    for pk, at, user_id, action, object_type, object_id, detail in rows.iterator(chunk_size=2000):
        seq += 1
        previous = chain.next_link(
            previous,
            chain.audit_canonical(
                at=at, user_id=user_id, action=action, object_type=object_type, object_id=object_id, detail=detail
            ),
        )
        batch.append(AuditLog(pk=pk, seq=seq, link=previous.hex()))
        if len(batch) >= 2000:
            AuditLog.objects.bulk_update(batch, ["seq", "link"])
            batch = []
    AuditLog.objects.bulk_update(batch, ["seq", "link"])
    AuditChainHead.objects.update_or_create(pk=1, defaults={"seq": seq, "link": previous.hex() if seq else ""})


class Migration(migrations.Migration):
    dependencies = [("hr_system", "0011_chains_audit_chain")]

    operations = [migrations.RunPython(chain_existing, migrations.RunPython.noop)]
