"""Special campaigns (专项治理, req §3.10): the credit office opens a campaign; the office or the lead department
adds target entities (by USCC or by a filter over the entity register) and assigns tasks to departments with a
deadline in working days; departments complete their tasks and record a result per target; the office publishes
the results on the portal. Every change is audited. Services flush, never commit.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.campaigns import publication
from xinyong.campaigns.models import Campaign, CampaignResult, CampaignTarget, CampaignTask
from xinyong.campaigns.publication import CampaignFilter as CampaignFilter  # re-exported for the portal
from xinyong.campaigns.rules import (
    MAX_TARGETS_PER_CALL,
    Outcome,
    TargetFilter,
    TaskStatus,
    is_office,
    may_complete_task,
    may_organise,
    may_record_result,
    status_on,
)
from xinyong.campaigns.schemas import (
    CampaignIn,
    CampaignOut,
    CampaignWorkOut,
    PublicCampaignOut,
    PublicResultOut,
    ResultIn,
    ResultOut,
    TargetOut,
    TargetsAdded,
    TargetsIn,
    TaskDoneIn,
    TaskIn,
    TaskOut,
)
from xinyong.core import audit, clock
from xinyong.core.actor import Actor
from xinyong.core.calendar import load_calendar
from xinyong.core.departments import get_department, list_departments
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.ids import validate_uscc
from xinyong.core.pagination import Cursor, PageRequest
from xinyong.entities import lookup
from xinyong.entities.lookup import Entity


def _text(value: str, field: str) -> str:
    if "\x00" in value:
        raise InvalidInput(f"{field} contains a NUL character (含非法字符)", field=field)
    return value.strip()


def get_campaign(session: Session, campaign_id: int, *, lock: bool = False) -> Campaign:
    query = select(Campaign).where(Campaign.id == campaign_id)
    campaign = session.scalars(query.with_for_update() if lock else query).first()
    if campaign is None:
        raise NotFound(f"no campaign {campaign_id} (未找到该专项治理)", field="campaign_id")
    return campaign


def create_campaign(session: Session, actor: Actor, data: CampaignIn) -> Campaign:
    if not is_office(actor):
        raise Forbidden("only the credit office opens a campaign (仅信用办可发起专项治理)")
    if data.end_date < data.start_date:
        raise InvalidInput("the period ends before it starts (结束日期早于开始日期)", field="end_date")
    lead = get_department(session, data.lead_department).code
    name = _text(data.name, "name")
    if session.scalar(select(Campaign.id).where(Campaign.name == name)) is not None:
        raise Conflict(f"a campaign named {name} exists (专项治理名称重复)", field="name")
    now = clock.now()
    campaign = Campaign(
        name=name,
        legal_basis=_text(data.legal_basis, "legal_basis"),
        lead_department=lead,
        start_date=data.start_date,
        end_date=data.end_date,
        description=_text(data.description, "description"),
        status=status_on(data.start_date, data.end_date, clock.today()),
        results_published=False,
        created_by=actor.id,
        created_at=now,
        updated_at=now,
    )
    session.add(campaign)
    session.flush()
    audit.record(
        session,
        actor,
        "campaigns:campaign:created",
        "campaign",
        str(campaign.id),
        {"name": name, "lead_department": lead, "start": data.start_date, "end": data.end_date},
    )
    return campaign


def _filtered(session: Session, wanted: TargetFilter) -> list[Entity]:
    problems = wanted.problems()
    if problems:
        field, message = problems[0]
        raise InvalidInput(message, field=f"filter.{field}")
    conditions = lookup.EntityFilter(
        industry_prefix=wanted.industry,
        region_code=wanted.region_code,
        kind=(wanted.kind[0], wanted.kind[1]) if wanted.kind else None,
        name_contains=wanted.name_contains,
    )
    found = lookup.entities_where(session, conditions, MAX_TARGETS_PER_CALL + 1)
    if len(found) > MAX_TARGETS_PER_CALL:
        raise InvalidInput(
            f"the filter matches more than {MAX_TARGETS_PER_CALL} entities; narrow it (筛选结果过多，请缩小范围)",
            field="filter",
        )
    return found


def add_targets(session: Session, actor: Actor, campaign_id: int, data: TargetsIn) -> TargetsAdded:
    """Add target entities by USCC (each must be a valid, registered USCC) or by a filter; a target already in the
    campaign is left as it is (one that was removed comes back)."""
    campaign = get_campaign(session, campaign_id, lock=True)
    if not may_organise(actor, campaign.lead_department):
        raise Forbidden("only the credit office or the lead department adds targets (仅信用办或牵头部门可添加对象)")
    if bool(data.usccs) == (data.filter is not None):
        raise InvalidInput("give either usccs or a filter (请填写统一社会信用代码或筛选条件之一)", field="usccs")
    via: dict[str, Any]
    if data.filter is not None:
        wanted = TargetFilter(**data.filter.model_dump())
        entities = _filtered(session, wanted)
        via = {"by": "filter", **{k: v for k, v in data.filter.model_dump().items() if v is not None}}
    else:
        codes: list[str] = []
        for index, raw in enumerate(data.usccs):
            code = validate_uscc(raw.strip().upper(), field=f"usccs.{index}").code
            if code not in codes:
                codes.append(code)
        known = lookup.entities_by_uscc(session, codes)
        missing = [c for c in codes if c not in known]
        if missing:
            raise InvalidInput(
                f"not in the entity register (主体库中无此主体): {', '.join(missing[:10])}",
                field="usccs",
                details={"unknown": missing},
            )
        entities = [known[c] for c in codes]
        via = {"by": "uscc"}
    existing = {
        t.uscc: t for t in session.scalars(select(CampaignTarget).where(CampaignTarget.campaign_id == campaign.id))
    }
    now = clock.now()
    added = already = 0
    for entity in entities:
        target = existing.get(entity.uscc)
        if target is not None and target.removed_at is None:
            already += 1
            continue
        if target is not None:
            target.removed_at = None
            target.removed_by = None
            target.added_via = via
            target.added_by = actor.id
            target.added_at = now
        else:
            session.add(
                CampaignTarget(
                    campaign_id=campaign.id,
                    uscc=entity.uscc,
                    name=entity.name,
                    added_via=via,
                    added_by=actor.id,
                    added_at=now,
                )
            )
        added += 1
    campaign.updated_at = now
    session.flush()
    audit.record(
        session,
        actor,
        "campaigns:targets:added",
        "campaign",
        str(campaign.id),
        {"via": via, "added": added, "already": already, "usccs": [e.uscc for e in entities][:200]},
    )
    return TargetsAdded(added=added, already=already, matched=len(entities))


def _target(session: Session, campaign_id: int, uscc: str) -> CampaignTarget:
    code = validate_uscc(uscc.strip().upper(), field="uscc").code
    target = session.scalars(
        select(CampaignTarget).where(CampaignTarget.campaign_id == campaign_id, CampaignTarget.uscc == code)
    ).first()
    if target is None or target.removed_at is not None:
        raise NotFound(f"{code} is not a target of this campaign (该主体不是本专项治理对象)", field="uscc")
    return target


def remove_target(session: Session, actor: Actor, campaign_id: int, uscc: str, reason: str) -> CampaignTarget:
    campaign = get_campaign(session, campaign_id, lock=True)
    if not may_organise(actor, campaign.lead_department):
        raise Forbidden("only the credit office or the lead department removes targets (仅信用办或牵头部门可移除对象)")
    why = _text(reason, "reason")
    if not why:
        raise InvalidInput("give a reason (请说明理由)", field="reason")
    target = _target(session, campaign.id, uscc)
    target.removed_at = clock.now()
    target.removed_by = actor.id
    session.flush()
    audit.record(
        session, actor, "campaigns:target:removed", "campaign", str(campaign.id), {"uscc": target.uscc, "reason": why}
    )
    return target


def add_task(session: Session, actor: Actor, campaign_id: int, data: TaskIn) -> CampaignTask:
    """A task for one department, due ``working_days`` working days after today (Chinese calendar)."""
    campaign = get_campaign(session, campaign_id, lock=True)
    if not may_organise(actor, campaign.lead_department):
        raise Forbidden("only the credit office or the lead department assigns tasks (仅信用办或牵头部门可分派任务)")
    department = get_department(session, data.department).code
    today = clock.today()
    due = load_calendar(session).add_working_days(today, data.working_days)
    task = CampaignTask(
        campaign_id=campaign.id,
        department=department,
        title=_text(data.title, "title"),
        description=_text(data.description, "description"),
        assigned_on=today,
        working_days=data.working_days,
        deadline=due.date,
        deadline_provisional=due.provisional,
        deadline_rule=f"{today.isoformat()} 起 {data.working_days} 个工作日"
        + ("（含未知年份，按周一至周五暂定）" if due.provisional else ""),
        status=TaskStatus.OPEN,
        created_by=actor.id,
        created_at=clock.now(),
    )
    session.add(task)
    session.flush()
    audit.record(
        session,
        actor,
        "campaigns:task:assigned",
        "campaign",
        str(campaign.id),
        {"task": task.id, "department": department, "deadline": task.deadline, "working_days": data.working_days},
    )
    return task


def complete_task(session: Session, actor: Actor, campaign_id: int, task_id: int, data: TaskDoneIn) -> CampaignTask:
    task = session.scalars(
        select(CampaignTask)
        .where(CampaignTask.id == task_id, CampaignTask.campaign_id == campaign_id)
        .with_for_update()
    ).first()
    if task is None:
        raise NotFound(f"no task {task_id} in campaign {campaign_id} (未找到该任务)", field="task_id")
    if not may_complete_task(actor, task.department):
        raise Forbidden("only the task's department completes it (仅承办部门可办结任务)")
    if task.status == TaskStatus.DONE:
        raise Conflict("the task is completed already (任务已办结)", field="task_id")
    task.status = TaskStatus.DONE
    task.completed_on = clock.today()
    task.completed_by = actor.id
    task.completion_note = _text(data.note, "note")
    session.flush()
    audit.record(
        session,
        actor,
        "campaigns:task:completed",
        "campaign",
        str(campaign_id),
        {"task": task.id, "late": task.completed_on > task.deadline},
    )
    return task


def record_result(session: Session, actor: Actor, campaign_id: int, data: ResultIn) -> CampaignResult:
    campaign = get_campaign(session, campaign_id)
    departments = set(session.scalars(select(CampaignTask.department).where(CampaignTask.campaign_id == campaign.id)))
    if not may_record_result(actor, campaign.lead_department, departments):
        raise Forbidden(
            "only the office, the lead department or a department with a task records results (无权登记结果)"
        )
    target = _target(session, campaign.id, data.uscc)
    on = data.on or clock.today()
    if on > clock.today():
        raise InvalidInput("a result's date cannot be in the future (结果日期不能晚于今天)", field="on")
    if on < campaign.start_date:
        raise InvalidInput("a result's date is within or after the campaign (结果日期早于专项治理开始)", field="on")
    result = CampaignResult(
        campaign_id=campaign.id,
        target_id=target.id,
        outcome=data.outcome,
        notes=_text(data.notes, "notes"),
        on=on,
        department=actor.department_code,
        recorded_by=actor.id,
        recorded_at=clock.now(),
    )
    session.add(result)
    session.flush()
    audit.record(
        session,
        actor,
        "campaigns:result:recorded",
        "campaign",
        str(campaign.id),
        {"uscc": target.uscc, "outcome": data.outcome.value, "on": on},
    )
    return result


def publish_results(session: Session, actor: Actor, campaign_id: int, published: bool = True) -> Campaign:
    if not is_office(actor):
        raise Forbidden("only the credit office publishes results (仅信用办可公开结果)")
    campaign = get_campaign(session, campaign_id, lock=True)
    campaign.results_published = published
    campaign.updated_at = clock.now()
    session.flush()
    audit.record(
        session,
        actor,
        "campaigns:results:" + ("published" if published else "withdrawn"),
        "campaign",
        str(campaign.id),
    )
    return campaign


# ---------------------------------------------------------------- reading


def _latest_results(session: Session, campaign_id: int) -> dict[int, CampaignResult]:
    latest: dict[int, CampaignResult] = {}
    for result in session.scalars(
        select(CampaignResult).where(CampaignResult.campaign_id == campaign_id).order_by(CampaignResult.id)
    ):
        latest[result.target_id] = result
    return latest


def _department_names(session: Session) -> dict[str, str]:
    return {d.code: d.short_name for d in list_departments(session)}


def _summary(session: Session, campaign: Campaign, names: dict[str, str]) -> dict[str, Any]:
    targets = session.scalar(
        select(func.count())
        .select_from(CampaignTarget)
        .where(CampaignTarget.campaign_id == campaign.id, CampaignTarget.removed_at.is_(None))
    )
    results: dict[str, int] = {}
    if campaign.results_published:
        live = {
            t.id
            for t in session.scalars(
                select(CampaignTarget).where(
                    CampaignTarget.campaign_id == campaign.id, CampaignTarget.removed_at.is_(None)
                )
            )
        }
        counts = Counter(r.outcome for tid, r in _latest_results(session, campaign.id).items() if tid in live)
        results = {str(k): v for k, v in sorted(counts.items())}
    return {
        "id": campaign.id,
        "name": campaign.name,
        "legal_basis": campaign.legal_basis,
        "lead_department": campaign.lead_department,
        "lead_department_name": names.get(campaign.lead_department, campaign.lead_department),
        "start_date": campaign.start_date,
        "end_date": campaign.end_date,
        "description": campaign.description,
        "status": status_on(campaign.start_date, campaign.end_date, clock.today()),
        "results_published": campaign.results_published,
        "targets": targets or 0,
        "results": results,
    }


def search_public_campaigns(
    session: Session, flt: CampaignFilter, page: PageRequest, *, cursor: Cursor | None = None
) -> tuple[list[CampaignOut], int]:
    """One page of the portal's campaign list (``publication``), each as its summary, and how many match."""
    rows, total = publication.search_campaigns(session, flt, page, clock.today(), cursor=cursor)
    names = _department_names(session)
    return [CampaignOut(**_summary(session, c, names)) for c in rows], total


