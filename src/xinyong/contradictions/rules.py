"""Pure rules of contradiction flags (可比对, req §3.15b, clause 18): the rule catalogue's defaults, the flag's state
machine and how a contradiction is named (its pair key) and fingerprinted.

A rule is data the credit office edits (enabled, the working days the responsible department has, a rule's own
parameters such as a window in months); what it compares is code keyed by the rule's code (``detect``). A flag
names both sides and goes to one department's queue. Flags never change data: resolving one records who decided
what (确认有误已更正: the department corrected the data itself through its own procedure; 不构成矛盾: it explains why),
and the sweep raises a contradiction once: the same pair with the same data is never raised again, a pair whose
data changed after a decision is raised anew.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from xinyong.core.transitions import OFFICE, STAFF, SYSTEM, Opens, Transition, TransitionTable, Who

MAX_DEADLINE_DAYS = 60
MAX_WINDOW_MONTHS = 60


class RuleCode(StrEnum):
    HONOUR_VS_SERIOUS = "honour_vs_serious"
    LICENCE_AFTER_BAN = "licence_after_ban"
    GRADE_A_SERIOUS = "grade_a_serious"
    UPSTREAM_EXITED = "upstream_exited"
    DOC_NO_CONFLICT = "doc_no_conflict"
    LICENCE_AFTER_CLOSURE = "licence_after_closure"


@dataclass(frozen=True, slots=True)
class RuleDefault:
    code: RuleCode
    name: str  # 规则名称
    description: str  # what it compares, in the office's words
    deadline_days: int  # working days the responsible department has
    params: Mapping[str, int] = field(default_factory=dict)


DEFAULTS: tuple[RuleDefault, ...] = (
    RuleDefault(
        RuleCode.HONOUR_VS_SERIOUS,
        "守信褒扬与严重失信同期并存",
        "同一主体的诚信荣誉（守信激励）信息或名单，与其严重失信行政处罚或严重失信主体名单在同一期间内同时有效"
        "（荣誉认定日期在严重失信决定日期前后若干个月内）。",
        10,
        {"window_months": 12},
    ),
    RuleDefault(
        RuleCode.LICENCE_AFTER_BAN,
        "市场禁入生效后仍获行政许可",
        "主体被列入市场和行业禁入名单后、禁入期限内，仍有部门作出行政许可决定。",
        5,
    ),
    RuleDefault(
        RuleCode.GRADE_A_SERIOUS,
        "A级主体存在有效的严重失信名单",
        "公共信用综合评价为A级的主体，同时在严重失信主体名单上且名单有效。",
        10,
    ),
    RuleDefault(
        RuleCode.UPSTREAM_EXITED,
        "上级已移出而本地仍在列",
        "国家或省级平台已将主体移出（或撤销）某类名单，本市同类名单条目仍然有效。",
        10,
    ),
    RuleDefault(
        RuleCode.DOC_NO_CONFLICT,
        "同一文书号内容不一致",
        "两个部门报送了同一决定文书号，但主体、决定日期或类别不一致。",
        10,
    ),
    RuleDefault(
        RuleCode.LICENCE_AFTER_CLOSURE,
        "吊销或注销后仍有新的行政许可",
        "登记状态为吊销或注销的主体，在吊销（注销）之后仍有部门作出行政许可决定。",
        5,
    ),
)
DEFAULTS_BY_CODE = {d.code.value: d for d in DEFAULTS}
PARAM_LIMITS: dict[str, tuple[int, int]] = {"window_months": (1, MAX_WINDOW_MONTHS)}


def check_params(code: str, params: Mapping[str, Any]) -> dict[str, int]:
    """A rule's parameters as the office set them: only the names its default has, whole numbers within limits.
    Raises ``ValueError`` naming the parameter."""
    known = DEFAULTS_BY_CODE[code].params
    out: dict[str, int] = {}
    for name, value in params.items():
        if name not in known:
            raise ValueError(f"unknown parameter {name!r} (该规则无此参数)")
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"parameter {name} must be a whole number (参数须为整数)")
        low, high = PARAM_LIMITS.get(name, (0, 10_000))
        if not low <= value <= high:
            raise ValueError(f"parameter {name} must be between {low} and {high} (参数超出范围)")
        out[name] = value
    return {**known, **out}


class FlagStatus(StrEnum):
    OPEN = "待核查"
    CORRECTED = "已更正"  # 确认有误已更正
    NOT_CONTRADICTION = "不构成矛盾"
    LAPSED = "已消除"  # the contradiction no longer holds (the data changed before anyone decided)


class FlagStep(StrEnum):
    RAISE = "raise"
    CORRECT = "correct"
    DISMISS = "dismiss"
    LAPSE = "lapse"


RESOLUTIONS = {FlagStep.CORRECT: "确认有误已更正", FlagStep.DISMISS: "不构成矛盾"}
CLOSED = frozenset({FlagStatus.CORRECTED, FlagStatus.NOT_CONTRADICTION, FlagStatus.LAPSED})
DECIDER = Who(OFFICE, STAFF, refusal="only the responsible department resolves its flags (仅责任部门可处理)")
TABLE: TransitionTable[FlagStep, FlagStatus] = TransitionTable(
    name="contradictions:flag",
    subject_type="contradiction_flag",
    statuses=FlagStatus,
    transitions={
        FlagStep.RAISE: Transition(
            frozenset({None}),
            FlagStatus.OPEN,
            Who(SYSTEM, refusal="only the platform's sweep raises flags (矛盾由系统比对生成)"),
            opens=Opens("resolve"),
            event="raised",
        ),
        FlagStep.CORRECT: Transition(frozenset({FlagStatus.OPEN}), FlagStatus.CORRECTED, DECIDER, event="corrected"),
        FlagStep.DISMISS: Transition(
            frozenset({FlagStatus.OPEN}), FlagStatus.NOT_CONTRADICTION, DECIDER, event="dismissed"
        ),
        FlagStep.LAPSE: Transition(
            frozenset({FlagStatus.OPEN}),
            FlagStatus.LAPSED,
            Who(SYSTEM, refusal="only the platform's sweep finds a contradiction gone (由系统判定)"),
            event="lapsed",
        ),
    },
    conflict="a flag that is {status} cannot take the step {step} (当前状态不可办理)",
    conflict_field=None,
    labels={
        FlagStep.RAISE: "比对发现矛盾",
        FlagStep.CORRECT: "确认有误已更正",
        FlagStep.DISMISS: "不构成矛盾",
        FlagStep.LAPSE: "矛盾已消除",
    },
)


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a contradiction: what it is (``record`` / ``list_entry`` / ``grade`` / ``entity``), its id (a
    record or entry id; the USCC for a grade or a registration status), the department it came from, its day,
    what a reader sees, and its state (what makes the data "the same" for idempotence)."""

    kind: str
    ref: str
    department: str | None
    day: str | None  # ISO date
    label: str
    state: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.ref}"

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "ref": self.ref,
            "department": self.department,
            "day": self.day,
            "label": self.label,
        }


@dataclass(frozen=True, slots=True)
class Found:
    """One contradiction a rule found: both sides, the subject and the department whose queue it goes to."""

    rule: str
    uscc: str
    subject_name: str
    department: str
    a: Side
    b: Side
    summary: str

    @property
    def pair_key(self) -> str:
        return f"{self.rule}|{self.a.key}|{self.b.key}"

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(f"{self.a.state}|{self.b.state}".encode()).hexdigest()[:32]
