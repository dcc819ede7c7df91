"""The console's 信用名单 pages over real sessions, on both databases: a department operator proposes from a candidate
serious penalty, notifies (the statement deadline in working days), records the written statement; a reviewer who
did not propose decides once the window has passed, the operator publishes, a reviewer exits the entry early; the
proposer cannot decide (two-person rule); every refusal is a Chinese notice or a 4xx, never a 500."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.console_helpers import HTML, OFFICE, PASSWORD, console_client, make_user, sign_in
from xinyong.console.forms import notice
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.audit import AuditEvent
from xinyong.core.auth import service as auth
from xinyong.core.calendar import load_calendar
from xinyong.core.periods import add_months
from xinyong.lists import service as lists
from xinyong.lists.models import ListEntry
from xinyong.records import service as records
from xinyong.records.rules import Severity

START = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # Monday 2026-03-02, 10:00 in Beijing


def _serious(db: Session, uscc: str, doc_no: str) -> int:
    version, _ = records.upsert_record(
        db,
        builders.SYSTEM,
        builders.penalty(
            uscc,
            doc_no=doc_no,
            severity=Severity.SERIOUS,
            decision_date=dt.date(2026, 2, 20),
            title="行政处罚决定书（生产销售不合格羽绒制品）",
            content={"SY": "生产销售不合格羽绒制品", "YJ": "《中华人民共和国产品质量法》第四十九条", "CFLB": ["罚款"]},
        ),
    )
    return version.record_id


def _outcome(answer: object, kind: str = "done") -> str:
    location = answer.headers["location"]  # type: ignore[attr-defined]
    codes = parse_qs(urlsplit(location).query).get(kind)
    assert codes, f"no {kind} in {location}"
    text = notice(codes[0], kind)
    assert text is not None
    return text


def _client(db: Session, username: str) -> tuple[TestClient, str]:
    client = console_client(db)
    return client, sign_in(client, username)


@pytest.fixture
def staff(db: Session) -> None:
    builders.departments(db)
    make_user(db, "op1", Role.DEPT_OPERATOR, department="SCJGJ")
    make_user(db, "rev1", Role.DEPT_REVIEWER, department="SCJGJ")
    make_user(db, "rev2", Role.DEPT_REVIEWER, department="SCJGJ")
    make_user(db, "office1", Role.CREDIT_OFFICE)


def test_the_listing_procedure_on_screen(db: Session, staff: None) -> None:
    clock.freeze(START)
    firm = builders.entity(db, name="共青城鸿瑞羽绒服饰有限公司")
    record_id = _serious(db, firm.uscc, "共市监罚〔2026〕91号")
    op, csrf = _client(db, "op1")

    record_page = op.get(f"/console/history/records-record/{record_id}", headers=HTML)
    assert f"/console/lists/new?record_id={record_id}" in record_page.text  # the record's console page proposes
    candidates = op.get("/console/lists/candidates", headers=HTML)
    assert candidates.status_code == 200 and "共市监罚〔2026〕91号" in candidates.text
    form = op.get(f"/console/lists/new?record_id={record_id}", headers=HTML)
    assert form.status_code == 200
    assert "生产销售不合格羽绒制品" in form.text and "市场监督管理局" in form.text and "联合惩戒" in form.text

    proposed = op.post(
        "/console/lists",
        data={
            "csrf_token": csrf,
            "record_id": str(record_id),
            "list_type": "serious",
            "facts": "生产销售不合格羽绒制品，情节严重。",
            "basis_source": "type:serious",
            "basis": "《中华人民共和国产品质量法》第四十九条",
        },
        headers=HTML,
    )
    assert proposed.status_code == 303, proposed.text
    assert "已提出拟列入" in _outcome(proposed)
    entry_id = int(re.search(r"/console/lists/(\d+)", proposed.headers["location"]).group(1))  # type: ignore[union-attr]
    entry = db.get(ListEntry, entry_id)
    assert entry is not None and entry.linked_record_ids == [record_id] and entry.conduct_date == dt.date(2026, 2, 20)
    assert "国办发〔2019〕35号" in entry.basis and "产品质量法" in entry.basis
    assert "共市监罚〔2026〕91号" not in op.get("/console/lists/candidates", headers=HTML).text

    noticed = op.post(
        f"/console/lists/{entry_id}/notice",
        data={"csrf_token": csrf, "notice_doc_no": "共市监信告〔2026〕1号"},
        headers=HTML,
    )
    deadline = load_calendar(db).add_working_days(dt.date(2026, 3, 2), 5).date
    assert deadline.isoformat() in _outcome(noticed)
    page = op.get(f"/console/lists/{entry_id}", headers=HTML)
    assert "陈述申辩期限" in page.text and deadline.isoformat() in page.text and "statement-form" in page.text

    stated = op.post(
        f"/console/lists/{entry_id}/statement",
        data={
            "csrf_token": csrf,
            "statement": "已召回全部不合格产品",
            "documents": "陈述申辩书.pdf（3页）\n召回记录.pdf",
        },
        headers=HTML,
    )
    assert "已记录" in _outcome(stated)
    assert "陈述申辩书.pdf（3页）" in op.get(f"/console/lists/{entry_id}", headers=HTML).text

    # the operator may not decide; a reviewer may not decide before the window has passed
    refused = op.post(
        f"/console/lists/{entry_id}/decision",
        data={"csrf_token": csrf, "decision_doc_no": "共市监信列〔2026〕1号"},
        headers=HTML,
    )
    assert "审核" in _outcome(refused, "error")
    rev, rcsrf = _client(db, "rev1")
    queue = rev.get("/console/lists/queue", headers=HTML)
    assert (
        queue.status_code == 200 and "共青城鸿瑞羽绒服饰有限公司" in queue.text and deadline.isoformat() in queue.text
    )
    early = rev.post(
        f"/console/lists/{entry_id}/decision",
        data={"csrf_token": rcsrf, "decision_doc_no": "共市监信列〔2026〕1号"},
        headers=HTML,
    )
    assert "陈述申辩期限届满后方可决定" in _outcome(early, "error")

    clock.freeze(dt.datetime.combine(deadline + dt.timedelta(days=1), dt.time(2), tzinfo=dt.UTC))
    rev, rcsrf = _client(db, "rev1")
    decided = rev.post(
        f"/console/lists/{entry_id}/decision",
        data={"csrf_token": rcsrf, "decision_doc_no": "共市监信列〔2026〕1号"},
        headers=HTML,
    )
    assert "已作出列入决定" in _outcome(decided)
    op, csrf = _client(db, "op1")
    published = op.post(f"/console/lists/{entry_id}/publication", data={"csrf_token": csrf}, headers=HTML)
    assert "已公示" in _outcome(published)
    assert db.get(ListEntry, entry_id).status == "已公示"  # type: ignore[union-attr]
    listed = op.get("/console/lists?status=已公示&department=SCJGJ&list_type=serious", headers=HTML)
    assert listed.status_code == 200 and "共青城鸿瑞羽绒服饰有限公司" in listed.text and "市场监督管理局" in listed.text
    assert f"/console/history/lists-entry/{entry_id}" in listed.text

    # the entry page names who took each step and when, in Beijing time
    shown = op.get(f"/console/lists/{entry_id}", headers=HTML).text
    for label in ("拟列入", "告知", "陈述申辩", "列入决定", "公示"):
        assert f"<td>{label}</td>" in shown
    assert "rev1" in shown and "op1" in shown and "至 " + deadline.isoformat() in shown
    assert "exit-not-yet" in rev.get(f"/console/lists/{entry_id}", headers=HTML).text

    # early exit after a year, by a reviewer
    later = add_months(deadline, 13)
    clock.freeze(dt.datetime.combine(later, dt.time(2), tzinfo=dt.UTC))
    rev, rcsrf = _client(db, "rev2")
    exited = rev.post(
        f"/console/lists/{entry_id}/exit",
        data={"csrf_token": rcsrf, "reason": "已完成信用修复", "repair_ref": "XF-2027-0001"},
        headers=HTML,
    )
    assert "已提前移出" in _outcome(exited)
    assert db.get(ListEntry, entry_id).status == "已移出"  # type: ignore[union-attr]
    events = set(db.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == str(entry_id))))
    assert {"lists:entry:propose", "lists:entry:notify", "lists:entry:state", "lists:entry:decide"} <= events
    assert {"lists:entry:publish", "lists:entry:exit_early"} <= events


def test_the_proposer_cannot_decide(db: Session, staff: None) -> None:
    clock.freeze(START)
    firm = builders.entity(db)
    record_id = _serious(db, firm.uscc, "共市监罚〔2026〕92号")
    rev, csrf = _client(db, "rev1")
    proposed = rev.post(
        "/console/lists",
        data={
            "csrf_token": csrf,
            "record_id": str(record_id),
            "list_type": "serious",
            "facts": "情节严重",
            "basis": "依据",
        },
        headers=HTML,
    )
    entry_id = int(proposed.headers["location"].split("?")[0].rsplit("/", 1)[1])
    rev.post(
        f"/console/lists/{entry_id}/notice", data={"csrf_token": csrf, "notice_doc_no": "告〔2026〕2号"}, headers=HTML
    )
    rev.post(f"/console/lists/{entry_id}/statement", data={"csrf_token": csrf, "waived": "1"}, headers=HTML)
    page = rev.get(f"/console/lists/{entry_id}", headers=HTML)
    assert "two-person-note" in page.text
    refused = rev.post(
        f"/console/lists/{entry_id}/decision",
        data={"csrf_token": csrf, "decision_doc_no": "列〔2026〕2号"},
        headers=HTML,
    )
    assert "拟列入人不得审核本人提出的列入" in _outcome(refused, "error")
    assert db.get(ListEntry, entry_id).status == "已陈述申辩"  # type: ignore[union-attr]
    other, ocsrf = _client(db, "rev2")
    decided = other.post(
        f"/console/lists/{entry_id}/decision",
        data={"csrf_token": ocsrf, "decision_doc_no": "列〔2026〕2号"},
        headers=HTML,
    )
    assert "已作出列入决定" in _outcome(decided)
    revoked = other.post(
        f"/console/lists/{entry_id}/revocation", data={"csrf_token": ocsrf, "reason": "复议撤销"}, headers=HTML
    )
    assert "已撤销" in _outcome(revoked)


def test_roles_on_the_lists_pages(db: Session, staff: None) -> None:
    clock.freeze(START)
    firm = builders.entity(db)
    record_id = _serious(db, firm.uscc, "共市监罚〔2026〕93号")
    operator = Actor(role=Role.DEPT_OPERATOR, id="user:op1", department_code="SCJGJ")
    entry = lists.propose_entry(
        db, operator, list_type="serious", facts="情节严重", basis="依据", subject_uscc=firm.uscc,
        linked_record_ids=[record_id],
    )  # fmt: skip
    office, ocsrf = _client(db, "office1")
    assert office.get("/console/lists", headers=HTML).status_code == 200
    assert office.get(f"/console/lists/{entry.id}", headers=HTML).status_code == 200
    assert office.get("/console/lists/new", headers=HTML).status_code == 403
    assert (
        office.post(f"/console/lists/{entry.id}/notice", data={"csrf_token": ocsrf, "notice_doc_no": "x"}).status_code
        == 403
    )
    # another department's reviewer does not see the pipeline, and cannot move it
    make_user(db, "swrev", Role.DEPT_REVIEWER, department="SWJ")
    other, csrf = _client(db, "swrev")
    assert other.get(f"/console/lists/{entry.id}", headers=HTML).status_code == 404
    refused = other.post(f"/console/lists/{entry.id}/decline", data={"csrf_token": csrf, "reason": "x"}, headers=HTML)
    assert refused.status_code == 303 and _outcome(refused, "error")
    assert db.get(ListEntry, entry.id).status == "拟列入"  # type: ignore[union-attr]
    anonymous = console_client(db)
    assert anonymous.get("/console/lists", headers=HTML).status_code == 401
    assert anonymous.post(f"/console/lists/{entry.id}/decline", data={"reason": "x"}).status_code in (401, 403)


def test_bad_input_is_refused_in_chinese(db: Session, staff: None) -> None:
    clock.freeze(START)
    firm = builders.entity(db)
    record_id = _serious(db, firm.uscc, "共市监罚〔2026〕94号")
    op, csrf = _client(db, "op1")
    for query in ("status=bogus", "department=NOPE", "list_type=nope", "page=0", "page=x", "unknown=1"):
        assert op.get(f"/console/lists?{query}", headers=HTML).status_code == 422, query
    assert op.get("/console/lists/0", headers=HTML).status_code == 422
    assert op.get(f"/console/lists/{2**63}", headers=HTML).status_code == 422
    assert op.get("/console/lists/987654", headers=HTML).status_code == 404
    assert op.get("/console/lists/new?record_id=987654", headers=HTML).status_code == 404
    base = {
        "csrf_token": csrf,
        "list_type": "serious",
        "facts": "情节严重",
        "basis": "依据",
        "record_id": str(record_id),
    }
    for change in (
        {"list_type": "nope"},
        {"record_id": "abc"},
        {"record_id": "987654"},
        {"facts": "  "},
        {"facts": "情节\x00严重"},
        {"basis_source": "memo:999999"},
        {"record_id": "", "uscc": "913604827055555550"},
        {"record_id": "", "uscc": firm.uscc, "conduct_date": "2026-02-30"},
        {"record_id": "", "uscc": firm.uscc, "conduct_date": "2030-01-01"},
        {"key_field": "金融"},
    ):
        answer = op.post("/console/lists", data={**base, **change}, headers=HTML)
        assert answer.status_code == 303, (change, answer.text[:300])
        message = _outcome(answer, "error")
        assert message and not re.search(r"[A-Za-z]{4,}", message), (change, message)
    too_long = op.post("/console/lists", data={**base, "facts": "长" * 20_001}, headers=HTML)
    assert too_long.status_code == 422
    assert db.scalars(select(ListEntry)).first() is None
    # a step on an entry that does not exist, and a statement with too many documents
    missing = op.post("/console/lists/987654/notice", data={"csrf_token": csrf, "notice_doc_no": "x"}, headers=HTML)
    assert missing.status_code == 303 and _outcome(missing, "error")
    operator = Actor(role=Role.DEPT_OPERATOR, id="user:op1", department_code="SCJGJ")
    entry = lists.propose_entry(
        db, operator, list_type="serious", facts="情节严重", basis="依据", subject_uscc=firm.uscc,
        linked_record_ids=[record_id],
    )  # fmt: skip
    lists.notify_party(db, operator, entry.id, notice_doc_no="告〔2026〕9号")
    many = "\n".join(f"材料{i}.pdf" for i in range(11))
    answer = op.post(
        f"/console/lists/{entry.id}/statement",
        data={"csrf_token": csrf, "statement": "x", "documents": many},
        headers=HTML,
    )
    assert "材料过多" in _outcome(answer, "error")
    bad_months = op.post(
        f"/console/lists/{entry.id}/decision",
        data={"csrf_token": csrf, "decision_doc_no": "列1", "duration_months": "-3"},
        headers=HTML,
    )
    assert _outcome(bad_months, "error")
    crafted = op.get("/console/lists?error=请立即转账到以下账户", headers=HTML)
    assert crafted.status_code == 200 and "请立即转账" not in crafted.text


def test_statement_materials_through_the_api(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    clock.freeze(START)
    firm = builders.entity(db)
    record_id = _serious(db, firm.uscc, "共市监罚〔2026〕95号")
    operator = Actor(role=Role.DEPT_OPERATOR, id="user:op1", department_code="SCJGJ")
    entry = lists.propose_entry(
        db, operator, list_type="serious", facts="情节严重", basis="依据", subject_uscc=firm.uscc,
        linked_record_ids=[record_id],
    )  # fmt: skip
    lists.notify_party(db, operator, entry.id, notice_doc_no="告〔2026〕10号")
    client = as_actor(operator)
    path = f"/api/v1/list-entries/{entry.id}/statement-received"
    too_many = client.post(path, json={"statement": "陈述", "documents": [f"材料{i}.pdf" for i in range(21)]})
    assert too_many.status_code == 422
    assert client.post(path, json={"statement": "陈述", "documents": [""]}).status_code == 422
    answer = client.post(path, json={"statement": "陈述", "documents": ["陈述申辩书.pdf（2页）"]})
    assert answer.status_code == 200, answer.text
    [state] = [s for s in answer.json()["steps"] if s["step"] == "state"]
    assert state["details"]["documents"] == ["陈述申辩书.pdf（2页）"]


def test_ban_decline_and_expiry_on_screen(db: Session, staff: None) -> None:
    """A market ban proposed by USCC alone, the statement waived, decided permanent (the term a ban may set); a
    proposal declined by a reviewer; an entry whose term ended leaves the list by the platform's sweep, shown as
    the platform's step."""
    clock.freeze(START)
    firm = builders.entity(db)
    op, csrf = _client(db, "op1")
    proposed = op.post(
        "/console/lists",
        data={
            "csrf_token": csrf,
            "uscc": firm.uscc,
            "list_type": "market_ban",
            "facts": "生产假药，情节特别严重",
            "basis_source": "type:market_ban",
            "conduct_date": "2026-02-10",
        },
        headers=HTML,
    )
    entry_id = int(proposed.headers["location"].split("?")[0].rsplit("/", 1)[1])
    op.post(f"/console/lists/{entry_id}/notice", data={"csrf_token": csrf, "notice_doc_no": "禁告1号"}, headers=HTML)
    op.post(f"/console/lists/{entry_id}/statement", data={"csrf_token": csrf, "waived": "1"}, headers=HTML)
    rev, rcsrf = _client(db, "rev1")
    page = rev.get(f"/console/lists/{entry_id}", headers=HTML).text
    assert "永久禁入" in page and "今日可决定" in page
    decided = rev.post(
        f"/console/lists/{entry_id}/decision",
        data={"csrf_token": rcsrf, "decision_doc_no": "禁列1号", "permanent": "1"},
        headers=HTML,
    )
    assert "已作出列入决定" in _outcome(decided)
    op.post(f"/console/lists/{entry_id}/publication", data={"csrf_token": csrf}, headers=HTML)
    shown = rev.get(f"/console/lists/{entry_id}", headers=HTML).text
    assert "至 永久" in shown and "该名单不可提前移出" in shown and "revoke-form" in shown

    record_id = _serious(db, firm.uscc, "共市监罚〔2026〕96号")
    operator = Actor(role=Role.DEPT_OPERATOR, id="user:op1", department_code="SCJGJ")
    reviewer = Actor(role=Role.DEPT_REVIEWER, id="user:rev2", department_code="SCJGJ")
    second = lists.propose_entry(
        db, operator, list_type="serious", facts="情节严重", basis="依据", subject_uscc=firm.uscc,
        linked_record_ids=[record_id],
    )  # fmt: skip
    declined = rev.post(
        f"/console/lists/{second.id}/decline", data={"csrf_token": rcsrf, "reason": "证据不足"}, headers=HTML
    )
    assert "不予列入" in _outcome(declined)
    assert "证据不足" in rev.get(f"/console/lists/{second.id}", headers=HTML).text

    watch = lists.propose_entry(
        db, operator, list_type="watch", facts="食品安全失信", basis="依据", subject_uscc=firm.uscc,
        conduct_date=dt.date(2026, 2, 1), key_field="食品药品",
    )  # fmt: skip
    lists.notify_party(db, operator, watch.id, notice_doc_no="关告1号")
    lists.record_statement(db, operator, watch.id, statement=None, waived=True)
    lists.decide_entry(db, reviewer, watch.id, decision_doc_no="关列1号")
    lists.publish_entry(db, operator, watch.id)
    ended = db.get(ListEntry, watch.id)
    assert ended is not None and ended.valid_to is not None
    later = ended.valid_to + dt.timedelta(days=1)
    lists.expire_entries(db, Actor.system("tick"), later)
    clock.freeze(dt.datetime.combine(later, dt.time(2), tzinfo=dt.UTC))
    op, _ = _client(db, "op1")
    page = op.get(f"/console/lists/{watch.id}", headers=HTML).text
    assert "期满移出" in page and "平台（自动办理）" in page and "食品药品" in page
    assert "已移出" in op.get("/console/lists?status=已移出&list_type=watch", headers=HTML).text


