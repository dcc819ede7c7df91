"""The audit log's detail view shows a moment kept in an event's payload (ISO 8601, as the chain stores it) in
Beijing time, like every other time on screen; other text stays as it is."""

from __future__ import annotations

import pytest

from xinyong.console.audit_view import _value_text


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("2026-12-07T16:30:00+00:00", "2026-12-08 00:30"),
        ("2026-12-07T16:30:00.123456+00:00", "2026-12-08 00:30"),
        ("2026-12-07T16:30:00Z", "2026-12-08 00:30"),
        ("2026-12-07 16:30:00", "2026-12-08 00:30"),  # naive: stored as UTC
        ("2026-12-08T00:30:00+08:00", "2026-12-08 00:30"),
    ],
)
def test_moments_are_beijing_time(stored: str, shown: str) -> None:
    assert _value_text(stored) == shown


@pytest.mark.parametrize(
    "text", ["2026-12-07", "共市监罚〔2026〕5号", "2026-13-45T99:99:00", "2026-12-07T16:30 and more"]
)
def test_other_text_stays(text: str) -> None:
    assert _value_text(text) == text
