"""Sealed sittings: the guard every write path calls, the seal, the archive and verify.

Once a sitting is sealed, its attempts (answers, events, scores) are kept as sealed;
the only path that may change one is re-marking (phúc khảo), which runs its re-score
inside `remark_context()` and records its own decision (issue 15).
"""

from __future__ import annotations

import contextlib
import contextvars

from assessments.papers import ExamError

_remarking: contextvars.ContextVar[bool] = contextvars.ContextVar("remarking", default=False)


class SealedError(ExamError):
    """A change to an attempt of a sealed sitting, outside re-marking (409)."""

    code = "sealed"

    def __init__(self, message: str | None = None):
        super().__init__(message or "Ca thi đã được niêm phong; kết quả chỉ thay đổi qua phúc khảo.", "__all__", 409)


@contextlib.contextmanager
def remark_context():
    """Inside this block `check_unsealed` lets a sealed attempt be changed: re-marking only."""
    token = _remarking.set(True)
    try:
        yield
    finally:
        _remarking.reset(token)


def check_unsealed(attempt) -> None:
    """Raise SealedError when `attempt` sits on a sealed sitting, unless re-marking."""
    if not _remarking.get() and attempt.sitting_id is not None and attempt.sitting.sealed_at is not None:
        raise SealedError()
