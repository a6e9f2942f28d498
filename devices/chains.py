"""Checking and committing the clocks' punch chains (see hr_system.chain).

`verify()` recomputes every clock's chain from its stored punches and names what does
not fit: a punch whose content no longer matches its link (altered), a gap in the
numbering (deleted), a row outside the chain or a number used twice (inserted), and a
chain head or daily commitment that disagrees with the rows (rewritten). `commit()`
writes a day's PunchCommitment. Both are used by the `verify_punches` and
`commit_punches` commands.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from devices import records
from devices.models import Device, Punch, PunchChainHead, PunchCommitment
from hr_system import chain
from hr_system.models import AuditChainHead

CHUNK = 20_000
# What verify() says (Vietnamese: read by the administrator, like the other commands).
ALTERED = " đã bị sửa: nội dung không khớp mắt xích của nó"
DUPLICATE = " bị chèn thêm (trùng số thứ tự)"
AUDIT_KEY = "audit"  # the audit log's head in a commitment, beside the clocks' ids


def audit_committed() -> dict[int, tuple[str, str]]:
    """The audit log's links the commitments recorded: seq → (which commitment, link)."""
    return {
        int(c.heads[AUDIT_KEY][0]): (f"bản cam kết ngày {c.day:%d/%m/%Y}", c.heads[AUDIT_KEY][1])
        for c in PunchCommitment.objects.order_by("day")
        if AUDIT_KEY in c.heads
    }


@dataclass
class Report:
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.problems.append(text)


def _describe(device: Device, seq, user_id: str, local: str) -> str:
    return f"{device.name}: lượt chấm công #{seq} (mã {user_id}, {local})"


def verify(*, devices=None, since: dt.date | None = None, report: Report | None = None) -> Report:
    """Recompute the chains of `devices` (all clocks by default).

    With `since`, each chain is checked from the last commitment made before that day,
    whose recorded links are trusted; otherwise from its genesis."""
    report = report or Report()
    commitments = list(PunchCommitment.objects.order_by("day"))
    start = None
    if since is not None:
        earlier = [c for c in commitments if c.day < since]
        start = earlier[-1] if earlier else None
    _check_commitments(commitments, report)
    devices = list(Device.objects.order_by("pk") if devices is None else devices)
    heads = {h.device_id: h for h in PunchChainHead.objects.filter(device__in=[d.pk for d in devices])}
    for device in devices:
        _check_device(device, heads.get(device.pk), start, commitments, report)
    return report


def _check_commitments(commitments: list[PunchCommitment], report: Report) -> None:
    previous = ""
    for c in commitments:
        if c.previous != previous:
            report.add(f"bản cam kết ngày {c.day:%d/%m/%Y}: mã của bản cam kết trước không khớp")
        if c.expected_digest() != c.digest:
            report.add(f"bản cam kết ngày {c.day:%d/%m/%Y}: đã bị sửa (mã không khớp các đầu chuỗi)")
        previous = c.digest


