"""Credit repair against both databases: eligibility from the stored record, the application with materials, the
department's acceptance and two-person decision, the repair in one transaction (the record 已修复 stops being
published and shared, a list entry exits), a report issued before becomes superseded, and the overdue sweep."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.lists import OFFICE, OPERATOR, REVIEWER, SYSTEM, at, listed, party
from tests.support.repair import PDF
from tests.support.repair import apply as _apply
from tests.support.repair import commit as _commit
from tests.support.repair import penalty as _penalty
from xinyong.core.actor import Actor, Role
from xinyong.core.audit import AuditEvent
from xinyong.core.auth import service as auth
from xinyong.core.auth.models import ApiClient
from xinyong.core.config import get_settings
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound, TooLarge
from xinyong.evaluation import service as evaluation
from xinyong.lists import service as lists
from xinyong.punishment import service as punishment
from xinyong.punishment.models import ChangeNotice
from xinyong.punishment.schemas import CheckIn
from xinyong.records import service as records
from xinyong.repair import service as repair
from xinyong.repair.rules import MAX_MATERIAL_BYTES, AppStatus, Proposal, TargetKind
from xinyong.repair.schemas import AcceptIn, ApplicationIn, ProposeIn, ReviewIn
from xinyong.reports import service as reports

SECOND_REVIEWER = Actor(role=Role.DEPT_REVIEWER, id="rev2-scjgj", name="审核二", department_code="SCJGJ")
ZJJ_OPERATOR = Actor(role=Role.DEPT_OPERATOR, id="op-zjj", department_code="ZJJ")
ZJJ_REVIEWER = Actor(role=Role.DEPT_REVIEWER, id="rev-zjj", department_code="ZJJ")


@pytest.fixture
def seeded(db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Session:
    builders.departments(db)
    monkeypatch.setattr(get_settings(), "upload_dir", tmp_path / "uploads")
    return db


def _system(session: Session, name: str, webhook: str | None = None) -> tuple[Actor, ApiClient, str | None]:
    client, _key = auth.create_api_client(session, OFFICE, name=name, role=Role.BUSINESS_SYSTEM, department=None)
    secret = auth.set_webhook(session, OFFICE, client.id, webhook)[1] if webhook else None
    return auth.actor_for_client(client), client, secret


def _check(session: Session, actor: Actor, uscc: str) -> None:
    data = CheckIn.model_validate(
        {"subject": {"uscc": uscc}, "scenario": "government_procurement", "purpose": "资格审查"}
    )
    punishment.run_check(session, actor, data)


def test_eligibility_follows_the_period_and_the_commitment(seeded: Session) -> None:
    uscc, record_id = _penalty(seeded, dt.date(2025, 3, 31))
    [before] = repair.eligibility(seeded, party(uscc), on=dt.date(2025, 6, 30))
    assert before.target_id == record_id and before.repairable and not before.can_apply
    assert before.available_from == dt.date(2025, 7, 1) and before.department == "SCJGJ"
    at(dt.date(2025, 7, 1))
    [uncommitted] = repair.eligibility(seeded, party(uscc))
    assert not uncommitted.can_apply and "信用修复承诺" in (uncommitted.reason or "")
    _commit(seeded, uscc)
    [ready] = repair.eligibility(seeded, party(uscc))
    assert ready.can_apply and ready.needs_materials, "the fine's receipt is asked for"
    with pytest.raises(Forbidden):
        repair.eligibility(seeded, party(builders.new_uscc()), uscc)
    assert repair.eligibility(seeded, OPERATOR, uscc)[0].can_apply


def test_the_whole_repair_of_a_penalty(seeded: Session) -> None:
    uscc, record_id = _penalty(seeded, dt.date(2025, 3, 31))
    at(dt.date(2025, 3, 31))
    report = reports.issue_report(seeded, OFFICE, uscc)
    at(dt.date(2025, 6, 30))
    _commit(seeded, uscc)
    with pytest.raises(Conflict):
        _apply(seeded, uscc, record_id)
    at(dt.date(2025, 7, 1))  # a Tuesday
    system, client, _ = _system(seeded, "政府采购系统", "https://gp.example.test/hooks/xinyong")
    _check(seeded, system, uscc)
    with pytest.raises(InvalidInput):
        _apply(seeded, uscc, record_id, files=[]), "the fine's receipt is required"
    app_id = _apply(seeded, uscc, record_id)
    row = repair.get_application(seeded, party(uscc), app_id)
    assert row.status == AppStatus.SUBMITTED and row.department == "SCJGJ"
    assert row.accept_deadline == dt.date(2025, 7, 4), "3 working days"
    with pytest.raises(Conflict):
        _apply(seeded, uscc, record_id), "applying twice"
    with pytest.raises(NotFound):
        repair.accept(seeded, ZJJ_OPERATOR, app_id, AcceptIn(accept=True)), "another department sees nothing"
    repair.accept(seeded, OPERATOR, app_id, AcceptIn(accept=True))
    assert row.status == AppStatus.ACCEPTED and row.decide_deadline == dt.date(2025, 7, 15), "10 working days"
    repair.propose(seeded, REVIEWER, app_id, ProposeIn(proposal=Proposal.REPAIR, opinion="材料齐全，同意修复"))
    with pytest.raises(Forbidden):
        repair.review(seeded, REVIEWER, app_id, ReviewIn(approve=True, opinion="同意")), "the proposer approves"
    with pytest.raises(Forbidden):
        repair.review(seeded, OPERATOR, app_id, ReviewIn(approve=True, opinion="同意")), "an operator approves"
    before = evaluation.regrade_entity(seeded, OFFICE, uscc, "test: before the repair")
    repair.review(seeded, SECOND_REVIEWER, app_id, ReviewIn(approve=True, opinion="同意修复"))
    assert row.status == AppStatus.REPAIRED and row.open_key is None and row.result_version == 2
    after = evaluation.result_of(seeded, uscc)
    assert after is not None and after.score > before.score, "the grade was recomputed without the penalty"
    [notice] = seeded.scalars(select(ChangeNotice).where(ChangeNotice.client_id == client.id)).all()
    assert notice.event == "repaired" and notice.payload["record_id"] == record_id
    assert notice.outbox_message_id is not None, "queued for the system's webhook in the same transaction"
    assert records.get_record(seeded, OFFICE, record_id).status == "已修复"
    public, _ = records.records_of_entity(seeded, Actor.public(), uscc)
    assert record_id not in [r.id for r in public], "a repaired record is no longer published"
    other, _ = records.records_of_entity(seeded, ZJJ_OPERATOR, uscc)
    assert record_id not in [r.id for r in other], "nor shared with other departments"
    own, _ = records.records_of_entity(seeded, OPERATOR, uscc)
    assert [r.status for r in own if r.id == record_id] == ["已修复"], "the source department keeps it"
    verdict = reports.verify_code(seeded, Actor.public(), report.number, report.code)
    assert verdict.verdict.name == "SUPERSEDED" and any("已修复" in r for r in verdict.reasons)
    events = seeded.scalars(
        select(AuditEvent.action).where(
            AuditEvent.subject_id == str(app_id), AuditEvent.subject_type == "repair_application"
        )
    ).all()
    assert {"repair:application:submit", "repair:application:accept", "repair:application:propose",
            "repair:application:approve"} <= set(events)  # fmt: skip
    view = repair.to_view(seeded, row)
    assert view.fee == 0 and [s.step for s in view.steps] == ["submit", "accept", "propose", "approve"]
    assert len(view.materials) == 1 and view.materials[0].media_type == "application/pdf"
    material, path = repair.material_file(seeded, party(uscc), app_id, view.materials[0].id)
    assert path.read_bytes() == PDF and path.name == material.stored_as and "缴款" not in str(path)


def test_refusal_return_and_denial(seeded: Session) -> None:
    uscc, record_id = _penalty(seeded, dt.date(2025, 3, 31), NR_FK=0)
    at(dt.date(2025, 7, 1))
    _commit(seeded, uscc)
    first = _apply(seeded, uscc, record_id, files=[])
    with pytest.raises(InvalidInput):
        repair.accept(seeded, OPERATOR, first, AcceptIn(accept=False)), "a refusal needs reasons"
    repair.accept(seeded, OPERATOR, first, AcceptIn(accept=False, reason="申请材料不齐全"))
    assert repair.get_application(seeded, OPERATOR, first).status == AppStatus.REFUSED
    second = _apply(seeded, uscc, record_id, files=[])  # a refused application can be made again
    repair.accept(seeded, OPERATOR, second, AcceptIn(accept=True))
    repair.propose(seeded, OPERATOR, second, ProposeIn(proposal=Proposal.REPAIR, opinion="同意"))
    repair.review(seeded, REVIEWER, second, ReviewIn(approve=False, opinion="请补充整改证明后重新拟办"))
    row = repair.get_application(seeded, OPERATOR, second)
    assert row.status == AppStatus.ACCEPTED and row.proposal is None
    repair.propose(seeded, OPERATOR, second, ProposeIn(proposal=Proposal.DENY, opinion="整改不到位"))
    repair.review(seeded, REVIEWER, second, ReviewIn(approve=True, opinion="同意不予修复"))
    assert row.status == AppStatus.REJECTED
    assert records.get_record(seeded, OFFICE, record_id).status == "有效"


def test_hostile_applications(seeded: Session) -> None:
    uscc, record_id = _penalty(seeded, dt.date(2025, 3, 31))
    _other, other_record = _penalty(seeded, dt.date(2025, 3, 31))
    at(dt.date(2025, 7, 1))
    _commit(seeded, uscc)
    with pytest.raises(Forbidden):
        _apply(seeded, uscc, other_record), "someone else's record"
    with pytest.raises(Forbidden):
        _apply(seeded, uscc, 10**9), "a record that does not exist is refused alike"
    with pytest.raises(TooLarge):
        _apply(seeded, uscc, record_id, files=[("big.pdf", b"%PDF-" + b"0" * MAX_MATERIAL_BYTES)])
    with pytest.raises(InvalidInput):
        _apply(seeded, uscc, record_id, files=[("evil.pdf", b"MZ\x90\x00 not a pdf")])
    with pytest.raises(InvalidInput):
        _apply(seeded, uscc, record_id, files=[("../../etc/passwd.pdf", PDF)])
    with pytest.raises(InvalidInput):
        _apply(seeded, uscc, record_id, files=[(f"f{i}.pdf", PDF) for i in range(11)])
    with pytest.raises(Forbidden):
        repair.apply(seeded, OPERATOR, ApplicationIn(target_kind=TargetKind.RECORD, target_id=record_id,
                     methods=["信用承诺"], statement="由部门代为申请修复的说明"))  # fmt: skip
    assert repair.list_applications(seeded, OFFICE) == [], "nothing was written"
    assert not list((get_settings().upload_dir / "repair").glob("*")) if (
        get_settings().upload_dir / "repair").exists() else True  # fmt: skip


def test_a_list_entry_exits_early_through_repair(seeded: Session) -> None:
    entry = listed(seeded)
    assert entry.subject_uscc is not None and entry.earliest_exit_on is not None
    uscc = entry.subject_uscc
    _commit(seeded, uscc)
    data = ApplicationIn(
        target_kind=TargetKind.LIST_ENTRY, target_id=entry.id, methods=["信用承诺", "信用培训"],
        statement="已纠正失信行为，参加信用修复培训，申请提前移出。",
    )  # fmt: skip
    at(entry.earliest_exit_on - dt.timedelta(days=1))
    with pytest.raises(Conflict):
        repair.apply(seeded, party(uscc), data)
    at(entry.earliest_exit_on)
    system, client, _ = _system(seeded, "公共资源交易系统")
    _check(seeded, system, uscc)
    app_id = repair.apply(seeded, party(uscc), data).id
    repair.accept(seeded, OPERATOR, app_id, AcceptIn(accept=True))
    repair.propose(seeded, OPERATOR, app_id, ProposeIn(proposal=Proposal.REPAIR, opinion="同意提前移出"))
    repair.review(seeded, REVIEWER, app_id, ReviewIn(approve=True, opinion="同意"))
    assert entry.status == "已移出" and entry.exit_kind == "提前移出"
    [notice] = seeded.scalars(select(ChangeNotice).where(ChangeNotice.client_id == client.id)).all()
    assert notice.event == "exited" and notice.entry_id == entry.id and notice.payload["repair"]
    graded = evaluation.result_of(seeded, uscc)
    assert graded is not None and graded.grade != "D", "off the serious list, the forced D is gone"
    assert lists.current_entries(seeded, uscc=uscc, on=entry.earliest_exit_on) == []
    assert entry.record_id is not None and records.get_record(seeded, OFFICE, entry.record_id).status == "已修复"


def test_a_ban_without_early_exit_says_so(seeded: Session) -> None:
    entry = listed(seeded, list_type="market_ban")
    assert entry.subject_uscc is not None
    found = [e for e in repair.eligibility(seeded, party(entry.subject_uscc)) if e.target_kind == "list_entry"]
    assert found and not found[0].repairable and "不适用信用修复" in (found[0].reason or "")


def test_the_sweep_escalates_once_per_stage(seeded: Session) -> None:
    uscc, record_id = _penalty(seeded, dt.date(2025, 3, 31), NR_FK=0)
    at(dt.date(2025, 7, 1))
    _commit(seeded, uscc)
    app_id = _apply(seeded, uscc, record_id, files=[])
    with pytest.raises(Forbidden):
        repair.sweep_repairs(seeded, OPERATOR, dt.date(2025, 7, 5))
    assert repair.sweep_repairs(seeded, SYSTEM, dt.date(2025, 7, 4)) == [], "the deadline day is not late"
    assert repair.sweep_repairs(seeded, SYSTEM, dt.date(2025, 7, 5)) == [app_id]
    assert repair.sweep_repairs(seeded, SYSTEM, dt.date(2025, 7, 6)) == [], "idempotent"
    row = repair.get_application(seeded, OFFICE, app_id)
    assert row.escalated_stage == "accept" and row.status == AppStatus.SUBMITTED
    at(dt.date(2025, 7, 7))
    repair.accept(seeded, OPERATOR, app_id, AcceptIn(accept=True))
    assert row.decide_deadline == dt.date(2025, 7, 21)
    assert repair.sweep_repairs(seeded, SYSTEM, dt.date(2025, 7, 22)) == [app_id]
    assert repair.sweep_repairs(seeded, SYSTEM, dt.date(2025, 7, 23)) == []
    at(dt.date(2025, 7, 22))
    assert repair.to_view(seeded, row).overdue
