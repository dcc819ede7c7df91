"""Provenance by reference: which cell of which file said this, without a copy of every cell in every version.

An ingested row's cells as read (ID numbers masked, as the provenance always held them) go into a
:class:`~xinyong.records.models.ProvenanceArchive`: one per chunk of a batch's rows, JSON lines
(``{"cells": {...}, "row": n}``, keys sorted), gzip-compressed, addressed by the SHA-256 of the uncompressed text,
so a chunk sent again is stored once. The version's provenance keeps the batch, the layout, the row number in the
file and ``cells = {"archive": <sha256>, "line": i, "sha256": <sha256 of that line>}``; :func:`original_cells`
answers the question for any version, also for provenance written before archives (its ``original`` is inline)
and checks the line against its hash.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.records.models import ProvenanceArchive

REF = "cells"
INLINE = "original"
#: Headers of a row's own update time (1.0 数据更新时间戳): kept in the provenance as ``source_changed_on`` when the
#: cells go to an archive, because the timeliness figures read it (records.timeliness).
SOURCE_TIME_HEADERS = ("SJC", "CF_SJC", "XK_SJC", "数据更新时间戳", "时间戳")


class ArchiveDamaged(Exception):
    """An archive is missing, or a line does not match the hash its version recorded."""


def line_of(row: int, cells: Mapping[str, Any]) -> str:
    return json.dumps({"cells": dict(cells), "row": row}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def pack(lines: Sequence[str]) -> tuple[str, bytes, bytes]:
    """(SHA-256 of the text, the text, its gzip) for JSON lines; gzip without a timestamp, so it is reproducible."""
    text = "\n".join(lines).encode("utf-8")
    return hashlib.sha256(text).hexdigest(), text, gzip.compress(text, compresslevel=6, mtime=0)


def line_sha256(line: str) -> str:
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


def archive_lines(session: Session, lines: Sequence[str]) -> list[dict[str, Any]]:
    """Store rows' lines (:func:`line_of`) as one archive (unless the same text is already stored) and return each
    row's reference, in order."""
    digest, text, compressed = pack(lines)
    if session.get(ProvenanceArchive, digest) is None:
        session.add(
            ProvenanceArchive(sha256=digest, lines=len(lines), size=len(text), data=compressed, created_at=clock.now())
        )
    return [{"archive": digest, "line": index, "sha256": line_sha256(line)} for index, line in enumerate(lines)]


def archive_rows(session: Session, rows: Sequence[tuple[int, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """:func:`archive_lines` for rows given as (row number, cells)."""
    return archive_lines(session, [line_of(row, cells) for row, cells in rows])


@lru_cache(maxsize=16)
def _lines(data: bytes) -> tuple[str, ...]:
    return tuple(gzip.decompress(data).decode("utf-8").split("\n"))


def original_cells(session: Session, provenance: Mapping[str, Any] | None) -> dict[str, str] | None:
    """The row's cells as the department sent them (ID numbers masked), or None when the version did not come from
    a file or batch row (a platform step, another area's record). Raises :class:`ArchiveDamaged` when the archive is
    missing or the line's hash does not match."""
    if not provenance:
        return None
    inline = provenance.get(INLINE)
    if isinstance(inline, dict):
        return {str(k): str(v) for k, v in inline.items()}
    ref = provenance.get(REF)
    if not isinstance(ref, dict):
        return None
    data = session.scalar(select(ProvenanceArchive.data).where(ProvenanceArchive.sha256 == str(ref.get("archive"))))
    if data is None:
        raise ArchiveDamaged(f"provenance archive {ref.get('archive')} is missing")
    lines = _lines(bytes(data))
    index = ref.get("line")
    if not isinstance(index, int) or not 0 <= index < len(lines):
        raise ArchiveDamaged(f"line {index} is not in archive {ref.get('archive')}")
    line = lines[index]
    if line_sha256(line) != ref.get("sha256"):
        raise ArchiveDamaged(f"line {index} of archive {ref.get('archive')} does not match its hash")
    cells = json.loads(line)["cells"]
    return {str(k): str(v) for k, v in cells.items()}
