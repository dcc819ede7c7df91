"""Pure rules of the lists (名单, req §3.8): list types, the listing procedure as a transition table, who may take
each step, and the dates the procedure computes. No database, no web framework; the services apply these.

The procedure (列入程序)::

    拟列入 ──notify──▶ 已告知 ──state──▶ 已陈述申辩
      │                  │ ╲                 │
      │ decline          │  ╲ decide         │ decide / decline
      ▼                  ▼   ▼               ▼
    不予列入 ◀─decline── ·   已决定 ──publish──▶ 已公示 ──expire / exit_early──▶ 已移出
                                │                 │
                                └──revoke──▶ 已撤销 ◀──revoke

- the proposer is a department operator (or reviewer) of the deciding department, or the platform acting for it;
- the decision (and a decision not to list, early exit and revocation) is a department *reviewer*'s; a decision
  to list needs a reviewer who did not propose (two-person rule, req §0);
- the statement (陈述申辩) or its waiver is the party's own (the entity signed in as itself), or is entered by the
  department from a written statement it received;
- expiry at the end of the term is the platform's sweep, never a person's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from xinyong.core.actor import Actor
from xinyong.core.errors import InvalidInput
from xinyong.core.periods import end_of_period
from xinyong.core.transitions import REVIEWERS, STAFF, SYSTEM, Opens, Transition, TransitionTable, Who
from xinyong.core.transitions import Parties as Parties  # the lists' callers name it from here
from xinyong.core.workdays import DateResult, WorkCalendar

MAX_DURATION_MONTHS = 12 * 100
MAX_STATEMENT_WINDOW = 60  # working days; longer windows are input errors


class ListCategory(StrEnum):
    SERIOUS = "serious"  # 严重失信主体名单（失信联合惩戒对象名单）
    WATCH = "watch"  # 重点关注对象名单
    MARKET_BAN = "market_ban"  # 市场/行业禁入
    HONOUR = "honour"  # 守信激励对象名单（红名单）: never binds, never restricts (lists.honours)


CATEGORY_LABELS: dict[ListCategory, str] = {
    ListCategory.SERIOUS: "严重失信主体名单",
    ListCategory.WATCH: "重点关注对象名单",
    ListCategory.MARKET_BAN: "市场和行业禁入",
    ListCategory.HONOUR: "守信激励对象名单（红名单）",
}


class KeyField(StrEnum):
    """The key fields (重点领域) of the watch list (国办发〔2019〕35号, 赣发改财金〔2020〕520号)."""

    FINANCE = "金融"
    ELDERLY_CARE = "养老"
    PRESCHOOL = "学前教育"
    RELIEF = "救助"
    HOUSEKEEPING = "家政"
    CULTURE = "文化"
    SPORT = "体育"
    FOOD_AND_DRUGS = "食品药品"
    MEDICAL_INSURANCE = "医疗保障"


class EntryStatus(StrEnum):
    PROPOSED = "拟列入"
    NOTIFIED = "已告知"
    STATED = "已陈述申辩"
    DECIDED = "已决定"
    DECLINED = "不予列入"
    PUBLISHED = "已公示"
    EXITED = "已移出"
    REVOKED = "已撤销"


class Step(StrEnum):
    PROPOSE = "propose"  # 拟列入
    NOTIFY = "notify"  # 告知
    STATE = "state"  # 陈述申辩（或放弃）
    DECIDE = "decide"  # 作出列入决定
    DECLINE = "decline"  # 不予列入
    PUBLISH = "publish"  # 公示
    EXPIRE = "expire"  # 期满移出
    EXIT_EARLY = "exit_early"  # 提前移出（信用修复）
    REVOKE = "revoke"  # 撤销列入决定


class ExitKind(StrEnum):
    EXPIRY = "期满移出"
    EARLY = "提前移出"  # after credit repair (信用修复)


# Who may take each step of the listing procedure.
DEPARTMENT = Who(SYSTEM, STAFF, refusal="only department {department} may take this step (仅认定部门可办理)")
REVIEWER = Who(
    own_department=REVIEWERS,
    refusal="only a reviewer (部门审核) of department {department} may take this step (须部门审核人员)",
)
PARTY = Who(
    own_department=STAFF,
    subject=True,
    refusal="only the party itself or the deciding department may record a statement (仅当事人或认定部门)",
)
PLATFORM = Who(SYSTEM, refusal="only the platform's expiry sweep ends a term (期满移出由系统执行)")

# The only moves an entry can make. ``None`` is "no entry yet". The decision is a second person's: a reviewer who
# did not propose the entry.
TABLE: TransitionTable[Step, EntryStatus] = TransitionTable(
    name="lists:entry",
    subject_type="list_entry",
    statuses=EntryStatus,
    transitions={
        Step.PROPOSE: Transition(frozenset({None}), EntryStatus.PROPOSED, DEPARTMENT),
        Step.NOTIFY: Transition(
            frozenset({EntryStatus.PROPOSED}), EntryStatus.NOTIFIED, DEPARTMENT, opens=Opens("statement")
        ),
        Step.STATE: Transition(frozenset({EntryStatus.NOTIFIED}), EntryStatus.STATED, PARTY),
        Step.DECIDE: Transition(
            frozenset({EntryStatus.NOTIFIED, EntryStatus.STATED}), EntryStatus.DECIDED, REVIEWER, second_person=True
        ),
        Step.DECLINE: Transition(
            frozenset({EntryStatus.PROPOSED, EntryStatus.NOTIFIED, EntryStatus.STATED}), EntryStatus.DECLINED, REVIEWER
        ),
        Step.PUBLISH: Transition(frozenset({EntryStatus.DECIDED}), EntryStatus.PUBLISHED, DEPARTMENT),
        Step.EXPIRE: Transition(frozenset({EntryStatus.PUBLISHED}), EntryStatus.EXITED, PLATFORM),
        Step.EXIT_EARLY: Transition(frozenset({EntryStatus.PUBLISHED}), EntryStatus.EXITED, REVIEWER),
        Step.REVOKE: Transition(frozenset({EntryStatus.DECIDED, EntryStatus.PUBLISHED}), EntryStatus.REVOKED, REVIEWER),
    },
    conflict="an entry that is {status} cannot take the step {step} (当前状态不可办理)",
    second_person_refusal="the proposer may not approve their own proposal (拟列入人不得审核本人提出的列入)",
    labels={
        Step.PROPOSE: "拟列入",
        Step.NOTIFY: "告知",
        Step.STATE: "陈述申辩",
        Step.DECIDE: "列入决定",
        Step.DECLINE: "不予列入",
        Step.PUBLISH: "公示",
        Step.EXPIRE: "期满移出",
        Step.EXIT_EARLY: "提前移出",
        Step.REVOKE: "撤销",
        # the honour procedure (lists.honour_rules.HONOUR_TABLE) logs in the same step table: its steps read alike
        "nominate": "拟列入（守信激励）",
        "approve": "审核公示",
        "decline_honour": "不予列入",
        "end": "终止公示",
        "lapse": "期满移出",
    },
)
TRANSITIONS = TABLE.transitions

# Statuses in which an entry binds (the check API and current_entries look only at these, within the validity).
IN_FORCE_STATUSES = frozenset({EntryStatus.PUBLISHED})
# Statuses other departments may read (the pipeline before a decision is the deciding department's own).
SHARED_STATUSES = frozenset({EntryStatus.PUBLISHED, EntryStatus.EXITED})


def check_step(step: Step, current: EntryStatus | None, actor: Actor, parties: Parties) -> EntryStatus:
    """The status ``step`` leads to, or a refusal: 403 when ``actor`` may not take it, 409 when the entry's
    status does not allow it. Rights are checked first, so an outsider learns nothing about the state."""
    target = TABLE.check(step, current, actor, parties)
    assert target is not None
    return target


def allowed_steps(current: EntryStatus | None) -> list[Step]:
    """The steps the table allows from ``current`` (whoever takes them)."""
    return TABLE.allowed(current)


# ---------------------------------------------------------------- durations and dates


@dataclass(frozen=True, slots=True)
class Term:
    """How long an entry binds: a number of months, or permanently (永久)."""

    months: int | None
    permanent: bool = False

    def __post_init__(self) -> None:
        if self.permanent and self.months is not None:
            raise InvalidInput("a permanent term has no months (永久禁入不设期限)", field="duration_months")
        if not self.permanent:
            if self.months is None:
                raise InvalidInput("a term needs its months or must be permanent (须设期限)", field="duration_months")
            if not 1 <= self.months <= MAX_DURATION_MONTHS:
                raise InvalidInput(
                    f"duration_months must be between 1 and {MAX_DURATION_MONTHS} (期限)", field="duration_months"
                )

    def describe(self) -> str:
        return "永久" if self.permanent else describe_months(self.months or 0)


def describe_months(months: int) -> str:
    """``36`` → ``3年``, ``18`` → ``1年6个月``, ``6`` → ``6个月``."""
    years, rest = divmod(months, 12)
    parts = ([f"{years}年"] if years else []) + ([f"{rest}个月"] if rest else [])
    return "".join(parts) or "0个月"


@dataclass(frozen=True, slots=True)
class Validity:
    """The term of a decided entry: in force from ``valid_from`` through ``valid_to`` (inclusive; ``None`` for a
    permanent ban), early exit possible from ``earliest_exit_on`` (``None``: no early exit), and the rule text."""

    valid_from: dt.date
    valid_to: dt.date | None
    earliest_exit_on: dt.date | None
    rule: str


def validity(decision_date: dt.date, term: Term, earliest_exit_months: int | None, type_label: str) -> Validity:
    """The term counted under the Civil Code (arts. 201–202) from the decision date.

    A term of N months ends on :func:`~xinyong.core.periods.end_of_period` (the corresponding day), and the entry
    leaves the list the day after. Early exit after M months is possible from the day after the M-month period
    ends. No early exit is possible when ``earliest_exit_months`` is ``None``.
    """
    valid_to = None if term.permanent else end_of_period(decision_date, months=term.months or 0)
    earliest: dt.date | None = None
    if earliest_exit_months is not None:
        earliest = (
            decision_date
            if earliest_exit_months == 0
            else end_of_period(decision_date, months=earliest_exit_months) + dt.timedelta(days=1)
        )
        if valid_to is not None and earliest > valid_to:
            earliest = None  # the term ends before early exit would open: nothing to exit early from
    parts = [f"{type_label}：自决定日 {decision_date.isoformat()} 起 {term.describe()}"]
    parts.append("永久有效" if valid_to is None else f"至 {valid_to.isoformat()}（民法典第201、202条）")
    if earliest is not None:
        parts.append(f"可于 {earliest.isoformat()} 起申请提前移出")
    else:
        parts.append("不可提前移出")
    return Validity(decision_date, valid_to, earliest, "；".join(parts))


def in_force(valid_from: dt.date | None, valid_to: dt.date | None, on: dt.date) -> bool:
    """Whether a term covers ``on`` (``valid_to`` inclusive; ``None`` = permanent)."""
    if valid_from is None or valid_from > on:
        return False
    return valid_to is None or on <= valid_to


def term_ended(valid_to: dt.date | None, today: dt.date) -> bool:
    """The expiry sweep moves an entry out the day after the last day of its term."""
    return valid_to is not None and today > valid_to


@dataclass(frozen=True, slots=True)
class StatementDeadline:
    """The last day for the party's statement: N working days after the notice, with the rule that produced it."""

    date: dt.date
    provisional: bool
    rule: str


