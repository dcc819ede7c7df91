"""公共信用综合评价 on both databases: the default model, breakdowns that add up (caps included), records and list
entries that stop counting, D for the serious list whatever the score, the re-grade queue, history, resumable
full runs and model versions."""

from __future__ import annotations

import copy
import datetime as dt
import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.lists import OFFICE, REVIEWER, SYSTEM, at, listed
from xinyong.core import audit
from xinyong.core.db import Database
from xinyong.core.errors import Conflict, Forbidden, InvalidInput
from xinyong.entities.models import RegradeQueue
from xinyong.evaluation import service
from xinyong.evaluation.models import EvaluationResult, GradeChange
from xinyong.evaluation.rules import DEFAULT_MODEL_JSON
from xinyong.lists import service as lists
from xinyong.records import service as records
from xinyong.records.rules import Status
from xinyong.records.schemas import RecordIn, SubjectIn


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    at(dt.date(2026, 11, 20))
    return db


def _record(uscc: str, kind: str, *, severity: str | None = None, days_ago: int = 10, **fields: object) -> RecordIn:
    data: dict[str, object] = {
        "source_department": "SCJGJ",
        "kind": kind,
        "doc_no": f"评测〔2026〕{builders.new_uscc()[-8:]}号",
        "subject": SubjectIn(type="entity", name="共青城评测有限公司", uscc=uscc),
        "title": f"{kind} 记录",
        "decision_date": dt.date(2026, 11, 20) - dt.timedelta(days=days_ago),
        "severity": severity,
        "content": {},
    }
    data.update(fields)
    return RecordIn.model_validate(data)


def _add(session: Session, uscc: str, kind: str, **kw: object) -> int:
    version, _ = records.upsert_record(session, builders.SYSTEM, _record(uscc, kind, **kw))
    return version.record_id


def _regrade(session: Session, uscc: str, cause: str = "test") -> EvaluationResult:
    service.regrade_entity(session, SYSTEM, uscc, cause)
    result = service.result_of(session, uscc)
    assert result is not None
    return result


def _adds_up(result: EvaluationResult, base: int = 1000) -> None:
    assert base + sum(item["points"] for item in result.breakdown) == result.score


def test_default_model_is_seeded_once(seeded: Session) -> None:
    service.ensure_seeded(seeded)
    service.ensure_seeded(seeded)
    versions = service.model_versions(seeded)
    assert [v.version for v in versions] == [1]
    assert versions[0].definition["base"] == 1000
    assert len(versions[0].digest) == 64


def test_no_records_is_the_base_score(seeded: Session) -> None:
    made = builders.entity(seeded)
    result = _regrade(seeded, made.uscc)
    assert (result.score, result.grade, result.model_version, result.breakdown) == (1000, "B", 1, [])


def test_breakdown_adds_up_with_caps_and_names_the_records(seeded: Session) -> None:
    made = builders.entity(seeded)
    serious = [_add(seeded, made.uscc, "penalty", severity="严重") for _ in range(4)]  # 4 × -150, cap 450
    honours = [_add(seeded, made.uscc, "honour") for _ in range(2)]  # 2 × +30
    general = _add(seeded, made.uscc, "penalty", severity=None)  # no severity counts as 一般
    _add(seeded, made.uscc, "license")  # not an indicator
    result = _regrade(seeded, made.uscc)
    items = {i["code"]: i for i in result.breakdown}
    assert items["penalty_serious"]["points"] == -450 and items["penalty_serious"]["count"] == 4
    assert items["penalty_serious"]["records"] == sorted(serious)
    assert items["honour"] == {"code": "honour", "points": 60, "count": 2, "records": sorted(honours), "entries": []}
    assert items["penalty_general"]["records"] == [general]
    assert result.score == 1000 - 450 + 60 - 50
    _adds_up(result)
    assert result.grade == "D"


