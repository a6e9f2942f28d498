"""Delete stored fingerprint templates that may no longer be kept:
`purge_finger_templates [--once | --loop] [--sleep S]`.

With STORE_FINGER_TEMPLATES off, every stored row (the command to run after turning
storage off). With it on, the templates of officials who left more than the retention
period ago (devices.retention.TEMPLATE_RETENTION) and of officials with no active
consent; deletion of a leaver's fingers is queued on the ADMS clocks serving them.
Each round that deletes anything writes one audit record, with counts only.
"""

from __future__ import annotations

from django.utils import timezone

from devices import retention
from hr_system.workers import Worker


class Command(Worker):
    help = "Delete fingerprint templates past retention, without consent, or all when storage is off."
    default_sleep = 3600.0
    work_keys = ("templates_deleted", "clock_deletions_queued")

    def step(self) -> dict:
        result = retention.purge(today=timezone.localdate(), worker=self.name)
        if not self.options["loop"]:
            self.stdout.write(
                f"templates deleted {result['templates_deleted']}, "
                f"clock deletions queued {result['clock_deletions_queued']}"
                + (" (central storage is off)" if result["storage_off"] else "")
            )
        return result
