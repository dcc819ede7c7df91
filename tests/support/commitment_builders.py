"""Builders for commitment tests: a catalogue item with its letter template, and a signature."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.commitments import service
from xinyong.commitments.models import Commitment, CommitmentItem
from xinyong.commitments.schemas import ConsequenceIn, ItemIn, SignIn, TemplateIn
from xinyong.core.actor import Actor, Role

_codes = itertools.count(1)


def entity_actor(uscc: str) -> Actor:
    return Actor(role=Role.ENTITY, id=f"user:entity-{uscc[-6:].lower()}", entity_uscc=uscc)


def template(**fields: Any) -> TemplateIn:
    data: dict[str, Any] = {
        "title": "信用承诺书（告知承诺制）",
        "conditions": "申请人已具备从事该经营活动的场所、设备和人员条件。",
        "undertaking": "本主体自愿作出以下承诺：所提交材料真实有效，符合审批条件。",
        "verification": "审批部门有权在承诺期内对承诺内容进行核查，本主体予以配合。",
        "liability": "如承诺不实或违背承诺，愿意承担相应法律责任，并接受失信惩戒。",
        "declaration": "本主体已阅知上述内容，自愿签署本承诺书。",
        "is_public": True,
    }
    data.update(fields)
    return TemplateIn(**data)


def item(
    session: Session,
    *,
    department: str = "SCJGJ",
    commitment_type: str = "容缺受理",
    tolerance_days: int | None = 5,
    consequence: ConsequenceIn | None = None,
    **fields: Any,
) -> CommitmentItem:
    data: dict[str, Any] = {
        "code": f"T{department}-{next(_codes):04d}",
        "department": department,
        "name": "食品经营许可（仅销售预包装食品）",
        "commitment_type": commitment_type,
        "conditions": "经营场所与住所分离，配备冷藏设施。",
        "tolerance_days": tolerance_days if commitment_type == "容缺受理" else None,
        "consequence": consequence,
        "template": template(),
    }
    data.update(fields)
    return service.create_item(session, builders.SYSTEM, ItemIn(**data))


def sign(
    session: Session, actor: Actor, item_id: int, uscc: str | None = None, materials: list[str] | None = None
) -> Commitment:
    if materials is None:
        tolerance = service.get_item(session, item_id).commitment_type == "容缺受理"
        materials = ["冷藏设施检测报告"] if tolerance else []
    outcome = service.sign_commitment(
        session,
        actor,
        SignIn(
            item_id=item_id,
            uscc=uscc,
            signer="王建国",
            accept=True,
            missing_materials=materials,
        ),
    )
    assert outcome.commitment is not None, outcome.reasons
    return outcome.commitment
