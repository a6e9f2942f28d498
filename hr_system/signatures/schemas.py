from __future__ import annotations

import datetime as dt

from ninja import Schema


class SignatureCheckOut(Schema):
    field_name: str
    status: str
    signer_name: str
    signer_subject: str
    signed_at: dt.datetime | None
    timestamped: bool
    chain: list[str]
    covers_whole_file: bool
    message: str


class VerifyOut(Schema):
    overall: str
    signatures: list[SignatureCheckOut]
