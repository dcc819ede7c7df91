"""One workflow mechanism for every procedure: transition tables, step histories and :meth:`Procedure.advance`.

- The table type is :class:`xinyong.core.transitions.TransitionTable` (pure, re-exported here): from status + step
  to status, who may take the step, whether a second person must take it, the working-day deadline it opens.
- :class:`StepHistory` is the model mixin giving a procedure its ``<thing>_steps`` table: one row per step as it
  happened — the step, from and to, the legal day and the instant, the actor (role, id, department), the reason,
  the linked documents, the deadline the step opened and what else the step recorded.
- :class:`Procedure` binds a table to its step model (and registers it, so a test can list every procedure);
  :meth:`Procedure.advance` checks the step against the table, stamps the subject's status
  and ``updated_at``, computes the deadline the step opens on the office's working calendar, writes the step row
  and the audit event ``<table name>:<step>`` in the caller's transaction, and returns what happened.

Services flush, never commit. Reactions in other areas (re-grading, change notices, the exchange push) read the
step tables; they are append-only.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Boolean, Date, Integer, String, Text, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from xinyong.core import audit, clock
from xinyong.core.actor import ROLE_LABELS, Actor, Role
from xinyong.core.calendar import load_calendar
from xinyong.core.clock import BEIJING
from xinyong.core.db import JSONType, UTCDateTime
from xinyong.core.departments import Department
from xinyong.core.transitions import (
    OFFICE,
    REVIEWERS,
    STAFF,
    SYSTEM,
    Opens,
    Parties,
    Transition,
    TransitionTable,
    Who,
)

__all__ = [
    "OFFICE",
    "PROCEDURES",
    "REVIEWERS",
    "STAFF",
    "SYSTEM",
    "Advanced",
    "Deadline",
    "Opens",
    "Parties",
    "Procedure",
    "StepHistory",
    "StepOut",
    "StepView",
    "Transition",
    "TransitionTable",
    "Who",
    "history",
    "history_rows",
    "plain",
]

S = TypeVar("S", bound=StrEnum)
K = TypeVar("K", bound=StrEnum)
H = TypeVar("H", bound="StepHistory")

MAX_DOCUMENTS = 50


class StepHistory:
    """Columns of a procedure's step table. A model mixes this in beside ``Base``, declares the column pointing at
    its subject (e.g. ``entry_id``) and names it in ``owner_key``."""

    owner_key: ClassVar[str]

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    step: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(8))
    to_status: Mapped[str] = mapped_column(String(8))
    on: Mapped[dt.date] = mapped_column(Date)  # the legal day (Beijing)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor_role: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(String(128))
    actor_department: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    documents: Mapped[list[str] | None] = mapped_column(JSONType)  # document numbers, file references
    deadline: Mapped[dt.date | None] = mapped_column(Date)  # the working-day deadline this step opened
    deadline_provisional: Mapped[bool | None] = mapped_column(Boolean)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType)


class Subject(Protocol):
    """What a procedure's row offers: an id and its status (the column stamped with the step's time is named by
    :attr:`Procedure.stamp`)."""

    id: int
    status: str


@dataclass(frozen=True, slots=True)
class Deadline:
    """A working-day deadline: its last day, whether the calendar of its years is still provisional, and the rule
    that produced it (kept so anyone can recompute it)."""

    date: dt.date
    provisional: bool
    rule: str


@dataclass(frozen=True)
class Advanced(Generic[S]):
    previous: S | None
    status: S | None  # the status after the step (the same as ``previous`` for a step that keeps it)
    step: StepHistory
    deadline: Deadline | None


def plain(details: Mapping[str, Any]) -> dict[str, Any]:
    """Details as JSON values (dates as ISO text), as the step table and the audit chain store them."""
    converted: dict[str, Any] = json.loads(json.dumps(dict(details), ensure_ascii=False, default=str))
    return converted


def working_day_deadline(session: Session, start: dt.date, days: int, name: str) -> Deadline:
    """``days`` working days after ``start`` (not counted) on the office's calendar (``core.workdays``)."""
    result = load_calendar(session).add_working_days(start, days)
    rule = f"{name}: {start.isoformat()} 后 {days} 个工作日"
    if result.provisional:
        rule += f"（{', '.join(map(str, result.unknown_years))} 年节假日未公布，暂定）"
    return Deadline(result.date, result.provisional, rule)


