"""The workflow mechanism's step tables: every ``<thing>_steps`` table has the same columns (core.workflow).

The three procedures that already kept a step log (list entries, rectification tasks, repair applications) gain
the columns the others' new tables have from the start: the reason given, the linked documents, the working-day
deadline the step opened (and whether its calendar was provisional); repair steps also record the actor's
department, as the other two always did. Existing steps keep their details; the new columns are empty for them.

Objections and risk alerts get their step tables (``objection_steps``, ``risk_alert_steps``). Existing rows are
given the history their own columns know: an objection its filing (by the objector, at ``filed_at``), its
forwarding when it went to the source department (when and by whom is in the audit log, not on the row: the step
says so), its escalation at ``escalated_at`` and its decision by ``resolver_id`` at ``resolved_at``; an alert its
raising by the sweep at ``created_at`` and, when handled, the last step taken by ``handled_by`` at ``updated_at``.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import xinyong.core.db
from xinyong.core.clock import BEIJING

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXISTING = ("list_entry_steps", "rectification_steps", "repair_steps")


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _steps_table(name: str, owner: str, owner_table: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(owner, sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=8), nullable=True),
        sa.Column("to_status", sa.String(length=8), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=128), nullable=False),
        sa.Column("actor_department", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("documents", _json(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("deadline_provisional", sa.Boolean(), nullable=True),
        sa.Column("details", _json(), nullable=False),
        sa.ForeignKeyConstraint([owner], [f"{owner_table}.id"], name=op.f(f"fk_{name}_{owner}_{owner_table}")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    op.create_index(f"ix_{name}_{owner.removesuffix('_id')}", name, [owner, "id"])


def _beijing_day(at: dt.datetime) -> dt.date:
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(BEIJING).date()


def _backfill_objections(bind: sa.Connection) -> None:
    objections = sa.table(
        "objections",
        *(sa.column(c) for c in ("id", "record_id", "record_version", "source_department", "objector_role")),
        *(sa.column(c) for c in ("objector_id", "reasons", "status", "stage", "filed_on", "deadline_rule")),
        *(sa.column(c) for c in ("outcome", "outcome_reason", "result_version", "resolver_id")),
        sa.column("filed_at", xinyong.core.db.UTCDateTime()),
        sa.column("escalated_at", xinyong.core.db.UTCDateTime()),
        sa.column("resolved_at", xinyong.core.db.UTCDateTime()),
        sa.column("updated_at", xinyong.core.db.UTCDateTime()),
    )
    steps = _steps_sql("objection_steps", "objection_id")
    rows: list[dict[str, object]] = []
    for o in bind.execute(sa.select(objections).order_by(objections.c.id)).mappings():
        record = [f"record:{o['record_id']}:v{o['record_version']}"]
        rows.append(
            _step(
                o["id"],
                "objection_id",
                "file",
                None,
                "已受理",
                o["filed_at"],
                o["objector_role"],
                o["objector_id"],
                reason=o["reasons"],
                documents=record,
                details={"record_id": o["record_id"], "migrated": True},
            )
        )
        status = "已受理"
        if o["stage"] == "department":
            rows.append(
                _step(
                    o["id"],
                    "objection_id",
                    "forward",
                    status,
                    "已转办",
                    o["updated_at"],
                    "system",
                    UNKNOWN,
                    details={"department": o["source_department"], "migrated": True, "note": NOT_ON_ROW},
                )
            )
            status = "已转办"
        if o["escalated_at"] is not None:
            rows.append(
                _step(
                    o["id"],
                    "objection_id",
                    "escalate",
                    status,
                    "已督办",
                    o["escalated_at"],
                    "system",
                    "tick",
                    details={"migrated": True},
                )
            )
            status = "已督办"
        if o["resolved_at"] is not None:
            rows.append(
                _step(
                    o["id"],
                    "objection_id",
                    "resolve",
                    status,
                    "已办结",
                    o["resolved_at"],
                    "unknown",
                    o["resolver_id"] or UNKNOWN,
                    reason=o["outcome_reason"],
                    documents=[f"record:{o['record_id']}:v{o['result_version']}"],
                    details={"outcome": o["outcome"], "result_version": o["result_version"], "migrated": True},
                )
            )
    if rows:
        bind.execute(steps, rows)


def _backfill_alerts(bind: sa.Connection) -> None:
    alerts = sa.table(
        "risk_alerts",
        *(sa.column(c) for c in ("id", "rule_code", "rule_label", "uscc", "department", "status", "count")),
        sa.column("handled_by"),
        sa.column("note"),
        sa.column("created_at", xinyong.core.db.UTCDateTime()),
        sa.column("updated_at", xinyong.core.db.UTCDateTime()),
    )
    steps = _steps_sql("risk_alert_steps", "alert_id")
    rows: list[dict[str, object]] = []
    for a in bind.execute(sa.select(alerts).order_by(alerts.c.id)).mappings():
        rows.append(
            _step(
                a["id"],
                "alert_id",
                "raise",
                None,
                "待处理",
                a["created_at"],
                "system",
                "tick",
                reason=a["rule_label"],
                details={"rule": a["rule_code"], "count": a["count"], "migrated": True},
            )
        )
        if a["status"] != "待处理":
            step = "acknowledge" if a["status"] == "已确认" else "close"
            rows.append(
                _step(
                    a["id"],
                    "alert_id",
                    step,
                    "待处理",
                    a["status"],
                    a["updated_at"],
                    "unknown",
                    a["handled_by"] or UNKNOWN,
                    reason=a["note"],
                    details={"note": a["note"], "migrated": True},
                )
            )
    if rows:
        bind.execute(steps, rows)


UNKNOWN = "未记录"
NOT_ON_ROW = "迁移时补记：转办人及时间见审计日志"


def _steps_sql(name: str, owner: str) -> sa.Insert:
    columns = (owner, "step", "from_status", "to_status", "on", "reason", "actor_role", "actor_id")
    table = sa.table(
        name,
        *(sa.column(c) for c in columns),
        sa.column("at", xinyong.core.db.UTCDateTime()),
        sa.column("documents", _json()),
        sa.column("details", _json()),
    )
    return table.insert()


def _step(
    owner_id: int,
    owner: str,
    step: str,
    from_status: str | None,
    to_status: str,
    at: dt.datetime,
    role: str,
    actor_id: str,
    *,
    reason: str | None = None,
    documents: list[str] | None = None,
    details: dict[str, object],
) -> dict[str, object]:
    return {
        owner: owner_id,
        "step": step,
        "from_status": from_status,
        "to_status": to_status,
        "on": _beijing_day(at),
        "at": at,
        "actor_role": role,
        "actor_id": actor_id,
        "reason": reason,
        "documents": documents,
        "details": details,
    }


def upgrade() -> None:
    op.add_column("repair_steps", sa.Column("actor_department", sa.String(length=16), nullable=True))
    for table in EXISTING:
        op.add_column(table, sa.Column("reason", sa.Text(), nullable=True))
        op.add_column(table, sa.Column("documents", _json(), nullable=True))
        op.add_column(table, sa.Column("deadline", sa.Date(), nullable=True))
        op.add_column(table, sa.Column("deadline_provisional", sa.Boolean(), nullable=True))
    _steps_table("objection_steps", "objection_id", "objections")
    _steps_table("risk_alert_steps", "alert_id", "risk_alerts")
    bind = op.get_bind()
    _backfill_objections(bind)
    _backfill_alerts(bind)


def downgrade() -> None:
    op.drop_table("risk_alert_steps")
    op.drop_table("objection_steps")
    for table in EXISTING:
        with op.batch_alter_table(table) as batch:
            for column in ("deadline_provisional", "deadline", "documents", "reason"):
                batch.drop_column(column)
    with op.batch_alter_table("repair_steps") as batch:
        batch.drop_column("actor_department")
