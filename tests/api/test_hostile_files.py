"""Hostile files (issue 23, item 1): each bomb is built here and sent through the batch API, the console upload and
``xinyong import``; each is refused with a clear file-level answer (a Chinese message, an English code), nothing
is stored, and the server still answers ``/healthz``.

The bombs: a 1.5 KB XLSX with cells at A1 and XFD1048576 (17 billion cells of used range; a dense reader asks for
512 GiB), the same declared only through ``<dimension>``, a zip bomb (a member expanding a thousandfold), a
shared-strings part declaring millions of strings, a CSV compressed deeply inside a file named .xlsx, a workbook
with a DTD (entity expansion), a zip of thousands of members, a 5.6 KB old Excel (.xls) with cells at A1 and IV65536
(its reader, in a child process with bounded memory, runs out and is refused), an oversized CSV, a CSV with a 10 MB
line, and a CSV with more rows than allowed. The exchange's upstream upload gets the same bombs, and attachments
(self-report evidence) an oversized file, a zip bomb named .pdf and too many files.
"""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.support import builders, xls_files
from tests.support.commitment_builders import entity_actor
from tests.support.console_helpers import HTML, console_client, make_user, sign_in
from tests.support.ingestion_files import HEADERS, gb18030_csv, row
from xinyong.cli import app as cli_app
from xinyong.core.actor import Actor, Role
from xinyong.core.config import get_settings
from xinyong.core.db import Database, set_database
from xinyong.records.ingest import open_table
from xinyong.records.ingest.table import FileLimits, FileRefused
from xinyong.records.models import Batch, BatchRejection, CreditRecord

SCJG = Actor(role=Role.DEPT_OPERATOR, id="api:1", department_code="SCJGJ")
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEADER_CELLS = '<c r="A1" t="inlineStr"><is><t>CF_WSH</t></is></c><c r="B1" t="inlineStr"><is><t>CF_XDR_MC</t></is></c>'


def workbook(
    sheet_data: str = "",
    *,
    dimension: str = "",
    extra: dict[str, bytes] | None = None,
    prolog: str = "",
    level: int = 9,
) -> bytes:
    """A minimal XLSX written by hand, so that every part of it can be hostile."""
    buffer = io.BytesIO()
    parts = {
        "[Content_Types].xml": (
            b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            b'<Default Extension="xml" ContentType="application/xml"/></Types>'
        ),
        "_rels/.rels": (
            b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0"?><workbook xmlns="{NS}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships"><sheets><sheet name="处罚" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats'
            b'.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0"?>{prolog}<worksheet xmlns="{NS}">'
            + (f'<dimension ref="{dimension}"/>' if dimension else "")
            + f"<sheetData>{sheet_data}</sheetData></worksheet>"
        ).encode(),
    }
    parts.update(extra or {})
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as book:
        for name, data in parts.items():
            book.writestr(name, data)
    return buffer.getvalue()


def far_cells() -> bytes:
    return workbook(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>CF_WSH</t></is></c></row>'
        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    )


def zip_bomb() -> bytes:
    padding = " " * (40 * 1024 * 1024)  # 40 MiB of blanks inside the sheet compress about a thousandfold
    return workbook(f"<row r='1'>{HEADER_CELLS}</row>{padding}")


def shared_strings_bomb() -> bytes:
    sst = f'<?xml version="1.0"?><sst xmlns="{NS}" count="50000000" uniqueCount="50000000"><si><t>a</t></si></sst>'
    return workbook(f'<row r="1">{HEADER_CELLS}</row>', extra={"xl/sharedStrings.xml": sst.encode()})


def csv_in_xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("data.csv", b"CF_WSH,CF_XDR_MC\n" + b"a,b\n" * (8 * 1024 * 1024))
    return buffer.getvalue()


def entity_bomb() -> bytes:
    doctype = '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    return workbook(f'<row r="1">{HEADER_CELLS}</row><row r="2"><c r="A2"><v>&b;</v></c></row>', prolog=doctype)


def many_members() -> bytes:
    return workbook(f'<row r="1">{HEADER_CELLS}</row>', extra={f"xl/media/x{i}.bin": b"" for i in range(1500)})


