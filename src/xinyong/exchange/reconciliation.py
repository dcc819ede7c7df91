"""Cross-level exchange: the reconciliation report (upstream, applied, rejected, in conflict, per source)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.core.outbox import OutboxMessage
from xinyong.exchange.models import (
    ExchangeBatch,
    ExchangeConflict,
    ExchangeItem,
    ExchangeRejection,
)
from xinyong.exchange.schemas import (
    PushReport,
    ReconciliationOut,
    SourceReport,
)
from xinyong.exchange.sources import PUSH_TOPIC, get_source, list_sources
from xinyong.lists import service as lists


def reconciliation(session: Session) -> ReconciliationOut:
    """Per source: deliveries, items received, applied, unchanged, rejected (by reason), conflicts open and
    resolved, entries in force; per push target: pending, sent, failed, acknowledged."""
    today = clock.today()
    sources: list[SourceReport] = []
    for source in list_sources(session):
        sums = session.execute(
            select(
                func.count(ExchangeBatch.id),
                func.coalesce(func.sum(ExchangeBatch.received), 0),
                func.coalesce(func.sum(ExchangeBatch.applied), 0),
                func.coalesce(func.sum(ExchangeBatch.unchanged), 0),
                func.coalesce(func.sum(ExchangeBatch.rejected), 0),
            ).where(ExchangeBatch.source_id == source.id)
        ).one()
        reasons: Counter[str] = Counter()
        for field_, reason, count in session.execute(
            select(ExchangeRejection.field, ExchangeRejection.reason, func.count())
            .join(ExchangeBatch, ExchangeBatch.id == ExchangeRejection.batch_id)
            .where(ExchangeBatch.source_id == source.id)
            .group_by(ExchangeRejection.field, ExchangeRejection.reason)
        ):
            reasons[f"{field_}: {reason}"[:300]] += int(count)
        conflicts: Counter[bool] = Counter()
        for resolution, count in session.execute(
            select(ExchangeConflict.resolution, func.count())
            .where(ExchangeConflict.source_id == source.id)
            .group_by(ExchangeConflict.resolution)
        ):
            conflicts[resolution is None] += int(count)
        in_force = lists.upstream_in_force(session, source.code, today)
        sources.append(
            SourceReport(
                source=source.code,
                name=source.name,
                level=source.level,
                batches=int(sums[0]),
                received=int(sums[1]),
                applied=int(sums[2]),
                unchanged=int(sums[3]),
                rejected=int(sums[4]),
                conflicts_open=int(conflicts.get(True, 0)),
                conflicts_resolved=int(conflicts.get(False, 0)),
                entries_in_force=int(in_force or 0),
                rejection_reasons=dict(reasons.most_common(50)),
                cursor=source.cursor,
                last_pull_at=source.last_pull_at,
                last_pull_error=source.last_pull_error,
            )
        )
    by_target: dict[str, PushReport] = {}
    rows = session.execute(
        select(
            OutboxMessage.destination,
            OutboxMessage.status,
            func.count(),
            func.coalesce(func.sum(OutboxMessage.attempts), 0),
        )
        .where(OutboxMessage.topic == PUSH_TOPIC)
        .group_by(OutboxMessage.destination, OutboxMessage.status)
    )
    for url, status, count, attempts in rows:
        report = by_target.setdefault(
            url, PushReport(target_url=url, pending=0, retrying=0, delivered=0, dead=0, failed_attempts=0)
        )
        if status in ("pending", "retrying", "delivered", "dead"):
            setattr(report, str(status), getattr(report, str(status)) + int(count))
        report.failed_attempts += int(attempts)
    pushes = sorted(by_target.values(), key=lambda r: r.target_url)
    return ReconciliationOut(generated_at=clock.now(), sources=sources, pushes=pushes)


def reconciliation_rows(report: ReconciliationOut) -> list[dict[str, Any]]:
    """The report as flat rows (one per source, one per push target) for XLSX/CSV export."""
    rows: list[dict[str, Any]] = []
    for s in report.sources:
        rows.append(
            {
                "类型": "接收",
                "来源/目标": f"{s.name}（{s.source}）",
                "层级": s.level,
                "批次": s.batches,
                "接收条数": s.received,
                "应用": s.applied,
                "未变化": s.unchanged,
                "拒收": s.rejected,
                "待处理冲突": s.conflicts_open,
                "已处理冲突": s.conflicts_resolved,
                "在效条目": s.entries_in_force,
                "拒收原因": "；".join(f"{k} ×{v}" for k, v in s.rejection_reasons.items()),
            }
        )
    for p in report.pushes:
        rows.append(
            {
                "类型": "推送",
                "来源/目标": p.target_url,
                "待发送": p.pending,
                "待重试": p.retrying,
                "省平台已确认接收": p.delivered,
                "已停止（需人工重试）": p.dead,
                "失败尝试": p.failed_attempts,
            }
        )
    return rows


def touched_entries(session: Session, code: str) -> list[int]:
    """Ids of the list entries a source's items created (for tests and the console)."""
    source = get_source(session, code)
    return list(
        session.scalars(
            select(ExchangeItem.entry_id).where(ExchangeItem.source_id == source.id, ExchangeItem.entry_id.is_not(None))
        )
    )