PROCEDURES: dict[str, Procedure[Any, Any]] = {}


@dataclass(frozen=True)
class Procedure(Generic[K, S]):
    """A procedure: its table, its step model, and its name on screens (``label``, Chinese)."""

    label: str
    table: TransitionTable[K, S]
    history: type[StepHistory]
    stamp: str | None = "updated_at"  # the subject's column stamped with the step's time (None: none)

    def __post_init__(self) -> None:
        PROCEDURES[self.table.name] = self

    def advance(
        self,
        session: Session,
        actor: Actor,
        subject: Subject,
        step: K,
        *,
        parties: Parties,
        outcome: S | None = None,
        reason: str | None = None,
        documents: Iterable[str] = (),
        details: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        deadline: Deadline | None = None,
        deadline_days: int | None = None,
        deadline_from: dt.date | None = None,
        checked: bool = True,
        audit_subject_id: str | None = None,
    ) -> Advanced[S]:
        """Apply one step: check it against the table (403 / 409; ``checked=False`` only for a row the migration or a
        loader replays), move the status (``outcome`` for a step that chooses its result), stamp ``updated_at``, open
        the step's working-day deadline (``deadline`` when the procedure computed it, else ``deadline_days`` — or the
        table's — after ``deadline_from`` or today), write the step row and the audit event ``<name>:<step>`` with
        ``context`` (what identifies the subject), from, to and ``details`` — about the subject, or about
        ``audit_subject_id`` of the table's subject type where the area audits a part under its whole (a 容缺 case
        under its commitment). The caller has filled the step's own columns on the subject."""
        table = self.table
        previous = table.status_of(subject.status)
        transition = table.transition(step)
        if checked:
            target = table.check(step, previous, actor, parties, outcome=outcome)
        else:
            target = outcome if transition.outcomes else transition.target
        now = clock.now()
        today = clock.today()
        if target is not None:
            subject.status = str(target)
        if self.stamp is not None:
            setattr(subject, self.stamp, now)
        if inspect(subject, raiseerr=False) is not None:  # a mapped row (a record's state is a plain value)
            session.add(subject)
        session.flush()
        if deadline is None and transition.opens is not None:
            days = deadline_days if deadline_days is not None else transition.opens.days
            if days is None:
                raise ValueError(f"the step {step} of {table.name} opens a deadline: give its working days")
            deadline = working_day_deadline(session, deadline_from or today, days, transition.opens.name)
        linked = _documents(documents)
        model: Any = self.history
        row: StepHistory = model(
            step=str(step),
            from_status=str(previous) if previous is not None else None,
            to_status=subject.status,
            on=today,
            at=now,
            actor_role=str(actor.role),
            actor_id=actor.id,
            actor_department=actor.department_code,
            reason=reason,
            documents=linked or None,
            deadline=deadline.date if deadline else None,
            deadline_provisional=deadline.provisional if deadline else None,
            details=plain(details or {}),
        )
        setattr(row, self.history.owner_key, subject.id)
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            table.event_of(step),
            table.subject_type,
            audit_subject_id or str(subject.id),
            plain({**(context or {}), "from": previous, "to": subject.status, **(details or {})}),
        )
        return Advanced(previous, table.status_of(subject.status), row, deadline)

    def steps_of(self, session: Session, subject_id: int) -> list[StepHistory]:
        """The subject's steps in the order they were taken."""
        model: Any = self.history
        owner = getattr(model, model.owner_key)
        return list(session.scalars(select(model).where(owner == subject_id).order_by(model.id)))


