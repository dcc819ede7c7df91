"""The migration that gives objections and risk alerts their step tables writes, for rows that already exist, the
history their own columns know (both databases, each on a fresh database migrated up to the revision before)."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from xinyong.core.db import Database
from xinyong.schema import alembic_config


def _revision_of_workflow(database: Database, name: str = "_workflow_steps.py") -> tuple[str, str]:
    script = ScriptDirectory.from_config(alembic_config(database))
    for revision in script.walk_revisions():
        if revision.module.__file__ and revision.module.__file__.endswith(name):
            assert isinstance(revision.down_revision, str)
            return revision.down_revision, revision.revision
    raise AssertionError(f"no migration {name}")


@pytest.fixture
def fresh(fresh_database: Database) -> Database:
    return fresh_database


FILED = dt.datetime(2024, 3, 4, 2, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2024, 3, 20, 17, 0, tzinfo=dt.UTC)  # 2024-03-21 in Beijing


def _department_and_record(database: Database) -> None:
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO departments (code, short_name, full_name, uscc, active, created_at) VALUES "
                "('SCJGJ', '市场监管局', '共青城市市场监督管理局', '11360482MB0000000X', true, :at)"
            ),
            {"at": FILED},
        )
        conn.execute(
            text(
                "INSERT INTO credit_records (id, source_department, kind, doc_no, current_version, created_at) "
                "VALUES (7, 'SCJGJ', 'penalty', '共市监罚〔2024〕1号', 3, :at)"
            ),
            {"at": FILED},
        )


def test_existing_objections_and_alerts_get_their_known_history(fresh: Database) -> None:
    before, workflow = _revision_of_workflow(fresh)
    config = alembic_config(fresh)
    command.upgrade(config, before)
    _department_and_record(fresh)
    rows = [
        # filed, forwarded, escalated and resolved
        (1, "department", "已办结", FILED, LATER, LATER, "更正", "rev-scjgj"),
        # filed only
        (2, "platform", "已受理", FILED, None, None, None, None),
    ]
    with fresh.engine.begin() as conn:
        for oid, stage, status, filed, escalated, resolved, outcome, resolver in rows:
            conn.execute(
                text(
                    "INSERT INTO objections (id, record_id, record_version, source_department, subject_uscc, "
                    "objector_role, objector_id, objector_name, reasons, status, stage, filed_at, filed_on, deadline, "
                    "deadline_provisional, deadline_rule, escalated_at, outcome, outcome_reason, result_version, "
                    "resolved_at, resolver_id, updated_at) VALUES (:id, 7, 1, 'SCJGJ', '91360482MA35XXXXXX', "
                    "'entity', 'ent-1', '共青城测试有限公司', '处罚对象有误', :status, :stage, :filed, :filed_on, "
                    ":filed_on, false, 'platform:3wd', :escalated, :outcome, :why, :result, :resolved, :resolver, "
                    ":updated)"
                ),
                {
                    "id": oid,
                    "status": status,
                    "stage": stage,
                    "filed": filed,
                    "filed_on": filed.date(),
                    "escalated": escalated,
                    "outcome": outcome,
                    "why": "核实有误" if outcome else None,
                    "result": 2 if outcome else None,
                    "resolved": resolved,
                    "resolver": resolver,
                    "updated": resolved or filed,
                },
            )
        conn.execute(
            text(
                "INSERT INTO risk_alerts (id, rule_code, rule_label, uscc, subject_name, department, status, "
                "window_start, window_end, count, evidence, created_at, updated_at, handled_by, note) VALUES "
                "(5, 'penalties_12m', '12个月内受到2次及以上行政处罚', '91360482MA35XXXXXX', '共青城测试有限公司', "
                "'SCJGJ', '已关闭', :start, :end, 2, '[1, 2]', :created, :updated, 'op-scjgj', '已约谈')"
            ),
            {"start": FILED.date(), "end": LATER.date(), "created": FILED, "updated": LATER},
        )
    command.upgrade(config, workflow)
    with fresh.engine.connect() as conn:
        steps = conn.execute(
            text(
                'SELECT objection_id, step, from_status, to_status, actor_id, "on", reason FROM objection_steps '
                "ORDER BY objection_id, id"
            )
        ).all()
        alert_steps = conn.execute(
            text('SELECT step, from_status, to_status, actor_id, "on", reason FROM risk_alert_steps ORDER BY id')
        ).all()
    assert [(s[0], s[1], s[2], s[3]) for s in steps] == [
        (1, "file", None, "已受理"),
        (1, "forward", "已受理", "已转办"),
        (1, "escalate", "已转办", "已督办"),
        (1, "resolve", "已督办", "已办结"),
        (2, "file", None, "已受理"),
    ]
    assert steps[0][4] == "ent-1" and steps[0][6] == "处罚对象有误" and steps[3][4] == "rev-scjgj"
    assert str(steps[3][5]) == "2024-03-21", "the legal day is Beijing's"
    assert [(s[0], s[1], s[2], s[3]) for s in alert_steps] == [
        ("raise", None, "待处理", "tick"),
        ("close", "待处理", "已关闭", "op-scjgj"),
    ]
    assert alert_steps[1][5] == "已约谈"


def test_existing_record_versions_become_the_records_correction_steps(fresh: Database) -> None:
    before, more = _revision_of_workflow(fresh, "_workflow_more_steps.py")
    config = alembic_config(fresh)
    command.upgrade(config, before)
    _department_and_record(fresh)
    versions = [
        (1, FILED, LATER, "有效", "created", None, "department_operator", "user:op1"),
        (2, LATER, LATER, "异议中", "status", "异议受理（异议 1）", "system", "objection:1"),
        (3, LATER, None, "异议中", "corrected", "金额更正", "department_operator", "user:op1"),
    ]
    with fresh.engine.begin() as conn:
        for version, start, end, status, change, why, role, actor in versions:
            conn.execute(
                text(
                    "INSERT INTO credit_record_versions (record_id, version, valid_from, valid_to, source_department, "
                    "kind, subject_type, subject_uscc, subject_name, title, decision_date, received_date, disclosure, "
                    "status, content, provenance, change_kind, change_reason, actor_role, actor_id) VALUES (7, :v, "
                    ":start, :end, 'SCJGJ', 'penalty', 'entity', '91360482MA35XXXXXX', '共青城测试有限公司', "
                    "'行政处罚决定书', :day, :day, '公开', :status, '{}', '{}', :change, :why, :role, :actor)"
                ),
                {
                    "v": version,
                    "start": start,
                    "end": end,
                    "day": FILED.date(),
                    "status": status,
                    "change": change,
                    "why": why,
                    "role": role,
                    "actor": actor,
                },
            )
    command.upgrade(config, more)
    with fresh.engine.connect() as conn:
        steps = conn.execute(
            text('SELECT step, from_status, to_status, actor_id, reason, "on" FROM credit_record_steps ORDER BY id')
        ).all()
    assert [tuple(s[:5]) for s in steps] == [
        ("object", "有效", "异议中", "objection:1", "异议受理（异议 1）"),
        ("correct", "异议中", "异议中", "user:op1", "金额更正"),
    ]
    assert str(steps[0][5]) == "2024-03-21"
