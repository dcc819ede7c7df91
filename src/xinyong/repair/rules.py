"""Pure rules of credit repair (信用修复, req §3.11 and clause (15) of the notice).

- **Eligibility** of one dishonest record or list entry on a day: the minimum publicity period (by severity, from
  the decision date, under the Civil Code) or the list type's earliest exit has passed, the obligations are
  performed (fine paid, rectification tasks closed), and a public repair commitment (信用修复承诺) is signed. A
  record or entry that the law or its type does not let be repaired says so with the reason. The service gathers
  the facts from the records, lists, remedies and commitments areas; this module only weighs them.
- **The procedure** as a transition table::

      待受理 ──accept──▶ 已受理 ──propose──▶ 待审核 ──approve──▶ 已修复 / 不予修复
        │                  ▲                    │
        └──refuse──▶ 不予受理  └──────return───────┘

  "谁认定、谁修复": every step is taken by staff of the department that made the record (or listed the entity).
  The decision is two people's: an operator or reviewer proposes (修复 or 不予修复, with the opinion), and a reviewer
  who did not propose approves it (or returns it for a new proposal).
- **Materials**: PDF/PNG/JPEG only, checked by content (``selfreport.rules.check_attachment``), at most
  :data:`MAX_MATERIALS` files of :data:`MAX_MATERIAL_BYTES` each.

Repair is free: no step here or anywhere in the area has a fee. No database and no web framework here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from xinyong.core.actor import Actor
from xinyong.core.periods import end_of_period
from xinyong.core.transitions import REVIEWERS, STAFF, SYSTEM, Opens, Parties, Transition, TransitionTable, Who

MAX_MATERIAL_BYTES = 5 * 1024 * 1024
MAX_MATERIALS = 10
MAX_STATEMENT = 5000
MAX_OPINION = 2000


class Method(StrEnum):
    """The repair methods named in the notice (clause (15))."""

    COMMITMENT = "信用承诺"
    RECTIFICATION = "信用整改"
    VERIFICATION = "信用核查"
    TRAINING = "信用培训"
    REPORT = "信用报告"
    CHARITY = "公益慈善"


class TargetKind(StrEnum):
    RECORD = "record"  # a dishonest credit record (失信信息)
    LIST_ENTRY = "list_entry"  # a list entry (名单), repaired by early exit


class AppStatus(StrEnum):
    SUBMITTED = "待受理"
    REFUSED = "不予受理"
    ACCEPTED = "已受理"
    PROPOSED = "待审核"
    REPAIRED = "已修复"
    REJECTED = "不予修复"


class Step(StrEnum):
    SUBMIT = "submit"
    ACCEPT = "accept"  # 受理
    REFUSE = "refuse"  # 不予受理
    PROPOSE = "propose"  # 经办人拟办（修复 / 不予修复）
    APPROVE = "approve"  # 审核人同意拟办意见
    RETURN = "return"  # 审核人退回重新拟办
    ESCALATE = "escalate"  # 逾期督办 (the sweep; the status stays)


class Proposal(StrEnum):
    REPAIR = "修复"
    DENY = "不予修复"


OPEN_STATUSES = frozenset({AppStatus.SUBMITTED, AppStatus.ACCEPTED, AppStatus.PROPOSED})
FINAL_STATUSES = frozenset({AppStatus.REFUSED, AppStatus.REPAIRED, AppStatus.REJECTED})


# Who may take each step: 谁认定、谁修复 — the department that made the record (or listed the entity).
HANDLER = Who(
    own_department=STAFF,
    refusal="only department {department} handles this application (谁认定、谁修复：仅认定部门办理)",
)
SECOND_REVIEWER = Who(
    own_department=REVIEWERS,
    refusal="only a reviewer (部门审核) of department {department} decides (须认定部门审核人员)",
)
PLATFORM = Who(SYSTEM, refusal="only the platform's sweep escalates applications (逾期督办由系统执行)")
APPLICANT = Who(subject=True, refusal="only the entity itself applies for repair (仅市场主体本身可申请信用修复)")

TABLE: TransitionTable[Step, AppStatus] = TransitionTable(
    name="repair:application",
    subject_type="repair_application",
    statuses=AppStatus,
    transitions={
        Step.SUBMIT: Transition(frozenset({None}), AppStatus.SUBMITTED, APPLICANT, opens=Opens("accept")),
        Step.ACCEPT: Transition(frozenset({AppStatus.SUBMITTED}), AppStatus.ACCEPTED, HANDLER, opens=Opens("decide")),
        Step.REFUSE: Transition(frozenset({AppStatus.SUBMITTED}), AppStatus.REFUSED, HANDLER),
        Step.PROPOSE: Transition(frozenset({AppStatus.ACCEPTED}), AppStatus.PROPOSED, HANDLER),
        Step.APPROVE: Transition(
            frozenset({AppStatus.PROPOSED}),
            None,
            SECOND_REVIEWER,
            second_person=True,
            outcomes=frozenset({AppStatus.REPAIRED, AppStatus.REJECTED}),
        ),
        Step.RETURN: Transition(
            frozenset({AppStatus.PROPOSED}), AppStatus.ACCEPTED, SECOND_REVIEWER, second_person=True
        ),
        Step.ESCALATE: Transition(frozenset(OPEN_STATUSES), None, PLATFORM),
    },
    conflict="an application that is {status} cannot take the step {step} (当前状态不可办理)",
    second_person_refusal="the proposer may not approve their own proposal (拟办人不得审核本人的拟办意见)",
    labels={
        Step.SUBMIT: "提交申请",
        Step.ACCEPT: "受理",
        Step.REFUSE: "不予受理",
        Step.PROPOSE: "拟办",
        Step.APPROVE: "审核决定",
        Step.RETURN: "退回重新拟办",
        Step.ESCALATE: "逾期督办",
    },
)
TRANSITIONS = TABLE.transitions


def check_step(step: Step, current: AppStatus, actor: Actor, *, department: str, proposer_id: str | None) -> None:
    """Refuse a step: 403 when ``actor`` may not take it (checked first, so an outsider learns nothing of the
    state), 409 when the application's status does not allow it."""
    TABLE.require(step, current, actor, Parties(department, proposer_id=proposer_id))


