"""Contradiction flags over HTTP: the API (queue, detail, resolve, rules) and the console pages (queue, overview,
detail with both sides, resolve, rule edit), each refusing bad input and other departments' flags."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support import contradictions as c
from tests.support.console_helpers import HTML, console_client, make_user, sign_in
from xinyong.contradictions import service
from xinyong.core.actor import Actor, Role

OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office")
SCJG = Actor(role=Role.DEPT_OPERATOR, id="op-scjgj", department_code="SCJGJ")
SWJ = Actor(role=Role.DEPT_OPERATOR, id="op-swj", department_code="SWJ")


def _flag(db: Session) -> int:
    c.today()
    uscc = builders.entity(db).uscc
    c.listed(db, uscc)
    c.grade(db, uscc, "A")
    [flag_id] = service.run_rules(db, Actor.system("tick"), c.TODAY)[0]
    return flag_id


def test_the_api_queue_detail_and_resolve(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    flag_id = _flag(db)
    mine = as_actor(SCJG)  # one app: the actor is the last one asked for
    assert mine.get("/api/v1/contradictions/flags").json()["total"] == 1
    body = mine.get(f"/api/v1/contradictions/flags/{flag_id}").json()
    assert body["flag"]["side_a"]["kind"] == "grade" and body["steps"][0]["step"] == "raise"
    other = as_actor(SWJ)
    assert other.get("/api/v1/contradictions/flags").json()["total"] == 0
    assert other.get(f"/api/v1/contradictions/flags/{flag_id}").status_code == 404
    refused = other.post(f"/api/v1/contradictions/flags/{flag_id}/corrected", json={"reason": "不是本部门"})
    assert refused.status_code == 404
    mine = as_actor(SCJG)
    done = mine.post(
        f"/api/v1/contradictions/flags/{flag_id}/not_contradiction", json={"reason": "评价已按名单重新计算"}
    )
    assert done.status_code == 200 and done.json()["status"] == "不构成矛盾"
    again = mine.post(f"/api/v1/contradictions/flags/{flag_id}/corrected", json={"reason": "再次"})
    assert again.status_code == 409
    queues = as_actor(OFFICE).get("/api/v1/contradictions/queues").json()
    assert queues == [{"department": "SCJGJ", "department_name": "共青城市市场监督管理局", "open": 0, "overdue": 0,
                       "resolved": 1}]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/contradictions/flags?status=whatever", None),
        ("get", "/api/v1/contradictions/flags?rule=" + "x" * 40, None),
        ("get", "/api/v1/contradictions/flags?rule=nope", None),
        ("get", "/api/v1/contradictions/flags?page=0", None),
        ("get", "/api/v1/contradictions/flags?page_size=1000", None),
        ("get", "/api/v1/contradictions/flags?unknown=1", None),
        ("get", "/api/v1/contradictions/flags/0", None),
        ("get", "/api/v1/contradictions/flags/99999999999999", None),
        ("get", "/api/v1/contradictions/flags/abc", None),
        ("post", "/api/v1/contradictions/flags/1/delete", {"reason": "理由充分"}),
        ("post", "/api/v1/contradictions/flags/1/corrected", {}),
        ("post", "/api/v1/contradictions/flags/1/corrected", {"reason": ""}),
        ("post", "/api/v1/contradictions/flags/1/corrected", {"reason": "x" * 2001}),
        ("post", "/api/v1/contradictions/flags/1/corrected", {"reason": "理由", "status": "已更正"}),
        ("post", "/api/v1/contradictions/flags/1/corrected", ["reason"]),
        ("put", "/api/v1/contradictions/rules/grade_a_serious", {"enabled": True, "deadline_days": 0}),
        ("put", "/api/v1/contradictions/rules/grade_a_serious", {"enabled": True, "deadline_days": 61}),
        ("put", "/api/v1/contradictions/rules/grade_a_serious", {"enabled": "maybe", "deadline_days": 5}),
        ("put", "/api/v1/contradictions/rules/honour_vs_serious",
         {"enabled": True, "deadline_days": 5, "params": {"window_months": 999}}),
        ("put", "/api/v1/contradictions/rules/honour_vs_serious",
         {"enabled": True, "deadline_days": 5, "params": {"drop": 1}}),
        ("put", "/api/v1/contradictions/rules/Robert'); DROP", {"enabled": True, "deadline_days": 5}),
        ("put", "/api/v1/contradictions/rules/no_such_rule", {"enabled": True, "deadline_days": 5}),
    ],
)  # fmt: skip
def test_bad_input_is_refused(as_actor: Callable[[Actor], TestClient], method: str, path: str, body: object) -> None:
    client = as_actor(OFFICE)
    answer = client.request(method.upper(), path, json=body)
    assert answer.status_code in (404, 409, 422), (path, answer.status_code, answer.text)


def test_rules_are_read_by_staff_and_edited_by_the_office(as_actor: Callable[[Actor], TestClient]) -> None:
    rules = as_actor(SCJG).get("/api/v1/contradictions/rules").json()
    assert {r["code"] for r in rules} >= {"honour_vs_serious", "licence_after_ban", "doc_no_conflict"}
    data = {"enabled": False, "deadline_days": 7}
    assert as_actor(SCJG).put("/api/v1/contradictions/rules/doc_no_conflict", json=data).status_code == 403
    saved = as_actor(OFFICE).put("/api/v1/contradictions/rules/doc_no_conflict", json=data)
    assert saved.status_code == 200 and saved.json()["enabled"] is False and saved.json()["deadline_days"] == 7
    assert as_actor(Actor.public()).get("/api/v1/contradictions/flags").status_code == 401


def test_console_queue_detail_and_resolve(db: Session) -> None:
    client = console_client(db)
    flag_id = _flag(db)
    make_user(db, "scjg-op", Role.DEPT_OPERATOR, "SCJGJ")
    make_user(db, "swj-op", Role.DEPT_OPERATOR, "SWJ")
    csrf = sign_in(client, "scjg-op")
    queue = client.get("/console/contradictions", headers=HTML)
    assert queue.status_code == 200 and f'/console/contradictions/{flag_id}"' in queue.text
    detail = client.get(f"/console/contradictions/{flag_id}", headers=HTML)
    assert detail.status_code == 200 and "A级主体存在有效的严重失信名单" in detail.text
    assert 'id="side-a"' in detail.text and "严重失信主体名单" in detail.text
    url = f"/console/contradictions/{flag_id}/resolve"
    bad = client.post(url, data={"csrf_token": csrf, "resolution": "delete", "reason": "理由"}, headers=HTML)
    assert bad.status_code == 303 and "error=" in bad.headers["location"]
    short = client.post(url, data={"csrf_token": csrf, "resolution": "dismiss", "reason": "x"}, headers=HTML)
    assert "error=" in short.headers["location"]
    assert client.post(url, data={"resolution": "dismiss", "reason": "理由充分"}, headers=HTML).status_code == 403
    assert client.get("/console/contradictions?status=bogus", headers=HTML).status_code == 422
    assert client.get("/console/contradictions/overview", headers=HTML).status_code == 403
    done = client.post(url, data={"csrf_token": csrf, "resolution": "correct", "reason": "已撤销名单"}, headers=HTML)
    assert done.status_code == 303 and "done=" in done.headers["location"]
    after = client.get(done.headers["location"], headers=HTML)
    assert "确认有误已更正" in after.text and "已撤销名单" in after.text
    other = console_client(db)
    sign_in(other, "swj-op")
    assert other.get(f"/console/contradictions/{flag_id}", headers=HTML).status_code == 404


def test_console_overview_edits_a_rule(db: Session) -> None:
    client = console_client(db)
    make_user(db, "office-a", Role.CREDIT_OFFICE)
    csrf = sign_in(client, "office-a")
    page = client.get("/console/contradictions/overview", headers=HTML)
    assert page.status_code == 200 and "市场禁入生效后仍获行政许可" in page.text
    url = "/console/contradictions/rules/honour_vs_serious"
    bad = client.post(url, data={"csrf_token": csrf, "deadline_days": "ten", "window_months": "6"}, headers=HTML)
    assert "error=" in bad.headers["location"]
    big = client.post(url, data={"csrf_token": csrf, "deadline_days": "5", "window_months": "600"}, headers=HTML)
    assert "error=" in big.headers["location"]
    ok = client.post(
        url, data={"csrf_token": csrf, "deadline_days": "5", "window_months": "6", "enabled": "on"}, headers=HTML
    )
    assert "done=" in ok.headers["location"]
    [rule] = [r for r in service.list_rules(db) if r.code == "honour_vs_serious"]
    assert rule.enabled and rule.deadline_days == 5 and rule.params == {"window_months": 6}
