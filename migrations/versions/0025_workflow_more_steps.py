"""Step tables for self-report verification, commitments and 容缺 cases, record corrections and inspection results
(the workflow mechanism, core.workflow).

``self_report_steps``, ``commitment_steps`` and ``tolerance_case_steps`` have the columns of every step table.
Existing rows are given the history their own columns know: a self-report its submission (by ``submitted_by`` at
``submitted_at``) and, once decided or withdrawn, that step by ``decided_by`` at ``decided_at`` with its reason; a
commitment its signing (by the signer's role and id at ``signed_at``) and, when no longer 履约中, the check's result
at ``status_changed_at`` (the checker is in the audit log and in ``commitment_checks``, not on the row); a 容缺 case
its acceptance at the commitment's signing and, when closed, its supply or overdue finding by ``closed_by`` at
``closed_at``; a credit record one step for each of its versions that was a correction or a status change (by the
version's actor at its ``valid_from``, with its reason); a drawn entity's result (``inspection_assignments`` gains
the procedure's ``status``: 已公示 once a result is in) its recording by ``recorded_by`` at ``recorded_at`` and its
overdue flag at ``overdue_at``.

Revision ID: 0025
Revises: 0024
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

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNKNOWN = "未记录"
TABLES = (
    ("self_report_steps", "report_id", "self_reports"),
    ("commitment_steps", "commitment_id", "commitments"),
    ("tolerance_case_steps", "case_id", "tolerance_cases"),
    ("credit_record_steps", "record_id", "credit_records"),
    ("inspection_result_steps", "assignment_id", "inspection_assignments"),
)
RECORD_STEP = {
    ("有效", "异议中"): "object",
    ("异议中", "有效"): "uphold",
    ("有效", "已修复"): "repair",
    ("已过期", "已修复"): "repair",
    ("有效", "已撤销"): "revoke",
    ("异议中", "已撤销"): "revoke",
    ("有效", "已过期"): "expire",
}
CHUNK = 5000
COMMITMENT_STEP = {"已践诺": "keep", "已违诺": "break", "虚假承诺": "falsify"}


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


def _insert(name: str, owner: str) -> sa.Insert:
    columns = (owner, "step", "from_status", "to_status", "on", "reason", "actor_role", "actor_id", "deadline")
    table = sa.table(
        name,
        *(sa.column(c) for c in columns),
        sa.column("at", xinyong.core.db.UTCDateTime()),
        sa.column("documents", _json()),
        sa.column("details", _json()),
    )
    return table.insert()


def _step(
    owner: str,
    owner_id: int,
    step: str,
    moved: tuple[str | None, str],
    at: dt.datetime,
    actor: tuple[str, str],
    *,
    reason: str | None = None,
    documents: list[str] | None = None,
    deadline: dt.date | None = None,
    details: dict[str, object] | None = None,
) -> dict[str, object]:
    when = at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
    return {
        owner: owner_id,
        "step": step,
        "from_status": moved[0],
        "to_status": moved[1],
        "on": when.astimezone(BEIJING).date(),
        "at": when,
        "actor_role": actor[0],
        "actor_id": actor[1],
        "reason": reason,
        "documents": documents,
        "deadline": deadline,
        "details": {"migrated": True, **(details or {})},
    }


def _utc(name: str) -> sa.ColumnClause[dt.datetime]:
    return sa.column(name, xinyong.core.db.UTCDateTime())


def _self_reports(bind: sa.Connection) -> list[dict[str, object]]:
    reports = sa.table(
        "self_reports",
        *(sa.column(c) for c in ("id", "status", "submitted_by", "decided_by", "reason", "record_id")),
        _utc("submitted_at"),
        _utc("decided_at"),
    )
    rows: list[dict[str, object]] = []
    for r in bind.execute(sa.select(reports).order_by(reports.c.id)).mappings():
        rows.append(
            _step("report_id", r["id"], "submit", (None, "待核验"), r["submitted_at"], ("entity", r["submitted_by"]))
        )
        if r["status"] != "待核验" and r["decided_at"] is not None:
            withdrawn = r["status"] == "已撤回"
            rows.append(
                _step(
                    "report_id",
                    r["id"],
                    "withdraw" if withdrawn else "decide",
                    ("待核验", r["status"]),
                    r["decided_at"],
                    ("entity" if withdrawn else "unknown", r["decided_by"] or UNKNOWN),
                    reason=r["reason"],
                    documents=[f"record:{r['record_id']}"] if r["record_id"] else None,
                )
            )
    return rows


def _commitments(bind: sa.Connection) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    commitments = sa.table(
        "commitments",
        *(sa.column(c) for c in ("id", "number", "status", "signed_by_role", "signed_by_id")),
        _utc("signed_at"),
        _utc("status_changed_at"),
    )
    cases = sa.table(
        "tolerance_cases",
        *(sa.column(c) for c in ("id", "commitment_id", "status", "due_date", "closed_by", "supplied_note")),
        _utc("closed_at"),
    )
    steps: list[dict[str, object]] = []
    signed: dict[int, tuple[dt.datetime, tuple[str, str], str]] = {}
    for c in bind.execute(sa.select(commitments).order_by(commitments.c.id)).mappings():
        signer = (c["signed_by_role"], c["signed_by_id"])
        signed[c["id"]] = (c["signed_at"], signer, c["number"])
        steps.append(
            _step("commitment_id", c["id"], "sign", (None, "履约中"), c["signed_at"], signer, documents=[c["number"]])
        )
        if c["status"] in COMMITMENT_STEP:
            steps.append(
                _step(
                    "commitment_id",
                    c["id"],
                    COMMITMENT_STEP[c["status"]],
                    (None if c["status"] == "虚假承诺" else "履约中", c["status"]),
                    c["status_changed_at"],
                    ("unknown", UNKNOWN),
                    details={"note": "迁移时补记：核查人见核查记录及审计日志"},
                )
            )
    case_steps: list[dict[str, object]] = []
    for k in bind.execute(sa.select(cases).order_by(cases.c.id)).mappings():
        at, signer, number = signed[k["commitment_id"]]
        case_steps.append(
            _step(
                "case_id", k["id"], "accept", (None, "待补齐"), at, signer, documents=[number], deadline=k["due_date"]
            )
        )
        if k["status"] != "待补齐" and k["closed_at"] is not None:
            supplied = k["status"] == "已补齐"
            case_steps.append(
                _step(
                    "case_id",
                    k["id"],
                    "supply" if supplied else "overdue",
                    ("待补齐", k["status"]),
                    k["closed_at"],
                    ("unknown" if supplied else "system", k["closed_by"] or UNKNOWN),
                    reason=k["supplied_note"] if supplied else None,
                )
            )
    return steps, case_steps


def _record_steps(bind: sa.Connection) -> None:
    """One step per correcting or status-changing version, in chunks (a city has many records, few changes)."""
    versions = sa.table(
        "credit_record_versions",
        *(sa.column(c) for c in ("id", "record_id", "version", "status", "change_kind", "change_reason")),
        *(sa.column(c) for c in ("actor_role", "actor_id")),
        _utc("valid_from"),
    )
    before = versions.alias("before")
    stmt = (
        sa.select(versions, before.c.status.label("previous"))
        .join(before, (before.c.record_id == versions.c.record_id) & (before.c.version == versions.c.version - 1))
        .where(versions.c.change_kind.in_(["corrected", "status"]))
        .order_by(versions.c.id)
    )
    insert = _insert("credit_record_steps", "record_id")
    rows: list[dict[str, object]] = []
    for v in bind.execute(stmt).mappings():
        if v["change_kind"] == "corrected":
            step, moved = "correct", (v["previous"], v["status"])
        else:
            step, moved = RECORD_STEP.get((v["previous"], v["status"]), "status"), (v["previous"], v["status"])
        rows.append(
            _step(
                "record_id",
                v["record_id"],
                step,
                moved,
                v["valid_from"],
                (v["actor_role"], v["actor_id"]),
                reason=v["change_reason"],
                details={"version": v["version"]},
            )
        )
        if len(rows) >= CHUNK:
            bind.execute(insert, rows)
            rows = []
    if rows:
        bind.execute(insert, rows)


def _inspection_steps(bind: sa.Connection) -> list[dict[str, object]]:
    op.add_column("inspection_assignments", sa.Column("status", sa.String(length=8), server_default="", nullable=False))
    assignments = sa.table(
        "inspection_assignments",
        *(sa.column(c) for c in ("id", "status", "result", "result_note", "published_on", "recorded_by")),
        _utc("recorded_at"),
        _utc("overdue_at"),
    )
    bind.execute(assignments.update().where(assignments.c.published_on.is_not(None)).values(status="已公示"))
    rows: list[dict[str, object]] = []
    stmt = sa.select(assignments).where(assignments.c.recorded_at.is_not(None) | assignments.c.overdue_at.is_not(None))
    for a in bind.execute(stmt.order_by(assignments.c.id)).mappings():
        found: list[tuple[dt.datetime, dict[str, object]]] = []
        if a["overdue_at"] is not None:
            step = _step("assignment_id", a["id"], "overdue", (None, ""), a["overdue_at"], ("system", "tick"))
            found.append((a["overdue_at"], step))
        if a["recorded_at"] is not None:
            step = _step(
                "assignment_id",
                a["id"],
                "record",
                (None, "已公示"),
                a["recorded_at"],
                ("unknown", a["recorded_by"] or UNKNOWN),
                reason=a["result_note"],
                details={"result": a["result"]},
            )
            found.append((a["recorded_at"], step))
        rows.extend(step for _, step in sorted(found, key=lambda pair: pair[0]))
    return rows


def upgrade() -> None:
    for name, owner, owner_table in TABLES:
        _steps_table(name, owner, owner_table)
    bind = op.get_bind()
    reports = _self_reports(bind)
    commitments, cases = _commitments(bind)
    inspections = _inspection_steps(bind)
    for (name, owner, _), rows in zip(TABLES, (reports, commitments, cases, [], inspections), strict=True):
        if rows:
            bind.execute(_insert(name, owner), rows)
    _record_steps(bind)


def downgrade() -> None:
    for name, _, _ in reversed(TABLES):
        op.drop_table(name)
    with op.batch_alter_table("inspection_assignments") as batch:
        batch.drop_column("status")
