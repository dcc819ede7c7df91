"""The credit office manages business systems in the console: issue a key (shown once), the key works on the check
API, register a webhook (its secret shown once), revoke (the key stops at once); other roles are refused."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.console_helpers import HTML, console_client, make_user, sign_in
from xinyong.core.actor import Role
from xinyong.core.auth import service as auth


def test_office_issues_lists_webhooks_and_revokes_a_key(db: Session) -> None:
    client = console_client(db)
    make_user(db, "xinyongban", Role.CREDIT_OFFICE, display_name="刘洋")
    csrf = sign_in(client, "xinyongban")
    assert 'href="/console/api-clients"' in client.get("/console", headers=HTML).text
    form = {"csrf_token": csrf, "name": "政府采购管理系统", "role": "business_system", "department": "CZJ"}
    made = client.post("/console/api-clients", data=form, headers=HTML)
    assert made.status_code == 200 and "仅显示这一次" in made.text
    key = re.search(r'id="new-key">([^<]+)<', made.text)
    assert key and key.group(1).startswith("xy_")
    stored = [c for c in auth.list_api_clients(db) if c.name == "政府采购管理系统"]
    assert len(stored) == 1 and stored[0].department_code == "CZJ" and key.group(1) not in stored[0].key_hash
    listing = client.get("/console/api-clients", headers=HTML).text
    assert "政府采购管理系统" in listing and "<td>市财政局</td>" in listing and ">CZJ<" not in listing
    assert key.group(1) not in listing, "the key is shown once, never in the list"
    assert auth.resolve_api_key(db, key.group(1)) is not None

    hook = {"csrf_token": csrf, "webhook_url": "https://caigou.example.org/xinyong/notices"}
    answer = client.post(f"/console/api-clients/{stored[0].id}/webhook", data=hook, headers=HTML)
    assert answer.status_code == 200 and 'id="new-secret">whsec_' in answer.text
    assert auth.list_api_clients(db)[-1].webhook_url == hook["webhook_url"]

    bad = client.post("/console/api-clients", data={**form, "name": ""}, headers=HTML)
    assert bad.status_code == 422 and "名称" in bad.text
    revoked = client.post(f"/console/api-clients/{stored[0].id}/revoke", data={"csrf_token": csrf}, headers=HTML)
    assert revoked.status_code == 303
    shown = client.get(revoked.headers["location"], headers=HTML).text
    assert "已吊销" in shown and "立即失效" in shown
    assert auth.resolve_api_key(db, key.group(1)) is None


def test_only_the_office_manages_keys(db: Session) -> None:
    builders.departments(db)
    client = console_client(db)
    make_user(db, "wangfang", Role.AUDITOR, display_name="王芳")
    csrf = sign_in(client, "wangfang")
    assert client.get("/console/api-clients", headers=HTML).status_code == 403
    form = {"csrf_token": csrf, "name": "某系统", "role": "business_system"}
    assert client.post("/console/api-clients", data=form, headers=HTML).status_code == 403
    assert auth.list_api_clients(db) == []
