"""Pure rules of credit commitments (信用承诺), req §3.4 and the notice's clauses (1), (2), (20).

- commitment types and the state machines of a commitment, a 容缺受理 case and a fulfilment check, as data;
- the standard letter: its parts, how a letter is composed from a template version and the entity's data, and
  the SM3 hash that fixes its exact text;
- eligibility: who may use the commitment option, with the reasons when not;
- the consequences a breach brings (configured per catalogue item), and the period of the lost option;
- 容缺 due dates in working days;
- industry associations' member credit events.

No database and no web framework here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from xinyong.core.actor import Actor, Role
from xinyong.core.crypto import sm3_hex
from xinyong.core.errors import InvalidInput
from xinyong.core.periods import end_of_period
from xinyong.core.transitions import OFFICE, STAFF, SYSTEM, Opens, Transition, TransitionTable, Who
from xinyong.core.workdays import DateResult, WorkCalendar


class CommitmentType(StrEnum):
    APPROVAL = "审批替代"  # 审批替代/告知承诺
    TOLERANCE = "容缺受理"
    REPAIR = "信用修复"
    SELF_DISCIPLINE = "行业自律"
    VOLUNTARY = "主动承诺"


TYPE_LABELS: dict[CommitmentType, str] = {
    CommitmentType.APPROVAL: "审批替代/告知承诺",
    CommitmentType.TOLERANCE: "容缺受理",
    CommitmentType.REPAIR: "信用修复",
    CommitmentType.SELF_DISCIPLINE: "行业自律",
    CommitmentType.VOLUNTARY: "主动承诺",
}


class CommitmentStatus(StrEnum):
    IN_FORCE = "履约中"
    KEPT = "已践诺"
    BROKEN = "已违诺"
    FALSE = "虚假承诺"


class CommitmentAction(StrEnum):
    SIGN = "sign"  # 签署承诺书
    KEEP = "keep"  # 核查：践诺
    BREAK = "break"  # 核查：违诺
    FALSIFY = "falsify"  # 核查：虚假承诺


# Who signs is decided by the signing rules (the entity itself at the portal, or the department's window; refused
# for subjects the item excludes): every signing role passes here. Fulfilment checks are the department's (or the
# credit office's and the platform's jobs).
SIGNER = Who(frozenset({Role.ENTITY, Role.DEPT_OPERATOR, Role.DEPT_REVIEWER, Role.CREDIT_OFFICE, Role.SYSTEM}))
CHECKER = Who(OFFICE, STAFF, refusal="only {department}'s staff may do fulfilment checks (仅主管部门可办理)")

# A kept commitment may later be found to have been false (a check after the fact); broken and false are final.
COMMITMENT_TABLE: TransitionTable[CommitmentAction, CommitmentStatus] = TransitionTable(
    name="commitments:commitment",
    subject_type="commitment",
    statuses=CommitmentStatus,
    transitions={
        CommitmentAction.SIGN: Transition(frozenset({None}), CommitmentStatus.IN_FORCE, SIGNER, event="signed"),
        CommitmentAction.KEEP: Transition(
            frozenset({CommitmentStatus.IN_FORCE}), CommitmentStatus.KEPT, CHECKER, event="status"
        ),
        CommitmentAction.BREAK: Transition(
            frozenset({CommitmentStatus.IN_FORCE}), CommitmentStatus.BROKEN, CHECKER, event="status"
        ),
        CommitmentAction.FALSIFY: Transition(
            frozenset({CommitmentStatus.IN_FORCE, CommitmentStatus.KEPT}),
            CommitmentStatus.FALSE,
            CHECKER,
            event="status",
        ),
    },
    conflict="a commitment that is {status} cannot take the step {step} (状态不可变更)",
    conflict_field="result",
    labels={
        CommitmentAction.SIGN: "签署承诺",
        CommitmentAction.KEEP: "核查：践诺",
        CommitmentAction.BREAK: "核查：违诺",
        CommitmentAction.FALSIFY: "核查：虚假承诺",
    },
)
STEP_OF_STATUS: dict[CommitmentStatus, CommitmentAction] = {
    CommitmentStatus.KEPT: CommitmentAction.KEEP,
    CommitmentStatus.BROKEN: CommitmentAction.BREAK,
    CommitmentStatus.FALSE: CommitmentAction.FALSIFY,
}


class ToleranceStatus(StrEnum):
    AWAITING = "待补齐"
    SUPPLIED = "已补齐"
    OVERDUE = "逾期未补齐"


class ToleranceStep(StrEnum):
    ACCEPT = "accept"  # 容缺受理 (with the commitment's signing)
    SUPPLY = "supply"  # 材料补齐
    OVERDUE = "overdue"  # 逾期未补齐 (the sweep)


TOLERANCE_TABLE: TransitionTable[ToleranceStep, ToleranceStatus] = TransitionTable(
    name="commitments:tolerance",
    subject_type="commitment",  # audited under its commitment
    statuses=ToleranceStatus,
    transitions={
        ToleranceStep.ACCEPT: Transition(
            frozenset({None}), ToleranceStatus.AWAITING, SIGNER, opens=Opens("supply"), event="accepted"
        ),
        ToleranceStep.SUPPLY: Transition(
            frozenset({ToleranceStatus.AWAITING}),
            ToleranceStatus.SUPPLIED,
            Who(OFFICE, STAFF, refusal="only {department}'s staff may do 容缺 cases (仅主管部门可办理)"),
            event="supplied",
        ),
        ToleranceStep.OVERDUE: Transition(
            frozenset({ToleranceStatus.AWAITING}),
            ToleranceStatus.OVERDUE,
            Who(SYSTEM, refusal="only the platform's sweep finds a case overdue (逾期由系统认定)"),
        ),
    },
    conflict="the case is {status} (该容缺事项已办结)",
    conflict_field="commitment_id",
    labels={ToleranceStep.ACCEPT: "容缺受理", ToleranceStep.SUPPLY: "材料补齐", ToleranceStep.OVERDUE: "逾期未补齐"},
)


class CheckResult(StrEnum):
    KEPT = "践诺"
    BROKEN = "违诺"
    FALSE = "虚假承诺"


class CheckKind(StrEnum):
    SCHEDULED = "定期核查"
    AD_HOC = "随机核查"
    DUE_DATE = "到期核查"  # the 容缺 sweep: materials not supplied by the due date


class CheckStatus(StrEnum):
    PLANNED = "待核查"
    DONE = "已核查"


CHECK_DONE_FROM = frozenset({CheckStatus.PLANNED})  # a planned check is completed once

RESULT_STATUS: dict[CheckResult, CommitmentStatus] = {
    CheckResult.KEPT: CommitmentStatus.KEPT,
    CheckResult.BROKEN: CommitmentStatus.BROKEN,
    CheckResult.FALSE: CommitmentStatus.FALSE,
}

BREACHES = frozenset({CheckResult.BROKEN, CheckResult.FALSE})


def may_edit_catalogue(actor: Actor, department: str) -> bool:
    """Department work (catalogue, checks, 容缺 cases, associations it supervises) is done by that department's staff,
    or by the credit office and the platform's jobs."""
    if actor.role in (Role.CREDIT_OFFICE, Role.SYSTEM):
        return True
    return actor.is_department and actor.department_code == department


