"""Attachment files, stored outside the web root under ``XINYONG_UPLOAD_DIR`` with names the platform chooses
(random hex, no extension), never the uploader's name, one folder per area (self-reports, repair materials);
read back only through access-checked routes."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from xinyong.core.config import get_settings
from xinyong.core.errors import NotFound

AREA = "selfreport"
STORED_NAME = re.compile(r"^[0-9a-f]{32}$")
_STATIC = Path(__file__).resolve().parents[1] / "static"


def root(area: str = AREA) -> Path:
    base = Path(get_settings().upload_dir).resolve()
    if base == _STATIC or _STATIC in base.parents:
        raise RuntimeError("XINYONG_UPLOAD_DIR must lie outside the web root (src/xinyong/static)")
    return base / area


def save(data: bytes, area: str = AREA) -> str:
    """Write ``data`` under a new random name (atomically, owner-only) in ``area``'s folder and return the name."""
    folder = root(area)
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(16)
    final = folder / name
    temporary = folder / f".{name}.part"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return name


def path_of(stored_as: str, area: str = AREA) -> Path:
    if not STORED_NAME.match(stored_as):
        raise NotFound("no such attachment (附件不存在)", field="attachment_id")
    path = root(area) / stored_as
    if not path.is_file():
        raise NotFound("the attachment's file is missing (附件文件缺失)", field="attachment_id")
    return path


def remove(stored_as: str, area: str = AREA) -> None:
    if STORED_NAME.match(stored_as):
        (root(area) / stored_as).unlink(missing_ok=True)