def _check_device(
    device: Device,
    head: PunchChainHead | None,
    start: PunchCommitment | None,
    commitments: list[PunchCommitment],
    report: Report,
) -> None:
    key = str(device.pk)
    seq, link = 0, chain.genesis("punch", records.chain_name(device.pk))
    if start is not None and key in start.heads:
        seq, link = int(start.heads[key][0]), bytes.fromhex(start.heads[key][1])
    # Links the commitments recorded for this clock, checked when the walk reaches them.
    committed = {int(c.heads[key][0]): (c.day, c.heads[key][1]) for c in commitments if key in c.heads}
    committed = {s: v for s, v in committed.items() if s > seq}

    outside = Punch.objects.filter(device=device, chain_seq__isnull=True)
    for user_id, local in outside.order_by("local_time").values_list("device_user_id", "local_time"):
        report.add(f"{device.name}: lượt chấm công (mã {user_id}, {local}) bị chèn thêm: không có vị trí trong chuỗi")

    rows = (
        Punch.objects.filter(device=device, chain_seq__gt=seq)
        .order_by("chain_seq", "pk")
        .values_list("chain_seq", "chain_link", "device_user_id", "local_time", "status", "punch", "verify", "source")
    )
    pk = device.pk
    sha256 = hashlib.sha256
    canonical = records.canonical_bytes
    last_seq, base_before, last_row, last_ok = seq, link, None, True
    checked = 0
    for row in rows.iterator(chunk_size=CHUNK):
        s, stored, user_id, local, status, punch, verify_code, source = row
        checked += 1
        h = sha256(base_before if s == last_seq else link)
        h.update(canonical(pk, user_id, local, status, punch, verify_code, source))
        ok = h.hexdigest() == stored
        if s == last_seq:
            # Two rows with one number: the one whose link does not fit was inserted.
            if ok and not last_ok and report.problems and report.problems[-1].endswith(ALTERED):
                report.problems[-1] = _describe(device, s, *last_row) + DUPLICATE
                link = bytes.fromhex(stored)
            elif not ok:
                report.add(_describe(device, s, user_id, local) + DUPLICATE)
            last_row, last_ok = (user_id, local), ok
            continue
        if s != last_seq + 1:
            before = "đầu chuỗi" if last_row is None else f"#{last_seq} ({last_row[0]}, {last_row[1]})"
            missing = f"#{last_seq + 1}" if s == last_seq + 2 else f"#{last_seq + 1}–#{s - 1}"
            report.add(f"{device.name}: lượt chấm công {missing} giữa {before} và #{s} ({user_id}, {local}) đã bị xóa")
        elif not ok:
            report.add(_describe(device, s, user_id, local) + ALTERED)
        if s in committed:
            day, committed_link = committed.pop(s)
            if stored != committed_link:
                report.add(
                    f"{device.name}: chuỗi bị viết lại sau bản cam kết ngày {day:%d/%m/%Y} "
                    f"(lượt #{s} không còn mắt xích đã cam kết)"
                )
        base_before = link
        # After a gap or an altered row the stored link is the base: each fault is named
        # once, and a rewritten chain is caught by the head and the commitments.
        link = bytes.fromhex(stored) if stored and len(stored) == chain.LINK_LENGTH else link
        last_seq, last_row, last_ok = s, (user_id, local), ok
    report.checked += checked
    for s, (day, _link) in sorted(committed.items()):
        if s > last_seq:
            report.add(f"{device.name}: lượt chấm công #{s} đã cam kết ngày {day:%d/%m/%Y} không còn (đã bị xóa)")
    head_seq, head_link = (head.seq, head.link) if head else (0, "")
    if head_seq > last_seq:
        report.add(f"{device.name}: lượt chấm công #{last_seq + 1}–#{head_seq} ở cuối chuỗi đã bị xóa")
    elif head_seq < last_seq:
        report.add(f"{device.name}: lượt chấm công #{head_seq + 1}–#{last_seq} sau đầu chuỗi #{head_seq} bị chèn thêm")
    elif last_seq and head_link != link.hex():
        report.add(f"{device.name}: đầu chuỗi không khớp lượt chấm công #{last_seq} (chuỗi đã bị viết lại)")


def commit(day: dt.date | None = None) -> PunchCommitment | None:
    """Write the commitment of local day `day` (yesterday by default): every clock's chain
    head now, chained to the previous commitment. Does nothing if the day is committed
    or a later day already is (commitments only go forward); returns the new row."""
    day = day or timezone.localdate() - dt.timedelta(days=1)
    with transaction.atomic():
        last = PunchCommitment.objects.select_for_update().order_by("-day").first()
        if last is not None and last.day >= day:
            return None
        heads = {str(h.device_id): (h.seq, h.link) for h in PunchChainHead.objects.order_by("device_id") if h.seq}
        audit = AuditChainHead.objects.filter(pk=1).first()
        if audit is not None and audit.seq:
            heads[AUDIT_KEY] = (audit.seq, audit.link)
        previous = last.digest if last else ""
        digest = chain.digest_of_heads(day=day, heads=heads, previous=previous)
        return PunchCommitment.objects.create(
            day=day, heads={k: list(v) for k, v in heads.items()}, previous=previous, digest=digest
        )