def can_move(table: TransitionTable[Any, Any], current: Any, target: Any) -> bool:
    """Whether some step of ``table`` leads from ``current`` to ``target``."""
    return any(
        current in t.sources and (t.target == target or target in t.outcomes) for t in table.transitions.values()
    )


# ---------------------------------------------------------------- breach consequences


SEVERITIES = ("轻微", "一般", "严重")  # records.rules.Severity values; kept as text so this module stays pure


@dataclass(frozen=True)
class Consequence:
    """What a breach of one catalogue item brings (configured per item; req §3.4).

    ``severity``: a dishonesty record (失信记录) with this severity, or none; ``suspend_months``: the commitment
    option is lost for this many months (0: not lost); ``list_type``: a proposal into this list's procedure (the
    lists area's list type code), or none. A 虚假承诺 is at least as severe as a 违诺: its severity is raised to
    ``false_severity``.
    """

    severity: str | None = "一般"
    suspend_months: int = 12
    list_type: str | None = None
    false_severity: str = "严重"

    def __post_init__(self) -> None:
        if self.severity is not None and self.severity not in SEVERITIES:
            raise InvalidInput(f"severity must be one of {', '.join(SEVERITIES)} (失信程度)", field="severity")
        if self.false_severity not in SEVERITIES:
            raise InvalidInput("false_severity must be 轻微, 一般 or 严重 (失信程度)", field="false_severity")
        if isinstance(self.suspend_months, bool) or not 0 <= self.suspend_months <= 120:
            raise InvalidInput("suspend_months must be between 0 and 120 (暂停承诺资格月数)", field="suspend_months")
        if self.list_type is not None and not re.fullmatch(r"[a-z_]{1,32}", self.list_type):
            raise InvalidInput("list_type is a list type code such as serious (名单类型)", field="list_type")

    def severity_for(self, result: CheckResult) -> str | None:
        if result == CheckResult.FALSE:
            return _graver(self.severity, self.false_severity)
        return self.severity if result == CheckResult.BROKEN else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "suspend_months": self.suspend_months,
            "list_type": self.list_type,
            "false_severity": self.false_severity,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Consequence:
        if not data:
            return cls()
        return cls(
            severity=data.get("severity"),
            suspend_months=int(data.get("suspend_months", 12)),
            list_type=data.get("list_type"),
            false_severity=data.get("false_severity", "严重"),
        )