def _documents(documents: Iterable[str]) -> list[str]:
    linked = [str(d).strip() for d in documents if d is not None and str(d).strip()]
    if len(linked) > MAX_DOCUMENTS:
        raise ValueError(f"at most {MAX_DOCUMENTS} linked documents on one step")
    return [d[:200] for d in linked]


def history_rows(steps: Sequence[StepHistory]) -> list[dict[str, Any]]:
    """Steps as plain values for an API answer (the reader maps roles and departments to names)."""
    return [
        {
            "step": s.step,
            "from_status": s.from_status,
            "to_status": s.to_status,
            "on": s.on,
            "at": s.at,
            "actor_role": s.actor_role,
            "actor_id": s.actor_id,
            "actor_department": s.actor_department,
            "reason": s.reason,
            "documents": list(s.documents or []),
            "deadline": s.deadline,
            "details": dict(s.details or {}),
        }
        for s in steps
    ]


# ---------------------------------------------------------------- reading a history (console and portal)

NO_STATUS = "—"


class StepOut(BaseModel):
    """A step as the API answers it, read from its ``<thing>_steps`` row (``model_validate(row)``): the step, from
    and to, the legal day and the instant, who took it. An area's answer adds the columns it shows."""

    model_config = ConfigDict(from_attributes=True)

    step: str
    from_status: str | None
    to_status: str
    on: dt.date
    at: dt.datetime
    actor_role: str
    actor_id: str


@dataclass(frozen=True)
class StepView:
    """One step as a person reads it (步骤/办理人/时间/原状态/新状态/理由): Chinese labels, department names, Beijing
    time. ``documents`` only for staff."""

    step: str
    label: str
    actor: str
    at: dt.datetime
    at_text: str
    from_status: str
    to_status: str
    reason: str | None
    deadline: dt.date | None
    documents: tuple[str, ...]
    who: str = ""  # ``actor`` without the account, for a page that marks the account as an identifier
    account: str = ""  # the account (username or job id) when ``actor`` names one; empty for the subject's own view


def _actor_text(step: StepHistory, names: Mapping[str, str], *, for_subject: bool) -> str:
    role = ROLE_LABELS.get(step.actor_role, "办理人")
    if step.actor_role == Role.SYSTEM:
        return "平台（自动办理）" if for_subject else f"平台（{step.actor_id}）"
    if step.actor_role == Role.ENTITY:
        return "本主体" if for_subject else f"市场主体（{step.actor_id.removeprefix('user:')}）"
    department = names.get(step.actor_department or "", "")
    if for_subject:
        return f"{department}{role}" if department else role
    who = step.actor_id.removeprefix("user:")
    return f"{department} {role}（{who}）" if department else f"{role}（{who}）"


def history(
    session: Session,
    procedure: Procedure[Any, Any],
    subject_id: int,
    *,
    for_subject: bool = False,
) -> list[StepView]:
    """The subject's steps for a screen. ``for_subject``: the subject's own view (the portal's 我的 pages) — who
    acted is named by department and role only, never by account, and linked documents are left out."""
    steps = procedure.steps_of(session, subject_id)
    codes = {s.actor_department for s in steps if s.actor_department}
    names: dict[str, str] = {}
    if codes:
        found = session.execute(select(Department.code, Department.full_name).where(Department.code.in_(codes)))
        names = {str(code): str(name) for code, name in found}
    table = procedure.table
    views = []
    for s in steps:
        actor = _actor_text(s, names, for_subject=for_subject)
        account = "" if for_subject else s.actor_id.removeprefix("user:")
        who = actor.removesuffix(f"（{account}）") if account else actor
        if who == actor:  # the text names no account
            account = ""
        views.append(
            StepView(
                step=s.step,
                label=table.label(s.step),
                actor=actor,
                at=s.at,
                at_text=s.at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
                from_status=s.from_status or NO_STATUS,
                to_status=s.to_status or NO_STATUS,
                reason=s.reason,
                deadline=s.deadline,
                documents=() if for_subject else tuple(s.documents or ()),
                who=who,
                account=account,
            )
        )
    return views