def declared_dimension() -> bytes:
    return workbook(f'<row r="1">{HEADER_CELLS}</row>', dimension="A1:XFD1048576")


def xls_far_cells() -> bytes:
    """An old .xls: the header at A1 and a number at IV65536 — the reader builds the whole used range densely."""
    cells = [xls_files.label(0, 0, "CF_WSH"), xls_files.label(0, 1, "CF_XDR_MC"), xls_files.number(65535, 255, 1.0)]
    return xls_files.workbook(cells, dimensions=(65536, 256))


# name, the file, what the API answers (error code, reason)
BOMBS: list[tuple[str, Callable[[], bytes], str | None]] = [
    ("far-cells.xlsx", far_cells, "sheet_columns"),
    ("dimension.xlsx", declared_dimension, "sheet_rows"),
    ("zip-bomb.xlsx", zip_bomb, "zip_ratio"),
    ("strings.xlsx", shared_strings_bomb, "shared_strings_count"),
    ("csv-in.xlsx", csv_in_xlsx, "zip_ratio"),
    ("members.xlsx", many_members, "zip_members"),
    ("entities.xlsx", entity_bomb, None),  # refused as unreadable (no DTD in a workbook)
    ("far-cells.xls", xls_far_cells, "xls_memory"),
]


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    return {name: make() for name, make, _ in BOMBS}


def _nothing_stored(session: Session) -> None:
    assert session.scalar(select(func.count()).select_from(Batch)) == 0
    assert session.scalar(select(func.count()).select_from(BatchRejection)) == 0
    assert session.scalar(select(func.count()).select_from(CreditRecord)) == 0


def test_the_readers_refuse_each_bomb_before_reading_it(bombs: dict[str, bytes]) -> None:
    tracemalloc.start()
    try:
        for name, _, reason in BOMBS:
            with pytest.raises((FileRefused, Exception)) as caught:
                open_table(bombs[name], name, limits=FileLimits())
            error = caught.value
            assert getattr(error, "field", None) == "file", (name, error)
            if reason is not None:
                assert isinstance(error, FileRefused) and error.details["reason"] == reason, (name, error)
                assert "拒绝读取" in error.message, error.message
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024, f"reading the bombs peaked at {peak / 2**20:.0f} MiB"


def test_the_used_range_is_bounded_while_streaming() -> None:
    """A sheet whose cells pass the limits is refused from its cells even when no dimension is declared."""
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="C{r}"><v>1</v></c></row>' for r in range(2, 60))
    data = workbook(f'<row r="1">{HEADER_CELLS}</row>{rows}')
    with pytest.raises(FileRefused) as caught:
        open_table(data, "x.xlsx", limits=FileLimits(max_cells=100))
    assert caught.value.details["reason"] == "sheet_cells"
    with open_table(data, "x.xlsx", limits=FileLimits(max_cells=1000)) as table:
        assert table.headers == ["CF_WSH", "CF_XDR_MC"] and len(list(table.rows())) == 58


def test_csv_limits_rows_and_size() -> None:
    data = b"CF_WSH,CF_XDR_MC\n" + b"".join(b"w%d,n\n" % i for i in range(20))
    with open_table(data, "a.csv", limits=FileLimits(max_rows=20)) as table:
        assert len(list(table.rows())) == 20
    with pytest.raises(FileRefused) as caught, open_table(data, "a.csv", limits=FileLimits(max_rows=19)) as table:
        list(table.rows())
    assert caught.value.details["reason"] == "file_rows"
    with pytest.raises(FileRefused) as caught:
        open_table(data, "a.csv", limits=FileLimits(max_bytes=64))
    assert caught.value.details["reason"] == "file_size"


