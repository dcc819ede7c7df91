"""Console pages of the portal's content (网站内容): the list, the editor (rich text in the vendored Trix editor,
images and attachments), versions, the review steps and the history. Editors write and send for review; reviewers
(and the credit office) publish at once or at a time, return with a comment, withdraw. Every step goes through
``content.service``, which audits it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from xinyong.console.forms import NoticeCode, back, read_notices, refusal, take_step
from xinyong.console.pages import PageState, console_router, page
from xinyong.content import rules, service
from xinyong.content.rules import CATEGORIES, KIND_LABELS, KIND_PATHS, POLICY_STATUSES, Kind, Status
from xinyong.content.schemas import ItemIn
from xinyong.core.actor import Actor
from xinyong.core.auth.access import CONTENT_EDIT, CONTENT_REVIEW, require
from xinyong.core.clock import BEIJING
from xinyong.core.errors import InvalidInput, XinyongError
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.transitions import Parties
from xinyong.core.workflow import history

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))
ItemId = Annotated[int, Path(ge=1, le=2**62)]
FileId = Annotated[int, Path(ge=1, le=2**62)]
Text = Annotated[str, Form(max_length=2000)]
HOME = "/console/content"
EDIT = [Depends(require(CONTENT_EDIT))]
REVIEW = [Depends(require(CONTENT_REVIEW))]
FORM_FIELDS = (
    "title", "category", "summary", "body", "doc_number", "issuer", "issued_on", "effective_on", "policy_status",
    "steps", "materials", "contact", "links",
)  # fmt: skip


def _may_review(actor: Actor) -> bool:
    return CONTENT_REVIEW.allows(actor.role)


def _common(kind: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "kind_label": KIND_LABELS.get(kind, ""),
        "kind_path": KIND_PATHS.get(kind, ""),
        "categories": CATEGORIES.get(kind, ()),
        "policy_statuses": POLICY_STATUSES,
        "limits": rules.GUIDE_LIMITS,
        "field_labels": rules.FIELD_LABELS,
    }


@router.get("/content", dependencies=EDIT)
def content_list(
    screen: PageState,
    kind: Annotated[str, Query(max_length=16)] = "",
    status: Annotated[str, Query(max_length=8)] = "",
) -> HTMLResponse:
    items = service.list_items(screen.session, screen.actor, kind=kind or None, status=status or None)
    context: dict[str, Any] = {
        "items": items,
        "kinds": KIND_LABELS,
        "paths": KIND_PATHS,
        "statuses": [s.value for s in Status],
        "kind": kind,
        "status": status,
        "may_review": _may_review(screen.actor),
    }
    return screen.show("console/content/list.html", context)


@router.get("/content/new", dependencies=EDIT)
def new_item_form(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    kind: Annotated[Kind, Query()] = Kind.NEWS,
    error: NoticeCode = None,
) -> HTMLResponse:
    context: dict[str, Any] = {**_common(kind), "item": None, "values": {}, "action": f"{HOME}/new?kind={kind}"}
    context.update(read_notices(None, error))
    return page(request, session, actor, "console/content/edit.html", context)


def _item_in(kind: str, form: dict[str, str]) -> ItemIn:
    values: dict[str, Any] = {"kind": kind}
    for name in FORM_FIELDS:
        value = form.get(name, "")
        values[name] = value if value.strip() or name == "body" else None
    return ItemIn.model_validate(values)


async def _form_values(request: Request) -> dict[str, str]:
    form = await request.form()
    return {name: str(form.get(name) or "") for name in FORM_FIELDS}


@router.post("/content/new", dependencies=EDIT)
async def create_item(
    request: Request, session: DbSession, actor: CurrentActor, kind: Annotated[Kind, Query()]
) -> Response:
    values = await _form_values(request)

    def work() -> Response:
        try:
            with session.begin_nested():
                item = service.create_item(session, actor, _item_in(kind, values))
        except (XinyongError, ValidationError) as refused:
            return back(f"{HOME}/new", error=refusal(refused), kind=str(kind))
        return back(f"{HOME}/{item.id}", f"已保存为草稿（第 {item.version} 版）")

    return await run_in_threadpool(work)


def _values_of(version: Any) -> dict[str, Any]:
    fields = dict(version.fields or {})
    values: dict[str, Any] = {
        "title": version.title,
        "category": version.category or "",
        "summary": version.summary or "",
        "body": version.body,
        **{k: v or "" for k, v in fields.items() if k not in ("steps", "materials", "links")},
    }
    values["steps"] = "\n".join(fields.get("steps") or [])
    values["materials"] = "\n".join(fields.get("materials") or [])
    values["links"] = " ".join(f"{link['type']}:{link['id']}" for link in fields.get("links") or [])
    return values


def _local(moment: dt.datetime | None) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if moment else ""


def _edit_context(session: Session, actor: Actor, item_id: int) -> dict[str, Any]:
    item = service.get_item(session, actor, item_id)
    versions = service.versions_of(session, actor, item_id)
    table = service.CONTENT.table
    steps = table.allowed_for(table.status_of(item.status), actor, Parties(department=None))
    return {
        **_common(item.kind),
        "item": item,
        "values": _values_of(versions[0]),
        "versions": versions,
        "files": service.files_of(session, actor, item_id),
        "steps": [str(s) for s in steps],
        "history": history(session, service.CONTENT, item_id),
        "action": f"{HOME}/{item_id}",
        "publish_at": _local(item.publish_at),
        "withdraw_at": _local(item.withdraw_at),
        "live": item.live_version is not None,
    }


@router.get("/content/{item_id}", dependencies=EDIT)
def edit_item_form(item_id: ItemId, screen: PageState) -> HTMLResponse:
    return screen.show("console/content/edit.html", _edit_context(screen.session, screen.actor, item_id))


@router.post("/content/{item_id}", dependencies=EDIT)
async def save_item(item_id: ItemId, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    values = await _form_values(request)

    def save() -> Any:
        kind = service.get_item(session, actor, item_id).kind
        return service.save_item(session, actor, item_id, _item_in(kind, values))

    def work() -> Response:
        return take_step(
            session, save, f"{HOME}/{item_id}", lambda item: f"已保存（第 {item.version} 版，{item.status}）"
        )

    return await run_in_threadpool(work)


@router.get("/content/{item_id}/versions/{version}", dependencies=EDIT)
def version_page(
    item_id: ItemId,
    version: Annotated[int, Path(ge=1, le=100_000)],
    request: Request,
    session: DbSession,
    actor: CurrentActor,
) -> HTMLResponse:
    item = service.get_item(session, actor, item_id)
    row = service.version_of(session, actor, item_id, version)
    context = {**_common(item.kind), "item": item, "version": row, "body": rules.sanitise(row.body)}
    return page(request, session, actor, "console/content/version.html", context)


def _step(session: Session, item_id: int, done: str, work: Any) -> Response:
    return take_step(session, work, f"{HOME}/{item_id}", done)


def _moment(value: str, field: str) -> dt.datetime | None:
    text = value.strip()
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        raise InvalidInput("时间格式应为 年-月-日 时:分", field=field) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BEIJING)  # the form speaks Beijing time
    return moment


@router.post("/content/{item_id}/submit", dependencies=EDIT)
def submit_item(item_id: ItemId, session: DbSession, actor: CurrentActor, csrf_token: Text) -> Response:
    return _step(session, item_id, "已送审，等待内容审核人员审核", lambda: service.submit(session, actor, item_id))


@router.post("/content/{item_id}/return", dependencies=REVIEW)
def return_item(
    item_id: ItemId, session: DbSession, actor: CurrentActor, csrf_token: Text, comment: Text = ""
) -> Response:
    return _step(session, item_id, "已退回编辑修改", lambda: service.return_item(session, actor, item_id, comment))


@router.post("/content/{item_id}/publish", dependencies=REVIEW)
def publish_item(
    item_id: ItemId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Text,
    publish_at: Annotated[str, Form(max_length=32)] = "",
    withdraw_at: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    def work() -> None:
        start, end = _moment(publish_at, "publish_at"), _moment(withdraw_at, "withdraw_at")
        service.publish(session, actor, item_id, publish_at=start, withdraw_at=end)

    return _step(session, item_id, "已审核发布（定时发布的，到时自动上线）", work)


@router.post("/content/{item_id}/withdraw", dependencies=REVIEW)
def withdraw_item(
    item_id: ItemId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Text,
    reason: Text = "",
    at: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    def work() -> None:
        service.withdraw(session, actor, item_id, reason=reason, at=_moment(at, "at"))

    return _step(session, item_id, "已撤回（定时撤回的，到时自动下线）", work)


def _read_upload(file: UploadFile | None, image: bool) -> tuple[str, bytes]:
    if file is None or not (file.filename or "").strip():
        raise InvalidInput("请选择要上传的文件", field="file")
    limit = rules.MAX_IMAGE_BYTES if image else rules.MAX_ATTACHMENT_BYTES
    data = file.file.read(limit + 1)  # bounded: one byte past the limit is enough to refuse
    return file.filename or "", data


@router.post("/content/{item_id}/files", dependencies=EDIT)
def upload_file(
    item_id: ItemId,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Text,
    file: Annotated[UploadFile | None, File()] = None,
    image: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    """An attachment (from the form) or an image (from the editor, answered as JSON with its address)."""
    as_image = image == "1"
    editor = request.headers.get("accept", "").startswith("application/json")
    try:
        with session.begin_nested():
            name, data = _read_upload(file, as_image)
            row = service.add_file(session, actor, item_id, name, data, image=as_image)
    except XinyongError as refused:
        if editor:
            return JSONResponse({"error": refusal(refused)}, status_code=refused.status)
        return back(f"{HOME}/{item_id}", error=refusal(refused))
    if editor:
        return JSONResponse({"id": row.id, "url": f"{rules.FILES_PREFIX}{row.id}", "filename": row.filename})
    return back(f"{HOME}/{item_id}", f"已上传：{row.filename}")


@router.post("/content/{item_id}/files/{attachment_id}/remove", dependencies=EDIT)
def remove_file(
    item_id: ItemId, attachment_id: FileId, session: DbSession, actor: CurrentActor, csrf_token: Text
) -> Response:
    return _step(session, item_id, "已移除文件", lambda: service.remove_file(session, actor, item_id, attachment_id))
