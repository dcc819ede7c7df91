"""Pure rules of insider-misuse alerts (谋私预警, clause 19): the rule catalogue as data, its parameters and their
checks, the alert state machine, and the evaluators that read audit events one at a time.

Every evaluator is a small state machine fed the audit events in chain order (:meth:`Evaluator.feed`); an event is
``new`` when it lies past the sweep's watermark and only *context* otherwise (the minutes before the watermark that a
window reaches back into). A hit is reported only when an event that made it is new, so each event is judged once; the
service merges a hit into the open alert it continues (same rule, same person, same episode).

No database and no web framework here.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from xinyong.core.actor import Role
from xinyong.core.transitions import SYSTEM, Transition, TransitionTable, Who

BEIJING_OFFSET = dt.timezone(dt.timedelta(hours=8))
MAX_EVIDENCE = 500  # audit events (or checks) kept behind one alert; the count says how many there were
WATCHED_ROLES = frozenset({Role.DEPT_OPERATOR, Role.DEPT_REVIEWER, Role.CREDIT_OFFICE, Role.AUDITOR, Role.AGENCY})
ACTION_PATTERN = re.compile(r"^[a-z_*]{1,40}:[a-z_*]{1,40}:[a-z_*]{1,40}$")
TIME_PATTERN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

# What counts as reading personal data, and as an export (patterns as fnmatch, ``*`` any part).
PERSONAL_READS = (
    "records:personal:read",
    "lists:person:read",
    "enterprise:application:contact_read",
)
DATA_READS = (
    *PERSONAL_READS,
    "records:entity:read",
    "repair:material:read",
    "selfreport:attachment:read",
    "records:rejections:revealed",
)
EXPORTS = ("*:*:exported", "portal:export:created")


class Code(StrEnum):
    BULK_PERSONAL = "bulk_personal"
    OFF_HOURS = "off_hours"
    OUTSIDE_DEPARTMENT = "outside_department"
    REPEATED_EXPORTS = "repeated_exports"
    READ_BEFORE_DECISION = "read_before_decision"
    API_SURGE = "api_surge"


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a rule: its kind (``int``, ``float``, ``time``, ``actions``), bounds and Chinese name."""

    kind: str
    label: str
    low: float = 0
    high: float = 0


@dataclass(frozen=True, slots=True)
class RuleSpec:
    code: Code
    label: str  # the rule's Chinese name
    explains: str  # what it looks for, for the settings page
    params: Mapping[str, Param]
    defaults: Mapping[str, Any]


_ACTIONS = Param("actions", "计入的审计事件类型")
CATALOGUE: tuple[RuleSpec, ...] = (
    RuleSpec(
        Code.BULK_PERSONAL,
        "短时间内大量查看自然人信息",
        "同一工作人员在时间窗口内查看的不同自然人达到阈值。",
        {
            "window_minutes": Param("int", "时间窗口（分钟）", 1, 10080),
            "threshold": Param("int", "自然人数阈值", 2, 100000),
            "actions": _ACTIONS,
        },
        {"window_minutes": 60, "threshold": 30, "actions": list(PERSONAL_READS)},
    ),
    RuleSpec(
        Code.OFF_HOURS,
        "非工作时间查看信用信息",
        "在法定节假日、休息日（含调休）或办公时间以外查看信用信息或导出数据，一天内达到阈值。",
        {
            "day_start": Param("time", "上班时间"),
            "day_end": Param("time", "下班时间"),
            "threshold": Param("int", "每日次数阈值", 1, 100000),
            "actions": _ACTIONS,
        },
        {"day_start": "08:00", "day_end": "18:00", "threshold": 3, "actions": [*DATA_READS, *EXPORTS]},
    ),
    RuleSpec(
        Code.OUTSIDE_DEPARTMENT,
        "查看非本部门记录的主体",
        "部门工作人员一天内查看的、所读记录均非本部门归集的主体数达到阈值。",
        {"threshold": Param("int", "每日主体数阈值", 1, 100000), "actions": _ACTIONS},
        {"threshold": 5, "actions": ["records:personal:read", "records:entity:read"]},
    ),
    RuleSpec(
        Code.REPEATED_EXPORTS,
        "频繁导出数据",
        "同一工作人员在时间窗口内的导出次数达到阈值。",
        {
            "window_minutes": Param("int", "时间窗口（分钟）", 1, 43200),
            "threshold": Param("int", "导出次数阈值", 2, 100000),
            "actions": _ACTIONS,
        },
        {"window_minutes": 1440, "threshold": 5, "actions": list(EXPORTS)},
    ),
    RuleSpec(
        Code.READ_BEFORE_DECISION,
        "先查看后办理本主体的修复或异议",
        "工作人员在主体提出信用修复或异议申请之前的若干天内查看过该主体信息，之后又拟办或审核了该申请。",
        {"lookback_days": Param("int", "申请前回溯天数", 1, 365), "actions": _ACTIONS},
        {"lookback_days": 30, "actions": list(DATA_READS)},
    ),
    RuleSpec(
        Code.API_SURGE,
        "业务系统核查量远超其常态",
        "业务系统一天的核查次数超过其此前基线日均的倍数，且不少于最低次数（按自然日统计已结束的日子）。",
        {
            "baseline_days": Param("int", "基线天数", 7, 365),
            "factor": Param("float", "超出倍数", 1.5, 1000),
            "min_calls": Param("int", "最低次数", 1, 10_000_000),
            "min_history_days": Param("int", "最少历史天数", 1, 365),
        },
        {"baseline_days": 28, "factor": 5.0, "min_calls": 200, "min_history_days": 7},
    ),
)
SPECS: dict[str, RuleSpec] = {spec.code.value: spec for spec in CATALOGUE}

