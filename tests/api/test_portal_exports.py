"""Every portal list has JSON, CSV and XLSX twins of the same query: same rows, masked for the public, formulas
neutralised, capped with a note, and every export audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.portal_seed import HOSTILE_CELL, LEGAL_REP_ID, MOBILE, PERSON_ID, Seeded, seed_portal
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.audit import AuditEvent
from xinyong.portal import web
from xinyong.records import service

Client = Callable[[Actor], TestClient]
LISTS = ["/publicity/penalties", "/publicity/licenses", "/lists", "/search"]


@pytest.fixture
def seeded(db: Session, as_actor: Client) -> Seeded:
    return seed_portal(db)


@pytest.fixture
def public(as_actor: Client) -> TestClient:
    return as_actor(Actor.public())


def _csv(answer_text: bytes) -> list[list[str]]:
    assert answer_text.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    return list(csv.reader(io.StringIO(answer_text.decode("utf-8-sig"))))


def _xlsx(content: bytes) -> list[list[object]]:
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return workbook.get_sheet_by_index(0).to_python()


@pytest.mark.parametrize("path", LISTS)
def test_the_three_twins_carry_the_same_query(public: TestClient, seeded: Seeded, path: str) -> None:
    params = {"q": "瑞雪"} if path == "/search" else {}
    data = public.get(f"{path}.json", params=params | {"page_size": "100"}).json()
    assert set(data) - {"total_capped"} == {"items", "total", "page", "page_size", "columns"} and data["total"] >= 1
    assert data.get("total_capped", False) is False  # the 双公示 lists say whether a keyword's count stopped at a cap
    titles = list(data["columns"].values())
    table = _csv(public.get(f"{path}.csv", params=params).content)
    sheet = _xlsx(public.get(f"{path}.xlsx", params=params).content)
    assert table[0] == titles and sheet[0] == titles
    assert len(table) - 1 == data["total"]
    key = "uscc"
    column = titles.index(data["columns"][key])
    assert [row[column] for row in table[1:]] == [item[key] for item in data["items"]]
    assert [row[column] for row in sheet[1 : 1 + data["total"]]] == [item[key] for item in data["items"]]
    assert "导出自" in str(sheet[-1][0])


def test_filters_apply_to_every_format(public: TestClient, seeded: Seeded) -> None:
    params = {"department": "SWJ"}
    items = public.get("/publicity/penalties.json", params=params).json()["items"]
    table = _csv(public.get("/publicity/penalties.csv", params=params).content)
    assert {i["doc_no"] for i in items} == {row[3] for row in table[1:]}
    assert all("共税" in row[3] for row in table[1:])
    downloaded = public.get("/publicity/penalties.csv", params=params)
    assert downloaded.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''" in downloaded.headers["content-disposition"]


def test_formula_cells_are_neutralised(public: TestClient, seeded: Seeded) -> None:
    flat = [cell for row in _csv(public.get("/publicity/penalties.csv").content) for cell in row]
    assert "'" + HOSTILE_CELL in flat
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in flat)
    sheet = [cell for row in _xlsx(public.get("/publicity/penalties.xlsx").content) for cell in row]
    assert "'" + HOSTILE_CELL in sheet
    page = public.get("/publicity/penalties").text
    assert "HYPERLINK" not in page or "&#34;" in page or "&quot;" in page  # escaped in HTML, never markup


def test_formula_in_a_column_gets_an_apostrophe(as_actor: Client, db: Session) -> None:
    made = builders.entity(db)
    service.upsert_record(
        db,
        builders.SYSTEM,
        builders.penalty(
            made.uscc,
            decision_date=clock.today() - dt.timedelta(days=3),
            content={"WFXW": "=1+2", "CFLB": ["罚款"], "NR": "@SUM(A1:A9)", "CFJG": "-1+1"},
        ),
    )
    public = as_actor(Actor.public())
    table = _csv(public.get("/publicity/penalties.csv", params={"department": "SCJGJ"}).content)
    row = next(r for r in table[1:] if r[2] == made.uscc)
    assert "'=1+2" in row and "'@SUM(A1:A9)" in row and "'-1+1" in row
    sheet = _xlsx(public.get("/publicity/penalties.xlsx", params={"department": "SCJGJ"}).content)
    cells = next(r for r in sheet[1:] if r[2] == made.uscc)
    assert "'=1+2" in cells and "'@SUM(A1:A9)" in cells


def test_exports_are_masked_for_the_public(public: TestClient, seeded: Seeded) -> None:
    for path in ("/publicity/penalties", "/lists"):
        for fmt in ("csv", "json"):
            text = public.get(f"{path}.{fmt}").text
            for secret in (LEGAL_REP_ID, PERSON_ID, MOBILE, "李小梅"):
                assert secret not in text, (path, fmt, secret)
    table = _csv(public.get("/publicity/penalties.csv").content)
    assert any(row[1] == "李**" for row in table[1:])


def test_exports_are_capped_with_a_note(public: TestClient, seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web, "EXPORT_LIMIT", 2)  # a list read before answering (entity search)
    monkeypatch.setattr(web, "STREAM_LIMIT", 2)  # a list read as it streams (双公示): no header can say it was cut
    table = _csv(public.get("/publicity/penalties.csv").content)
    assert len(table) == 1 + 2 + 1 and "仅包含前 2 条" in table[-1][0]
    found = _csv(public.get("/search.csv", params={"q": "共青城"}).content)
    assert len(found) == 1 + 2 + 1 and "仅包含前 2 条" in found[-1][0]
    sheet = _xlsx(public.get("/publicity/penalties.xlsx").content)
    assert any("仅包含前 2 条" in str(row[0]) for row in sheet)


def test_every_export_is_audited(public: TestClient, seeded: Seeded, db: Session) -> None:
    public.get("/publicity/licenses.xlsx", params={"category": "普通"})
    event = (
        db.execute(
            select(AuditEvent).where(AuditEvent.action == "portal:export:created").order_by(AuditEvent.seq.desc())
        )
        .scalars()
        .first()
    )
    assert event is not None and event.actor_role == Role.PUBLIC
    assert event.subject_id == "/publicity/licenses.xlsx" and event.payload["query"] == {"category": "普通"}
    assert event.payload["rows"] >= 1


def test_staff_exports_are_not_masked_but_say_so(as_actor: Client, seeded: Seeded) -> None:
    office = as_actor(Actor(role=Role.CREDIT_OFFICE, id="office"))
    table = _csv(office.get("/publicity/penalties.csv").content)
    assert any(row[1] == "李小梅" for row in table[1:])
    sheet = _xlsx(office.get("/publicity/penalties.xlsx").content)
    assert "按您的权限" in str(sheet[-1][0])
