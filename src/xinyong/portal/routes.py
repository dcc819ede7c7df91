"""Pages of the portal (filled in by the portal work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