def test_records_that_end_stop_counting(seeded: Session) -> None:
    made = builders.entity(seeded)
    repaired = _add(seeded, made.uscc, "penalty", severity="一般")
    revoked = _add(seeded, made.uscc, "penalty", severity="一般")
    expired = _add(seeded, made.uscc, "abnormal_operation")
    _add(seeded, made.uscc, "penalty", severity="一般", days_ago=400)  # past its 1-year publicity: not counted
    _add(seeded, made.uscc, "complaint", days_ago=400)  # outside the 12-month window
    assert _regrade(seeded, made.uscc).score == 1000 - 100 - 60
    records.change_status(seeded, builders.SYSTEM, repaired, Status.REPAIRED, "信用修复")
    records.change_status(seeded, builders.SYSTEM, revoked, Status.REVOKED, "决定撤销")
    records.change_status(seeded, builders.SYSTEM, expired, Status.EXPIRED, "期满")
    result = _regrade(seeded, made.uscc)
    assert (result.score, result.breakdown) == (1000, [])


def test_a_corrected_record_counts_once_as_its_new_version(seeded: Session) -> None:
    made = builders.entity(seeded)
    data = _record(made.uscc, "penalty", severity="一般")
    records.upsert_record(seeded, builders.SYSTEM, data)
    records.upsert_record(seeded, builders.SYSTEM, data.model_copy(update={"severity": "严重"}))
    result = _regrade(seeded, made.uscc)
    assert [(i["code"], i["count"]) for i in result.breakdown] == [("penalty_serious", 1)]


def test_serious_list_gives_d_whatever_the_score_until_it_ends(seeded: Session) -> None:
    definition = copy.deepcopy(DEFAULT_MODEL_JSON)
    definition["indicators"][0]["points"] = -10  # serious_list: a small penalty, but still D
    service.publish_model(seeded, OFFICE, definition, "测试：严重失信名单扣10分")
    entry = listed(seeded)
    uscc = entry.subject_uscc
    assert uscc is not None
    at(dt.date(2025, 1, 10))
    result = _regrade(seeded, uscc)
    assert (result.score, result.grade, result.forced_by, result.model_version) == (990, "D", "serious_list", 2)
    assert result.breakdown[0]["entries"] == [entry.id] and result.breakdown[0]["records"] == []
    _adds_up(result)
    at(dt.date(2025, 10, 12))
    lists.exit_entry(seeded, REVIEWER, entry.id, reason="完成信用修复")
    service.drain_queue(seeded, SYSTEM, dt.date(2025, 10, 12))
    after = service.result_of(seeded, uscc)
    assert after is not None and (after.score, after.grade, after.forced_by) == (1000, "B", None)
    history = service.history_of(seeded, uscc)
    assert [(h.old_grade, h.new_grade) for h in history] == [("D", "B"), (None, "D")]
    assert history[0].cause.startswith(f"list_entry:{entry.id}:exit_early")


def test_a_list_entry_past_its_term_stops_counting_before_the_sweep(seeded: Session) -> None:
    entry = listed(seeded, list_type="watch", key_field="金融")
    assert entry.subject_uscc is not None and entry.valid_to is not None
    at(entry.valid_to)
    assert _regrade(seeded, entry.subject_uscc).score == 850
    at(entry.valid_to + dt.timedelta(days=1))
    assert _regrade(seeded, entry.subject_uscc).score == 1000


