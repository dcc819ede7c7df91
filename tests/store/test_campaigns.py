"""Special campaigns (专项治理) on both databases: who may open, target, task, complete, record and publish; targets
by USCC and by filter; a task deadline in working days across National Day; the public view shows published
outcomes only, never internal notes; bad input is refused with the field named."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.lists import OFFICE, OPERATOR, REVIEWER, at
from xinyong.campaigns import service
from xinyong.campaigns.models import CampaignTarget
from xinyong.campaigns.schemas import CampaignIn, ResultIn, TargetsIn, TaskDoneIn, TaskIn
from xinyong.core.actor import Actor
from xinyong.core.audit import AuditEvent
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound

UNINVOLVED = Actor(role=OPERATOR.role, id="op-czj", department_code="CZJ")


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    return db


def _campaign(session: Session, **change: Any) -> int:
    data = {
        "name": "建筑工程领域失信问题专项治理",
        "legal_basis": "国办发〔2020〕49号；《江西省社会信用条例》",
        "lead_department": "ZJJ",
        "start_date": dt.date(2024, 9, 1),
        "end_date": dt.date(2024, 12, 31),
        "description": "重点治理拖欠农民工工资、违法分包转包等失信行为。",
    }
    data.update(change)
    return service.create_campaign(session, OFFICE, CampaignIn.model_validate(data)).id


def test_a_campaign_from_opening_to_published_results(seeded: Session) -> None:
    at(dt.date(2024, 9, 27))
    builder = builders.entity(seeded, name="共青城建工集团有限公司", industry_code="E4710")
    other = builders.entity(seeded, name="共青城市政建设有限公司", industry_code="E4811")
    builders.entity(seeded, name="共青城羽绒服饰有限公司", industry_code="C1810")
    campaign_id = _campaign(seeded)
    lead = Actor(role=OPERATOR.role, id="op-zjj", department_code="ZJJ")

    by_filter = service.add_targets(seeded, lead, campaign_id, TargetsIn.model_validate({"filter": {"industry": "E"}}))
    assert (by_filter.added, by_filter.matched) == (2, 2)
    again = service.add_targets(seeded, OFFICE, campaign_id, TargetsIn(usccs=[builder.uscc.lower()]))
    assert (again.added, again.already) == (0, 1)

    # Task for the market regulator, 5 working days from 2024-09-27 across National Day (10-01..10-07; 10-12 a
    # make-up working Saturday): 09-29 (make-up Sunday), 09-30, 10-08, 10-09, 10-10.
    task = service.add_task(
        seeded, lead, campaign_id, TaskIn(department="SCJGJ", title="核查在建项目欠薪问题", working_days=5)
    )
    assert task.deadline == dt.date(2024, 10, 10) and "5 个工作日" in task.deadline_rule
    with pytest.raises(Forbidden):
        service.complete_task(seeded, lead, campaign_id, task.id, TaskDoneIn(note="x"))
    at(dt.date(2024, 10, 11))
    work = service.campaign_work(seeded, campaign_id)
    assert work.tasks[0].overdue and work.status == "进行中"
    service.complete_task(seeded, OPERATOR, campaign_id, task.id, TaskDoneIn(note="已核查 2 家"))
    with pytest.raises(Conflict):
        service.complete_task(seeded, REVIEWER, campaign_id, task.id, TaskDoneIn(note="again"))

    note = "负责人张三 13812345678 已约谈"
    service.record_result(seeded, OPERATOR, campaign_id, ResultIn(uscc=builder.uscc, outcome="约谈提醒", notes=note))
    service.record_result(seeded, OPERATOR, campaign_id, ResultIn(uscc=builder.uscc, outcome="整改到位"))
    service.record_result(seeded, lead, campaign_id, ResultIn(uscc=other.uscc, outcome="未发现问题"))
    with pytest.raises(Forbidden):
        service.record_result(seeded, UNINVOLVED, campaign_id, ResultIn(uscc=other.uscc, outcome="其他"))

    public = service.public_campaign(seeded, campaign_id)
    assert public.published_results == [] and public.results == {} and public.targets == 2
    service.publish_results(seeded, OFFICE, campaign_id)
    public = service.public_campaign(seeded, campaign_id)
    assert {(r.uscc, r.outcome) for r in public.published_results} == {
        (builder.uscc, "整改到位"),
        (other.uscc, "未发现问题"),
    }
    assert public.results == {"整改到位": 1, "未发现问题": 1}
    assert "13812345678" not in public.model_dump_json() and "张三" not in public.model_dump_json()
    assert len(service.campaign_work(seeded, campaign_id).result_list) == 3, "history is kept"

    service.remove_target(seeded, lead, campaign_id, other.uscc, reason="不属于建筑工程领域")
    assert service.public_campaign(seeded, campaign_id).targets == 1
    assert seeded.scalars(select(CampaignTarget).where(CampaignTarget.uscc == other.uscc)).one().removed_at
    actions = set(seeded.scalars(select(AuditEvent.action).where(AuditEvent.action.like("campaigns:%"))))
    assert actions >= {
        "campaigns:campaign:created",
        "campaigns:targets:added",
        "campaigns:task:assigned",
        "campaigns:task:completed",
        "campaigns:result:recorded",
        "campaigns:results:published",
        "campaigns:target:removed",
    }


def test_rights(seeded: Session) -> None:
    at(dt.date(2024, 9, 27))
    with pytest.raises(Forbidden):
        service.create_campaign(
            seeded,
            OPERATOR,
            CampaignIn.model_validate(
                {
                    "name": "x" * 3,
                    "legal_basis": "依据",
                    "lead_department": "SCJGJ",
                    "start_date": "2024-01-01",
                    "end_date": "2024-02-01",
                    "description": "d",
                }
            ),
        )
    campaign_id = _campaign(seeded)
    firm = builders.entity(seeded)
    with pytest.raises(Forbidden):  # not the lead department
        service.add_targets(seeded, OPERATOR, campaign_id, TargetsIn(usccs=[firm.uscc]))
    with pytest.raises(Forbidden):
        service.publish_results(seeded, REVIEWER, campaign_id)
    with pytest.raises(NotFound):
        service.public_campaign(seeded, 999_999)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end_date": dt.date(2024, 8, 1)}, "end_date"),
        ({"lead_department": "NOPE"}, None),
    ],
)
def test_bad_campaigns_are_refused(seeded: Session, change: dict[str, Any], field: str | None) -> None:
    with pytest.raises((InvalidInput, NotFound)) as refused:
        _campaign(seeded, **change)
    if field:
        assert refused.value.field == field


def test_bad_targets_and_results_are_refused(seeded: Session) -> None:
    at(dt.date(2024, 9, 27))
    campaign_id = _campaign(seeded)
    with pytest.raises(Conflict):
        _campaign(seeded)
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "usccs"),
        ({"usccs": ["91360482MA35XXXXXX"]}, "usccs.0"),
        ({"usccs": [builders.new_uscc()]}, "usccs"),  # valid but unknown
        ({"filter": {}}, "filter.filter"),
        ({"filter": {"industry": "c18"}}, "filter.industry"),
        ({"filter": {"region_code": "36048"}}, "filter.region_code"),
        ({"filter": {"kind": "9Z"}}, "filter.kind"),
    ]
    for body, field in cases:
        with pytest.raises(InvalidInput) as refused:
            service.add_targets(seeded, OFFICE, campaign_id, TargetsIn.model_validate(body))
        assert refused.value.field == field, body
    firm = builders.entity(seeded)
    with pytest.raises(NotFound):
        service.record_result(seeded, OFFICE, campaign_id, ResultIn(uscc=firm.uscc, outcome="其他"))
    service.add_targets(seeded, OFFICE, campaign_id, TargetsIn(usccs=[firm.uscc]))
    with pytest.raises(InvalidInput) as refused:
        service.record_result(
            seeded, OFFICE, campaign_id, ResultIn(uscc=firm.uscc, outcome="其他", on=dt.date(2030, 1, 1))
        )
    assert refused.value.field == "on"
    with pytest.raises(InvalidInput):
        service.record_result(seeded, OFFICE, campaign_id, ResultIn(uscc=firm.uscc, outcome="其他", notes="a\x00b"))
