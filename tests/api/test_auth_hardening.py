"""Issue 23, items 6–8: a report for an unknown USCC is a 404, a password change or reset ends the account's other
sessions, and every page carries the security headers (personal pages never cached)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.console_helpers import HTML, PASSWORD, console_client, make_user, sign_in
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.http import CONTENT_SECURITY_POLICY, SESSION_COOKIE

NEW = "Lushan-Poyang-7"


def test_a_report_for_a_valid_but_unknown_uscc_is_a_404(db: Session, as_actor: Callable[[Actor], TestClient]) -> None:
    unknown = builders.new_uscc()  # a valid code (check digit right) of no entity on the register
    public = as_actor(Actor.public())
    for path in ("/api/v1/reports", "/api/v1/reports/pdf"):
        answer = public.post(path, json={"uscc": unknown})
        assert answer.status_code == 404, answer.text
        body = answer.json()
        assert body["error"] == "not_found" and body["field"] == "uscc" and "未找到" in body["message"]
    assert public.post("/api/v1/reports", json={"uscc": "91360405MA35"}).status_code == 404  # an unknown old code
    assert public.post("/api/v1/reports", json={"uscc": unknown[:-1] + "X"}).status_code == 422  # bad check digit


def _second_browser(db: Session, first: TestClient) -> TestClient:
    other = console_client(db)
    sign_in(other, "zhangmin")
    assert other.cookies[SESSION_COOKIE] != first.cookies[SESSION_COOKIE]
    return other


def test_changing_ones_password_ends_the_other_sessions_only(db: Session) -> None:
    laptop = console_client(db)
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    csrf = sign_in(laptop, "zhangmin")
    phone = _second_browser(db, laptop)
    form = {"csrf_token": csrf, "current_password": PASSWORD, "new_password": NEW, "new_password_confirm": NEW}
    done = laptop.post("/console/account", data=form, headers=HTML)
    assert done.status_code == 200 and "其他设备上的登录已退出" in done.text
    assert laptop.get("/console", headers=HTML).status_code == 200, "the session that changed it stays"
    assert phone.get("/console", headers=HTML).status_code == 401, "the other session has ended"


def test_an_office_reset_ends_every_session(db: Session) -> None:
    laptop = console_client(db)
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    sign_in(laptop, "zhangmin")
    phone = _second_browser(db, laptop)
    office = auth.actor_for_user(make_user(db, "xinyongban", Role.CREDIT_OFFICE))
    auth.set_password(db, office, "zhangmin", NEW, keep_session="ignored-for-a-reset")
    assert laptop.get("/console", headers=HTML).status_code == 401
    assert phone.get("/console", headers=HTML).status_code == 401
    assert auth.authenticate(db, "zhangmin", NEW).username == "zhangmin"


def _security_headers_present(answer_headers: object, *, html: bool) -> None:
    headers = answer_headers  # httpx Headers
    assert headers["X-Content-Type-Options"] == "nosniff"  # type: ignore[index]
    assert headers["X-Frame-Options"] == "DENY"  # type: ignore[index]
    assert headers["Referrer-Policy"] == "same-origin"  # type: ignore[index]
    if html:
        policy = headers["Content-Security-Policy"]  # type: ignore[index]
        assert "frame-ancestors 'none'" in policy and "script-src 'self';" in policy
        assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]


def test_security_headers_on_portal_console_and_my_pages(db: Session) -> None:
    client = console_client(db)
    made = builders.entity(db, name="共青城安全头测试有限公司")
    home = client.get("/", headers=HTML)
    assert home.status_code == 200
    _security_headers_present(home.headers, html=True)
    assert "no-store" not in home.headers.get("Cache-Control", ""), "public pages may be cached"
    api = client.get("/api/v1/departments")
    _security_headers_present(api.headers, html=False)
    login = client.get("/console/login", headers=HTML)
    _security_headers_present(login.headers, html=True)
    assert login.headers["Cache-Control"] == "no-store"
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    sign_in(client, "zhangmin")
    for path in ("/console", "/console/account", "/console/timeliness"):
        page = client.get(path, headers=HTML)
        assert page.status_code == 200, path
        _security_headers_present(page.headers, html=True)
        assert page.headers["Cache-Control"] == "no-store", path
    signed_in_api = client.get("/api/v1/departments")
    assert signed_in_api.headers["Cache-Control"] == "no-store", "an answer to a signed-in caller is not cached"
    entity = console_client(db)
    auth.create_user(
        db, auth.Actor(role=Role.CREDIT_OFFICE, id="user:o"), username="qiye", display_name="企业", role=Role.ENTITY,
        password=PASSWORD, entity_uscc=made.uscc,
    )  # fmt: skip
    sign_in(entity, "qiye")
    for path in ("/my/objections", "/my/self-reports", "/my/commitments"):
        page = entity.get(path, headers=HTML)
        assert page.status_code == 200, (path, page.text[:300])
        _security_headers_present(page.headers, html=True)
        assert page.headers["Cache-Control"] == "no-store", path
    anonymous_my = console_client(db).get("/my/objections", headers=HTML)
    assert anonymous_my.headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script() -> None:
    """The policy allows scripts from this site only, so no template may carry an inline script or handler."""
    import re
    from pathlib import Path

    import xinyong

    root = Path(xinyong.__file__).parent
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    offenders = []
    for template in root.glob("*/templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        if inline_script.search(text) or handler.search(text) or "javascript:" in text:
            offenders.append(str(template.relative_to(root)))
    assert offenders == [], f"inline scripts break under {CONTENT_SECURITY_POLICY!r}: {offenders}"


def test_an_id_beyond_the_databases_integers_is_bad_input_not_a_500(
    db: Session, as_actor: Callable[[Actor], TestClient]
) -> None:
    """Found by the fuzzing: ids are declared up to 2**62, PostgreSQL's id columns stop at 2**31 - 1."""
    answer = as_actor(Actor.public()).get(f"/api/v1/records/{2**40}")
    expected = 422 if db.get_bind().dialect.name == "postgresql" else 404  # SQLite's integers are 64-bit
    assert answer.status_code == expected, answer.text
    assert answer.json()["error"] == ("invalid" if expected == 422 else "not_found")


def test_an_unknown_id_type_when_proposing_a_list_entry_is_bad_input(
    db: Session, as_actor: Callable[[Actor], TestClient]
) -> None:
    """Found by the fuzzing: a person subject with an id_type of no kind answered 500 (ValueError)."""
    department = as_actor(Actor(role=Role.DEPT_OPERATOR, id="api:1", department_code="SCJGJ"))
    subject = {"id_type": "no-such-type", "id_number": "X1234567", "name": "张三"}
    answer = department.post(
        "/api/v1/list-entries", json={"list_type": "serious", "facts": "f", "basis": "b", "subject": subject}
    )
    assert answer.status_code == 422, answer.text
