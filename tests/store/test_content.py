"""The portal's content on both databases: the review procedure with its two roles, every version kept, scheduled
publication and withdrawal on the platform clock, search in Chinese, files refused by content and size and
downloads counted, the RSS feed, and a typical case's linked record shown desensitised."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.content import DOC, EDITOR, JPEG, OFFICE, PDF, PNG, REVIEWER, docx, news, policy
from xinyong.content import rules, service
from xinyong.content.models import ContentStep, ContentVersion
from xinyong.content.rules import Kind, Status
from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.core.audit import AuditEvent
from xinyong.core.config import get_settings
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound, TooLarge
from xinyong.records import service as records
from xinyong.records.rules import Status as RecordStatus

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 Beijing, a Monday
PUBLIC = Actor.public()


@pytest.fixture(autouse=True)
def _uploads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(get_settings(), "upload_dir", tmp_path / "uploads")


def _titles(db: Session, kind: Kind = Kind.NEWS, **query: str) -> list[str]:
    rows, total = service.list_public(db, kind, **query)  # type: ignore[arg-type]
    assert total == len(rows)
    return [r.title for r in rows]


def _published(db: Session, data: object = None) -> int:
    item = service.create_item(db, EDITOR, data or news())  # type: ignore[arg-type]
    service.submit(db, EDITOR, item.id)
    service.publish(db, REVIEWER, item.id)
    return item.id


def test_draft_review_publish_withdraw_with_two_roles(db: Session) -> None:
    clock.freeze(T0)
    item = service.create_item(db, EDITOR, news())
    assert item.status == Status.DRAFT and _titles(db) == []
    service.save_item(db, EDITOR, item.id, news(body="<p>第二稿：推进信用分级分类监管。</p>"))
    service.submit(db, EDITOR, item.id)
    assert item.status == Status.IN_REVIEW
    with pytest.raises(Conflict):  # under review: the editor waits for the reviewer
        service.save_item(db, EDITOR, item.id, news(body="<p>第三稿</p>"))
    service.return_item(db, REVIEWER, item.id, "请补充会议时间")
    assert item.status == Status.RETURNED and item.review_comment == "请补充会议时间"
    service.save_item(db, EDITOR, item.id, news(body="<p>3月2日，会议推进信用分级分类监管。</p>"))
    service.submit(db, EDITOR, item.id)
    service.publish(db, REVIEWER, item.id)
    assert item.status == Status.PUBLISHED and item.live_version == 3
    assert _titles(db) == ["我市召开社会信用体系建设推进会"]
    shown = service.public_item(db, Kind.NEWS, item.id)
    assert "3月2日" in shown.body and shown.published_on == dt.date(2026, 3, 2)

    service.withdraw(db, REVIEWER, item.id, reason="内容已过时")
    assert item.status == Status.WITHDRAWN and _titles(db) == []
    with pytest.raises(NotFound):
        service.public_item(db, Kind.NEWS, item.id)
    versions = db.scalars(select(ContentVersion.version).where(ContentVersion.item_id == item.id)).all()
    assert sorted(versions) == [1, 2, 3]  # every version kept
    steps = db.scalars(select(ContentStep.step).where(ContentStep.item_id == item.id).order_by(ContentStep.id)).all()
    assert steps == ["create", "submit", "return", "submit", "publish", "withdraw"]
    events = db.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == str(item.id))).all()
    assert "content:item:publish" in events and "content:item:withdraw" in events


def test_an_editor_cannot_publish_return_or_withdraw(db: Session) -> None:
    item = service.create_item(db, EDITOR, news())
    service.submit(db, EDITOR, item.id)
    with pytest.raises(Forbidden):
        service.publish(db, EDITOR, item.id)
    with pytest.raises(Forbidden):
        service.return_item(db, EDITOR, item.id, "自己退回")
    assert item.status == Status.IN_REVIEW and item.live_version is None
    service.publish(db, OFFICE, item.id)  # the credit office may do both
    with pytest.raises(Forbidden):
        service.withdraw(db, EDITOR, item.id, reason="编辑撤回")
    with pytest.raises(Forbidden):  # the public and other staff may not write at all
        service.create_item(db, builders.operator(), news())
    with pytest.raises(Forbidden):
        service.create_item(db, PUBLIC, news())


def test_a_revision_keeps_the_live_version_until_it_is_published(db: Session) -> None:
    item_id = _published(db)
    service.save_item(db, EDITOR, item_id, news(title="修订后的标题"))
    assert _titles(db) == ["我市召开社会信用体系建设推进会"]  # the public still reads version 1
    service.submit(db, EDITOR, item_id)
    service.publish(db, REVIEWER, item_id)
    assert _titles(db) == ["修订后的标题"]


def test_scheduled_publication_and_withdrawal_follow_the_clock(db: Session, database: object) -> None:
    clock.freeze(T0)
    item = service.create_item(db, EDITOR, news())
    service.submit(db, EDITOR, item.id)
    at, until = T0 + dt.timedelta(hours=2), T0 + dt.timedelta(days=3)
    service.publish(db, REVIEWER, item.id, publish_at=at, withdraw_at=until)
    assert item.status == Status.SCHEDULED and _titles(db) == []
    clock.freeze(at - dt.timedelta(seconds=1))
    assert _titles(db) == []
    clock.freeze(at)
    assert _titles(db) == ["我市召开社会信用体系建设推进会"]  # on read, before any sweep
    result = service.sweep_content(db, Actor.system("tick"), clock.today())
    assert result.went_live == 1 and item.status == Status.PUBLISHED
    clock.freeze(until)
    assert _titles(db) == []  # the withdrawal bites on read
    assert service.sweep_content(db, Actor.system("tick"), clock.today()).withdrawn == 1
    assert item.status == Status.WITHDRAWN and item.live_version is None
    other = service.create_item(db, EDITOR, news())
    service.submit(db, EDITOR, other.id)
    with pytest.raises(InvalidInput):  # a withdrawal before the publication
        service.publish(db, REVIEWER, other.id, publish_at=until + dt.timedelta(days=2), withdraw_at=until)


def test_a_later_withdrawal_is_scheduled(db: Session) -> None:
    clock.freeze(T0)
    item_id = _published(db)
    service.withdraw(db, REVIEWER, item_id, reason="活动结束", at=T0 + dt.timedelta(days=1))
    assert _titles(db) != []
    clock.freeze(T0 + dt.timedelta(days=1))
    assert _titles(db) == []


def test_search_finds_chinese_words_in_the_body(db: Session) -> None:
    _published(db, news(title="第一条", body="<p>推进<b>信用修复</b>便民服务。</p>"))
    _published(db, news(title="第二条", body="<p>开展双随机抽查，结果依法公示。</p>"))
    _published(db, news(title="折扣100%", body="<p>无关</p>"))
    assert _titles(db, q="信用修复") == ["第一条"]
    assert _titles(db, q="便民") == ["第一条"]
    assert _titles(db, q="双随机 公示") == ["第二条"]  # every word must match
    assert _titles(db, q="双随机 修复") == []
    assert _titles(db, q="%") == ["折扣100%"]  # LIKE wildcards are plain characters
    assert _titles(db, q="_") == []
    assert _titles(db, category="部门动态") == []


def test_policy_fields_and_category_filter(db: Session) -> None:
    item_id = _published(db, policy())
    _published(
        db, policy(title="江西省社会信用条例（摘要）", category="省级", doc_number=None, issuer="江西省人大常委会")
    )
    assert _titles(db, Kind.POLICY, category="国家") == [policy().title]
    assert _titles(db, Kind.POLICY, q="35号") == [policy().title]
    shown = service.public_item(db, Kind.POLICY, item_id)
    assert shown.fields["doc_number"] == "国办发〔2019〕35号" and shown.fields["policy_status"] == "现行有效"
    with pytest.raises(InvalidInput):
        service.create_item(db, EDITOR, policy(category="县级"))
    with pytest.raises(InvalidInput):
        service.create_item(db, EDITOR, policy(policy_status="失效"))
    with pytest.raises(NotFound):  # a policy's number is not a news item
        service.public_item(db, Kind.NEWS, item_id)


def test_the_body_is_sanitised_on_save(db: Session) -> None:
    item = service.create_item(db, EDITOR, news(body='<p onclick="x()">正文<script>alert(1)</script></p>'))
    row = db.scalars(select(ContentVersion).where(ContentVersion.item_id == item.id)).one()
    assert row.body == "<p>正文</p>"


def test_files_are_refused_by_content_and_size(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    item = service.create_item(db, EDITOR, news())
    for name, data in (("通知.pdf", PDF), ("通知.doc", DOC), ("通知.docx", docx()), ("图.png", PNG)):
        assert service.add_file(db, EDITOR, item.id, name, data, image=False).filename == name
    assert service.add_file(db, EDITOR, item.id, "现场.jpg", JPEG, image=True).media_type == "image/jpeg"
    refused: list[tuple[str, bytes, bool]] = [
        ("病毒.pdf", b"MZ\x90\x00" + b"\x00" * 64, False),  # an executable named .pdf
        ("页面.png", b"<html><script>alert(1)</script></html>", True),
        ("通知.pdf", PNG, False),  # the name says PDF, the bytes say PNG
        ("文件.pdf", PDF, True),  # not an image
        ("压缩.docx", b"PK\x03\x04" + b"\x00" * 64, False),  # a zip that is no Word document
        ("../../etc/passwd.pdf", PDF, False),
        ("空.pdf", b"", False),
    ]
    for name, data, image in refused:
        with pytest.raises(InvalidInput):
            service.add_file(db, EDITOR, item.id, name, data, image=image)
    monkeypatch.setattr(rules, "MAX_ATTACHMENT_BYTES", 1024)
    with pytest.raises(TooLarge):
        service.add_file(db, EDITOR, item.id, "大文件.pdf", PDF + b"0" * 2048, image=False)
    with pytest.raises(TooLarge):
        service.add_file(db, EDITOR, item.id, "大图.png", PNG + b"0" * (rules.MAX_IMAGE_BYTES + 1), image=True)
    with pytest.raises(Forbidden):
        service.add_file(db, builders.operator(), item.id, "通知.pdf", PDF, image=False)
    stored = list((Path(get_settings().upload_dir) / "content").iterdir())
    assert len(stored) == 5 and all(len(p.name) == 32 for p in stored)  # names the platform chose


def test_downloads_are_counted_and_only_live_files_are_public(db: Session) -> None:
    item = service.create_item(db, EDITOR, policy())
    attachment = service.add_file(db, EDITOR, item.id, "指导意见.pdf", PDF, image=False)
    with pytest.raises(NotFound):  # the draft's file is not public
        service.open_file(db, PUBLIC, attachment.id)
    row, path = service.open_file(db, EDITOR, attachment.id)  # the editor's preview
    assert path.read_bytes() == PDF and row.downloads == 0
    service.submit(db, EDITOR, item.id)
    service.publish(db, REVIEWER, item.id)
    for _ in range(3):
        service.open_file(db, PUBLIC, attachment.id)
    db.expire_all()
    shown = service.public_item(db, Kind.POLICY, item.id)
    assert [(a.filename, a.downloads) for a in shown.attachments] == [("指导意见.pdf", 3)]


def test_the_feed_is_rss_with_the_required_elements(db: Session) -> None:
    _published(db, news(title="信用动态 <第一期> & 更多"))
    xml = service.feed(db, Kind.NEWS, "https://xyj.gongqingcheng.gov.cn")
    root = ET.fromstring(xml)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    for required in ("title", "link", "description"):
        assert (channel.findtext(required) or "").strip()
    items = channel.findall("item")
    assert len(items) == 1
    assert items[0].findtext("title") == "信用动态 <第一期> & 更多"
    assert (items[0].findtext("link") or "").startswith("https://xyj.gongqingcheng.gov.cn/news/")
    assert items[0].findtext("pubDate")


def test_a_case_shows_its_linked_record_desensitised(db: Session) -> None:
    person = "刘小明"
    builders.departments(db)
    made = builders.entity(db)
    record, _ = records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc))
    case = news(kind="case", category="失信惩戒", title="某公司虚假宣传受到处罚", links=f"record:{record.record_id}")
    body = f"<p>当事人{person}（手机13812345678）经营的公司虚假宣传。</p>"
    item_id = _published(db, case.model_copy(update={"body": body}))
    shown = service.public_item(db, Kind.CASE, item_id)
    assert "13812345678" not in shown.body
    assert [link.href for link in shown.links] == [f"/record/{record.record_id}"]
    records.change_status(db, builders.SYSTEM, record.record_id, RecordStatus.REVOKED, "撤销")
    assert service.public_item(db, Kind.CASE, item_id).links[0].href is None
    with pytest.raises(InvalidInput):
        service.create_item(db, EDITOR, case.model_copy(update={"links": "javascript:alert(1)"}))


def test_hostile_queries_find_nothing_and_break_nothing(db: Session) -> None:
    _published(db)
    for q in ("\x00", "信用\x00", "%\x00_", "'; DROP TABLE content_items; --", "a" * 500):
        assert _titles(db, q=q) in ([], ["我市召开社会信用体系建设推进会"])
    assert _titles(db, category="\x00") == []
    assert _titles(db, category="不存在的分类") == []
