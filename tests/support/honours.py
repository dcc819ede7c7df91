"""Helpers shared by the honour-list tests (no tests here): two office accounts and an honour taken through the
procedure (拟列入 by one, 审核公示 by the other)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from xinyong.core.actor import Actor, Role
from xinyong.lists import service as lists
from xinyong.lists.models import ListEntry
from xinyong.lists.schemas import HonourIn

CLERK = Actor(role=Role.CREDIT_OFFICE, id="user:office-clerk", name="信用办经办")
CHIEF = Actor(role=Role.CREDIT_OFFICE, id="user:office-chief", name="信用办审核")


def honour_body(uscc: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "list_type": "honest_model",
        "uscc": uscc,
        "department": "FGW",
        "reason": "连续五年无失信记录，积极参与诚信建设宣传活动",
        "decision_doc_no": "共信用办〔2024〕8号",
        "decision_date": "2024-06-01",
    }
    body.update(fields)
    return body


def honoured(session: Session, uscc: str, *, approve: bool = True, **fields: Any) -> ListEntry:
    """An honour entry added by :data:`CLERK` and (unless ``approve`` is off) approved by :data:`CHIEF` today."""
    entry = lists.nominate_honour(session, CLERK, HonourIn.model_validate(honour_body(uscc, **fields)))
    if approve:
        lists.approve_honour(session, CHIEF, entry.id)
    return entry


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
