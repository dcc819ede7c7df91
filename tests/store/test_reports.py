"""Credit reports on SQLite and PostgreSQL: a report verifies, a one-byte change fails, a later correction makes it
superseded, and the PDF's text has the entity's name and no unmasked ID number."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Forbidden
from xinyong.records import service as records
from xinyong.records.rules import Status
from xinyong.records.schemas import RecordCorrection
from xinyong.reports import service
from xinyong.reports.rules import Verdict

T0 = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def issued(db: Session) -> tuple[Session, str, int, str]:
    builders.departments(db)
    clock.freeze(T0)
    made = builders.entity(db, name="共青城鸿瑞羽绒服饰有限公司")
    id_number = builders.new_resident_id()
    data = builders.penalty(made.uscc)
    data = data.model_copy(update={"content": {**data.content, "FR_ZJHM": id_number}})
    version, _ = records.upsert_record(db, builders.SYSTEM, data)
    clock.freeze(T0 + dt.timedelta(hours=1))
    return db, made.uscc, version.record_id, id_number


def test_report_verifies_and_one_byte_change_fails(issued: tuple[Session, str, int, str]) -> None:
    session, uscc, _record_id, _id = issued
    row = service.issue_report(session, Actor.public(), uscc)
    public = Actor.public()
    assert service.verify_code(session, public, row.number, row.code).verdict == Verdict.VALID
    assert service.verify_code(session, public, row.number, "0" * 32).verdict == Verdict.NOT_GENUINE
    pdf = service.render_pdf(row)
    assert pdf == service.render_pdf(row)  # deterministic: a download is byte-identical to the issued file
    assert service.verify_pdf(session, public, pdf).verdict == Verdict.VALID
    changed = bytearray(pdf)
    at = pdf.index(b"/Producer") - 5
    changed[at] = (changed[at] + 1) % 256
    assert service.verify_pdf(session, public, bytes(changed)).verdict == Verdict.NOT_GENUINE
    assert service.verify_pdf(session, public, b"%PDF-1.4 nothing").verdict == Verdict.NOT_GENUINE
    assert service.verify_json(session, public, row.content, row.code).verdict == Verdict.VALID
    tampered = json.loads(json.dumps(row.content))
    tampered["identity"]["name"] = "共青城鸿瑞羽绒服饰有限公 司"
    assert service.verify_json(session, public, tampered, row.code).verdict == Verdict.NOT_GENUINE


def test_later_correction_or_revocation_supersedes(issued: tuple[Session, str, int, str]) -> None:
    session, uscc, record_id, _id = issued
    row = service.issue_report(session, Actor.public(), uscc)
    assert [record_id, 1] in row.record_versions
    clock.freeze(T0 + dt.timedelta(days=1))
    records.correct_record(session, builders.SYSTEM, record_id, RecordCorrection(title="更正后的决定书", reason="更正"))
    result = service.verify_code(session, Actor.public(), row.number, row.code)
    assert result.verdict == Verdict.SUPERSEDED and "已更正" in result.reasons[0]
    records.change_status(session, builders.SYSTEM, record_id, Status.REVOKED, "撤销")
    result = service.verify_code(session, Actor.public(), row.number, row.code)
    assert any("已撤销" in reason for reason in result.reasons)


def test_full_version_is_for_the_entity_itself(issued: tuple[Session, str, int, str]) -> None:
    session, uscc, _record_id, _id = issued
    other = Actor(role=Role.ENTITY, id="e2", entity_uscc=builders.new_uscc())
    with pytest.raises(Forbidden):
        service.issue_report(session, other, uscc, full=True)
    with pytest.raises(Forbidden):
        service.issue_report(session, Actor.public(), uscc, as_of=T0)
    own = Actor(role=Role.ENTITY, id="e1", entity_uscc=uscc)
    row = service.issue_report(session, own, uscc, full=True)
    assert row.content["audience"] == "full" and row.content["sections"]["double_publicity"]
    staff = service.issue_report(session, Actor(role=Role.CREDIT_OFFICE, id="o"), uscc, as_of=T0 - dt.timedelta(days=1))
    assert staff.content["sections"]["double_publicity"] == []  # nothing was recorded yet at that moment


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is installed by dev.sh test")
def test_pdf_text_has_the_name_and_no_unmasked_id(issued: tuple[Session, str, int, str], tmp_path: Path) -> None:
    session, uscc, _record_id, id_number = issued
    for actor, full in ((Actor.public(), False), (Actor(role=Role.ENTITY, id="e1", entity_uscc=uscc), True)):
        row = service.issue_report(session, actor, uscc, full=full)
        path = tmp_path / f"{row.number}.pdf"
        path.write_bytes(service.render_pdf(row))
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
        assert "共青城鸿瑞羽绒服饰有限公司" in text.replace(" ", "")
        assert row.number in text and row.code in text
        assert id_number not in text.replace(" ", "")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is installed by dev.sh test")
def test_pdf_reads_as_a_document_for_a_bank(issued: tuple[Session, str, int, str], tmp_path: Path) -> None:
    """Department names not codes, Chinese labels and formatted values instead of field codes, the grade as on the
    profile, the issue time in Beijing time (T0 + 1 h = 11:00 in Beijing)."""
    from xinyong.evaluation import service as evaluation

    session, uscc, _record_id, _id = issued
    evaluation.regrade_entity(session, builders.SYSTEM, uscc, "manual:test")
    row = service.issue_report(session, Actor.public(), uscc)
    path = tmp_path / "report.pdf"
    path.write_bytes(service.render_pdf(row))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    flat = text.replace(" ", "").replace("\n", "")
    assert "共青城市市场监督管理局" in flat and "SCJGJ" not in flat
    assert "违法行为类型：虚假宣传" in flat and "处罚类别：罚款" in flat and "罚款金额（万元）：1.5" in flat
    for code in ("WFXW", "CFLB", "NR_FK", "['"):
        assert code not in flat, code
    assert "尚未开展" not in flat and "评价等级：" in flat and "综合得分：" in flat
    assert "出具时间：2026-11-0211:00（北京时间）" in flat
    assert "T03:00" not in flat and "+08:00" not in flat


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is installed by dev.sh test")
def test_pdf_in_the_current_layout_reads_as_the_first_and_old_reports_download_unchanged(
    issued: tuple[Session, str, int, str], tmp_path: Path
) -> None:
    """The font parsed once per process and lines broken in one pass give the page the first layout gave (the same
    lines, the same text), and a report issued in the first layout still downloads byte-identical and verifies."""
    from xinyong.reports import pdf as report_pdf

    session, uscc, _record_id, _id = issued
    own = Actor(role=Role.ENTITY, id="e1", entity_uscc=uscc)
    row, issued_pdf = service.issue_report_pdf(session, own, uscc, full=True)
    first = report_pdf._render(row, legacy=True)
    texts = []
    for name, data in (("current", issued_pdf), ("first", first)):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(data)
        texts.append(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout)
    assert texts[0] == texts[1] and row.number in texts[0] and "违法行为类型：虚假宣传" in texts[0]
    assert service.render_pdf(row) == issued_pdf  # twice in one process: the shared font is not spent by the first
    row.pdf_sha256 = service.file_hash(first)  # as if issued before the change
    assert service.render_pdf(row) == first
    assert service.verify_pdf(session, Actor.public(), first).verdict == Verdict.VALID


def test_lines_break_as_fpdf_broke_them() -> None:
    from xinyong.reports.pdf import wrap

    widths: dict[int, float] = __import__("collections").defaultdict(lambda: 1000.0)
    widths[ord(" ")] = 250.0
    assert wrap("一二三四五", widths, 3000) == ["一二三", "四五"]  # CJK: before the character that does not fit
    assert wrap("文号：甲　决定日期", widths, 6000) == ["文号：甲", "决定日期"]  # at the ideographic space, dropped
    assert wrap("ab cd", widths, 3000) == ["ab", "cd"]
    assert wrap("　　一二三四", widths, 3000) == ["　　一", "二三四"]  # never a line of leading spaces alone
    assert wrap("一\n二", widths, 3000) == ["一", "二"] and wrap("", widths, 3000) == [""]
    assert wrap("一二", widths, 10) == ["一", "二"]  # a character wider than the line still goes, one a line
