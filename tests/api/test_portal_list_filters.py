"""The public lists' filters (keyword, department, category, date range, combined) and their CSV/XLSX/JSON twins
answer the same rows; keyset and from-the-end pages agree with plain page order; the pagination controls are
complete; hostile filter values are refused with 4xx."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.portal_seed import Seeded, seed_portal
from xinyong.core.actor import Actor
from xinyong.records import service
from xinyong.records.schemas import SubjectIn

Client = Callable[[Actor], TestClient]
EXTRA = 23  # penalties of one firm besides the seed's, spread over many days: several pages of 5


@pytest.fixture
def seeded(db: Session) -> Seeded:
    seeded = seed_portal(db)
    firm = builders.entity(db, name="共青城汇立服装有限公司")
    base = builders.recent_day()
    for n in range(EXTRA):
        record = builders.penalty(
            firm.uscc,
            doc_no=f"共汇罚〔2026〕{n + 1}号",
            subject=SubjectIn(type="entity", name=firm.name, uscc=firm.uscc),
            decision_date=base - dt.timedelta(days=n // 3),  # three decisions a day: ties broken by record id
            content={"WFXW": "未按规定公示", "CFLB": ["警告"] if n % 2 else ["罚款"]},
            source_department="SWJ" if n % 4 == 0 else "SCJGJ",
        )
        service.upsert_record(db, builders.SYSTEM, record)
    seeded.usccs.append(firm.uscc)
    return seeded


@pytest.fixture
def public(as_actor: Client) -> TestClient:
    return as_actor(Actor.public())


def _csv_ids(client: TestClient, path: str, params: dict[str, str]) -> list[int]:
    answer = client.get(f"{path}.csv", params=params)
    assert answer.status_code == 200, answer.text
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][0] in ("记录编号", "编号")
    return [int(row[0]) for row in rows[1:]]


def _xlsx_ids(client: TestClient, path: str, params: dict[str, str]) -> list[int]:
    answer = client.get(f"{path}.xlsx", params=params)
    assert answer.status_code == 200, answer.text
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(answer.content)).get_sheet_by_index(0).to_python()
    return [int(row[0]) for row in sheet[1:] if isinstance(row[0], int | float) and row[0] != ""]


def _json_ids(client: TestClient, path: str, params: dict[str, str]) -> list[int]:
    data = client.get(f"{path}.json", params=params | {"page_size": "100"}).json()
    assert data["total"] == len(data["items"])
    return [item["record_id"] for item in data["items"]]


FILTERS: list[tuple[str, dict[str, str]]] = [
    ("/publicity/penalties", {"q": "汇立"}),
    ("/publicity/penalties", {"q": "共汇罚〔2026〕1"}),  # a document number's beginning: 1, 10–19
    ("/publicity/penalties", {"department": "SWJ"}),
    ("/publicity/penalties", {"category": "警告"}),
    ("/publicity/penalties", {"q": "汇立 服装", "category": "罚款", "department": "SCJGJ"}),
    ("/publicity/licenses", {"q": "瑞雪", "category": "普通"}),
    ("/lists", {"q": "恒泰"}),
]


@pytest.mark.parametrize(("path", "params"), FILTERS)
def test_each_filter_and_its_twins_agree_on_the_same_rows(
    public: TestClient, seeded: Seeded, path: str, params: dict[str, str]
) -> None:
    ids = _json_ids(public, path, params)
    assert ids, "the filter should match something"
    assert _csv_ids(public, path, params) == ids
    assert _xlsx_ids(public, path, params) == ids
    html = public.get(path, params=params, headers={"accept": "text/html"}).text
    assert f"共 <strong>{len(ids)}</strong> 条" in html


def test_keyword_matches_name_code_and_document_number(public: TestClient, seeded: Seeded) -> None:
    path = "/publicity/penalties.json"
    by_name = public.get(path, params={"q": "汇立", "page_size": "100"}).json()
    assert by_name["total"] == EXTRA
    uscc = by_name["items"][0]["uscc"]
    assert public.get(path, params={"q": uscc.lower()}).json()["total"] == EXTRA
    one = public.get(path, params={"q": "共汇罚〔2026〕7号"}).json()
    assert [i["doc_no"] for i in one["items"]] == ["共汇罚〔2026〕7号"]
    assert public.get(path, params={"q": "汇立 不存在的词"}).json()["total"] == 0  # every word must match
    assert public.get(path, params={"q": "%"}).json()["total"] == 0  # a LIKE wildcard matches itself only
    assert public.get(path, params={"q": "_"}).json()["total"] == 0


def test_a_person_is_not_found_by_full_name_by_the_public(as_actor: Client, seeded: Seeded) -> None:
    path = "/publicity/penalties.json"
    assert as_actor(Actor.public()).get(path, params={"q": "李小梅"}).json()["total"] == 0
    staff = as_actor(builders.operator("SCJGJ"))
    assert staff.get(path, params={"q": "李小梅"}).json()["total"] >= 1


def test_combined_filters_narrow_each_other(public: TestClient, seeded: Seeded) -> None:
    path = "/publicity/penalties.json"
    every = public.get(path, params={"q": "汇立", "page_size": "100"}).json()["items"]
    day = every[5]["decision_date"]
    params = {"q": "汇立", "department": "SCJGJ", "category": "警告", "date_from": day, "date_to": day}
    found = public.get(path, params=params | {"page_size": "100"}).json()["items"]
    expected = [
        i for i in every if i["department"] == "市市场监管局" and "警告" in i["category"] and i["decision_date"] == day
    ]
    assert found and [i["record_id"] for i in found] == [i["record_id"] for i in expected]


def test_keyset_and_from_the_end_pages_agree_with_page_order(public: TestClient, seeded: Seeded) -> None:
    path = "/publicity/penalties"
    params = {"q": "汇立", "page_size": "5"}
    every = _json_ids(public, path, {"q": "汇立"})
    pages = -(-len(every) // 5)
    by_number = [
        [i["record_id"] for i in public.get(f"{path}.json", params=params | {"page": str(n)}).json()["items"]]
        for n in range(1, pages + 1)
    ]
    assert [i for page in by_number for i in page] == every  # from-the-end pages join up with the front ones
    # walk forward and back through the 下一页 / 上一页 links of the HTML pages (keyset positions)
    html = public.get(path, params=params, headers={"accept": "text/html"}).text
    seen = [by_number[0]]
    for _ in range(pages - 1):
        link = re.search(r'<a href="([^"]+)" rel="next"', html)
        assert link is not None and "after=" in link.group(1)
        url = link.group(1).replace("&amp;", "&")
        html = public.get(url, headers={"accept": "text/html"}).text
        data = public.get(url.replace(path, path + ".json", 1)).json()
        seen.append([i["record_id"] for i in data["items"]])
    assert seen == by_number
    assert 'rel="next"' not in html and "尾页" not in html and "首页" in html
    back = re.search(r'<a href="([^"]+)" rel="prev"', html)
    assert back is not None and "before=" in back.group(1)
    data = public.get(back.group(1).replace("&amp;", "&").replace(path, path + ".json", 1)).json()
    assert [i["record_id"] for i in data["items"]] == by_number[-2]


def test_the_pagination_offers_first_last_and_a_page_jump(public: TestClient, seeded: Seeded) -> None:
    params = {"q": "汇立", "page_size": "5", "page": "2"}
    html = public.get("/publicity/penalties", params=params, headers={"accept": "text/html"}).text
    assert ">首页</a>" in html and ">尾页</a>" in html
    assert 'class="page-jump"' in html and 'name="page"' in html
    assert '<input type="hidden" name="q" value="汇立">' in html
    assert 'type="hidden" name="page"' not in html
    last = public.get("/publicity/penalties.json", params=params | {"page": "5"}).json()
    assert len(last["items"]) == EXTRA - 20
    beyond = public.get("/publicity/penalties.json", params=params | {"page": "9"}).json()
    assert beyond["items"] == [] and beyond["total"] == EXTRA


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x" * 101},
        {"q": "a\x00b"},
        {"after": "not-a-position"},
        {"after": "2026-13-01.5"},
        {"before": "2026-01-01.0"},
        {"after": "2026-01-01.5", "before": "2026-01-01.6"},
        {"after": "9" * 41},
    ],
)
def test_hostile_filter_values_are_refused(public: TestClient, seeded: Seeded, params: dict[str, str]) -> None:
    for suffix in ("", ".json", ".csv"):
        answer = public.get(f"/publicity/penalties{suffix}", params=params)
        assert 400 <= answer.status_code < 500, (suffix, params, answer.status_code)
