"""Cross-level exchange through the HTTP API: the office configures a source and uploads its file, the check API
answers with the upstream entry and where it came from, the city cannot exit or revoke it (403 with the reason),
other roles cannot configure sources, malformed bodies are 422, and the reconciliation report comes as JSON and
XLSX."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.exchange_support import item
from xinyong.core.actor import Actor, Role
from xinyong.core.config import get_settings
from xinyong.exchange import service

OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office")
SYSTEM_GP = Actor(role=Role.BUSINESS_SYSTEM, id="client-gp", name="政府采购系统")
COURT_REVIEWER = Actor(role=Role.DEPT_REVIEWER, id="rev-fy", department_code="FY")
SOURCE = {
    "code": "court-national",
    "name": "全国法院失信被执行人名单信息公布与查询平台",
    "level": "national",
    "issuing_body": "最高人民法院",
    "list_types": ["court_dishonest"],
    "transport": "upload",
    "department": "FY",
}


def test_an_upstream_entry_through_the_api(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    office = as_actor(OFFICE)
    created = office.post("/api/v1/exchange/sources", json=SOURCE)
    assert created.status_code == 201, created.text
    assert created.json()["level_label"] == "国家级"
    assert office.post("/api/v1/exchange/sources", json=SOURCE).status_code == 409
    uscc = builders.new_uscc()
    lines = json.dumps(item("N1", uscc, "九江恒通建材有限公司", YXQZI="长期"), ensure_ascii=False).encode()
    sent = office.post(
        "/api/v1/exchange/sources/court-national/files", files={"file": ("n.jsonl", lines, "application/x-ndjson")}
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["applied"] == 1

    check = as_actor(SYSTEM_GP).post(
        "/api/v1/checks",
        json={"subject": {"uscc": uscc}, "scenario": "government_procurement", "purpose": "资格审查"},
    )
    assert check.status_code == 200, check.text
    entry = check.json()["entries"][0]
    assert entry["source"] == "upstream" and entry["source_level"] == "national"
    assert entry["source_name"] == SOURCE["name"] and entry["upstream_id"] == "N1" and entry["permanent"] is True
    assert check.json()["outcome"] == "restricted"

    court = as_actor(COURT_REVIEWER)
    for path in ("exit", "revocation"):
        refused = court.post(f"/api/v1/list-entries/{entry['entry_id']}/{path}", json={"reason": "已履行"})
        assert refused.status_code == 403, refused.text
        assert "上级来源" in refused.text

    office = as_actor(OFFICE)  # one app: the last actor chosen acts
    items = office.get("/api/v1/exchange/sources/court-national/items")
    assert items.status_code == 200, items.text
    assert items.json()[0]["versions"][0]["state"] == "applied"
    report = office.get("/api/v1/exchange/reconciliation")
    assert report.status_code == 200 and report.json()["sources"][0]["entries_in_force"] == 1
    workbook = office.get("/api/v1/exchange/reconciliation", params={"format": "xlsx"})
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"


def test_only_the_office_configures_and_bodies_are_checked(
    as_actor: Callable[[Actor], TestClient], db: Session
) -> None:
    assert as_actor(COURT_REVIEWER).post("/api/v1/exchange/sources", json=SOURCE).status_code == 403
    assert as_actor(SYSTEM_GP).get("/api/v1/exchange/sources").status_code == 403
    office = as_actor(OFFICE)  # one app: the last actor chosen acts
    for bad in (
        SOURCE | {"code": "Bad Code"},
        SOURCE | {"level": "galactic"},
        SOURCE | {"feed_url": "file:///etc/passwd", "transport": "http"},
        SOURCE | {"credentials_ref": "token=abc"},
        SOURCE | {"list_types": ["x" * 40]},
        SOURCE | {"secret": "no extra fields"},
    ):
        assert office.post("/api/v1/exchange/sources", json=bad).status_code == 422, bad
    assert office.post("/api/v1/exchange/sources", json=SOURCE | {"list_types": ["nope"]}).status_code == 422
    assert office.get("/api/v1/exchange/sources/nope").status_code == 404
    assert office.post("/api/v1/exchange/sources/nope/pull").status_code == 404
    assert office.post("/api/v1/exchange/sources", json=SOURCE).status_code == 201
    not_http = office.post("/api/v1/exchange/sources/court-national/pull")
    assert not_http.status_code == 422 and "not an HTTP feed" in not_http.text
    unsupported = office.post(
        "/api/v1/exchange/sources/court-national/files", files={"file": ("x.exe", b"MZ", "application/octet-stream")}
    )
    assert unsupported.status_code == 422
    assert (
        office.post("/api/v1/exchange/conflicts/99/resolve", json={"resolution": "accepted", "note": "x"}).status_code
        == 404
    )
    assert office.post("/api/v1/exchange/pushes/99/retry").status_code == 404


def test_an_upstream_file_is_read_from_disk_and_bounded(
    as_actor: Callable[[Actor], TestClient], db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    office = as_actor(OFFICE)
    assert office.post("/api/v1/exchange/sources", json=SOURCE).status_code == 201
    given: list[object] = []
    real = service.ingest_file

    def spy(session: Session, actor: Actor, code: str, data: bytes | Path, filename: str) -> object:
        given.append(data)
        return real(session, actor, code, data, filename)

    monkeypatch.setattr(service, "ingest_file", spy)
    uscc = builders.new_uscc()
    good = json.dumps(item("N1", uscc, "九江恒通建材有限公司"), ensure_ascii=False).encode()
    long_line = b'{"a": "' + b"x" * (service.MAX_JSON_LINE + 10) + b'"}'
    deep = b"[" * 100_000 + b"]" * 100_000
    body = b"\xef\xbb\xbf" + good + b"\n" + long_line + b"\n" + deep + b"\n" + good.replace(b'"N1"', b'"N2"') + b"\n"
    sent = office.post("/api/v1/exchange/sources/court-national/files", files={"file": ("n.jsonl", body, "x/y")})
    assert sent.status_code == 200, sent.text
    assert isinstance(given[0], Path)  # spooled to disk, not held in memory
    answer = sent.json()
    assert answer["received"] == 4 and answer["applied"] == 2 and answer["rejected"] == 2
    reasons = {r["row"]: r["reason"] for r in answer["rejections"]}
    assert "行过长" in reasons[2] and ("嵌套过深" in reasons[3] or "JSON" in reasons[3])
    monkeypatch.setenv("XINYONG_EXCHANGE_MAX_FILE_BYTES", "2048")
    get_settings.cache_clear()
    try:
        big = office.post(
            "/api/v1/exchange/sources/court-national/files", files={"file": ("n.jsonl", good * 100, "x/y")}
        )
        assert big.status_code == 413 and big.json()["details"]["reason"] == "file_size"
        assert office.get("/healthz").status_code == 200
    finally:
        get_settings.cache_clear()
