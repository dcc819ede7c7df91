"""Portal pages over HTTP: search, the credit profile, records, 双公示 lists, lists, policies, verification, and
friendly Chinese error pages for bad input (never a 500)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.apps import app_for
from tests.support.portal_seed import LEGAL_REP_ID, MOBILE, PERSON_ID, Seeded, seed_portal
from xinyong.core.actor import Actor, Role
from xinyong.core.db import Database
from xinyong.entities import service as entities
from xinyong.entities.rules import AliasType

Client = Callable[[Actor], TestClient]
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office")


@pytest.fixture
def seeded(db: Session, as_actor: Client) -> Seeded:
    return seed_portal(db)


@pytest.fixture
def public(as_actor: Client) -> TestClient:
    return as_actor(Actor.public())


def test_home_has_the_search_box_counts_and_links(public: TestClient, seeded: Seeded) -> None:
    answer = public.get("/", follow_redirects=False)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    page = answer.text
    assert 'action="/search"' in page and 'name="q"' in page
    for link in ("/publicity/licenses", "/publicity/penalties", "/lists", "/policies", "/verify"):
        assert f'href="{link}"' in page
    assert "共青城瑞雪羽绒服饰有限公司" in page  # among the latest decisions
    assert "/static/vendor/htmx-2.0.11.min.js" in page and "cdn" not in page.lower()


@pytest.mark.parametrize("query", ["瑞雪羽绒", "ruixue", "gqcrx", "GQC", "瑞雪服装"])
def test_search_by_name_pinyin_initials_and_former_name(public: TestClient, seeded: Seeded, query: str) -> None:
    page = public.get("/search", params={"q": query}).text
    assert seeded.company in page and "共青城瑞雪羽绒服饰有限公司" in page


def test_a_search_past_the_cap_says_so_and_lists_the_capped_set(
    public: TestClient, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(entities, "SEARCH_COUNT_CAP", 2)
    page = public.get("/search", params={"q": "gqc"}).text
    assert "超过 <strong>2</strong> 个" in page and "缩小范围" in page
    listed = public.get("/search.json", params={"q": "gqc", "page_size": 1, "page": 3}).json()
    assert listed["total"] == 2 and listed["items"] == [], "only the capped set is paged"


def test_search_by_uscc_and_prefix_shows_type_and_status(public: TestClient, seeded: Seeded) -> None:
    for query in (seeded.shop, seeded.shop[:10], seeded.shop.lower()):
        page = public.get("/search", params={"q": query}).text
        assert "李记小吃店" in page and "个体工商户" in page and "存续" in page


def test_search_pages_and_htmx_fragment(public: TestClient, seeded: Seeded) -> None:
    first = public.get("/search.json", params={"q": "gqc", "page_size": 1}).json()
    second = public.get("/search.json", params={"q": "gqc", "page_size": 1, "page": 2}).json()
    assert first["total"] >= 3 and first["items"][0]["uscc"] != second["items"][0]["uscc"]
    fragment = public.get("/search", params={"q": "gqc"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and seeded.company in fragment.text
    assert fragment.headers["vary"] == "HX-Request"
    restore = public.get(
        "/search", params={"q": "gqc"}, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.text
    empty = public.get("/search").text
    assert "请输入检索词" in empty


def test_profile_shows_basic_info_and_published_records(public: TestClient, seeded: Seeded) -> None:
    page = public.get(f"/entity/{seeded.company}").text
    for text in (
        "共青城瑞雪羽绒服饰有限公司",
        "企业",
        "市场监管",
        "王建国",
        "机织服装制造",
        "2012-05-18",
        "共青城瑞雪服装有限公司",
    ):
        assert text in page, text
    assert "共市监罚" in page and "警告、罚款" in page and "共审批食许" in page
    assert "〔2021〕3号" not in page  # past its maximum publicity period
    assert "首违不罚" not in page and "19号" not in page  # 不公开
    assert f'hx-get="/entity/{seeded.company}/commitments"' in page and "暂无评价结果" in page
    assert LEGAL_REP_ID not in page and MOBILE not in page


def test_profile_of_a_shop_masks_the_keepers_address_for_the_public(as_actor: Client, seeded: Seeded) -> None:
    public = as_actor(Actor.public()).get(f"/entity/{seeded.shop}").text
    assert "富华大道" not in public and "共青城市茶山街道***" in public and "李小梅" in public
    own = as_actor(Actor(role=Role.ENTITY, id="shop", entity_uscc=seeded.shop)).get(f"/entity/{seeded.shop}").text
    assert "富华大道33号" in own and "360429********" in own and PERSON_ID not in own


def test_entity_sees_its_own_full_record(as_actor: Client, seeded: Seeded) -> None:
    own = as_actor(Actor(role=Role.ENTITY, id="co", entity_uscc=seeded.company)).get(f"/entity/{seeded.company}")
    assert "〔2021〕3号" in own.text and "首违不罚" in own.text and "不对外公示" in own.text
    other = as_actor(Actor(role=Role.ENTITY, id="shop", entity_uscc=seeded.shop)).get(f"/entity/{seeded.company}")
    assert "〔2021〕3号" not in other.text and "首违不罚" not in other.text


def test_profile_addresses_unknown_and_malformed_codes(public: TestClient, seeded: Seeded, db: Session) -> None:
    unknown = builders.new_uscc()
    missing = public.get(f"/entity/{unknown}")
    assert missing.status_code == 404 and "未找到" in missing.text and "<html" in missing.text
    wrong_check = unknown[:-1] + ("0" if unknown[-1] != "0" else "1")
    bad = public.get(f"/entity/{wrong_check}")
    assert bad.status_code == 422 and "第 18 位校验码不正确" in bad.text
    letters = public.get("/entity/91360482MA35IIIII1")
    assert letters.status_code == 422 and "I、O、S、V、Z" in letters.text
    assert public.get(f"/entity/{'9' * 70}").status_code == 422
    entities.add_alias(db, builders.SYSTEM, seeded.company, AliasType.REGISTRATION_NO, "360482000012345")
    for code in ("360482000012345", seeded.company.lower() + " "):
        moved = public.get(f"/entity/{code}", follow_redirects=False)
        assert moved.status_code == 302 and moved.headers["location"] == f"/entity/{seeded.company}"


def test_record_page_masks_for_the_public(public: TestClient, seeded: Seeded) -> None:
    page = public.get(f"/record/{seeded.records['penalty']}").text
    assert "虚假宣传" in page and "反不正当竞争法" in page and "公示截止日期" in page
    assert "360482********" in page and "139****2345" in page and "茶山街道***" in page
    assert LEGAL_REP_ID not in page and MOBILE not in page
    person = public.get(f"/record/{seeded.records['person']}").text
    assert "李**" in person and "李小梅" not in person and PERSON_ID not in person
    licence = public.get(f"/record/{seeded.records['licence']}").text
    assert "JY13604820012345" in licence and "ZDY_BEIZHU" not in licence


def test_expired_and_hidden_records_are_not_found_publicly(as_actor: Client, seeded: Seeded) -> None:
    public = as_actor(Actor.public())
    for key in ("expired", "secret"):
        answer = public.get(f"/record/{seeded.records[key]}")
        assert answer.status_code == 404 and "未找到" in answer.text
    office = as_actor(OFFICE).get(f"/record/{seeded.records['expired']}")
    assert office.status_code == 200 and "不对外公示" in office.text
    staff = as_actor(OFFICE).get(f"/record/{seeded.records['licence']}").text
    assert "ZDY_BEIZHU" in staff  # unlabelled fields only for those who see records in full


@pytest.mark.parametrize("record_id", ["0", "-1", "abc", "99999999999999999999999", "1.5"])
def test_bad_record_ids_are_422_pages(public: TestClient, record_id: str) -> None:
    answer = public.get(f"/record/{record_id}")
    assert answer.status_code == 422 and "record_id" in answer.text and "输入有误" in answer.text


def test_penalty_list_filters(public: TestClient, seeded: Seeded) -> None:
    def docs(**params: str) -> set[str]:
        items = public.get("/publicity/penalties.json", params={"page_size": "100", **params}).json()["items"]
        return {item["doc_no"] for item in items}

    everything = docs()
    assert any("〕18号" in d for d in everything) and any("77号" in d for d in everything)
    assert not any("〔2021〕3号" in d or "〕19号" in d for d in everything)
    assert all("共税" in d for d in docs(department="SWJ"))
    assert all("共税" in d for d in docs(department="swj"))
    fines = docs(category="罚款")
    assert any("〕18号" in d for d in fines) and not any("77号" in d for d in fines)
    today = dt.date.today()
    assert docs(date_from=(today + dt.timedelta(days=1)).isoformat()) == set()
    window = docs(date_from="", date_to="", department="", category="")
    assert window == everything
    page = public.get("/publicity/penalties", params={"department": "SWJ", "category": "警告"}).text
    assert 'value="SWJ" selected' in page and "<option selected>警告</option>" in page
    assert "/publicity/penalties.csv?department=SWJ&amp;category=" in page


def test_licence_list_and_lists_page(public: TestClient, seeded: Seeded) -> None:
    licences = public.get("/publicity/licenses", params={"category": "普通"}).text
    assert "共审批食许" in licences and "食品经营许可决定书" in licences
    lists = public.get("/lists").text
    assert "恒泰投资管理合伙企业" in lists and "严重失信主体名单" in lists and "列入事由" in lists
    assert "上线后" not in lists
    abnormal = public.get("/lists", params={"kind": "abnormal_operation"}).text
    assert "恒泰投资" not in abnormal and "暂无符合条件的记录" in abnormal


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/publicity/penalties", {"department": "NOPE"}, "department"),
        ("/publicity/penalties", {"category": "特许"}, "category"),
        ("/publicity/penalties", {"date_from": "2024-13-01"}, "date_from"),
        ("/publicity/penalties", {"date_from": "yesterday"}, "date_from"),
        ("/publicity/penalties", {"date_from": "2024-03-01", "date_to": "2024-01-01"}, "date_to"),
        ("/publicity/penalties", {"page": "0"}, "page"),
        ("/publicity/penalties", {"page_size": "100000"}, "page_size"),
        ("/publicity/penalties", {"sort": "name"}, "sort"),
        ("/publicity/licenses", {"department": "' OR 1=1 --"}, "department"),
        ("/lists", {"kind": "penalty"}, "kind"),
        ("/search", {"q": "x" * 101}, "q"),
        ("/search", {"q": "a\x00b"}, "q"),
        ("/search", {"page": "abc"}, "page"),
        ("/verify", {"report_no": "XY-2026-1"}, "code"),
    ],
)
def test_hostile_parameters_get_a_422_page_naming_the_field(
    public: TestClient, url: str, params: dict[str, str], field: str
) -> None:
    answer = public.get(url, params=params)
    assert answer.status_code == 422, answer.text
    assert "输入有误" in answer.text and field in answer.text
    as_json = public.get(f"{url}.json" if url != "/verify" else url, params=params)
    assert as_json.status_code == 422


@pytest.mark.parametrize(
    "params",
    [
        {"q": "%"},
        {"q": "_"},
        {"q": "' OR '1'='1"},
        {"q": "<script>alert(1)</script>"},
        {"q": "共青城%瑞雪"},
        {"q": "\\"},
        {"q": "😀"},
        {"q": "gqc", "page": "1000000"},
    ],
)
def test_odd_searches_are_handled_cleanly(public: TestClient, seeded: Seeded, params: dict[str, str]) -> None:
    answer = public.get("/search", params=params)
    assert answer.status_code == 200
    assert "<script>alert(1)</script>" not in answer.text


def test_htmx_error_fragment(public: TestClient) -> None:
    answer = public.get("/search", params={"q": "x" * 200}, headers={"HX-Request": "true"})
    assert answer.status_code == 422 and "<html" not in answer.text and "error-box" in answer.text


def test_policies_and_verification(public: TestClient) -> None:
    index = public.get("/policies").text
    assert "共社信办字〔2020〕7号" in index
    for slug in ("notice-2020-7", "framework", "double-publicity", "lists-and-punishment", "repair-and-objection"):
        page = public.get(f"/policies/{slug}")
        assert page.status_code == 200 and "lorem" not in page.text.lower()
    assert "7 个工作日" in public.get("/policies/double-publicity").text
    assert "国办发〔2019〕35号" in public.get("/policies/framework").text
    form = public.get("/verify").text
    assert 'name="report_no"' in form and "二维码" in form
    asked = public.get("/verify", params={"report_no": "<b>XY</b>", "code": "ABC"}).text
    assert "非真实报告" in asked and "<b>XY</b>" not in asked and "&lt;b&gt;XY&lt;/b&gt;" in asked


def test_a_bad_api_key_is_a_401_page(database: Database) -> None:
    client = TestClient(app_for(database), raise_server_exceptions=False)
    answer = client.get("/policies", headers={"Authorization": "Bearer xy_nope_nope"})
    assert answer.status_code == 401 and "请先登录" in answer.text
