"""The console page of cross-level exchange, over a real signed-in session: the office uploads an upstream file and
sees the figures and the rejection reasons, decides a conflict; an operator is refused the page."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.console_helpers import HTML, console_client, make_user, sign_in
from tests.support.exchange_support import item
from xinyong.core.actor import Actor, Role
from xinyong.exchange import service
from xinyong.exchange.schemas import SourceIn

OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office")


def test_the_office_uploads_and_decides_on_the_exchange_page(db: Session) -> None:
    client = console_client(db)
    service.create_source(
        db,
        OFFICE,
        SourceIn.model_validate(
            {
                "code": "tax-national",
                "name": "国家税务总局重大税收违法失信主体公布栏",
                "level": "national",
                "issuing_body": "国家税务总局",
                "list_types": ["tax_major"],
                "transport": "upload",
                "department": "SWJ",
            }
        ),
    )
    firm = builders.entity(db, name="共青城鸿瑞羽绒服饰有限公司")
    make_user(db, "xinyongban", Role.CREDIT_OFFICE, display_name="刘洋")
    csrf = sign_in(client, "xinyongban")
    lines = "\n".join(
        [
            json.dumps(item("T1", builders.new_uscc(), "九江税务违法公司", MDLX="tax_major"), ensure_ascii=False),
            json.dumps(item("T2", firm.uscc, "另一个名字公司", MDLX="tax_major"), ensure_ascii=False),
            "{broken",
        ]
    ).encode()
    sent = client.post(
        "/console/exchange/sources/tax-national/files",
        data={"csrf_token": csrf},
        files={"file": ("t.jsonl", lines, "application/x-ndjson")},
    )
    assert sent.status_code == 303 and "done=" in sent.headers["location"]
    page = client.get("/console/exchange", headers=HTML)
    assert page.status_code == 200
    assert "国家税务总局重大税收违法失信主体公布栏" in page.text and "待核实冲突" in page.text
    assert "名称不一致" in page.text and "name_mismatch" not in page.text and "不是有效的 JSON" in page.text
    conflict = service.list_conflicts(db)[0]
    decided = client.post(
        f"/console/exchange/conflicts/{conflict.id}/resolve",
        data={"csrf_token": csrf, "resolution": "dismissed", "note": "经核实非同一主体"},
    )
    assert decided.status_code == 303 and "done=" in decided.headers["location"]
    assert service.list_conflicts(db) == []
    assert client.get("/console/exchange?status=bogus", headers=HTML).status_code == 422


def test_an_operator_is_refused_the_exchange_page(db: Session) -> None:
    client = console_client(db)
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    sign_in(client, "zhangmin")
    assert client.get("/console/exchange", headers=HTML).status_code == 403
    assert 'href="/console/exchange"' not in client.get("/console", headers=HTML).text
