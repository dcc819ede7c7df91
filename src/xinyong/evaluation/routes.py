"""HTTP API of the 公共信用综合评价 (filled in by the next increment)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["evaluation 信用评价"])
