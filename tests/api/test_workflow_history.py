"""Every procedure keeps a step table and shows its history: the console's 办理过程 page (Chinese, department names,
Beijing time, only for staff who may read the subject) and the subject's own 我的异议 page on the portal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.console_helpers import HTML, console_client, make_user, sign_in
from xinyong.console.history import READERS
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.workflow import PROCEDURES
from xinyong.objections import service as objections
from xinyong.objections.rules import Outcome
from xinyong.objections.schemas import ForwardIn, ObjectionIn, ProposeIn, ReviewIn
from xinyong.records import service as records

# The procedures of the notice, written out by hand: each must be on the workflow mechanism with its step table.
PROCEDURES_OF_THE_NOTICE = {
    "lists:entry": "list_entry_steps",  # 列入严重失信主体名单
    "remedies:rectification": "rectification_steps",  # 限期整改
    "repair:application": "repair_steps",  # 信用修复
    "objections:objection": "objection_steps",  # 异议
    "selfreport:report": "self_report_steps",  # 自主填报信息核验
    "commitments:commitment": "commitment_steps",  # 信用承诺及履约
    "commitments:tolerance": "tolerance_case_steps",  # 容缺受理材料
    "risk:alert": "risk_alert_steps",  # 风险预警
    "records:record": "credit_record_steps",  # 信用记录更正
    "inspections:result": "inspection_result_steps",  # 双随机抽查结果
    "complaints:complaint": "complaint_steps",  # 投诉举报
}


def test_every_procedure_has_its_step_table_and_its_history_page(db: Session) -> None:
    tables = set(inspect(db.connection()).get_table_names())
    missing = [name for name in PROCEDURES_OF_THE_NOTICE if name not in PROCEDURES]
    assert missing == [], f"procedures without a step table: {missing}"
    for name, table in PROCEDURES_OF_THE_NOTICE.items():
        procedure = PROCEDURES[name]
        assert procedure.history.__tablename__ == table, name  # type: ignore[attr-defined]
        assert table in tables, f"{table} is not in the migrated database"
        assert name in READERS, f"{name} has no console history page"
        for step in procedure.table.transitions:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in procedure.table.label(step)), (name, step)
    assert set(READERS) <= set(PROCEDURES)


def _forwarded_objection(db: Session) -> tuple[int, str]:
    clock.freeze(dt.datetime(2024, 9, 27, 2, 30, tzinfo=dt.UTC))  # 10:30 in Beijing
    builders.departments(db)
    made = builders.entity(db)
    version, _ = records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc))
    entity = Actor(role=Role.ENTITY, id="user:e1", entity_uscc=made.uscc)
    filed = objections.file_objection(db, entity, ObjectionIn(record_id=version.record_id, reasons="金额登记有误"))
    office = Actor(role=Role.CREDIT_OFFICE, id="user:office1")
    objections.forward(db, office, filed.id, ForwardIn(note="请来源部门核实"))
    operator = Actor(role=Role.DEPT_OPERATOR, id="user:op1", department_code="SCJGJ")
    objections.propose(db, operator, filed.id, ProposeIn(outcome=Outcome.UPHELD, reason="经核实无误"))
    reviewer = Actor(role=Role.DEPT_REVIEWER, id="user:rev1", department_code="SCJGJ")
    objections.review(db, reviewer, filed.id, ReviewIn(approve=True, opinion="同意拟办意见"))
    return filed.id, made.uscc


def test_console_history_page(db: Session) -> None:
    objection_id, _ = _forwarded_objection(db)
    make_user(db, "rev1", Role.DEPT_REVIEWER, department="SCJGJ")
    make_user(db, "rev2", Role.DEPT_REVIEWER, department="ZJJ")
    client = console_client(db)
    sign_in(client, "rev1")
    page = client.get(f"/console/history/objections-objection/{objection_id}", headers=HTML)
    assert page.status_code == 200, page.text
    text = page.text
    for heading in ("步骤", "办理人", "时间（北京时间）", "原状态", "新状态", "理由", "信用信息异议处理"):
        assert heading in text, heading
    assert "提出异议" in text and "转办" in text and "请来源部门核实" in text
    assert "2024-09-27 10:30" in text, "Beijing time"
    account = '（<span translate="no">{}</span>）'  # the account beside who acted is an identifier, not a word
    assert "已受理" in text and "已转办" in text and "信用办" + account.format("office1") in text
    assert "共青城市市场监督管理局 部门经办" + account.format("op1") in text and "经核实无误" in text and "拟办" in text
    assert "共青城市市场监督管理局 部门审核" + account.format("rev1") in text and "同意拟办意见" in text
    assert "已办结" in text
    assert "审核决定" in text and "待审核" in text
    assert "/console/history/objections-objection/" in client.get("/console/objections", headers=HTML).text
    other = console_client(db)
    sign_in(other, "rev2")
    assert other.get(f"/console/history/objections-objection/{objection_id}", headers=HTML).status_code == 404
    assert client.get("/console/history/nothing-here/1", headers=HTML).status_code == 404
    assert client.get("/console/history/Objections-objection/1", headers=HTML).status_code == 422


def test_the_subject_sees_its_objections_history_without_accounts(
    db: Session, as_actor: Callable[[Actor], TestClient]
) -> None:
    objection_id, uscc = _forwarded_objection(db)
    own = as_actor(Actor(role=Role.ENTITY, id="user:e1", entity_uscc=uscc))
    page = own.get("/my/objections")
    assert page.status_code == 200
    assert f'id="objection-steps-{objection_id}"' in page.text
    assert "提出异议" in page.text and "本主体" in page.text and "信用办" in page.text
    assert "共青城市市场监督管理局部门审核" in page.text
    assert "office1" not in page.text and "rev1" not in page.text, "the subject's view names no account"