def statement_deadline(
    notice_date: dt.date, working_days: int, calendar: WorkCalendar, type_label: str
) -> StatementDeadline:
    """N working days after the notice date (the notice day itself is not counted), on the Chinese calendar."""
    if not 1 <= working_days <= MAX_STATEMENT_WINDOW:
        raise InvalidInput(
            f"the statement window must be 1–{MAX_STATEMENT_WINDOW} working days (陈述申辩期限)",
            field="statement_window_days",
        )
    result: DateResult = calendar.add_working_days(notice_date, working_days)
    rule = f"{type_label}：告知日 {notice_date.isoformat()} 后 {working_days} 个工作日（法定节假日、调休按工作日历）"
    if result.provisional:
        rule += f"；{', '.join(map(str, result.unknown_years))} 年节假日未公布，期限为暂定"
    return StatementDeadline(result.date, result.provisional, rule)


def may_decide(decision_date: dt.date, deadline: dt.date | None, waived: bool) -> bool:
    """A decision waits until the statement window has passed, unless the party waived its statement."""
    if waived:
        return True
    return deadline is not None and decision_date > deadline


def may_exit_early(today: dt.date, earliest_exit_on: dt.date | None) -> bool:
    return earliest_exit_on is not None and today >= earliest_exit_on


# ---------------------------------------------------------------- list types