def test_the_party_states_on_the_portal(db: Session, staff: None) -> None:
    """The entity signed in as itself sees the notice with its deadline in 我的信用 and sends its statement; after the
    deadline, or on another entity's entry, it is refused in Chinese."""
    clock.freeze(START)
    firm = builders.entity(db)
    other = builders.entity(db, name="共青城另一家贸易有限公司")
    for username, uscc in (("firm1", firm.uscc), ("firm2", other.uscc)):
        auth.create_user(
            db, OFFICE, username=username, display_name=username, role=Role.ENTITY, password=PASSWORD,
            entity_uscc=uscc,
        )  # fmt: skip
    operator = Actor(role=Role.DEPT_OPERATOR, id="user:op1", department_code="SCJGJ")
    entry = lists.propose_entry(
        db, operator, list_type="serious", facts="拒不履行法定义务", basis="依据", subject_uscc=firm.uscc,
        conduct_date=dt.date(2026, 2, 1),
    )  # fmt: skip
    party, csrf = _client(db, "firm1")
    assert "没有收到拟列入信用名单的告知" in party.get("/my/lists", headers=HTML).text  # not before the notice
    lists.notify_party(db, operator, entry.id, notice_doc_no="告〔2026〕20号")
    assert entry.statement_deadline is not None
    page = party.get("/my/lists", headers=HTML)
    assert page.status_code == 200 and "拒不履行法定义务" in page.text
    assert entry.statement_deadline.isoformat() in page.text and "statement-form" in page.text
    assert "/my/lists" in party.get("/my", headers=HTML).text

    stranger, scsrf = _client(db, "firm2")
    refused = stranger.post(
        f"/my/lists/{entry.id}/statement", data={"csrf_token": scsrf, "statement": "不是我"}, headers=HTML
    )
    assert refused.status_code == 403 and "仅当事人或认定部门" in refused.text
    sent = party.post(
        f"/my/lists/{entry.id}/statement",
        data={"csrf_token": csrf, "statement": "已履行全部义务", "documents": "履行凭证.pdf（1页）"},
        headers=HTML,
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/my/lists?done=stated"
    assert "陈述申辩已提交" in party.get(sent.headers["location"], headers=HTML).text
    assert db.get(ListEntry, entry.id).status == "已陈述申辩"  # type: ignore[union-attr]
    assert "履行凭证.pdf（1页）" in lists.get_entry(db, operator, entry.id).model_dump_json()
    crafted = party.get("/my/lists?done=请立即转账", headers=HTML)
    assert crafted.status_code == 200 and "请立即转账" not in crafted.text
    assert party.get("/my/lists?done=" + "x" * 9, headers=HTML).status_code == 422

    late = lists.propose_entry(
        db, operator, list_type="serious", facts="再次违法", basis="依据", subject_uscc=firm.uscc,
        conduct_date=dt.date(2026, 2, 1),
    )  # fmt: skip
    lists.notify_party(db, operator, late.id, notice_doc_no="告〔2026〕21号")
    assert late.statement_deadline is not None
    clock.freeze(dt.datetime.combine(late.statement_deadline + dt.timedelta(days=1), dt.time(2), tzinfo=dt.UTC))
    party, csrf = _client(db, "firm1")
    assert f"my-entry-{late.id}" in party.get("/my/lists", headers=HTML).text
    too_late = party.post(f"/my/lists/{late.id}/statement", data={"csrf_token": csrf, "waived": "1"}, headers=HTML)
    assert too_late.status_code == 409 and "陈述申辩期限已过" in too_late.text
    assert party.post("/my/lists/0/statement", data={"csrf_token": csrf}, headers=HTML).status_code == 422
