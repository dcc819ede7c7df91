"""The public lists other than 双公示 — 信用承诺公示, 典型案例, 专项治理 and the 重点关注 / 市场禁入 tabs of /lists —
filter by keyword, department, category and dates with the same rows in their CSV, XLSX and JSON twins, page by
keyset (上一页/下一页 links) and from the end through the one mechanism, offer 首页/尾页/page jump, and refuse
hostile filter values with 4xx."""

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

from tests.support import builders, commitment_builders
from tests.support.lists import at, listed
from xinyong.campaigns import service as campaigns
from xinyong.campaigns.schemas import CampaignIn
from xinyong.core.actor import Actor
from xinyong.inspections import service as inspections
from xinyong.inspections.schemas import CaseIn

Client = Callable[[Actor], TestClient]
HTML = {"accept": "text/html"}
OFFICE = Actor.system("office")
COUNT = 7  # rows of each list: two pages of 5 and a short one


@pytest.fixture
def seeded(db: Session) -> None:
    builders.departments(db)
    for n in range(COUNT):
        at(dt.date(2025, 3, 3) + dt.timedelta(days=7 * n))
        firm = builders.entity(db, name=f"共青城列表{n}号商贸有限公司")
        watched = builders.entity(db, name=f"共青城关注{n}号养老服务有限公司")
        department = "SCJGJ" if n % 2 else "SWJ"
        item = commitment_builders.item(db, department=department, commitment_type="审批替代" if n % 3 else "容缺受理")
        commitment_builders.sign(db, commitment_builders.entity_actor(firm.uscc), item.id, firm.uscc)
        case = CaseIn(
            department=department,
            title=f"{'A类企业无事不扰' if n % 2 else '重点监管'}典型案例{n}",
            summary="分级分类监管的做法与成效。",
            body="某企业信用良好，全年未被抽查，经营秩序良好。",
            stratum="A" if n % 2 else "D",
        )
        inspections.create_case(db, OFFICE, case)
        start = dt.date(2025, 3, 3) + dt.timedelta(days=7 * n)
        campaign = CampaignIn(
            name=f"{'建筑' if n % 2 else '养老'}领域失信问题专项治理{n}",
            legal_basis="《社会信用体系建设规划纲要》",
            lead_department=department,
            start_date=start,
            end_date=start + dt.timedelta(days=30 if n < COUNT - 1 else 365),
            description="集中治理。",
        )
        campaigns.create_campaign(db, OFFICE, campaign)
        listed(db, watched.uscc, list_type="watch", key_field="养老", notice_on=start, facts="养老机构虚假宣传")
    at(dt.date(2025, 3, 3) + dt.timedelta(days=7 * COUNT))


@pytest.fixture
def public(as_actor: Client) -> TestClient:
    return as_actor(Actor.public())


def _csv_keys(client: TestClient, path: str, params: dict[str, str]) -> list[str]:
    answer = client.get(f"{path}.csv", params=params)
    assert answer.status_code == 200, answer.text
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    return [row[0] for row in rows[1:]]


def _xlsx_keys(client: TestClient, path: str, params: dict[str, str]) -> list[str]:
    answer = client.get(f"{path}.xlsx", params=params)
    assert answer.status_code == 200, answer.text
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(answer.content)).get_sheet_by_index(0).to_python()
    keys = [row[0] for row in sheet[1:] if row[0] != "" and not str(row[0]).startswith("导出自")]
    return [str(int(key)) if isinstance(key, float) else str(key) for key in keys]


def _json_keys(client: TestClient, path: str, params: dict[str, str], **extra: str) -> list[str]:
    data = client.get(f"{path}.json", params=params | {"page_size": "100"} | extra).json()
    assert data["total"] == len(data["items"]), data
    first = next(iter(data["columns"]))
    return [str(item[first]) for item in data["items"]]


FILTERS: list[tuple[str, dict[str, str]]] = [
    ("/commitments/public", {}),
    ("/commitments/public", {"q": "列表3号"}),
    ("/commitments/public", {"q": "商贸 列表"}),
    ("/commitments/public", {"department": "SWJ"}),
    ("/commitments/public", {"commitment_type": "容缺受理"}),
    ("/commitments/public", {"date_from": "2025-03-10", "date_to": "2025-03-31", "department": "SCJGJ"}),
    ("/inspections/cases", {}),
    ("/inspections/cases", {"q": "无事不扰"}),
    ("/inspections/cases", {"category": "D", "department": "SWJ"}),
    ("/inspections/cases", {"date_from": "2025-03-17"}),
    ("/campaigns", {}),
    ("/campaigns", {"q": "建筑 治理"}),
    ("/campaigns", {"department": "SWJ", "date_to": "2025-03-31"}),
    ("/campaigns", {"category": "已结束"}),
    ("/campaigns", {"category": "进行中"}),
    ("/lists", {"kind": "watch"}),
    ("/lists", {"kind": "watch", "q": "关注2号"}),
    ("/lists", {"kind": "watch", "department": "SCJGJ", "date_from": "2025-03-01"}),
]


