"""Notices on console pages come only from the server: ``?done=`` / ``?error=`` carry a signed notice code, and a
crafted text (a fake "system notice" in a link sent to an official) is never shown."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.orm import Session

from tests.support.console_helpers import HTML
from xinyong.console import forms
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Forbidden

OFFICE = Actor(role=Role.CREDIT_OFFICE, id="user:office")
FAKE = "系统通知：账号异常，请立即拨打 400-000-0000 并提供密码"


def test_a_notice_code_carries_the_servers_message_only() -> None:
    code = forms.notice_code("done", "异议 3 已转办来源部门")
    assert "异议" not in code and forms.notice(code, "done") == "异议 3 已转办来源部门"
    assert forms.notice(code, "error") is None, "a done code is not an error"
    assert forms.notice(code[:-2] + ("AA" if not code.endswith("AA") else "BB"), "done") is None, "altered"
    assert forms.notice(FAKE, "error") is None and forms.notice("", "done") is None
    forged = URLSafeTimedSerializer("another-key", salt="xinyong.console.notice").dumps(["error", FAKE])
    assert forms.notice(forged, "error") is None, "signed with another key"


def test_a_notice_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    """A code is shown for NOTICE_SECONDS after the step it reports, not forever (an old link shows nothing)."""
    import time

    import itsdangerous.timed

    made_at = time.time() - forms.NOTICE_SECONDS - 5

    class Earlier:
        @staticmethod
        def time() -> float:
            return made_at

    monkeypatch.setattr(itsdangerous.timed, "time", Earlier)
    code = forms.notice_code("error", "比例不能超过100%")
    monkeypatch.undo()
    assert forms.notice(code, "error") is None
    assert forms.notice(forms.notice_code("error", "比例不能超过100%"), "error") == "比例不能超过100%"


def test_back_sends_codes_in_chinese_never_the_english_of_a_refusal() -> None:
    answer = forms.back("/console/objections", error=forms.refusal(Forbidden("your role may not use this (无权访问)")))
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert forms.notice(query["error"][0], "error") == "无权访问"
    assert "role" not in answer.headers["location"]


@pytest.mark.parametrize("path", ["/console/objections", "/console/repair", "/console/risk", "/console/campaigns"])
def test_a_crafted_notice_is_not_shown(as_actor: Callable[[Actor], TestClient], db: Session, path: str) -> None:
    office = as_actor(OFFICE)
    crafted = office.get(path, params={"error": FAKE, "done": FAKE}, headers=HTML)
    assert crafted.status_code == 200 and "400-000-0000" not in crafted.text
    real = office.get(path, params={"error": forms.notice_code("error", "须部门审核人员")}, headers=HTML)
    assert real.status_code == 200 and "须部门审核人员" in real.text
