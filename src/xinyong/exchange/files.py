"""Cross-level exchange: deliveries as files (CSV, Excel, JSON lines), the changes-since pull (a job committing each
page with its cursor) and the drop folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor
from xinyong.core.config import get_settings
from xinyong.core.db import get_database
from xinyong.core.errors import Conflict, InvalidInput
from xinyong.exchange import transport
from xinyong.exchange.applying import ingest_items
from xinyong.exchange.models import (
    ExchangeBatch,
)
from xinyong.exchange.rules import (
    ItemError,
    Transport,
    parse_page,
)
from xinyong.exchange.schemas import (
    BatchOut,
    PullOut,
)
from xinyong.exchange.sources import UnitOfWork, get_source, list_sources, require_office
from xinyong.records.ingest import UnreadableRow, open_table

FILE_SUFFIXES = (".csv", ".tsv", ".xlsx", ".xls", ".jsonl", ".ndjson", ".json")

MAX_JSON_LINE = 1024 * 1024  # one item of a JSON lines file; longer lines are refused row by row


def _lines(data: bytes | Path) -> Iterator[bytes]:
    """The lines of a JSON lines file, from memory or read from disk a line at a time (a line longer than
    :data:`MAX_JSON_LINE` comes back cut at that length plus one byte: the caller refuses it)."""
    if isinstance(data, bytes):
        yield from data.splitlines()
        return
    with data.open("rb") as handle:
        while line := handle.readline(MAX_JSON_LINE + 1):
            if len(line) > MAX_JSON_LINE and not line.endswith(b"\n"):
                yield line  # too long: refused by the caller; skip the rest of it
                while (rest := handle.readline(MAX_JSON_LINE)) and not rest.endswith(b"\n"):
                    pass
                continue
            yield line.rstrip(b"\r\n")


def _json_lines(data: bytes | Path) -> Iterator[tuple[int, dict[str, Any] | ItemError]]:
    for number, raw in enumerate(_lines(data), start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if len(raw) > MAX_JSON_LINE:
            yield number, ItemError(number, "row", f"行过长（超过 {MAX_JSON_LINE} 字节）(line too long)")
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("JSON lines must be UTF-8 (JSON 行文件须为 UTF-8 编码)", field="file") from None
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as bad:
            yield number, ItemError(number, "row", f"不是有效的 JSON：{bad.msg} (bad JSON)")
            continue
        except RecursionError:
            yield number, ItemError(number, "row", "JSON 嵌套过深 (JSON nested too deeply)")
            continue
        if not isinstance(value, dict):
            yield number, ItemError(number, "row", "每行应为一个 JSON 对象 (each line must be a JSON object)")
            continue
        yield number, value


def _table_rows(data: bytes | Path, filename: str) -> Iterator[tuple[int, dict[str, Any] | ItemError]]:
    with open_table(data, filename) as table:
        headers = table.headers
        for row, cells in table.rows():
            if isinstance(cells, UnreadableRow):
                yield row, ItemError(row, "row", cells.reason)
                continue
            yield row, {h: v for h, v in zip(headers, cells, strict=False) if h}


def _size(data: bytes | Path) -> int:
    return len(data) if isinstance(data, bytes) else data.stat().st_size


def _sha256(data: bytes | Path) -> str:
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest()
    with data.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def file_items(data: bytes | Path, filename: str) -> Iterator[tuple[int, dict[str, Any] | ItemError]]:
    """The items of an upstream file (in memory or on disk, read as it goes): CSV/XLSX rows (headers are field
    codes or Chinese names) or JSON lines."""
    name = filename.strip().lower()
    if not name.endswith(FILE_SUFFIXES):
        raise InvalidInput(f"unsupported file type; send {', '.join(FILE_SUFFIXES)} (不支持的文件类型)", field="file")
    if not _size(data):
        raise InvalidInput("the file is empty (文件为空)", field="file")
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return _json_lines(data)
    return _table_rows(data, filename)


def ingest_file(session: Session, actor: Actor, code: str, data: bytes | Path, filename: str) -> BatchOut:
    """An upstream file (uploaded and spooled to disk, or found in a source's folder; bytes in tests): every row
    applied or rejected with reasons."""
    require_office(actor)
    source = get_source(session, code, lock=True)
    limit = get_settings().exchange_max_file_bytes
    if _size(data) > limit:
        raise InvalidInput(f"the file is larger than {limit} bytes (文件过大)", field="file")
    if not source.list_types and not source.record_kinds:
        raise InvalidInput(f"source {source.code} carries nothing (该来源未配置名单类型或记录类别)", field="source")
    items = list(file_items(data, filename))
    return ingest_items(
        session,
        actor,
        source,
        items,
        channel="file",
        ref=filename.strip()[-200:] or "upload",
        sha256=_sha256(data),
    )


def _pull_failed(units: UnitOfWork, actor: Actor, code: str, reason: str) -> None:
    with units() as session:
        source = get_source(session, code, lock=True)
        source.last_pull_error = reason[:2000]
        source.last_pull_at = clock.now()
        audit.record(session, actor, "exchange:pull:failed", "exchange_source", source.code, {"reason": reason[:500]})


def _feed_of(units: UnitOfWork, code: str) -> tuple[str, str | None, str | None, str]:
    """(feed URL, stored cursor, credentials reference, code) of an active HTTP source, read in a short transaction."""
    with units() as session:
        source = get_source(session, code)
        if source.transport != Transport.HTTP or not source.feed_url:
            raise InvalidInput(f"source {source.code} is not an HTTP feed (该来源不是接口方式)", field="source")
        if not source.active:
            raise Conflict(f"source {source.code} is inactive (该来源已停用)", field="source")
        return source.feed_url, source.cursor, source.credentials_ref, source.code


def pull(
    units: UnitOfWork,
    actor: Actor,
    code: str,
    *,
    max_pages: int | None = None,
    fetch: Callable[..., transport.Answer] = transport.fetch_page,
) -> PullOut:
    """Pull a source's changes-since feed page by page from its stored cursor. Each page is applied in its own
    transaction together with the cursor after it: stopped at any point, the next pull resumes from the last
    applied page. A page that cannot be used (timeout, wrong content type, bad JSON, too big, a cursor going
    backwards) stops the pull with the reason; nothing of that page is applied. Audited per page."""
    require_office(actor)
    settings = get_settings()
    limit = min(max_pages or settings.exchange_max_pages, settings.exchange_max_pages)
    out = PullOut(source=code, pages=0, received=0, applied=0, unchanged=0, rejected=0, conflicts=0, cursor=None,
                  complete=False)  # fmt: skip
    while out.pages < limit:
        url, cursor, ref, name = _feed_of(units, code)
        out.source, out.cursor = name, cursor
        try:
            answer = fetch(
                url,
                cursor=cursor,
                limit=settings.exchange_page_size,
                token=transport.token_of(ref),
                timeout=settings.exchange_timeout_seconds,
                max_bytes=settings.exchange_max_page_bytes,
            )
            page = parse_page(answer.body, current=cursor, max_items=settings.exchange_max_page_items)
        except transport.TransportError as failed:
            out.error = str(failed)
        except InvalidInput as refused:
            out.error = refused.message
        if out.error is not None:
            _pull_failed(units, actor, name, out.error)
            return out
        raw = json.dumps(page.items, ensure_ascii=False, sort_keys=True, default=str).encode()
        with units() as session:
            source = get_source(session, name, lock=True)
            if source.cursor != cursor:  # another pull moved on meanwhile: stop, the next pull continues
                out.error = "the cursor moved during this pull (另一拉取进程已推进游标)"
                return out
            items = [
                (
                    index,
                    item if isinstance(item, dict) else ItemError(index, "row", "条目应为 JSON 对象 (not an object)"),
                )
                for index, item in enumerate(page.items, start=1)
            ]
            batch = ingest_items(
                session,
                actor,
                source,
                items,
                channel="page",
                ref=f"since={cursor or ''}",
                sha256=hashlib.sha256(raw).hexdigest(),
                cursor_after=page.next_cursor,
            )
            now = clock.now()
            if page.next_cursor is not None:
                source.cursor = page.next_cursor
                source.cursor_at = now
            source.last_pull_at = now
            source.last_pull_error = None
            session.flush()
        out.pages += 1
        out.cursor = page.next_cursor or cursor
        for name_ in ("received", "applied", "unchanged", "rejected", "conflicts"):
            setattr(out, name_, getattr(out, name_) + getattr(batch, name_))
        if not page.has_more:
            out.complete = True
            break
    return out


def due_sources(session: Session, now: dt.datetime) -> list[str]:
    """Codes of active HTTP sources whose schedule says a pull is due."""
    due = []
    for source in list_sources(session):
        if not source.active or source.transport != Transport.HTTP or not source.schedule_minutes:
            continue
        if source.last_pull_at is None or source.last_pull_at + dt.timedelta(minutes=source.schedule_minutes) <= now:
            due.append(source.code)  # a schedule in minutes (not a legal deadline): plain arithmetic is right
    return due


@dataclass(frozen=True, slots=True)
class FolderResult:
    source: str
    file: str
    outcome: str  # applied / seen_before / refused
    batch: BatchOut | None
    reason: str | None


def scan_folder(units: UnitOfWork, actor: Actor, code: str) -> list[FolderResult]:
    """Read every file in a folder source's drop directory (oldest first), each in its own transaction; a file is
    moved to ``done/`` once its batch is committed, or to ``refused/`` when the whole file is unusable (the reason
    is audited). A file whose content was received before is moved to ``done/`` without a new batch."""
    with units() as session:
        source = get_source(session, code)
        if source.transport != Transport.FOLDER or not source.drop_dir:
            raise InvalidInput(f"source {source.code} has no drop folder (该来源不是目录方式)", field="source")
        folder = Path(source.drop_dir)
    if not folder.is_dir():
        raise InvalidInput(f"drop folder {str(folder)[:200]} does not exist (目录不存在)", field="drop_dir")
    files = sorted(
        (p for p in folder.iterdir() if p.is_file() and p.name.lower().endswith(FILE_SUFFIXES)),
        key=lambda p: (p.stat().st_mtime, p.name),
    )
    results: list[FolderResult] = []
    limit = get_settings().exchange_max_file_bytes
    for path in files:
        outcome, batch, reason = "applied", None, None
        try:
            if path.stat().st_size > limit:
                raise InvalidInput(f"the file is larger than {limit} bytes (文件过大)", field="file")
            digest = _sha256(path)
            with units() as session:
                source = get_source(session, code)
                seen = session.scalars(
                    select(ExchangeBatch.id).where(
                        ExchangeBatch.source_id == source.id,
                        ExchangeBatch.channel == "file",
                        ExchangeBatch.sha256 == digest,
                    )
                ).first()
                if seen is not None:
                    outcome = "seen_before"
                else:
                    batch = ingest_file(session, actor, code, path, path.name)
        except InvalidInput as refused:
            outcome, reason = "refused", refused.message
            with units() as session:
                audit.record(
                    session,
                    actor,
                    "exchange:file:refused",
                    "exchange_source",
                    code,
                    {"file": path.name, "reason": reason},
                )
        target = folder / ("refused" if outcome == "refused" else "done")
        target.mkdir(exist_ok=True)
        moved = target / path.name
        if moved.exists():  # a file of the same name was read before: keep both
            moved = target / f"{path.stem}.{clock.now().strftime('%Y%m%dT%H%M%S%f')}{path.suffix}"
        path.replace(moved)
        results.append(FolderResult(code, path.name, outcome, batch, reason))
    return results


def sweep_pulls(session: Session, actor: Actor, today: dt.date) -> dict[str, int]:
    """``xinyong tick``: pull every HTTP source whose schedule is due. Each page commits in its own transaction
    (on the platform's database), so a sweep cut short resumes from the last applied page next time."""
    del today
    due = due_sources(session, clock.now())
    pulled = failed = pages = 0
    database = get_database()
    for code in due:
        out = pull(database.unit_of_work, actor, code)
        pulled += 1
        pages += out.pages
        failed += out.error is not None
    return {"due": len(due), "pulled": pulled, "pages": pages, "failed": failed}