def approved_status(proposal: Proposal) -> AppStatus:
    return AppStatus.REPAIRED if proposal is Proposal.REPAIR else AppStatus.REJECTED


# ---------------------------------------------------------------- eligibility


class Check(StrEnum):
    MET = "已满足"
    NOT_MET = "未满足"
    TO_VERIFY = "待核实"  # the applicant proves it with materials; the department checks them on acceptance


@dataclass(frozen=True, slots=True)
class Condition:
    name: str  # 最短公示期 / 履行义务 / 整改完成 / 信用修复承诺
    state: Check
    detail: str


@dataclass(frozen=True, slots=True)
class RecordFacts:
    """What the service found about one dishonest record (or the record of a list entry)."""

    decision_date: dt.date
    severity: str | None
    status: str  # the record's status (有效 / 异议中 / …)
    fine: float | None = None  # NR_FK 罚款 (万元)
    confiscation: float | None = None  # NR_WFFF 没收 (万元)
    performance: str | None = None  # LXQK 履行情况 when the source sent it
    not_repairable: str | None = None  # why the law or the source department says it cannot be repaired
    min_end: dt.date | None = None  # last day of the minimum publicity period (None: no minimum)
    regime: str = ""
    open_tasks: Sequence[str] = ()  # rectification tasks linked to it and not 已完成
    closed_tasks: Sequence[str] = ()
    commitment: str | None = None  # the number of a public 信用修复承诺 signed since the decision
    open_application: str | None = None  # an application already in progress


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Whether repair can be applied for on ``on``: ``repairable`` False means never (with ``reason``);
    ``available_from`` is the first day the period allows; ``can_apply`` is today's answer."""

    on: dt.date
    repairable: bool
    can_apply: bool
    available_from: dt.date | None
    conditions: tuple[Condition, ...] = ()
    reason: str | None = None
    needs_materials: tuple[str, ...] = field(default_factory=tuple)


def first_day_after(last_day: dt.date) -> dt.date:
    """The day after a period's last day (a one-day period counted from it, 民法典 art. 201)."""
    return end_of_period(last_day, days=1)


def _period_condition(available_from: dt.date, on: dt.date, rule: str) -> Condition:
    if on >= available_from:
        return Condition("最短公示期", Check.MET, f"{rule}，自 {available_from.isoformat()} 起可申请修复")
    return Condition("最短公示期", Check.NOT_MET, f"{rule}，{available_from.isoformat()} 起方可申请修复")


