"""The console's 守信激励名单 page over real sessions, on both databases: one office account adds an honour, the same
account cannot approve it, a second one does; it is ended with a reason; every refusal (bad USCC, bad date, unknown
type, missing reason, a department account, hostile text) is a Chinese notice or a 4xx, never a 500."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.console_helpers import HTML, console_client, make_user, sign_in
from xinyong.console.forms import notice
from xinyong.core import clock
from xinyong.core.actor import Role
from xinyong.lists.models import ListEntry

START = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


def _outcome(answer: object, kind: str = "done") -> str:
    codes = parse_qs(urlsplit(answer.headers["location"]).query).get(kind)  # type: ignore[attr-defined]
    assert codes, answer.headers["location"]  # type: ignore[attr-defined]
    text = notice(codes[0], kind)
    assert text is not None
    return text


def _client(db: Session, username: str) -> tuple[TestClient, str]:
    client = console_client(db)
    return client, sign_in(client, username)


def test_add_approve_end_on_screen(db: Session) -> None:
    clock.freeze(START)
    builders.departments(db)
    make_user(db, "clerk", Role.CREDIT_OFFICE)
    make_user(db, "chief", Role.CREDIT_OFFICE, display_name="李华")
    make_user(db, "op1", Role.DEPT_OPERATOR, department="SCJGJ")
    firm = builders.entity(db, name="共青城守信羽绒服饰有限公司")
    clerk, csrf = _client(db, "clerk")
    page = clerk.get("/console/honours", headers=HTML)
    assert page.status_code == 200 and "诚信典型" in page.text and "共青城市社会信用体系建设领导小组办公室" in page.text
    form = {
        "csrf_token": csrf,
        "list_type": "honest_model",
        "uscc": firm.uscc,
        "department": "FGW",
        "reason": "连续五年无失信记录<script>alert(1)</script>",
        "decision_doc_no": "共信用办〔2026〕3号",
        "decision_date": "2026-02-27",
    }
    added = clerk.post("/console/honours", data=form, headers=HTML)
    assert added.status_code == 303 and "待另一名信用办人员审核公示" in _outcome(added)
    entry = db.scalars(select(ListEntry).where(ListEntry.subject_uscc == firm.uscc)).one()
    assert "<script>alert(1)</script>" not in clerk.get("/console/honours", headers=HTML).text
    own = clerk.post(f"/console/honours/{entry.id}/approve", data={"csrf_token": csrf}, headers=HTML)
    assert "录入人不得审核" in _outcome(own, "error")

    chief, chief_csrf = _client(db, "chief")
    approved = chief.post(f"/console/honours/{entry.id}/approve", data={"csrf_token": chief_csrf}, headers=HTML)
    assert "已审核公示" in _outcome(approved) and entry.status == "已公示"
    assert firm.name in chief.get("/lists", params={"kind": "honour"}, headers=HTML).text
    no_reason = chief.post(f"/console/honours/{entry.id}/end", data={"csrf_token": chief_csrf}, headers=HTML)
    assert no_reason.status_code == 422
    ended = chief.post(
        f"/console/honours/{entry.id}/end", data={"csrf_token": chief_csrf, "reason": "存在失信行为"}, headers=HTML
    )
    assert "已终止公示" in _outcome(ended) and entry.status == "已移出"

    op, op_csrf = _client(db, "op1")
    assert op.get("/console/honours", headers=HTML).status_code == 403
    assert op.post("/console/honours", data={**form, "csrf_token": op_csrf}, headers=HTML).status_code == 403


def test_bad_form_input_is_a_notice(db: Session) -> None:
    clock.freeze(START)
    builders.departments(db)
    make_user(db, "clerk", Role.CREDIT_OFFICE)
    firm = builders.entity(db)
    clerk, csrf = _client(db, "clerk")
    good = {
        "csrf_token": csrf,
        "list_type": "honest_model",
        "uscc": firm.uscc,
        "department": "FGW",
        "reason": "事迹",
        "decision_doc_no": "共信用办〔2026〕4号",
        "decision_date": "2026-02-27",
    }
    for change in (
        {"uscc": "91360482MA0000000X"},
        {"uscc": "'; drop table list_entries; --"},
        {"decision_date": "2026-02-30"},
        {"decision_date": "2099-01-01"},
        {"list_type": "serious"},
        {"department": "NOPE"},
        {"reason": "事迹\x00"},
    ):
        answer = clerk.post("/console/honours", data={**good, **change}, headers=HTML)
        assert answer.status_code == 303, (change, answer.text)
        assert _outcome(answer, "error"), change
    assert clerk.post("/console/honours", data={**good, "reason": "x" * 5001}, headers=HTML).status_code == 422
    assert clerk.post("/console/honours", data={**good, "csrf_token": "forged"}, headers=HTML).status_code in (403, 400)
    for path in ("approve", "decline", "end"):
        assert clerk.post(f"/console/honours/0/{path}", data={"csrf_token": csrf, "reason": "x"}).status_code == 422
        missing = clerk.post(f"/console/honours/999999/{path}", data={"csrf_token": csrf, "reason": "x"}, headers=HTML)
        assert missing.status_code == 303 and _outcome(missing, "error")
    assert clerk.get("/console/honours?x=1", headers=HTML).status_code == 422