@pytest.mark.parametrize(("path", "params"), FILTERS)
def test_each_filter_and_its_twins_agree_on_the_same_rows(
    public: TestClient, seeded: None, path: str, params: dict[str, str]
) -> None:
    keys = _json_keys(public, path, params)
    assert keys, "the filter should match something"
    assert _csv_keys(public, path, params) == keys
    assert _xlsx_keys(public, path, params) == keys
    html = public.get(path, params=params, headers=HTML)
    assert html.status_code == 200 and f"共 <strong>{len(keys)}</strong> 条" in html.text


def test_filters_narrow_to_what_they_name(public: TestClient, seeded: None) -> None:
    everything = public.get("/commitments/public.json", params={"page_size": "100"}).json()
    assert everything["total"] == COUNT
    one = public.get("/commitments/public.json", params={"q": "列表3号"}).json()["items"]
    assert [i["entity_name"] for i in one] == ["共青城列表3号商贸有限公司"]
    tolerance = public.get("/commitments/public.json", params={"commitment_type": "容缺受理"}).json()["items"]
    assert tolerance and {i["commitment_type"] for i in tolerance} == {"容缺受理"}
    cases = public.get("/inspections/cases.json", params={"category": "D"}).json()["items"]
    assert cases and all(c["stratum"].startswith("D") for c in cases)
    building = public.get("/campaigns.json", params={"q": "建筑"}).json()["items"]
    assert building and all("建筑" in c["name"] for c in building)
    running = public.get("/campaigns.json", params={"category": "进行中"}).json()["items"]
    assert [c["status"] for c in running] == ["进行中"] * 4  # started 3, 4, 5 and 6 weeks in, 30 days or longer
    watch = public.get("/lists.json", params={"kind": "watch", "q": "关注2号"}).json()["items"]
    assert [w["subject_name"] for w in watch] == ["共青城关注2号养老服务有限公司"]


PAGED = [
    ("/commitments/public", {}),
    ("/inspections/cases", {}),
    ("/campaigns", {}),
    ("/lists", {"kind": "watch"}),
    ("/lists", {"kind": "watch", "q": "养老"}),
]


@pytest.mark.parametrize(("path", "params"), PAGED)
def test_keyset_links_and_numbered_pages_agree(
    public: TestClient, seeded: None, path: str, params: dict[str, str]
) -> None:
    every = _json_keys(public, path, params)
    sized = params | {"page_size": "2"}
    pages = -(-len(every) // 2)
    assert pages >= 3  # so the last page's 上一页 is a keyset link (page 2's goes to page 1 by number)
    by_number = [_page(public, path, sized, n) for n in range(1, pages + 1)]
    assert [k for page in by_number for k in page] == every  # from-the-end pages join the front ones
    html = public.get(path, params=sized, headers=HTML).text
    assert ">尾页</a>" in html and 'class="page-jump"' in html
    seen = [by_number[0]]
    for _ in range(pages - 1):
        link = re.search(r'<a href="([^"]+)" rel="next"', html)
        assert link is not None and "after=" in link.group(1)
        url = link.group(1).replace("&amp;", "&")
        html = public.get(url, headers=HTML).text
        seen.append(_keys_of(public.get(url.replace(path, path + ".json", 1)).json()))
    assert seen == by_number
    assert ">首页</a>" in html and 'rel="next"' not in html
    back = re.search(r'<a href="([^"]+)" rel="prev"', html)
    assert back is not None and "before=" in back.group(1)
    previous = public.get(back.group(1).replace("&amp;", "&").replace(path, path + ".json", 1)).json()
    assert _keys_of(previous) == by_number[-2]


def _keys_of(data: dict[str, object]) -> list[str]:
    columns = data["columns"]
    items = data["items"]
    assert isinstance(columns, dict) and isinstance(items, list)
    first = next(iter(columns))
    return [str(item[first]) for item in items]


def _page(client: TestClient, path: str, params: dict[str, str], number: int) -> list[str]:
    return _keys_of(client.get(f"{path}.json", params=params | {"page": str(number)}).json())


@pytest.mark.parametrize("path", ["/commitments/public", "/inspections/cases", "/campaigns", "/lists"])
@pytest.mark.parametrize(
    "params",
    [
        {"q": "x" * 101},
        {"q": "a\x00b"},
        {"department": "NOPE"},
        {"date_from": "2025-13-01"},
        {"date_from": "2025-04-01", "date_to": "2025-03-01"},
        {"after": "not-a-position"},
        {"before": "2025-01-01T00:00:00.0"},
        {"after": "2025-01-01.5", "before": "2025-01-01.6"},
        {"after": "9" * 65},
        {"page": "0"},
    ],
)
def test_hostile_filter_values_are_refused(public: TestClient, seeded: None, path: str, params: dict[str, str]) -> None:
    for suffix in ("", ".json", ".csv"):
        answer = public.get(f"{path}{suffix}", params=params)
        assert 400 <= answer.status_code < 500, (path, suffix, params, answer.status_code)


@pytest.mark.parametrize(("path", "field"), [("/inspections/cases", "category"), ("/campaigns", "category")])
def test_an_unknown_category_is_refused(public: TestClient, seeded: None, path: str, field: str) -> None:
    assert public.get(f"{path}.json", params={field: "不存在"}).status_code == 422
    assert public.get("/commitments/public.json", params={"commitment_type": "不存在"}).status_code == 422
