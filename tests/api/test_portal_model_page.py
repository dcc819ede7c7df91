"""The scoring model as a readable page: indicators with points, caps and periods, grade bands, the version and its
effective date; the JSON twin is the published definition (the API's document); the profile links to the page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core.actor import Actor
from xinyong.evaluation import service as evaluation
from xinyong.evaluation.rules import parse_model
from xinyong.records import service as records

Client = Callable[[Actor], TestClient]
HTML = {"accept": "text/html"}


def test_the_model_page_explains_every_indicator_and_grade(client: TestClient, db: Session) -> None:
    version, model = evaluation.current_model(db)
    page = client.get("/evaluation/model", headers=HTML)
    assert page.status_code == 200
    text = page.text
    assert f"第{version}版" in text and "（现行）" in text and "生效日期" in text
    assert f"{model.base} 分" in text
    for indicator in model.indicators:
        assert indicator.name in text
        assert f"{indicator.points:+d}" in text
    for grade, label in (("A", "优"), ("B", "良"), ("C", "中"), ("D", "差")):
        assert f"<strong>{grade}</strong></td><td>{label}</td>" in text
    a = model.thresholds[model.grade(10**6)]
    assert f"{a} 分及以上" in text
    assert "行政处罚" in text and "列入严重失信主体名单" in text
    assert f'<a href="/evaluation/model/{version}.json">' in text


def test_the_json_twin_is_the_published_definition(client: TestClient, db: Session) -> None:
    version, model = evaluation.current_model(db)
    twin = client.get("/evaluation/model.json").json()
    api = client.get(f"/api/v1/evaluation/models/{version}").json()
    assert twin == api
    assert parse_model(twin["definition"]).digest() == model.digest() == twin["digest"]
    assert client.get(f"/evaluation/model/{version}.json").json() == api


def test_the_profile_links_to_the_page(as_actor: Client, db: Session) -> None:
    made = builders.entity(db)
    records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc))
    evaluation.regrade_entity(db, builders.SYSTEM, made.uscc, "test")
    version, _ = evaluation.current_model(db)
    profile = as_actor(Actor.public()).get(f"/entity/{made.uscc}", headers=HTML).text
    assert "评价模型" in profile
    assert f'<a href="/evaluation/model/{version}">' in profile and "/api/v1/evaluation/models/" not in profile


@pytest.mark.parametrize(("path", "status"), [("/evaluation/model/999999", 404), ("/evaluation/model/0", 422)])
def test_unknown_or_malformed_versions_are_refused(client: TestClient, db: Session, path: str, status: int) -> None:
    assert client.get(path, headers=HTML).status_code == status
    assert client.get(path + ".json").status_code == status
    assert client.get("/evaluation/model/abc").status_code == 422
