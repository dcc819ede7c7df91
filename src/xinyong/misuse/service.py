"""Use cases of insider-misuse alerts (谋私预警): the rule settings the office edits (every change a new version,
audited), the sweep that reads the audit log past its watermark and raises alerts, and the auditor's queue.

Who sees what: alerts go to auditors only (审计/纪检), never to the department of the person they are about, and never
to that person, whatever their role — an auditor does not see (404) an alert about themselves. The audit events of an
alert's steps name neither the person nor the closing reason (the audit log is also read by the office); the step
table and the alert keep them. Alerting never blocks work: the sweep only reads the log and writes alerts.

Services flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, func, select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.audit import AuditEvent
from xinyong.core.calendar import load_calendar
from xinyong.core.errors import Forbidden, InvalidInput, NotFound
from xinyong.core.pagination import PageRequest
from xinyong.core.workflow import Parties, StepView, history
from xinyong.misuse import window
from xinyong.misuse.models import MISUSE_ALERT, MisuseAlert, MisuseRuleVersion, MisuseWatermark
from xinyong.misuse.rules import (
    DECISIONS,
    FILINGS,
    MAX_EVIDENCE,
    SPECS,
    AlertStatus,
    AlertStep,
    BulkPersonal,
    Code,
    Evaluator,
    Event,
    Hit,
    OffHours,
    OutsideDepartment,
    ParamError,
    RepeatedExports,
    api_surge,
    check_params,
    decision_hit,
    reads_before,
)
from xinyong.punishment import service as punishment

BATCH = 20_000
SWEEP_LIMIT = 500_000  # audit events examined in one tick at most (the rest next tick)
FIRST_SWEEP_DAYS = 30  # how far back the very first sweep starts (docs/operations.md)
BEIJING = dt.timezone(dt.timedelta(hours=8))
API_DAYS_PER_SWEEP = 31
FIRST_PAGE = PageRequest()
QUEUE_ROLES = frozenset({Role.AUDITOR, Role.SYSTEM})


# ---------------------------------------------------------------- rule settings (versioned data)


@dataclass(frozen=True)
class RuleSetting:
    code: str
    label: str
    explains: str
    version: int  # 0: the built-in defaults, never changed
    enabled: bool
    params: dict[str, Any]
    changed_at: dt.datetime | None
    changed_by: str | None
    reason: str | None


def _latest_versions(session: Session) -> dict[str, MisuseRuleVersion]:
    newest = (
        select(MisuseRuleVersion.code, func.max(MisuseRuleVersion.version).label("v"))
        .group_by(MisuseRuleVersion.code)
        .subquery()
    )
    rows = session.scalars(
        select(MisuseRuleVersion).join(
            newest, (MisuseRuleVersion.code == newest.c.code) & (MisuseRuleVersion.version == newest.c.v)
        )
    )
    return {row.code: row for row in rows}


def rule_settings(session: Session) -> list[RuleSetting]:
    """Every rule of the catalogue with its current setting (the newest version, else the defaults)."""
    latest = _latest_versions(session)
    settings = []
    for code, spec in SPECS.items():
        row = latest.get(code)
        if row is None:
            settings.append(
                RuleSetting(code, spec.label, spec.explains, 0, True, dict(spec.defaults), None, None, None)
            )
        else:
            settings.append(
                RuleSetting(
                    code,
                    spec.label,
                    spec.explains,
                    row.version,
                    row.enabled,
                    dict(row.params),
                    row.changed_at,
                    row.changed_by,
                    row.reason,
                )
            )
    return settings


def rule_versions(session: Session, code: str) -> list[MisuseRuleVersion]:
    if code not in SPECS:
        raise NotFound("no such misuse rule (没有这条规则)", field="code")
    return list(
        session.scalars(
            select(MisuseRuleVersion).where(MisuseRuleVersion.code == code).order_by(MisuseRuleVersion.version.desc())
        )
    )


def change_rule(session: Session, actor: Actor, code: str, *, enabled: bool, params: Any, reason: str) -> RuleSetting:
    """The office changes a rule's threshold or switches it: a new version, audited ``misuse:rule:changed``."""
    if actor.role not in (Role.CREDIT_OFFICE, Role.SYSTEM):
        raise Forbidden("only the credit office changes misuse rules (仅信用办可修改预警规则)")
    if code not in SPECS:
        raise NotFound("no such misuse rule (没有这条规则)", field="code")
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise InvalidInput("a reason of 1 to 500 characters is required (须填写 1 至 500 字的修改理由)", field="reason")
    try:
        checked = check_params(code, params)
    except ParamError as refused:
        raise InvalidInput(f"invalid rule setting ({refused})", field="params") from refused
    current = next(s for s in rule_settings(session) if s.code == code)
    row = MisuseRuleVersion(
        code=code,
        version=current.version + 1,
        enabled=bool(enabled),
        params=checked,
        changed_at=clock.now(),
        changed_by=actor.id,
        reason=reason,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "misuse:rule:changed",
        "misuse_rule",
        code,
        {"version": row.version, "enabled": row.enabled, "params": checked, "reason": reason},
    )
    return next(s for s in rule_settings(session) if s.code == code)


