"""Evaluation and classification endpoints (mounted at /api/v1/evaluation by
hr_system/api.py). Endpoints are thin: schema in → access helper (evaluation/access.py)
→ action or report → schema out."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["Đánh giá, xếp loại"])
