"""Outbound feeds (共享) on SQLite and PostgreSQL: full and changes-since exports in the national format, what each
receiver may see, masked ID numbers, neutralised formulas, and one audit event per export."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.ingestion_files import OPERATOR, firm, gb18030_csv, person_row, row
from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.audit import AuditEvent
from xinyong.core.errors import Forbidden, InvalidInput
from xinyong.core.ids import make_resident_id
from xinyong.records import feeds, ingestion, service
from xinyong.records.ingest import detect_layout
from xinyong.records.models import CreditRecord
from xinyong.records.rules import Disclosure, Kind, Status
from xinyong.records.schemas import RecordCorrection

OFFICE = Actor(role=Role.CREDIT_OFFICE, id="user:office", name="信用办")
PROVINCE = Actor(role=Role.BUSINESS_SYSTEM, id="api:province", name="省平台")
T1 = dt.datetime(2024, 3, 8, 2, tzinfo=dt.UTC)
T2 = dt.datetime(2024, 3, 9, 2, tzinfo=dt.UTC)
T3 = dt.datetime(2024, 3, 10, 2, tzinfo=dt.UTC)
CLEAR_ID = make_resident_id("360482", dt.date(1980, 5, 17), 123)


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    clock.freeze(T1)
    return db


def ingest(session: Session, rows: list[list[str]]) -> ingestion.BatchResult:
    return ingestion.ingest_file(session, OPERATOR, gb18030_csv(rows), "处罚.csv", department="SCJGJ", kind="penalty")


def take(
    session: Session, actor: Actor, since: str | dt.datetime | None = None, fmt: str = "jsonl", kind: str = "penalty"
) -> tuple[bytes, feeds.FeedResult]:
    sink = io.BytesIO()
    result = feeds.export(session, actor, feeds.feed_request(kind, since, fmt), sink)
    return sink.getvalue(), result


def lines(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def record_id(session: Session, doc_no: str) -> int:
    return int(session.execute(select(CreditRecord.id).where(CreditRecord.doc_no == doc_no)).scalar_one())


def test_full_feed_after_an_ingest(seeded: Session) -> None:
    ingest(seeded, [row(1), row(2), person_row(3, CLEAR_ID)])
    data, result = take(seeded, OFFICE)
    rows = lines(data)
    assert result.rows == len(rows) == 3 and dict(result.changes) == {"I": 3} and result.persons == 1
    assert all(list(r) == feeds.columns(Kind.PENALTY) for r in rows)
    first = rows[0]
    assert first["CF_XDR_MC"] == "共青城第1羽绒服饰有限公司"
    assert (first["CF_XDR_LB"], first["CF_XDR_SHXYM"]) == ("法人及非法人组织", firm(1))
    assert first["CF_WSH"] == "共市监罚〔2024〕1号"
    assert (first["CF_CFLB"], first["CF_NR_FK"], first["CF_JDRQ"], first["CF_YXQ"]) == (
        "警告；罚款",
        "0.5",
        "2024-03-01",
        "2025-03-01",
    )
    assert (first["CF_YZCD"], first["CF_ZT"], first["DFBM"]) == ("一般", "有效", "360482")
    assert (first["BGLX"], first["BBH"]) == ("I", 1)
    assert first["SJC"] == "2024-03-08T10:00:00+08:00"
    assert first["JLID"] == record_id(seeded, "共市监罚〔2024〕1号")
    person = rows[2]
    assert (person["CF_XDR_LB"], person["CF_XDR_ZJLX"], person["CF_XDR_SHXYM"]) == ("自然人", "身份证", None)
    assert person["CF_XDR_ZJHM"] == CLEAR_ID[:6] + "*" * 8 + CLEAR_ID[-4:]
    assert person["CF_XDR_MC"] == "张三"  # the office reads names


def test_csv_is_utf8_with_bom_and_recognised_as_the_national_layout(seeded: Session) -> None:
    ingest(seeded, [row(1), row(2)])
    data, result = take(seeded, OFFICE, fmt="csv")
    assert data.startswith(b"\xef\xbb\xbf") and result.rows == 2
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == feeds.columns(Kind.PENALTY) and len(table) == 3
    layout = detect_layout(table[0], Kind.PENALTY)
    assert layout.name == "national-2.0"
    assert set(layout.unknown) == {"BGLX", "BBH", "JLID"}  # everything else is a field the import knows


def test_changes_since_a_correction_and_a_revocation(seeded: Session) -> None:
    ingest(seeded, [row(1), row(2), row(3)])
    clock.freeze(T2)
    again = ingest(seeded, [row(1, CF_NR="警告并处罚款五千元"), row(2), row(3)])
    assert (again.corrected, again.unchanged) == (1, 2)
    corrected = lines(take(seeded, PROVINCE, since=T1 + dt.timedelta(hours=1))[0])
    assert [(r["CF_WSH"], r["BGLX"], r["BBH"], r["CF_NR"]) for r in corrected] == [
        ("共市监罚〔2024〕1号", "U", 2, "警告并处罚款五千元")
    ]
    assert corrected[0]["SJC"] == "2024-03-09T10:00:00+08:00"
    # From before the first receipt the receiver had nothing: the net change of all three is I (the newest version).
    everything = lines(take(seeded, PROVINCE, since="2024-03-01")[0])
    assert [(r["BGLX"], r["BBH"]) for r in everything] == [("I", 2), ("I", 1), ("I", 1)]

    clock.freeze(T3)
    service.change_status(seeded, OPERATOR, record_id(seeded, "共市监罚〔2024〕2号"), Status.REVOKED, "复议撤销")
    for actor in (PROVINCE, OFFICE):
        withdrawn = lines(take(seeded, actor, since=T2 + dt.timedelta(hours=1))[0])
        assert [(r["CF_WSH"], r["BGLX"], r["CF_ZT"], r["BBH"]) for r in withdrawn] == [
            ("共市监罚〔2024〕2号", "D", "无效", 2)
        ]
        assert withdrawn[0]["SJC"] == "2024-03-10T10:00:00+08:00"
        assert withdrawn[0]["CF_XDR_MC"] == "共青城第2羽绒服饰有限公司"  # the record as the receiver had it
    # Across the whole window: 1 corrected (U), 2 withdrawn (D), 3 untouched since T2 (absent).
    window = lines(take(seeded, PROVINCE, since=T1 + dt.timedelta(hours=1))[0])
    assert [(r["CF_WSH"], r["BGLX"]) for r in window] == [("共市监罚〔2024〕1号", "U"), ("共市监罚〔2024〕2号", "D")]
    # The full feed no longer holds the revoked decision.
    assert [r["CF_WSH"] for r in lines(take(seeded, PROVINCE)[0])] == ["共市监罚〔2024〕1号", "共市监罚〔2024〕3号"]
    # A record created and revoked inside the window never reached the receiver: nothing to say about it.
    clock.freeze(T3 + dt.timedelta(hours=1))
    ingest(seeded, [row(9)])
    service.change_status(seeded, OPERATOR, record_id(seeded, "共市监罚〔2024〕9号"), Status.REVOKED, "撤销")
    assert lines(take(seeded, PROVINCE, since=T3)[0]) == []


def test_each_receiver_gets_what_it_may_see(seeded: Session) -> None:
    made = builders.entity(seeded)
    public, _ = service.upsert_record(seeded, builders.SYSTEM, builders.penalty(made.uscc, "公开-1"))
    shared, _ = service.upsert_record(
        seeded, builders.SYSTEM, builders.penalty(made.uscc, "共享-1", disclosure=Disclosure.CONDITIONAL)
    )
    service.upsert_record(seeded, builders.SYSTEM, builders.penalty(made.uscc, "不公开-1", disclosure="不公开"))
    service.upsert_record(seeded, builders.SYSTEM, builders.penalty(made.uscc, "许可-1", kind="license"))
    assert [r["CF_WSH"] for r in lines(take(seeded, PROVINCE)[0])] == ["公开-1"]
    assert [r["CF_WSH"] for r in lines(take(seeded, OFFICE)[0])] == ["公开-1", "共享-1"]
    assert [r["XK_WSH"] for r in lines(take(seeded, OFFICE, kind="license")[0])] == ["许可-1"]
    # A record that stops being shared with the public is withdrawn from the business systems' feed only.
    clock.freeze(T2)
    service.correct_record(
        seeded, builders.SYSTEM, public.record_id, RecordCorrection(disclosure=Disclosure.CONDITIONAL, reason="调整")
    )
    assert [(r["CF_WSH"], r["BGLX"]) for r in lines(take(seeded, PROVINCE, since=T1)[0])] == [("公开-1", "D")]
    assert [(r["CF_WSH"], r["BGLX"]) for r in lines(take(seeded, OFFICE, since=T1)[0])] == [("公开-1", "U")]
    assert shared.record_id > public.record_id
    for refused in (Actor.public(), OPERATOR, Actor(role=Role.AUDITOR, id="user:audit")):
        with pytest.raises(Forbidden):
            take(seeded, refused)


def test_no_clear_id_number_anywhere_in_a_feed(seeded: Session) -> None:
    representative = make_resident_id("360482", dt.date(1975, 1, 2), 456)
    ingest(seeded, [person_row(1, CLEAR_ID)])
    made = builders.entity(seeded)
    service.upsert_record(
        seeded,
        builders.SYSTEM,
        builders.penalty(made.uscc, content={"FR_ZJHM": representative, "FRDB": "李四", "XDR_DZ": "共青城市甲路1号"}),
    )
    for actor in (OFFICE, PROVINCE):
        for fmt in ("csv", "jsonl"):
            data, result = take(seeded, actor, fmt=fmt)
            assert result.rows == 2
            text = data.decode("utf-8-sig")
            for number in (CLEAR_ID, representative):
                assert number not in text and number[6:14] not in text, (actor.role, fmt)
            assert "_enc" not in text and "_bi" not in text
    person, firm_row = lines(take(seeded, PROVINCE)[0])
    assert person["CF_XDR_MC"] == "张**"  # the public audience: names and addresses masked as on the portal
    assert firm_row["CF_FR_ZJHM"] == representative[:6] + "*" * 8 + representative[-4:]
    assert "甲路1号" not in json.dumps(firm_row, ensure_ascii=False)  # not a national field: not shared at all


def test_formulas_are_neutralised_in_csv_only(seeded: Session) -> None:
    hostile = "=cmd|' /C calc'!A0"
    ingest(seeded, [row(1, CF_SY=hostile, CF_NR="+SUM(1,2)", CF_YJ="@IMPORTXML(x)")])
    data, _ = take(seeded, OFFICE, fmt="csv")
    header, values = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    cells = dict(zip(header, values, strict=True))
    assert (cells["CF_SY"], cells["CF_NR"], cells["CF_YJ"]) == ("'" + hostile, "'+SUM(1,2)", "'@IMPORTXML(x)")
    assert not any(value.startswith(("=", "+", "-", "@")) for value in values)
    (as_json,) = lines(take(seeded, OFFICE)[0])
    assert as_json["CF_SY"] == hostile  # JSON lines carry the data as it is: no spreadsheet opens them


def test_every_export_is_audited(seeded: Session) -> None:
    ingest(seeded, [row(1), row(2)])
    take(seeded, PROVINCE, fmt="csv")
    clock.freeze(T2)
    data, result = take(seeded, OFFICE, since="2024-03-08T09:00:00")
    events = list(
        seeded.execute(
            select(AuditEvent).where(AuditEvent.action == feeds.AUDIT_ACTION).order_by(AuditEvent.seq)
        ).scalars()
    )
    assert [(e.actor_role, e.actor_id, e.subject_id) for e in events] == [
        ("business_system", "api:province", "penalty"),
        ("credit_office", "user:office", "penalty"),
    ]
    full, changes = events[0].payload, events[1].payload
    assert (full["mode"], full["since"], full["format"], full["rows"]) == ("full", None, "csv", 2)
    assert (changes["mode"], changes["format"], changes["rows"]) == ("changes", "jsonl", 2)
    assert changes["since"] == "2024-03-08T01:00:00+00:00" and changes["as_of"] == "2024-03-09T02:00:00+00:00"
    assert changes["changes"] == {"I": 2, "U": 0, "D": 0} and changes["sha256"] == result.sha256
    assert hashlib.sha256(data).hexdigest() == result.sha256
    assert audit.verify(seeded).ok


@pytest.mark.parametrize(
    ("kind", "since", "fmt", "field"),
    [
        ("serious_dishonesty", None, "csv", "kind"),
        ("CF", None, "csv", "kind"),
        ("penalty", "yesterday", "csv", "since"),
        ("penalty", "2024-02-30", "csv", "since"),
        ("penalty", "2024-03-01T25:00", "csv", "since"),
        ("penalty", "2099-01-01", "csv", "since"),
        ("penalty", "x" * 500, "csv", "since"),
        ("penalty", None, "xlsx", "format"),
        ("penalty", None, "=cmd", "format"),
    ],
)
def test_bad_parameters_name_the_field(kind: str, since: str | None, fmt: str, field: str) -> None:
    clock.freeze(T1)
    with pytest.raises(InvalidInput) as caught:
        feeds.feed_request(kind, since, fmt)
    assert caught.value.field == field


def test_since_forms() -> None:
    clock.freeze(T2)
    assert feeds.feed_request("penalty", "2024-03-08").since == dt.datetime(2024, 3, 7, 16, tzinfo=dt.UTC)
    assert feeds.feed_request("penalty", "2024-03-08T09:30:00").since == dt.datetime(2024, 3, 8, 1, 30, tzinfo=dt.UTC)
    assert feeds.feed_request("penalty", "2024-03-08T01:30:00Z").since == dt.datetime(2024, 3, 8, 1, 30, tzinfo=dt.UTC)
    assert feeds.feed_request("license", None, "JSONL").fmt == "jsonl"
    assert feeds.feed_request("penalty").filename == "penalty-full-20240309T100000.csv"
