"""User management for the credit office (用户管理): list accounts, create one, disable or re-enable one, reset a
staff account's password (a temporary one, shown once, to be changed at the next sign-in).

Every change goes through :mod:`xinyong.core.auth.service`, which checks the actor's rights and audits it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.console.forms import NoticeCode, back, notice
from xinyong.console.login import PASSWORD_RULE
from xinyong.console.pages import chinese_part, console_router, page
from xinyong.core import clock
from xinyong.core.actor import ROLE_LABELS, Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.auth.access import OFFICE, require
from xinyong.core.auth.models import User
from xinyong.core.departments import list_departments
from xinyong.core.errors import Conflict, InvalidInput, NotFound, XinyongError
from xinyong.core.http import CurrentActor, DbSession

router = console_router()

ROLE_CHOICES = [
    (role, ROLE_LABELS[role])
    for role in (
        Role.DEPT_OPERATOR,
        Role.DEPT_REVIEWER,
        Role.CREDIT_OFFICE,
        Role.AUDITOR,
        Role.CONTENT_EDITOR,
        Role.CONTENT_REVIEWER,
        Role.ENTITY,
    )
]
FIELD_LABELS = {
    "username": "用户名",
    "display_name": "姓名",
    "role": "角色",
    "department": "所属部门",
    "entity_uscc": "统一社会信用代码",
    "password": "初始密码",
}
UsernamePath = Annotated[str, Path(max_length=64)]


def _row(user: User, department_names: dict[str, str]) -> dict[str, Any]:
    locked = user.locked_until is not None and user.locked_until > clock.now()
    return {
        "user": user,
        "role_label": ROLE_LABELS.get(user.role, user.role),
        "department": department_names.get(user.department_code or "", ""),
        "locked": locked,
    }


def _department_names(session: Session) -> dict[str, str]:
    return {d.code: d.short_name for d in list_departments(session)}


def _users_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    form: dict[str, str] | None = None,
    error: XinyongError | None = None,
    notice: str | None = None,
    temporary: tuple[str, str] | None = None,
) -> HTMLResponse:
    departments = list_departments(session)
    names = {d.code: d.short_name for d in departments}
    context = {
        "rows": [_row(user, names) for user in auth.list_users(session)],
        "departments": departments,
        "roles": ROLE_CHOICES,
        "password_rule": PASSWORD_RULE,
        "form": form or {},
        "error": error,
        "error_label": FIELD_LABELS.get(error.field or "", "") if error else "",
        "error_text": chinese_part(error.message) if error else "",
        "notice": notice,
        "temporary": temporary,  # (username, password): shown on this answer only, never stored or redirected
    }
    return page(request, session, actor, "console/users.html", context, error.status if error else 200)


@router.get("/users", dependencies=[Depends(require(OFFICE))])
def users(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    done: NoticeCode = None,
) -> HTMLResponse:
    return _users_page(request, session, actor, notice=notice(done, "done"))


@router.post("/users", dependencies=[Depends(require(OFFICE))])
def create_user(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    username: Annotated[str, Form(max_length=200)] = "",
    display_name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=32)] = "",
    department: Annotated[str, Form(max_length=32)] = "",
    entity_uscc: Annotated[str, Form(max_length=32)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Create an account; a refused one shows the form again with the field named (the password is not echoed)."""
    form = {
        "username": username,
        "display_name": display_name,
        "role": role,
        "department": department,
        "entity_uscc": entity_uscc,
    }
    try:
        if role not in {r for r, _ in ROLE_CHOICES}:
            raise InvalidInput("choose a role (请选择角色)", field="role")
        with session.begin_nested():  # nothing of a refused account stays, whatever was flushed before
            made = auth.create_user(
                session,
                actor,
                username=username,
                display_name=display_name,
                role=Role(role),
                password=password,
                department=department or None,
                entity_uscc=entity_uscc or None,
            )
    except (InvalidInput, Conflict, NotFound) as refused:
        return _users_page(request, session, actor, form=form, error=refused)
    return back("/console/users", message=f"已创建账号 {made.username}。")


@router.post("/users/{username}/active", dependencies=[Depends(require(OFFICE))])
def set_active(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    username: UsernamePath,
    csrf_token: Annotated[str, Form(max_length=200)],
    active: Annotated[str, Form(pattern="^[01]$")],
) -> Response:
    """Disable (``active=0``) or re-enable (``active=1``) an account; disabling ends its sessions at once. HTMX
    swaps the table row; without scripts the browser comes back to the list."""
    if active == "0" and actor.id == f"user:{username.strip().lower()}":
        raise Conflict("you cannot disable your own account (不能停用自己的账号)", field="username")
    user = auth.set_active(session, actor, username, active == "1")
    if request.headers.get("hx-request") == "true":
        row = _row(user, _department_names(session))
        return page(request, session, actor, "console/_user_row.html", {"row": row})
    return RedirectResponse("/console/users", status_code=303)


@router.post("/users/{username}/password-reset", dependencies=[Depends(require(OFFICE))])
def reset_password(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    username: UsernamePath,
    csrf_token: Annotated[str, Form(max_length=200)],
) -> Response:
    """Reset a staff account's password: the temporary password is shown once, on this answer (not in a URL, not
    kept); its holder must change it at the next sign-in; every session of the account ends. Audited."""
    try:
        with session.begin_nested():
            temporary = auth.reset_password(session, actor, username)
    except (InvalidInput, Conflict) as refused:
        return _users_page(request, session, actor, error=refused)
    user = auth.get_user(session, username)
    return _users_page(request, session, actor, temporary=(user.username, temporary))
