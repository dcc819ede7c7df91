"""Pages of the console (filled in by the console work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