def _graver(a: str | None, b: str) -> str:
    if a is None:
        return b
    return a if SEVERITIES.index(a) >= SEVERITIES.index(b) else b


DEFAULT_CONSEQUENCES: dict[CommitmentType, Consequence] = {
    CommitmentType.APPROVAL: Consequence("一般", 12, None),
    CommitmentType.TOLERANCE: Consequence("一般", 12, None),
    CommitmentType.REPAIR: Consequence("一般", 12, None),
    CommitmentType.SELF_DISCIPLINE: Consequence("轻微", 6, None),
    CommitmentType.VOLUNTARY: Consequence("轻微", 6, None),
}


def suspension_end(breach_date: dt.date, consequence: Consequence) -> dt.date | None:
    """The last day the commitment option stays lost (Civil Code period from the breach date), or ``None``."""
    if consequence.suspend_months == 0:
        return None
    return end_of_period(breach_date, months=consequence.suspend_months)


# ---------------------------------------------------------------- eligibility


@dataclass(frozen=True)
class EligibilityFacts:
    """What the platform knows about an applicant on a day (gathered by the service from several areas)."""

    serious_records: Sequence[str] = ()  # titles of unrepaired 严重 dishonesty records
    serious_list_entries: Sequence[str] = ()  # current serious-list entries
    false_commitments: Sequence[str] = ()  # numbers of unrepaired 虚假承诺
    suspended_until: dt.date | None = None  # the option is lost until this day (inclusive)
    member_required: str | None = None  # a 行业自律 item open to one association's members only
    is_member: bool = True


def refusal_reasons(facts: EligibilityFacts) -> list[str]:
    """Why an applicant may not use the commitment option (req §3.4); empty: eligible.

    Integrity education is deliberately not a fact here: it is never a precondition (clause (2)).
    """
    reasons: list[str] = []
    if facts.serious_records:
        reasons.append(f"存在未修复的严重失信记录：{'；'.join(facts.serious_records[:3])}")
    if facts.serious_list_entries:
        reasons.append(f"被列入严重失信主体名单：{'；'.join(facts.serious_list_entries[:3])}")
    if facts.false_commitments:
        reasons.append(f"存在未修复的虚假承诺：{'；'.join(facts.false_commitments[:3])}")
    if facts.suspended_until is not None:
        reasons.append(f"因违背信用承诺，{facts.suspended_until.isoformat()} 前不适用告知承诺")
    if facts.member_required and not facts.is_member:
        reasons.append(f"该行业自律承诺仅限 {facts.member_required} 的会员")
    return reasons


# ---------------------------------------------------------------- 容缺受理


MAX_TOLERANCE_DAYS = 60
MAX_MATERIALS = 30


def tolerance_due(accepted_on: dt.date, working_days: int, calendar: WorkCalendar) -> DateResult:
    """The day by which missing materials must be supplied: the n-th working day after acceptance."""
    if isinstance(working_days, bool) or not 1 <= working_days <= MAX_TOLERANCE_DAYS:
        raise InvalidInput(
            f"working_days must be between 1 and {MAX_TOLERANCE_DAYS} (补正期限工作日数)", field="working_days"
        )
    return calendar.add_working_days(accepted_on, working_days)


def due_state(due: dt.date, today: dt.date, calendar: WorkCalendar, soon_days: int = 3) -> str:
    """逾期 (past the due date), 即将到期 (within ``soon_days`` working days) or 未到期."""
    if today > due:
        return "逾期"
    if calendar.count_working_days(today, due).count <= soon_days:
        return "即将到期"
    return "未到期"


def clean_materials(items: Sequence[str]) -> list[str]:
    cleaned = [" ".join(str(item).split())[:200] for item in items if str(item).strip()]
    if not cleaned:
        raise InvalidInput("list the missing materials (请列明容缺材料)", field="missing_materials")
    if len(cleaned) > MAX_MATERIALS:
        raise InvalidInput(f"at most {MAX_MATERIALS} missing materials (容缺材料过多)", field="missing_materials")
    return cleaned


