"""The content's console pages and portal pages over HTTP: an editor writes and sends for review, cannot publish;
a reviewer publishes; the portal lists, searches, pages, feeds and serves the attachments (downloads counted);
hostile bodies, files and queries are refused or neutralised."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support.content import EDITOR, PDF, PNG, REVIEWER, news
from xinyong.content import service
from xinyong.core.actor import Actor
from xinyong.core.config import get_settings

HTML = {"Accept": "text/html"}


@pytest.fixture(autouse=True)
def _uploads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(get_settings(), "upload_dir", tmp_path / "uploads")


def _form(**values: str) -> dict[str, str]:
    return {"csrf_token": "x", **values}


def _create(editor: TestClient, **values: str) -> int:
    body = {"title": "信用修复“一网通办”上线", "category": "工作动态", "body": "<p>企业可在网上申请信用修复。</p>"}
    answer = editor.post("/console/content/new?kind=news", data=_form(**{**body, **values}), follow_redirects=False)
    assert answer.status_code == 303, answer.text
    found = re.search(r"/console/content/(\d+)", answer.headers["location"])
    assert found is not None, answer.headers["location"]
    return int(found.group(1))


def test_editor_writes_reviewer_publishes_portal_shows(as_actor: Callable[[Actor], TestClient]) -> None:
    # one application: the client made last decides who is acting, so each call names its actor
    def editor() -> TestClient:
        return as_actor(EDITOR)

    def reviewer() -> TestClient:
        return as_actor(REVIEWER)

    def public() -> TestClient:
        return as_actor(Actor.public())

    item_id = _create(editor(), body='<p>企业可在网上申请<b>信用修复</b>。</p><img src=x onerror="alert(1)">')
    page = editor().get(f"/console/content/{item_id}", headers=HTML)
    assert page.status_code == 200 and "<trix-editor" in page.text and "草稿" in page.text
    assert "onerror" not in page.text
    assert editor().post(f"/console/content/{item_id}/submit", data=_form(), follow_redirects=False).status_code == 303
    refused = editor().post(f"/console/content/{item_id}/publish", data=_form(), follow_redirects=False)
    assert refused.status_code == 403  # an editor cannot publish
    assert public().get(f"/news/{item_id}").status_code == 404
    answer = reviewer().post(f"/console/content/{item_id}/publish", data=_form(), follow_redirects=False)
    assert answer.status_code == 303
    assert "审核发布" in reviewer().get(f"/console/content/{item_id}", headers=HTML).text  # the history
    listing = public().get("/news")
    assert listing.status_code == 200 and f'href="/news/{item_id}"' in listing.text
    shown = public().get(f"/news/{item_id}")
    assert "<b>信用修复</b>" in shown.text and "onerror" not in shown.text and "打印本页" in shown.text
    assert public().get("/api/v1/content/news").json()["total"] == 1
    assert public().get("/console/content").status_code == 401


def test_files_through_the_console_and_downloads_on_the_portal(
    db: Session, as_actor: Callable[[Actor], TestClient]
) -> None:
    # one application: the client made last decides who is acting, so each call names its actor
    def editor() -> TestClient:
        return as_actor(EDITOR)

    def reviewer() -> TestClient:
        return as_actor(REVIEWER)

    def public() -> TestClient:
        return as_actor(Actor.public())

    item_id = _create(editor())
    upload = f"/console/content/{item_id}/files"
    sent = editor().post(
        upload, data=_form(), files={"file": ("通知.pdf", PDF, "application/pdf")}, follow_redirects=False
    )
    assert sent.status_code == 303 and "error=" not in sent.headers["location"]
    hostile = editor().post(
        upload, data=_form(), files={"file": ("通知.pdf", b"MZ\x90\x00evil", "application/pdf")}, follow_redirects=False
    )
    assert "error=" in hostile.headers["location"]
    image = editor().post(
        upload,
        data=_form(image="1"),
        files={"file": ("图.png", PNG, "image/png")},
        headers={"Accept": "application/json"},
    )
    assert image.status_code == 200 and image.json()["url"].startswith("/content/files/")
    not_image = editor().post(
        upload,
        data=_form(image="1"),
        files={"file": ("a.png", PDF, "image/png")},
        headers={"Accept": "application/json"},
    )
    assert not_image.status_code == 422 and "PNG" in not_image.json()["error"]
    files = service.files_of(db, EDITOR, item_id)
    attachment = next(f for f in files if not f.image)
    assert public().get(f"/content/files/{attachment.id}").status_code == 404  # not published yet
    assert editor().get(f"/content/files/{attachment.id}").content == PDF  # the editor's preview
    editor().post(f"/console/content/{item_id}/submit", data=_form())
    reviewer().post(f"/console/content/{item_id}/publish", data=_form())
    for _ in range(2):
        download = public().get(f"/content/files/{attachment.id}")
        assert download.status_code == 200 and download.content == PDF
        assert download.headers["content-type"] == "application/pdf"
        assert download.headers["content-disposition"].startswith("attachment;")
    assert "下载 2 次" in public().get(f"/news/{item_id}").text


def test_portal_search_filters_pages_and_feeds(db: Session, as_actor: Callable[[Actor], TestClient]) -> None:
    public = as_actor(Actor.public()).get
    for number in range(23):
        item = service.create_item(
            db, EDITOR, news(title=f"信用动态第{number + 1}期", body=f"<p>第{number}号：诚信建设</p>")
        )
        service.submit(db, EDITOR, item.id)
        service.publish(db, REVIEWER, item.id)
    special = service.create_item(
        db, EDITOR, news(title="部门动态", category="部门动态", body="<p>税务局开展纳税信用评价</p>")
    )
    service.submit(db, EDITOR, special.id)
    service.publish(db, REVIEWER, special.id)
    first = public("/news")
    assert first.text.count('href="/news/') >= 20 and "下一页" in first.text
    assert public("/news", params={"page": 2}).status_code == 200
    found = public("/news", params={"q": "纳税信用"})
    assert f'href="/news/{special.id}"' in found.text and "共找到 1 条" in found.text
    filtered = public("/news", params={"category": "部门动态"})
    assert filtered.text.count('<li>\n        <a href="/news/') == 1
    assert public("/news", params={"category": "<script>"}).status_code == 200  # an unknown category is ignored
    assert public("/news", params={"q": "x" * 101}).status_code == 422
    assert public("/news", params={"page": 0}).status_code == 422
    assert public("/news", params={"nonsense": 1}).status_code == 422
    feed = public("/news/feed.xml")
    assert feed.headers["content-type"].startswith("application/rss+xml")
    channel = ET.fromstring(feed.content).find("channel")
    assert channel is not None and len(channel.findall("item")) == 24
    only = ET.fromstring(public("/news/feed.xml", params={"category": "部门动态"}).content)
    assert [e.findtext("title") for e in only.iter("item")] == ["部门动态"]
    for path in ("/policies/feed.xml", "/cases/feed.xml", "/notices/feed.xml", "/guides/feed.xml"):
        assert ET.fromstring(public(path).content).tag == "rss"


def test_a_guide_takes_its_time_limits_from_the_settings(
    db: Session, as_actor: Callable[[Actor], TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = news(
        kind="guide",
        title="信用修复办事指南",
        category="信用修复",
        steps="在线申请\n受理\n决定",
        contact="0792-4360000",
    )
    item = service.create_item(db, EDITOR, data)
    service.submit(db, EDITOR, item.id)
    service.publish(db, REVIEWER, item.id)
    monkeypatch.setattr(get_settings(), "repair_accept_days", 5)
    page = as_actor(Actor.public()).get(f"/guides/{item.id}").text
    assert "决定是否受理：5 个工作日" in page and "受理后作出修复决定：10 个工作日" in page
    assert "0792-4360000" in page and "<li>受理</li>" in page


def test_the_policy_explainers_stay_beside_the_published_policies(as_actor: Callable[[Actor], TestClient]) -> None:
    public = as_actor(Actor.public()).get
    index = public("/policies").text
    assert "政策解读" in index and 'href="/policies/framework"' in index
    assert public("/policies/framework").status_code == 200
    assert public("/policies/999999").status_code == 404
