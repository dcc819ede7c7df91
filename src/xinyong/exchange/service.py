"""Cross-level exchange, the service: upstream sources as data, deliveries (feed pages and files) applied item by
item with every version kept, the office's review list of conflicts, the outbound pushes to the provincial platform,
and the reconciliation report.

Services flush, never commit, except the pull (:func:`pull`), which is a job: it takes a unit-of-work factory and
commits each applied page together with the cursor that follows it, so an interrupted pull resumes where it stopped
and a re-delivered page changes nothing (every item's content is hashed; the same content is the same version).

Stable signatures::

    seed_upstream(session, actor=system) -> dict[str, int]
    create_source(session, actor, SourceIn) -> ExchangeSource / update_source(session, actor, code, SourceIn)
    list_sources(session) -> list[ExchangeSource] / get_source(session, code) -> ExchangeSource
    ingest_items(session, actor, source, items, *, channel, ref, sha256, cursor_after=None) -> BatchOut
    ingest_file(session, actor, code, data, filename) -> BatchOut
    pull(units, actor, code, *, max_pages=None) -> PullOut
    list_conflicts(session, *, open_only) / resolve_conflict(session, actor, conflict_id, ResolveIn)
    scan_outbound(session, actor, today) -> ScanOut      # queues into core.outbox (topic exchange.push)
    reconciliation(session) -> ReconciliationOut

The service is the area's surface; its parts live in sections of their own: :mod:`~xinyong.exchange.sources`
(seeding, sources, the office check), :mod:`~xinyong.exchange.applying` (items applied with every version kept),
:mod:`~xinyong.exchange.files` (files, the changes-since pull, the drop folder), :mod:`~xinyong.exchange.conflicts`
(items and the review list), :mod:`~xinyong.exchange.outbound` (pushes to the provincial platform) and
:mod:`~xinyong.exchange.reconciliation`.
"""

from __future__ import annotations

from xinyong.exchange.applying import batch_out, ingest_items
from xinyong.exchange.conflicts import conflict_out, item_versions, list_conflicts, list_items, resolve_conflict
from xinyong.exchange.files import (
    FILE_SUFFIXES,
    MAX_JSON_LINE,
    FolderResult,
    due_sources,
    file_items,
    ingest_file,
    pull,
    scan_folder,
    sweep_pulls,
)
from xinyong.exchange.outbound import RECORD_KINDS, list_pushes, push_out, push_targets, retry_push, scan_outbound
from xinyong.exchange.reconciliation import reconciliation, reconciliation_rows, touched_entries
from xinyong.exchange.sources import (
    CONFLICT_LABELS,
    MAX_REJECTIONS_SHOWN,
    NEWER_VERSION,
    PUSH_TOPIC,
    RECORD_KINDS_READ,
    TERM_DEFAULTED,
    UnitOfWork,
    create_source,
    get_source,
    list_sources,
    seed_upstream,
    source_out,
    update_source,
)

__all__ = [
    "CONFLICT_LABELS",
    "FILE_SUFFIXES",
    "MAX_JSON_LINE",
    "MAX_REJECTIONS_SHOWN",
    "NEWER_VERSION",
    "PUSH_TOPIC",
    "RECORD_KINDS",
    "RECORD_KINDS_READ",
    "TERM_DEFAULTED",
    "FolderResult",
    "UnitOfWork",
    "batch_out",
    "conflict_out",
    "create_source",
    "due_sources",
    "file_items",
    "get_source",
    "ingest_file",
    "ingest_items",
    "item_versions",
    "list_conflicts",
    "list_items",
    "list_pushes",
    "list_sources",
    "pull",
    "push_out",
    "push_targets",
    "reconciliation",
    "reconciliation_rows",
    "resolve_conflict",
    "retry_push",
    "scan_folder",
    "scan_outbound",
    "seed_upstream",
    "source_out",
    "sweep_pulls",
    "touched_entries",
    "update_source",
]
