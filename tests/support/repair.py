"""Credit repair's common steps for tests: a penalty decided on a day, the 信用修复承诺 signed, an application made."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from tests.support import builders, commitment_builders
from tests.support.lists import at, party
from xinyong.records import service as records
from xinyong.repair import service as repair
from xinyong.repair.rules import TargetKind
from xinyong.repair.schemas import ApplicationIn

PDF = b"%PDF-1.4\n% receipt\n"


def penalty(session: Session, decided: dt.date, severity: str = "一般", **content: object) -> tuple[str, int]:
    made = builders.entity(session)
    at(decided)
    fields = {"WFXW": "虚假宣传", "CFLB": ["罚款"], "NR_FK": 1.5, **content}
    version, _ = records.upsert_record(
        session,
        builders.SYSTEM,
        builders.penalty(made.uscc, decision_date=decided, severity=severity, content=fields),
    )
    return made.uscc, version.record_id


def commit(session: Session, uscc: str) -> None:
    item = commitment_builders.item(session, department="FGW", commitment_type="信用修复", tolerance_days=None)
    commitment_builders.sign(session, party(uscc), item.id)


def apply(session: Session, uscc: str, record_id: int, files: list[tuple[str, bytes]] | None = None) -> int:
    data = ApplicationIn(
        target_kind=TargetKind.RECORD,
        target_id=record_id,
        methods=["信用承诺", "信用整改"],
        statement="已全额缴纳罚款并完成整改，承诺今后依法经营。",
    )
    return repair.apply(session, party(uscc), data, [("缴款凭证.pdf", PDF)] if files is None else files).id
