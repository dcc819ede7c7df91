"""Joint punishment's service API (SPEC §3.10): what routes, the CLI and other areas call.

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
    changes_for(session, actor, *, days=90) -> list[ChangeOut]          # pull; no webhook push yet
"""

from __future__ import annotations

from xinyong.punishment.catalogue import (
    create_measure,
    create_memorandum,
    ensure_seeded,
    get_measure,
    list_measures,
    list_memoranda,
    measure_out,
    seed_catalogue,
)
from xinyong.punishment.changes import changes_for
from xinyong.punishment.checks import record_feedback, run_check, statistics

__all__ = [
    "changes_for",
    "create_measure",
    "create_memorandum",
    "ensure_seeded",
    "get_measure",
    "list_measures",
    "list_memoranda",
    "measure_out",
    "record_feedback",
    "run_check",
    "seed_catalogue",
    "statistics",
]
