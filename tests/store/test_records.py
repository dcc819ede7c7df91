"""Versioned credit records: idempotent re-sends, corrections that keep the past, status moves, and who sees
what. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.crypto import get_cipher
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.pagination import PageRequest
from xinyong.records import service
from xinyong.records.models import CreditRecord, CreditRecordVersion
from xinyong.records.rules import Status
from xinyong.records.schemas import RecordCorrection, SubjectIn

T0 = dt.datetime(2024, 3, 5, 2, 0, tzinfo=dt.UTC)
T1 = dt.datetime(2024, 6, 1, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    return db


def test_resend_is_idempotent_and_change_is_a_new_version(seeded: Session) -> None:
    made = builders.entity(seeded)
    data = builders.penalty(made.uscc, doc_no="共市监罚〔2024〕1号")
    first, outcome = service.upsert_record(seeded, builders.SYSTEM, data)
    assert outcome == "created" and first.version == 1
    again, outcome = service.upsert_record(seeded, builders.SYSTEM, data)
    assert outcome == "unchanged" and again.id == first.id
    changed = data.model_copy(update={"title": "行政处罚决定书（更正）"})
    second, outcome = service.upsert_record(seeded, builders.SYSTEM, changed)
    assert outcome == "corrected" and second.version == 2
    assert seeded.execute(select(func.count()).select_from(CreditRecord)).scalar_one() == 1


def test_correction_keeps_old_version_visible_as_of_before(seeded: Session) -> None:
    made = builders.entity(seeded)
    clock.freeze(T0)
    created, _ = service.upsert_record(seeded, builders.SYSTEM, builders.penalty(made.uscc))
    clock.freeze(T1)
    service.correct_record(
        seeded,
        builders.operator("SCJGJ"),
        created.record_id,
        RecordCorrection(title="更正后的决定书", reason="文书名称录入错误"),
    )
    office = Actor(role=Role.CREDIT_OFFICE, id="office")
    before = service.get_record(seeded, office, created.record_id, as_of=T0 + dt.timedelta(days=1))
    after = service.get_record(seeded, office, created.record_id)
    assert before.title == "行政处罚决定书" and before.version == 1
    assert after.title == "更正后的决定书" and after.version == 2
    with pytest.raises(NotFound):
        service.get_record(seeded, office, created.record_id, as_of=T0 - dt.timedelta(seconds=1))
    history = service.record_history(seeded, office, created.record_id)
    assert [h.version for h in history] == [1, 2]
    assert history[1].change_reason == "文书名称录入错误"
    listed, total = service.records_of_entity(seeded, office, made.uscc, as_of=T0 + dt.timedelta(days=1))
    assert total == 1 and listed[0].version == 1


def test_only_the_source_department_corrects(seeded: Session) -> None:
    made = builders.entity(seeded)
    created, _ = service.upsert_record(seeded, builders.SYSTEM, builders.penalty(made.uscc))
    fix = RecordCorrection(title="x", reason="y")
    for actor in (builders.operator("SWJ"), Actor(role=Role.CREDIT_OFFICE, id="office"), Actor.public()):
        with pytest.raises(Forbidden):
            service.correct_record(seeded, actor, created.record_id, fix)
    with pytest.raises(Forbidden):
        service.upsert_record(seeded, builders.operator("SWJ"), builders.penalty(made.uscc))


def test_status_transitions_follow_the_table(seeded: Session) -> None:
    made = builders.entity(seeded)
    created, _ = service.upsert_record(seeded, builders.SYSTEM, builders.penalty(made.uscc))
    op = builders.operator("SCJGJ")
    service.change_status(seeded, op, created.record_id, Status.OBJECTED, "当事人提出异议")
    service.change_status(seeded, op, created.record_id, Status.VALID, "异议不成立")
    service.change_status(seeded, op, created.record_id, Status.REVOKED, "决定被依法撤销")
    with pytest.raises(Conflict):
        service.change_status(seeded, op, created.record_id, Status.VALID, "恢复")
    with pytest.raises(InvalidInput):
        service.change_status(seeded, op, created.record_id, Status.EXPIRED, "   ")


def test_identifiers_in_content_are_encrypted(seeded: Session) -> None:
    made = builders.entity(seeded)
    data = builders.penalty(made.uscc)
    number = data.content["FR_ZJHM"]
    created, _ = service.upsert_record(seeded, builders.SYSTEM, data)
    stored = seeded.execute(select(CreditRecordVersion.content)).scalar_one()
    assert number not in str(stored)
    assert get_cipher().decrypt(stored["FR_ZJHM_enc"], context=service.CONTENT_ID_CONTEXT) == number
    shown = service.get_record(seeded, Actor(role=Role.CREDIT_OFFICE, id="o"), created.record_id)
    assert shown.content["FR_ZJHM"] == number[:6] + "********" + number[-4:]
    assert not any(k.endswith(("_enc", "_bi")) for k in shown.content)
    # resending the same clear number is "unchanged" even though every encryption differs
    assert service.upsert_record(seeded, builders.SYSTEM, data)[1] == "unchanged"


def test_visibility_by_role(seeded: Session) -> None:
    made = builders.entity(seeded)
    other = builders.entity(seeded, name="另一家公司")
    public_rec, _ = service.upsert_record(seeded, builders.SYSTEM, builders.penalty(made.uscc))
    shared, _ = service.upsert_record(seeded, builders.SYSTEM, builders.penalty(made.uscc, disclosure="有条件共享"))
    secret, _ = service.upsert_record(seeded, builders.SYSTEM, builders.penalty(made.uscc, disclosure="不公开"))
    secret_tax, _ = service.upsert_record(
        seeded, builders.SYSTEM, builders.penalty(made.uscc, source_department="SWJ", disclosure="不公开")
    )
    ids = {
        public_rec.record_id: "public",
        shared.record_id: "shared",
        secret.record_id: "secret",
        secret_tax.record_id: "secret_tax",
    }

    def seen(actor: Actor) -> set[str]:
        rows, _ = service.records_of_entity(seeded, actor, made.uscc, page=PageRequest(page_size=100))
        return {ids[r.id] for r in rows}

    assert seen(Actor.public()) == {"public"}
    assert seen(Actor(role=Role.BUSINESS_SYSTEM, id="gov-procurement")) == {"public"}
    assert seen(Actor(role=Role.ENTITY, id="e", entity_uscc=made.uscc)) == set(ids.values())
    assert seen(Actor(role=Role.ENTITY, id="e", entity_uscc=other.uscc)) == {"public"}
    assert seen(builders.operator("SCJGJ")) == {"public", "shared", "secret"}
    assert seen(builders.operator("SWJ")) == {"public", "shared", "secret_tax"}
    assert seen(Actor(role=Role.CREDIT_OFFICE, id="o")) == set(ids.values())
    assert seen(Actor(role=Role.AUDITOR, id="a")) == set(ids.values())
    with pytest.raises(NotFound):
        service.get_record(seeded, Actor.public(), secret.record_id)
    with pytest.raises(Forbidden):
        service.record_history(seeded, Actor.public(), public_rec.record_id)


def test_revoked_and_repaired_records_leave_the_public_view(seeded: Session) -> None:
    made = builders.entity(seeded)
    created, _ = service.upsert_record(seeded, builders.SYSTEM, builders.penalty(made.uscc))
    service.change_status(seeded, builders.SYSTEM, created.record_id, Status.REPAIRED, "信用修复完成")
    assert service.records_of_entity(seeded, Actor.public(), made.uscc)[1] == 0
    assert service.records_of_entity(seeded, Actor(role=Role.AUDITOR, id="a"), made.uscc)[1] == 1


def test_person_subject_is_masked_for_the_public(seeded: Session) -> None:
    number = builders.new_resident_id()
    data = builders.penalty(
        "",
        subject=SubjectIn(type="person", name="欧阳娜娜", id_type="resident_id", id_number=number),
        content={"XDR_MC": "欧阳娜娜", "WFXW": "乱扔垃圾"},
    )
    created, _ = service.upsert_record(seeded, builders.SYSTEM, data)
    public = service.get_record(seeded, Actor.public(), created.record_id)
    assert public.subject.name == "欧阳**"
    assert public.content["XDR_MC"] == "欧阳**", "the name inside the content is masked too"
    assert number not in public.model_dump_json()
    staff = service.get_record(seeded, Actor(role=Role.CREDIT_OFFICE, id="o"), created.record_id)
    assert staff.subject.name == "欧阳娜娜"
    events = seeded.execute(select(audit.AuditEvent.action)).scalars().all()
    assert "records:personal:read" in events, "staff reading personal data is audited"


def test_unknown_but_valid_subject_creates_provisional_entity(seeded: Session) -> None:
    code = builders.new_uscc(region="330100")
    created, _ = service.upsert_record(seeded, builders.SYSTEM, builders.penalty(code))
    assert created.subject_uscc == code


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"decision_date": dt.date(2999, 1, 1)}, "decision_date"),
        ({"decision_date": dt.date(2024, 3, 1), "received_date": dt.date(2024, 2, 1)}, "received_date"),
        ({"decision_date": dt.date(2024, 3, 1), "published_date": dt.date(2024, 2, 1)}, "published_date"),
        ({"content": {"WFXW": "x" * 20_001}}, "content.WFXW"),
        ({"content": {"bad key!": "x"}}, "content"),
        ({"content": {"NESTED": {"a": 1}}}, "content.NESTED"),
        ({"content": {f"K{i}": i for i in range(201)}}, "content"),
        ({"content": {"FR_ZJHM": 12345}}, "content.FR_ZJHM"),
        ({"source_department": "NOPE"}, "department"),
    ],
)
def test_bad_input_names_the_field(seeded: Session, change: dict[str, object], field: str) -> None:
    made = builders.entity(seeded)
    with pytest.raises((InvalidInput, NotFound)) as bad:
        service.upsert_record(seeded, builders.SYSTEM, builders.penalty(made.uscc, **change))
    assert bad.value.field == field


def test_every_write_is_audited_and_chain_holds(seeded: Session) -> None:
    made = builders.entity(seeded)
    created, _ = service.upsert_record(seeded, builders.SYSTEM, builders.penalty(made.uscc))
    service.correct_record(seeded, builders.SYSTEM, created.record_id, RecordCorrection(severity="严重", reason="r"))
    actions = seeded.execute(select(audit.AuditEvent.action).order_by(audit.AuditEvent.seq)).scalars().all()
    assert actions[-2:] == ["records:record:created", "records:record:corrected"]
    assert audit.verify(seeded).ok
