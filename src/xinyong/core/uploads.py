"""Request bodies and uploaded files, bounded while they stream (every upload is hostile).

- :class:`BodyLimitMiddleware` refuses a request whose body would pass its limit — from ``Content-Length`` before a
  byte is read, else by counting while the body streams — with 413: ``XINYONG_UPLOAD_MAX_BYTES`` (+ 1 MiB for the
  form's other fields) for ``multipart/form-data``, ``XINYONG_MAX_BODY_BYTES`` for any other body. Starlette's form
  parser spools file parts to disk past 1 MiB, so an upload is never held whole in memory.
- :func:`spool` copies an uploaded file to a named temporary file in pieces, refusing it past a limit, so that the
  readers (which open the file by path, more than once) read from disk.
- :func:`store`, :func:`stored_path` and :func:`discard` keep attachment files outside the web root under
  ``XINYONG_UPLOAD_DIR``, one folder per area, with names the platform chooses (random hex, no extension), never the
  uploader's; they are read back only through access-checked routes.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Final

from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xinyong.core.config import get_settings
from xinyong.core.errors import NotFound, TooLarge

PIECE: Final = 1024 * 1024
FORM_SLACK: Final = 1024 * 1024  # the form's other fields and the multipart framing


def too_large(limit: int, found: int | None = None) -> TooLarge:
    details: dict[str, object] = {"reason": "file_size", "limit": limit}
    if found is not None:
        details["found"] = found
    size = f"{limit / 2**20:,.0f} MiB"
    return TooLarge(
        f"文件超过 {size}，拒绝接收；请拆分为多个文件 (files are limited to {size})",
        field="file",
        details=details,
    )


@contextlib.contextmanager
def spool(source: IO[bytes], limit: int, suffix: str = "") -> Iterator[Path]:
    """The uploaded ``source`` as a temporary file on disk (removed afterwards); :class:`TooLarge` past ``limit``."""
    handle, name = tempfile.mkstemp(prefix="xinyong-upload-", suffix=suffix[-16:])
    try:
        with os.fdopen(handle, "wb") as target:
            size = 0
            while piece := source.read(PIECE):
                size += len(piece)
                if size > limit:
                    raise too_large(limit)
                target.write(piece)
        yield Path(name)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)


STORED_NAME: Final = re.compile(r"^[0-9a-f]{32}$")
_STATIC: Final = Path(__file__).resolve().parents[1] / "static"


def stored_root(area: str) -> Path:
    """The area's folder of stored files; refused when the upload directory lies inside the web root."""
    base = Path(get_settings().upload_dir).resolve()
    if base == _STATIC or _STATIC in base.parents:
        raise RuntimeError("XINYONG_UPLOAD_DIR must lie outside the web root (src/xinyong/static)")
    return base / area


def store(area: str, data: bytes) -> str:
    """Write ``data`` under a new random name (atomically, owner-only) in ``area``'s folder and return the name."""
    folder = stored_root(area)
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


def stored_path(area: str, stored_as: str) -> Path:
    """The file stored as ``stored_as`` in ``area`` (404 for a name the platform did not choose or a missing file)."""
    if not STORED_NAME.match(stored_as):
        raise NotFound("no such attachment (附件不存在)", field="attachment_id")
    path = stored_root(area) / stored_as
    if not path.is_file():
        raise NotFound("the attachment's file is missing (附件文件缺失)", field="attachment_id")
    return path


def discard(area: str, stored_as: str) -> None:
    if STORED_NAME.match(stored_as):
        (stored_root(area) / stored_as).unlink(missing_ok=True)


def suffix_of(filename: str) -> str:
    return os.path.splitext(filename.strip())[1][:16]


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, upload_bytes: int, body_bytes: int) -> None:
        self.app = app
        self.upload_bytes = upload_bytes + FORM_SLACK
        self.body_bytes = body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        multipart = headers.get(b"content-type", b"").lower().startswith(b"multipart/form-data")
        limit = self.upload_bytes if multipart else self.body_bytes
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _refusal(headers, limit)(scope, receive, send)
            return
        received = 0
        exceeded = answered = False

        async def counted() -> Message:
            # Past the limit the application is told the client went away (it stops reading and answers
            # something); that answer is replaced by the 413 below.
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    return {"type": "http.disconnect"}
            return message

        async def watched(message: Message) -> None:
            nonlocal answered
            if not exceeded:
                await send(message)
            elif not answered:
                answered = True
                await _refusal(headers, limit)(scope, receive, send)

        try:
            await self.app(scope, counted, watched)
        except Exception:
            if not exceeded or answered:
                raise
        if exceeded and not answered:
            await _refusal(headers, limit)(scope, receive, send)


def _refusal(headers: dict[bytes, bytes], limit: int) -> Response:
    error = too_large(limit)
    if b"text/html" in headers.get(b"accept", b""):
        return PlainTextResponse(error.message, status_code=413, headers={"Connection": "close"})
    return JSONResponse(error.to_dict(), status_code=413, headers={"Connection": "close"})
