"""双随机、一公开 over HTTP: a department sets its mapping, items and inspectors, freezes a pool, draws with a public
value; the public reads the draw and downloads the bundle, which ``xinyong inspections verify`` re-runs."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.support import builders
from xinyong.cli import app
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.inspections import rules

OP = builders.operator("SCJGJ")
AUDITOR = Actor(role=Role.AUDITOR, id="auditor-1")


def _prepared(as_actor: Callable[[Actor], TestClient], db: Session) -> tuple[TestClient, int]:
    for i in range(12):
        builders.entity(db, name=f"共青城接口测试企业{i}号有限公司")
    staff = as_actor(OP)
    answer = staff.post("/api/v1/inspections/mappings", json={"classes": rules.DEFAULT_CLASSES})
    assert answer.status_code == 201, answer.text
    item = staff.post(
        "/api/v1/inspections/items",
        json={
            "code": "SC-01",
            "name": "企业年度报告公示信息抽查",
            "basis": "《企业信息公示暂行条例》",
            "subject": "企业",
        },
    )
    assert item.status_code == 201, item.text
    for i in range(3):
        made = staff.post("/api/v1/inspections/inspectors", json={"name": f"检查员{i}", "badge_no": f"JX-{i:04d}"})
        assert made.status_code == 201, made.text
    task = staff.post(
        "/api/v1/inspections/tasks",
        json={
            "name": "年报抽查",
            "item_ids": [item.json()["id"]],
            "inspection_end": (clock.today() + dt.timedelta(days=30)).isoformat(),
        },
    )
    assert task.status_code == 201, task.text
    assert len(task.json()["pool_hash"]) == 64
    return staff, task.json()["id"]


def test_draw_publish_download_and_verify(
    as_actor: Callable[[Actor], TestClient], db: Session, client: TestClient, tmp_path: Path
) -> None:
    staff, task_id = _prepared(as_actor, db)
    # the pool hash is public from the freeze on, before anyone knows the public value
    frozen = client.get("/api/v1/public/inspections/tasks").json()
    task = staff.get(f"/api/v1/inspections/tasks/{task_id}").json()
    assert [(t["id"], t["pool_hash"], t["rounds"]) for t in frozen] == [(task_id, task["pool_hash"], 0)]
    assert task["pool_hash"] in client.get("/inspections").text
    drawn = staff.post(f"/api/v1/inspections/tasks/{task_id}/draws", json={"public_value": "福彩3D 2025150: 4 7 1"})
    assert drawn.status_code == 201, drawn.text
    draw_id = drawn.json()["id"]
    again = staff.post(f"/api/v1/inspections/tasks/{task_id}/draws", json={"public_value": "福彩3D 2025150: 4 7 1"})
    assert again.status_code == 409 and again.json()["field"] == "public_value"
    listed = client.get("/api/v1/public/inspections/draws").json()
    assert [d["id"] for d in listed] == [draw_id]
    public = client.get(f"/api/v1/public/inspections/draws/{draw_id}").json()
    assert public["selected"] and all(len(a["inspectors"]) == 2 for a in public["selected"])
    bundle = client.get(f"/api/v1/public/inspections/draws/{draw_id}/bundle")
    assert bundle.status_code == 200 and "attachment" in bundle.headers["content-disposition"]
    path = tmp_path / "bundle.json"
    path.write_bytes(bundle.content)
    runner = CliRunner()
    ok = runner.invoke(app, ["inspections", "verify", str(path)])
    assert ok.exit_code == 0, ok.output
    assert "match" in ok.output
    data = json.loads(bundle.content)
    data["result"]["selected"][0]["inspectors"].reverse()
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    bad = runner.invoke(app, ["inspections", "verify", str(path)])
    assert bad.exit_code == 1 and "result.selected[0].inspectors" in bad.output
    path.write_text("{not json", encoding="utf-8")
    assert runner.invoke(app, ["inspections", "verify", str(path)]).exit_code == 2


def test_bad_and_hostile_input_is_refused_clearly(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    staff, task_id = _prepared(as_actor, db)
    too_high = {**rules.DEFAULT_CLASSES, "D": {"ratio": "150", "frequency": 4}}
    answer = staff.post("/api/v1/inspections/mappings", json={"classes": too_high})
    assert answer.status_code == 422 and "0%" in answer.json()["message"]
    answer = staff.post(f"/api/v1/inspections/tasks/{task_id}/draws", json={"public_value": "9" * 201})
    assert answer.status_code == 422
    answer = staff.post(f"/api/v1/inspections/tasks/{task_id}/draws", json={"public_value": ""})
    assert answer.status_code == 422
    answer = staff.post(f"/api/v1/inspections/tasks/{task_id}/draws", json={"public_value": "1", "extra": 1})
    assert answer.status_code == 422
    answer = staff.post("/api/v1/inspections/inspectors", json={"name": "某人", "badge_no": "JX-9", "conflicts": ["X"]})
    assert answer.status_code == 422 and answer.json()["field"] == "conflicts"
    answer = staff.post("/api/v1/inspections/inspectors", json={"name": "某人", "badge_no": "JX-0000"})
    assert answer.status_code == 409
    assert staff.get("/api/v1/inspections/tasks?departmnet=SCJGJ").status_code == 422
    assert staff.get("/api/v1/inspections/tasks?department=SWJ").status_code == 403
    # an auditor reads but never writes
    auditor = as_actor(AUDITOR)
    assert auditor.get("/api/v1/inspections/tasks").status_code == 200
    assert auditor.post("/api/v1/inspections/items", json={}).status_code == 403
    # nothing was drawn by the refused calls
    assert as_actor(Actor.public()).get("/api/v1/public/inspections/draws").json() == []
