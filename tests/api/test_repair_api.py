"""Credit repair over HTTP: eligibility, a multipart application with materials, the department's steps with the
two-person rule (403), hostile input (413/422/403/409), and what a repair changes for the portal and the check API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders, commitment_builders
from tests.support.lists import OPERATOR, REVIEWER, at, listed, party
from xinyong.core.actor import Actor, Role
from xinyong.core.config import get_settings
from xinyong.records import service as records
from xinyong.repair.rules import MAX_MATERIAL_BYTES

Client = Callable[[Actor], TestClient]
PDF = b"%PDF-1.4\n% receipt\n"
GP = Actor(role=Role.BUSINESS_SYSTEM, id="client-gp", name="政府采购系统")
SECOND = Actor(role=Role.DEPT_REVIEWER, id="rev2-scjgj", department_code="SCJGJ")


@pytest.fixture(autouse=True)
def _uploads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "upload_dir", tmp_path / "uploads")


def _commit(db: Session, uscc: str) -> None:
    item = commitment_builders.item(db, department="FGW", commitment_type="信用修复", tolerance_days=None)
    commitment_builders.sign(db, party(uscc), item.id)


def _form(kind: str, target: int) -> dict[str, object]:
    return {
        "target_kind": kind,
        "target_id": str(target),
        "methods": ["信用承诺", "信用整改"],
        "statement": "已全额缴纳罚款并完成整改，承诺今后依法经营。",
    }


def test_repair_of_a_penalty_over_http(as_actor: Client, db: Session) -> None:
    made = builders.entity(db)
    at(dt.date(2025, 3, 31))
    version, _ = records.upsert_record(
        db, builders.SYSTEM, builders.penalty(made.uscc, decision_date=dt.date(2025, 3, 31))
    )
    record_id = version.record_id
    other = builders.entity(db, name="共青城另一家有限公司")
    other_version, _ = records.upsert_record(
        db, builders.SYSTEM, builders.penalty(other.uscc, decision_date=dt.date(2025, 3, 31))
    )
    at(dt.date(2025, 7, 1))
    _commit(db, made.uscc)
    entity = as_actor(party(made.uscc))
    got = entity.get("/api/v1/repair/eligibility").json()
    assert got[0]["target_id"] == record_id and got[0]["can_apply"] and got[0]["available_from"] == "2025-07-01"
    assert entity.get("/api/v1/repair/eligibility", params={"uscc": other.uscc}).status_code == 403
    url = "/api/v1/repair/applications"
    big = entity.post(
        url, data=_form("record", record_id), files={"file": ("big.pdf", b"%PDF-" + b"0" * MAX_MATERIAL_BYTES)}
    )
    assert big.status_code == 413
    fake = entity.post(url, data=_form("record", record_id), files={"file": ("x.pdf", b"<script>alert(1)</script>")})
    assert fake.status_code == 422 and fake.json()["field"] == "file"
    bad_method = {**_form("record", record_id), "methods": ["交钱修复"]}
    assert entity.post(url, data=bad_method, files={"file": ("r.pdf", PDF)}).status_code == 422
    theirs = entity.post(url, data=_form("record", other_version.record_id), files={"file": ("r.pdf", PDF)})
    assert theirs.status_code == 403
    assert as_actor(OPERATOR).post(url, data=_form("record", record_id)).status_code == 403
    entity = as_actor(party(made.uscc))  # one actor at a time: the client follows the latest as_actor
    made_app = entity.post(url, data=_form("record", record_id), files={"file": ("缴款凭证.pdf", PDF)})
    assert made_app.status_code == 201, made_app.text
    app = made_app.json()
    assert app["status"] == "待受理" and app["department"] == "SCJGJ" and app["fee"] == 0
    assert entity.post(url, data=_form("record", record_id), files={"file": ("r.pdf", PDF)}).status_code == 409
    material = entity.get(f"{url}/{app['id']}/materials/{app['materials'][0]['id']}")
    assert material.status_code == 200 and material.content == PDF
    assert as_actor(party(other.uscc)).get(f"{url}/{app['id']}").status_code == 404
    base = f"{url}/{app['id']}"
    assert as_actor(OPERATOR).post(f"{base}/accept", json={"accept": True}).status_code == 200
    proposal = {"proposal": "修复", "opinion": "材料齐全，同意修复"}
    assert as_actor(OPERATOR).post(f"{base}/propose", json=proposal).status_code == 200
    assert as_actor(OPERATOR).post(f"{base}/review", json={"approve": True, "opinion": "同意"}).status_code == 403
    assert as_actor(REVIEWER).post(f"{base}/review", json={"approve": True, "opinion": "同意"}).status_code == 200
    assert as_actor(REVIEWER).post(f"{base}/review", json={"approve": True, "opinion": "再次"}).status_code == 409
    done = as_actor(party(made.uscc)).get(base).json()
    assert done["status"] == "已修复" and [s["step"] for s in done["steps"]][-1] == "approve"
    public = as_actor(Actor.public()).get(f"/api/v1/entities/{made.uscc}/records").json()
    items = public["items"] if isinstance(public, dict) else public
    assert record_id not in [r["id"] for r in items], "the repaired record vanished from the public API"
    doc_no = records.get_record(db, REVIEWER, record_id).doc_no
    page = as_actor(Actor.public()).get(f"/entity/{made.uscc}")
    assert page.status_code == 200 and made.name in page.text and doc_no not in page.text, "gone from the portal"
    assert as_actor(Actor.public()).get(f"/record/{record_id}").status_code == 404


def test_a_repaired_listing_leaves_the_check_api(as_actor: Client, db: Session) -> None:
    entry = listed(db)
    assert entry.subject_uscc is not None and entry.earliest_exit_on is not None
    uscc = entry.subject_uscc
    _commit(db, uscc)
    at(entry.earliest_exit_on)
    check = {"subject": {"uscc": uscc}, "scenario": "government_procurement", "purpose": "采购项目资格审查"}
    before = as_actor(GP).post("/api/v1/checks", json=check).json()
    assert before["outcome"] == "restricted" and before["measures"]
    made = as_actor(party(uscc)).post("/api/v1/repair/applications", data=_form("list_entry", entry.id))
    assert made.status_code == 201, made.text
    base = f"/api/v1/repair/applications/{made.json()['id']}"
    assert as_actor(OPERATOR).post(f"{base}/accept", json={"accept": True}).status_code == 200
    assert as_actor(REVIEWER).post(f"{base}/propose", json={"proposal": "修复", "opinion": "同意"}).status_code == 200
    assert as_actor(REVIEWER).post(f"{base}/review", json={"approve": True, "opinion": "同意"}).status_code == 403
    assert as_actor(SECOND).post(f"{base}/review", json={"approve": True, "opinion": "同意"}).status_code == 200
    after = as_actor(GP).post("/api/v1/checks", json=check).json()
    assert after["entries"] == [] and after["measures"] == [], after


def test_repair_pages_portal_and_console(as_actor: Client, db: Session) -> None:
    made = builders.entity(db, name="共青城修复页面测试有限公司")
    at(dt.date(2025, 3, 31))
    version, _ = records.upsert_record(
        db, builders.SYSTEM, builders.penalty(made.uscc, decision_date=dt.date(2025, 3, 31), content={"WFXW": "x"})
    )
    at(dt.date(2025, 7, 1))
    own = as_actor(party(made.uscc))
    page = own.get("/my/repair")
    assert page.status_code == 200 and "信用修复不收取任何费用" in page.text and "信用修复承诺" in page.text
    assert 'id="repair-form"' not in page.text, "no commitment yet: nothing to apply for"
    _commit(db, made.uscc)
    own = as_actor(party(made.uscc))
    assert 'id="repair-form"' in own.get("/my/repair").text
    short = own.post(
        "/my/repair",
        data={"csrf_token": "t", "target": f"record:{version.record_id}", "methods": ["信用承诺"], "statement": "短"},
    )
    assert short.status_code == 422
    form = {"csrf_token": "t", "target": f"record:{version.record_id}", "methods": ["信用承诺", "公益慈善"],
            "statement": "已纠正失信行为，承诺依法诚信经营。"}  # fmt: skip
    fake = own.post("/my/repair", data=form, files={"file": ("a.png", b"not a png")})
    assert fake.status_code == 422 and "PNG" in fake.text
    applied = own.post("/my/repair", data=form, follow_redirects=False)
    assert applied.status_code == 303, applied.text
    follow = own.get(applied.headers["location"])
    assert follow.status_code == 200 and "待受理" in follow.text and "提交申请" in follow.text
    assert as_actor(Actor.public()).get("/my/repair").status_code in (401, 303)
    [app] = as_actor(party(made.uscc)).get("/api/v1/repair/applications").json()
    desk = as_actor(OPERATOR)
    assert app["number"] in desk.get("/console/repair").text
    base = f"/console/repair/{app['id']}"
    assert desk.post(f"{base}/accept", data={"csrf_token": "t", "decision": "accept"}).status_code == 200
    propose = {"csrf_token": "t", "proposal": "修复", "opinion": "同意修复"}
    assert desk.post(f"{base}/propose", data=propose, follow_redirects=False).status_code == 303
    review = {"csrf_token": "t", "decision": "approve", "opinion": "同意"}
    refused = as_actor(REVIEWER).post(f"{base}/review", data={**review}, follow_redirects=False)
    assert refused.status_code == 303
    assert "已修复" in as_actor(party(made.uscc)).get(f"/my/repair/{app['id']}").text
