"""Reading the 公共信用综合评价 with the reader's rights: an entity's result and breakdown (the public sees the
records it may see; the points of the others still count and are shown as a number of hidden items), industry
evaluations beside it, "what would raise it", the grade history and the model versions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Forbidden
from xinyong.entities import service as entities
from xinyong.evaluation import service
from xinyong.evaluation.models import EvaluationModel
from xinyong.evaluation.rules import GRADE_LABELS, Grade, Indicator, window_end
from xinyong.evaluation.schemas import (
    BreakdownItem,
    EvaluationOut,
    GradeChangeOut,
    Improvement,
    ImprovementsOut,
    IndustryEvaluationOut,
    ItemEnd,
    ModelOut,
)
from xinyong.lists.models import ListEntry
from xinyong.records import service as records
from xinyong.records.models import CreditRecordVersion
from xinyong.records.publicity import publication_window
from xinyong.records.rules import Kind, Severity

MAX_INDUSTRY = 50


def _visible_records(session: Session, actor: Actor, ids: set[int]) -> set[int]:
    if not ids or actor.sees_everything:
        return ids
    rows = session.scalars(
        records.visible_versions(actor).with_only_columns(CreditRecordVersion.record_id)
        .where(CreditRecordVersion.record_id.in_(sorted(ids)))
    )  # fmt: skip
    return set(rows)


def evaluation_of(session: Session, actor: Actor, uscc: str) -> EvaluationOut:
    """The entity's grade with its breakdown and industry evaluations, as ``actor`` may see them."""
    entity = entities.get_entity(session, uscc)
    industry = industry_evaluations(session, actor, entity.uscc)
    result = service.result_of(session, entity.uscc)
    if result is None:
        return EvaluationOut(uscc=entity.uscc, name=entity.name, graded=False, industry=industry)
    model = service.model_of_version(session, result.model_version)
    shown = _visible_records(session, actor, {i for item in result.breakdown for i in item["records"]})
    items: list[BreakdownItem] = []
    for raw in result.breakdown:
        indicator = model.indicator(raw["code"])
        visible = [i for i in raw["records"] if i in shown]
        items.append(
            BreakdownItem(
                code=indicator.code,
                name=indicator.name,
                source=str(indicator.source),
                points=raw["points"],
                count=raw["count"],
                points_each=indicator.points,
                cap=indicator.cap,
                capped=abs(indicator.points * raw["count"]) > indicator.cap,
                record_ids=visible,
                entry_ids=raw["entries"],
                hidden=len(raw["records"]) - len(visible),
            )
        )
    return EvaluationOut(
        uscc=entity.uscc,
        name=entity.name,
        graded=True,
        score=result.score,
        grade=result.grade,
        grade_label=GRADE_LABELS[Grade(result.grade)],
        base=model.base,
        model_version=result.model_version,
        model_name=model.name,
        forced_by=result.forced_by,
        computed_at=result.computed_at,
        cause=result.cause if not _public(actor, entity.uscc) else None,
        breakdown=items,
        industry=industry,
    )


def _public(actor: Actor, uscc: str) -> bool:
    if actor.sees_everything or actor.is_department:
        return False
    return not (actor.role == Role.ENTITY and actor.entity_uscc == uscc)


def industry_evaluations(session: Session, actor: Actor, uscc: str) -> list[IndustryEvaluationOut]:
    """Industry evaluations (行业信用评价: 纳税信用等级, 风险分类 …) are credit records of kind ``evaluation``; the
    reader sees those the records area lets them see, newest first."""
    v = CreditRecordVersion
    rows = session.scalars(
        records.visible_versions(actor)
        .where(v.subject_uscc == uscc, v.kind == Kind.EVALUATION.value)
        .order_by(v.decision_date.desc(), v.record_id.desc())
        .limit(MAX_INDUSTRY)
    )
    out: list[IndustryEvaluationOut] = []
    for row in rows:
        content: dict[str, Any] = row.content or {}
        out.append(
            IndustryEvaluationOut(
                record_id=row.record_id,
                department=str(content.get("PJJGMC") or row.source_department),
                name=str(content.get("PJLX") or row.title),
                year=str(content["PJND"]) if content.get("PJND") else None,
                result=str(content.get("PJJG") or ""),
                decision_date=row.decision_date,
                title=row.title,
            )
        )
    return out


def _record_end(indicator: Indicator, version: CreditRecordVersion) -> ItemEnd:
    ends: list[dt.date] = []
    how = indicator.ends_with or "信用修复或记录撤销"
    repair_from: dt.date | None = None
    if indicator.window_months is not None:
        ends.append(window_end(version.decision_date, indicator.window_months))
    if version.kind == Kind.PENALTY.value:
        window = publication_window(version.decision_date, Severity(version.severity or Severity.GENERAL))
        ends.append(window.max_end)
        repair_from = window.min_end + dt.timedelta(days=1) if window.min_end else version.decision_date
    return ItemEnd(
        source="record",
        id=version.record_id,
        title=version.title,
        counts_until=min(ends) if ends else None,
        how=how,
        repair_from=repair_from,
    )


