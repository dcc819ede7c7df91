"""Department settings (部门设置), for the credit office: how each department's 法人 rows without 法定代表人 are treated
on import — accepted with a warning (the default: some departments' systems cannot send it) or refused."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from xinyong.console.pages import console_router, page
from xinyong.core.auth.access import OFFICE, require
from xinyong.core.departments import get_department, list_departments, set_legal_representative_rule
from xinyong.core.http import CurrentActor, DbSession

router = console_router()
CodePath = Annotated[str, Path(pattern="^[A-Za-z0-9]{1,16}$")]


@router.get("/departments", dependencies=[Depends(require(OFFICE))])
def departments(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    changed: Annotated[str | None, Query(pattern="^[A-Za-z0-9]{1,16}$")] = None,
) -> HTMLResponse:
    """Every department with its 法定代表人 rule and a form to change it."""
    rows = list_departments(session)
    notice = None
    if changed:
        found = {d.code: d for d in rows}.get(changed.upper())
        if found is not None:
            rule = "缺少法定代表人时退回" if found.require_legal_representative else "缺少法定代表人时提示并接收"
            notice = f"已更新{found.short_name}的设置：{rule}。"
    return page(request, session, actor, "console/departments.html", {"rows": rows, "notice": notice})


@router.post("/departments/{code}/legal-representative-rule", dependencies=[Depends(require(OFFICE))])
def change_rule(
    session: DbSession,
    actor: CurrentActor,
    code: CodePath,
    csrf_token: Annotated[str, Form(max_length=200)],
    require_representative: Annotated[str, Form(pattern="^[01]$")],
) -> Response:
    """Set the department's rule (audited); back to the list."""
    department = get_department(session, code)  # 404 for an unknown code
    set_legal_representative_rule(session, actor, department.code, require_representative == "1")
    return RedirectResponse(f"/console/departments?changed={department.code}", status_code=303)
