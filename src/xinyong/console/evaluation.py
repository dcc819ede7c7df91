"""公共信用综合评价 in the console (信用评价): the grade distribution with a chart, the model versions, and for the
credit office a form to publish a new model version (JSON). Every change goes through
:mod:`xinyong.evaluation.service`, which checks the right and audits it."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.console.pages import chinese_part, console_router, page
from xinyong.core.actor import Actor, Role
from xinyong.core.auth.access import OFFICE, STAFF, require
from xinyong.core.errors import Conflict, Forbidden, InvalidInput
from xinyong.core.http import CurrentActor, DbSession
from xinyong.evaluation import service, views
from xinyong.evaluation.rules import GRADE_LABELS, Grade

router = console_router()
MAX_MODEL_TEXT = 100_000


def _page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    draft: str | None = None,
    note: str = "",
    error: InvalidInput | Conflict | Forbidden | None = None,
    published: int | None = None,
) -> HTMLResponse:
    version, counts, stale, total = service.distribution(session)
    models = views.models(session)
    graded = sum(counts.values())
    rows = [
        {
            "grade": str(g),
            "label": GRADE_LABELS[g],
            "count": counts[str(g)],
            "share": counts[str(g)] / graded if graded else None,
        }
        for g in Grade
    ]
    chart = {"labels": [f"{r['grade']} {r['label']}" for r in rows], "values": [r["count"] for r in rows]}
    context: dict[str, Any] = {
        "rows": rows,
        "chart": chart,
        "graded": graded,
        "entities": total,
        "stale": stale,
        "version": version,
        "models": models,
        "draft": draft if draft is not None else json.dumps(models[0].definition, ensure_ascii=False, indent=2),
        "note": note,
        "error": error,
        "error_text": chinese_part(error.message) if error else "",
        "published": published,
        "may_publish": actor.role in {Role.CREDIT_OFFICE, Role.SYSTEM},
    }
    status = 200 if error is None else (409 if isinstance(error, Conflict) else 422)
    return page(request, session, actor, "console/evaluation.html", context, status_code=status)


@router.get("/evaluation", dependencies=[Depends(require(STAFF))])
def evaluation_page(
    request: Request, session: DbSession, actor: CurrentActor, published: int | None = None
) -> Response:
    return _page(request, session, actor, published=published)


@router.post("/evaluation/models", dependencies=[Depends(require(OFFICE))])
def publish_model(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    model: Annotated[str, Form(max_length=MAX_MODEL_TEXT)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Publish a new model version from the JSON in the form; a refused one shows the form again with the field."""
    del csrf_token  # checked by the session middleware
    try:
        try:
            definition = json.loads(model)
        except ValueError as bad:
            raise InvalidInput(f"the model is not valid JSON: {bad} (模型不是合法的JSON)", field="model") from None
        with session.begin_nested():
            row = service.publish_model(session, actor, definition, note)
    except (InvalidInput, Conflict, Forbidden) as refused:
        return _page(request, session, actor, draft=model, note=note, error=refused)
    return RedirectResponse(f"/console/evaluation?published={row.version}", status_code=303)