# ---------------------------------------------------------------- the letter


@dataclass(frozen=True)
class TemplateParts:
    """The parts of a standard commitment letter (格式规范的信用承诺书, req §3.4)."""

    title: str
    conditions: str  # 承诺事项及条件
    undertaking: str  # 承诺方式与内容
    verification: str  # 行政机关的核查权
    liability: str  # 虚假或违背承诺的责任
    declaration: str  # 申请人声明
    is_public: bool = True  # 承诺书是否公开


LIMITS = {"title": 200, "conditions": 4000, "undertaking": 4000, "verification": 2000, "liability": 2000}
LIMITS |= {"declaration": 2000}


def check_parts(parts: TemplateParts) -> TemplateParts:
    for name, limit in LIMITS.items():
        value = getattr(parts, name)
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(f"the letter template needs its {name} (承诺书模板缺少内容)", field=name)
        if len(value) > limit:
            raise InvalidInput(f"{name} is longer than {limit} characters (内容过长)", field=name)
        if "\x00" in value:
            raise InvalidInput(f"{name} contains a NUL character (含非法字符)", field=name)
    return parts


@dataclass(frozen=True)
class LetterFacts:
    """The entity's data a letter is filled with, and the signature."""

    item_code: str
    item_name: str
    department_name: str
    commitment_type: str
    template_version: int
    entity_name: str
    uscc: str
    legal_representative: str
    signer: str
    signed_at: dt.datetime  # Beijing time, aware
    number: str
    missing_materials: Sequence[str] = field(default_factory=tuple)
    due_date: dt.date | None = None


def compose_letter(parts: TemplateParts, facts: LetterFacts) -> str:
    """The letter's exact text: what the signer saw and what the hash fixes. Line endings are ``\\n``."""
    lines = [
        parts.title.strip(),
        f"承诺书编号：{facts.number}",
        f"承诺事项：{facts.item_name}（{facts.item_code}，{facts.commitment_type}）",
        f"受理单位：{facts.department_name}",
        f"模板版本：第 {facts.template_version} 版",
        "",
        f"承诺主体：{facts.entity_name}",
        f"统一社会信用代码：{facts.uscc}",
        f"法定代表人（负责人）：{facts.legal_representative or '—'}",
        "",
        "一、承诺事项及条件",
        parts.conditions.strip(),
        "二、承诺内容",
        parts.undertaking.strip(),
    ]
    if facts.missing_materials:
        due = facts.due_date.isoformat() if facts.due_date else "—"
        lines += ["三、容缺材料及补正期限", *[f"{n}. {m}" for n, m in enumerate(facts.missing_materials, 1)]]
        lines.append(f"本主体承诺于 {due} 前补齐上述材料；逾期未补齐的，视为违背承诺。")
    lines += [
        "核查",
        parts.verification.strip(),
        "责任",
        parts.liability.strip(),
        "公开",
        "本承诺书将通过“信用中国（江西共青）”网站向社会公开。" if parts.is_public else "本承诺书不向社会公开。",
        "声明",
        parts.declaration.strip(),
        "",
        f"承诺人（签章）：{facts.entity_name}",
        f"签署人：{facts.signer}",
        f"签署时间：{facts.signed_at.strftime('%Y-%m-%d %H:%M:%S')}（北京时间）",
    ]
    text = "\n".join(lines)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def letter_hash(text: str) -> str:
    """SM3 of the letter's exact UTF-8 text."""
    return sm3_hex(text.encode("utf-8"))


# ---------------------------------------------------------------- industry associations (clause 20)


class MemberEvent(StrEnum):
    """Member credit events an association records (行业性惩戒措施 and honours, clause (11), (20))."""

    HONOUR = "表彰"
    CRITICISM = "通报批评"
    CENSURE = "公开谴责"
    REFUSAL = "不予接纳"
    EXPULSION = "劝退"


# Severity of the member's credit record for each event; 表彰 is an honour (no severity).
EVENT_SEVERITY: dict[MemberEvent, str | None] = {
    MemberEvent.HONOUR: None,
    MemberEvent.CRITICISM: "轻微",
    MemberEvent.CENSURE: "一般",
    MemberEvent.REFUSAL: "一般",
    MemberEvent.EXPULSION: "一般",
}

# Events that end (or refuse) membership.
ENDS_MEMBERSHIP = frozenset({MemberEvent.EXPULSION})


def is_association(authority: str, org_type: str) -> bool:
    """A 社会团体 registered by 民政 (USCC position 1 ``5``, position 2 ``1``)."""
    return authority == "5" and org_type == "1"
