"""Exports that stream: the first bytes leave after the first batch of rows, memory stays flat, and the rows are read
by a session the response owns (the request's own session has ended by the time the body is sent).

- **Its own session**: :func:`export_session` opens it inside the body's generator, from the same database as the
  request (a request pinned to one connection, as in the tests, reads in a savepoint of that connection) and with the
  request's read-replica routing; it is committed after each batch (a batch may record a personal read) and closed
  when the body ends, however it ends.
- **Batches**: the caller gives a function of that session yielding lists of rows already shown as the page shows them
  (masked and desensitised batch by batch, never over the whole list); lists read them by keyset in page order, so a
  batch costs what a page costs on PostgreSQL and SQLite alike.
- **A client that goes away** mid-stream: the body's generator is closed at once (not left to the garbage collector),
  which rolls back, closes the session and records the export as cut short.
- **An error mid-stream** cannot become an error page (the status line and headers are gone): the file ends with a
  Chinese line saying it is incomplete and should be exported again (CSV: a last row; XLSX: a note below the data,
  the workbook closed properly so it opens), the error is logged with its traceback, and the audit event says
  ``complete: false``.
- **Audit**: ``on_end(session, stats)`` runs when the body ends — with the rows sent and whether it was complete — and
  its writes are committed (the view's audit of an export moves here: only now is the number of rows known).
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

import anyio
from sqlalchemy import Connection
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.types import Send

from xinyong.core.db import get_database
from xinyong.core.export import CSV_TYPE, XLSX_TYPE, Cell, _disposition, cell_text, neutralise, truncation_note
from xinyong.core.replicas import ROUTER, ReadRouter, replica_eligible
from xinyong.core.xlsx_stream import XlsxStream

log = logging.getLogger("xinyong.export")

Row = Sequence[Cell]
Batches = Callable[[Session], Iterable[Sequence[Row]]]
INCOMPLETE_NOTE = "注：导出过程中出错，本文件不完整，请稍后重新导出。"
_DONE = object()


@dataclass(slots=True)
class StreamStats:
    rows: int = 0
    truncated: bool = False
    complete: bool = False
    batches: int = 0


@contextmanager
def export_session(request: Request, origin: Session) -> Iterator[Session]:
    """A session of the response's own on the request's database: rolled back and closed when the block ends (what
    must be kept is committed inside it)."""
    bind = origin.bind
    if isinstance(bind, Connection):  # a request pinned to one connection (tests, embedding): a savepoint of it
        session = Session(bind=bind, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()
            origin.expire_all()  # the request's session sees what this one wrote (the audit chain's head)
        return
    database = getattr(request.app.state, "database", None) or get_database()
    session = database.sessions()
    if database.replicas is not None and replica_eligible(request.method, request.url.path, request.url.query):
        session.info[ROUTER] = ReadRouter(database.replicas, {})
    try:
        yield session
    finally:
        database.finish(session, commit=False)


def _capped_batches(session: Session, batches: Batches, limit: int, stats: StreamStats) -> Iterator[Sequence[Row]]:
    """The batches up to ``limit`` rows, each committed once written (so a batch's audit of a personal read is kept
    and the connection goes back to the pool while the client reads)."""
    for batch in batches(session):
        room = limit - stats.rows
        if len(batch) > room:
            stats.truncated = True
            batch = batch[:room]
        stats.rows += len(batch)
        stats.batches += 1
        if batch:
            yield batch
        session.commit()
        if stats.truncated:
            return


def _csv_rows(rows: Iterable[Row]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([cell_text(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


class _CsvFormat:
    def __init__(self, titles: Sequence[str]) -> None:
        self.titles = titles

    def start(self) -> bytes:
        return "\ufeff".encode() + _csv_rows([[neutralise(t) for t in self.titles]])

    def rows(self, rows: Sequence[Row]) -> bytes:
        return _csv_rows(rows)

    def notes(self, notes: Sequence[str]) -> bytes:
        return _csv_rows([(note,) for note in notes])

    def finish(self) -> bytes:
        return b""


def stream_body(
    open_session: Callable[[], AbstractContextManager[Session]],
    writer: _CsvFormat | XlsxStream,
    batches: Batches,
    *,
    limit: int,
    notes: Sequence[str] = (),
    on_end: Callable[[Session, StreamStats], None] | None = None,
) -> Generator[bytes, None, None]:
    """The file's bytes: the head at once, then one chunk per batch, then the notes and the end of the file."""
    stats = StreamStats()
    yield writer.start()
    with open_session() as session:
        try:
            for batch in _capped_batches(session, batches, limit, stats):
                chunk = writer.rows(batch)
                if chunk:
                    yield chunk
            stats.complete = True
        except Exception:
            log.exception("export failed after %d rows; the file ends with a note saying it is incomplete", stats.rows)
            session.rollback()
        finally:
            _end(session, stats, on_end)
    trailer = list(notes) if stats.complete else [INCOMPLETE_NOTE]
    if stats.truncated:
        trailer.append(truncation_note(limit))
    yield writer.notes(trailer) + writer.finish()


def _end(session: Session, stats: StreamStats, on_end: Callable[[Session, StreamStats], None] | None) -> None:
    """Record the export (rows sent, complete or not) in a transaction of its own; a failure here is logged, never
    raised into a body that is half sent."""
    if on_end is None:
        return
    try:
        if not session.is_active:
            session.rollback()
        on_end(session, stats)
        session.commit()
    except Exception:
        log.exception("the audit of an export could not be written")
        session.rollback()


async def _drain(body: Generator[bytes, None, None]) -> AsyncIterator[bytes]:
    """Each chunk from the thread pool; the generator closed (its session released) however the response ends, a
    client that went away included."""
    try:
        while True:
            chunk = await run_in_threadpool(next, body, _DONE)
            if chunk is _DONE:
                return
            assert isinstance(chunk, bytes)
            yield chunk
    finally:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(body.close)


class _StreamingResponse(StreamingResponse):
    """Closes its body however the response ends: a client that went away makes sending fail, and the body (and
    with it the export's session) is closed then, not when the garbage collector finds it."""

    async def stream_response(self, send: Send) -> None:
        try:
            await super().stream_response(send)
        finally:
            closing = getattr(self.body_iterator, "aclose", None)
            if closing is not None:
                with anyio.CancelScope(shield=True):
                    await closing()


def streamed_export(
    request: Request,
    origin: Session,
    *,
    fmt: str,
    filename: str,
    titles: Sequence[str],
    batches: Batches,
    limit: int,
    sheet: str = "数据",
    notes: Sequence[str] = (),
    on_end: Callable[[Session, StreamStats], None] | None = None,
) -> StreamingResponse:
    """A CSV (UTF-8 with a byte-order mark, as Excel on Chinese Windows needs) or XLSX download that streams."""
    writer: _CsvFormat | XlsxStream = XlsxStream(titles, sheet=sheet) if fmt == "xlsx" else _CsvFormat(titles)
    csv_notes = () if fmt == "csv" else notes  # a CSV says nothing after its rows unless it was cut or failed

    def opener() -> AbstractContextManager[Session]:
        return export_session(request, origin)

    body = stream_body(opener, writer, batches, limit=limit, notes=csv_notes, on_end=on_end)
    headers = {"Content-Disposition": _disposition(filename), "X-Export-Streamed": "1"}
    return _StreamingResponse(_drain(body), media_type=XLSX_TYPE if fmt == "xlsx" else CSV_TYPE, headers=headers)
