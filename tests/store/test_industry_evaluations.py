"""行业信用评价 (tax credit A–D/M, market-regulation risk classes …) come in like other records: a CSV/XLSX file or a
JSON batch with the PJ_ layout, every row accepted or rejected with its field; they show beside the public grade
and queue the entity for a re-grade (they do not change the default model's score)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.ingestion_files import gb18030_csv
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.departments import get_department
from xinyong.core.errors import InvalidInput
from xinyong.entities.models import RegradeQueue
from xinyong.evaluation import service, views
from xinyong.records import ingestion
from xinyong.records.ingest.layouts import guess_kind
from xinyong.records.models import CreditRecordVersion

TAX = Actor(role=Role.DEPT_OPERATOR, id="user:swj", department_code="SWJ")
HEADERS = ["评价文书号", "评价类型", "评价结果", "评价年度", "评价日期", "评价单位", "评价单位统一社会信用代码",
           "数据来源单位", "数据来源单位统一社会信用代码", "相对人名称", "相对人类别", "统一社会信用代码"]  # fmt: skip


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    clock.freeze(dt.datetime(2026, 5, 8, 2, tzinfo=dt.UTC))
    return db


def _row(session: Session, uscc: str, doc: str, grade: str = "A", **changes: str) -> list[str]:
    tax = get_department(session, "SWJ")
    values = {
        "评价文书号": doc, "评价类型": "纳税信用等级评价", "评价结果": grade, "评价年度": "2025",
        "评价日期": "2026-04-10", "评价单位": tax.full_name, "评价单位统一社会信用代码": tax.uscc,
        "数据来源单位": tax.full_name, "数据来源单位统一社会信用代码": tax.uscc, "相对人名称": "共青城评价有限公司",
        "相对人类别": "法人及非法人组织", "统一社会信用代码": uscc,
    } | changes  # fmt: skip
    return [values[h] for h in HEADERS]


def test_file_of_evaluations(seeded: Session) -> None:
    made = builders.entity(seeded)
    assert guess_kind(["PJ_WSH", "PJ_PJJG", "PJ_XDR_MC"]) == "evaluation"
    data = gb18030_csv(
        [
            _row(seeded, made.uscc, "纳信评〔2026〕1号", "B"),
            _row(seeded, made.uscc, "纳信评〔2026〕2号", ""),  # no result
            _row(seeded, "91360482MA00000000", "纳信评〔2026〕3号"),  # bad USCC
            _row(seeded, made.uscc, "纳信评〔2026〕4号", 评价日期="2027-01-01"),  # in the future
        ],
        headers=HEADERS,
    )
    result = ingestion.ingest_file(seeded, TAX, data, "纳税信用.csv", department="SWJ", kind="evaluation")
    assert (result.created, result.rejected, result.kind) == (1, 3, "evaluation")
    fields = {e["field"] for e in result.errors}
    assert {"PJ_PJJG", "PJ_XDR_SHXYM", "PJ_JDRQ"} <= fields, result.errors
    version = seeded.scalars(select(CreditRecordVersion).where(CreditRecordVersion.kind == "evaluation")).one()
    assert version.title == "2025年度纳税信用等级评价：B"
    assert version.content["PJJG"] == "B" and version.decision_date == dt.date(2026, 4, 10)
    assert made.uscc in seeded.scalars(select(RegradeQueue.uscc)).all()
    again = ingestion.ingest_file(seeded, TAX, data, "纳税信用.csv", department="SWJ")  # kind guessed, no duplicate
    assert (again.created, again.unchanged) == (0, 1)
    service.drain_queue(seeded, Actor.system("t"), clock.today())
    shown = views.evaluation_of(seeded, Actor.public(), made.uscc)
    assert shown.grade == "B" and shown.score == 1000, "an industry evaluation does not score in the default model"
    assert [(e.name, e.year, e.result) for e in shown.industry] == [("纳税信用等级评价", "2025", "B")]


def test_json_batch_of_evaluations(seeded: Session) -> None:
    made = builders.entity(seeded)
    tax = get_department(seeded, "SWJ")
    row = {
        "PJ_WSH": "风险分类〔2026〕9号", "PJ_PJLX": "市场监管信用风险分类", "PJ_PJJG": "A类（信用风险低）",
        "PJ_JDRQ": "2026-03-01", "PJ_PJJGMC": tax.full_name, "PJ_PJJGDM": tax.uscc, "PJ_SJLY": tax.full_name,
        "PJ_SJLYDM": tax.uscc, "PJ_XDR_MC": made.name, "PJ_XDR_LB": "法人及非法人组织", "PJ_XDR_SHXYM": made.uscc,
    }  # fmt: skip
    result = ingestion.ingest_rows(
        seeded, TAX, [row, {**row, "PJ_WSH": "x" * 5000}], department="SWJ", kind="evaluation"
    )
    assert (result.created, result.rejected) == (1, 1)
    assert result.errors[0]["field"] == "PJ_WSH"


def test_unknown_kind_is_refused(seeded: Session) -> None:
    with pytest.raises(InvalidInput) as refused:
        ingestion.ingest_rows(seeded, TAX, [{"WSH": "1"}], department="SWJ", kind="honour")
    assert refused.value.field == "kind"
