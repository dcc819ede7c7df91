"""The platform's scheduled sweeps, in one place: ``xinyong tick`` runs them from cron, and the server runs them in
the background every ``XINYONG_BACKGROUND_TICK_SECONDS`` (30 by default; 0 turns it off).

Each sweep runs in its own transaction, so one failing sweep does not undo the others; a second run the same day
changes nothing. In the server a round's exceptions are logged, never fatal, and on PostgreSQL a session advisory
lock lets only one server process run a round at a time (a process that does not get the lock skips the round).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from sqlalchemy import text

from xinyong.agencies.service import sweep_agency_notices
from xinyong.commitments.fulfilment import sweep_commitments
from xinyong.content.service import sweep_content
from xinyong.contradictions.service import sweep_contradictions
from xinyong.core import audit_anchors, clock, metrics, opstate
from xinyong.core.actor import Actor
from xinyong.core.db import Database, get_database
from xinyong.core.outbox import deliver_due, sweep_outbox
from xinyong.evaluation.service import sweep_model_runs, sweep_regrades
from xinyong.exchange.service import push_targets, scan_outbound, sweep_pulls
from xinyong.inspections.service import sweep_overdue
from xinyong.lists.service import expire_entries
from xinyong.misuse.service import sweep_misuse
from xinyong.objections.service import sweep_objections
from xinyong.punishment.service import seal_checks, sweep_change_notices
from xinyong.records.publication import refresh_counts
from xinyong.records.sweep import expire_publicity
from xinyong.remedies.service import sweep_rectifications
from xinyong.repair.service import sweep_repairs
from xinyong.risk.service import sweep_risk

Sweep = Callable[..., object]
log = logging.getLogger("xinyong.ticker")
ADVISORY_LOCK_KEY = 0x78696E79  # "xiny": one key for the whole platform's background rounds


def anchor_due(database: Database, actor: Actor) -> audit_anchors.Anchor | None:
    """The daily anchor of the audit chain: signed head to the table, the outbox (the province) and the file."""
    return audit_anchors.anchor(database, actor, targets=push_targets, only_if_due=True)


def sweep_audit_anchor(_session: object, actor: Actor, _today: dt.date | None = None) -> str:
    """``xinyong tick``'s anchor sweep: like the outbox's, it ignores the tick's session (the anchor file is written
    after the anchor's own transaction commits)."""
    made = anchor_due(get_database(), actor)
    return f"event {made.seq} anchored" if made else "anchored recently already"


# (name, function); every function takes (session, actor, today)
SWEEPS: tuple[tuple[str, Sweep], ...] = (
    ("publicity expiry (双公示公示期满)", expire_publicity),
    ("list expiry (名单期满移出)", expire_entries),
    ("rectification escalation (整改逾期)", sweep_rectifications),
    ("容缺 materials overdue (容缺逾期)", sweep_commitments),
    ("objections overdue (异议逾期督办)", sweep_objections),
    ("risk alerts (风险预警)", sweep_risk),
    ("insider-misuse alerts (谋私预警)", sweep_misuse),  # reads the audit log past its watermark
    ("repair applications overdue (信用修复逾期督办)", sweep_repairs),
    ("scheduled content (网站内容定时发布与撤回)", sweep_content),
    ("check log seal (核查记录封存)", seal_checks),
    ("change notices (名单变动通知)", sweep_change_notices),  # before the outbox: it queues webhook messages
    ("agency notices (信用服务机构删除通知)", sweep_agency_notices),  # before the outbox: it queues webhook messages
    ("upstream feeds due (上级来源拉取)", sweep_pulls),
    ("push queue (上报省平台入队)", scan_outbound),  # before the outbox delivers
    ("audit chain anchor (审计链锚点)", sweep_audit_anchor),  # daily; before the outbox, which pushes it
    ("webhook outbox (发件箱投递)", sweep_outbox),
    ("inspection results overdue (双随机结果公示逾期)", sweep_overdue),
    ("prompt re-grading (信用评价重新评价)", sweep_regrades),  # after the sweeps that queue entities
    ("new model version (新评价模型全量重评)", sweep_model_runs),  # one chunk of the full run a tick
    ("contradiction flags (矛盾比对)", sweep_contradictions),  # after re-grading: compares the fresh grades
    ("portal counters (门户统计数)", refresh_counts),  # last: after expiry and every change above
)


def describe(result: object) -> str:
    if isinstance(result, list):
        return f"{len(result)} changed"
    summary = getattr(result, "summary", None)
    if callable(summary):  # a report that keeps internal progress (marks, positions) out of what a round prints
        return str(summary())
    fields = getattr(result, "__dataclass_fields__", None)
    if fields:
        return ", ".join(f"{name} {getattr(result, name)}" for name in fields)
    return str(result)


def run_round(database: Database, day: dt.date | None = None) -> list[tuple[str, str]]:
    """One round of every sweep, each in its own transaction; a failing sweep is logged and the others still
    run. Returns (sweep, outcome) pairs."""
    day = day or clock.today()
    actor = Actor.system("tick:background")
    outcomes: list[tuple[str, str]] = []
    for name, sweep in SWEEPS:
        try:
            if sweep is sweep_outbox:  # delivery keeps no transaction open over HTTP: it takes the database itself
                result: object = deliver_due(database)
            elif sweep is sweep_audit_anchor:  # writes the anchor file after its own commit
                made = anchor_due(database, actor)
                result = f"event {made.seq} anchored" if made else "anchored recently already"
            else:
                with database.unit_of_work() as session:
                    result = sweep(session, actor, day)
            outcomes.append((name, describe(result)))
        except Exception:  # a sweep's failure must not stop the server or the other sweeps
            log.exception("background tick: sweep %s failed", name)
            outcomes.append((name, "failed"))
    failed = sum(1 for _, outcome in outcomes if outcome == "failed")
    try:
        with database.unit_of_work() as session:  # the tick-lag metric reads this, whichever process scrapes
            opstate.put(session, opstate.TICK, {"sweeps": len(outcomes), "failed": failed})
    except Exception:
        log.exception("background tick: could not record the round")
    metrics.tick_finished(failed=failed)
    return outcomes


FIRST_ROUND_DELAY = 3.0  # seconds after start-up before the background tick's first round


class BackgroundTicker:
    """Runs :func:`run_round` every ``interval`` seconds in a daemon thread until :meth:`stop`."""

    def __init__(self, database: Database, interval: float) -> None:
        self.database = database
        self.interval = interval
        self.rounds = 0
        self.skipped = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="xinyong-ticker", daemon=True)

    def start(self) -> None:
        log.info("background tick every %s s", self.interval)
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _loop(self) -> None:
        # the first round waits a moment (at most FIRST_ROUND_DELAY): a server starting up answers its first requests
        # (the /healthz of a deployment's readiness probe) without a round competing for the interpreter
        if self._stop.wait(min(self.interval, FIRST_ROUND_DELAY)):
            return
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # even the lock's connection failing is logged, not fatal
                log.exception("background tick round failed")
            self._stop.wait(self.interval)

    def run_once(self) -> bool:
        """One round, under the PostgreSQL advisory lock when on PostgreSQL. False when another process holds it."""
        if self.database.dialect != "postgresql":
            run_round(self.database)
            self.rounds += 1
            return True
        with self.database.engine.connect() as lock:
            got = lock.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}).scalar()
            lock.commit()
            if not got:
                self.skipped += 1
                return False
            try:
                run_round(self.database)
                self.rounds += 1
            finally:
                lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
                lock.commit()
        return True
