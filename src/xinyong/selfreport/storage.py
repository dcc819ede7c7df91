"""Attachment files, stored outside the web root under ``XINYONG_UPLOAD_DIR`` with names the platform chooses
(random hex, no extension), never the uploader's name, one folder per area (self-reports, repair materials);
read back only through access-checked routes. The files themselves are kept by :mod:`xinyong.core.uploads`."""

from __future__ import annotations

from pathlib import Path

from xinyong.core import uploads
from xinyong.core.uploads import STORED_NAME

__all__ = ["AREA", "STORED_NAME", "path_of", "remove", "root", "save"]

AREA = "selfreport"


def root(area: str = AREA) -> Path:
    return uploads.stored_root(area)


def save(data: bytes, area: str = AREA) -> str:
    """Write ``data`` under a new random name (atomically, owner-only) in ``area``'s folder and return the name."""
    return uploads.store(area, data)


def path_of(stored_as: str, area: str = AREA) -> Path:
    return uploads.stored_path(area, stored_as)


def remove(stored_as: str, area: str = AREA) -> None:
    uploads.discard(area, stored_as)
