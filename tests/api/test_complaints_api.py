"""Complaints through the API (both databases): a hotline system's batch and a 12345 file are answered row by row;
malformed, hostile and oversized input is a clear 4xx that stores nothing; the subject reads its own complaints;
the risk alerts list is paginated like every list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.complaints.models import Complaint
from xinyong.core import clock
from xinyong.core.actor import Actor, Role

SCJG = builders.operator("SCJGJ")
TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    clock.freeze(dt.datetime.combine(TODAY, dt.time(2), tzinfo=dt.UTC))
    return db


def _row(ticket: str, uscc: str | None, finding: str = "属实", **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "ticket_no": ticket,
        "received_on": "2026-11-02",
        "subject_name": "共青城鸿瑞羽绒服饰有限公司",
        "uscc": uscc,
        "content": "消费者反映羽绒服含绒量不足",
        "result": "已责令整改",
        "closed_on": "2026-11-10",
        "finding": finding,
    }
    row.update(extra)
    return row


def _count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Complaint)) or 0


def test_a_hotline_batch_and_a_file_are_answered_row_by_row(
    seeded: Session, as_actor: Callable[[Actor], TestClient]
) -> None:
    firm = builders.entity(seeded)
    client = as_actor(SCJG)
    sent = client.post(
        "/api/v1/complaints",
        json={"channel": "12345", "rows": [_row("A1", firm.uscc), _row("A1", firm.uscc), _row("A2", None, "不属实")]},
    )
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert [r["outcome"] for r in body["results"]] == ["created", "duplicate", "created"]  # A2 matched by name
    assert body["results"][1]["outcome_label"] == "重复工单（已忽略）"
    csv = (
        "工单号,受理时间,被投诉对象,诉求内容,核实结果\n"
        "F1,2026-11-03,无名小店,价格欺诈,属实\n"
        "F2,2026-11-03,,价格欺诈,属实\n"
    )
    file = client.post(
        "/api/v1/complaints/file",
        files={"file": ("12345.csv", csv.encode(), "text/csv")},
        data={"channel": "12345"},
    )
    assert file.status_code == 201, file.text
    assert [r["outcome"] for r in file.json()["results"]] == ["unmatched", "rejected"]
    assert file.json()["results"][1]["errors"] == {"被投诉对象": "必填"}
    listed = client.get("/api/v1/complaints", params={"status": "待匹配"}).json()
    assert listed["total"] == 1 and listed["items"][0]["ticket_no"] == "F1"
    held = listed["items"][0]["id"]
    detail = client.get(f"/api/v1/complaints/{held}").json()
    assert [s["step"] for s in detail["steps"]] == ["receive"]
    matched = client.post(f"/api/v1/complaints/{held}/match", json={"uscc": firm.uscc, "reason": "现场核实"})
    assert matched.status_code == 200, matched.text
    assert matched.json()["status"] == "已匹配" and matched.json()["record_id"] is not None
    again = client.post(f"/api/v1/complaints/{held}/match", json={"uscc": firm.uscc, "reason": "再次"})
    assert again.status_code == 409

    mine = as_actor(Actor(role=Role.ENTITY, id="user:qiye", entity_uscc=firm.uscc)).get("/api/v1/my/complaints")
    assert mine.status_code == 200 and mine.json()["total"] == 3
    assert as_actor(builders.operator("SWJ")).get(f"/api/v1/complaints/{held}").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"channel": "12345", "rows": []},
        {"channel": "12345", "rows": [_row("B1", None, received_on="2026-02-30")]},
        {"channel": "12345", "rows": [_row("B1", None, content="x" * 4001)]},
        {"channel": "12345", "rows": [_row("B1", None, 来电人="张三")]},
        {"channel": "manual", "rows": [_row("B1", None)]},
        {"channel": "12345", "rows": [_row("", None)]},
        {"channel": "12345", "rows": [_row("B1", None)] * 1001},
        {"rows": "not a list"},
    ],
)
def test_malformed_batches_are_refused_and_store_nothing(
    seeded: Session, as_actor: Callable[[Actor], TestClient], body: dict[str, object]
) -> None:
    answer = as_actor(SCJG).post("/api/v1/complaints", json=body)
    assert answer.status_code == 422, answer.text
    assert _count(seeded) == 0


def test_bad_rows_inside_a_good_batch_are_rejected_with_reasons(
    seeded: Session, as_actor: Callable[[Actor], TestClient]
) -> None:
    rows = [
        _row("C1", "91360482MA00000000"),
        _row("C2", None, finding="也许"),
        _row("C3", None, closed_on="2026-10-01"),
    ]
    answer = as_actor(SCJG).post("/api/v1/complaints", json={"channel": "12315", "rows": rows})
    assert answer.status_code == 201
    errors = [r["errors"] for r in answer.json()["results"]]
    assert "统一社会信用代码" in errors[0] and "核实结果" in errors[1] and "办结时间" in errors[2]
    assert _count(seeded) == 0


@pytest.mark.parametrize(
    ("content", "name", "status"),
    [
        (b"", "a.csv", 422),
        (b"\x00\x01\x02binary", "a.csv", 422),
        (b"PK\x03\x04not really a zip", "a.xlsx", 422),
        (b"id,name\n1,2\n", "a.csv", 422),
        (b"x", "a.pdf", 422),
        (b"a" * (20 * 1024 * 1024 + 1), "big.csv", 413),
    ],
)
def test_hostile_files_are_refused_and_store_nothing(
    seeded: Session, as_actor: Callable[[Actor], TestClient], content: bytes, name: str, status: int
) -> None:
    answer = as_actor(SCJG).post("/api/v1/complaints/file", files={"file": (name, content, "text/csv")})
    assert answer.status_code == status, answer.text
    assert answer.json().get("message") or answer.json().get("detail")
    assert _count(seeded) == 0


def test_those_who_do_not_handle_complaints_cannot_send_them(
    seeded: Session, as_actor: Callable[[Actor], TestClient]
) -> None:
    body = {"channel": "12345", "rows": [_row("D1", None)]}
    assert as_actor(Actor(role=Role.AUDITOR, id="a")).post("/api/v1/complaints", json=body).status_code == 403
    system = Actor(role=Role.BUSINESS_SYSTEM, id="api:9", name="采购系统")
    assert as_actor(system).post("/api/v1/complaints", json=body).status_code == 403
    assert as_actor(Actor(role=Role.PUBLIC)).post("/api/v1/complaints", json=body).status_code == 401
    assert _count(seeded) == 0


def test_risk_alerts_are_paginated(seeded: Session, as_actor: Callable[[Actor], TestClient]) -> None:
    client = as_actor(SCJG)
    first = client.get("/api/v1/risk/alerts", params={"page_size": 5})
    assert first.status_code == 200 and first.json() == {
        "items": [],
        "total": 0,
        "page": 1,
        "page_size": 5,
        "total_capped": False,
    }
    assert client.get("/api/v1/risk/alerts", params={"page_size": 101}).status_code == 422
    assert client.get("/api/v1/risk/alerts", params={"page": 0}).status_code == 422


def test_the_subject_reads_its_complaints_on_its_credit_page(
    seeded: Session, as_actor: Callable[[Actor], TestClient]
) -> None:
    firm = builders.entity(seeded)
    rows = [
        _row("P1", firm.uscc, content="来电人周敏反映销售过期食品，电话13912341234"),
        _row("P2", firm.uscc, "不属实", content="反映价格过高"),
    ]
    assert as_actor(SCJG).post("/api/v1/complaints", json={"channel": "12345", "rows": rows}).status_code == 201
    page = as_actor(Actor(role=Role.ENTITY, id="user:qiye", entity_uscc=firm.uscc)).get(
        "/my", headers={"Accept": "text/html"}
    )
    assert page.status_code == 200, page.text
    section = page.text.split('id="my-complaints"')[1].split("</section>")[0]
    assert "共 2 件" in section and "P1" in section and "P2" in section
    assert "已计入" in section and "未计入" in section and "不属实" in section
    assert "周敏" not in page.text and "13912341234" not in page.text
