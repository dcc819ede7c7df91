"""Data upload in the console over real sessions: a file's row-level result, rejected rows listed, downloaded (ID
numbers in clear only for the sending department, audited) and corrected in the browser form; other departments
see none of it; hostile files get clear answers, never a 500, and leave nothing behind."""

from __future__ import annotations

import datetime as dt
import io
import re
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
import xlsxwriter
from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support.console_helpers import HTML, console_client, make_user, sign_in
from tests.support.ingestion_files import CHINESE, firm, gb18030_csv, person_row, row
from xinyong.console import uploads
from xinyong.core import clock
from xinyong.core.actor import Role
from xinyong.core.audit import AuditEvent
from xinyong.core.ids import make_resident_id
from xinyong.records import ingestion
from xinyong.records.models import Batch, BatchRejection, CreditRecord

NUMBER = make_resident_id("360482", dt.date(1990, 1, 1), 7)


@pytest.fixture
def operator(db: Session) -> tuple[TestClient, str]:
    """A signed-in 市市场监管局 operator and the session's CSRF token (clock frozen after the rows' decisions)."""
    clock.freeze(dt.datetime(2024, 3, 8, 2, tzinfo=dt.UTC))
    client = console_client(db)
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    return client, sign_in(client, "zhangmin")


def upload(
    client: TestClient, csrf: str, data: bytes, name: str = "处罚.csv", kind: str = "", encoding: str = ""
) -> httpx2.Response:
    form = {"csrf_token": csrf, "kind": kind, "encoding": encoding}
    return client.post("/console/upload", data=form, files={"file": (name, data, "text/csv")}, headers=HTML)


def batch_id_of(location: str) -> int:
    found = re.fullmatch(r"/console/batches/(\d+)\?uploaded=1", location)
    assert found, location
    return int(found.group(1))


def bad_rows() -> list[list[str]]:
    bad_code = firm(9)[:-1] + ("0" if firm(9)[-1] != "0" else "1")
    return [
        [*row(1), "A-1"],
        [*row(2, CF_XDR_SHXYM=bad_code), "A-2"],
        [*person_row(3, NUMBER), "A-3"],  # a valid ID number, but…
        [*row(4, CF_JDRQ="2024-02-30"), "=cmd|' /C calc'!A0"],
    ]


def send_bad_file(client: TestClient, csrf: str) -> int:
    rows = bad_rows()
    rows[2][CHINESE.index("处罚类别")] = "罚站"  # …an unknown penalty category
    answer = upload(client, csrf, gb18030_csv(rows, headers=[*CHINESE, "内部编号"]))
    assert answer.status_code == 303, answer.text
    return batch_id_of(answer.headers["location"])


def test_upload_shows_the_row_level_result(operator: tuple[TestClient, str], db: Session) -> None:
    client, csrf = operator
    form = client.get("/console/upload", headers=HTML)
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    assert "数据上报" in form.text and "双公示时效" in form.text  # the navigation
    batch_id = send_bad_file(client, csrf)
    page = client.get(f"/console/batches/{batch_id}?uploaded=1", headers=HTML).text
    assert "国家标准 2.0 版" in page and re.search(r'id="batch-encoding">gb18030<', page, re.I)
    for name, value in (("rows", 4), ("created", 1), ("corrected", 0), ("unchanged", 0), ("rejected", 3)):
        assert re.search(rf'id="count-{name}">{value}<', page), name
    assert "内部编号" in page.split('id="unknown-columns"')[1].split("</p>")[0]
    table = page.split('id="row-errors"')[1].split("</table>")[0]
    lines = re.findall(r'<td class="num">(\d+)</td>\s*<td>([^<]+)</td>\s*<td translate="no">([^<]+)</td>', table)
    assert ("3", "统一社会信用代码", "统一社会信用代码") in lines  # the catalogue's field name, then the file's column
    assert ("4", "处罚类别", "处罚类别") in lines
    assert ("5", "处罚决定日期", "处罚决定日期") in lines
    assert "CF_JDRQ" not in table and "user:" not in page
    assert "校验" in table and NUMBER not in page
    assert table.count("在线更正") == 3
    assert db.execute(select(func.count()).select_from(CreditRecord)).scalar_one() == 1

    listing = client.get("/console/batches", headers=HTML).text
    assert f'href="/console/batches/{batch_id}"' in listing and "处罚.csv" in listing