def test_shared_strings_bounded_in_count(bombs: dict[str, bytes]) -> None:
    strings = "".join(f"<si><t>名称{i}</t></si>" for i in range(50))
    sst = f'<?xml version="1.0"?><sst xmlns="{NS}"><si><t>CF_WSH</t></si>{strings}</sst>'
    data = workbook('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', extra={"xl/sharedStrings.xml": sst.encode()})
    with pytest.raises(FileRefused) as caught:
        open_table(data, "s.xlsx", limits=FileLimits(max_shared_strings=40))
    assert caught.value.details["reason"] == "shared_strings_count"
    with open_table(data, "s.xlsx", limits=FileLimits(max_shared_strings=51)) as table:
        assert table.headers == ["CF_WSH"]


# ---------------------------------------------------------------- through every door


@pytest.fixture
def department_api(as_actor: Callable[[Actor], TestClient]) -> TestClient:
    return as_actor(SCJG)


def test_the_batch_api_refuses_each_bomb_and_keeps_answering(
    department_api: TestClient, db: Session, bombs: dict[str, bytes]
) -> None:
    for name, _, reason in BOMBS:
        answer = department_api.post("/api/v1/batches/file", files={"file": (name, bombs[name])})
        assert answer.status_code in (413, 422), (name, answer.status_code, answer.text)
        body = answer.json()
        assert body["field"] == "file" and body["error"] in ("file_refused", "invalid"), body
        if reason is not None:
            assert body["error"] == "file_refused" and body["details"]["reason"] == reason, body
        assert department_api.get("/healthz").status_code == 200
    _nothing_stored(db)


def test_the_console_upload_refuses_each_bomb(db: Session, bombs: dict[str, bytes]) -> None:
    builders.departments(db)
    client = console_client(db)
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    csrf = sign_in(client, "zhangmin")
    for name, _, reason in BOMBS:
        form = {"csrf_token": csrf, "kind": "penalty", "encoding": ""}
        answer = client.post("/console/upload", data=form, files={"file": (name, bombs[name])}, headers=HTML)
        assert answer.status_code in (413, 422), (name, answer.status_code)
        assert "Excel" in answer.text or "拒绝读取" in answer.text, name
        if reason is not None:
            assert "拒绝读取" in answer.text, name
        assert client.get("/healthz").status_code == 200
    _nothing_stored(db)


def test_the_exchange_upload_refuses_each_bomb(
    as_actor: Callable[[Actor], TestClient], db: Session, bombs: dict[str, bytes]
) -> None:
    office = as_actor(Actor(role=Role.CREDIT_OFFICE, id="office"))
    source = {
        "code": "court-national",
        "name": "全国法院失信被执行人名单信息公布与查询平台",
        "level": "national",
        "issuing_body": "最高人民法院",
        "list_types": ["court_dishonest"],
        "transport": "upload",
        "department": "FY",
    }
    assert office.post("/api/v1/exchange/sources", json=source).status_code == 201
    for name, _, reason in BOMBS:
        answer = office.post("/api/v1/exchange/sources/court-national/files", files={"file": (name, bombs[name])})
        assert answer.status_code in (413, 422), (name, answer.status_code, answer.text)
        body = answer.json()
        assert body["field"] == "file", body
        if reason is not None:
            assert body["details"]["reason"] == reason and "拒绝读取" in body["message"], body
        assert office.get("/healthz").status_code == 200