def all_public_campaigns(session: Session, flt: CampaignFilter, *, limit: int) -> list[CampaignOut]:
    names = _department_names(session)
    found = publication.all_campaigns(session, flt, clock.today(), limit=limit)
    return [CampaignOut(**_summary(session, c, names)) for c in found]


def list_campaigns(session: Session) -> list[CampaignOut]:
    names = _department_names(session)
    rows = session.scalars(select(Campaign).order_by(Campaign.start_date.desc(), Campaign.id.desc()))
    return [CampaignOut(**_summary(session, c, names)) for c in rows]


def public_campaign(session: Session, campaign_id: int) -> PublicCampaignOut:
    """The public view: the campaign and, once published, each target's latest outcome (no internal notes)."""
    campaign = get_campaign(session, campaign_id)
    summary = _summary(session, campaign, _department_names(session))
    published: list[PublicResultOut] = []
    if campaign.results_published:
        targets = {
            t.id: t
            for t in session.scalars(
                select(CampaignTarget).where(
                    CampaignTarget.campaign_id == campaign.id, CampaignTarget.removed_at.is_(None)
                )
            )
        }
        for target_id, result in sorted(_latest_results(session, campaign.id).items()):
            target = targets.get(target_id)
            if target is not None:
                published.append(
                    PublicResultOut(uscc=target.uscc, name=target.name, outcome=Outcome(result.outcome), on=result.on)
                )
    return PublicCampaignOut(**summary, published_results=published)


