from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema


class SignatureCheckOut(Schema):
    field_name: str
    status: Literal["valid", "invalid", "modified", "untrusted", "expired"]
    signer_name: str
    signer_subject: str
    signed_at: dt.datetime | None
    timestamped: bool
    chain: list[str]
    covers_whole_file: bool
    message: str


class SignatureVerifyOut(Schema):
    overall: Literal["valid", "invalid", "modified", "untrusted", "expired", "unsigned"]
    signatures: list[SignatureCheckOut]
