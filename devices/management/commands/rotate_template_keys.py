"""Re-encrypt every stored fingerprint template with the current (first) key.

Put the new key first in FINGER_TEMPLATE_KEYS (or the key file), keep the old ones
after it, run this, then remove the old keys. Batched, and idempotent: a row already
under the current key is left as it is, so an interrupted run is simply run again.
"""

from __future__ import annotations

from cryptography.fernet import MultiFernet
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from devices import template_crypto
from devices.models import FingerTemplate
from hr_system.models import AuditLog


class Command(BaseCommand):
    help = "Re-encrypt the stored fingerprint templates with the current key (the first configured)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500, help="Rows per transaction.")

    def handle(self, *args, **options):
        if options["batch"] < 1:
            raise CommandError("--batch phải là số dương.")
        try:
            keys = template_crypto.fernets()
        except template_crypto.TemplateKeyError as exc:
            raise CommandError(str(exc)) from None
        cipher, current = MultiFernet(keys), keys[0]
        rotated = unchanged = unreadable = 0
        last_pk = 0
        while True:
            with transaction.atomic():
                rows = list(
                    FingerTemplate.objects.select_for_update()
                    .filter(pk__gt=last_pk)
                    .order_by("pk")
                    .only("pk", "template")[: options["batch"]]
                )
                if not rows:
                    break
                changed = []
                for row in rows:
                    if template_crypto.under_key(row.template, current):
                        unchanged += 1
                        continue
                    try:
                        row.template = template_crypto.reencrypt(row.template, using=cipher)
                    except template_crypto.TemplateKeyError:
                        unreadable += 1  # no configured key reads it: left for the report
                        continue
                    changed.append(row)
                FingerTemplate.objects.bulk_update(changed, ["template"])
                rotated += len(changed)
                last_pk = rows[-1].pk
        AuditLog.record(
            user=None,
            action="finger_templates.rotate_keys",
            object_type="devices.FingerTemplate",
            rotated=rotated,
            unchanged=unchanged,
            unreadable=unreadable,
        )
        self.stdout.write(f"rotated {rotated}, already under the current key {unchanged}, unreadable {unreadable}")
        if unreadable:
            raise CommandError(
                f"{unreadable} mẫu vân tay không giải mã được bằng các khóa đã cấu hình: "
                "thêm lại khóa cũ rồi chạy lại lệnh này."
            )
