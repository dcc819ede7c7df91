"""The portal's 守信激励名单 (红名单) tab beside the other list tabs: the same filters and pages, HTML/JSON/CSV/XLSX
twins, free text desensitised through the privacy gate, ended and not-yet-approved honours not shown, bad input
refused; the entity profile lists the entity's honours; the footer links the related credit sites."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.honours import CHIEF, honoured
from tests.support.lists import at
from xinyong.core.actor import Actor
from xinyong.lists import service as lists

Client = Callable[[Actor], TestClient]


def test_honour_tab_twins_filters_and_privacy(as_actor: Client, db: Session) -> None:
    at(dt.date(2024, 6, 3))
    shown = builders.entity(db, name="共青城守信示范羽绒有限公司")
    other = builders.entity(db, name="共青城合同信用建材有限公司")
    pending = builders.entity(db, name="共青城待审核科技有限公司")
    ended = builders.entity(db, name="共青城已终止贸易有限公司")
    honoured(db, shown.uscc, reason="法定代表人张三，身份证号360482198506011234，带头诚信经营")
    honoured(db, other.uscc, list_type="contract_keeping", department="SCJGJ", decision_doc_no="赣市监合〔2024〕3号")
    honoured(db, pending.uscc, approve=False)
    gone = honoured(db, ended.uscc, decision_doc_no="共信用办〔2024〕10号")
    lists.end_honour(db, CHIEF, gone.id, reason="存在失信行为")
    public = as_actor(Actor.public())

    data = public.get("/lists.json", params={"kind": "honour"}).json()
    assert data["total"] == 2 and {i["uscc"] for i in data["items"]} == {shown.uscc, other.uscc}
    item = next(i for i in data["items"] if i["uscc"] == shown.uscc)
    assert "360482198506011234" not in str(item) and "带头诚信经营" in item["reason"]
    assert item["department"] == "共青城市发展和改革委员会" and item["doc_no"] == "共信用办〔2024〕8号"
    assert item["valid_to"] == "2026-06-01" and "国发〔2016〕33号" in item["basis"]

    by_department = public.get("/lists.json", params={"kind": "honour", "department": "SCJGJ"}).json()
    assert [i["uscc"] for i in by_department["items"]] == [other.uscc]
    by_word = public.get("/lists.json", params={"kind": "honour", "q": "守信示范"}).json()
    assert [i["uscc"] for i in by_word["items"]] == [shown.uscc]
    paged = public.get("/lists.json", params={"kind": "honour", "page_size": 1, "page": 2}).json()
    assert paged["total"] == 2 and len(paged["items"]) == 1

    page = public.get("/lists", params={"kind": "honour"}, headers={"accept": "text/html"})
    assert (
        page.status_code == 200 and "守信激励名单（红名单）" in page.text and "共青城守信示范羽绒有限公司" in page.text
    )
    assert "360482198506011234" not in page.text and "共青城待审核科技有限公司" not in page.text
    csv = public.get("/lists.csv", params={"kind": "honour"})
    assert csv.status_code == 200 and "共青城合同信用建材有限公司" in csv.content.decode("utf-8-sig")
    sheet = public.get("/lists.xlsx", params={"kind": "honour"})
    rows = CalamineWorkbook.from_filelike(io.BytesIO(sheet.content)).get_sheet_by_index(0).to_python()
    assert {r[1] for r in rows[1:3]} == {shown.name, other.name} and "360482198506011234" not in str(rows)


def test_honour_tab_bad_input(as_actor: Client, db: Session) -> None:
    builders.departments(db)
    public = as_actor(Actor.public())
    for params in (
        {"kind": "honours"},
        {"kind": "honour", "department": "NOPE"},
        {"kind": "honour", "date_from": "2024-02-30"},
        {"kind": "honour", "date_from": "2024-05-01", "date_to": "2024-04-01"},
        {"kind": "honour", "q": "x" * 1000},
        {"kind": "honour", "q": "a\x00b"},
        {"kind": "honour", "page": "0"},
        {"kind": "honour", "after": "garbage", "before": "garbage"},
        {"kind": "honour", "unknown": "1"},
    ):
        answer = public.get("/lists.json", params=params)
        assert answer.status_code == 422, (params, answer.text)


def test_profile_shows_honours_and_footer_links(as_actor: Client, db: Session) -> None:
    at(dt.date(2024, 6, 3))
    firm = builders.entity(db, name="共青城诚信典型服饰有限公司")
    honoured(db, firm.uscc, reason="热心公益，连续五年无失信记录")
    page = as_actor(Actor.public()).get(f"/entity/{firm.uscc}").text
    assert "守信激励信息" in page and "诚信典型" in page and "热心公益，连续五年无失信记录" in page
    assert "共信用办〔2024〕8号" in page and "2026-06-01" in page
    bare = builders.entity(db, name="共青城普通商贸有限公司")
    assert "暂无守信激励信息" in as_actor(Actor.public()).get(f"/entity/{bare.uscc}").text
    for site in ("https://www.creditchina.gov.cn", "https://credit.jiangxi.gov.cn", "信用九江"):
        assert site in page