# The actions that decide a repair or an objection, and those that open one (the filing the reads came before).
DECISIONS = (
    "repair:application:propose",
    "repair:application:approve",
    "objections:objection:proposed",
    "objections:objection:resolved",
)
FILINGS = {"repair_application": "repair:application:submit", "objection": "objections:objection:filed"}


class ParamError(ValueError):
    """A rule setting the office typed is not acceptable (the message is Chinese)."""


def _number(name: str, spec: Param, value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParamError(f"{spec.label}（{name}）须为数字")
    if spec.kind == "int" and (isinstance(value, float) and not value.is_integer()):
        raise ParamError(f"{spec.label}（{name}）须为整数")
    number: int | float = int(value) if spec.kind == "int" else float(value)
    if not spec.low <= number <= spec.high:
        raise ParamError(f"{spec.label}（{name}）须在 {spec.low:g} 至 {spec.high:g} 之间")
    return number


def _actions(name: str, spec: Param, value: Any) -> list[str]:
    if not isinstance(value, list) or not 1 <= len(value) <= 30:
        raise ParamError(f"{spec.label}（{name}）须为 1 至 30 个事件类型")
    cleaned = []
    for item in value:
        if not isinstance(item, str) or not ACTION_PATTERN.match(item.strip()):
            raise ParamError(f"{spec.label}（{name}）中有不合规的事件类型")
        cleaned.append(item.strip())
    return list(dict.fromkeys(cleaned))


def check_params(code: str, params: Any) -> dict[str, Any]:
    """A rule's settings as stored: every parameter named, of its kind and within its bounds, nothing else."""
    spec = SPECS.get(code)
    if spec is None:
        raise ParamError("没有这条规则")
    if not isinstance(params, dict):
        raise ParamError("规则参数须为键值对")
    unknown = sorted(set(params) - set(spec.params))
    if unknown:
        raise ParamError(f"规则没有参数 {'、'.join(str(u)[:40] for u in unknown[:5])}")
    checked: dict[str, Any] = {}
    for name, param in spec.params.items():
        value = params.get(name, spec.defaults[name])
        if param.kind in ("int", "float"):
            checked[name] = _number(name, param, value)
        elif param.kind == "time":
            if not isinstance(value, str) or not TIME_PATTERN.match(value):
                raise ParamError(f"{param.label}（{name}）须为 时:分，如 08:30")
            checked[name] = value
        else:
            checked[name] = _actions(name, param, value)
    if code == Code.OFF_HOURS and checked["day_start"] >= checked["day_end"]:
        raise ParamError("上班时间须早于下班时间")
    return checked


def matches(action: str, patterns: Iterable[str]) -> bool:
    return any(action == p or ("*" in p and fnmatch.fnmatchcase(action, p)) for p in patterns)


# ---------------------------------------------------------------- the alert procedure


class AlertStatus(StrEnum):
    OPEN = "待核查"
    CLOSED = "已关闭"


class AlertStep(StrEnum):
    RAISE = "raise"  # the sweep
    CLOSE = "close"  # the auditor, with a reason


AUDITORS = frozenset({Role.AUDITOR})
TABLE: TransitionTable[AlertStep, AlertStatus] = TransitionTable(
    name="misuse:alert",
    subject_type="misuse_alert",
    statuses=AlertStatus,
    transitions={
        AlertStep.RAISE: Transition(
            frozenset({None}),
            AlertStatus.OPEN,
            Who(SYSTEM, refusal="alerts are raised by the sweep (预警由系统生成)"),
            event="raised",
        ),
        AlertStep.CLOSE: Transition(
            frozenset({AlertStatus.OPEN}),
            AlertStatus.CLOSED,
            Who(AUDITORS, refusal="only auditors close misuse alerts (仅审计/纪检人员可关闭)"),
            event="closed",
        ),
    },
    conflict="an alert that is {status} cannot take the step {step} (当前状态不可办理)",
    conflict_field=None,
    labels={AlertStep.RAISE: "生成预警", AlertStep.CLOSE: "核查关闭"},
)


# ---------------------------------------------------------------- events and hits


@dataclass(slots=True)  # not frozen: a frozen dataclass is slower to build, and the sweep builds a million
class Event:
    """An audit event as the rules read it: the chain's columns they need and the three payload fields they use
    (``persons`` read and source ``departments`` of the records read, as the JSON text the database gives, parsed
    only by the rule that needs them; the entity's ``uscc``)."""

    seq: int
    at: dt.datetime  # UTC
    actor_role: str
    actor_id: str
    actor_department: str | None
    action: str
    subject_type: str
    subject_id: str
    persons: str | None = None  # JSON text of a list
    departments: str | None = None  # JSON text of a list
    uscc: str | None = None

    @property
    def local(self) -> dt.datetime:
        """The Beijing wall-clock moment (its date and time of day)."""
        return self.at + EIGHT_HOURS  # still marked UTC: only its date() and time() are read


EIGHT_HOURS = dt.timedelta(hours=8)


def json_list(text: str | None) -> list[str]:
    """The items of a flat JSON list of numbers or plain strings as the database returns its text (``[1, 2]``,
    ``["SCJGJ","SWJ"]``), without a JSON parser: the sweep reads a million of them."""
    if not text or text[0] != "[" or len(text) < 3:
        return []
    return text[1:-1].replace(" ", "").replace('"', "").split(",")


@dataclass
class Hit:
    """What a rule found about one person: the events (or checks) behind it and the measure it counted."""

    code: str
    actor_id: str
    actor_role: str
    actor_department: str | None
    start: dt.datetime
    end: dt.datetime
    count: int
    summary: str
    seqs: list[int] = field(default_factory=list)
    checks: list[int] = field(default_factory=list)
    bucket: str | None = None  # an episode's key (a day, an application); None: merged by overlapping windows
    window: dt.timedelta = dt.timedelta(0)


def person_keys(event: Event) -> list[str]:
    """The natural persons an event read (keys only comparable among themselves)."""
    persons = json_list(event.persons)
    if persons:
        return persons  # person ids as they are; the fallbacks below carry prefixes
    if event.action == "lists:person:read":
        return [f"p:{event.subject_id}"]
    if event.action == "records:personal:read":  # events from before the persons were written down: the records
        return [f"r:{r}" for r in event.subject_id.split(",") if r]
    return [f"{event.subject_type}:{event.subject_id}"]


def entity_of(event: Event) -> str | None:
    """The entity (USCC) whose data an event read or decided about, when it names one."""
    return event.uscc or None


class Evaluator:
    """Feed events in chain order; collect hits."""

    code: str

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.params = params
        self.actions: list[str] = list(params.get("actions", []))
        self.hits: list[Hit] = []

    def wants(self, event: Event) -> bool:
        return event.actor_role in WATCHED_ROLES and matches(event.action, self.actions)

    def feed(self, event: Event, new: bool) -> None:
        """Take one event this evaluator :meth:`wants` (the sweep reads only those, in chain order)."""
        raise NotImplementedError

    def finish(self) -> list[Hit]:
        return self.hits


class SlidingCount(Evaluator):
    """Distinct keys per person within a sliding window; at the threshold a hit, then the window starts afresh."""

    label = ""

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self.window = dt.timedelta(minutes=int(params["window_minutes"]))
        self.threshold = int(params["threshold"])
        self.open: dict[str, deque[tuple[Event, list[str], bool]]] = defaultdict(deque)
        self.counts: dict[str, dict[str, int]] = defaultdict(dict)  # keys in each person's window, kept as it slides

    def keys(self, event: Event) -> list[str]:
        return [str(event.seq)]

    def feed(self, event: Event, new: bool) -> None:
        window, counts = self.open[event.actor_id], self.counts[event.actor_id]
        keys = self.keys(event)
        window.append((event, keys, new))
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
        oldest = event.at - self.window
        while window[0][0].at < oldest:
            for key in window.popleft()[1]:
                left = counts[key] - 1
                if left:
                    counts[key] = left
                else:
                    del counts[key]
        if len(counts) < self.threshold:
            return
        if any(is_new for _, _, is_new in window):
            first, distinct = window[0][0], len(counts)
            self.hits.append(
                Hit(
                    self.code,
                    event.actor_id,
                    event.actor_role,
                    event.actor_department,
                    first.at,
                    event.at,
                    distinct,
                    self.label.format(n=distinct, minutes=int(self.window.total_seconds() // 60)),
                    seqs=[e.seq for e, _, _ in window],
                    window=self.window,
                )
            )
        window.clear()
        counts.clear()


class BulkPersonal(SlidingCount):
    code = Code.BULK_PERSONAL
    label = "{minutes} 分钟内查看了 {n} 名自然人的信息"

    def keys(self, event: Event) -> list[str]:
        return person_keys(event)


class RepeatedExports(SlidingCount):
    code = Code.REPEATED_EXPORTS
    label = "{minutes} 分钟内导出数据 {n} 次"


class DayCount(Evaluator):
    """Distinct keys per person and Beijing day among the events that qualify; a hit for each day at the threshold
    with a new event in it (the service adds later events of the same day to the open alert)."""

    label = ""

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self.threshold = int(params["threshold"])
        self.days: dict[tuple[str, dt.date], list[tuple[Event, list[str], bool]]] = defaultdict(list)

    def qualifies(self, event: Event) -> bool:
        return True

    def keys(self, event: Event) -> list[str]:
        return [str(event.seq)]

    def feed(self, event: Event, new: bool) -> None:
        if self.qualifies(event):
            self.days[(event.actor_id, event.local.date())].append((event, self.keys(event), new))

    def finish(self) -> list[Hit]:
        for (actor, day), items in self.days.items():
            distinct = {key for _, keys, _ in items for key in keys}
            if len(distinct) < self.threshold or not any(is_new for _, _, is_new in items):
                continue
            first, last = items[0][0], items[-1][0]
            self.hits.append(
                Hit(
                    self.code,
                    actor,
                    last.actor_role,
                    last.actor_department,
                    first.at,
                    last.at,
                    len(distinct),
                    self.label.format(day=day.isoformat(), n=len(distinct)),
                    seqs=[e.seq for e, _, _ in items],
                    bucket=day.isoformat(),
                )
            )
        return self.hits


class OffHours(DayCount):
    code = Code.OFF_HOURS
    label = "{day} 在非工作时间查看或导出信用信息 {n} 次"

    def __init__(self, params: Mapping[str, Any], working_day: Callable[[dt.date], bool]) -> None:
        super().__init__(params)
        self.working_day = working_day
        self.start = dt.time.fromisoformat(str(params["day_start"]))
        self.end = dt.time.fromisoformat(str(params["day_end"]))

    def qualifies(self, event: Event) -> bool:
        local = event.local
        if not self.working_day(local.date()):
            return True
        return not self.start <= local.time() < self.end


class OutsideDepartment(DayCount):
    code = Code.OUTSIDE_DEPARTMENT
    label = "{day} 查看了 {n} 个所读记录均非本部门归集的主体"

    def qualifies(self, event: Event) -> bool:
        if event.actor_role not in (Role.DEPT_OPERATOR, Role.DEPT_REVIEWER) or not event.actor_department:
            return False
        departments = event.departments or ""
        # the list's text holds each code in quotes: a substring test, not a parse, for a million events
        return bool(departments) and departments != "[]" and f'"{event.actor_department}"' not in departments

    def keys(self, event: Event) -> list[str]:
        subject = entity_of(event)
        return [f"e:{subject}"] if subject else person_keys(event)


def reads_before(decision: Event, filed_at: dt.datetime, reads: Iterable[Event], lookback_days: int) -> list[Event]:
    """The decider's reads of the decided entity's data in the days before the application was filed."""
    uscc = entity_of(decision)
    since = filed_at - dt.timedelta(days=lookback_days)
    return [r for r in reads if r.actor_id == decision.actor_id and entity_of(r) == uscc and since <= r.at < filed_at]


def decision_hit(decision: Event, filed_at: dt.datetime, reads: list[Event], lookback_days: int) -> Hit:
    uscc = entity_of(decision) or ""
    return Hit(
        Code.READ_BEFORE_DECISION,
        decision.actor_id,
        decision.actor_role,
        decision.actor_department,
        reads[0].at,
        decision.at,
        len(reads),
        f"申请提出前 {lookback_days} 天内查看过主体 {uscc} 的信息 {len(reads)} 次，之后办理了该申请",
        seqs=[*(r.seq for r in reads), decision.seq],
        bucket=f"{decision.subject_type}:{decision.subject_id}",
    )


def api_surge(
    requester: str, day: dt.date, counts: Mapping[dt.date, int], params: Mapping[str, Any]
) -> tuple[int, float] | None:
    """The day's count and the baseline's daily mean when ``requester`` checked far beyond its own pattern."""
    today = counts.get(day, 0)
    if today < int(params["min_calls"]):
        return None
    days = int(params["baseline_days"])
    history = [counts[d] for d in (day - dt.timedelta(days=i) for i in range(1, days + 1)) if d in counts]
    if len(history) < int(params["min_history_days"]):
        return None
    mean = sum(history) / days  # days without a check count as none
    if today <= float(params["factor"]) * mean:
        return None
    return today, mean
