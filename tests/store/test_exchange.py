"""Cross-level exchange against both databases, with a real local HTTP server playing the provincial platform: a
changes-since pull interrupted half way and resumed equals an uninterrupted one; a re-delivered page changes
nothing; an upstream exit takes the entry out of the checks; the city cannot exit an upstream entry; a push that
fails twice then succeeds is one delivery; a malformed file is rejected row by row; conflicts go to the review
list; hostile pages (bad JSON, wrong content type, too big, too many items, cursor going backwards, timeouts) are
refused with the reason and nothing of them is applied."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.exchange_support import Platform, item, running_platform, savepoint_units
from tests.support.lists import OPERATOR, REVIEWER, listed
from xinyong.core import clock, outbox
from xinyong.core.actor import Actor, Role
from xinyong.core.audit import AuditEvent
from xinyong.core.config import get_settings
from xinyong.core.errors import Forbidden, InvalidInput
from xinyong.entities.models import Entity, RegradeQueue
from xinyong.exchange import service
from xinyong.exchange.models import ExchangeItemVersion
from xinyong.exchange.schemas import ResolveIn, SourceIn
from xinyong.lists import service as lists
from xinyong.lists.models import ListEntry, ListEntryStep
from xinyong.punishment import service as punishment
from xinyong.punishment.notices import sweep_change_notices
from xinyong.punishment.schemas import CheckIn, CheckOut

OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office")
SYSTEM = Actor.system("test-exchange")
CHECKER = Actor(role=Role.BUSINESS_SYSTEM, id="client-gp", name="政府采购系统")
TODAY = dt.date(2025, 3, 3)


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    clock.freeze(dt.datetime(2025, 3, 3, 4, 0, tzinfo=dt.UTC))
    return db


@pytest.fixture
def platform() -> Iterator[Platform]:
    with running_platform() as running:
        yield running


def _source(session: Session, code: str, platform: Platform | None = None, **fields: Any) -> str:
    data: dict[str, Any] = {
        "code": code,
        "name": "江西省公共信用信息平台",
        "level": "provincial",
        "issuing_body": "江西省发展改革委",
        "list_types": ["court_dishonest", "tax_major"],
        "transport": "http" if platform else "upload",
        "feed_url": platform.feed_url if platform else None,
        "department": "FY",
    }
    data.update(fields)
    service.create_source(session, OFFICE, SourceIn.model_validate(data))
    return code


def _check(session: Session, uscc: str, scenario: str = "government_procurement") -> CheckOut:
    body = {"subject": {"uscc": uscc}, "scenario": scenario, "purpose": "采购项目资格审查"}
    return punishment.run_check(session, CHECKER, CheckIn.model_validate(body))


def _three_pages(platform: Platform, a: str, b: str, c: str) -> None:
    person = builders.new_resident_id()
    platform.pages = {
        "": {
            "items": [item("F1", a, "九江恒通建材有限公司"), item("F2", None, "张三", XDR_ZJHM=person)],
            "next_cursor": "2",
            "has_more": True,
        },
        "2": {
            "items": [
                item("F3", b, "南昌远航物流有限公司", MDLX="重大税收违法失信主体"),
                item("F1", a, "九江恒通建材有限公司", ZT="已移出", YCRQ="2025-01-10", YCYY="已履行"),
            ],
            "next_cursor": "4",
            "has_more": True,
        },
        "4": {
            "items": [
                item("F4", c, "赣州利民食品有限公司"),
                item("F2", None, "张三", XDR_ZJHM=person, ZT="已撤销", YCRQ="2025-02-01", YCYY="法院撤销"),
            ],
            "next_cursor": "6",
            "has_more": False,
        },
    }


def _snapshot(session: Session, code: str) -> list[tuple[Any, ...]]:
    rows = session.scalars(
        select(ListEntry).where(ListEntry.upstream_key.like(f"{code}:%")).order_by(ListEntry.upstream_key)
    )
    return [
        (
            r.upstream_key.split(":", 1)[1] if r.upstream_key else None,
            r.status,
            r.list_code,
            r.subject_uscc,
            r.valid_from,
            r.valid_to,
            r.exit_date,
            r.revoked_on,
            (r.upstream or {}).get("version"),
        )
        for r in rows
    ]


def test_an_interrupted_pull_resumed_gives_what_an_uninterrupted_one_gives(seeded: Session, platform: Platform) -> None:
    a, b, c = builders.new_uscc(), builders.new_uscc(), builders.new_uscc()
    _three_pages(platform, a, b, c)
    units = savepoint_units(seeded)
    whole = service.pull(units, OFFICE, _source(seeded, "prov-a", platform))
    assert whole.complete and whole.pages == 3 and whole.error is None and whole.cursor == "6"
    assert whole.received == 6 and whole.applied == 6

    _source(seeded, "prov-b", platform)
    platform.fail_once.add("4")  # the platform falls over half way
    first = service.pull(units, OFFICE, "prov-b")
    assert first.pages == 2 and not first.complete and first.error is not None and "500" in first.error
    assert service.get_source(seeded, "prov-b").cursor == "4"  # committed with the second page
    assert service.get_source(seeded, "prov-b").last_pull_error
    resumed = service.pull(units, OFFICE, "prov-b")
    assert resumed.complete and resumed.pages == 1 and resumed.cursor == "6"
    assert platform.requests[-1] == "4"  # resumed from the stored cursor, not from the start

    assert _snapshot(seeded, "prov-a") == _snapshot(seeded, "prov-b")
    snap = {row[0]: row for row in _snapshot(seeded, "prov-b")}
    assert snap["F1"][1] == "已移出" and snap["F1"][8] == 2
    assert snap["F2"][1] == "已撤销" and snap["F3"][2] == "tax_major" and snap["F4"][1] == "已公示"
    # every version is kept
    versions = seeded.scalar(select(func.count()).select_from(ExchangeItemVersion))
    assert versions == 12
    # unknown subjects became provisional entities, flagged as such
    assert all(seeded.get(Entity, code).provisional for code in (a, b, c))  # type: ignore[union-attr]
    events = [e.action for e in seeded.scalars(select(AuditEvent))]
    assert events.count("exchange:batch:received") == 6 and "exchange:pull:failed" in events


def test_a_redelivered_page_changes_nothing(seeded: Session, platform: Platform) -> None:
    a, b, c = builders.new_uscc(), builders.new_uscc(), builders.new_uscc()
    _three_pages(platform, a, b, c)
    units = savepoint_units(seeded)
    service.pull(units, OFFICE, _source(seeded, "prov", platform))
    before = _snapshot(seeded, "prov")
    versions = seeded.scalar(select(func.count()).select_from(ExchangeItemVersion))
    # the platform delivers the last page again (e.g. it lost our acknowledgement)
    source = service.get_source(seeded, "prov")
    source.cursor = "4"
    seeded.flush()
    again = service.pull(units, OFFICE, "prov")
    assert again.received == 2 and again.applied == 0 and again.unchanged == 2 and again.rejected == 0
    assert _snapshot(seeded, "prov") == before
    assert seeded.scalar(select(func.count()).select_from(ExchangeItemVersion)) == versions


def test_an_upstream_exit_takes_the_entry_out_of_the_checks(seeded: Session, platform: Platform) -> None:
    uscc = builders.new_uscc()
    platform.pages = {"": {"items": [item("C1", uscc, "九江恒通建材有限公司")], "next_cursor": "1", "has_more": False}}
    units = savepoint_units(seeded)
    service.pull(units, OFFICE, _source(seeded, "prov", platform))
    hit = _check(seeded, uscc)
    assert hit.outcome == "restricted" and len(hit.entries) == 1
    entry = hit.entries[0]
    assert entry.source == "upstream" and entry.source_name == "江西省公共信用信息平台"
    assert entry.source_level == "provincial" and entry.issuing_body == "江西省九江市中级人民法院"
    assert entry.upstream_id == "C1" and entry.list_type == "court_dishonest"
    assert [m.code for m in hit.measures] == ["GP01", "MG01"]
    assert "发改财金〔2016〕141号" in hit.measures[0].memoranda  # the national memorandum on 失信被执行人

    platform.pages["1"] = {
        "items": [item("C1", uscc, "九江恒通建材有限公司", ZT="已移出", YCRQ="2025-03-01", YCYY="已履行完毕")],
        "next_cursor": "2",
        "has_more": False,
    }
    service.pull(units, OFFICE, "prov")
    cleared = _check(seeded, uscc)
    assert cleared.outcome == "clear" and cleared.entries == []
    # the step log names the changes as local ones would be: change notices and re-grading follow them
    steps = seeded.scalars(
        select(ListEntryStep.step).where(ListEntryStep.entry_id == entry.entry_id).order_by(ListEntryStep.id)
    )
    assert list(steps) == ["publish", "exit_early"]
    assert sweep_change_notices(seeded, SYSTEM).changes >= 2
    queued = seeded.scalars(select(RegradeQueue.uscc).where(RegradeQueue.uscc == uscc)).first()
    assert queued == uscc


def test_local_and_upstream_entries_are_checked_alike(seeded: Session, platform: Platform) -> None:
    local = listed(seeded)
    assert local.subject_uscc is not None
    clock.freeze(dt.datetime(2025, 3, 3, 4, 0, tzinfo=dt.UTC))
    platform.pages = {
        "": {
            "items": [item("T9", local.subject_uscc, local.subject_name, MDLX="tax_major")],
            "next_cursor": "1",
            "has_more": False,
        }
    }
    service.pull(savepoint_units(seeded), OFFICE, _source(seeded, "prov", platform))
    answer = _check(seeded, local.subject_uscc, "tax_incentives")
    sources = sorted((e.source, e.list_type, e.source_name or "") for e in answer.entries)
    assert sources == [
        ("local", "serious", "共青城市公共信用信息平台"),
        ("upstream", "tax_major", "江西省公共信用信息平台"),
    ]
    assert {m.code for m in answer.measures} == {"TX01"}
    assert len(answer.measures[0].entry_ids) == 2


def test_the_city_cannot_change_or_exit_an_upstream_entry(seeded: Session, platform: Platform) -> None:
    uscc = builders.new_uscc()
    platform.pages = {"": {"items": [item("X1", uscc, "九江恒通建材有限公司")], "next_cursor": "1", "has_more": False}}
    service.pull(savepoint_units(seeded), OFFICE, _source(seeded, "prov", platform))
    entry = seeded.scalars(select(ListEntry).where(ListEntry.upstream_key == "prov:X1")).one()
    court = Actor(role=Role.DEPT_REVIEWER, id="rev-fy", department_code="FY")
    for attempt in (
        lambda: lists.exit_entry(seeded, court, entry.id, reason="已修复"),
        lambda: lists.revoke_entry(seeded, court, entry.id, reason="错误"),
        lambda: lists.exit_entry(seeded, REVIEWER, entry.id, reason="已修复"),
        lambda: lists.notify_party(seeded, OPERATOR, entry.id, notice_doc_no="告知1号"),
    ):
        with pytest.raises(Forbidden) as refused:
            attempt()
        assert "上级来源" in refused.value.message and "江西省公共信用信息平台" in refused.value.message
    assert lists.expire_entries(seeded, SYSTEM, dt.date(2030, 1, 1)).expired == 0  # its term is its source's
    seeded.refresh(entry)
    assert entry.status == "已公示" and entry.exit_date is None
    assert _check(seeded, uscc).outcome == "restricted"


def test_a_push_that_fails_twice_then_succeeds_is_one_delivery(seeded: Session, platform: Platform) -> None:
    _source(seeded, "prov", platform, push_url=platform.push_url)
    local = listed(seeded)
    clock.freeze(dt.datetime(2025, 3, 3, 4, 0, tzinfo=dt.UTC))
    scanned = service.scan_outbound(seeded, SYSTEM, TODAY)
    assert scanned.list_decisions == 1 and scanned.queued >= 1
    platform.push_failures = 2
    moment = dt.datetime(2025, 3, 3, 4, 0, tzinfo=dt.UTC)
    for hours in (0, 1, 2, 3):
        outbox.deliver_due(seeded, now=moment + dt.timedelta(hours=hours))
    push = next(p for p in service.list_pushes(seeded) if p.payload["kind"] == "list_entry")
    assert push.payload["local_id"] == local.id
    assert push.status == "delivered" and push.attempts == 2 and push.delivered_at is not None
    attempts = outbox.attempts_of(seeded, push.id)
    assert [a.delivered for a in attempts] == [False, False, True] and attempts[0].http_status == 503
    mine = [p for p in platform.pushes if p[0] == push.idempotency_key]
    assert [status for _, _, status in mine] == [503, 503, 200]  # one delivery, the same key each time
    item_sent = mine[-1][1]["data"]["item"]
    assert item_sent["MDLX"] == "serious" and item_sent["ZT"] == "active" and item_sent["XDR_SHXYM"]
    # scanning again queues nothing: the same version is never a new item
    assert service.scan_outbound(seeded, SYSTEM, TODAY).queued == 0
    report = service.reconciliation(seeded)
    assert report.pushes[0].delivered >= 1 and report.pushes[0].failed_attempts >= 2
    # a later decision on the entry is a new version: queued once
    clock.freeze(dt.datetime(2025, 9, 30, 4, 0, tzinfo=dt.UTC))
    lists.revoke_entry(seeded, REVIEWER, local.id, reason="复议撤销")
    assert service.scan_outbound(seeded, SYSTEM, TODAY).list_decisions == 1
    assert service.scan_outbound(seeded, SYSTEM, TODAY).queued == 0


def test_records_are_pushed_in_the_national_format(seeded: Session, platform: Platform) -> None:
    from xinyong.records import service as records

    _source(seeded, "prov", platform, push_url=platform.push_url)
    firm = builders.entity(seeded)
    records.upsert_record(seeded, builders.SYSTEM, builders.penalty(firm.uscc))
    scanned = service.scan_outbound(seeded, SYSTEM, TODAY)
    assert scanned.records == 1
    outbox.deliver_due(seeded)
    body = next(b["data"]["item"] for _, b, s in platform.pushes if s == 200 and "CF_XDR_MC" in b["data"]["item"])
    assert body["CF_XDR_SHXYM"] == firm.uscc and body["BGLX"] and body["JLID"]


def test_a_malformed_file_is_rejected_row_by_row(seeded: Session) -> None:
    code = _source(seeded, "court-files")
    good = builders.new_uscc()
    csv = (
        "名单编号,名单类型,状态,主体名称,统一社会信用代码,列入事由,列入依据,列入日期,有效期至\n"
        f"G1,court_dishonest,有效,九江恒通建材有限公司,{good},拒不履行,法释〔2017〕7号,2024-06-01,2026-06-01\n"
        "G2,court_dishonest,有效,坏代码公司,91360482MA00000000,拒不履行,法释〔2017〕7号,2024-06-01,2026-06-01\n"
        "G3,court_dishonest,有效,,,拒不履行,法释〔2017〕7号,2024-06-01,\n"
        f"G4,court_dishonest,有效,日期错公司,{builders.new_uscc()},拒不履行,法释〔2017〕7号,2024-13-45,\n"
        f"G5,samr_serious,有效,未配置公司,{builders.new_uscc()},拒不履行,依据,2024-06-01,\n"
        f"G6,court_dishonest,乱写,状态错公司,{builders.new_uscc()},拒不履行,依据,2024-06-01,\n"
    ).encode()
    batch = service.ingest_file(seeded, OFFICE, code, csv, "court.csv")
    assert batch.received == 6 and batch.applied == 1 and batch.rejected == 5
    by_row = {(r.row, r.field) for r in batch.rejections}
    assert (3, "XDR_SHXYM") in by_row  # checksum
    assert (4, "XDR_MC") in by_row and (4, "XDR_SHXYM") in by_row  # missing name and subject
    assert (5, "JDRQ") in by_row and (6, "MDLX") in by_row and (7, "ZT") in by_row
    assert all(r.reason for r in batch.rejections)
    lines = "\n".join(
        [
            json.dumps(item("J1", builders.new_uscc(), "九江好运商贸有限公司"), ensure_ascii=False),
            "{not json",
            "[1, 2]",
            json.dumps(item("J2", builders.new_uscc(), "九江好运二号有限公司", 未知列="x"), ensure_ascii=False),
        ]
    ).encode()
    jl = service.ingest_file(seeded, OFFICE, code, lines, "court.jsonl")
    assert jl.applied == 1 and jl.rejected == 3
    assert {r.row for r in jl.rejections} == {2, 3, 4}
    with pytest.raises(InvalidInput):
        service.ingest_file(seeded, OFFICE, code, b"", "empty.csv")
    with pytest.raises(InvalidInput):
        service.ingest_file(seeded, OFFICE, code, b"MZ\x90\x00", "virus.exe")
    report = service.reconciliation(seeded)
    mine = next(s for s in report.sources if s.source == code)
    assert mine.received == 10 and mine.applied == 2 and mine.rejected == 8 and mine.rejection_reasons


def test_conflicts_are_held_for_the_office_never_merged(seeded: Session) -> None:
    code = _source(seeded, "prov-files")
    firm = builders.entity(seeded, name="共青城鸿瑞羽绒服饰有限公司")
    other = builders.entity(seeded, name="共青城德安建材有限公司")
    lines = "\n".join(
        json.dumps(x, ensure_ascii=False)
        for x in (
            item("K1", firm.uscc, "九江完全不同的公司"),
            item("K2", builders.new_uscc(), other.name),
        )
    ).encode()
    batch = service.ingest_file(seeded, OFFICE, code, lines, "k.jsonl")
    assert batch.conflicts == 2 and batch.applied == 0
    conflicts = service.list_conflicts(seeded)
    assert {c.kind for c in conflicts} == {"name_mismatch", "registered_differently"}
    assert _check(seeded, firm.uscc).entries == []  # held, not applied
    seeded.refresh(firm)
    assert firm.name == "共青城鸿瑞羽绒服饰有限公司"  # never merged
    k1 = next(c for c in conflicts if c.kind == "name_mismatch")
    accept = ResolveIn(resolution="accepted", note="经核实为同一主体（曾用名未登记）")
    service.resolve_conflict(seeded, OFFICE, k1.id, accept)
    assert _check(seeded, firm.uscc).outcome == "restricted"
    assert len(service.list_conflicts(seeded)) == 1
    with pytest.raises(Forbidden):
        service.resolve_conflict(seeded, CHECKER, k1.id, ResolveIn(resolution="dismissed", note="x"))


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ((200, "application/json", b"{not json"), "JSON"),
        ((200, "text/html", b"<html>login</html>"), "content type"),
        ((200, "application/json", b'{"items": {}, "next_cursor": "9"}'), "items"),
        ((200, "application/json", b'{"items": [], "next_cursor": "1", "has_more": true}'), "backwards"),
        ((200, "application/json", b'{"items": [], "next_cursor": "5", "has_more": true, "x": 1}'), "unknown keys"),
        ((200, "application/json", b"[1, 2, 3]"), "not a JSON object"),
        ((404, "application/json", b"{}"), "404"),
    ],
)
def test_hostile_pages_are_refused_and_nothing_is_applied(
    seeded: Session, platform: Platform, answer: tuple[int, str, bytes], reason: str
) -> None:
    uscc = builders.new_uscc()
    platform.pages = {"": {"items": [item("H1", uscc, "九江恒通建材有限公司")], "next_cursor": "3", "has_more": True}}
    platform.raw["3"] = answer
    units = savepoint_units(seeded)
    out = service.pull(units, OFFICE, _source(seeded, "prov", platform))
    assert out.pages == 1 and out.error is not None and reason in out.error
    source = service.get_source(seeded, "prov")
    assert source.cursor == "3" and source.last_pull_error  # the good page stays; the bad one changed nothing
    assert seeded.scalar(select(func.count()).select_from(ExchangeItemVersion)) == 1


def test_oversized_pages_and_slow_platforms_are_refused(
    seeded: Session, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XINYONG_EXCHANGE_MAX_PAGE_BYTES", "2048")
    monkeypatch.setenv("XINYONG_EXCHANGE_MAX_PAGE_ITEMS", "3")
    monkeypatch.setenv("XINYONG_EXCHANGE_TIMEOUT_SECONDS", "0.3")
    get_settings.cache_clear()
    try:
        units = savepoint_units(seeded)
        big = [item(f"B{i}", builders.new_uscc(), "九江恒通建材有限公司" * 3) for i in range(2)]
        platform.pages = {"": {"items": big * 1, "next_cursor": "1", "has_more": False}}
        platform.raw[""] = (200, "application/json", json.dumps({"items": ["x" * 5000]}).encode())
        out = service.pull(units, OFFICE, _source(seeded, "prov", platform))
        assert out.error is not None and "larger than 2048" in out.error
        platform.raw[""] = (200, "application/json", json.dumps({"items": [{}, {}, {}, {}]}).encode())
        assert "more than 3" in (service.pull(units, OFFICE, "prov").error or "")
        platform.raw.pop("")
        platform.delay = 1.0
        slow = service.pull(units, OFFICE, "prov")
        assert slow.error is not None and ("超时" in slow.error or "timed out" in slow.error)
        assert seeded.scalar(select(func.count()).select_from(ExchangeItemVersion)) == 0
    finally:
        platform.delay = 0
        get_settings.cache_clear()


def test_sources_are_configured_by_the_office_only_and_audited(seeded: Session, platform: Platform) -> None:
    with pytest.raises(Forbidden):
        service.create_source(
            seeded,
            Actor(role=Role.DEPT_OPERATOR, id="op", department_code="FY"),
            SourceIn.model_validate(
                {
                    "code": "x1",
                    "name": "x",
                    "level": "national",
                    "issuing_body": "x",
                    "list_types": ["court_dishonest"],
                    "transport": "upload",
                    "department": "FY",
                }
            ),
        )
    with pytest.raises(InvalidInput):
        _source(seeded, "bad", None, list_types=["no_such_list"])
    with pytest.raises(InvalidInput):
        _source(seeded, "nofeed", None, transport="http")
    code = _source(seeded, "prov", platform, schedule_minutes=30)
    current = service.source_out(service.get_source(seeded, code)).model_dump()
    changed = SourceIn.model_validate(
        {k: v for k, v in current.items() if k in SourceIn.model_fields} | {"schedule_minutes": 60}
    )
    service.update_source(seeded, OFFICE, code, changed)
    assert service.get_source(seeded, code).schedule_minutes == 60
    actions = [e.action for e in seeded.scalars(select(AuditEvent))]
    assert "exchange:source:created" in actions and "exchange:source:updated" in actions
    assert service.due_sources(seeded, clock.now()) == ["prov"]


def test_upstream_credit_records_are_kept_as_versioned_items(seeded: Session) -> None:
    from tests.support.ingestion_files import HEADERS, person_row, row

    code = _source(seeded, "prov-records", list_types=[], record_kinds=["penalty"])
    good = dict(zip(HEADERS, row(1), strict=True)) | {"JLID": "JX-R1"}
    person = dict(zip(HEADERS, person_row(2, builders.new_resident_id()), strict=True))
    bad = dict(zip(HEADERS, row(3, CF_JDRQ="2024-02-30"), strict=True))
    license_row = {"LB": "license", "XK_XDR_MC": "某公司"}
    lines = "\n".join(json.dumps(x, ensure_ascii=False) for x in (good, person, bad, license_row)).encode()
    batch = service.ingest_file(seeded, OFFICE, code, lines, "records.jsonl")
    assert batch.received == 4 and batch.applied == 2 and batch.rejected == 2
    assert {(r.row, r.field) for r in batch.rejections} >= {(3, "CF_JDRQ"), (4, "LB")}
    rows, total = service.list_items(seeded, code)
    assert total == 2 and {r.list_code for r in rows} == {"record:penalty"}
    firm = next(r for r in rows if r.upstream_id == "JX-R1")
    assert seeded.get(Entity, firm.subject_uscc).provisional  # type: ignore[arg-type,union-attr]
    stored = service.item_versions(seeded, next(r.id for r in rows if r.upstream_id != "JX-R1"))[0]
    text = json.dumps(stored.content, ensure_ascii=False)
    assert person["CF_XDR_ZJHM"] not in text and "id_sha256" in text  # the ID number never stored in clear
    again = service.ingest_file(seeded, OFFICE, code, lines, "records.jsonl")
    assert again.applied == 0 and again.unchanged == 2
    changed = dict(good) | {"CF_NR": "警告并处罚款（已更正）"}
    update = service.ingest_file(seeded, OFFICE, code, json.dumps(changed, ensure_ascii=False).encode(), "u.jsonl")
    assert update.applied == 1
    assert [v.version for v in service.item_versions(seeded, firm.id)] == [1, 2]


def test_a_person_registered_under_another_name_is_held_then_accepted(seeded: Session) -> None:
    from xinyong.entities import service as entities

    code = _source(seeded, "court-persons")
    number = builders.new_resident_id()
    local = entities.upsert_person(seeded, SYSTEM, "王五", "resident_id", number)
    line = json.dumps(item("P9", None, "王伍", XDR_ZJHM=number), ensure_ascii=False).encode()
    batch = service.ingest_file(seeded, OFFICE, code, line, "p.jsonl")
    assert batch.conflicts == 1 and batch.applied == 0
    conflict = service.list_conflicts(seeded)[0]
    assert conflict.kind == "person_name_mismatch" and number not in conflict.subject  # masked
    accept = ResolveIn(resolution="accepted", note="经核实为同音异写，同一自然人")
    service.resolve_conflict(seeded, OFFICE, conflict.id, accept)
    body = {
        "subject": {"id_type": "resident_id", "id_number": number, "name": "王五"},
        "scenario": "flights",
        "purpose": "购票核查",
    }
    answer = punishment.run_check(seeded, CHECKER, CheckIn.model_validate(body))
    assert answer.outcome == "restricted" and answer.entries[0].upstream_id == "P9"
    entry = seeded.get(ListEntry, answer.entries[0].entry_id)
    assert entry is not None and entry.subject_person_id == local.id
