"""Demo accounts, one per role, so a newcomer can sign in to the console at once.

The password is ``XINYONG_DEMO_PASSWORD`` when set, else a development default printed by ``xinyong demo``. In
production the demo refuses to create accounts with the default password.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.agencies import service as agencies
from xinyong.agencies.schemas import AgencyIn
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.auth.models import User
from xinyong.core.config import get_settings
from xinyong.core.errors import Forbidden
from xinyong.core.ids import make_uscc
from xinyong.core.periods import add_months
from xinyong.demo.commitments import seed_commitment_catalogue
from xinyong.entities.models import Entity
from xinyong.records import service as records
from xinyong.records.schemas import RecordIn, SubjectIn

DEFAULT_PASSWORD = "Gongqing-2020!"  # noqa: S105 - public development default, refused in production


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    name: str
    department: str | None = None


ACCOUNTS = (
    DemoAccount("admin", Role.CREDIT_OFFICE, "信用办管理员"),
    # a second member of the office: objections the platform decides itself need two people (拟办 and 审核)
    DemoAccount("xyb", Role.CREDIT_OFFICE, "信用办经办人"),
    DemoAccount("auditor", Role.AUDITOR, "审计人员"),
    # the portal's content: one writes and sends for review, the other publishes or returns
    DemoAccount("bianji", Role.CONTENT_EDITOR, "网站内容编辑"),
    DemoAccount("shenhe", Role.CONTENT_REVIEWER, "网站内容审核"),
    DemoAccount("scjg", Role.DEPT_OPERATOR, "市场监管局经办人", "SCJGJ"),
    DemoAccount("scjg-review", Role.DEPT_REVIEWER, "市场监管局审核人", "SCJGJ"),
    DemoAccount("swj", Role.DEPT_OPERATOR, "税务局经办人", "SWJ"),
    DemoAccount("spj", Role.DEPT_OPERATOR, "行政审批局经办人", "XZSPJ"),
)


def demo_password() -> str:
    password = os.environ.get("XINYONG_DEMO_PASSWORD") or DEFAULT_PASSWORD
    if password == DEFAULT_PASSWORD and get_settings().env == "production":
        raise Forbidden("set XINYONG_DEMO_PASSWORD: production refuses the default demo password")
    return password


def create_demo_accounts(session: Session) -> list[tuple[str, str, str]]:
    """Create the demo accounts that do not exist yet; return (username, role, scope) of each account. A demo loaded
    before the commitment catalogue was part of it gets the catalogue here too."""
    office = Actor.system("demo")
    seed_commitment_catalogue(session)
    password = demo_password()
    existing = set(session.execute(select(User.username)).scalars())
    made: list[tuple[str, str, str]] = []
    for account in ACCOUNTS:
        if account.username not in existing:
            auth.create_user(
                session,
                office,
                username=account.username,
                display_name=account.name,
                role=account.role,
                password=password,
                department=account.department,
            )
        made.append((account.username, str(account.role), account.department or "全市"))
    firm = session.execute(
        select(Entity.uscc, Entity.name)
        .where(Entity.authority == "9", Entity.org_type == "1", Entity.region_code == "360482", ~Entity.provisional)
        .order_by(Entity.uscc)
        .limit(1)
    ).first()
    if firm is not None:
        if "qiye" not in existing:
            auth.create_user(
                session,
                office,
                username="qiye",
                display_name=firm.name,
                role=Role.ENTITY,
                password=password,
                entity_uscc=firm.uscc,
            )
            repairable_penalty(session, firm.uscc, firm.name)
        made.append(("qiye", str(Role.ENTITY), firm.uscc))
    demo_agency(session)
    return made


def demo_agency(session: Session) -> None:
    """One registered credit-service agency, so that ``qiye`` can grant access on a fresh demo (the office issues
    its key in the console: a key is shown once, so the demo makes none)."""
    if agencies.list_agencies(session):
        return
    data = AgencyIn(
        name="共青城诚信信用评估有限公司",
        uscc=make_uscc("9", "1", "360482", "MA3CX0A1"),
        filing_body="ndrc",
        filing_no="XYFW-3604-0001",
        contact_name="刘主任",
        contact_phone="0792-4301234",
        purposes=["credit_report", "credit_rating", "financing"],
        ip_allow=[],
    )
    agencies.register_agency(session, Actor.system("demo"), data)


def repairable_penalty(session: Session, uscc: str, name: str, number: int = 9001) -> None:
    """Give the demo entity an 一般 penalty decided 8 months ago (past its 3-month minimum publicity period, fine
    of 0.5 万元), so that ``qiye`` can walk through credit repair: sign the 信用修复承诺, apply with the receipt, and
    the 市场监管局's ``scjg`` and ``scjg-review`` accept, propose and approve. ``number`` is the decision's number
    (its document number is the record's natural key: another firm's penalty needs its own)."""
    decided = add_months(clock.today(), -8)
    data = RecordIn(
        source_department="SCJGJ",
        kind="penalty",
        doc_no=f"共市监罚〔{decided.year}〕{number}号",
        subject=SubjectIn(type="entity", name=name, uscc=uscc),
        title="行政处罚决定书（未按规定公示年度报告）",
        decision_date=decided,
        severity="一般",
        content={"WFXW": "未按规定公示年度报告", "CFLB": ["罚款"], "NR": "罚款0.5万元", "NR_FK": 0.5},
    )
    records.upsert_record(session, Actor.system("demo"), data)
