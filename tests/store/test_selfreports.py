"""Self-reported information on SQLite and PostgreSQL: 待核验 until the competent department decides, only
verified items count, attachments checked by content and stored outside the web root, shown only to the entitled."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.commitment_builders import entity_actor
from xinyong.core.actor import Actor, Role
from xinyong.core.config import get_settings
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound, TooLarge
from xinyong.records import service as records
from xinyong.records.rules import Kind
from xinyong.selfreport import rules, service
from xinyong.selfreport.schemas import DecisionIn, ReportIn

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def uploads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(get_settings(), "upload_dir", tmp_path / "uploads")
    return tmp_path / "uploads"


@pytest.fixture
def seeded(db: Session, uploads: Path) -> Session:
    builders.departments(db)
    return db


def _report(**fields: object) -> ReportIn:
    data: dict[str, object] = {
        "category": "证照资质",
        "title": "ISO 9001 质量管理体系认证证书",
        "content": "证书编号 00124Q3456，覆盖羽绒服装的设计和生产。",
        "issued_by": "中国质量认证中心",
        "department": "SCJGJ",
        "truthfulness": True,
    }
    data.update(fields)
    return ReportIn(**data)  # type: ignore[arg-type]


def test_an_unverified_report_does_not_count_until_verified(seeded: Session, uploads: Path) -> None:
    made = builders.entity(seeded)
    report = service.submit(seeded, entity_actor(made.uscc), _report(), [("证书.pdf", PDF)])
    assert report.status == rules.Status.PENDING
    assert service.verified_items(seeded, made.uscc) == []
    assert service.list_reports(seeded, Actor.public(), uscc=made.uscc)[1] == 0  # the public sees verified only
    [stored] = list((uploads / "selfreport").iterdir())
    assert stored.read_bytes() == PDF and "证书" not in stored.name
    service.decide(seeded, builders.operator("SCJGJ"), report.id, DecisionIn(verified=True))
    [item] = service.verified_items(seeded, made.uscc)
    assert item.id == report.id and item.label == "自主填报（已核验）"
    record = records.get_record(seeded, Actor.public(), report.record_id or 0)
    assert record.kind == Kind.VOLUNTARY and record.content["XXLY"] == "自主填报" and "自主填报" in record.title
    view = service.to_view(seeded, Actor.public(), service.get_report(seeded, Actor.public(), report.id))
    assert view.label == "自主填报·已核验" and view.attachments == []  # attachments are not public


def test_a_rejection_needs_a_reason_and_never_counts(seeded: Session) -> None:
    made = builders.entity(seeded)
    report = service.submit(seeded, entity_actor(made.uscc), _report(category="表彰评优", title="优秀企业"))
    with pytest.raises(InvalidInput) as caught:
        service.decide(seeded, builders.operator("SCJGJ"), report.id, DecisionIn(verified=False))
    assert caught.value.field == "reason"
    service.decide(seeded, builders.operator("SCJGJ"), report.id, DecisionIn(verified=False, reason="无法核实表彰文件"))
    assert report.status == rules.Status.REJECTED and service.verified_items(seeded, made.uscc) == []
    with pytest.raises(Conflict):
        service.decide(seeded, builders.operator("SCJGJ"), report.id, DecisionIn(verified=True))


def test_only_the_competent_department_decides(seeded: Session) -> None:
    made = builders.entity(seeded)
    report = service.submit(seeded, entity_actor(made.uscc), _report())
    with pytest.raises(Forbidden):
        service.decide(seeded, builders.operator("SWJ"), report.id, DecisionIn(verified=True))
    with pytest.raises(Forbidden):
        service.decide(seeded, entity_actor(made.uscc), report.id, DecisionIn(verified=True))


def test_an_entity_cannot_report_for_another(seeded: Session) -> None:
    mine, other = builders.entity(seeded), builders.entity(seeded)
    with pytest.raises(Forbidden):
        service.submit(seeded, entity_actor(mine.uscc), _report(uscc=other.uscc))
    with pytest.raises(Forbidden):
        service.submit(seeded, builders.operator("SCJGJ"), _report())


def test_the_truthfulness_commitment_is_required(seeded: Session) -> None:
    made = builders.entity(seeded)
    with pytest.raises(InvalidInput) as caught:
        service.submit(seeded, entity_actor(made.uscc), _report(truthfulness=False))
    assert caught.value.field == "truthfulness"


@pytest.mark.parametrize(
    ("name", "data", "error", "field"),
    [
        ("big.pdf", b"%PDF-" + b"0" * rules.MAX_ATTACHMENT_BYTES, TooLarge, "file"),
        ("photo.png", b"MZ\x90\x00 not really an image", InvalidInput, "file"),
        ("report.pdf", PNG, InvalidInput, "file"),
        ("../../etc/passwd", PDF, InvalidInput, "filename"),
        ("..\\..\\boot.pdf", PDF, InvalidInput, "filename"),
        ("script.html", b"<script>alert(1)</script>", InvalidInput, "filename"),
    ],
)
def test_hostile_attachments_are_refused_and_nothing_is_written(
    seeded: Session, uploads: Path, name: str, data: bytes, error: type[Exception], field: str
) -> None:
    made = builders.entity(seeded)
    with pytest.raises(error) as caught:
        service.submit(seeded, entity_actor(made.uscc), _report(), [(name, data)])
    assert getattr(caught.value, "field", None) == field
    assert not (uploads / "selfreport").exists() or not any((uploads / "selfreport").iterdir())


def test_attachments_are_served_only_to_those_entitled(seeded: Session) -> None:
    made, other = builders.entity(seeded), builders.entity(seeded)
    report = service.submit(seeded, entity_actor(made.uscc), _report(), [("scan.png", PNG)])
    [attachment] = service.attachments_of(seeded, report.id)
    for entitled in (entity_actor(made.uscc), builders.operator("SCJGJ"), Actor(role=Role.AUDITOR, id="a")):
        row, path = service.attachment_file(seeded, entitled, report.id, attachment.id)
        assert path.read_bytes() == PNG and row.media_type == "image/png"
    for stranger in (entity_actor(other.uscc), builders.operator("SWJ"), Actor.public()):
        with pytest.raises(NotFound):
            service.attachment_file(seeded, stranger, report.id, attachment.id)
