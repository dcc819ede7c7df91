"""Transition tables of the procedures (the pure half of :mod:`xinyong.core.workflow`).

Every procedure of the platform — listing, rectification, repair, objections, self-report verification,
commitments and 容缺 materials, risk alerts, record corrections, inspection results — is a sequence of steps taken
by named people. Each writes its rules as one :class:`TransitionTable`: for every step, the statuses it may start
from, the status it leads to, who may take it, whether it needs a second person who did not propose, and the
working-day deadline it opens. :meth:`TransitionTable.check` answers one question: may this actor take this step
now, and where does it lead? Rights are checked before the status (unless the table says otherwise), so an
outsider learns nothing about the state.

No database and no web framework here: the areas' pure ``rules`` modules import this one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

from xinyong.core.actor import DEPARTMENT_ROLES, Actor, Role
from xinyong.core.errors import Conflict, Forbidden

S = TypeVar("S", bound=StrEnum)  # a procedure's statuses
K = TypeVar("K", bound=StrEnum)  # a procedure's steps

STAFF = DEPARTMENT_ROLES  # 部门经办 and 部门审核
REVIEWERS = frozenset({Role.DEPT_REVIEWER})
SYSTEM = frozenset({Role.SYSTEM})
OFFICE = frozenset({Role.CREDIT_OFFICE, Role.SYSTEM})


@dataclass(frozen=True, slots=True)
class Parties:
    """Whom a procedure's subject belongs to, for deciding rights: the department in charge (``None`` when no
    department takes part yet), the person who proposed the decision, and the subject's USCC."""

    department: str | None
    proposer_id: str | None = None
    subject_uscc: str | None = None


@dataclass(frozen=True, slots=True)
class Who:
    """Who may take a step: roles that may act on any subject (``anywhere``), roles that may act only for the
    department in charge (``own_department``), and whether the subject itself (signed in as the entity) may.
    ``refusal`` is the 403 message; it may name ``{department}``, ``{step}`` and ``{status}``."""

    anywhere: frozenset[Role] = frozenset()
    own_department: frozenset[Role] = frozenset()
    subject: bool = False
    refusal: str = "you may not take this step (无权办理)"

    def allows(self, actor: Actor, parties: Parties) -> bool:
        if actor.role in self.anywhere:
            return True
        if (
            actor.role in self.own_department
            and parties.department is not None
            and actor.department_code == parties.department
        ):
            return True
        return bool(
            self.subject
            and actor.role == Role.ENTITY
            and actor.entity_uscc
            and actor.entity_uscc == parties.subject_uscc
        )


@dataclass(frozen=True, slots=True)
class Opens:
    """The working-day deadline a step opens: what it is for (``name``, e.g. ``decide``) and how many working days
    after the step's day (``None``: the procedure gives the number, from a setting or the subject's type)."""

    name: str
    days: int | None = None


@dataclass(frozen=True, slots=True)
class Transition(Generic[S]):
    """One step's row of a table. ``target`` ``None`` keeps the status (an escalation); ``outcomes`` lists the
    statuses a step may choose between when the decision names its result (e.g. 已修复 / 不予修复)."""

    sources: frozenset[S | None]
    target: S | None
    who: Who
    second_person: bool = False  # must be taken by someone other than the proposer
    opens: Opens | None = None
    outcomes: frozenset[S] = frozenset()
    event: str | None = None  # the audit verb when it is not the step's own name


@dataclass(frozen=True)
class TransitionTable(Generic[K, S]):
    """A procedure's rules: ``name`` prefixes its audit events (``lists:entry`` → ``lists:entry:publish``)."""

    name: str
    subject_type: str  # the audit event's subject type (``list_entry``)
    statuses: type[S]
    transitions: Mapping[K, Transition[S]]
    conflict: str = "a subject that is {status} cannot take the step {step} (当前状态不可办理)"
    conflict_field: str | None = "status"
    second_person_refusal: str = "the proposer may not decide their own proposal (拟办人不得审核本人的拟办意见)"
    rights_first: bool = True
    labels: Mapping[str, str] = field(default_factory=dict)  # step → its Chinese name, for the screens

    def status_of(self, value: str | None) -> S | None:
        """The stored status as the table's type (``None`` or ``""``: the subject has no status yet)."""
        return self.statuses(value) if value else None

    def transition(self, step: K) -> Transition[S]:
        return self.transitions[step]

    def event_of(self, step: K) -> str:
        return f"{self.name}:{self.transitions[step].event or step}"

    def refusal(self, step: K, current: S | None, actor: Actor, parties: Parties) -> str | None:
        """Why ``actor`` may not take ``step`` (``None``: they may), rights only."""
        transition = self.transitions[step]
        shown = current.value if current is not None else "无"
        if not transition.who.allows(actor, parties):
            return transition.who.refusal.format(department=parties.department, step=step, status=shown)
        if transition.second_person and actor.id == parties.proposer_id:
            return self.second_person_refusal
        return None

    def require(self, step: K, current: S | None, actor: Actor, parties: Parties) -> None:
        """Refuse ``step`` now: 403 when ``actor`` may not take it, 409 when the status does not allow it (in the
        table's order: rights first unless ``rights_first`` is off)."""
        allowed_here = current in self.transitions[step].sources
        shown = current.value if current is not None else "无"
        if not self.rights_first and not allowed_here:
            self._conflict(step, shown)
        refusal = self.refusal(step, current, actor, parties)
        if refusal is not None:
            raise Forbidden(refusal)
        if not allowed_here:
            self._conflict(step, shown)

    def check(
        self, step: K, current: S | None, actor: Actor, parties: Parties, *, outcome: S | None = None
    ) -> S | None:
        """The status ``step`` leads to (``None``: it stays), or a refusal: 403 when ``actor`` may not take it,
        409 when the status does not allow it (or the chosen ``outcome`` is not one of the step's)."""
        self.require(step, current, actor, parties)
        transition = self.transitions[step]
        if transition.outcomes:
            if outcome not in transition.outcomes:
                raise Conflict(f"the step {step} cannot lead to {outcome} (处理结果不在允许范围内)", field="outcome")
            return outcome
        return transition.target

    def _conflict(self, step: K, shown: str) -> None:
        raise Conflict(self.conflict.format(status=shown, step=step), field=self.conflict_field)

    def next_status(self, current: S | None, step: K) -> S | None:
        """Where ``step`` leads from ``current`` whoever takes it (``None`` also when it is not allowed)."""
        transition = self.transitions[step]
        if current not in transition.sources:
            return None
        return transition.target if transition.target is not None else current

    def allowed(self, current: S | None) -> list[K]:
        """The steps the table allows from ``current`` (whoever takes them), in the table's order."""
        return [step for step, transition in self.transitions.items() if current in transition.sources]

    def allowed_for(self, current: S | None, actor: Actor, parties: Parties) -> list[K]:
        """The steps ``actor`` may take now: what a screen offers."""
        return [step for step in self.allowed(current) if self.refusal(step, current, actor, parties) is None]

    def reachable(self) -> frozenset[S]:
        """Every status some step leads to."""
        found: set[S] = set()
        for transition in self.transitions.values():
            if transition.target is not None:
                found.add(transition.target)
            found.update(transition.outcomes)
        return frozenset(found)

    def label(self, step: str) -> str:
        return self.labels.get(step, step)
