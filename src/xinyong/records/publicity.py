"""Pure rules of 双公示 (req §3.3): how long a decision stays published, and whether it went online in time.

Two questions, both plain functions over dates:

- **Publicity periods** (公示期限) of 行政处罚 decisions by severity, counted from the decision date under the Civil
  Code (民法典 arts. 201–202, :func:`xinyong.core.periods.end_of_period`). The periods are data, not constants: a
  :class:`PublicityPolicy` holds dated :class:`PublicityRegime` s, the credit office can load its own as JSON, and a
  decision uses the regime in force on its decision date.
- **Timeliness** (时效): 行政许可 and 行政处罚 decisions go online "自作出行政决定之日起7个工作日内"
  (国办发〔2015〕51号, 国发〔2016〕33号, 发改办财金〔2018〕424号; 共社信办字〔2020〕7号 clause (17)); a revoked or
  changed penalty decision is withdrawn within 3 working days (行政处罚法 art. 48; art. 85 makes its "三日" working
  days). Working days come from :class:`~xinyong.core.workdays.WorkCalendar`, whose convention is kept: the decision
  day is never counted, the deadline day is, and an answer that touched a year without a holiday table is
  ``provisional``.

Licences (行政许可) have no publicity period in the 双公示 documents: they are published with no automatic end, and
only their status takes them offline. The validity end (YXQZI 有效期至) does not hide a licence; the portal may show a
lapsed licence as historical. Pure: no database, no web framework.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from xinyong.core.errors import InvalidInput
from xinyong.core.periods import end_of_period
from xinyong.core.workdays import MIN_YEAR, DateResult, WorkCalendar, check_date
from xinyong.records.rules import PUBLISHED_STATUSES, Kind, Severity, Status

MAX_PERIOD_MONTHS = 1200  # a publicity period longer than 100 years is a typing error, not a rule
MAX_WORKING_DAYS = 366

DEADLINE_WORKING_DAYS = 7  # 国办发〔2015〕51号: online within 7 working days of the decision
ALERT_WORKING_DAYS = 2  # warn this many working days before the deadline
WITHDRAWAL_WORKING_DAYS = 3  # 行政处罚法 arts. 48 and 85


# -- helpers --------------------------------------------------------------------------------------------------------


def _check_count(value: Any, name: str, low: int, high: int = MAX_WORKING_DAYS, unit: str = "working days") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name} must be a whole number of {unit}", field=name)
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be between {low} and {high} {unit}", field=name)
    return value


def _check_keys(data: Any, allowed: set[str], where: str) -> None:
    if not isinstance(data, dict):
        raise InvalidInput("must be an object", field=where.rstrip(".") or None)
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InvalidInput(f"unknown field {unknown[0]!r}", field=f"{where}{unknown[0]}")


def _parse_date(value: Any, name: str) -> dt.date:
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise InvalidInput(f"{name} must be a date (YYYY-MM-DD)", field=name) from None
    return check_date(value, name)


def _merge(*groups: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sorted({year for group in groups for year in group}))


# -- configuration --------------------------------------------------------------------------------------------------


class MonthRange(NamedTuple):
    """A publicity period in months: at least ``minimum`` (0 = may be left unpublished), at most ``maximum``."""

    minimum: int
    maximum: int


@dataclass(frozen=True)
class PublicityRegime:
    """The publicity periods of one rule, for decisions made on or after ``effective_from``.

    A regime runs until the next regime of its :class:`PublicityPolicy` starts. ``periods`` must give every
    :class:`Severity`; errors name the field (``periods.严重.min_months``).
    """

    name: str
    document: str
    effective_from: dt.date
    periods: Mapping[Severity, MonthRange]

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidInput("a regime needs a name", field="name")
        if not isinstance(self.document, str):
            raise InvalidInput("document must be text (e.g. 国办发〔2025〕22号)", field="document")
        check_date(self.effective_from, "effective_from")
        periods: dict[Severity, MonthRange] = {}
        for severity in Severity:
            where = f"periods.{severity.value}"
            try:
                minimum, maximum = self.periods[severity]
            except (KeyError, TypeError, ValueError):
                raise InvalidInput(f"{where} must be a (minimum, maximum) pair of months", field=where) from None
            _check_count(minimum, f"{where}.min_months", 0, MAX_PERIOD_MONTHS, "months")
            _check_count(maximum, f"{where}.max_months", 1, MAX_PERIOD_MONTHS, "months")
            if minimum > maximum:
                raise InvalidInput(
                    f"the minimum period ({minimum} months) exceeds the maximum ({maximum} months)",
                    field=f"{where}.min_months",
                )
            periods[severity] = MonthRange(minimum, maximum)
        object.__setattr__(self, "periods", periods)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "document": self.document,
            "effective_from": self.effective_from.isoformat(),
            "periods": {s.value: {"min_months": r.minimum, "max_months": r.maximum} for s, r in self.periods.items()},
        }

    @classmethod
    def from_dict(cls, data: Any) -> PublicityRegime:
        _check_keys(data, {"name", "document", "effective_from", "periods"}, "")
        raw = data.get("periods")
        if not isinstance(raw, dict):
            raise InvalidInput("periods must be an object keyed by 轻微/一般/严重", field="periods")
        periods: dict[Severity, MonthRange] = {}
        for key, value in raw.items():
            try:
                severity = Severity(key)
            except ValueError:
                allowed = "/".join(s.value for s in Severity)
                raise InvalidInput(f"unknown severity {key!r} (use {allowed})", field=f"periods.{key}") from None
            _check_keys(value, {"min_months", "max_months"}, f"periods.{key}.")
            periods[severity] = MonthRange(value.get("min_months"), value.get("max_months"))
        return cls(
            name=data.get("name"),
            document=data.get("document", ""),
            effective_from=_parse_date(data.get("effective_from"), "effective_from"),
            periods=periods,
        )


CURRENT_REGIME = PublicityRegime(
    name="现行",
    document="国办发〔2025〕22号；国家发展改革委《信用修复管理办法》（2026-04-01施行）",
    effective_from=dt.date(2023, 5, 1),
    periods={
        Severity.MINOR: MonthRange(0, 3),
        Severity.GENERAL: MonthRange(3, 12),
        Severity.SERIOUS: MonthRange(12, 36),
    },
)
"""The current periods (req §3.3), for decisions from 2023-05-01 on.

