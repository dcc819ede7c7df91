"""The public's last line of masking over free text: personal numbers typed where they should not be."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyong.portal.redact import MAX_SCRUB, scrub


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证号360482198506010383。", "身份证号360482********0383。"),
        ("证件 36048219850601038X 结束", "证件 360482********038X 结束"),
        ("旧证 360482850601038", "旧证 360482******038"),
        ("电话13812345678", "电话138****5678"),
        ("电话 +86 138 1234 5678", "电话 138****5678"),
        ("座机0792-8881234", "座机0792-*****34"),
        ("账号 6222 0210 0112 3456 789", "账号 ***************6789"),
        ("账号6222021001123456789", "账号***************6789"),
    ],
)
def test_personal_numbers_are_masked(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "text",
    ["罚款2.5万元", "2024年3月1日作出", "共市监罚〔2024〕12号", "第二十条", "", "1,234,567.89 元", "编号 20240301"],
)
def test_ordinary_text_is_kept(text: str) -> None:
    assert scrub(text) == text


def test_text_past_the_scan_limit_is_not_shown() -> None:
    text = "x" * MAX_SCRUB + "13812345678"
    assert scrub(text).endswith("…") and "13812345678" not in scrub(text)


@given(st.text(alphabet="0123456789 -+X()电话号", max_size=80))
def test_scrub_never_raises_and_is_idempotent(text: str) -> None:
    once = scrub(text)
    assert scrub(once) == once
