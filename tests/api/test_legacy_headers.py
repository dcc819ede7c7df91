"""Legacy headers real department systems export (1.0 exchange templates), one test file per header variant, and the
法定代表人 rule for 法人 rows (a warning by default, a rejection by the department's setting), on both databases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.ingestion_files import OPERATOR, gb18030_csv, row
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.audit import AuditEvent
from xinyong.core.departments import get_department, set_legal_representative_rule
from xinyong.core.errors import Forbidden
from xinyong.core.ids import make_resident_id
from xinyong.records import ingestion
from xinyong.records.models import Batch, CreditRecord, CreditRecordVersion

DATA = Path(__file__).parent.parent / "data" / "legacy_headers"
NOW = dt.datetime(2026, 3, 10, 2, tzinfo=dt.UTC)
PERSON_ID = make_resident_id("360482", dt.date(1988, 8, 8), 321)


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    clock.freeze(NOW)
    return db


def _file(name: str, firm: str) -> bytes:
    text = (DATA / name).read_text("utf-8")
    return text.replace("{FIRM}", firm).replace("{PERSON_ID}", PERSON_ID).replace("{DAY}", "2026-03-02").encode()


def _only_version(session: Session, doc_no: str) -> CreditRecordVersion:
    record = session.execute(select(CreditRecord).where(CreditRecord.doc_no == doc_no)).scalar_one()
    return session.execute(select(CreditRecordVersion).where(CreditRecordVersion.record_id == record.id)).scalar_one()


@pytest.mark.parametrize(
    ("name", "kind", "doc_no", "field", "expected"),
    [
        ("penalty_code2_organisation.csv", "penalty", "共市监罚〔2026〕201号", "XDR_ZZJG", "MA35XYZ1-2"),
        ("penalty_code3_registration.csv", "penalty", "共市监罚〔2026〕202号", "XDR_GSZC", "360405000012345"),
        ("penalty_cf_fr_sfzh.csv", "penalty", "共市监罚〔2026〕204号", "FR_ZJLX", "身份证"),
        ("license_xk_fr_sfzh.csv", "license", "共市监许〔2026〕205号", "FR_ZJLX", "身份证"),
    ],
)
def test_each_legacy_header_is_recognised(
    seeded: Session, name: str, kind: str, doc_no: str, field: str, expected: str
) -> None:
    firm = builders.new_uscc()
    result = ingestion.ingest_file(seeded, OPERATOR, _file(name, firm), name, department="SCJGJ", kind=kind)
    assert (result.rejected, result.created, result.unknown_columns) == (0, 1, []), result.errors
    assert result.layout == "national-1.0"
    version = _only_version(seeded, doc_no)
    assert version.subject_uscc == firm
    assert version.content[field] == expected
    if field == "FR_ZJLX":  # the representative's number is kept masked, never clear
        assert version.content["FR_ZJHM"] == PERSON_ID[:6] + "*" * 8 + PERSON_ID[-4:]


def test_a_natural_persons_row_under_code5_imports(seeded: Session) -> None:
    name = "penalty_code5_resident_id.csv"
    result = ingestion.ingest_file(seeded, OPERATOR, _file(name, ""), name, department="SCJGJ", kind="penalty")
    assert (result.rejected, result.created) == (0, 1), result.errors
    version = _only_version(seeded, "共市监罚〔2026〕203号")
    assert (version.subject_type, version.subject_uscc, version.subject_name) == ("person", None, "张三")
    assert version.subject_person_id is not None
    assert result.warnings == []  # the 法定代表人 rule is for 法人 only


def test_missing_legal_representative_is_a_warning_by_default(
    seeded: Session, as_actor: Callable[[Actor], TestClient]
) -> None:
    data = gb18030_csv([row(71)])  # a 法人 row without 法定代表人 nor its certificate number
    result = ingestion.ingest_file(seeded, OPERATOR, data, "处罚.csv", department="SCJGJ", kind="penalty")
    assert (result.created, result.rejected) == (1, 0)
    assert {w["field"] for w in result.warnings} == {"CF_FRDB", "CF_FR_ZJHM"}
    assert all(w["row"] == 2 and "法人" in w["reason"] for w in result.warnings)
    batch = seeded.get(Batch, result.batch_id)
    assert batch is not None and batch.warnings == result.warnings
    answer = as_actor(OPERATOR).get(f"/api/v1/batches/{result.batch_id}").json()
    assert [w["field"] for w in answer["warnings"]] == [w["field"] for w in result.warnings]


def test_the_departments_setting_makes_it_a_rejection(seeded: Session) -> None:
    reviewer = Actor(role=Role.DEPT_REVIEWER, id="user:rev", department_code="SCJGJ")
    with pytest.raises(Forbidden):
        set_legal_representative_rule(seeded, OPERATOR, "SCJGJ", True)
    with pytest.raises(Forbidden):
        set_legal_representative_rule(
            seeded, Actor(role=Role.DEPT_REVIEWER, id="x", department_code="SWJ"), "SCJGJ", True
        )
    set_legal_representative_rule(seeded, reviewer, "SCJGJ", True)
    assert get_department(seeded, "SCJGJ").require_legal_representative
    events = seeded.execute(select(AuditEvent).where(AuditEvent.action == "departments:rule:legal_representative"))
    assert [e.subject_id for e in events.scalars()] == ["SCJGJ"]
    result = ingestion.ingest_file(
        seeded, OPERATOR, gb18030_csv([row(72)]), "处罚.csv", department="SCJGJ", kind="penalty"
    )
    assert (result.created, result.rejected) == (0, 1)
    assert {e["field"] for e in result.errors} == {"CF_FRDB", "CF_FR_ZJHM"}
    assert all("本部门要求" in e["reason"] for e in result.errors)
    # the same row with its representative goes through, with no warning
    headers = [*_chinese_headers(), "法定代表人", "法定代表人证件类型", "法定代表人证件号码"]
    complete = gb18030_csv([[*row(72), "王五", "身份证", PERSON_ID]], headers)
    result = ingestion.ingest_file(seeded, OPERATOR, complete, "处罚.csv", department="SCJGJ", kind="penalty")
    assert (result.created, result.rejected, result.warnings) == (1, 0, [])


def _chinese_headers() -> list[str]:
    from tests.support.ingestion_files import CHINESE

    return list(CHINESE)


def test_console_batch_page_shows_the_warnings(db: Session) -> None:
    from tests.api.test_console_uploads import batch_id_of, upload
    from tests.support.console_helpers import HTML, console_client, make_user, sign_in

    clock.freeze(NOW)
    client = console_client(db)
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    csrf = sign_in(client, "zhangmin")
    answer = upload(client, csrf, gb18030_csv([row(73)]))
    page = client.get(f"/console/batches/{batch_id_of(answer.headers['location'])}", headers=HTML).text
    assert 'id="row-warnings"' in page and "已接收但需补充的行" in page
    warnings = page.split('id="row-warnings"')[1].split("</table>")[0]
    assert "<td>法定代表人</td>" in warnings and "CF_FRDB" not in warnings  # the catalogue's name, not the code
    assert "相对人为法人及非法人组织时应填写，已接收" in warnings


def test_the_office_sets_the_rule_in_the_console(db: Session) -> None:
    from tests.support.console_helpers import HTML, console_client, make_user, sign_in

    client = console_client(db)
    make_user(db, "office1", Role.CREDIT_OFFICE)
    csrf = sign_in(client, "office1")
    listing = client.get("/console/departments", headers=HTML)
    assert listing.status_code == 200 and 'id="rule-SCJGJ"' in listing.text and "提示并接收" in listing.text
    form = {"csrf_token": csrf, "require_representative": "1"}
    answer = client.post("/console/departments/SCJGJ/legal-representative-rule", data=form, headers=HTML)
    assert answer.status_code == 303 and answer.headers["location"] == "/console/departments?changed=SCJGJ"
    assert get_department(db, "SCJGJ").require_legal_representative
    shown = client.get(answer.headers["location"], headers=HTML).text
    assert "已更新市市场监管局的设置：缺少法定代表人时退回" in shown
    bad = client.post("/console/departments/NOPE/legal-representative-rule", data=form, headers=HTML)
    assert bad.status_code == 404
    hostile = {"csrf_token": csrf, "require_representative": "yes"}
    refused = client.post("/console/departments/SCJGJ/legal-representative-rule", data=hostile, headers=HTML)
    assert refused.status_code == 422
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    other = console_client(db)
    sign_in(other, "zhangmin")
    assert other.get("/console/departments", headers=HTML).status_code == 403