2023-05-01 is the day 国家发展改革委令第58号 (《失信行为纠正后的信用信息修复管理办法（试行）》) came into force; it
raised the 严重 minimum from 6 months to 1 year, the change req §3.3's "decided before 2023-05" refers to, so it is the
best-grounded boundary. The 2025 rules keep 一般 3 months–1 year and 严重 1–3 years and make 轻微 "may be unpublished,
at most 3 months"; one regime therefore serves every decision from 2023-05-01, 轻微 ones included. An office that wants
Order 58's own treatment of 2023-05 to 2026-03 decisions adds a regime for them and moves this one to 2026-04-01.
"""

REGIME_2019 = PublicityRegime(
    name="2019年旧规",
    document="发改办财金〔2019〕527号",
    effective_from=dt.date(MIN_YEAR, 1, 1),
    periods={
        Severity.MINOR: MonthRange(3, 12),
        Severity.GENERAL: MonthRange(3, 12),
        Severity.SERIOUS: MonthRange(6, 36),
    },
)
"""Decisions before 2023-05-01: 一般 3 months–1 year, 严重 6 months–3 years (发改办财金〔2019〕527号).

The 2019 rule knew only 一般 and 严重 dishonesty, so what is now called 轻微 was 一般 then and gets 一般's periods. It
starts at the calendar's first year rather than at its 2019 issue, so that decisions imported from earlier years get
the oldest known periods instead of an error.
"""


@dataclass(frozen=True)
class PublicityPolicy:
    """The regimes in force over time (strictly increasing ``effective_from``) and the 双公示 working-day limits.

    The limits are what the service passes to :func:`publication_deadline` (``working_days``), :func:`timeliness`
    (``alert_before``) and :func:`withdrawal_deadline`, so that one JSON document configures all of 双公示.
    """

    regimes: tuple[PublicityRegime, ...]
    deadline_working_days: int = DEADLINE_WORKING_DAYS
    alert_working_days: int = ALERT_WORKING_DAYS
    withdrawal_working_days: int = WITHDRAWAL_WORKING_DAYS

    def __post_init__(self) -> None:
        regimes = tuple(self.regimes)
        if not regimes:
            raise InvalidInput("a publicity policy needs at least one regime", field="regimes")
        for index, regime in enumerate(regimes):
            if index and regime.effective_from <= regimes[index - 1].effective_from:
                raise InvalidInput(
                    f"regimes must start on strictly increasing dates: {regime.effective_from.isoformat()} does not "
                    f"follow {regimes[index - 1].effective_from.isoformat()}",
                    field=f"regimes[{index}].effective_from",
                )
        object.__setattr__(self, "regimes", regimes)
        _check_count(self.deadline_working_days, "deadline_working_days", 1)
        _check_count(self.alert_working_days, "alert_working_days", 0)
        _check_count(self.withdrawal_working_days, "withdrawal_working_days", 1)

    @classmethod
    def default(cls) -> PublicityPolicy:
        return cls(regimes=(REGIME_2019, CURRENT_REGIME))

    def regime_for(self, decision_date: dt.date) -> PublicityRegime:
        """The regime in force on ``decision_date``: the last one that started on or before it."""
        check_date(decision_date, "decision_date")
        for regime in reversed(self.regimes):
            if regime.effective_from <= decision_date:
                return regime
        first = self.regimes[0].effective_from.isoformat()
        raise InvalidInput(
            f"no publicity regime covers {decision_date} (the first starts {first})", field="decision_date"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "regimes": [regime.to_dict() for regime in self.regimes],
            "deadline_working_days": self.deadline_working_days,
            "alert_working_days": self.alert_working_days,
            "withdrawal_working_days": self.withdrawal_working_days,
        }

    @classmethod
    def from_dict(cls, data: Any) -> PublicityPolicy:
        """Build from the JSON the credit office stores; the working-day limits are optional (defaults apply)."""
        _check_keys(data, {"regimes", "deadline_working_days", "alert_working_days", "withdrawal_working_days"}, "")
        raw = data.get("regimes")
        if not isinstance(raw, list):
            raise InvalidInput("regimes must be a list", field="regimes")
        regimes = []
        for index, item in enumerate(raw):
            try:
                regimes.append(PublicityRegime.from_dict(item))
            except InvalidInput as error:
                where = f"regimes[{index}]" + (f".{error.field}" if error.field else "")
                raise InvalidInput(error.message, field=where) from error
        return cls(
            regimes=tuple(regimes),
            deadline_working_days=data.get("deadline_working_days", DEADLINE_WORKING_DAYS),
            alert_working_days=data.get("alert_working_days", ALERT_WORKING_DAYS),
            withdrawal_working_days=data.get("withdrawal_working_days", WITHDRAWAL_WORKING_DAYS),
        )


DEFAULT_POLICY = PublicityPolicy.default()


# -- publicity periods ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """When a penalty may and must stop being published; both ends are the *last day* of their period.

    The record is shown through ``max_end`` inclusive and goes offline automatically the day after. Repair may take
    it offline from the day after ``min_end``; ``min_end`` is ``None`` when there is no minimum (轻微: may be left
    unpublished, and repaired at any time).
    """

    min_end: dt.date | None
    max_end: dt.date
    regime: str

    def may_end_early_on(self, day: dt.date) -> bool:
        """Whether repair can end publication on ``day`` (the minimum period is over)."""
        return self.min_end is None or day > self.min_end

    def expired_on(self, day: dt.date) -> bool:
        """Whether publication has ended automatically by ``day`` (the maximum period is over)."""
        return day > self.max_end


def publication_window(decision_date: dt.date, severity: Severity, policy: PublicityPolicy = DEFAULT_POLICY) -> Window:
    """The publicity window of a penalty decided on ``decision_date``, under the regime in force on that day.

    Periods start the day after the decision (民法典 art. 201) and end on the corresponding day of the last month or
    that month's last day (art. 202): an 一般 decision of 2025-11-30 must stay published through 2026-02-28. Art. 203
    (moving an end off a holiday) does not apply: a publicity period is no time limit for anyone to act.
    """
    regime = policy.regime_for(decision_date)
    if severity not in regime.periods:
        raise InvalidInput(f"unknown severity {severity!r} (use 轻微/一般/严重)", field="severity")
    minimum, maximum = regime.periods[Severity(severity)]
    return Window(
        min_end=end_of_period(decision_date, months=minimum) if minimum else None,
        max_end=end_of_period(decision_date, months=maximum),
        regime=regime.name,
    )


@dataclass(frozen=True, slots=True)
class PublicityEnd:
    """The last day a penalty is published and where that date comes from (the rule, not the department's GSJZQ).

    ``severity`` is the one the rule was applied with (一般 when the record has none, as the publication condition
    does); ``rule`` says it in words for people, e.g. ``一般失信：最长公示1年，自决定日期次日起算``.
    """

    date: dt.date
    regime: str
    document: str
    severity: Severity
    max_months: int
    severity_given: bool

    @property
    def rule(self) -> str:
        months = self.max_months
        span = f"{months // 12}年" if months % 12 == 0 else f"{months}个月"
        assumed = "" if self.severity_given else "（未报送严重程度，按一般失信）"
        return f"{self.severity.value}失信：最长公示{span}，自决定日期次日起算{assumed}"


def publicity_end(
    kind: Kind | str, decision_date: dt.date, severity: Severity | str | None, policy: PublicityPolicy = DEFAULT_POLICY
) -> PublicityEnd | None:
    """The publicity end of a 行政处罚 decision (its window's ``max_end``) with the regime that set it; ``None`` for
    every other kind (a licence has no publicity period). A penalty without a severity gets 一般's periods."""
    if kind != Kind.PENALTY:
        return None
    applied = Severity(severity) if severity else Severity.GENERAL
    regime = policy.regime_for(decision_date)
    window = publication_window(decision_date, applied, policy)
    return PublicityEnd(
        date=window.max_end,
        regime=regime.name,
        document=regime.document,
        severity=applied,
        max_months=regime.periods[applied].maximum,
        severity_given=bool(severity),
    )


def is_published_on(
    decision_date: dt.date,
    severity: Severity | None,
    on: dt.date,
    *,
    policy: PublicityPolicy = DEFAULT_POLICY,
    status: Status = Status.VALID,
    kind: Kind = Kind.PENALTY,
) -> bool:
    """Whether a 双公示 decision belongs on the portal on day ``on``.

    Not before its decision date, never under 已修复/已撤销/已过期 (:data:`~xinyong.records.rules.PUBLISHED_STATUSES`),
    and for a penalty not after the ``max_end`` of its window. A licence (``kind=Kind.LICENSE``, severity ignored) has
    no automatic end. Whether it *was* put online in time is :func:`timeliness`'s question.
    """
    check_date(on, "on")
    check_date(decision_date, "decision_date")
    if kind not in (Kind.PENALTY, Kind.LICENSE):
        raise InvalidInput("only 行政许可 and 行政处罚 decisions are 双公示", field="kind")
    if kind is Kind.PENALTY and severity is None:
        raise InvalidInput("a penalty needs its severity (轻微/一般/严重) for its publicity period", field="severity")
    if Status(status) not in PUBLISHED_STATUSES or on < decision_date:
        return False
    if kind is Kind.LICENSE or severity is None:
        return True
    return not publication_window(decision_date, severity, policy).expired_on(on)


# -- timeliness -----------------------------------------------------------------------------------------------------


class TimelinessStatus(StrEnum):
    ON_TIME = "按时公示"  # published on or before the deadline
    LATE = "逾期公示"  # published after the deadline
    PENDING = "待公示"  # not yet published; the deadline is ahead and not near
    DUE_SOON = "即将逾期"  # not yet published; at most ``alert_before`` working days left (deadline day included)
    OVERDUE = "已逾期未公示"  # not published and the deadline has passed

    @property
    def due(self) -> bool:
        """Counted in the on-time rate: published, or the deadline has passed (see :func:`on_time_rate`)."""
        return self in (TimelinessStatus.ON_TIME, TimelinessStatus.LATE, TimelinessStatus.OVERDUE)


@dataclass(frozen=True, slots=True)
class Timeliness:
    """One decision's timeliness. ``working_days_elapsed`` runs from the decision to publication (or to today);
    ``working_days_left`` is the working days in (today, deadline] while unpublished (negative once overdue)."""

    status: TimelinessStatus
    deadline: dt.date
    working_days_elapsed: int
    working_days_left: int | None = None
    unknown_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.unknown_years)


def publication_deadline(
    decision_date: dt.date, calendar: WorkCalendar, *, working_days: int = DEADLINE_WORKING_DAYS
) -> DateResult:
    """The last day to put a decision online: the ``working_days``-th working day after the decision date.

    A decision of Friday 2020-09-25 is due on 2020-10-12: Sunday 09-27 is a make-up working day, 10-01 to 10-08 are the
    National Day and Mid-Autumn holidays, Saturday 10-10 is worked.
    """
    check_date(decision_date, "decision_date")
    _check_count(working_days, "working_days", 1)
    return calendar.add_working_days(decision_date, working_days)


def withdrawal_deadline(
    revocation_date: dt.date, calendar: WorkCalendar, working_days: int = WITHDRAWAL_WORKING_DAYS
) -> DateResult:
    """The last day to take a revoked or changed penalty decision offline (行政处罚法 art. 48: 三日内撤回; art. 85:
    "三日" in that law means working days), counted like :func:`publication_deadline`."""
    check_date(revocation_date, "revocation_date")
    _check_count(working_days, "working_days", 1)
    return calendar.add_working_days(revocation_date, working_days)


@dataclass(frozen=True, slots=True)
class WithdrawalTimeliness:
    """How long the public copy took to follow a decision revoked or changed at the source (3-working-day rule)."""

    source_changed_on: dt.date
    public_changed_on: dt.date
    deadline: dt.date
    working_days: int  # working days after the source's change until the public copy changed (0: the same day)
    unknown_years: tuple[int, ...] = ()

    @property
    def on_time(self) -> bool:
        return self.public_changed_on <= self.deadline

    @property
    def provisional(self) -> bool:
        return bool(self.unknown_years)


def withdrawal_timeliness(
    source_changed_on: dt.date,
    public_changed_on: dt.date,
    calendar: WorkCalendar,
    working_days: int = WITHDRAWAL_WORKING_DAYS,
) -> WithdrawalTimeliness:
    """Whether the public copy changed within ``working_days`` working days of the change at the source (a public
    copy changed before the source's date, e.g. a back-dated revocation, counts as 0 days)."""
    deadline = withdrawal_deadline(source_changed_on, calendar, working_days)
    counted = calendar.count_working_days(source_changed_on, max(public_changed_on, source_changed_on))
    return WithdrawalTimeliness(
        source_changed_on=source_changed_on,
        public_changed_on=public_changed_on,
        deadline=deadline.date,
        working_days=counted.count,
        unknown_years=tuple(sorted(set(deadline.unknown_years) | set(counted.unknown_years))),
    )


def timeliness(
    decision_date: dt.date,
    published_date: dt.date | None,
    today: dt.date,
    calendar: WorkCalendar,
    *,
    working_days: int = DEADLINE_WORKING_DAYS,
    alert_before: int = ALERT_WORKING_DAYS,
) -> Timeliness:
    """Whether a decision went online in time, or how close it is to being late.

    A deadline lasts its whole day: publishing on the deadline is on time, and an unpublished decision is overdue
    from the next day. It is 即将逾期 while at most ``alert_before`` working days are left after today, so with the
    default 2 the alert starts two working days before the deadline and lasts through it (rest days in between stay
    in alert); ``alert_before=0`` warns on the deadline day only.
    """
    check_date(today, "today")
    check_date(decision_date, "decision_date")
    _check_count(alert_before, "alert_before", 0)
    if today < decision_date:
        raise InvalidInput("the decision date is after today", field="decision_date")
    deadline = publication_deadline(decision_date, calendar, working_days=working_days)
    if published_date is not None:
        check_date(published_date, "published_date")
        if published_date < decision_date:
            raise InvalidInput("a decision cannot be published before it is made", field="published_date")
        elapsed = calendar.count_working_days(decision_date, published_date)
        status = TimelinessStatus.ON_TIME if published_date <= deadline.date else TimelinessStatus.LATE
        return Timeliness(
            status=status,
            deadline=deadline.date,
            working_days_elapsed=elapsed.count,
            unknown_years=_merge(deadline.unknown_years, elapsed.unknown_years),
        )
    elapsed = calendar.count_working_days(decision_date, today)
    left = calendar.count_working_days(today, deadline.date)
    if today > deadline.date:
        status = TimelinessStatus.OVERDUE
    elif left.count <= alert_before:
        status = TimelinessStatus.DUE_SOON
    else:
        status = TimelinessStatus.PENDING
    return Timeliness(
        status=status,
        deadline=deadline.date,
        working_days_elapsed=elapsed.count,
        working_days_left=left.count,
        unknown_years=_merge(deadline.unknown_years, elapsed.unknown_years, left.unknown_years),
    )


class OnTimeRate(NamedTuple):
    on_time: int
    due: int
    rate: float | None  # on_time / due; None when nothing is due yet


def on_time_rate(items: Iterable[Timeliness | TimelinessStatus]) -> OnTimeRate:
    """The share of due decisions that went online by their deadline.

    *Due* means the question is settled: the decision was published (on time or late), or its deadline has passed
    without publication (the deadline day itself still allows on-time publication, so an unpublished decision whose
    deadline is today is not yet due). 待公示 and 即将逾期 decisions are left out of both counts.
    """
    on_time = due = 0
    for item in items:
        status = item.status if isinstance(item, Timeliness) else TimelinessStatus(item)
        if status.due:
            due += 1
            on_time += status is TimelinessStatus.ON_TIME
    return OnTimeRate(on_time, due, on_time / due if due else None)