def campaign_work(session: Session, campaign_id: int) -> CampaignWorkOut:
    """Everything staff see of a campaign: targets (removed ones too), tasks with overdue flags, all results."""
    campaign = get_campaign(session, campaign_id)
    summary = _summary(session, campaign, _department_names(session))
    today = clock.today()
    targets = list(
        session.scalars(
            select(CampaignTarget).where(CampaignTarget.campaign_id == campaign.id).order_by(CampaignTarget.id)
        )
    )
    by_id = {t.id: t for t in targets}
    latest = _latest_results(session, campaign.id)
    target_out = [
        TargetOut(
            id=t.id,
            uscc=t.uscc,
            name=t.name,
            added_via=t.added_via,
            added_at=t.added_at,
            removed_at=t.removed_at,
            outcome=Outcome(latest[t.id].outcome) if t.id in latest else None,
            result_on=latest[t.id].on if t.id in latest else None,
        )
        for t in targets
    ]
    tasks = [
        TaskOut(
            id=k.id,
            department=k.department,
            title=k.title,
            description=k.description,
            assigned_on=k.assigned_on,
            working_days=k.working_days,
            deadline=k.deadline,
            deadline_provisional=k.deadline_provisional,
            deadline_rule=k.deadline_rule,
            status=TaskStatus(k.status),
            overdue=k.status == TaskStatus.OPEN and today > k.deadline,
            completed_on=k.completed_on,
            completion_note=k.completion_note,
        )
        for k in session.scalars(
            select(CampaignTask).where(CampaignTask.campaign_id == campaign.id).order_by(CampaignTask.id)
        )
    ]
    results = [
        ResultOut(
            id=r.id,
            target_id=r.target_id,
            uscc=by_id[r.target_id].uscc,
            name=by_id[r.target_id].name,
            outcome=Outcome(r.outcome),
            notes=r.notes,
            on=r.on,
            department=r.department,
            recorded_by=r.recorded_by,
            recorded_at=r.recorded_at,
        )
        for r in session.scalars(
            select(CampaignResult).where(CampaignResult.campaign_id == campaign.id).order_by(CampaignResult.id)
        )
    ]
    return CampaignWorkOut(**summary, target_list=target_out, tasks=tasks, result_list=results)