def test_hostile_attachments_are_refused(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    entity = as_actor(entity_actor(builders.entity(db).uscc))
    form = {
        "category": "公益慈善",
        "title": "向共青城市慈善会捐赠防汛物资",
        "content": "2024年7月捐赠价值5万元的防汛物资。",
        "department": "MZJ",
        "truthfulness": "true",
    }
    pdf = b"%PDF-1.7\n%%EOF\n"
    big = pdf + b"\0" * (6 * 1024 * 1024)
    refused = {
        "too big": ([("file", ("收据.pdf", big, "application/pdf"))], 413),
        "a zip bomb named .pdf": ([("file", ("收据.pdf", zip_bomb(), "application/pdf"))], 422),
        "an entity bomb named .png": ([("file", ("x.png", entity_bomb(), "image/png"))], 422),
        "eleven files": ([("file", (f"{i}.pdf", pdf, "application/pdf")) for i in range(11)], 422),
    }
    for case, (files, status) in refused.items():
        answer = entity.post("/api/v1/self-reports", data=form, files=files)
        assert answer.status_code == status, (case, answer.status_code, answer.text)
        assert answer.json()["field"] == "file", (case, answer.text)
        assert entity.get("/healthz").status_code == 200


def test_big_and_long_lined_csv_through_the_api(
    department_api: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    long_line = gb18030_csv([row(1, CF_SY="x" * (10 * 1024 * 1024))], HEADERS)
    answer = department_api.post("/api/v1/batches/file", data={"kind": "penalty"}, files={"file": ("l.csv", long_line)})
    assert answer.status_code == 201, answer.text
    result = answer.json()
    assert (result["accepted"], result["rejected"]) == (0, 1)
    assert "个字符" in result["errors"][0]["reason"]
    assert db.scalar(select(func.count()).select_from(CreditRecord)) == 0
    monkeypatch.setenv("XINYONG_UPLOAD_MAX_BYTES", str(256 * 1024))
    get_settings.cache_clear()
    try:
        big = department_api.post("/api/v1/batches/file", files={"file": ("big.csv", b"a,b\n" * (100 * 1024))})
        assert big.status_code == 413 and big.json()["details"]["reason"] == "file_size", big.text
    finally:
        get_settings.cache_clear()
    assert department_api.get("/healthz").status_code == 200


def test_long_lined_csv_through_the_console(db: Session) -> None:
    builders.departments(db)
    client = console_client(db)
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    csrf = sign_in(client, "zhangmin")
    long_line = gb18030_csv([row(1, CF_SY="x" * (10 * 1024 * 1024))], HEADERS)
    form = {"csrf_token": csrf, "kind": "penalty", "encoding": ""}
    answer = client.post("/console/upload", data=form, files={"file": ("l.csv", long_line)}, headers=HTML)
    assert answer.status_code == 303, answer.status_code
    batch = client.get(answer.headers["location"], headers=HTML)
    assert batch.status_code == 200 and "个字符" in batch.text  # the row's own refusal: that cell is too long
    assert db.scalar(select(func.count()).select_from(CreditRecord)) == 0
    assert client.get("/healthz").status_code == 200


def test_a_body_past_the_limit_is_refused_while_it_streams(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """No Content-Length to trust (a chunked body): the count while streaming refuses it."""
    monkeypatch.setenv("XINYONG_UPLOAD_MAX_BYTES", str(64 * 1024))
    get_settings.cache_clear()
    try:
        from xinyong.app import create_app

        client = TestClient(create_app(database), raise_server_exceptions=False)
    finally:
        get_settings.cache_clear()

    def pieces() -> Iterator[bytes]:
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
        for _ in range(40):
            yield b"x" * 65536
        yield b"\r\n--b--\r\n"

    answer = client.post(
        "/api/v1/batches/file", content=pieces(), headers={"Content-Type": "multipart/form-data; boundary=b"}
    )
    assert answer.status_code == 413 and answer.json()["details"]["reason"] == "file_size", answer.text
    declared = client.post(
        "/api/v1/batches", content=b"{}", headers={"Content-Type": "application/json", "Content-Length": str(2**40)}
    )
    assert declared.status_code == 413
    assert client.get("/healthz").status_code == 200


# ---------------------------------------------------------------- xinyong import


@pytest.fixture
def cli_db(committing_db: Database) -> Iterator[Database]:
    with committing_db.unit_of_work() as session:
        builders.departments(session)
    set_database(committing_db)
    yield committing_db
    set_database(None)


def test_xinyong_import_exits_2_on_each_bomb(cli_db: Database, tmp_path: Path, bombs: dict[str, bytes]) -> None:
    runner = CliRunner()
    for name, _, reason in BOMBS:
        path = tmp_path / name
        path.write_bytes(bombs[name])
        ran = runner.invoke(cli_app, ["import", str(path), "--department", "SCJGJ", "--kind", "penalty", "--json"])
        assert ran.exit_code == 2, (name, ran.exit_code, ran.output)
        error = json.loads(ran.output)
        assert error["field"] == "file", error
        if reason is not None:
            assert error["details"]["reason"] == reason, error
    with cli_db.unit_of_work() as session:
        _nothing_stored(session)
