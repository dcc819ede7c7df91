"""The demo city: the same seed gives the same rows; identifiers are valid; ID numbers are stored as the entity
service stores them; records spread over kinds, statuses and versions that ``as_of`` rebuilds; serious penalties
taken through the listing procedure; one audit event for the load and an intact chain; and the loader refuses to mix
with existing data."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.contradictions import service as contradictions
from xinyong.contradictions.models import ContradictionFlag
from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.crypto import get_blind_index, get_cipher
from xinyong.core.db import Database, set_database
from xinyong.core.ids import validate_resident_id, validate_uscc
from xinyong.core.masking import mask_id_number
from xinyong.demo import WINDOW_END, WINDOW_START, DemoDataPresent, load_demo, loader
from xinyong.entities import service as entities
from xinyong.entities.models import Entity, EntityAlias, EntityName, Person, PersonRoleLink
from xinyong.evaluation import service as evaluation
from xinyong.lists.models import ListEntry, ListEntryStep
from xinyong.lists.rules import EntryStatus
from xinyong.misuse import service as misuse
from xinyong.misuse.models import MisuseAlert
from xinyong.misuse.rules import Code
from xinyong.punishment import service as punishment
from xinyong.punishment.models import Check, CheckMeasure
from xinyong.punishment.schemas import CheckIn
from xinyong.records import service as records
from xinyong.records.models import CreditRecord, CreditRecordVersion
from xinyong.records.publicity import publication_window
from xinyong.records.rules import Kind, Severity, Status

N = 300
SEED = 4242
SYSTEM = Actor.system("test")
runner = CliRunner()

# Columns that legitimately differ between two loads: load timestamps and ciphertexts (random nonces).
VOLATILE = {"created_at", "updated_at", "id_number_enc"}


def _fingerprint(database: Database) -> str:
    digest = hashlib.sha256()
    with database.engine.connect() as connection:
        for model in (Entity, EntityName, EntityAlias, Person, PersonRoleLink, CreditRecord, CreditRecordVersion):
            table = model.__table__
            for row in connection.execute(select(table).order_by(*table.primary_key.columns)).mappings():
                values = {k: v for k, v in row.items() if k not in VOLATILE}
                if isinstance(values.get("content"), dict):
                    values["content"] = {k: v for k, v in values["content"].items() if not k.endswith("_enc")}
                digest.update(json.dumps(values, sort_keys=True, default=str, ensure_ascii=False).encode())
    return digest.hexdigest()


@pytest.fixture
def loaded(committing_db: Database) -> Database:
    summary = load_demo(committing_db, entities=N, seed=SEED)
    assert summary.entities == N
    return committing_db


def test_same_seed_gives_the_same_rows(loaded: Database) -> None:
    first = _fingerprint(loaded)
    load_demo(loaded, entities=N, seed=SEED, reset=True, pinyin_worker=True)  # the path large loads take
    assert _fingerprint(loaded) == first


def test_same_rows_whatever_the_sequences_counted_before(committing_db: Database) -> None:
    """Inserts rolled back earlier still advanced PostgreSQL's sequences; the demo's rows must not show it."""
    assert load_demo(committing_db, entities=N, seed=SEED).list_entries, "rows made through the services"
    clean = _fingerprint(committing_db)
    loader.delete_all_data(committing_db)  # what a test that committed and was emptied leaves: rows gone, and
    with committing_db.engine.begin() as connection:  # on PostgreSQL the counters moved on (rolled-back inserts)
        if connection.dialect.name == "postgresql":
            for name in ("list_entries", "list_types"):
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), 5000)"))
    load_demo(committing_db, entities=N, seed=SEED)
    assert _fingerprint(committing_db) == clean


def test_identifiers_are_valid_and_aliases_resolve(loaded: Database) -> None:
    with loaded.unit_of_work() as session:
        rows = session.execute(select(Entity)).scalars().all()
        assert len(rows) == N
        for entity in rows:
            info = validate_uscc(entity.uscc)
            assert (info.authority, info.org_type, info.region_code) == (
                entity.authority,
                entity.org_type,
                entity.region_code,
            )
            assert entity.established_on is not None and entity.established_on <= WINDOW_END
        assert len({e.name for e in rows}) == N
        types = Counter(e.authority + e.org_type for e in rows)
        assert {"91", "92"} <= set(types)
        assert types["91"] > types["93"]
        assert Counter(e.region_code for e in rows).most_common(1)[0][0] == "360482"
        aliases = session.execute(select(EntityAlias)).scalars().all()
        assert aliases, "entities registered before 2015-10 carry their old codes"
        for alias in aliases[:20]:
            assert entities.resolve_uscc(session, alias.code) == alias.uscc


def test_persons_are_stored_as_upsert_person_stores_them(loaded: Database) -> None:
    cipher = get_cipher()
    with loaded.unit_of_work() as session:
        persons = session.execute(select(Person)).scalars().all()
        for person in persons:
            number = cipher.decrypt(person.id_number_enc, context=entities.ID_CONTEXT)
            validate_resident_id(number)
            assert person.id_blind == entities.id_blind(person.id_type, number)
            assert person.id_masked == mask_id_number(number)
            assert entities.find_person(session, person.id_type, number) == person
        roles = session.execute(select(PersonRoleLink)).scalars().all()
        represented = Counter(r.person_id for r in roles if r.role == "法定代表人")
        assert {r.uscc for r in roles if r.role == "法定代表人"} == set(session.execute(select(Entity.uscc)).scalars())
        assert max(represented.values()) >= 2, "someone represents several entities (clause 14)"
        assert {"股东", "实际控制人"} <= {r.role for r in roles}


def test_records_spread_over_kinds_and_statuses(loaded: Database) -> None:
    with loaded.unit_of_work() as session:
        established = dict(session.execute(select(Entity.uscc, Entity.established_on)).all())
        versions = (
            session.execute(select(CreditRecordVersion).where(CreditRecordVersion.valid_to.is_(None))).scalars().all()
        )
        assert len(versions) >= 4 * N
        kinds = Counter(v.kind for v in versions)
        assert len(kinds) >= 10
        assert kinds[Kind.LICENSE] > kinds[Kind.PENALTY] > kinds[Kind.SERIOUS_DISHONESTY]
        statuses = Counter(v.status for v in versions if v.kind == Kind.PENALTY)
        assert statuses[Status.EXPIRED] and statuses[Status.VALID]
        assert any(v.subject_type == "person" for v in versions)
        decided_here = [v for v in versions if v.provenance.get("source") == "lists"]
        assert decided_here, "the demo's list decisions write their own records, as the procedure does"
        slips = [v for v in versions if v.provenance.get("source") == "demo:contradictions"]
        for v in versions:
            if v in decided_here or v in slips:
                continue
            assert WINDOW_START <= v.decision_date <= WINDOW_END
            assert v.decision_date <= v.received_date
            assert v.published_date is None or v.decision_date <= v.published_date
            assert v.provenance == {"source": "demo", "seed": SEED}
            if v.subject_uscc is not None:
                assert established[v.subject_uscc] <= v.decision_date
            if v.kind == Kind.PENALTY and v.status in (Status.VALID, Status.EXPIRED):
                assert v.severity is not None
                window = publication_window(v.decision_date, Severity(v.severity))
                assert (v.status == Status.EXPIRED) == window.expired_on(WINDOW_END)
            if v.subject_type == "person":
                number = get_cipher().decrypt(v.content["XDR_ZJHM_enc"], context=records.CONTENT_ID_CONTEXT)
                assert v.content["XDR_ZJHM"] == mask_id_number(number)
                assert v.content["XDR_ZJHM_bi"] == get_blind_index().digest(number, context=records.CONTENT_ID_CONTEXT)


def test_corrected_records_read_as_of_before_the_correction(loaded: Database) -> None:
    with loaded.unit_of_work() as session:
        corrected = (
            session.execute(select(CreditRecord).where(CreditRecord.current_version > 1).order_by(CreditRecord.id))
            .scalars()
            .all()
        )
        assert corrected, "about 1% of records carry a correction"
        for record in corrected:
            first = session.execute(
                select(CreditRecordVersion).where(
                    CreditRecordVersion.record_id == record.id, CreditRecordVersion.version == 1
                )
            ).scalar_one()
            assert first.valid_to is not None
            before = records.get_record(session, SYSTEM, record.id, as_of=first.valid_to - dt.timedelta(seconds=1))
            now = records.get_record(session, SYSTEM, record.id)
            assert (before.version, now.version) == (1, record.current_version)
            assert now.change_kind == "corrected" and now.change_reason
            assert (before.title, before.decision_date, before.content) != (now.title, now.decision_date, now.content)


def test_one_audit_event_and_an_intact_chain(loaded: Database) -> None:
    with loaded.unit_of_work() as session:
        assert audit.verify(session).ok
        events = (
            session.execute(select(audit.AuditEvent).where(audit.AuditEvent.action == "demo:dataset:loaded"))
            .scalars()
            .all()
        )
        assert len(events) == 1
        payload: dict[str, Any] = events[0].payload
        assert payload["entities"] == N
        versions = list(session.execute(select(CreditRecordVersion).where(CreditRecordVersion.version == 1)).scalars())
        serious = set(session.scalars(select(ListEntry.id).where(ListEntry.list_code == "serious")))
        listed = {v.record_id for v in versions if v.provenance.get("source") == "lists"}
        later = {v.record_id for v in versions if v.provenance.get("source") == "demo:contradictions"}
        total = session.execute(select(func.count()).select_from(CreditRecord)).scalar_one()
        assert payload["records"] == total - len(listed) - len(later), "list decisions and slips add their own"
        decided = {v.record_id for v in versions if v.provenance.get("entry_id") in serious}
        assert payload["list_entries"]["published"] == len(listed & decided)


def test_refuses_to_mix_with_existing_data(loaded: Database) -> None:
    with pytest.raises(DemoDataPresent):
        load_demo(loaded, entities=10, seed=1)
    with loaded.unit_of_work() as session:
        assert session.execute(select(func.count()).select_from(Entity)).scalar_one() == N


@pytest.fixture
def cli_db(committing_db: Database) -> Iterator[Database]:
    set_database(committing_db)
    try:
        yield committing_db
    finally:
        set_database(None)


def test_cli_loads_then_skips_or_refuses(cli_db: Database) -> None:
    result = runner.invoke(app, ["demo", "--entities", "120", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "120 entities" in result.stdout and "credit records" in result.stdout
    again = runner.invoke(app, ["demo", "--if-empty"])
    assert again.exit_code == 0 and "already present" in again.stdout
    refused = runner.invoke(app, ["demo", "--entities", "120"])
    assert refused.exit_code == 1 and "--reset" in refused.stdout


def test_cli_creates_one_account_per_role_that_can_sign_in(cli_db: Database) -> None:
    from xinyong.core.auth import service as auth
    from xinyong.demo.accounts import DEFAULT_PASSWORD

    result = runner.invoke(app, ["demo", "--entities", "120", "--seed", "6"])
    assert result.exit_code == 0, result.output
    assert "admin" in result.stdout and "/console/login" in result.stdout
    with cli_db.unit_of_work() as session:
        roles = {
            auth.authenticate(session, name, DEFAULT_PASSWORD).role for name in ("admin", "auditor", "scjg", "qiye")
        }
    assert roles == {"credit_office", "auditor", "department_operator", "entity"}
    again = runner.invoke(app, ["demo", "--if-empty"])
    assert again.exit_code == 0 and "admin" in again.stdout, "re-running keeps the accounts and says so"


def test_the_commitment_catalogue_makes_repair_possible(cli_db: Database) -> None:
    """A fresh demo has the office's usual commitment items and the 信用修复承诺: the demo enterprise signs it and
    its repairable penalty can then be applied for (without the catalogue it said 暂不可申请)."""
    from xinyong.commitments import service as commitments
    from xinyong.commitments.models import CommitmentItem
    from xinyong.commitments.schemas import SignIn
    from xinyong.core.auth import service as auth
    from xinyong.demo.accounts import DEFAULT_PASSWORD
    from xinyong.demo.commitments import ITEMS, seed_commitment_catalogue
    from xinyong.repair import service as repair

    assert runner.invoke(app, ["demo", "--entities", "120", "--seed", "7"]).exit_code == 0
    with cli_db.unit_of_work() as session:
        items = {i.code: i for i in session.execute(select(CommitmentItem)).scalars()}
        assert set(items) == {item.code for item in ITEMS}
        assert {i.commitment_type for i in items.values()} >= {"信用修复", "审批替代", "容缺受理", "主动承诺"}
        assert seed_commitment_catalogue(session) == [], "seeding again adds nothing"
        firm = auth.actor_for_user(auth.authenticate(session, "qiye", DEFAULT_PASSWORD))
        before = [t for t in repair.eligibility(session, firm) if t.repairable]
        assert before and not any(t.can_apply for t in before)
        repair_item = next(i for i in items.values() if i.commitment_type == "信用修复")
        signed = commitments.sign_commitment(
            session, firm, SignIn(item_id=repair_item.id, signer="王建国", accept=True, missing_materials=[])
        )
        assert signed.commitment is not None, signed.reasons
        after = [t for t in repair.eligibility(session, firm) if t.repairable]
        assert any(t.can_apply for t in after), [t.reason for t in after]


def test_every_entity_is_graded_after_loading(loaded: Database) -> None:
    with loaded.unit_of_work() as session:
        grades = evaluation.current_grades(session)
        assert len(grades) == N == session.scalar(select(func.count()).select_from(Entity))
        assert set(grades.values()) <= {"A", "B", "C", "D"} and len(set(grades.values())) >= 2
        for uscc in list(grades)[:20]:  # the set-based grading gives what one entity's re-grade gives
            before = evaluation.result_of(session, uscc)
            assert before is not None
            stored = (before.score, before.grade, before.breakdown)
            evaluation.regrade_entity(session, SYSTEM, uscc, "check")
            after = evaluation.result_of(session, uscc)
            assert after is not None and (after.score, after.grade, after.breakdown) == stored


def test_serious_penalties_went_through_the_listing_procedure(loaded: Database) -> None:
    with loaded.unit_of_work() as session:
        local = (~ListEntry.honour, ListEntry.origin == "local", ListEntry.list_code == "serious")
        entries = session.execute(select(ListEntry).where(*local).order_by(ListEntry.id)).scalars().all()
        published = [e for e in entries if e.status == EntryStatus.PUBLISHED]
        assert published, "the portal's 严重失信主体名单 has entries"
        for entry in entries:
            assert entry.list_code == "serious" and entry.subject_uscc is not None
            (record_id,) = entry.linked_record_ids
            penalty = session.execute(
                select(CreditRecordVersion).where(
                    CreditRecordVersion.record_id == record_id, CreditRecordVersion.valid_to.is_(None)
                )
            ).scalar_one()
            assert penalty.kind == Kind.PENALTY and penalty.severity == Severity.SERIOUS
            assert penalty.subject_uscc == entry.subject_uscc and entry.department == penalty.source_department
            assert entry.conduct_date == penalty.decision_date <= entry.proposed_at.date()
        for entry in published:
            steps = [s.step for s in session.scalars(select(ListEntryStep).where(ListEntryStep.entry_id == entry.id))]
            assert steps == ["propose", "notify", "decide", "publish"]
            assert entry.decided_by != entry.proposed_by, "a second person of the department decided"
            assert entry.notice_date is not None and entry.statement_deadline is not None
            assert entry.decision_date is not None and entry.statement_deadline < entry.decision_date <= WINDOW_END
        binding = [e for e in published if e.valid_to is None or e.valid_to >= WINDOW_END]
        assert binding
        clock.freeze(dt.datetime.combine(WINDOW_END, dt.time(4, 0), tzinfo=dt.UTC))
        business = Actor(role=Role.BUSINESS_SYSTEM, id="api:demo-test", name="政府采购系统")
        data = CheckIn.model_validate(
            {"subject": {"uscc": binding[0].subject_uscc}, "scenario": "government_procurement", "purpose": "演示"}
        )
        answer = punishment.run_check(session, business, data)
        assert answer.outcome == "restricted" and binding[0].id in [e.entry_id for e in answer.entries]
        graded = evaluation.result_of(session, binding[0].subject_uscc)
        assert graded is not None and graded.grade == "D", "the serious list forces D"


def test_a_month_of_checks_with_feedback_from_two_business_systems(loaded: Database) -> None:
    with loaded.unit_of_work() as session:
        checks = list(session.scalars(select(Check)))
        assert len(checks) >= 100
        systems = {c.requester_id for c in checks}
        assert len(systems) == 2 and all(s.startswith("api:") for s in systems)
        names = {f"api:{c.id}": c.name for c in auth.list_api_clients(session)}
        assert {names[s] for s in systems} == {"共青城市公共资源交易平台", "共青城市行政审批服务系统"}
        days = {c.at.astimezone(clock.BEIJING).date() for c in checks}
        assert max(days) - min(days) >= dt.timedelta(days=20)  # spread over the month before the load
        assert all(9 <= c.at.astimezone(clock.BEIJING).hour < 17 for c in checks)  # office hours, Beijing time
        month = max(days).strftime("%Y-%m")
        stats = punishment.statistics(session, month)
        assert stats.checks > 0
        measures = list(session.scalars(select(CheckMeasure)))
        restricted = [c for c in checks if c.outcome == "restricted"]
        assert restricted and measures, "some checked subjects were on the list"
        assert all(m.applied is not None for m in measures), "every returned measure has its feedback"
        assert any(m.applied is False and m.reason for m in measures) or len(measures) < 10
        # a subject checked early in the month and listed a few days before the load: a change notice
        pending_listed = session.scalars(
            select(ListEntry).where(ListEntry.decided_by.like("demo:rev-%"), ListEntry.decision_date >= min(days))
        ).all()
        if pending_listed:
            changes = [
                change
                for system in systems
                for change in punishment.changes_for(session, Actor(role=Role.BUSINESS_SYSTEM, id=system), days=45)
            ]
            assert any(change.event == "listed" for change in changes), changes


def test_a_dozen_enterprises_are_honoured_by_two_office_accounts(loaded: Database) -> None:
    with loaded.unit_of_work() as session:
        honours = session.execute(select(ListEntry).where(ListEntry.honour)).scalars().all()
        assert len(honours) >= 10 and {h.list_code for h in honours} == {
            "honest_model",
            "tax_a_grade",
            "contract_keeping",
        }
        for honour in honours:
            assert honour.status == EntryStatus.PUBLISHED and honour.subject_uscc and honour.facts
            assert honour.proposed_by == "user:xyb" and honour.decided_by == "user:admin", "two office accounts"
            steps = [s.step for s in session.scalars(select(ListEntryStep).where(ListEntryStep.entry_id == honour.id))]
            assert steps == ["nominate", "approve"]
        assert len({h.decision_doc_no for h in honours}) == len(honours)


def test_the_first_sweep_finds_the_demo_cities_slips(loaded: Database) -> None:
    """A fresh start shows each department's 矛盾核查 queue: the first tick round's sweep finds, in the demo's own
    data, a licence after a market ban and after a 注销, a number two departments used and a provincial exit not
    followed here (honours beside serious penalties come by chance at the default size, not in 300 entities); no
    flag is written by the loader itself."""
    with loaded.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(ContradictionFlag)) == 0
        bans = session.scalars(select(ListEntry).where(ListEntry.list_code == "market_ban")).all()
        assert bans and all(e.status == EntryStatus.PUBLISHED and e.origin == "local" for e in bans)
        out = contradictions.sweep_contradictions(session, SYSTEM)
        assert out.mode == "full" and out.raised > 0
        rules = set(session.scalars(select(ContradictionFlag.rule_code)))
    wanted = {"licence_after_ban", "licence_after_closure", "doc_no_conflict", "upstream_exited"}
    assert wanted <= rules, f"rules raised: {sorted(rules)}"


def test_an_officials_night_of_reading_persons_is_swept_into_misuse_alerts(loaded: Database) -> None:
    with loaded.unit_of_work() as session:
        found = session.scalars(select(MisuseAlert).order_by(MisuseAlert.id)).all()
        assert {a.actor_id for a in found} == {"user:swj"}, "the afternoon's casework raises nothing"
        codes = {a.rule_code for a in found}
        assert {Code.OFF_HOURS, Code.OUTSIDE_DEPARTMENT} <= codes
        night = session.scalars(
            select(audit.AuditEvent).where(
                audit.AuditEvent.actor_id == "user:swj", audit.AuditEvent.action == "records:personal:read"
            )
        ).all()
        assert (Code.BULK_PERSONAL in codes) == (len(night) >= 30)
        for alert in found:  # the events behind each alert are the records service's own audit events
            events = misuse.alert_events(session, alert)
            assert events and {(e.actor_id, e.action) for e in events} == {("user:swj", "records:personal:read")}
            assert all(e.at.astimezone(clock.BEIJING).hour in (21, 22) for e in events)
        assert audit.verify(session).ok