# ---------------------------------------------------------------- the sweep


@dataclass(frozen=True)
class SweepReport:
    examined: int  # audit events past the watermark read this time
    raised: int
    extended: int
    watermark: int
    api_days: int

    def summary(self) -> str:
        """What a tick round prints: the work done, not the marks it moved (a second round with nothing new prints
        the same line)."""
        return f"examined {self.examined}, raised {self.raised}, extended {self.extended}"


def _watermark(session: Session, today: dt.date) -> MisuseWatermark:
    """The sweep's row; the first sweep (a new installation, or the upgrade that brings the rules) starts at the
    events of the last :data:`FIRST_SWEEP_DAYS` days, not at the start of a log that may hold years."""
    row = session.execute(select(MisuseWatermark).where(MisuseWatermark.id == 1).with_for_update()).scalar_one_or_none()
    if row is None:
        since = dt.datetime.combine(today - dt.timedelta(days=FIRST_SWEEP_DAYS), dt.time(), tzinfo=BEIJING)
        first = session.execute(select(func.min(AuditEvent.seq)).where(AuditEvent.at >= since)).scalar_one_or_none()
        if first is None:  # nothing recent: start after the newest event
            first = (session.execute(select(func.max(AuditEvent.seq))).scalar_one_or_none() or 0) + 1
        row = MisuseWatermark(id=1, audit_seq=first - 1, api_day=None, updated_at=clock.now())
        session.add(row)
        session.flush()
    return row


def _evaluators(session: Session, settings: Sequence[RuleSetting]) -> list[Evaluator]:
    on = {s.code: s for s in settings if s.enabled}
    made: list[Evaluator] = []
    if Code.BULK_PERSONAL in on:
        made.append(BulkPersonal(on[Code.BULK_PERSONAL].params))
    if Code.REPEATED_EXPORTS in on:
        made.append(RepeatedExports(on[Code.REPEATED_EXPORTS].params))
    if Code.OUTSIDE_DEPARTMENT in on:
        made.append(OutsideDepartment(on[Code.OUTSIDE_DEPARTMENT].params))
    if Code.OFF_HOURS in on:
        calendar = load_calendar(session)
        known: dict[dt.date, bool] = {}

        def working(day: dt.date) -> bool:
            if day not in known:
                known[day] = calendar.is_working_day(day).working
            return known[day]

        made.append(OffHours(on[Code.OFF_HOURS].params, working))
    return made


def _decision_hits(session: Session, decisions: list[Event], setting: RuleSetting) -> list[Hit]:
    """For each decision, the decider's reads of the entity in the days before its application was filed."""
    t = AuditEvent.__table__.c
    lookback = int(setting.params["lookback_days"])
    reads_watched = window.action_filter(setting.params["actions"])
    hits = []
    for decision in decisions:
        filing = FILINGS.get(decision.subject_type)
        if filing is None or decision.uscc is None:
            continue
        filed_at = session.execute(
            select(t.at)
            .where(t.action == filing, t.subject_type == decision.subject_type, t.subject_id == decision.subject_id)
            .order_by(t.seq)
            .limit(1)
        ).scalar_one_or_none()
        if filed_at is None:
            continue
        rows = session.execute(
            window.columns()
            .where(
                t.actor_id == decision.actor_id,
                t.at >= filed_at - dt.timedelta(days=lookback),
                t.at < filed_at,
                reads_watched,
            )
            .order_by(t.seq)
            .limit(5000)
        ).all()
        found = reads_before(decision, filed_at, [Event(*r) for r in rows], lookback)
        if found:
            hits.append(decision_hit(decision, filed_at, found, lookback))
    return hits


