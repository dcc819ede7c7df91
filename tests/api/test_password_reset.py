"""The credit office resets a staff account's password (issue 23): a temporary password shown once, every session
of the account ended, the change forced at the next sign-in (nothing else reachable until then), audited without
the password; the same by ``xinyong users reset-password``."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.support import builders
from tests.support.console_helpers import HTML, console_client, hidden, make_user, post_login, sign_in
from xinyong.cli import app
from xinyong.core import audit
from xinyong.core.actor import Role
from xinyong.core.auth import service as auth
from xinyong.core.db import Database, set_database

NEW = "Lushan-Poyang-7"


def _temporary(page: str) -> str:
    found = re.search(r'<strong class="secret" translate="no">([^<]+)</strong>', page)
    assert found, "no temporary password shown"
    return found.group(1)


def test_the_office_resets_a_password_and_the_holder_must_change_it(db: Session) -> None:
    holder = console_client(db)
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    sign_in(holder, "zhangmin")
    office = console_client(db)
    make_user(db, "xinyongban", Role.CREDIT_OFFICE)
    csrf = sign_in(office, "xinyongban")

    answer = office.post("/console/users/zhangmin/password-reset", data={"csrf_token": csrf}, headers=HTML)
    assert answer.status_code == 200, answer.text
    temporary = _temporary(answer.text)
    auth.check_password_strength(temporary)
    assert "只显示这一次" in answer.text and answer.headers["Cache-Control"] == "no-store"
    assert temporary not in office.get("/console/users", headers=HTML).text  # shown once
    assert "待改临时密码" in office.get("/console/users", headers=HTML).text
    assert holder.get("/console", headers=HTML).status_code == 401  # the holder's session has ended
    event = db.scalars(select(audit.AuditEvent).where(audit.AuditEvent.action == "auth:user:password_reset")).one()
    assert event.subject_id == "zhangmin" and event.actor_id == "user:xinyongban"
    assert temporary not in str(event.payload) and event.payload["sessions_ended"] == 1

    fresh = console_client(db)
    assert post_login(fresh, "zhangmin", temporary).status_code == 303
    for path in ("/console", "/console/upload", "/console/batches"):
        sent = fresh.get(path, headers=HTML)
        assert sent.status_code == 303 and sent.headers["location"] == "/console/account", path
    assert fresh.get("/api/v1/entities").json()["error"] == "password_change_required"
    form_page = fresh.get("/console/account", headers=HTML)
    assert form_page.status_code == 200 and "您的密码已由信用办重置" in form_page.text
    csrf = hidden(form_page.text, "csrf_token")
    same = {"csrf_token": csrf, "current_password": temporary, "new_password": temporary}
    assert fresh.post("/console/account", data=same | {"new_password_confirm": temporary}).status_code == 422
    form = {"csrf_token": csrf, "current_password": temporary, "new_password": NEW, "new_password_confirm": NEW}
    changed = fresh.post("/console/account", data=form, headers=HTML)
    assert changed.status_code == 200 and "现在可以正常使用管理后台" in changed.text
    assert fresh.get("/console", headers=HTML).status_code == 200
    assert not auth.get_user(db, "zhangmin").must_change_password
    assert auth.authenticate(db, "zhangmin", NEW).username == "zhangmin"


def test_who_may_reset_and_whom(db: Session) -> None:
    office = console_client(db)
    make_user(db, "xinyongban", Role.CREDIT_OFFICE)
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    csrf = sign_in(office, "xinyongban")
    own = office.post("/console/users/xinyongban/password-reset", data={"csrf_token": csrf}, headers=HTML)
    assert own.status_code == 409 and "修改自己的密码" in own.text
    nobody = office.post("/console/users/nobody/password-reset", data={"csrf_token": csrf}, headers=HTML)
    assert nobody.status_code == 404
    assert office.post("/console/users/zhangmin/password-reset", data={}, headers=HTML).status_code in (403, 422)
    operator = console_client(db)
    make_user(db, "liuyang", Role.DEPT_OPERATOR, "SCJGJ")
    csrf = sign_in(operator, "liuyang")
    refused = operator.post("/console/users/zhangmin/password-reset", data={"csrf_token": csrf}, headers=HTML)
    assert refused.status_code == 403
    assert not auth.get_user(db, "zhangmin").must_change_password


def test_cli_reset_password(committing_db: Database) -> None:
    with committing_db.unit_of_work() as session:
        builders.departments(session)
        make_user(session, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    set_database(committing_db)
    try:
        runner = CliRunner()
        done = runner.invoke(app, ["users", "reset-password", "zhangmin"])
        assert done.exit_code == 0, done.output
        temporary = done.output.split("(shown once): ", 1)[1].split()[0]
        with committing_db.unit_of_work() as session:
            user = auth.authenticate(session, "zhangmin", temporary)
            assert user.must_change_password
            assert (
                session.scalars(
                    select(audit.AuditEvent.actor_id).where(audit.AuditEvent.action == "auth:user:password_reset")
                )
                .one()
                .startswith("cli:")
            )
        assert runner.invoke(app, ["users", "reset-password", "nobody"]).exit_code == 1
    finally:
        set_database(None)
