"""GET /api/v1/records/{id}/versions/{n}/source: which cell of which file said this, for the sending department and
the credit office (ID numbers masked), never another department; hostile path values are 4xx."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core.actor import Actor, Role
from xinyong.core.ids import make_resident_id, make_uscc
from xinyong.records.models import CreditRecord

SCJG = Actor(role=Role.DEPT_OPERATOR, id="user:scjg", department_code="SCJGJ")
SWJ = Actor(role=Role.DEPT_OPERATOR, id="user:swj", department_code="SWJ")
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office")
OFFICE_USCC = make_uscc("1", "1", "360482", "01234567")
HEADERS = [
    "CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_XDR_ZJLX", "CF_XDR_ZJHM", "CF_WSH", "CF_WFXW", "CF_SY", "CF_YJ",
    "CF_CFLB", "CF_NR", "CF_JDRQ", "CF_YXQ", "CF_CFJG", "CF_CFJGDM", "CF_SJLY", "CF_SJLYDM",
]  # fmt: skip


def _file(number: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerow([
        "共青城来源商贸有限公司", "法人及非法人组织", make_uscc("9", "1", "360482", "71000017"), "", "",
        "共市监罚〔2024〕源1号", "虚假宣传", "发布虚假广告", "《广告法》第五十五条", "警告", "警告", "2024-03-01",
        "2025-03-01", "共青城市市场监督管理局", OFFICE_USCC, "共青城市市场监督管理局", OFFICE_USCC,
    ])  # fmt: skip
    writer.writerow([
        "李四", "自然人", "", "身份证", number, "共市监罚〔2024〕源2号", "虚假宣传", "发布虚假广告",
        "《广告法》第五十五条", "警告", "警告", "2024-03-02", "2025-03-02", "共青城市市场监督管理局", OFFICE_USCC,
        "共青城市市场监督管理局", OFFICE_USCC,
    ])  # fmt: skip
    return buffer.getvalue().encode("utf-8")


def test_the_source_of_a_version_is_its_file_row_and_cells(
    as_actor: Callable[[Actor], TestClient], db: Session
) -> None:
    number = make_resident_id("360482", dt.date(1979, 4, 5), 21)
    data = _file(number)
    sent = as_actor(SCJG).post("/api/v1/batches/file", files={"file": ("来源.csv", data, "text/csv")})
    assert sent.status_code == 201, sent.text
    record_id = db.scalar(select(CreditRecord.id).where(CreditRecord.doc_no == "共市监罚〔2024〕源2号"))
    for actor in (SCJG, OFFICE):
        answer = as_actor(actor).get(f"/api/v1/records/{record_id}/versions/1/source")
        assert answer.status_code == 200, answer.text
        source = answer.json()
        assert source["batch_id"] == sent.json()["batch_id"]
        assert (source["filename"], source["row"]) == ("来源.csv", 3)
        assert source["file_sha256"] == hashlib.sha256(data).hexdigest()
        assert source["cells"]["CF_XDR_MC"] == "李四"
        assert source["cells"]["CF_XDR_ZJHM"] == "360482********" + number[-4:]
        assert number not in answer.text
    assert as_actor(SWJ).get(f"/api/v1/records/{record_id}/versions/1/source").status_code == 404
    assert as_actor(SCJG).get(f"/api/v1/records/{record_id}/versions/2/source").status_code == 404


def test_hostile_path_values_are_client_errors(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    client = as_actor(OFFICE)
    for path in ("0/versions/1", "1/versions/0", "abc/versions/1", f"{2**70}/versions/1", "1/versions/9999999999"):
        assert client.get(f"/api/v1/records/{path}/source").status_code in (404, 422), path