def test_records_and_lists_queue_regrades_and_tick_drains_them(seeded: Session) -> None:
    made = builders.entity(seeded)
    other = builders.entity(seeded, name="共青城另一家有限公司")
    _regrade(seeded, made.uscc)
    record_id = _add(seeded, made.uscc, "penalty", severity="严重")
    _add(seeded, made.uscc, "honour")
    _add(seeded, other.uscc, "honour")
    queued = seeded.scalars(select(RegradeQueue.uscc).order_by(RegradeQueue.id)).all()
    assert queued == [made.uscc, made.uscc, other.uscc]
    drained = service.sweep_regrades(seeded, SYSTEM, dt.date(2026, 11, 20))
    assert (drained.entities, drained.left) == (2, 0)
    assert seeded.scalar(select(func.count()).select_from(RegradeQueue)) == 0
    result = service.result_of(seeded, made.uscc)
    assert result is not None and result.score == 1000 - 150 + 30
    change = service.history_of(seeded, made.uscc)[0]
    assert (change.old_score, change.new_score, change.old_grade, change.new_grade) == (1000, 880, "B", "C")
    assert change.cause == f"record:{record_id}:created"
    assert service.sweep_regrades(seeded, SYSTEM, dt.date(2026, 11, 20)).entities == 0, "idempotent"
    assert service.current_grades(seeded, [made.uscc, other.uscc, "nobody"]) == {made.uscc: "C", other.uscc: "A"}


def test_unchanged_regrade_adds_no_history(seeded: Session) -> None:
    made = builders.entity(seeded)
    _regrade(seeded, made.uscc)
    _regrade(seeded, made.uscc)
    assert seeded.scalar(select(func.count()).select_from(GradeChange).where(GradeChange.uscc == made.uscc)) == 1


def test_full_run_resumes_after_an_interruption(seeded: Session) -> None:
    made = [builders.entity(seeded, name=f"共青城第{i}有限公司") for i in range(5)]
    _add(seeded, made[0].uscc, "penalty", severity="严重")
    run, resumed = service.open_run(seeded, SYSTEM)
    assert not resumed
    assert service.run_chunk(seeded, run, dt.date(2026, 11, 20), chunk=2) == 2
    again, resumed = service.open_run(seeded, SYSTEM)  # "killed" after one chunk: the next call resumes
    assert resumed and again.id == run.id and again.last_uscc == run.last_uscc
    while service.run_chunk(seeded, again, dt.date(2026, 11, 20), chunk=2):
        pass
    assert again.status == "done"
    total = seeded.scalar(select(func.count()).select_from(EvaluationResult))
    assert again.done == total == seeded.scalar(select(func.count()).select_from(EvaluationResult))
    assert service.current_grades(seeded)[made[0].uscc] == "C"
    assert service.open_run(seeded, SYSTEM)[1] is False, "a finished run is not resumed"


def test_grade_everyone_matches_single_regrades(seeded: Session) -> None:
    made = [builders.entity(seeded, name=f"共青城批量{i}有限公司") for i in range(4)]
    _add(seeded, made[1].uscc, "penalty", severity="一般")
    _add(seeded, made[2].uscc, "honour")
    service.grade_everyone(seeded, SYSTEM, chunk=3)
    bulk = {
        r.uscc: (r.score, r.grade, r.breakdown)
        for r in seeded.scalars(select(EvaluationResult).where(EvaluationResult.uscc.in_([m.uscc for m in made])))
    }
    for m in made:
        single = _regrade(seeded, m.uscc)
        assert bulk[m.uscc] == (single.score, single.grade, single.breakdown)


def test_publishing_a_model(seeded: Session) -> None:
    definition = copy.deepcopy(DEFAULT_MODEL_JSON)
    with pytest.raises(Forbidden):
        service.publish_model(seeded, REVIEWER, definition, "x")
    with pytest.raises(Conflict):
        service.publish_model(seeded, OFFICE, definition, "与默认相同")
    with pytest.raises(InvalidInput) as bad:
        service.publish_model(seeded, OFFICE, {**definition, "thresholds": {"A": 1, "B": 2, "C": 3}}, "x")
    assert bad.value.field == "thresholds"
    with pytest.raises(InvalidInput) as bad:
        service.publish_model(seeded, OFFICE, {**definition, "indicators": [{"code": "x"}]}, "x")
    assert bad.value.field == "indicators[0].name"
    definition["thresholds"]["A"] = 1001
    row = service.publish_model(seeded, OFFICE, definition, "A级门槛调整为1001")
    assert row.version == 2
    made = builders.entity(seeded)
    _add(seeded, made.uscc, "honour")
    assert (_regrade(seeded, made.uscc).grade, service.result_of(seeded, made.uscc).model_version) == ("A", 2)  # type: ignore[union-attr]
    assert [v.version for v in service.model_versions(seeded)] == [2, 1]
    events = [e.action for e in seeded.scalars(select(audit.AuditEvent))]
    assert "evaluation:model:published" in events and "evaluation:entity:regraded" in events


