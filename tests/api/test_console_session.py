"""Signing in and out of the console with real credentials: cookies, login CSRF, lockout, password change."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from tests.support.console_helpers import HTML, PASSWORD, console_client, hidden, make_user, post_login, sign_in
from xinyong.console.pages import safe_next
from xinyong.core import clock
from xinyong.core.actor import Role
from xinyong.core.auth import service as auth
from xinyong.core.http import SESSION_COOKIE


def test_login_sets_a_safe_session_cookie_and_leads_to_the_dashboard(db: Session) -> None:
    client = console_client(db)
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    answer = post_login(client, "ZhangMin", next_path="/console/account")
    assert answer.status_code == 303 and answer.headers["location"] == "/console/account"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "="))
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "path=/", "samesite=lax"} <= flags and "secure" not in flags
    page = client.get("/console", headers=HTML)
    assert page.status_code == 200 and "张敏" in page.text and "部门经办" in page.text


def test_session_cookie_is_secure_over_https(db: Session) -> None:
    client = console_client(db, base_url="https://testserver")
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    answer = post_login(client, "zhangmin")
    cookies = answer.headers.get_list("set-cookie")
    assert any(c.startswith(SESSION_COOKIE + "=") and "Secure" in c for c in cookies)


def test_wrong_password_and_unknown_user_read_the_same(db: Session) -> None:
    client = console_client(db)
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    wrong = post_login(client, "zhangmin", "Wrong-password-1")
    unknown = post_login(client, "nobody", "Wrong-password-1")
    for answer in (wrong, unknown):
        assert answer.status_code == 401 and "用户名或密码错误" in answer.text
        assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")
    assert 'value="zhangmin"' in wrong.text  # the username is kept, the password never echoed
    assert "Wrong-password-1" not in wrong.text


def test_lockout_is_said_and_lasts(db: Session) -> None:
    client = console_client(db)
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    clock.freeze(dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC))
    for _ in range(auth.LOCK_AFTER):
        assert "用户名或密码错误" in post_login(client, "zhangmin", "Wrong-password-1").text
    locked = post_login(client, "zhangmin")  # the right password, but locked
    assert locked.status_code == 401 and "账号已临时锁定" in locked.text
    clock.freeze(dt.datetime(2026, 3, 2, 1, 16, tzinfo=dt.UTC))
    assert post_login(client, "zhangmin").status_code == 303


def test_login_form_cannot_be_forged(db: Session) -> None:
    client = console_client(db)
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    token = hidden(client.get("/console/login", headers=HTML).text, "login_token")
    attempts = [
        {"login_token": token + "x"},  # tampered signature
        {"login_token": "forged"},
    ]
    for extra in attempts:
        answer = client.post("/console/login", data={"username": "zhangmin", "password": PASSWORD, **extra})
        assert answer.status_code == 403 and "页面已过期" in answer.text
    client.cookies.clear()  # another site's form: it has a token of its own, but not the victim's cookie
    answer = client.post("/console/login", data={"login_token": token, "username": "zhangmin", "password": PASSWORD})
    assert answer.status_code == 403
    assert client.post("/console/login", data={"username": "zhangmin", "password": PASSWORD}).status_code == 422


def test_logout_needs_csrf_and_ends_the_session(db: Session) -> None:
    client = console_client(db)
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    csrf = sign_in(client, "zhangmin")
    cookie = client.cookies[SESSION_COOKIE]
    assert client.post("/console/logout", data={"csrf_token": "wrong"}).status_code == 403
    assert client.get("/console").status_code == 200  # still signed in
    answer = client.post("/console/logout", data={"csrf_token": csrf})
    assert answer.status_code == 303 and answer.headers["location"] == "/console/login?signed_out=1"
    assert SESSION_COOKIE not in client.cookies
    client.cookies.set(SESSION_COOKIE, cookie)  # the old cookie no longer opens anything
    assert client.get("/console").status_code == 401
    assert "已安全退出" in client.get("/console/login?signed_out=1").text


def test_signed_in_user_visiting_login_goes_to_the_console(db: Session) -> None:
    client = console_client(db)
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    sign_in(client, "zhangmin")
    answer = client.get("/console/login?next=/console/account")
    assert answer.status_code == 303 and answer.headers["location"] == "/console/account"


def test_disabling_an_account_ends_its_console_session(db: Session) -> None:
    client = console_client(db)
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    sign_in(client, "zhangmin")
    auth.set_active(db, auth.actor_for_user(make_user(db, "xinyongban", Role.CREDIT_OFFICE)), "zhangmin", False)
    assert client.get("/console").status_code == 401
    assert "用户名或密码错误" in post_login(client, "zhangmin").text


def test_change_own_password(db: Session) -> None:
    client = console_client(db)
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    csrf = sign_in(client, "zhangmin")
    new = "Lushan-Poyang-7"
    cases = [
        ({"current_password": "Wrong-password-1", "new_password": new, "new_password_confirm": new}, "当前密码错误"),
        ({"current_password": PASSWORD, "new_password": new, "new_password_confirm": new + "x"}, "两次输入"),
        ({"current_password": PASSWORD, "new_password": "short", "new_password_confirm": "short"}, "至少包含"),
    ]
    for data, message in cases:
        answer = client.post("/console/account", data={"csrf_token": csrf, **data}, headers=HTML)
        assert answer.status_code == 422 and message in answer.text
    form = {"current_password": PASSWORD, "new_password": new, "new_password_confirm": new}
    assert client.post("/console/account", data=form, headers=HTML).status_code == 403  # no CSRF token
    done = client.post("/console/account", data={"csrf_token": csrf, **form}, headers=HTML)
    assert done.status_code == 200 and "密码已修改" in done.text
    assert auth.authenticate(db, "zhangmin", new).username == "zhangmin"


def test_safe_next_keeps_to_the_console() -> None:
    assert safe_next("/console/audit?action=auth:") == "/console/audit?action=auth:"
    assert safe_next("/console") == "/console"
    for bad in (
        None,
        "",
        "https://evil.example/console",
        "//evil.example/console",
        "/console//evil.example",
        "/console\\@evil",
        "/consolexyz",
        "/console/logout",
        "/console/login?next=/console",
        "/",
    ):
        assert safe_next(bad) == "/console", bad
