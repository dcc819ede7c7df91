"""Complaints and reports (投诉举报) against both databases: a 12345 export with good, duplicate, unmatched and
malformed rows has every row accounted for and keeps no complainant's data; a re-sent file changes nothing; an
unmatched complaint is matched by a person of the department in charge; only true complaints become credit
records, so three true ones in 90 days raise the alert and three untrue ones do not, and only true ones lower the
grade; the subject sees its own complaints, nobody else's."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import xlsxwriter
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.complaints import service
from xinyong.complaints.models import Complaint, ComplaintStep
from xinyong.complaints.schemas import ComplaintBatchIn, ComplaintIn, MatchIn
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.evaluation import service as evaluation
from xinyong.records.models import CreditRecordVersion
from xinyong.risk import service as risk

TODAY = dt.date(2026, 11, 20)
SCJG = builders.operator("SCJGJ")
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office")
HEADER = "工单号,受理时间,被投诉对象,统一社会信用代码,诉求内容,办理结果,办结时间,满意度,核实结果,来电人,联系电话"


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    clock.freeze(dt.datetime.combine(TODAY, dt.time(2), tzinfo=dt.UTC))
    return db


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8-sig")


def test_an_export_has_every_row_accounted_for_and_keeps_no_complainant_data(seeded: Session) -> None:
    firm = builders.entity(seeded, name="共青城鸿瑞羽绒服饰有限公司")
    named = builders.entity(seeded, name="共青城德安建材有限公司")
    data = _csv(
        f"GD2026110001,2026-11-02,鸿瑞羽绒,{firm.uscc},羽绒服含绒量不足，来电人张三要求退货,已责令整改,2026-11-10,满意,属实,张三,13812345678",
        "GD2026110002,2026-11-03 09:12,共青城德安建材有限公司,,送货延误,已调解,2026-11-09,基本满意,不属实,李四,"
        "13987654321",
        "GD2026110003,2026-11-04,某不知名小店,,夜间噪音扰民,已转办,,,,王五,0792-1234567",
        f"GD2026110001,2026-11-02,鸿瑞羽绒,{firm.uscc},重复的一行,,,,属实,张三,13812345678",
        "GD2026110005,2026-11-05,鸿瑞羽绒,,,已办结,,,属实,赵六,13700000000",
        "GD2026110006,2026-13-45,鸿瑞羽绒,,销售假冒商品,,,,属实,钱七,13700000001",
        "GD2026110007,2026-11-06,鸿瑞羽绒,91360482MA00000000,销售假冒商品,,,,属实,孙八,13700000002",
        "GD2026110008,2026-11-06,鸿瑞羽绒,,销售假冒商品,,,,说不清,周九,13700000003",
        "GD2026110009,2026-11-06,鸿瑞羽绒,,销售假冒商品,,2026-11-01,,属实,吴十,13700000004",
    )
    result = service.intake_file(seeded, SCJG, data, "12345导出.csv", "12345")
    assert result.rows == 9
    assert (result.created, result.unmatched, result.duplicates, result.rejected) == (2, 1, 1, 5)
    assert result.created + result.unmatched + result.duplicates + result.rejected == result.rows
    assert sorted(result.dropped_columns) == ["来电人", "联系电话"]
    by_row = {r.row: r for r in result.results}
    assert by_row[5].outcome == "duplicate"
    assert by_row[6].errors == {"诉求内容": "必填"}
    assert "受理时间" in by_row[7].errors and "统一社会信用代码" in by_row[8].errors
    assert "核实结果" in by_row[9].errors and "办结时间" in by_row[10].errors
    true_one = seeded.get(Complaint, by_row[2].complaint_id)
    assert true_one is not None and true_one.subject_uscc == firm.uscc and true_one.record_id is not None
    assert "张三" not in true_one.content and "来电人**" in true_one.content
    untrue = seeded.get(Complaint, by_row[3].complaint_id)
    assert untrue is not None and untrue.subject_uscc == named.uscc and untrue.record_id is None  # never a record
    held = seeded.get(Complaint, by_row[4].complaint_id)
    assert held is not None and held.status == "待匹配" and held.subject_uscc is None
    for table in ("complaints", "complaint_steps", "credit_record_versions", "audit_events"):
        dump = " ".join(str(r) for r in seeded.execute(text(f"SELECT * FROM {table}")).all())
        for secret in ("13812345678", "13987654321", "1234567", "李四", "王五", "张三"):
            assert secret not in dump, (table, secret)
    record = seeded.scalars(
        select(CreditRecordVersion).where(CreditRecordVersion.record_id == true_one.record_id)
    ).one()
    assert record.kind == "complaint" and record.source_department == "SCJGJ" and record.content["HSJG"] == "属实"

    again = service.intake_file(seeded, SCJG, data, "12345导出.csv", "12345")
    assert again.duplicates == 4 and again.created == again.unmatched == 0  # the four stored tickets
    assert seeded.scalar(select(func.count()).select_from(Complaint)) == 3


def test_a_held_complaint_is_matched_by_the_department_in_charge_once(seeded: Session) -> None:
    firm = builders.entity(seeded)
    data = _csv("GD1,2026-11-02,小店甲,,销售过期食品,已责令整改,2026-11-10,满意,属实,,")
    held = service.intake_file(seeded, SCJG, data, "a.csv", "12345").results[0]
    assert held.outcome == "unmatched" and held.complaint_id is not None
    with pytest.raises(NotFound):  # a department neither sees nor matches another's complaints
        service.match(seeded, builders.operator("SWJ"), held.complaint_id, MatchIn(uscc=firm.uscc, reason="x"))
    with pytest.raises(Forbidden):  # the auditor sees it but does not handle it
        service.match(seeded, Actor(role=Role.AUDITOR, id="a"), held.complaint_id, MatchIn(uscc=firm.uscc, reason="x"))
    with pytest.raises(NotFound):
        service.match(seeded, SCJG, held.complaint_id, MatchIn(uscc=builders.new_uscc(), reason="现场核实"))
    with pytest.raises(InvalidInput):
        service.match(seeded, SCJG, held.complaint_id, MatchIn(uscc="91360482MA00000000", reason="现场核实"))
    matched = service.match(seeded, SCJG, held.complaint_id, MatchIn(uscc=firm.uscc, reason="现场核实为该店"))
    assert matched.status == "已匹配" and matched.subject_uscc == firm.uscc and matched.record_id is not None
    with pytest.raises(Conflict):
        service.match(seeded, SCJG, held.complaint_id, MatchIn(uscc=firm.uscc, reason="再次"))
    steps = seeded.scalars(select(ComplaintStep).where(ComplaintStep.complaint_id == matched.id)).all()
    assert [(s.step, s.from_status, s.to_status) for s in steps] == [
        ("receive", None, "待匹配"),
        ("match", "待匹配", "已匹配"),
    ]
    assert steps[1].actor_id == SCJG.id and steps[1].reason == "现场核实为该店"


def _batch(uscc: str, finding: str, days: list[int]) -> ComplaintBatchIn:
    rows = [
        ComplaintIn(
            ticket_no=f"{finding}-{uscc[-6:]}-{d}",
            received_on=TODAY - dt.timedelta(days=d),
            subject_name="被投诉企业",
            uscc=uscc,
            content="消费者反映商品质量问题",
            result="已处理",
            closed_on=TODAY - dt.timedelta(days=d - 1),
            finding=finding,
        )
        for d in days
    ]
    return ComplaintBatchIn(channel="12315", rows=rows)


def test_three_true_complaints_in_90_days_raise_the_alert_and_untrue_ones_do_not(seeded: Session) -> None:
    untrue = builders.entity(seeded)
    service.intake_batch(seeded, SCJG, _batch(untrue.uscc, "不属实", [10, 20, 30]))
    service.intake_batch(seeded, SCJG, _batch(untrue.uscc, "", [11, 21, 31]))  # not verified
    assert risk.sweep_risk(seeded, Actor.system("tick")) == []
    true = builders.entity(seeded, name="共青城另一家服饰有限公司")
    service.intake_batch(seeded, SCJG, _batch(true.uscc, "属实", [10, 20]))
    service.intake_batch(seeded, SCJG, _batch(true.uscc, "部分属实", [120]))  # outside the window
    assert risk.sweep_risk(seeded, Actor.system("tick")) == []
    service.intake_batch(seeded, SCJG, _batch(true.uscc, "部分属实", [40]))
    (raised,) = risk.sweep_risk(seeded, Actor.system("tick"))
    alerts, total = risk.page_alerts(seeded, SCJG)
    assert total == 1 and alerts[0].id == raised and alerts[0].uscc == true.uscc
    assert alerts[0].rule_code == "complaints_90d" and alerts[0].count == 3


def test_only_true_complaints_lower_the_grade(seeded: Session) -> None:
    evaluation.ensure_seeded(seeded)
    untrue = builders.entity(seeded)
    true = builders.entity(seeded, name="共青城另一家服饰有限公司")
    before = evaluation.regrade_entity(seeded, OFFICE, untrue.uscc, "测试").score
    assert evaluation.regrade_entity(seeded, OFFICE, true.uscc, "测试").score == before
    service.intake_batch(seeded, SCJG, _batch(untrue.uscc, "不属实", [10, 20]))
    service.intake_batch(seeded, SCJG, _batch(true.uscc, "属实", [10, 20]))
    assert evaluation.regrade_entity(seeded, OFFICE, untrue.uscc, "投诉").score == before
    assert evaluation.regrade_entity(seeded, OFFICE, true.uscc, "投诉").score == before - 10  # 投诉举报 −5 each


def test_the_subject_sees_its_own_complaints_only(seeded: Session) -> None:
    mine = builders.entity(seeded)
    other = builders.entity(seeded, name="共青城另一家服饰有限公司")
    service.intake_batch(seeded, SCJG, _batch(mine.uscc, "不属实", [5]))
    service.intake_batch(seeded, SCJG, _batch(other.uscc, "属实", [6]))
    me = Actor(role=Role.ENTITY, id="user:qiye", entity_uscc=mine.uscc)
    rows, total = service.page_complaints(seeded, me)
    assert total == 1 and rows[0].subject_uscc == mine.uscc and rows[0].finding == "不属实"
    assert service.page_complaints(seeded, Actor(role=Role.PUBLIC))[1] == 0
    with pytest.raises(Forbidden):
        service.intake_batch(seeded, me, _batch(mine.uscc, "不属实", [7]))
    with pytest.raises(Forbidden):
        service.intake_batch(seeded, Actor(role=Role.AUDITOR, id="a"), _batch(mine.uscc, "属实", [7]))


def test_the_office_names_the_department_or_the_rows_handler_does(seeded: Session) -> None:
    firm = builders.entity(seeded)
    header = "工单号,受理时间,被投诉对象,统一社会信用代码,诉求内容,核实结果,承办单位\n"
    data = (
        header
        + f"H1,2026-11-02,甲,{firm.uscc},拖欠工资,属实,SCJGJ\n"
        + f"H2,2026-11-02,甲,{firm.uscc},拖欠工资,属实,不存在的单位\n"
    ).encode()
    result = service.intake_file(seeded, OFFICE, data, "h.csv", "12345")
    assert [r.outcome for r in result.results] == ["created", "rejected"]
    assert "承办单位" in result.results[1].errors
    chosen = service.intake_file(seeded, OFFICE, data.replace(b"H1,", b"H3,"), "h.csv", "12345", "SWJ")
    assert [r.outcome for r in chosen.results] == ["created", "created"]  # the office's choice names the department
    departments = {c.ticket_no: c.department for c in seeded.scalars(select(Complaint))}
    assert departments == {"H1": "SCJGJ", "H3": "SWJ", "H2": "SWJ"}


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"", "empty.csv"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "virus.csv"),
        (b"ticket,date\n1,2\n", "english.csv"),
        ("工单号,受理时间\nA,2026-11-01\n".encode(), "half.csv"),
        (b"anything", "complaints.exe"),
    ],
)
def test_bad_files_are_refused_with_the_reason_and_store_nothing(seeded: Session, data: bytes, name: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        service.intake_file(seeded, SCJG, data, name, "12345")
    assert refused.value.field == "file" and refused.value.message
    assert seeded.scalar(select(func.count()).select_from(Complaint)) == 0


def test_a_12315_export_in_xlsx_reads_like_a_csv(seeded: Session) -> None:
    firm = builders.entity(seeded)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("投诉")
    rows = [
        [
            "投诉编号",
            "登记时间",
            "被投诉人",
            "被投诉人统一社会信用代码",
            "投诉问题",
            "处理结果",
            "核查结果",
            "投诉人电话",
        ],
        ["S1", "2026-11-01", "某公司", firm.uscc, "虚假宣传", "已调解", "属实", "13712345678"],
        ["S2", "2026/11/02", "某公司", firm.uscc, "缺斤短两", "已调解", "不属实", "13712345679"],
    ]
    for r, values in enumerate(rows):
        sheet.write_row(r, 0, values)
    book.close()
    result = service.intake_file(seeded, SCJG, buffer.getvalue(), "12315导出.xlsx", "12315")
    assert [r.outcome for r in result.results] == ["created", "created"]
    assert result.dropped_columns == ["投诉人电话"]
    stored = {c.ticket_no: c for c in seeded.scalars(select(Complaint))}
    assert stored["S1"].channel == "12315" and stored["S1"].record_id is not None
    assert stored["S2"].received_on == dt.date(2026, 11, 2) and stored["S2"].record_id is None
