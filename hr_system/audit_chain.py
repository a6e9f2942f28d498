"""Checking the audit log's chain (AuditLog.seq/link, AuditChainHead).

`verify()` walks the log in chain order and names what does not fit: a record whose
content no longer matches its link (altered), a gap in the numbering (removed), a row
outside the chain or a number used twice (inserted), and a head or a committed link
that disagrees (rewritten). `devices`' `verify_punches` command runs it; the daily
punch commitment also records the log's head, passed in here as `committed`."""

from __future__ import annotations

import hashlib

from hr_system import chain
from hr_system.models import AuditChainHead, AuditLog

CHUNK = 5_000
ALTERED = " đã bị sửa: nội dung không khớp mắt xích của nó"
DUPLICATE = " bị chèn thêm (trùng số thứ tự)"


def _describe(seq, at, action, object_type, object_id) -> str:
    return f"bản ghi nhật ký #{seq} ({at:%Y-%m-%d %H:%M:%S}, {action} {object_type} {object_id})"


def verify(*, committed: dict[int, tuple[str, str]] | None = None) -> tuple[int, list[str]]:
    """(records checked, problems). `committed`: seq → (what committed it, link)."""
    problems: list[str] = []
    committed = dict(committed or {})
    for at, action, object_type, object_id in AuditLog.objects.filter(seq__isnull=True).values_list(
        "at", "action", "object_type", "object_id"
    ):
        problems.append(
            f"bản ghi nhật ký ({at:%Y-%m-%d %H:%M:%S}, {action} {object_type} {object_id}) bị chèn thêm: "
            "không có vị trí trong chuỗi"
        )
    rows = (
        AuditLog.objects.filter(seq__isnull=False)
        .order_by("seq", "pk")
        .values_list("seq", "link", "at", "user_id", "action", "object_type", "object_id", "detail")
    )
    last_seq, link, base_before, last_ok, last_desc = 0, chain.AUDIT_GENESIS, chain.AUDIT_GENESIS, True, ""
    checked = 0
    for s, stored, at, user_id, action, object_type, object_id, detail in rows.iterator(chunk_size=CHUNK):
        checked += 1
        desc = _describe(s, at, action, object_type, object_id)
        canonical = chain.audit_canonical(
            at=at, user_id=user_id, action=action, object_type=object_type, object_id=object_id, detail=detail
        )
        h = hashlib.sha256(base_before if s == last_seq else link)
        h.update(canonical)
        ok = h.hexdigest() == stored
        if s == last_seq:
            if ok and not last_ok and problems and problems[-1] == last_desc + ALTERED:
                problems[-1] = last_desc + DUPLICATE
                link = bytes.fromhex(stored)
            elif not ok:
                problems.append(desc + DUPLICATE)
            last_ok, last_desc = ok, desc
            continue
        if s != last_seq + 1:
            missing = f"#{last_seq + 1}" if s == last_seq + 2 else f"#{last_seq + 1}–#{s - 1}"
            before = f"#{last_seq}" if last_seq else "đầu nhật ký"
            problems.append(f"bản ghi nhật ký {missing} giữa {before} và #{s} đã bị xóa")
        elif not ok:
            problems.append(desc + ALTERED)
        if s in committed:
            by, committed_link = committed.pop(s)
            if stored != committed_link:
                problems.append(f"nhật ký bị viết lại sau {by} (bản ghi #{s} không còn mắt xích đã cam kết)")
        base_before = link
        link = bytes.fromhex(stored) if stored and len(stored) == chain.LINK_LENGTH else link
        last_seq, last_ok, last_desc = s, ok, desc
    for s, (by, _link) in sorted(committed.items()):
        if s > last_seq:
            problems.append(f"bản ghi nhật ký #{s} đã cam kết trong {by} không còn (đã bị xóa)")
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq, head_link = (head.seq, head.link) if head else (0, "")
    if head_seq > last_seq:
        problems.append(f"bản ghi nhật ký #{last_seq + 1}–#{head_seq} ở cuối nhật ký đã bị xóa")
    elif head_seq < last_seq:
        problems.append(f"bản ghi nhật ký #{head_seq + 1}–#{last_seq} sau đầu chuỗi #{head_seq} bị chèn thêm")
    elif last_seq and head_link != link.hex():
        problems.append(f"đầu chuỗi nhật ký không khớp bản ghi #{last_seq} (nhật ký đã bị viết lại)")
    return checked, problems
