"""What rectification and interviews rest on: a finding of dishonesty (a list entry or a credit record) and the
department that made it. "谁认定、谁约谈": only that department acts on its finding."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Forbidden, InvalidInput, NotFound
from xinyong.lists import service as lists
from xinyong.lists.rules import EntryStatus
from xinyong.records import service as records
from xinyong.records.rules import Kind

# Record kinds that speak of dishonesty (a rectification or an interview can rest on them).
DISHONEST_KINDS = frozenset(
    {
        Kind.PENALTY,
        Kind.ENFORCEMENT,
        Kind.JUDICIAL,
        Kind.ABNORMAL_OPERATION,
        Kind.SERIOUS_DISHONESTY,
        Kind.CONTRACT,
        Kind.COMMITMENT,
        Kind.COMPLAINT,
    }
)
LISTED_STATUSES = frozenset({EntryStatus.DECIDED, EntryStatus.PUBLISHED})


@dataclass(frozen=True)
class Basis:
    """What a task or an interview rests on: the finding department and the entity it found against."""

    department: str
    uscc: str
    name: str
    list_entry_id: int | None = None
    record_id: int | None = None


def require_finder(actor: Actor, department: str) -> None:
    """谁认定、谁约谈: only the finding department (or the platform for it) acts on its finding."""
    if actor.role == Role.SYSTEM:
        return
    if not (actor.is_department and actor.department_code == department):
        raise Forbidden(f"only department {department}, which made the finding, may do this (谁认定、谁约谈)")


def basis_of(session: Session, actor: Actor, list_entry_id: int | None, record_id: int | None) -> Basis:
    if (list_entry_id is None) == (record_id is None):
        raise InvalidInput(
            "name one list entry or one credit record (须指定名单条目或信用记录之一)", field="list_entry_id"
        )
    if list_entry_id is not None:
        entry = lists.get_entry_row(session, list_entry_id)
        lists.refuse_upstream(entry)  # an upstream entry is the source's to act on, as for every other local step
        require_finder(actor, entry.department)
        if entry.status not in LISTED_STATUSES:
            raise InvalidInput(
                f"list entry {entry.id} is {entry.status}, not decided or published (名单条目未生效)",
                field="list_entry_id",
            )
        if entry.subject_uscc is None:
            raise InvalidInput(
                "rectification and interviews are for entities (仅适用于市场主体)", field="list_entry_id"
            )
        return Basis(entry.department, entry.subject_uscc, entry.subject_name, list_entry_id=entry.id)
    assert record_id is not None
    version = records.visible_record(session, actor, record_id)
    if version is None:
        raise NotFound(f"no credit record {record_id} visible to you (未找到该信用记录)", field="record_id")
    require_finder(actor, version.source_department)
    if version.kind not in DISHONEST_KINDS:
        raise InvalidInput(f"a {version.kind} record is no finding of dishonesty (非失信记录)", field="record_id")
    if version.subject_uscc is None:
        raise InvalidInput("rectification and interviews are for entities (仅适用于市场主体)", field="record_id")
    return Basis(version.source_department, version.subject_uscc, version.subject_name, record_id=version.record_id)


def clean_text(value: str | None, field: str, limit: int, *, required: bool = True) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"{field} is required (必填)", field=field)
    if len(text) > limit or "\x00" in text:
        raise InvalidInput(f"{field} must be at most {limit} characters of text (内容不合法)", field=field)
    return text or None