def test_two_regrades_of_one_entity_at_once_both_succeed(committing_db: Database) -> None:
    """tick's drain and a repair's regrade_entity may grade the same entity concurrently (PostgreSQL): the second
    waits for the first and updates its row instead of failing on the primary key."""
    if committing_db.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    with committing_db.unit_of_work() as session:
        builders.departments(session)
        uscc = builders.entity(session).uscc
    first = Session(committing_db.engine)
    service.regrade_entity(first, SYSTEM, uscc, "first")  # first grade: inserts the row, not yet committed
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with committing_db.unit_of_work() as session:
                service.regrade_entity(session, SYSTEM, uscc, "second")
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(0.5)  # the second now waits on the first's uncommitted row
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert errors == [] and not thread.is_alive()
    with committing_db.unit_of_work() as session:
        result = service.result_of(session, uscc)
        assert result is not None and result.cause == "second"


def test_a_new_model_version_regrades_everyone_through_the_tick(seeded: Session) -> None:
    made = [builders.entity(seeded, name=f"共青城新模型{i}有限公司") for i in range(5)]
    _add(seeded, made[0].uscc, "honour")
    day = dt.date(2026, 11, 20)
    service.grade_everyone(seeded, SYSTEM)
    assert service.sweep_model_runs(seeded, SYSTEM, day).run is None, "every result names the current model"
    definition = copy.deepcopy(DEFAULT_MODEL_JSON)
    assert service.current_grades(seeded)[made[0].uscc] == "A"
    definition["thresholds"]["A"] = 1200
    service.publish_model(seeded, OFFICE, definition, "A级门槛调整为1200")
    total = seeded.scalar(select(func.count()).select_from(EvaluationResult))
    steps = []
    while (step := service.sweep_model_runs(seeded, SYSTEM, day, chunk=2)).run is not None:
        steps.append(step)
        assert len(steps) < 100
    assert [s.graded for s in steps][-1] == 0 and steps[-1].done == total
    versions = set(seeded.scalars(select(EvaluationResult.model_version)))
    assert versions == {2}
    assert service.current_grades(seeded)[made[0].uscc] == "B"
    changes = seeded.scalars(select(GradeChange).where(GradeChange.uscc == made[0].uscc)).all()
    assert [(c.old_grade, c.new_grade, c.model_version) for c in changes if "模型v2" in c.cause] == [("A", "B", 2)]
    assert service.sweep_model_runs(seeded, SYSTEM, day).run is None, "nothing more once the run is finished"
    assert "evaluation:run:finished" in {e.action for e in seeded.scalars(select(audit.AuditEvent))}


# ---------------------------------------------------------------- reproducible from stored data


Stored = dict[str, tuple[int, str, str | None, list[dict[str, object]]]]


def _stored(session: Session, usccs: list[str]) -> Stored:
    rows = session.scalars(select(EvaluationResult).where(EvaluationResult.uscc.in_(usccs)))
    return {r.uscc: (r.score, r.grade, r.forced_by, r.breakdown) for r in rows}