def _entry_end(indicator: Indicator, entry: ListEntry) -> ItemEnd:
    ends: list[dt.date] = [entry.valid_to] if entry.valid_to else []
    if indicator.window_months is not None and entry.valid_from is not None:
        ends.append(window_end(entry.valid_from, indicator.window_months))
    return ItemEnd(
        source="list",
        id=entry.id,
        title=f"{entry.list_code}：{entry.decision_doc_no or entry.id}",
        counts_until=min(ends) if ends else None,
        how=indicator.ends_with or "名单期满移出或提前移出",
        repair_from=entry.earliest_exit_on,
    )


def improvements(session: Session, actor: Actor, uscc: str) -> ImprovementsOut:
    """What would raise the grade: each indicator costing points, what it would give back, and for each item the
    last day it counts and from when a repair (or early exit) may be applied for."""
    entity = entities.get_entity(session, uscc)
    result = service.result_of(session, entity.uscc)
    if result is None:
        return ImprovementsOut(
            uscc=entity.uscc, score=None, grade=None, next_grade=None, points_to_next=None, forced_by=None,
            indicators=[],
        )  # fmt: skip
    model = service.model_of_version(session, result.model_version)
    costing = [raw for raw in result.breakdown if raw["points"] < 0]
    record_ids = {i for raw in costing for i in raw["records"]}
    shown = _visible_records(session, actor, record_ids)
    versions = {
        v.record_id: v
        for v in session.scalars(
            select(CreditRecordVersion).where(
                CreditRecordVersion.record_id.in_(sorted(shown)), CreditRecordVersion.valid_to.is_(None)
            )
        )
    }
    entry_ids = {i for raw in costing for i in raw["entries"]}
    entries = {e.id: e for e in session.scalars(select(ListEntry).where(ListEntry.id.in_(sorted(entry_ids))))}
    out: list[Improvement] = []
    for raw in sorted(costing, key=lambda r: r["points"]):
        indicator = model.indicator(raw["code"])
        items = [_record_end(indicator, versions[i]) for i in raw["records"] if i in versions]
        items += [_entry_end(indicator, entries[i]) for i in raw["entries"] if i in entries]
        items.sort(key=lambda item: item.counts_until or dt.date.max)
        out.append(
            Improvement(
                code=indicator.code,
                name=indicator.name,
                points=raw["points"],
                gain=-raw["points"],
                ends_with=indicator.ends_with,
                items=items,
                hidden=len(raw["records"]) - len([i for i in raw["records"] if i in versions]),
            )
        )
    grade = Grade(result.grade)
    better = {Grade.D: Grade.C, Grade.C: Grade.B, Grade.B: Grade.A}.get(grade)
    forced = model.indicator(result.forced_by) if result.forced_by else None
    to_next = None
    if better is not None and forced is None:
        to_next = model.thresholds[better] - result.score
    return ImprovementsOut(
        uscc=entity.uscc,
        score=result.score,
        grade=result.grade,
        next_grade=str(better) if better else None,
        points_to_next=to_next,
        forced_by=result.forced_by,
        blocked_by_forced=forced.name if forced else None,
        indicators=out,
    )


def history(session: Session, actor: Actor, uscc: str) -> list[GradeChangeOut]:
    """Grade history: staff and the entity itself (the public sees the current grade only)."""
    entity = entities.get_entity(session, uscc)
    if _public(actor, entity.uscc) and not actor.is_department:
        raise Forbidden("the grade history is for staff and the entity itself (评价历史仅对工作人员和本主体开放)")
    return [
        GradeChangeOut(
            id=row.id,
            old_grade=row.old_grade,
            new_grade=row.new_grade,
            old_score=row.old_score,
            new_score=row.new_score,
            model_version=row.model_version,
            cause=row.cause,
            changed_at=row.changed_at,
        )
        for row in service.history_of(session, entity.uscc)
    ]


def model_out(row: EvaluationModel, current: int) -> ModelOut:
    return ModelOut(
        version=row.version,
        name=row.name,
        digest=row.digest,
        note=row.note,
        published_by=row.published_by,
        published_at=row.published_at,
        current=row.version == current,
        definition=row.definition,
    )


def models(session: Session) -> list[ModelOut]:
    rows = service.model_versions(session)
    return [model_out(row, rows[0].version) for row in rows]


def regrade(session: Session, actor: Actor, uscc: str, reason: str) -> service.RegradeOutValue:
    """Staff re-grade one entity on request (the credit office, or the system); audited by the service."""
    if actor.role not in {Role.CREDIT_OFFICE, Role.SYSTEM}:
        raise Forbidden("only the credit office re-grades on request (仅信用办可手动重新评价)")
    return service.regrade_entity(session, actor, uscc, f"manual:{actor.id}:{reason}"[:200])