def sweep_misuse(
    session: Session, actor: Actor, today: dt.date | None = None, *, limit: int = SWEEP_LIMIT
) -> SweepReport:
    """Examine the audit events past the watermark (at most ``limit``) and the completed days of API checks; raise or
    extend alerts; move the watermarks. Each event is examined once: a second run finds nothing new."""
    today = today or clock.today()
    mark = _watermark(session, today)
    settings = rule_settings(session)
    by_code = {s.code: s for s in settings}
    versions = {s.code: s.version for s in settings}
    head = session.execute(select(func.max(AuditEvent.seq))).scalar_one_or_none() or 0
    upto = min(head, mark.audit_seq + limit)
    hits: list[Hit] = []
    examined = 0
    if upto > mark.audit_seq:
        evaluators = _evaluators(session, settings)
        deciding = by_code[Code.READ_BEFORE_DECISION].enabled
        patterns = {p for e in evaluators for p in e.actions} | (set(DECISIONS) if deciding else set())
        examined = window.count_new(session, mark.audit_seq, upto, patterns)
        reach = max((getattr(e, "window", dt.timedelta(0)) for e in evaluators), default=dt.timedelta(0))
        span = window.span(session, mark.audit_seq, upto, reach)
        for evaluator in evaluators:  # each rule reads only its candidates' events (window.py)
            for event in window.candidate_events(session, span, evaluator):
                evaluator.feed(event, event.seq > span.after)
            hits.extend(evaluator.finish())
        if deciding:
            decided = window.decisions(session, span, DECISIONS)
            hits.extend(_decision_hits(session, decided, by_code[Code.READ_BEFORE_DECISION]))
    raised = extended = 0
    cache = _latest_alerts(session, hits)
    for hit in sorted(hits, key=lambda h: (h.end, h.code, h.actor_id)):
        outcome = _store(session, actor, hit, versions[hit.code], cache)
        raised += outcome == "raised"
        extended += outcome == "extended"
    api_days = 0
    if by_code[Code.API_SURGE].enabled:
        api_days, more = _sweep_api(session, actor, mark, today, by_code[Code.API_SURGE], cache)
        raised += more
    mark.audit_seq = max(mark.audit_seq, upto)
    mark.updated_at = clock.now()
    session.flush()
    return SweepReport(examined, raised, extended, mark.audit_seq, api_days)


def _sweep_api(
    session: Session,
    actor: Actor,
    mark: MisuseWatermark,
    today: dt.date,
    setting: RuleSetting,
    cache: dict[tuple[str, str], MisuseAlert | None],
) -> tuple[int, int]:
    """Each completed Beijing day since the last one examined (the first time: yesterday only)."""
    last_done = today - dt.timedelta(days=1)
    first = mark.api_day + dt.timedelta(days=1) if mark.api_day else last_done
    if first > last_done:
        return 0, 0
    last = min(last_done, first + dt.timedelta(days=API_DAYS_PER_SWEEP - 1))
    baseline = int(setting.params["baseline_days"])
    counts = punishment.daily_check_counts(session, first - dt.timedelta(days=baseline), last)
    raised = 0
    day = first
    while day <= last:
        for requester, per_day in sorted(counts.items()):
            found = api_surge(requester, day, per_day, setting.params)
            if found is None:
                continue
            calls, mean = found
            checks = punishment.checks_on(session, requester, day, limit=MAX_EVIDENCE)
            start = checks[0].at if checks else dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
            end = checks[-1].at if checks else start
            hit = Hit(
                Code.API_SURGE,
                requester,
                str(Role.BUSINESS_SYSTEM),
                None,
                start,
                end,
                calls,
                f"{day.isoformat()} 核查 {calls} 次，此前 {baseline} 天日均 {mean:.1f} 次",
                checks=[c.id for c in checks],
                bucket=day.isoformat(),
            )
            raised += _store(session, actor, hit, setting.version, cache) == "raised"
        day += dt.timedelta(days=1)
    mark.api_day = last
    return (last - first).days + 1, raised


def _latest_alerts(session: Session, hits: list[Hit]) -> dict[tuple[str, str], MisuseAlert | None]:
    """The newest alert of each (rule, person) the hits are about, in a few queries instead of one per hit."""
    found: dict[tuple[str, str], MisuseAlert | None] = {(h.code, h.actor_id): None for h in hits}
    actors = sorted({h.actor_id for h in hits})
    for start in range(0, len(actors), 500):
        rows = session.scalars(
            select(MisuseAlert).where(MisuseAlert.actor_id.in_(actors[start : start + 500])).order_by(MisuseAlert.id)
        )
        for row in rows:
            if (row.rule_code, row.actor_id) in found:
                found[(row.rule_code, row.actor_id)] = row
    return found


def _latest(
    session: Session, code: str, actor_id: str, cache: dict[tuple[str, str], MisuseAlert | None]
) -> MisuseAlert | None:
    key = (code, actor_id)
    if key not in cache:
        cache[key] = session.execute(
            select(MisuseAlert)
            .where(MisuseAlert.rule_code == code, MisuseAlert.actor_id == actor_id)
            .order_by(MisuseAlert.id.desc())
            .limit(1)
        ).scalar_one_or_none()
    return cache[key]


def _continues(prior: MisuseAlert, hit: Hit) -> bool:
    if hit.bucket is not None or prior.bucket is not None:
        return prior.bucket == hit.bucket
    return hit.start <= prior.window_end + hit.window


