"""The portal's site furniture: the footer's identifiers from settings (omitted while unset), the related sites, the
site map (every link answers), the 适老化 toggle's static script, and the portal's own Chinese 404 and 500 pages
(API clients, the API and the console keep their own answers)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient
from pydantic import ValidationError

from xinyong.app import create_app
from xinyong.core.actor import Actor
from xinyong.core.auth.access import PUBLIC, require
from xinyong.core.config import Settings, get_settings

Client = Callable[[Actor], TestClient]
PAGE = {"accept": "text/html,application/xhtml+xml"}  # what a browser sends
SITE = {
    "XINYONG_SITE_CODE": "3604830001",
    "XINYONG_SITE_ICP": "赣ICP备12345678号-1",
    "XINYONG_SITE_POLICE_RECORD": "赣公网安备 36048302000123号",
    "XINYONG_SITE_CONAC_URL": "https://bszs.conac.cn/sitename?method=show&id=0A1B2C",
}


@pytest.fixture
def public(as_actor: Client) -> TestClient:
    return as_actor(Actor.public())


@pytest.fixture
def site_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in SITE.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def _footer(page: str) -> str:
    return page[page.index('<footer class="site-footer">') :]


def test_the_footer_omits_the_identifiers_while_unset(public: TestClient) -> None:
    footer = _footer(public.get("/sitemap").text)
    for absent in ("网站标识码", "ICP", "公网安备", "beian", "conac", "党政机关"):
        assert absent not in footer, f"{absent} shown without a setting"
    for href, name in (
        ("https://www.creditchina.gov.cn", "信用中国"),
        ("https://credit.jiangxi.gov.cn", "信用江西"),
        ("https://credit.jiujiang.gov.cn", "信用九江"),
        ("/sitemap", "网站地图"),
    ):
        assert re.search(rf'<a href="{re.escape(href)}"[^>]*>{name}</a>', footer), name


@pytest.mark.usefixtures("site_settings")
def test_the_footer_shows_the_identifiers_when_set(public: TestClient) -> None:
    for path in ("/", "/sitemap", "/policies"):
        footer = _footer(public.get(path).text)
        assert "网站标识码：" in footer and "3604830001" in footer
        assert 'href="https://beian.miit.gov.cn/"' in footer and "赣ICP备12345678号-1" in footer
        assert "赣公网安备 36048302000123号" in footer
        assert 'href="https://beian.mps.gov.cn/#/query/webSearch?code=36048302000123"' in footer
        conac = 'href="https://bszs.conac.cn/sitename?method=show&amp;id=0A1B2C"'
        assert re.search(rf'<a class="conac-mark" {re.escape(conac)}[^>]*>党政机关</a>', footer)


@pytest.mark.parametrize("value", ["javascript:alert(1)", "//evil.example/x", "data:text/html,x"])
def test_the_conac_address_must_be_http(value: str) -> None:
    with pytest.raises(ValidationError, match="XINYONG_SITE_CONAC_URL"):
        Settings(site_conac_url=value)


def test_every_link_of_the_site_map_answers(public: TestClient) -> None:
    page = public.get("/sitemap", headers=PAGE)
    assert page.status_code == 200 and '<h1 class="page-title">网站地图</h1>' in page.text
    main = page.text[page.text.index('<main id="main"') : page.text.index("</main>")]
    links = re.findall(r'<a href="(/[^"]*)">', main)
    assert len(links) >= 15 and "/publicity/penalties" in links and "/policies" in links
    for link in links:
        answer = public.get(link, headers=PAGE, follow_redirects=False)
        assert answer.status_code == 200, f"{link} answers {answer.status_code}"
    assert re.findall(r'href="(https://[^"]+)"', main) == [
        "https://www.creditchina.gov.cn",
        "https://credit.jiangxi.gov.cn",
        "https://credit.jiujiang.gov.cn",
    ]


def test_the_header_has_the_access_toggle_and_skip_link_without_inline_script(public: TestClient) -> None:
    answer = public.get("/", headers=PAGE)
    page = answer.text
    assert '<a class="skip-link" href="#main">跳到主要内容</a>' in page and '<main id="main"' in page
    assert re.search(r'<button type="button"[^>]*data-access-toggle[^>]*aria-pressed="false"[^>]*>适老化模式', page)
    assert '<script src="/static/js/access.js"></script>' in page
    assert all(tag.startswith("<script src=") for tag in re.findall(r"<script[^>]*>", page)), "no inline script"
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    script = public.get("/static/js/access.js")
    assert script.status_code == 200 and "localStorage" in script.text
    assert public.get("/static/css/access.css").status_code == 200


@pytest.mark.parametrize("path", ["/no-such-page", "/publicity/nothing-here", "/sitemap/deeper"])
def test_a_missing_portal_page_is_the_portals_chinese_404(public: TestClient, path: str) -> None:
    answer = public.get(path, headers=PAGE)
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
    page = answer.text
    assert '<html lang="zh-CN">' in page and '<footer class="site-footer">' in page
    assert "页面未找到" in page and "您访问的页面不存在或已被移除" in page and 'href="/sitemap"' in page
    assert "Not Found" not in page and "not_found" not in page
    assert "script-src 'self'" in answer.headers["content-security-policy"]


def test_api_clients_the_api_and_the_console_keep_their_own_404(public: TestClient) -> None:
    api_client = public.get("/no-such-page")  # no text/html in Accept: an API client
    assert api_client.status_code == 404 and api_client.json()["error"] == "not_found"
    for path in ("/api/v1/no-such-thing", "/no-such-page.json"):
        answer = public.get(path, headers=PAGE)
        assert answer.status_code == 404 and answer.json()["error"] == "not_found", path
    console = public.get("/console/no-such-page", headers=PAGE)
    assert console.status_code == 404 and "页面未找到" not in console.text


def _boom() -> None:
    raise RuntimeError("a bug the visitor must not see")


def test_a_bug_on_a_portal_page_is_the_portals_chinese_500() -> None:
    app = create_app()
    app.add_api_route("/furniture-test-boom", _boom, dependencies=[Depends(require(PUBLIC))])
    app.add_api_route("/api/v1/furniture-test-boom", _boom, dependencies=[Depends(require(PUBLIC))])
    client = TestClient(app, raise_server_exceptions=False)
    answer = client.get("/furniture-test-boom", headers=PAGE)
    assert answer.status_code == 500 and answer.headers["content-type"].startswith("text/html")
    page = answer.text
    assert '<html lang="zh-CN">' in page and "系统繁忙" in page and "错误已记录" in page
    assert "RuntimeError" not in page and "a bug the visitor" not in page and "Traceback" not in page
    api = client.get("/api/v1/furniture-test-boom", headers=PAGE)
    assert api.status_code == 500 and api.json()["error"] == "internal"
    api_client = client.get("/furniture-test-boom")
    assert api_client.status_code == 500 and api_client.json()["error"] == "internal"
