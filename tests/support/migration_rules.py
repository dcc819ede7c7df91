"""The zero-downtime rules for migrations (docs/operations.md, "Upgrade with migrations"), checked on the migration
files' source: on a table that grows with the city (:data:`BIG_TABLES`), PostgreSQL must not be asked to rewrite
the table or hold a lock that stops reads or writes for the length of a scan, unless the migration says so in a
module-level ``DISRUPTS = {"table": "why, and that it runs in a maintenance window"}``.

What counts (PostgreSQL 15): changing a column's type, ``SET NOT NULL``, a new ``NOT NULL`` column without a
server default, an index built without ``postgresql_concurrently=True``, a new foreign key / unique / check /
primary key constraint (raw SQL may add one ``NOT VALID`` and validate it later), and in raw SQL ``LOCK TABLE``,
``VACUUM FULL``, ``CLUSTER``, a non-concurrent ``CREATE INDEX``, or an ``UPDATE`` of the whole table."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

BIG_TABLES = frozenset(
    {
        "entities",
        "entity_aliases",
        "persons",
        "person_roles",
        "credit_records",
        "credit_record_versions",
        "batches",
        "batch_rejections",
        "punishment_checks",
        "punishment_check_measures",
        "audit_events",
        "outbox_messages",
        "outbox_attempts",
        "list_entries",
        "evaluation_grades",
        "grade_history",
    }
)
CONSTRAINTS = {
    "create_foreign_key": 2,
    "create_unique_constraint": 1,
    "create_check_constraint": 1,
    "create_primary_key": 1,
}


@dataclass(frozen=True)
class Finding:
    table: str
    what: str
    line: int


def _const(node: ast.AST | None) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def _kw(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _arg(call: ast.Call, index: int, name: str) -> object:
    if len(call.args) > index:
        return _const(call.args[index])
    return _const(_kw(call, name))


_T = r"(?:ONLY\s+)?\"?(\w+)\"?"  # a table name, captured
_ALTER = r"ALTER\s+TABLE\s+" + _T + r"[^;]*"
_FLAGS = re.I | re.S
SQL_RULES = [
    (re.compile(_ALTER + r"ALTER\s+COLUMN\s+\S+\s+(?:SET\s+DATA\s+)?TYPE", _FLAGS), "changes a column type (rewrites)"),
    (re.compile(_ALTER + r"SET\s+NOT\s+NULL", _FLAGS), "SET NOT NULL (scans under an exclusive lock)"),
    (re.compile(_ALTER + r"ADD\s+CONSTRAINT(?![^;]*NOT\s+VALID)", _FLAGS), "adds a constraint without NOT VALID"),
    (re.compile(r"LOCK\s+TABLE\s+" + _T, _FLAGS), "LOCK TABLE"),
    (re.compile(r"VACUUM\s+FULL\s+" + _T, _FLAGS), "VACUUM FULL (rewrites the table)"),
    (re.compile(r"CLUSTER\s+" + _T, _FLAGS), "CLUSTER (rewrites the table)"),
    (
        re.compile(r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?!CONCURRENTLY)(?:IF\s+NOT\s+EXISTS\s+)?\S+\s+ON\s+" + _T, _FLAGS),
        "builds an index without CONCURRENTLY",
    ),
    (re.compile(r"UPDATE\s+" + _T + r"\s+SET\s+(?![^;]*\bWHERE\b)", _FLAGS), "updates every row (rewrites the table)"),
]


class _Visitor(ast.NodeVisitor):
    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.batch: dict[str, str] = {}  # the name bound by `with op.batch_alter_table(T) as name` -> T
        self.created: set[str] = set()  # tables created by this migration: empty, so nothing to fear

    def visit_With(self, node: ast.With) -> None:
        for item in node.items:
            call = item.context_expr
            if isinstance(call, ast.Call) and _method(call) == "batch_alter_table":
                table = _arg(call, 0, "table_name")
                if isinstance(table, str) and isinstance(item.optional_vars, ast.Name):
                    self.batch[item.optional_vars.id] = table
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        method = _method(node)
        owner = (
            node.func.value.id
            if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
            else None
        )
        in_batch = owner in self.batch
        shift = 0 if in_batch else 1  # batch operations do not repeat the table name
        table: object = self.batch.get(owner or "") if in_batch else None

        def flag(what: str, name: object = None) -> None:
            target = name if name is not None else table
            if isinstance(target, str):
                self.findings.append(Finding(target, what, node.lineno))

        if owner in ("op", *self.batch):
            if method == "create_table":
                created = _arg(node, 0, "table_name")
                if isinstance(created, str):
                    self.created.add(created)
            elif method == "alter_column":
                name = table if in_batch else _arg(node, 0, "table_name")
                if _kw(node, "type_") is not None:
                    flag("changes a column type (rewrites the table)", name)
                if _const(_kw(node, "nullable")) is False:
                    flag("SET NOT NULL (scans under an exclusive lock)", name)
            elif method == "add_column":
                name = table if in_batch else _arg(node, 0, "table_name")
                column = node.args[shift] if len(node.args) > shift else _kw(node, "column")
                if isinstance(column, ast.Call):
                    not_null = _const(_kw(column, "nullable")) is False
                    if not_null and _kw(column, "server_default") is None:
                        flag("adds a NOT NULL column without a server default", name)
            elif method == "create_index":
                name = table if in_batch else _arg(node, 1, "table_name")
                if _const(_kw(node, "postgresql_concurrently")) is not True:
                    flag("builds an index without postgresql_concurrently=True", name)
            elif method in CONSTRAINTS:
                name = (
                    table
                    if in_batch
                    else _arg(
                        node, CONSTRAINTS[method], "source_table" if method == "create_foreign_key" else "table_name"
                    )
                )
                flag(f"{method} (locks and scans the table)", name)
            elif method == "execute":
                sql = _sql_text(node)
                for pattern, what in SQL_RULES:
                    for match in pattern.finditer(sql):
                        flag(what, match.group(1).lower())
        self.generic_visit(node)


def _method(call: ast.Call) -> str | None:
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def _sql_text(call: ast.Call) -> str:
    parts: list[str] = []
    for node in ast.walk(call):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            parts.append(node.value)
    return " ".join(parts)


def _declared(tree: ast.Module) -> dict[str, str]:
    for node in tree.body:
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        if any(isinstance(t, ast.Name) and t.id == "DISRUPTS" for t in targets) and node.value is not None:
            value = ast.literal_eval(node.value)
            if isinstance(value, dict):
                return {str(k): str(v) for k, v in value.items()}
    return {}


def _upgrade(tree: ast.Module) -> ast.FunctionDef | None:
    return next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade"), None)


def check_source(source: str) -> list[Finding]:
    """The undeclared disruptive operations on big tables in one migration's ``upgrade()``."""
    tree = ast.parse(source)
    upgrade = _upgrade(tree)
    if upgrade is None:
        return []
    visitor = _Visitor()
    visitor.visit(upgrade)
    declared = _declared(tree)
    return [
        f
        for f in visitor.findings
        if f.table in BIG_TABLES and f.table not in visitor.created and not declared.get(f.table, "").strip()
    ]


def check_file(path: Path) -> list[Finding]:
    return check_source(path.read_text(encoding="utf-8"))