@dataclass(frozen=True, slots=True)
class ListTypeSpec:
    """One version of a list type, as data (the office publishes new versions; entries keep theirs)."""

    code: str
    name: str
    category: ListCategory
    criteria: str
    legal_basis: str
    term: Term
    earliest_exit_months: int | None
    exit_rules: str
    statement_window_days: int
    key_fields: tuple[str, ...] = ()
    term_adjustable: bool = False  # the decision may set another term (bans: a period, up to permanent)
    binds_responsible_persons: bool = False  # clause 14: shows on the responsible persons' records
    record_kind: str | None = None  # the credit record kind written on publication (None: none)
    effective_from: dt.date = dt.date(2020, 1, 1)
    extra: dict[str, str] = field(default_factory=dict)
    issuing_body: str | None = None  # 认定（发布）机关, shown with the type (honour lists name theirs)


_NOTICE = (
    "《关于贯彻落实〈江西省加快推进社会信用体系建设构建以信用为基础的新型监管机制的实施方案〉的通知》"
    "（共社信办字〔2020〕7号）"
)
DEFAULT_TYPES: tuple[ListTypeSpec, ...] = (
    ListTypeSpec(
        code="serious",
        name="严重失信主体名单",
        category=ListCategory.SERIOUS,
        criteria=(
            "严重危害人民群众身体健康和生命安全、严重破坏市场公平竞争秩序和社会正常秩序、"
            "有履行能力但拒不履行或逃避执行法定义务情节严重、拒不履行国防义务等严重失信行为，"
            "经认定部门依法依规认定的市场主体及其他主体。"
        ),
        legal_basis=(
            "《国务院办公厅关于加快推进社会信用体系建设构建以信用为基础的新型监管机制的指导意见》（国办发〔2019〕35号）；"
            "《国务院办公厅关于进一步完善失信约束制度构建诚信建设长效机制的指导意见》（国办发〔2020〕49号）；"
            f"赣发改财金〔2020〕520号；{_NOTICE}"
        ),
        term=Term(36),
        earliest_exit_months=12,
        exit_rules=(
            "有效期届满自动移出；列入满1年后，主体已纠正失信行为、履行法定义务、作出信用承诺，"
            "经认定部门审核同意的，可提前移出（信用修复）。"
        ),
        statement_window_days=5,
        binds_responsible_persons=True,
        record_kind="serious_dishonesty",
    ),
    ListTypeSpec(
        code="watch",
        name="重点关注对象名单",
        category=ListCategory.WATCH,
        criteria=(
            "在金融、养老、学前教育、救助、家政、文化、体育、食品药品、医疗保障等重点领域发生失信行为，"
            "尚未达到严重失信主体认定标准的主体。"
        ),
        legal_basis=f"国办发〔2019〕35号；赣发改财金〔2020〕520号；{_NOTICE}",
        term=Term(12),
        earliest_exit_months=3,
        exit_rules="有效期届满自动移出；列入满3个月后完成整改并经认定部门审核同意的，可提前移出。",
        statement_window_days=5,
        key_fields=tuple(KeyField),
    ),
    ListTypeSpec(
        code="market_ban",
        name="市场和行业禁入",
        category=ListCategory.MARKET_BAN,
        criteria="依照法律、行政法规对严重失信主体实施的市场和行业禁入（限制从业、禁止进入相关市场），期限由决定确定，直至终身。",
        legal_basis=f"相关法律、行政法规中的市场和行业禁入规定；国办发〔2020〕49号；{_NOTICE}",
        term=Term(60),
        earliest_exit_months=None,
        exit_rules="禁入期限届满移出；永久禁入不移出，仅在决定被撤销时撤销。",
        statement_window_days=5,
        term_adjustable=True,
    ),
)