def _common_conditions(facts: RecordFacts) -> list[Condition]:
    found: list[Condition] = []
    owed = [label for label, amount in (("罚款", facts.fine), ("没收违法所得/非法财物", facts.confiscation)) if amount]
    performance = (facts.performance or "").strip()
    if performance and "未履行" in performance:
        found.append(Condition("履行义务", Check.NOT_MET, f"来源部门记载履行情况为“{performance}”"))
    elif performance and "已履行" in performance:
        found.append(Condition("履行义务", Check.MET, f"来源部门记载履行情况为“{performance}”"))
    elif owed:
        found.append(Condition("履行义务", Check.TO_VERIFY, f"须上传{'、'.join(owed)}缴纳凭证，由认定部门受理时核实"))
    if facts.open_tasks:
        found.append(Condition("整改完成", Check.NOT_MET, f"整改任务未完成：{'；'.join(facts.open_tasks[:3])}"))
    elif facts.closed_tasks:
        found.append(Condition("整改完成", Check.MET, f"整改任务已完成：{'；'.join(facts.closed_tasks[:3])}"))
    if facts.commitment:
        found.append(Condition("信用修复承诺", Check.MET, f"已签署公开的信用修复承诺（{facts.commitment}）"))
    else:
        found.append(Condition("信用修复承诺", Check.NOT_MET, "须先在“信用承诺”签署公开的信用修复承诺"))
    return found


def _verdict(on: dt.date, available_from: dt.date, conditions: list[Condition], facts: RecordFacts) -> Eligibility:
    blocked = facts.status == "异议中" or facts.open_application is not None
    can_apply = not blocked and all(c.state is not Check.NOT_MET for c in conditions)
    reason = None
    if facts.open_application is not None:
        reason = f"已有办理中的修复申请（{facts.open_application}）"
    elif facts.status == "异议中":
        reason = "该记录异议处理中，异议办结后方可申请修复"
    elif not can_apply:
        reason = "；".join(f"{c.name}：{c.detail}" for c in conditions if c.state is Check.NOT_MET)
    return Eligibility(
        on=on,
        repairable=True,
        can_apply=can_apply,
        available_from=available_from,
        conditions=tuple(conditions),
        reason=reason,
        needs_materials=tuple(c.detail for c in conditions if c.state is Check.TO_VERIFY),
    )


def record_eligibility(facts: RecordFacts, on: dt.date) -> Eligibility:
    """A dishonest record (行政处罚 by severity, or another record with a severity): repair may be applied for from
    the day after the minimum publicity period of its severity ends (the decision day itself when there is no
    minimum, as for 轻微), once its obligations are performed and a repair commitment is signed."""
    if facts.not_repairable:
        return Eligibility(on=on, repairable=False, can_apply=False, available_from=None, reason=facts.not_repairable)
    if facts.status not in ("有效", "异议中"):
        return Eligibility(
            on=on,
            repairable=False,
            can_apply=False,
            available_from=None,
            reason=f"该记录已{facts.status.removeprefix('已')}，已停止公示，无需修复",
        )
    severity = facts.severity or "一般"
    if facts.min_end is None:
        available_from = facts.decision_date
        rule = f"{severity}失信信息无最短公示期（{facts.regime}）"
    else:
        available_from = first_day_after(facts.min_end)
        since = facts.decision_date.isoformat()
        rule = f"{severity}失信信息最短公示期至 {facts.min_end.isoformat()}（{facts.regime}，自决定日 {since} 起算）"
    conditions = [_period_condition(available_from, on, rule), *_common_conditions(facts)]
    return _verdict(on, available_from, conditions, facts)


@dataclass(frozen=True, slots=True)
class EntryFacts:
    list_name: str
    status: str  # the entry's status (已公示 …)
    decision_date: dt.date | None
    earliest_exit_on: dt.date | None  # None: the type allows no early exit
    exit_rules: str
    permanent: bool
    record: RecordFacts | None  # the entry's credit record, for obligations (fine, tasks) and the commitment


def entry_eligibility(facts: EntryFacts, on: dt.date) -> Eligibility:
    """A list entry is repaired by early exit (提前移出): from its type's earliest exit date, with the same
    obligations and commitment; a type without early exit (市场和行业禁入, permanent bans) cannot be repaired."""
    if facts.status != "已公示":
        return Eligibility(
            on=on, repairable=False, can_apply=False, available_from=None, reason=f"名单条目状态为{facts.status}"
        )
    if facts.earliest_exit_on is None:
        why = "永久禁入" if facts.permanent else "该名单类型不可提前移出"
        return Eligibility(
            on=on,
            repairable=False,
            can_apply=False,
            available_from=None,
            reason=f"{facts.list_name}：{why}，不适用信用修复（{facts.exit_rules}）",
        )
    record = facts.record or RecordFacts(decision_date=facts.decision_date or on, severity="严重", status="有效")
    rule = f"{facts.list_name}可于 {facts.earliest_exit_on.isoformat()} 起申请提前移出"
    conditions = [_period_condition(facts.earliest_exit_on, on, rule), *_common_conditions(record)]
    return _verdict(on, facts.earliest_exit_on, conditions, record)
