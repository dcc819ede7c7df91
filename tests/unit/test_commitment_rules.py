"""Pure rules of commitments and self-reports: transition tables, consequences, eligibility, due dates, the
letter and its hash, attachments — and integrity education is never a precondition anywhere."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from xinyong.commitments import rules
from xinyong.commitments.rules import (
    COMMITMENT_TABLE,
    TOLERANCE_TABLE,
    CheckResult,
    CommitmentStatus,
    Consequence,
    EligibilityFacts,
    LetterFacts,
    TemplateParts,
    ToleranceStatus,
)
from xinyong.core.clock import BEIJING
from xinyong.core.errors import InvalidInput, TooLarge
from xinyong.core.workdays import builtin_calendar
from xinyong.selfreport import rules as selfreport

SRC = Path(__file__).resolve().parents[2] / "src" / "xinyong"


def test_commitment_transitions_exhaustively() -> None:
    allowed = {
        (CommitmentStatus.IN_FORCE, CommitmentStatus.KEPT),
        (CommitmentStatus.IN_FORCE, CommitmentStatus.BROKEN),
        (CommitmentStatus.IN_FORCE, CommitmentStatus.FALSE),
        (CommitmentStatus.KEPT, CommitmentStatus.FALSE),
    }
    for a in CommitmentStatus:
        for b in CommitmentStatus:
            assert rules.can_move(COMMITMENT_TABLE, a, b) == ((a, b) in allowed)
    assert rules.can_move(COMMITMENT_TABLE, None, CommitmentStatus.IN_FORCE), "signing opens it"


def test_tolerance_and_selfreport_transitions() -> None:
    for a in ToleranceStatus:
        for b in ToleranceStatus:
            expected = a == ToleranceStatus.AWAITING and b != ToleranceStatus.AWAITING
            assert rules.can_move(TOLERANCE_TABLE, a, b) == expected
    for a in selfreport.Status:
        for b in selfreport.Status:
            expected = a == selfreport.Status.PENDING and b != selfreport.Status.PENDING
            assert selfreport.can_transition(a, b) == expected


def test_consequences_grade_a_false_commitment_at_least_serious() -> None:
    mild = Consequence(severity="轻微", suspend_months=6)
    assert mild.severity_for(CheckResult.BROKEN) == "轻微"
    assert mild.severity_for(CheckResult.FALSE) == "严重"
    assert mild.severity_for(CheckResult.KEPT) is None
    assert Consequence(severity=None).severity_for(CheckResult.BROKEN) is None
    assert Consequence.from_dict(mild.to_dict()) == mild
    with pytest.raises(InvalidInput):
        Consequence(severity="很严重")
    with pytest.raises(InvalidInput):
        Consequence(suspend_months=-1)


def test_the_lost_option_is_a_civil_code_period() -> None:
    assert rules.suspension_end(dt.date(2025, 11, 30), Consequence(suspend_months=3)) == dt.date(2026, 2, 28)
    assert rules.suspension_end(dt.date(2025, 11, 30), Consequence(suspend_months=0)) is None


def test_eligibility_reasons() -> None:
    assert rules.refusal_reasons(EligibilityFacts()) == []
    reasons = rules.refusal_reasons(
        EligibilityFacts(
            serious_records=["行政处罚决定书"],
            serious_list_entries=["严重失信主体名单"],
            false_commitments=["GQCN1"],
            suspended_until=dt.date(2026, 1, 1),
        )
    )
    assert len(reasons) == 4 and "2026-01-01" in reasons[3]


def test_tolerance_due_dates_across_a_holiday() -> None:
    calendar = builtin_calendar()
    assert rules.tolerance_due(dt.date(2020, 9, 25), 7, calendar).date == dt.date(2020, 10, 12)
    assert rules.tolerance_due(dt.date(2024, 9, 30), 1, calendar).date == dt.date(2024, 10, 8)
    assert rules.due_state(dt.date(2020, 10, 12), dt.date(2020, 10, 9), calendar) == "即将到期"
    assert rules.due_state(dt.date(2020, 10, 12), dt.date(2020, 10, 13), calendar) == "逾期"
    assert rules.due_state(dt.date(2020, 10, 12), dt.date(2020, 9, 25), calendar) == "未到期"
    with pytest.raises(InvalidInput):
        rules.tolerance_due(dt.date(2020, 9, 25), 0, calendar)


def _letter(**changes: object) -> str:
    parts = TemplateParts("承诺书", "条件", "承诺", "核查", "责任", "声明", True)
    facts = LetterFacts(
        item_code="A1",
        item_name="事项",
        department_name="共青城市市场监督管理局",
        commitment_type="容缺受理",
        template_version=2,
        entity_name="共青城某公司",
        uscc="91360482MA38XXXX0X",
        legal_representative="张三",
        signer="王建国",
        signed_at=dt.datetime(2024, 3, 4, 10, 0, tzinfo=BEIJING),
        number="GQCN20240304000001",
        missing_materials=("检测报告",),
        due_date=dt.date(2024, 3, 11),
    )
    return rules.compose_letter(parts, facts.__class__(**{**facts.__dict__, **changes}))


def test_the_letter_hash_fixes_the_exact_text() -> None:
    text = _letter()
    assert "2024-03-11" in text and "王建国" in text and "第 2 版" in text
    assert rules.letter_hash(text) == rules.letter_hash(_letter())
    assert re.fullmatch(r"[0-9a-f]{64}", rules.letter_hash(text))
    assert rules.letter_hash(_letter(signer="李四")) != rules.letter_hash(text)
    assert rules.letter_hash(text + " ") != rules.letter_hash(text)


def test_template_parts_are_all_required() -> None:
    with pytest.raises(InvalidInput) as caught:
        rules.check_parts(TemplateParts("承诺书", "条件", "承诺", "核查", " ", "声明"))
    assert caught.value.field == "liability"


def test_attachments_are_typed_by_content() -> None:
    assert selfreport.check_attachment("证书.PDF", b"%PDF-1.4 ...") == ("证书.PDF", "application/pdf")
    assert selfreport.check_attachment("a.jpeg", b"\xff\xd8\xff\xe0....")[1] == "image/jpeg"
    with pytest.raises(InvalidInput):
        selfreport.check_attachment("a.png", b"%PDF-1.4")
    with pytest.raises(InvalidInput):
        selfreport.check_attachment("../../etc/passwd", b"%PDF-1.4")
    with pytest.raises(InvalidInput):
        selfreport.check_attachment(".hidden.pdf", b"%PDF-1.4")
    with pytest.raises(TooLarge):
        selfreport.check_attachment("a.pdf", b"%PDF-" + b"0" * 20, limit=10)


def test_integrity_education_is_never_a_precondition() -> None:
    """Clause (2): education is free and never required. Nothing outside the education module and its own pages
    and routes may refer to the education tables, so no workflow can check for it."""
    allowed = {
        SRC / "commitments" / "education.py",
        SRC / "commitments" / "models.py",
        SRC / "commitments" / "routes.py",
        SRC / "commitments" / "schemas.py",
        SRC / "console" / "commitments.py",
    }
    pattern = re.compile(r"EducationSession|education_sessions|commitments\.education|import education")
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path not in allowed and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    assert "education" not in rules.EligibilityFacts.__dataclass_fields__