def _graded_both_ways(session: Session, usccs: list[str], today: dt.date) -> Stored:
    """Grade everyone the platform's way (one statement on PostgreSQL), then again the reference way (counts in
    SQL, points in Python): the stored results must not move and no history row may be added; then once more."""
    service.grade_everyone(session, SYSTEM, today, chunk=4)
    first = _stored(session, usccs)
    history = session.scalar(select(func.count()).select_from(GradeChange))
    stats, _ = service._grade(session, usccs, "reference", today, in_python=True)
    assert (stats.graded, stats.changed) == (len(usccs), 0)
    assert _stored(session, usccs) == first
    service.grade_everyone(session, SYSTEM, today, chunk=3)
    for uscc in usccs:
        service.regrade_entity(session, SYSTEM, uscc, "again")
    assert _stored(session, usccs) == first
    assert session.scalar(select(func.count()).select_from(GradeChange)) == history
    return first


def test_the_stored_breakdown_is_the_same_whichever_way_it_is_computed(seeded: Session) -> None:
    made = [builders.entity(seeded, name=f"共青城复现{i}有限公司") for i in range(5)]
    a, b, c, d, e = (m.uscc for m in made)
    serious = sorted(_add(seeded, a, "penalty", severity="严重") for _ in range(4))  # capped at -450
    general = _add(seeded, a, "penalty", severity=None)
    honours = sorted(_add(seeded, a, "honour") for _ in range(2))
    _add(seeded, a, "license")
    minor = _add(seeded, b, "penalty", severity="轻微", days_ago=30)
    _add(seeded, b, "penalty", severity="轻微", days_ago=100)  # outside the 3-month window
    complaints = sorted(_add(seeded, b, "complaint") for _ in range(7))  # capped at -30
    kept = sorted(_add(seeded, b, "commitment") for _ in range(6))  # capped at +50
    broken = _add(seeded, b, "commitment", severity="一般")
    for kind in ("judicial", "abnormal_operation", "reward", "voluntary", "education", "interview", "enforcement"):
        _add(seeded, c, kind, severity="一般" if kind == "judicial" else None)
    _add(seeded, c, "contract", severity="轻微")
    _add(seeded, e, "serious_dishonesty")
    _add(seeded, e, "honour")
    stored = _graded_both_ways(seeded, [a, b, c, d, e], dt.date(2026, 11, 20))
    assert stored[a] == (
        1000 - 450 - 50 + 60,
        "D",
        None,
        [
            {"code": "penalty_serious", "points": -450, "count": 4, "records": serious, "entries": []},
            {"code": "penalty_general", "points": -50, "count": 1, "records": [general], "entries": []},
            {"code": "honour", "points": 60, "count": 2, "records": honours, "entries": []},
        ],
    )
    assert stored[b] == (
        1000 - 10 - 50 - 30 + 50,
        "B",
        None,
        [
            {"code": "penalty_minor", "points": -10, "count": 1, "records": [minor], "entries": []},
            {"code": "broken_commitment", "points": -50, "count": 1, "records": [broken], "entries": []},
            {"code": "complaint", "points": -30, "count": 7, "records": complaints, "entries": []},
            {"code": "kept_commitment", "points": 50, "count": 6, "records": kept, "entries": []},
        ],
    )
    assert len(stored[c][3]) == 8 and stored[d] == (1000, "B", None, [])
    assert stored[e][1:3] == ("D", "serious_record")


def test_list_entries_in_the_breakdown_are_the_same_whichever_way(seeded: Session) -> None:
    serious = listed(seeded)
    watch = listed(seeded, list_type="watch", key_field="金融")
    usccs = [u for u in (serious.subject_uscc, watch.subject_uscc) if u]
    at(dt.date(2025, 1, 10))
    _add(seeded, usccs[0], "honour", decision_date=dt.date(2025, 1, 1))
    stored = _graded_both_ways(seeded, usccs, dt.date(2025, 1, 10))
    assert stored[usccs[0]][1:3] == ("D", "serious_list")
    assert stored[usccs[0]][3][0] == {
        "code": "serious_list", "points": -300, "count": 1, "records": [], "entries": [serious.id]
    }  # fmt: skip
    assert stored[usccs[1]][3] == [
        {"code": "watch_list", "points": -150, "count": 1, "records": [], "entries": [watch.id]}
    ]  # fmt: skip