def _store(
    session: Session, actor: Actor, hit: Hit, version: int, cache: dict[tuple[str, str], MisuseAlert | None]
) -> str:
    """Raise an alert for the hit, or add it to the open alert of the same episode; ``""`` when nothing is new."""
    prior = _latest(session, hit.code, hit.actor_id, cache)
    if prior is not None and _continues(prior, hit):
        if prior.status == AlertStatus.OPEN:
            return _extend(session, actor, prior, hit)
        known = set(prior.evidence)
        hit.seqs = [s for s in hit.seqs if s not in known]
        if not hit.seqs and not hit.checks:
            return ""
    now = clock.now()
    alert = MisuseAlert(
        rule_code=hit.code,
        rule_version=version,
        actor_id=hit.actor_id,
        actor_role=hit.actor_role,
        actor_department=hit.actor_department,
        bucket=hit.bucket,
        window_start=hit.start,
        window_end=hit.end,
        count=hit.count,
        summary=hit.summary[:500],
        evidence=sorted(set(hit.seqs))[:MAX_EVIDENCE],
        checks=hit.checks[:MAX_EVIDENCE],
        status="",
        created_at=now,
        updated_at=now,
    )
    session.add(alert)
    session.flush()
    MISUSE_ALERT.advance(
        session,
        actor,
        alert,
        AlertStep.RAISE,
        parties=Parties(None),
        reason=SPECS[hit.code].label,
        details={"rule": hit.code, "rule_version": version, "count": hit.count},
    )
    cache[(hit.code, hit.actor_id)] = alert
    return "raised"


def _extend(session: Session, actor: Actor, alert: MisuseAlert, hit: Hit) -> str:
    known = set(alert.evidence)
    added = [s for s in hit.seqs if s not in known]
    if not added:
        return ""
    alert.evidence = sorted(known | set(added))[:MAX_EVIDENCE]
    if hit.bucket is not None:
        alert.count, alert.summary = max(alert.count, hit.count), hit.summary[:500]
    else:
        alert.count += hit.count
        alert.summary = f"多个时间窗口累计 {alert.count}；最近一次：{hit.summary}"[:500]
    alert.window_end = max(alert.window_end, hit.end)
    alert.updated_at = clock.now()
    session.flush()
    audit.record(session, actor, "misuse:alert:extended", "misuse_alert", str(alert.id), {"events": len(added)})
    return "extended"


# ---------------------------------------------------------------- the auditor's queue


def _visible(actor: Actor) -> ColumnElement[bool]:
    """Auditors see every alert except those about themselves; nobody else sees any."""
    if actor.role not in QUEUE_ROLES:
        return false()
    return MisuseAlert.actor_id != actor.id


def page_alerts(
    session: Session, actor: Actor, *, status: AlertStatus | None = None, page: PageRequest = FIRST_PAGE
) -> tuple[list[MisuseAlert], int]:
    condition = _visible(actor)
    if status is not None:
        condition = condition & (MisuseAlert.status == str(status))
    total = session.execute(select(func.count()).select_from(MisuseAlert).where(condition)).scalar_one()
    rows = session.scalars(
        select(MisuseAlert).where(condition).order_by(MisuseAlert.id.desc()).offset(page.offset).limit(page.page_size)
    )
    return list(rows), int(total)


def get_alert(session: Session, actor: Actor, alert_id: int) -> MisuseAlert:
    """One alert for an auditor it is not about (else 404: invisible and missing look the same)."""
    row = session.execute(select(MisuseAlert).where(MisuseAlert.id == alert_id, _visible(actor))).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no alert {alert_id} (未找到该预警)", field="alert_id")
    return row


def alert_events(session: Session, alert: MisuseAlert) -> list[AuditEvent]:
    """The audit events behind an alert, in chain order."""
    if not alert.evidence:
        return []
    return list(session.scalars(select(AuditEvent).where(AuditEvent.seq.in_(alert.evidence)).order_by(AuditEvent.seq)))


def alert_steps(session: Session, alert: MisuseAlert) -> list[StepView]:
    """The alert's steps for a screen (办理过程)."""
    return history(session, MISUSE_ALERT, alert.id)


def alert_checks(session: Session, alert: MisuseAlert) -> list[punishment.LoggedCheck]:
    return punishment.checks_by_id(session, list(alert.checks or []))


def close_alert(session: Session, actor: Actor, alert_id: int, reason: str) -> MisuseAlert:
    """An auditor closes an alert with the reason (核查结论); audited ``misuse:alert:closed``."""
    row = get_alert(session, actor, alert_id)
    text = (reason or "").strip()
    if not text or len(text) > 2000:
        raise InvalidInput("a reason of 1 to 2000 characters is required (须填写核查结论)", field="reason")
    MISUSE_ALERT.table.require(AlertStep.CLOSE, AlertStatus(row.status), actor, Parties(None))
    row.closed_by, row.close_reason = actor.id, text
    MISUSE_ALERT.advance(session, actor, row, AlertStep.CLOSE, parties=Parties(None), reason=text)
    return row
