"""Streamed exports (双公示 and the record-based credit lists): the rows a page shows, batch by batch through the
response's own session, masked for the public; the first chunk leaves after one batch; a client going away or an
error mid-stream ends the file cleanly and is audited; full exports are limited per hour (a Chinese 429 that
resets); hostile query parameters are refused in Chinese before any file starts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager

import pytest
from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.portal_seed import PERSON_ID, Seeded, seed_portal
from xinyong.app import create_app
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.audit import AuditEvent
from xinyong.core.export import Cell
from xinyong.core.http import current_actor, request_session
from xinyong.core.ratelimit import InProcessLimiter, RateLimits
from xinyong.core.streaming import INCOMPLETE_NOTE, StreamStats, _CsvFormat, stream_body
from xinyong.core.xlsx_stream import XlsxStream
from xinyong.records import publication, service

Client = Callable[[Actor], TestClient]


def _csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _xlsx(content: bytes) -> list[list[object]]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()


def _penalties(db: Session, count: int) -> list[str]:
    """``count`` published penalties on distinct days and entities: more rows than one small batch."""
    usccs = []
    for i in range(count):
        made = builders.entity(db)
        usccs.append(made.uscc)
        service.upsert_record(
            db, builders.SYSTEM, builders.penalty(made.uscc, decision_date=clock.today() - dt.timedelta(days=1 + i % 4))
        )
    return usccs


@pytest.fixture
def seeded(db: Session) -> Seeded:
    return seed_portal(db)


def _all_pages(client: TestClient, path: str, params: dict[str, str]) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    page = 1
    while True:
        data = client.get(f"{path}.json", params=params | {"page": str(page), "page_size": "5"}).json()
        items += data["items"]
        if len(items) >= data["total"]:
            return items
        page += 1


@pytest.mark.parametrize("path", ["/publicity/penalties", "/publicity/licenses", "/lists"])
def test_a_streamed_export_carries_the_pages_rows_in_order(
    as_actor: Client, db: Session, seeded: Seeded, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    _penalties(db, 7)
    monkeypatch.setattr(publication, "EXPORT_BATCH", 2)  # many batches, so the keyset seams are crossed
    public = as_actor(Actor.public())
    items = _all_pages(public, path, {})
    answer = public.get(f"{path}.csv")
    assert answer.status_code == 200 and answer.headers["x-export-streamed"] == "1"
    table = _csv(answer.content)
    sheet = _xlsx(public.get(f"{path}.xlsx").content)
    titles = table[0]
    assert sheet[0] == titles and len(table) - 1 == len(items) >= 1
    ids = [str(item["record_id"]) for item in items]
    assert [row[0] for row in table[1:]] == ids
    assert [str(int(row[0])) for row in sheet[1 : 1 + len(items)] if isinstance(row[0], float)] == ids
    uscc = titles.index("统一社会信用代码")
    assert [row[uscc] for row in table[1:]] == [item["uscc"] for item in items]


def test_a_natural_person_is_masked_in_every_batch(
    as_actor: Client, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(publication, "EXPORT_BATCH", 1)
    public = as_actor(Actor.public())
    for fmt in ("csv", "xlsx"):
        content = public.get(f"/publicity/penalties.{fmt}").content
        rows = _csv(content) if fmt == "csv" else [[str(c) for c in r] for r in _xlsx(content)]
        flat = " ".join(cell for row in rows for cell in row)
        assert "李小梅" not in flat and PERSON_ID not in flat, fmt
        assert any(row[1] == "李**" for row in rows[1:]), fmt
    office = as_actor(Actor(role=Role.CREDIT_OFFICE, id="office"))
    assert any(row[1] == "李小梅" for row in _csv(office.get("/publicity/penalties.csv").content)[1:])


def test_the_streamed_export_is_audited_with_the_rows_sent(as_actor: Client, db: Session, seeded: Seeded) -> None:
    table = _csv(as_actor(Actor.public()).get("/publicity/penalties.csv", params={"department": "SWJ"}).content)
    event = db.execute(
        select(AuditEvent).where(AuditEvent.action == "portal:export:created").order_by(AuditEvent.seq.desc())
    ).scalar()
    assert event is not None and event.subject_id == "/publicity/penalties.csv"
    assert event.payload["rows"] == len(table) - 1 and event.payload["complete"] is True
    assert event.payload["query"] == {"department": "SWJ"}


def test_the_streamed_export_is_cut_at_its_cap_with_a_note(
    as_actor: Client, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xinyong.portal import web

    _penalties(db, 5)
    monkeypatch.setattr(web, "STREAM_LIMIT", 3)
    monkeypatch.setattr(publication, "EXPORT_BATCH", 2)
    table = _csv(as_actor(Actor.public()).get("/publicity/penalties.csv").content)
    assert len(table) == 1 + 3 + 1 and "仅包含前 3 条" in table[-1][0]


# ---------------------------------------------------------------- the generator itself


def _opener(db: Session, closed: list[bool]) -> Callable[[], AbstractContextManager[Session]]:
    @contextmanager
    def opened() -> Iterator[Session]:
        try:
            yield db
        finally:
            closed.append(True)

    return opened


def test_the_first_chunk_leaves_after_one_batch(db: Session) -> None:
    read: list[int] = []
    closed: list[bool] = []
    ended: list[StreamStats] = []

    def batches(_session: Session) -> Iterator[Sequence[Sequence[Cell]]]:
        for number in range(1_000):
            read.append(number)
            yield [[f"第{number}批", number]]

    body = stream_body(
        _opener(db, closed), _CsvFormat(["名称", "序号"]), batches, limit=10_000, on_end=lambda _s, st: ended.append(st)
    )
    head = next(body)
    assert head.startswith(b"\xef\xbb\xbf") and read == []  # the header leaves before anything is read
    first = next(body)
    assert "第0批".encode() in first and read == [0]  # one batch read, one chunk out
    body.close()  # the client went away
    assert closed == [True] and len(read) == 1
    assert ended[0].rows == 1 and ended[0].complete is False


def test_an_error_mid_stream_ends_the_file_with_a_chinese_note(db: Session) -> None:
    ended: list[StreamStats] = []

    def batches(_session: Session) -> Iterator[Sequence[Sequence[Cell]]]:
        yield [["共青城甲公司", 1]]
        raise RuntimeError("the database went away")

    for writer in (_CsvFormat(["名称", "序号"]), XlsxStream(["名称", "序号"])):
        data = b"".join(stream_body(_opener(db, []), writer, batches, limit=10, on_end=lambda _s, st: ended.append(st)))
        rows = _csv(data) if isinstance(writer, _CsvFormat) else _xlsx(data)
        assert str(rows[1][0]) == "共青城甲公司" and INCOMPLETE_NOTE in [str(row[0]) for row in rows]
        assert ended[-1].complete is False and ended[-1].rows == 1


def test_the_xlsx_writer_keeps_types_and_refuses_formulas() -> None:
    writer = XlsxStream(["名称", "日期", "时间", "金额", "是否"], sheet="行政处罚公示")
    day, moment = dt.date(2026, 3, 1), dt.datetime(2026, 3, 1, 8, 30)
    data = writer.start() + writer.rows([["=1+2", day, moment, 0.5, True], ["甲\x00\x1b乙 ", None, None, 12, False]])
    data += writer.notes(["导出自测试"]) + writer.finish()
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.sheet_names == ["行政处罚公示"]
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0] == ["名称", "日期", "时间", "金额", "是否"]
    assert rows[1][0] == "'=1+2" and rows[1][1] == day and rows[1][2] == moment and rows[1][3] == 0.5
    assert rows[1][4] == "是" and rows[2][0] == "甲乙 " and rows[2][3] == 12
    assert rows[-1][0] == "导出自测试"


# ---------------------------------------------------------------- limits and hostile input


def _limited(db: Session, actor: Actor, now: list[float]) -> TestClient:
    builders.departments(db)
    limits = RateLimits(InProcessLimiter(clock=lambda: now[0]), 0, exports_per_hour=2, staff_exports_per_hour=3)
    app = create_app(rate_limits=limits)
    app.dependency_overrides[request_session] = lambda: db
    app.dependency_overrides[current_actor] = lambda: actor
    return TestClient(app, raise_server_exceptions=False)


def test_anonymous_full_exports_are_limited_per_hour_in_chinese(db: Session, seeded: Seeded) -> None:
    now = [7_200.0]
    public = _limited(db, Actor.public(), now)
    assert public.get("/publicity/penalties.csv").status_code == 200
    assert public.get("/publicity/licenses.xlsx").status_code == 200
    refused = public.get("/publicity/penalties.csv")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert "导出过于频繁" in refused.json()["message"] and "每小时最多导出 2 次" in refused.json()["message"]
    page = public.get("/lists.csv", headers={"accept": "text/html"})  # a person's click gets the portal's page
    assert page.status_code == 429 and "访问过于频繁" in page.text and "导出过于频繁" in page.text
    assert public.get("/publicity/penalties").status_code == 200  # pages are not exports
    now[0] += 3_600  # the next hour
    assert public.get("/publicity/penalties.csv").status_code == 200


def test_staff_have_their_own_export_limit(db: Session, seeded: Seeded) -> None:
    office = _limited(db, Actor(role=Role.CREDIT_OFFICE, id="office"), [0.0])
    assert [office.get("/publicity/penalties.csv").status_code for _ in range(4)] == [200, 200, 200, 429]


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-13-45"},
        {"date_to": "yesterday"},
        {"date_from": "2026-05-01", "date_to": "2026-04-01"},
        {"page_size": "100000000"},
        {"page": "-1"},
        {"q": "瑞雪\x00"},
        {"q": "瑞雪\x1b[31m"},
        {"q": "瑞" * 500},
        {"department": "NOPE"},
        {"category": "<script>"},
    ],
)
def test_hostile_parameters_are_refused_in_chinese(as_actor: Client, seeded: Seeded, params: dict[str, str]) -> None:
    public = as_actor(Actor.public())
    for path in ("/publicity/penalties.csv", "/publicity/licenses.xlsx"):
        answer = public.get(path, params=params)
        assert answer.status_code == 422, (path, params, answer.text[:200])
        assert answer.headers["content-type"].startswith("application/json")
        message = answer.json()["message"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message
