"""POST /api/v1/batches and friends: a department system sends rows or a file and learns exactly what was wrong."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support.ingestion_files import HEADERS, gb18030_csv, person_row, row
from xinyong.core.actor import Actor, Role
from xinyong.core.ids import make_resident_id

SCJG = Actor(role=Role.DEPT_OPERATOR, id="api:1", department_code="SCJGJ")
SWJ = Actor(role=Role.DEPT_OPERATOR, id="api:2", department_code="SWJ")


def rows(*numbers: int, **changes: str) -> list[dict[str, str]]:
    return [dict(zip(HEADERS, row(n, **changes), strict=True)) for n in numbers]


def test_json_batch_accepts_and_rejects_rows(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    client = as_actor(SCJG)
    body = {"kind": "penalty", "rows": rows(1, 2) + rows(3, CF_JDRQ="2099-01-01")}
    answer = client.post("/api/v1/batches", json=body)
    assert answer.status_code == 201, answer.text
    result = answer.json()
    assert (result["accepted"], result["rejected"], result["unchanged"], result["layout"]) == (2, 1, 0, "national-2.0")
    assert {(e["row"], e["field"]) for e in result["errors"]} == {(3, "CF_JDRQ")}
    again = client.post("/api/v1/batches", json=body).json()
    assert (again["accepted"], again["unchanged"]) == (0, 2)
    batch = client.get(f"/api/v1/batches/{result['batch_id']}").json()
    assert batch["rejected"] == 1 and batch["errors"][0]["field"] == "CF_JDRQ"
    rejected = client.get(f"/api/v1/batches/{result['batch_id']}/rejections").json()
    assert rejected[0]["row"] == 3 and rejected[0]["status"] == "待更正"


def test_file_upload_and_masked_rejections(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    client = as_actor(SCJG)
    number = make_resident_id("360482", dt.date(1990, 1, 1), 5)
    bad = person_row(1, number[:-1] + ("0" if number[-1] != "0" else "1"))
    answer = client.post("/api/v1/batches/file", files={"file": ("处罚.csv", gb18030_csv([row(2), bad]), "text/csv")})
    assert answer.status_code == 201, answer.text
    assert (answer.json()["accepted"], answer.json()["rejected"]) == (1, 1)
    rejected = client.get(f"/api/v1/batches/{answer.json()['batch_id']}/rejections").json()
    assert number[6:14] not in str(rejected), "ID numbers stay masked in answers"


def test_other_departments_cannot_read_a_batch(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    batch_id = as_actor(SCJG).post("/api/v1/batches", json={"kind": "penalty", "rows": rows(1)}).json()["batch_id"]
    assert as_actor(SWJ).get(f"/api/v1/batches/{batch_id}").status_code == 404
    office = as_actor(Actor(role=Role.CREDIT_OFFICE, id="o"))
    assert office.get(f"/api/v1/batches/{batch_id}").status_code == 200
    assert office.post("/api/v1/batches", json={"kind": "penalty", "rows": rows(2)}).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "penalty", "rows": []}, "rows"),
        ({"kind": "penalty"}, "rows"),
        ({"kind": "honour", "rows": [{"CF_WSH": "1"}]}, "kind"),
        ({"kind": "penalty", "rows": [{"CF_WSH": "1"}], "extra": 1}, "extra"),
        ({"kind": "penalty", "rows": "not a list"}, "rows"),
        ({"kind": "penalty", "rows": [{"no": "such"}]}, "file"),
    ],
)
def test_bad_batches_name_the_field(
    as_actor: Callable[[Actor], TestClient], db: Session, body: object, field: str
) -> None:
    answer = as_actor(SCJG).post("/api/v1/batches", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field


def test_oversized_batch_is_refused(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    answer = as_actor(SCJG).post("/api/v1/batches", json={"kind": "penalty", "rows": [{"CF_WSH": "x"}] * 10_001})
    assert answer.status_code == 422 and answer.json()["field"] == "rows"


def test_binary_and_empty_files_are_clear_errors(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    client = as_actor(SCJG)
    binary = client.post("/api/v1/batches/file", files={"file": ("a.csv", b"\x00\x01\x02PK\x03\x04" * 100, "text/csv")})
    assert binary.status_code == 422 and binary.json()["field"] == "file"
    assert client.post("/api/v1/batches/file", files={"file": ("a.csv", b"", "text/csv")}).status_code == 422
