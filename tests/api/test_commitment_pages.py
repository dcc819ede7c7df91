"""Portal and console pages of commitments and self-reports render for their readers, and their forms work."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.commitment_builders import entity_actor, item, sign
from tests.support.console_helpers import HTML
from xinyong.commitments import associations, service
from xinyong.core.actor import Actor, Role
from xinyong.core.config import get_settings
from xinyong.records import service as records

PDF = b"%PDF-1.7\n%%EOF\n"


@pytest.fixture(autouse=True)
def uploads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(get_settings(), "upload_dir", tmp_path / "uploads")
    return tmp_path / "uploads"


def test_public_pages(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    made = builders.entity(db, name="共青城甘露食品商行有限公司")
    catalogue = item(db, commitment_type="主动承诺", name="守法诚信经营承诺")
    letter = sign(db, entity_actor(made.uscc), catalogue.id)
    client = as_actor(Actor.public())
    assert "守法诚信经营承诺" in client.get("/commitments").text
    page = client.get(f"/commitments/items/{catalogue.id}")
    assert page.status_code == 200 and "标准信用承诺书" in page.text
    assert f"/login?next=/commitments/items/{catalogue.id}/sign" in page.text, "enterprises sign in at the portal"
    assert "打印 / 另存为 PDF" in client.get(f"/commitments/items/{catalogue.id}/templates/1").text
    assert letter.number in client.get("/commitments/public").text
    listed = client.get("/commitments/public.json").json()
    assert listed["total"] == 1 and listed["items"][0]["number"] == letter.number
    assert client.get("/commitments/public.csv").status_code == 200
    shown = client.get(f"/commitments/letters/{letter.id}")
    assert letter.letter_sm3 in shown.text and "全文与签署时一致" in shown.text
    assert letter.number in client.get(f"/entity/{made.uscc}/commitments").text
    assert 'hx-get="/entity/' in client.get(f"/entity/{made.uscc}").text
    template_pdf = client.get(f"/commitments/items/{catalogue.id}/templates/1.pdf")
    assert template_pdf.status_code == 200 and template_pdf.headers["content-type"] == "application/pdf"
    assert template_pdf.content.startswith(b"%PDF-") and b"/FontFile" in template_pdf.content  # font embedded
    letter_pdf = client.get(f"/commitments/letters/{letter.id}.pdf")
    assert letter_pdf.status_code == 200 and letter_pdf.content.startswith(b"%PDF-")
    assert client.get("/commitments/items/99999").status_code == 404
    anonymous = client.get(f"/commitments/items/{catalogue.id}/sign", headers=HTML, follow_redirects=False)
    assert anonymous.status_code == 303, "a browser is sent to the portal's sign-in page"
    assert anonymous.headers["location"] == f"/login?next=%2Fcommitments%2Fitems%2F{catalogue.id}%2Fsign"
    assert client.get(f"/commitments/items/{catalogue.id}/sign").status_code == 401


def test_an_entity_signs_on_the_portal_and_an_ineligible_one_is_told_why(
    as_actor: Callable[[Actor], TestClient], db: Session
) -> None:
    made, barred = builders.entity(db), builders.entity(db)
    records.upsert_record(db, builders.SYSTEM, builders.penalty(barred.uscc, severity="严重"))
    catalogue = item(db, tolerance_days=5)
    client = as_actor(entity_actor(made.uscc))
    form = client.get(f"/commitments/items/{catalogue.id}/sign")
    assert form.status_code == 200 and made.name in form.text and "sign-form" in form.text
    data = {"csrf_token": "x", "signer": "王建国", "accept": "on", "missing_materials": "冷藏设施检测报告\n健康证明"}
    done = client.post(f"/commitments/items/{catalogue.id}/sign", data=data, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/commitments/letters/")
    assert "承诺书已签署并存证" in client.get(done.headers["location"]).text
    assert "健康证明" in client.get("/my/commitments").text
    refused = as_actor(entity_actor(barred.uscc)).post(f"/commitments/items/{catalogue.id}/sign", data=data)
    assert refused.status_code == 409 and "严重失信记录" in refused.text


def test_an_entity_reports_information_on_the_portal(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    made = builders.entity(db)
    client = as_actor(entity_actor(made.uscc))
    assert "自主填报" in client.get("/my/self-reports").text
    data = {
        "csrf_token": "x",
        "category": "证照资质",
        "title": "高新技术企业证书",
        "content": "编号 GR2024",
        "department": "KJJ",
    }
    data["truthfulness"] = "on"
    done = client.post("/my/self-reports", data=data, files=[("file", ("证书.pdf", PDF, "application/pdf"))])
    assert done.status_code == 200 and "高新技术企业证书" in done.text and "自主填报·待核验" in done.text
    forged = client.post("/my/self-reports", data=data, files=[("file", ("x.pdf", b"GIF89a", "application/pdf"))])
    assert forged.status_code == 422 and "文件内容与类型不符" in forged.text


def test_console_pages(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    made = builders.entity(db)
    catalogue = item(db, tolerance_days=2)
    operator = as_actor(builders.operator("SCJGJ"))
    for path in ("/console/commitments", "/console/commitments/window", "/console/self-reports"):
        assert operator.get(path, headers=HTML).status_code == 200, path
    for path in ("/console/education", "/console/associations"):
        assert operator.get(path, headers=HTML).status_code == 200, path
    signed = operator.post(
        "/console/commitments/window",
        data={"csrf_token": "x", "item_id": str(catalogue.id), "uscc": made.uscc, "signer": "王建国"}
        | {"missing_materials": "消防验收意见书", "accept": "on"},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    detail = operator.get(signed.headers["location"], headers=HTML)
    assert "消防验收意见书" in detail.text and "窗口签署" in detail.text
    assert "消防验收意见书" in operator.get("/console/commitments", headers=HTML).text  # due soon (2 working days)
    recorded = operator.post(
        "/console/education",
        data={"csrf_token": "x", "window": "政务服务中心市场监管窗口", "topic": "食品安全与诚信经营"}
        | {"delivered_by": "李老师", "reached": made.uscc},
        follow_redirects=False,
    )
    assert recorded.status_code == 303
    assert "食品安全与诚信经营" in operator.get("/console/education", headers=HTML).text
    auditor = as_actor(Actor(role=Role.AUDITOR, id="auditor"))
    assert auditor.get("/console/commitments", headers=HTML).status_code == 200
    entity = as_actor(entity_actor(made.uscc))
    assert entity.get("/console/commitments", headers=HTML).status_code == 403


def test_console_stops_an_item_and_ends_a_membership(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    # as_actor sets who the one application sees: each call below acts as the actor it names
    catalogue = item(db, commitment_type="主动承诺")
    toggle = f"/console/commitments/items/{catalogue.id}/active"
    assert as_actor(builders.operator("SWJ")).post(toggle, data={"csrf_token": "x", "active": "1"}).status_code == 403
    operator = as_actor(builders.operator("SCJGJ"))
    stopped = operator.post(toggle, data={"csrf_token": "x", "active": "0"})
    assert stopped.status_code == 200 and f"事项“{catalogue.name}”已停用" in stopped.text
    assert not service.get_item(db, catalogue.id).active
    assert operator.post(toggle, data={"csrf_token": "x", "active": "x"}).status_code == 422
    crafted = operator.get("/console/commitments?done=请立即转账到以下账户", headers=HTML)
    assert crafted.status_code == 200 and "请立即转账" not in crafted.text

    association = builders.entity(db, name="共青城市羽绒服装行业协会", uscc=builders.new_uscc("51"))
    member = builders.entity(db, name="共青城市鹏程羽绒厂")
    office = as_actor(Actor(role=Role.CREDIT_OFFICE, id="office"))
    form = {"csrf_token": "x", "uscc": association.uscc, "supervising_department": "MZJ"}
    assert office.post("/console/associations", data=form).status_code == 200
    members = f"/console/associations/{association.uscc}/members"
    joined = office.post(members, data={"csrf_token": "x", "member_uscc": member.uscc})
    assert joined.status_code == 200 and "已加入本会" in joined.text, re.findall(r"form-error[^<]*<", joined.text)
    assert "共青城市鹏程羽绒厂" in joined.text
    bad = office.post(f"{members}/{member.uscc}/end", data={"csrf_token": "x", "left_on": "2026-02-30"})
    assert bad.status_code == 200 and "退会日期格式" in bad.text
    ended = office.post(f"{members}/{member.uscc}/end", data={"csrf_token": "x", "left_on": ""})
    assert ended.status_code == 200 and "已于" in ended.text
    assert associations.member_names(db, association.uscc) == []
