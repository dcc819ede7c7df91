"""The audit log as a person reads it: a Chinese label per event type, who acted (name, role, department), which
subject, and the payload as labelled fields. The chain itself (``core.audit``) keeps its machine names; this module
only translates them for the page and the CSV export.

An action the table below does not name yet (a new area's event) is labelled from its parts (area, object, verb),
so every event reads as Chinese even before someone writes its label.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.console.audit_labels import ACTIONS, AREAS, FIELDS, OBJECTS, SUBJECTS, VALUES, VERBS
from xinyong.core.audit import AuditEvent
from xinyong.core.auth.models import User
from xinyong.core.display import beijing, department_name, role_name

_ASCII_WORD = re.compile(r"[A-Za-z]{3,}")


def _latin(text: str) -> bool:
    """Whether a value holds a Latin word (a data code such as ``privacy-review``), shown only as an identifier."""
    return bool(_ASCII_WORD.search(text))


def action_label(action: str) -> str:
    """The Chinese for an event type; one not in the table is read from its parts."""
    known = ACTIONS.get(action)
    if known:
        return known
    parts = action.split(":")
    area = AREAS.get(parts[0], "平台") if parts else "平台"
    thing = OBJECTS.get(parts[1], "") if len(parts) > 1 else ""
    verb = VERBS.get(parts[2], "办理") if len(parts) > 2 else "办理"
    return f"{area}：{thing}{verb}" if thing else f"{area}：{verb}"


def subject_label(subject_type: str) -> str:
    return SUBJECTS.get(subject_type, "对象")


# a moment as the audit chain keeps it (ISO 8601 with a time): shown in Beijing time like every other time on screen
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?")


def _value_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        if value in VALUES:
            return VALUES[value]
        if _MOMENT.fullmatch(value):
            try:
                return beijing(dt.datetime.fromisoformat(value))
            except ValueError:
                return value
        named = department_name(value)
        return named if named != value else value
    if isinstance(value, list):
        return "、".join(_value_text(v) for v in value[:50]) + ("……" if len(value) > 50 else "")
    if isinstance(value, dict):
        return "；".join(f"{field_label(k)}：{_value_text(v)}" for k, v in list(value.items())[:30])
    return str(value)


def field_label(key: str) -> str:
    if key in FIELDS:
        return FIELDS[key]
    base = key.removesuffix("_id").removesuffix("_ids")
    return FIELDS.get(base, SUBJECTS.get(base, "其他"))


@dataclass(frozen=True)
class Field:
    label: str
    value: str
    raw_key: str

    @property
    def raw(self) -> bool:
        """A value that is a data code, shown as stored (the page marks it ``translate="no"``)."""
        return _latin(self.value)


@dataclass(frozen=True)
class EventView:
    """One audit event as the page shows it."""

    seq: int
    at: dt.datetime
    when: str
    action: str
    label: str
    who: Markup
    role: str
    department: str
    subject: str
    subject_id: str
    fields: list[Field]
    hash: str
    prev_hash: str

    @property
    def summary(self) -> str:
        text = "；".join(f"{f.label}：{f.value}" for f in self.fields[:4] if not _latin(f.value))
        return text if len(text) <= 120 else text[:119] + "…"


def people(session: Session, actor_ids: set[str]) -> dict[str, Markup]:
    """Each actor as the log shows them (name and username, or the kind of actor), for pages that list actors."""
    names = _names(session, actor_ids)
    return {actor_id: _who(actor_id, names) for actor_id in actor_ids}


def _names(session: Session, actor_ids: set[str]) -> dict[str, str]:
    usernames = [a.removeprefix("user:") for a in actor_ids if a.startswith("user:")]
    if not usernames:
        return {}
    rows = session.execute(select(User.username, User.display_name).where(User.username.in_(usernames))).all()
    return {f"user:{username}": name or username for username, name in rows}


def _who(actor_id: str, names: dict[str, str]) -> Markup:
    """A person's name with their username (an identifier, marked ``translate="no"``), or the kind of actor."""
    if actor_id in names:
        return Markup('{}（<span translate="no">{}</span>）').format(names[actor_id], actor_id.removeprefix("user:"))
    kind, _, rest = actor_id.partition(":")
    prefixes = {"api": "业务系统", "system": "系统任务", "public": "社会公众", "entity": "市场主体", "platform": "平台"}
    if kind in prefixes:
        return Markup("{} {}").format(prefixes[kind], rest if not _latin(rest) else "").rstrip()
    return Markup('<span translate="no">{}</span>').format(actor_id)


def person(session: Session, actor_id: str) -> Markup:
    """Who one actor id is, as the audit log shows it: a person's name with their username, or the kind of actor."""
    return _who(actor_id, _names(session, {actor_id}))


def views(session: Session, events: list[AuditEvent]) -> list[EventView]:
    names = _names(session, {e.actor_id for e in events})
    return [view(e, names) for e in events]


def view(event: AuditEvent, names: dict[str, str]) -> EventView:
    payload = event.payload if isinstance(event.payload, dict) else {"value": event.payload}
    fields = [Field(field_label(str(k)), _value_text(v), str(k)) for k, v in payload.items()]
    return EventView(
        seq=event.seq,
        at=event.at,
        when=beijing(event.at, seconds=True),
        action=event.action,
        label=action_label(event.action),
        who=_who(event.actor_id, names),
        role=role_name(event.actor_role),
        department=department_name(event.actor_department) if event.actor_department else "",
        subject=subject_label(event.subject_type),
        subject_id=event.subject_id,
        fields=fields,
        hash=event.hash,
        prev_hash=event.prev_hash,
    )


def payload_json(event: AuditEvent) -> str:
    """The payload as stored, readable: UTF-8 characters, not ``\\u`` escapes."""
    return json.dumps(event.payload, ensure_ascii=False, indent=2, sort_keys=True)
