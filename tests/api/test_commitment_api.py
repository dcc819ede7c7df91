"""The commitments and self-report API: every route of these areas answers every role as its rule says (walked
through the effective route table, so lazily included routers are covered too), an entity cannot act for another,
refusals are answered with their reasons and kept, hostile attachments are refused cleanly."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.commitment_builders import entity_actor, item
from tests.support.routes_of import effective_routes
from xinyong.app import create_app
from xinyong.commitments.models import CommitmentRefusal
from xinyong.core.actor import Actor, Role
from xinyong.core.auth.access import rule_of
from xinyong.core.config import get_settings
from xinyong.records import service as records
from xinyong.selfreport import rules

PREFIXES = ("/api/v1/commitment", "/api/v1/tolerance", "/api/v1/education", "/api/v1/associations")
PREFIXES += ("/api/v1/self-reports", "/commitments", "/my/", "/console/commitments", "/console/self-reports")
PREFIXES += ("/console/education", "/console/associations", "/entity/{uscc}/commitments")
PDF = b"%PDF-1.7\n%%EOF\n"


@pytest.fixture(autouse=True)
def uploads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(get_settings(), "upload_dir", tmp_path / "uploads")
    return tmp_path / "uploads"


def _actor(role: Role, uscc: str) -> Actor:
    return Actor(
        role=role,
        id=f"test:{role}",
        department_code="SCJGJ" if role in (Role.DEPT_OPERATOR, Role.DEPT_REVIEWER) else None,
        entity_uscc=uscc if role == Role.ENTITY else None,
    )


@pytest.mark.parametrize("role", [r for r in Role if r != Role.SYSTEM])
def test_route_matrix_of_commitments(as_actor: Callable[[Actor], TestClient], db: Session, role: Role) -> None:
    made = builders.entity(db)
    values = {"uscc": made.uscc, "item_id": "1", "version": "1", "commitment_id": "1", "report_id": "1"}
    values |= {"attachment_id": "1", "application_id": "1", "member_uscc": made.uscc}
    client = as_actor(_actor(role, made.uscc))
    checked = 0
    for route in effective_routes(create_app()):
        if not route.path.startswith(PREFIXES):
            continue
        rules_found = rule_of(route.dependant)
        assert len(rules_found) == 1, f"{route.path} declares {len(rules_found)} access rules"
        path = re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "1"), route.path)  # other ids: a number
        for method in route.methods:
            checked += 1
            answer = client.request(method, path, headers={"Accept": "application/json"})
            where = f"{method} {route.path} as {role}"
            if rules_found[0].allows(role):
                assert answer.status_code not in (401, 403), f"{where} refused: {answer.text}"
                assert answer.status_code < 500, f"{where}: {answer.text}"
            else:
                assert answer.status_code == (401 if role == Role.PUBLIC else 403), f"{where}: {answer.status_code}"
    assert checked >= 30


def test_an_entity_signs_through_the_api_and_cannot_sign_for_another(
    as_actor: Callable[[Actor], TestClient], db: Session
) -> None:
    mine, other = builders.entity(db), builders.entity(db, name="共青城别家公司")
    catalogue = item(db, commitment_type="主动承诺")
    client = as_actor(entity_actor(mine.uscc))
    body = {"item_id": catalogue.id, "signer": "王建国", "accept": True}
    answer = client.post("/api/v1/commitments", json=body)
    assert answer.status_code == 201, answer.text
    letter = answer.json()
    assert letter["hash_ok"] is True and len(letter["letter_sm3"]) == 64 and letter["uscc"] == mine.uscc
    assert client.post("/api/v1/commitments", json=body | {"uscc": other.uscc}).status_code == 403
    public = as_actor(Actor.public()).get(f"/api/v1/commitments/{letter['id']}")
    assert public.status_code == 200 and public.json()["letter_text"] == letter["letter_text"]


def test_an_ineligible_entity_gets_the_reasons_and_the_refusal_is_kept(
    as_actor: Callable[[Actor], TestClient], db: Session
) -> None:
    made = builders.entity(db)
    records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc, severity="严重"))
    catalogue = item(db, commitment_type="主动承诺")
    client = as_actor(entity_actor(made.uscc))
    assert client.get(f"/api/v1/commitment-items/{catalogue.id}/eligibility").json()["eligible"] is False
    answer = client.post("/api/v1/commitments", json={"item_id": catalogue.id, "signer": "王", "accept": True})
    assert answer.status_code == 409 and answer.json()["error"] == "ineligible"
    assert "严重失信记录" in answer.json()["details"]["reasons"][0]
    assert db.execute(select(CommitmentRefusal).where(CommitmentRefusal.uscc == made.uscc)).scalar_one()


def test_an_item_is_stopped_and_restarted_and_a_membership_ended_through_the_api(
    as_actor: Callable[[Actor], TestClient], db: Session
) -> None:
    # as_actor sets who the one application sees: each call below acts as the actor it names
    mine = builders.entity(db)
    catalogue = item(db, commitment_type="主动承诺")
    office = Actor(role=Role.CREDIT_OFFICE, id="office")
    stop, start = (
        f"/api/v1/commitment-items/{catalogue.id}/deactivate",
        f"/api/v1/commitment-items/{catalogue.id}/activate",
    )
    assert as_actor(builders.operator("SWJ")).post(stop).status_code == 403  # another department's item
    stopped = as_actor(builders.operator("SCJGJ")).post(stop)
    assert stopped.status_code == 200 and stopped.json()["active"] is False, stopped.text
    signing = as_actor(entity_actor(mine.uscc)).post(
        "/api/v1/commitments", json={"item_id": catalogue.id, "signer": "王建国", "accept": True}
    )
    assert signing.status_code in (404, 409), signing.text  # a stopped item takes no new commitment
    assert as_actor(builders.operator("SCJGJ")).post(start).json()["active"] is True
    assert as_actor(office).post("/api/v1/commitment-items/999999999/activate").status_code == 404

    association = builders.entity(db, name="共青城市羽绒服装行业协会", uscc=builders.new_uscc("51"))
    client = as_actor(office)
    registered = client.post("/api/v1/associations", json={"uscc": association.uscc, "supervising_department": "MZJ"})
    assert registered.status_code == 201, registered.text
    joined = client.post(f"/api/v1/associations/{association.uscc}/members", json={"member_uscc": mine.uscc})
    assert joined.status_code == 201, joined.text
    end = f"/api/v1/associations/{association.uscc}/members/{mine.uscc}/end"
    for hostile in ({"left_on": "2999-01-01"}, {"left_on": "not a date"}, {"left_on": 3}, {"other": 1}):
        assert client.post(end, json=hostile).status_code == 422, hostile
    assert client.post(end, json={"left_on": "1990-01-01"}).status_code == 422  # before it began
    assert as_actor(builders.operator("SWJ")).post(end, json={}).status_code == 403
    client = as_actor(office)
    ended = client.post(end, json={})
    assert ended.status_code == 200 and ended.json()["left_on"] is not None
    assert client.post(end, json={}).status_code == 404  # no longer a member
    assert client.get(f"/api/v1/associations/{association.uscc}/members").json() == []


def _form(**changes: str) -> dict[str, str]:
    return {
        "category": "公益慈善",
        "title": "向共青城市慈善会捐赠防汛物资",
        "content": "2024年7月捐赠价值5万元的防汛物资。",
        "department": "MZJ",
        "truthfulness": "true",
    } | changes


def test_self_reports_through_the_api(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    mine, other = builders.entity(db), builders.entity(db)
    entity = as_actor(entity_actor(mine.uscc))
    made = entity.post("/api/v1/self-reports", data=_form(), files=[("file", ("收据.pdf", PDF, "application/pdf"))])
    assert made.status_code == 201, made.text
    report = made.json()
    assert report["status"] == "待核验" and report["label"] == "自主填报·待核验"
    attachment = report["attachments"][0]
    url = f"/api/v1/self-reports/{report['id']}/attachments/{attachment['id']}"
    got = entity.get(url)
    assert got.status_code == 200 and got.content == PDF and got.headers["x-content-type-options"] == "nosniff"
    assert as_actor(entity_actor(other.uscc)).get(url).status_code == 404
    assert as_actor(builders.operator("SCJGJ")).get(url).status_code == 404  # not the competent department
    assert as_actor(builders.operator("MZJ")).get(url).status_code == 200
    assert as_actor(Actor.public()).get(f"/api/v1/self-reports/{report['id']}").status_code == 404  # unverified
    decided = as_actor(builders.operator("MZJ")).post(
        f"/api/v1/self-reports/{report['id']}/decision", json={"verified": True}
    )
    assert decided.status_code == 200 and decided.json()["status"] == "已核验"
    public = as_actor(Actor.public()).get(f"/api/v1/self-reports/{report['id']}").json()
    assert public["label"] == "自主填报·已核验" and public["attachments"] == []
    again = as_actor(entity_actor(mine.uscc))  # the override is per app: the last client set wins
    assert again.post("/api/v1/self-reports", data=_form(uscc=other.uscc)).status_code == 403


@pytest.mark.parametrize(
    ("name", "data", "status", "field"),
    [
        ("big.pdf", b"%PDF-" + b"0" * rules.MAX_ATTACHMENT_BYTES, 413, "file"),
        ("forged.pdf", b"MZ\x90\x00\x03 an executable", 422, "file"),
        ("../../etc/passwd", PDF, 422, "filename"),
    ],
)
def test_hostile_attachments_are_refused_cleanly(
    as_actor: Callable[[Actor], TestClient], db: Session, uploads: Path, name: str, data: bytes, status: int, field: str
) -> None:
    made = builders.entity(db)
    answer = as_actor(entity_actor(made.uscc)).post(
        "/api/v1/self-reports", data=_form(), files=[("file", (name, data, "application/pdf"))]
    )
    assert answer.status_code == status, answer.text
    assert answer.json()["field"] == field
    assert not (uploads / "selfreport").exists() or not any((uploads / "selfreport").iterdir())
    assert not Path("/etc/passwd.pdf").exists()
