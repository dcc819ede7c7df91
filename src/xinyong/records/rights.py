"""Credit records: who reads which version (visibility, as of a moment), the content checks every write passes, and
the constants the service shares.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true

from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.clock import BEIJING
from xinyong.core.crypto import get_blind_index, get_cipher
from xinyong.core.errors import Forbidden, InvalidInput
from xinyong.core.masking import mask_id_number
from xinyong.core.pagination import PageRequest
from xinyong.records import privacy
from xinyong.records.models import CreditRecordVersion
from xinyong.records.rules import (
    MAX_CONTENT_KEYS,
    MAX_CONTENT_VALUE,
    PERSONAL_ID_KEYS,
    Disclosure,
    Status,
)
from xinyong.records.windows import published_condition

FIRST_PAGE = PageRequest()

CONTENT_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")

CONTENT_ID_CONTEXT = "credit_records.content_id"

PUBLIC_ROLES = frozenset({Role.PUBLIC, Role.BUSINESS_SYSTEM})

MATERIAL_FIELDS = (
    "subject_type",
    "subject_uscc",
    "subject_person_id",
    "subject_name",
    "title",
    "decision_date",
    "published_date",
    "disclosure",
    "severity",
    "status",
    "content",
)


def require_source(actor: Actor, department: str) -> None:
    """Only the source department (or the platform's own jobs acting for it) writes its records."""
    if actor.role == Role.SYSTEM:
        return
    if actor.is_department and actor.department_code == department:
        return
    raise Forbidden(f"only the source department {department} may change its records (仅数据来源部门可修改)")


def visibility(actor: Actor, on: dt.date | None = None) -> ColumnElement[bool]:
    """The one place that decides which record versions an actor may read (req §3.15). What the public reads is
    what is published on ``on`` (default today): 公开, in force, and inside a penalty's publicity period."""
    v = CreditRecordVersion
    public = published_condition(on or clock.today())
    if actor.sees_everything:
        return true()
    if actor.is_department:
        # shared with other departments while not repaired: a repaired record stops being shared (req §3.11)
        shared = and_(v.disclosure.in_([Disclosure.PUBLIC, Disclosure.CONDITIONAL]), v.status != Status.REPAIRED)
        return or_(v.source_department == (actor.department_code or ""), shared)
    if actor.role == Role.ENTITY and actor.entity_uscc:
        return or_(v.subject_uscc == actor.entity_uscc, public)
    if actor.role in PUBLIC_ROLES or actor.role == Role.ENTITY:
        return public
    return false()


def _as_of(moment: dt.datetime | None) -> ColumnElement[bool]:
    v = CreditRecordVersion
    if moment is None:
        return v.valid_to.is_(None)
    return and_(v.valid_from <= moment, or_(v.valid_to.is_(None), v.valid_to > moment))


def visible_versions(
    actor: Actor, as_of: dt.datetime | None = None, *, on: dt.date | None = None
) -> Select[CreditRecordVersion]:
    """Every read of records starts here, so a forgotten filter cannot leak data. ``as_of`` picks the versions
    recorded at that moment; ``on`` is the day whose publication the public sees (default: the ``as_of`` day, else
    today)."""
    if on is None and as_of is not None:
        on = as_of.astimezone(BEIJING).date()
    return select(CreditRecordVersion).where(_as_of(as_of), visibility(actor, on))


def is_public_audience(actor: Actor, version: CreditRecordVersion) -> bool:
    if actor.sees_everything or actor.is_department:
        return False
    return not (actor.role == Role.ENTITY and actor.entity_uscc and version.subject_uscc == actor.entity_uscc)


def check_content(content: dict[str, Any]) -> None:
    if len(content) > MAX_CONTENT_KEYS:
        raise InvalidInput(f"content has more than {MAX_CONTENT_KEYS} fields (内容字段过多)", field="content")
    for key, value in content.items():
        if not CONTENT_KEY.match(key):
            raise InvalidInput(f"content field name {key[:70]!r} is not a field code (字段名不合法)", field="content")
        values = value if isinstance(value, list) else [value]
        for item in values:
            if item is not None and not isinstance(item, str | int | float | bool):
                raise InvalidInput(
                    "content values are text, numbers or lists of them (内容值类型错误)",
                    field=f"content.{key}",
                )
            if isinstance(item, str) and len(item) > MAX_CONTENT_VALUE:
                raise InvalidInput(
                    f"content.{key} is longer than {MAX_CONTENT_VALUE} characters (内容过长)",
                    field=f"content.{key}",
                )
            if isinstance(item, str) and "\x00" in item:
                raise InvalidInput(f"content.{key} contains a NUL character (含非法字符)", field=f"content.{key}")


def protect_ids(content: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
    """Replace personal ID numbers by a masked form, an SM4 token and a blind index; a value equal to the stored
    masked form means "unchanged" (a correction sending back what it read). Identifiers and contact numbers in free
    text go the same way (:func:`records.privacy.protect_content`)."""
    out = privacy.protect_content(content, previous)
    for key in PERSONAL_ID_KEYS:
        value = out.get(key)
        if value in (None, ""):
            continue
        if not isinstance(value, str):
            raise InvalidInput(f"content.{key} must be text (证件号码应为文本)", field=f"content.{key}")
        if previous and value == previous.get(key) and f"{key}_enc" in previous:
            out[f"{key}_enc"] = previous[f"{key}_enc"]
            out[f"{key}_bi"] = previous[f"{key}_bi"]
            continue
        number = value.strip().upper()
        out[key] = mask_id_number(number)
        stored = previous.get(f"{key}_bi") if previous and f"{key}_enc" in previous else None
        if stored is not None and stored in get_blind_index().digests(number, context=CONTENT_ID_CONTEXT):
            # the same number sent again (under this or an earlier blind index key): what is stored stays
            out[f"{key}_enc"], out[f"{key}_bi"] = previous[f"{key}_enc"], stored  # type: ignore[index]
            continue
        out[f"{key}_enc"] = get_cipher().encrypt(number, context=CONTENT_ID_CONTEXT)
        out[f"{key}_bi"] = get_blind_index().digest(number, context=CONTENT_ID_CONTEXT)
    return out


def comparable(content: dict[str, Any]) -> dict[str, Any]:
    # encrypted tokens differ each time; a reviewer's confirmed public text is no fact of the record
    return {k: v for k, v in content.items() if not k.endswith(("_enc", "_pub"))}
