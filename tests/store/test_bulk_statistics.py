"""After a bulk load on PostgreSQL the planner's statistics are refreshed (issue 23, item 9): a batch that wrote
more than XINYONG_ANALYZE_AFTER_ROWS rows (or grew a table by XINYONG_ANALYZE_GROWTH) has its tables analysed once
it is committed; a small one does not, and a rolled-back one does not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from tests.support import builders
from tests.support.ingestion_files import HEADERS, gb18030_csv, row
from xinyong.core.actor import Actor, Role
from xinyong.core.config import get_settings
from xinyong.core.db import Database
from xinyong.records import ingestion

OPERATOR = Actor(role=Role.DEPT_OPERATOR, id="user:scjg", department_code="SCJGJ")


@pytest.fixture
def pg(committing_db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    if committing_db.dialect != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's")
    monkeypatch.setenv("XINYONG_ANALYZE_AFTER_ROWS", "40")
    monkeypatch.setenv("XINYONG_ANALYZE_GROWTH", "1000")  # only the row count decides here
    get_settings.cache_clear()
    with committing_db.unit_of_work() as session:
        builders.departments(session)
    yield committing_db
    get_settings.cache_clear()


def _analyzed(database: Database, table: str) -> int:
    with database.engine.connect() as conn:
        conn.execute(text("SELECT pg_stat_clear_snapshot()"))
        count = conn.scalar(text("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = :t"), {"t": table})
        return int(count or 0)


def _import(database: Database, numbers: range, tmp_path_name: str) -> None:
    with database.unit_of_work() as session:
        ingestion.ingest_file(
            session,
            OPERATOR,
            gb18030_csv([row(n) for n in numbers], HEADERS),
            tmp_path_name,
            department="SCJGJ",
            kind="penalty",
        )


def test_a_large_import_analyses_the_tables_it_loaded(pg: Database) -> None:
    tables = ("credit_records", "credit_record_versions")
    before = {t: _analyzed(pg, t) for t in tables}
    _import(pg, range(1, 11), "small.csv")
    assert {t: _analyzed(pg, t) for t in tables} == before, "10 rows: nothing analysed"
    _import(pg, range(100, 160), "large.csv")
    after = {t: _analyzed(pg, t) for t in tables}
    assert all(after[t] == before[t] + 1 for t in tables), (before, after)
    with pg.engine.connect() as conn:
        stamp = conn.scalar(text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'credit_records'"))
        assert stamp is not None
        rows = conn.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'credit_records'"))
        assert rows == 70, "the planner now knows the table's size"


def test_a_rolled_back_import_analyses_nothing(pg: Database) -> None:
    before = _analyzed(pg, "credit_records")

    def give_up() -> None:
        with pg.unit_of_work() as session:
            data = gb18030_csv([row(n) for n in range(200, 260)], HEADERS)
            ingestion.ingest_file(session, OPERATOR, data, "x.csv", department="SCJGJ", kind="penalty")
            raise RuntimeError("the caller gives up")

    with pytest.raises(RuntimeError):
        give_up()
    assert _analyzed(pg, "credit_records") == before
