"""Builders for the contradiction-flag tests: records of any kind, a grade, an upstream entry, a frozen day."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy.orm import Session

from tests.support import builders
from tests.support import lists as list_support
from xinyong.core import clock
from xinyong.evaluation import service as evaluation
from xinyong.evaluation.models import EvaluationResult
from xinyong.lists import service as lists
from xinyong.lists.models import ListEntry
from xinyong.records import service as records
from xinyong.records.models import CreditRecordVersion
from xinyong.records.schemas import RecordIn, SubjectIn

TODAY = dt.date(2026, 11, 2)
_numbers = itertools.count(1)


def today() -> None:
    clock.freeze(dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC))


def record(
    session: Session,
    uscc: str,
    kind: str,
    day: dt.date,
    *,
    department: str = "SCJGJ",
    doc_no: str | None = None,
    title: str | None = None,
    severity: str | None = None,
    name: str = "共青城鸿瑞羽绒服饰有限公司",
) -> CreditRecordVersion:
    data: dict[str, Any] = {
        "source_department": department,
        "kind": kind,
        "doc_no": doc_no or f"共测〔2026〕{next(_numbers)}号",
        "subject": SubjectIn(type="entity", name=name, uscc=uscc),
        "title": title or {"license": "食品经营许可", "honour": "守合同重信用企业"}.get(kind, "行政处罚决定书"),
        "decision_date": day,
        "severity": severity,
        "content": {},
    }
    version, _ = records.upsert_record(session, builders.SYSTEM, RecordIn(**data))
    return version


def grade(session: Session, uscc: str, letter: str) -> None:
    evaluation.ensure_seeded(session)
    session.merge(
        EvaluationResult(
            uscc=uscc, model_version=1, score=900, grade=letter, forced_by=None, breakdown=[], cause="test",
            computed_at=clock.now(),
        )
    )  # fmt: skip
    session.flush()


def listed(session: Session, uscc: str, list_type: str = "serious", **fields: Any) -> ListEntry:
    """An entry published through the procedure (decided in 2024), then the clock back on :data:`TODAY`."""
    entry = list_support.listed(session, uscc, list_type=list_type, **fields)
    today()
    return entry


def upstream(
    session: Session, uscc: str, status: str, *, doc_no: str | None = None, list_code: str = "serious"
) -> ListEntry:
    return lists.apply_upstream_entry(
        session,
        list_support.SYSTEM,
        lists.UpstreamEntry(
            source="JXXY", source_name="信用江西", level="provincial", issuing_body="江西省发展改革委",
            upstream_id=f"JX-{next(_numbers)}", version=1, list_code=list_code, department="FGW",
            subject_uscc=uscc, subject_person_id=None, subject_name="共青城鸿瑞羽绒服饰有限公司", status=status,
            facts="拒不履行", basis="国办发〔2020〕49号", decision_doc_no=doc_no, decision_date=dt.date(2024, 3, 1),
            valid_from=dt.date(2024, 3, 1), valid_to=dt.date(2027, 3, 1),
            exit_date=dt.date(2026, 6, 1) if status != "active" else None, reason=None,
        ),
    )  # fmt: skip
