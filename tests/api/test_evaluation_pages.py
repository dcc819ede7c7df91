"""Evaluation on the pages: the portal profile shows grade, breakdown, industry evaluations and what would raise it;
the console shows the grade distribution with its chart data and the model versions, and the office publishes a
model from the form (bad JSON shows the form again with the reason, nothing published)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re

from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.console_helpers import HTML, console_client, make_user, sign_in
from tests.support.lists import at
from xinyong.core.actor import Actor, Role
from xinyong.evaluation import service
from xinyong.evaluation.rules import DEFAULT_MODEL_JSON
from xinyong.records import service as records
from xinyong.records.schemas import RecordIn, SubjectIn

SYSTEM = Actor.system("test")


def _graded(db: Session) -> str:
    at(dt.date(2026, 11, 20))
    made = builders.entity(db)
    records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc, severity="严重"))
    evaluation = RecordIn(
        source_department="SWJ",
        kind="evaluation",
        doc_no="纳税信用〔2026〕1号",
        subject=SubjectIn(type="entity", name=made.name, uscc=made.uscc),
        title="2025年度纳税信用等级评价：B",
        decision_date=dt.date(2026, 4, 10),
        content={"PJLX": "纳税信用等级评价", "PJND": "2025", "PJJG": "B", "PJJGMC": "国家税务总局共青城市税务局"},
    )
    records.upsert_record(db, builders.SYSTEM, evaluation)
    service.regrade_entity(db, SYSTEM, made.uscc, "test")
    return made.uscc


def test_portal_profile_shows_the_evaluation(db: Session) -> None:
    client = console_client(db)
    uscc = _graded(db)
    page = client.get(f"/entity/{uscc}", headers=HTML)
    assert page.status_code == 200
    text = page.text
    assert "grade-c" in text and "综合得分" in text and "850" in text
    assert "严重行政处罚" in text and "-150" in text
    assert "纳税信用等级评价" in text and "国家税务总局共青城市税务局" in text
    assert "如何提升信用等级" in text and "可申请信用修复" in text
    assert "评价变动记录" not in text, "the grade history is not public"


def test_the_entity_sees_its_grade_history(db: Session) -> None:
    client = console_client(db)
    uscc = _graded(db)
    make_user(db, "xinyongban", Role.CREDIT_OFFICE)
    sign_in(client, "xinyongban")
    page = client.get(f"/entity/{uscc}", headers=HTML).text
    assert "评价变动记录" in page and "— → C" in page


def test_portal_profile_before_grading(db: Session) -> None:
    client = console_client(db)
    made = builders.entity(db)
    assert "暂无评价结果" in client.get(f"/entity/{made.uscc}", headers=HTML).text


def test_console_distribution_and_publishing(db: Session) -> None:
    client = console_client(db)
    _graded(db)
    make_user(db, "xinyongban", Role.CREDIT_OFFICE)
    csrf = sign_in(client, "xinyongban")
    page = client.get("/console/evaluation", headers=HTML)
    assert page.status_code == 200 and "信用等级分布" in page.text and "第1版" in page.text
    found = re.search(r'<script type="application/json" id="grade-chart-data">(.*?)</script>', page.text, re.S)
    assert found
    chart = json.loads(found.group(1))
    assert chart["labels"][0] == "A 优" and sum(chart["values"]) >= 1
    bad = client.post("/console/evaluation/models", data={"csrf_token": csrf, "model": "{not json", "note": "x"})
    assert bad.status_code == 422 and "不是合法的JSON" in bad.text
    definition = copy.deepcopy(DEFAULT_MODEL_JSON)
    definition["thresholds"]["A"] = 1100
    form = {"csrf_token": csrf, "model": json.dumps(definition, ensure_ascii=False), "note": "A级门槛提高"}
    assert client.post("/console/evaluation/models", data={**form, "csrf_token": "forged"}).status_code == 403
    made = client.post("/console/evaluation/models", data=form)
    assert made.status_code == 303 and made.headers["location"] == "/console/evaluation?published=2"
    again = client.get("/console/evaluation?published=2", headers=HTML).text
    assert "已发布评价模型第2版" in again and "按旧版本评价" in again


def test_operator_sees_the_page_but_cannot_publish(db: Session) -> None:
    client = console_client(db)
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    csrf = sign_in(client, "zhangmin")
    page = client.get("/console/evaluation", headers=HTML)
    assert page.status_code == 200 and "发布新版本" not in page.text
    form = {"csrf_token": csrf, "model": "{}", "note": "x"}
    assert client.post("/console/evaluation/models", data=form).status_code == 403