def test_batches_are_listed_newest_first_and_paginated(
    operator: tuple[TestClient, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, csrf = operator
    first = batch_id_of(upload(client, csrf, gb18030_csv([row(1)]), "一.csv").headers["location"])
    second = batch_id_of(upload(client, csrf, gb18030_csv([row(2)]), "二.csv").headers["location"])
    page = client.get("/console/batches", headers=HTML).text
    assert page.index(f"#{second}<") < page.index(f"#{first}<")
    monkeypatch.setattr(uploads, "PAGE_SIZE", 1)
    one = client.get("/console/batches", headers=HTML).text
    assert f"#{second}<" in one and f"#{first}<" not in one and 'href="/console/batches?page=2"' in one
    two = client.get("/console/batches?page=2", headers=HTML).text
    assert f"#{first}<" in two and f"#{second}<" not in two


def _sheet(content: bytes) -> list[list[str]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return [[str(cell) for cell in line] for line in book.get_sheet_by_index(0).to_python()]


def test_rejections_download_with_reasons_clear_ids_for_the_department_only(
    operator: tuple[TestClient, str], db: Session
) -> None:
    client, csrf = operator
    batch_id = send_bad_file(client, csrf)
    listing = client.get("/console/rejections", headers=HTML).text
    table = listing.split('id="rejections-table"')[1]
    assert table.count("在线更正") == 3 and "“罚站”不是处罚类别" in table
    link = re.search(r'href="(/console/rejections\.xlsx\?[^"]+)"', listing)
    assert link, "a download per kind"
    answer = client.get(link.group(1).replace("&amp;", "&"))
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    sheet = _sheet(answer.content)
    titles = sheet[0]
    assert titles[-1] == "退回原因" and "证件号码" in titles and "内部编号" in titles
    assert titles.index("相对人名称") < titles.index("行政处罚决定书文号") < titles.index("内部编号")
    data = sheet[1:4]
    assert [line[titles.index("行政处罚决定书文号")] for line in data] == [f"共市监罚〔2024〕{n}号" for n in (2, 3, 4)]
    assert data[1][titles.index("证件号码")] == NUMBER, "the sender gets the clear ID number to correct the row"
    assert "处罚类别" in data[1][-1] and data[0][-1] and data[2][-1]
    assert data[2][titles.index("内部编号")] == "'=cmd|' /C calc'!A0", "formula-looking cells are neutralised"
    events = db.execute(select(AuditEvent).where(AuditEvent.action == "records:rejections:revealed")).scalars().all()
    # two rows hold protected cells: the person's ID number, and the failed 18-digit code (to the desensitiser a bare
    # run of 18 digits that is no valid USCC may be an account number, so it is kept like one)
    assert len(events) == 1 and events[0].actor_id == "user:zhangmin" and events[0].payload["revealed_rows"] == 2

    csv_text = client.get(f"/console/rejections.csv?batch={batch_id}").content.decode("utf-8")
    assert csv_text.startswith("\ufeff") and NUMBER in csv_text and "'=cmd" in csv_text

    # the credit office reads every department's rejected rows, ID numbers masked, and nothing is revealed
    office = console_client(db)
    make_user(db, "xinyongban", Role.CREDIT_OFFICE, display_name="刘洋")
    sign_in(office, "xinyongban")
    assert office.get("/console/upload", headers=HTML).status_code == 403
    masked = _sheet(office.get("/console/rejections.xlsx").content)
    assert masked[0][:3] == ["报送部门", "批次号", "原行号"] and masked[1][0] == "市市场监管局"
    cell = masked[2][masked[0].index("证件号码")]
    assert NUMBER not in str(masked) and cell.startswith(NUMBER[:6]) and "*" in cell
    office_page = office.get("/console/rejections", headers=HTML).text
    assert "在线更正" not in office_page and "市市场监管局" in office_page
    assert office.get(f"/console/batches/{batch_id}", headers=HTML).status_code == 200
    revealed = db.execute(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "records:rejections:revealed")
    ).scalar_one()
    assert revealed == 2, "the department's XLSX and CSV downloads, not the office's"


def test_the_downloaded_file_corrected_and_uploaded_again_resolves_the_rows(
    operator: tuple[TestClient, str], db: Session
) -> None:
    client, csrf = operator
    rows = [row(1), row(2, CF_JDRQ="2024-02-30"), row(3, CF_JDRQ="2024-02-31")]
    upload(client, csrf, gb18030_csv(rows))
    sheet = _sheet(client.get("/console/rejections.xlsx?kind=penalty").content)
    assert len(sheet) == 3, "the titles and the two rows, no note rows under them"
    date = sheet[0].index("处罚决定日期")
    for line in sheet[1:]:
        line[date] = "2024-02-29"
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    page = book.add_worksheet()
    for number, line in enumerate(sheet):
        page.write_row(number, 0, line)
    book.close()
    again = upload(client, csrf, buffer.getvalue(), "退回数据-已更正.xlsx")
    assert again.status_code == 303
    result = client.get(again.headers["location"], headers=HTML).text
    assert re.search(r'id="count-created">2<', result) and re.search(r'id="count-rejected">0<', result)
    assert "退回原因" in result.split('id="unknown-columns"')[1], "the reason column is kept aside, not lost"
    statuses = db.execute(select(BatchRejection.status)).scalars().all()
    assert statuses == [ingestion.RESUBMITTED] * 2
    assert "没有符合条件的退回数据" in client.get("/console/rejections", headers=HTML).text


def _form(page: str) -> list[tuple[str, str]]:
    form = page.split('id="row-form"')[1].split("</form>")[0]
    headers = re.findall(r'name="header" value="([^"]*)"', form)
    values = re.findall(r'name="value" value="([^"]*)"', form)
    assert len(headers) == len(values)
    return list(zip(headers, values, strict=True))


def _rejection(db: Session, doc_no: str) -> BatchRejection:
    return db.execute(
        select(BatchRejection).where(BatchRejection.doc_no == doc_no).order_by(BatchRejection.id.desc()).limit(1)
    ).scalar_one()


def test_one_row_is_corrected_in_the_browser(operator: tuple[TestClient, str], db: Session) -> None:
    client, csrf = operator
    rows = [row(1, CF_JDRQ="2024-02-30"), person_row(2, NUMBER), row(3, CF_WFXW="")]
    rows[1][CHINESE.index("处罚决定日期")] = "明天"
    upload(client, csrf, gb18030_csv(rows))
    rejection = _rejection(db, "共市监罚〔2024〕1号")

    page = client.get(f"/console/rejections/{rejection.id}", headers=HTML)
    assert page.status_code == 200 and "处罚决定日期" in page.text
    reasons = page.text.split('id="row-form"')[0]  # the reasons above the form name the field in Chinese, no code
    assert "处罚决定日期" in reasons and "CF_JDRQ" not in reasons
    cells = dict(_form(page.text))
    assert cells["处罚决定日期"] == "2024-02-30" and cells["相对人名称"] == "共青城第1羽绒服饰有限公司"

    # still wrong: the row's new rejection with the new reasons takes its place
    cells["处罚决定日期"] = "2024-13-01"
    form = {"csrf_token": csrf, "header": list(cells), "value": list(cells.values())}
    again = client.post(f"/console/rejections/{rejection.id}", data=form, headers=HTML)
    assert again.status_code == 303
    target = urlsplit(again.headers["location"])
    assert parse_qs(target.query)["from"] == [str(rejection.id)]
    retry = client.get(again.headers["location"], headers=HTML).text
    assert "仍未通过校验" in retry and "2024-13-01" in retry
    db.refresh(rejection)
    assert rejection.status == ingestion.RESUBMITTED
    newer = _rejection(db, "共市监罚〔2024〕1号")
    assert newer.id != rejection.id and newer.status == ingestion.PENDING

    # fixed: accepted, and the row shows 已重新报送
    cells["处罚决定日期"] = "2024-03-01"
    form = {"csrf_token": csrf, "header": list(cells), "value": list(cells.values())}
    done = client.post(f"/console/rejections/{newer.id}", data=form, headers=HTML)
    assert done.status_code == 303 and done.headers["location"].startswith(f"/console/rejections/{newer.id}?resent=")
    shown = client.get(done.headers["location"], headers=HTML).text
    assert "通过校验" in shown and re.search(r'id="rejection-status">已重新报送<', shown)
    assert 'id="row-form"' not in shown
    assert db.execute(select(func.count()).select_from(CreditRecord)).scalar_one() == 1
    latest = db.execute(select(Batch).order_by(Batch.id.desc()).limit(1)).scalar_one()
    assert (latest.channel, latest.rows_total, latest.created) == ("upload", 1, 1)

    # a required value the row left empty gets its own input
    missing = _rejection(db, "共市监罚〔2024〕3号")
    page = client.get(f"/console/rejections/{missing.id}", headers=HTML).text
    assert "原文件缺少此列" in page
    cells = dict(_form(page))
    assert cells["违法行为类型"] == ""
    cells["违法行为类型"] = "虚假宣传"
    form = {"csrf_token": csrf, "header": list(cells), "value": list(cells.values())}
    assert client.post(f"/console/rejections/{missing.id}", data=form, headers=HTML).status_code == 303
    db.refresh(missing)
    assert missing.status == ingestion.RESUBMITTED

    # the personal row's form shows the clear ID number to its department, and says so in the audit log
    person = _rejection(db, "共市监罚〔2024〕2号")
    page = client.get(f"/console/rejections/{person.id}", headers=HTML).text
    assert dict(_form(page))["证件号码"] == NUMBER
    event = (
        db.execute(
            select(AuditEvent).where(AuditEvent.action == "records:rejections:revealed").order_by(AuditEvent.seq.desc())
        )
        .scalars()
        .first()
    )
    assert event is not None and event.subject_id == str(person.id)

    # a tampered form (other headers) is refused with the form shown again, nothing sent
    before = db.execute(select(func.count()).select_from(Batch)).scalar_one()
    form = {"csrf_token": csrf, "header": ["CF_XDR_MC"], "value": ["x"]}
    tampered = client.post(f"/console/rejections/{person.id}", data=form, headers=HTML)
    assert tampered.status_code == 422 and "表单已过期" in tampered.text
    assert db.execute(select(func.count()).select_from(Batch)).scalar_one() == before
    resolved = client.post(f"/console/rejections/{missing.id}", data=form, headers=HTML)
    assert resolved.status_code == 422 and "已重新报送" in resolved.text


def test_another_department_sees_nothing_of_it(operator: tuple[TestClient, str], db: Session) -> None:
    client, csrf = operator
    batch_id = send_bad_file(client, csrf)
    rejection = _rejection(db, "共市监罚〔2024〕3号")
    other = console_client(db)
    make_user(db, "lisi", Role.DEPT_OPERATOR, "SWJ", display_name="李四")
    other_csrf = sign_in(other, "lisi")
    assert other.get(f"/console/batches/{batch_id}", headers=HTML).status_code == 404
    assert other.get(f"/console/rejections/{rejection.id}", headers=HTML).status_code == 404
    form = {"csrf_token": other_csrf, "header": ["x"], "value": ["y"]}
    assert other.post(f"/console/rejections/{rejection.id}", data=form, headers=HTML).status_code == 404
    assert f"#{batch_id}" not in other.get("/console/batches", headers=HTML).text
    listing = other.get("/console/rejections?status=all", headers=HTML).text
    assert "没有符合条件的退回数据" in listing
    assert other.get("/console/rejections?department=SCJGJ", headers=HTML).status_code == 403
    assert other.get(f"/console/rejections.xlsx?batch={batch_id}").status_code == 200
    assert NUMBER not in other.get(f"/console/rejections.csv?batch={batch_id}").text
    empty = _sheet(other.get(f"/console/rejections.xlsx?batch={batch_id}").content)
    assert empty[0] == ["退回原因"] and "共市监罚" not in str(empty)


HOSTILE = [
    ("empty file", b"", "空.csv", "", "文件为空"),
    ("binary renamed .csv", bytes(range(256)) * 40, "处罚.csv", "", "文本"),
    ("zip renamed .xlsx", b"PK\x03\x04" + b"\x00" * 200, "处罚.xlsx", "", ""),
    ("huge filename", b"a,b\n1,2\n", "处" * 300 + ".csv", "", "文件名过长"),
    ("wrong kind", b"", "处罚.csv", "reward", "请选择数据类别"),
    ("penalty file sent as licences", "", "处罚.csv", "license", "表头"),
    ("unsupported type", b"hello", "处罚.txt", "", "不支持的文件类型"),
    ("only headers", "headers", "处罚.csv", "", ""),  # last: it makes a batch
]


def test_hostile_files_get_clear_messages(operator: tuple[TestClient, str], db: Session) -> None:
    client, csrf = operator
    for case, data, name, kind, message in HOSTILE:
        if data == "":
            data = gb18030_csv([row(1)])
        elif data == "headers":
            data = gb18030_csv([])
        answer = upload(client, csrf, data if isinstance(data, bytes) else data.encode(), name, kind)
        if case == "only headers":  # a file of headers only is a batch of no rows, said plainly
            assert answer.status_code == 303, case
            page = client.get(answer.headers["location"], headers=HTML).text
            assert re.search(r'id="count-rows">0<', page)
            continue
        assert answer.status_code == 422, (case, answer.status_code, answer.text[:300])
        error = answer.text.split('id="upload-error"')[1].split("</p>")[0]
        assert message in error, (case, error)
        assert 'id="upload-form"' in answer.text, "the form is shown again"
        assert db.execute(select(func.count()).select_from(Batch)).scalar_one() == 0, f"{case}: nothing half-written"


def test_upload_limits_and_csrf(operator: tuple[TestClient, str], db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    client, csrf = operator
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 1024)
    big = upload(client, csrf, gb18030_csv([row(n) for n in range(1, 30)]))
    assert big.status_code == 413 and "分批上传" in big.text
    missing = client.post("/console/upload", data={"csrf_token": csrf}, headers=HTML)
    assert missing.status_code == 422 and "请选择要上传的" in missing.text
    unchosen = client.post(  # what a browser sends when no file was chosen
        "/console/upload",
        data={"csrf_token": csrf},
        files={"file": ("", b"", "application/octet-stream")},
        headers=HTML,
    )
    assert unchosen.status_code == 422 and "请选择要上传的" in unchosen.text
    endless = upload(client, csrf, b"a,b\n", "x" * 20_000 + ".csv")
    assert endless.status_code in (400, 422) and endless.status_code != 500
    forged = client.post(
        "/console/upload",
        data={"csrf_token": "forged"},
        files={"file": ("a.csv", gb18030_csv([row(1)]), "text/csv")},
        headers=HTML,
    )
    assert forged.status_code == 403
    bad_encoding = upload(client, csrf, gb18030_csv([row(1)]), encoding="latin-1")
    assert bad_encoding.status_code == 422
    assert db.execute(select(func.count()).select_from(Batch)).scalar_one() == 0
