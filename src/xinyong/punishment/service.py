"""Joint punishment's service API (req §3.10): what routes, the CLI and other areas call.

The work is done in :mod:`~xinyong.punishment.catalogue` (measures and memoranda) and
:mod:`~xinyong.punishment.checks` (the embedded check, feedback, statistics); this module is the stable surface.
Services flush, never commit.

Stable signatures::

    seed_catalogue(session, actor=...) -> int
    list_measures(session, *, scenario=None, list_type=None) -> list[MeasureOut]
    get_measure(session, code) -> Measure
    create_measure(session, actor, data: MeasureIn) -> Measure
    list_memoranda(session) -> list[MemorandumOut]
    create_memorandum(session, actor, data: MemorandumIn) -> MemorandumOut
    run_check(session, actor, data: CheckIn) -> CheckOut
    record_feedback(session, actor, check_id, data: FeedbackIn) -> FeedbackOut
    statistics(session, month) -> StatisticsOut
    feedback_by_department(session, month) -> {department: (checks, measures returned, with feedback)}
    feedback_items(session, department, month, limit) -> list[dict]
    changes_for(session, actor, *, days=90) -> list[ChangeOut]          # pull
    notify_entry_change(session, actor, entry_id, event, *, on=None, until=None, details=None) -> list[ChangeNotice]
    notify_checkers(session, actor, *, notice_key, event, on, uscc=None, person_id=None, ...) -> list[ChangeNotice]
    sweep_change_notices(session, actor, today=None) -> NoticeSweep      # push, through the outbox
    list_notices(session, *, limit=200, offset=0) -> list[NoticeOut]
    seal_checks(session, actor, today=None) -> SealReport                # the check log into the audit chain
    verify_check_seals(session) -> SealCheck
    daily_check_counts(session, first, last) -> {caller: {day: n}}      # oversight (谋私预警) reads the log
    checks_on(session, requester_id, day) / checks_by_id(session, ids) -> list[LoggedCheck]
"""

from __future__ import annotations

from xinyong.punishment.catalogue import (
    create_measure,
    create_memorandum,
    ensure_seeded,
    extend_catalogue,
    get_measure,
    list_measures,
    list_memoranda,
    measure_out,
    seed_catalogue,
)
from xinyong.punishment.changes import changes_for
from xinyong.punishment.checklog import LoggedCheck, checks_by_id, checks_on, daily_check_counts
from xinyong.punishment.checks import feedback_by_department, feedback_items, record_feedback, run_check, statistics
from xinyong.punishment.notices import TOPIC as NOTICE_TOPIC
from xinyong.punishment.notices import (
    list_notices,
    notify_checkers,
    notify_entry_change,
    sweep_change_notices,
)
from xinyong.punishment.seals import seal_checks, verify_check_seals

__all__ = [
    "NOTICE_TOPIC",
    "LoggedCheck",
    "changes_for",
    "checks_by_id",
    "checks_on",
    "create_measure",
    "create_memorandum",
    "daily_check_counts",
    "ensure_seeded",
    "extend_catalogue",
    "feedback_by_department",
    "feedback_items",
    "get_measure",
    "list_measures",
    "list_memoranda",
    "list_notices",
    "measure_out",
    "notify_checkers",
    "notify_entry_change",
    "record_feedback",
    "run_check",
    "seal_checks",
    "seed_catalogue",
    "statistics",
    "sweep_change_notices",
    "verify_check_seals",
]
