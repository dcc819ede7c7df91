"""Console pages of insider-misuse alerts (谋私预警) with real sign-in: the auditor's queue, an alert with its events,
closing with a reason; the subject of an alert never sees it; the office edits rules; bad input on every page."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support.console_helpers import HTML, console_client, make_user, sign_in
from tests.support.misuse import alerts, at, export, read_persons, sweep
from xinyong.core.actor import Actor, Role
from xinyong.misuse import service as misuse

FRIDAY = dt.date(2024, 9, 27)
SUBJECT = Actor(Role.AUDITOR, id="user:shenji-a")
OPERATOR = Actor(Role.DEPT_OPERATOR, id="user:jingban-b", department_code="SCJGJ")


def _setup(db: Session) -> tuple[TestClient, int, int]:
    client = console_client(db)
    make_user(db, "shenji-a", Role.AUDITOR, display_name="孙审计")
    make_user(db, "shenji-b", Role.AUDITOR, display_name="周审计")
    make_user(db, "xinyongban", Role.CREDIT_OFFICE, display_name="陈信用")
    make_user(db, "jingban-b", Role.DEPT_OPERATOR, department="SCJGJ", display_name="吴经办")
    for hour in (9, 10, 11, 14, 15):
        export(db, OPERATOR, at(FRIDAY, hour))
    for minute in range(30):
        read_persons(db, SUBJECT, at(FRIDAY, 16, minute), [minute])
    sweep(db, FRIDAY)
    found = {a.actor_id: a.id for a in alerts(db)}
    return client, found[OPERATOR.id], found[SUBJECT.id]


def test_auditor_opens_the_queue_reads_the_events_and_closes_with_a_reason(db: Session) -> None:
    client, about_operator, _ = _setup(db)
    csrf = sign_in(client, "shenji-b")
    queue = client.get("/console/misuse", headers=HTML)
    assert queue.status_code == 200 and "谋私预警" in queue.text
    assert "频繁导出数据" in queue.text and "短时间内大量查看自然人信息" in queue.text
    detail = client.get(f"/console/misuse/{about_operator}", headers=HTML)
    assert detail.status_code == 200
    assert detail.text.count("导出校验未通过数据") == 5 and "吴经办" in detail.text
    refused = client.post(f"/console/misuse/{about_operator}/close", data={"csrf_token": csrf, "reason": " "})
    assert refused.status_code == 303 and "error=" in refused.headers["location"]
    shown = client.get(refused.headers["location"], headers=HTML)
    assert "核查结论" in shown.text and "待核查" in shown.text
    done = client.post(f"/console/misuse/{about_operator}/close", data={"csrf_token": csrf, "reason": "系整改报送"})
    assert done.status_code == 303
    after = client.get(done.headers["location"], headers=HTML).text
    assert "已关闭" in after and "系整改报送" in after
    assert client.post(f"/console/misuse/{about_operator}/close", data={"reason": "x"}).status_code in (403, 422)


def test_the_subject_never_sees_the_alert_about_them(db: Session) -> None:
    client, about_operator, about_subject = _setup(db)
    sign_in(client, "shenji-a")
    queue = client.get("/console/misuse", params={"status": "all"}, headers=HTML)
    assert queue.status_code == 200
    assert f'href="/console/misuse/{about_subject}"' not in queue.text
    assert f'href="/console/misuse/{about_operator}"' in queue.text
    assert client.get(f"/console/misuse/{about_subject}", headers=HTML).status_code == 404


@pytest.mark.parametrize("username", ["xinyongban", "jingban-b"])
def test_the_office_and_departments_have_no_queue(db: Session, username: str) -> None:
    client, _, about_subject = _setup(db)
    sign_in(client, username)
    assert client.get("/console/misuse", headers=HTML).status_code == 403
    assert client.get(f"/console/misuse/{about_subject}", headers=HTML).status_code == 403
    menu = client.get("/console", headers=HTML).text
    assert 'href="/console/misuse"' not in menu


def test_the_office_edits_a_rule_and_auditors_read_it(db: Session) -> None:
    client, _, _ = _setup(db)
    csrf = sign_in(client, "xinyongban")
    page = client.get("/console/misuse/rules", headers=HTML)
    assert page.status_code == 200 and "保存为新版本" in page.text
    form = {
        "csrf_token": csrf,
        "enabled": "on",
        "reason": "按考核要求从严",
        "p_window_minutes": "720",
        "p_threshold": "4",
        "p_actions": "*:*:exported\nportal:export:created",
    }
    answer = client.post("/console/misuse/rules/repeated_exports", data=form)
    assert answer.status_code == 303 and "done=" in answer.headers["location"]
    setting = next(s for s in misuse.rule_settings(db) if s.code == "repeated_exports")
    assert (setting.version, setting.params["threshold"], setting.params["window_minutes"]) == (2 - 1, 4, 720)
    for bad in (
        {"p_threshold": "many"},
        {"p_threshold": "1"},
        {"reason": ""},
        {"p_actions": "<script>alert(1)</script>"},
    ):
        refused = client.post("/console/misuse/rules/repeated_exports", data={**form, **bad})
        assert refused.status_code == 303 and "error=" in refused.headers["location"], bad
    assert (
        client.post("/console/misuse/rules/no_such", data=form)
        .headers["location"]
        .startswith("/console/misuse/rules?error=")
    )
    assert client.post("/console/misuse/rules/BAD-CODE", data=form).status_code == 422
    assert (
        client.post("/console/misuse/rules/repeated_exports", data={**form, "p_threshold": "9" * 41}).status_code == 422
    )
    client.post("/console/logout", data={"csrf_token": csrf})
    auditor = console_client(db)
    sign_in(auditor, "shenji-b")
    read_only = auditor.get("/console/misuse/rules", headers=HTML)
    assert read_only.status_code == 200 and "保存为新版本" not in read_only.text and "按考核要求从严" in read_only.text
    assert auditor.post("/console/misuse/rules/repeated_exports", data=form).status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/console/misuse?status=bogus",
        "/console/misuse?page=0",
        "/console/misuse?page=abc",
        "/console/misuse?x=1",
        "/console/misuse/0",
        "/console/misuse/abc",
        f"/console/misuse/{2**63}",
    ],
)
def test_bad_input_on_the_queue_pages(db: Session, path: str) -> None:
    client, _, _ = _setup(db)
    sign_in(client, "shenji-b")
    assert client.get(path, headers=HTML).status_code == 422


def test_closing_with_an_oversized_reason_is_refused(db: Session) -> None:
    client, about_operator, _ = _setup(db)
    csrf = sign_in(client, "shenji-b")
    answer = client.post(f"/console/misuse/{about_operator}/close", data={"csrf_token": csrf, "reason": "长" * 2001})
    assert answer.status_code == 422
    assert client.post("/console/misuse/999999/close", data={"csrf_token": csrf, "reason": "x"}).status_code == 303
