"""Pure entity rules: pinyin search keys and role periods."""

from __future__ import annotations

import datetime as dt

from xinyong.entities.rules import periods_overlap, pinyin_keys, role_active


def test_pinyin_keys() -> None:
    assert pinyin_keys("共青城鸿瑞羽绒服饰有限公司") == (
        "gongqingchenghongruiyurongfushiyouxiangongsi",
        "gqchryrfsyxgs",
    )
    assert pinyin_keys("ABC科技（江西）有限公司") == ("abckejijiangxiyouxiangongsi", "abckjjxyxgs")
    assert pinyin_keys("") == ("", "")
    full, initials = pinyin_keys("共" * 10_000)
    assert len(full) <= 400 and len(initials) <= 400


def test_role_periods() -> None:
    assert role_active(dt.date(2020, 1, 1), None, dt.date(2024, 1, 1))
    assert not role_active(dt.date(2020, 1, 1), dt.date(2024, 1, 1), dt.date(2024, 1, 1)), "valid_to is exclusive"
    assert periods_overlap(None, None, dt.date(2020, 1, 1), None)
    assert not periods_overlap(dt.date(2020, 1, 1), dt.date(2021, 1, 1), dt.date(2021, 1, 1), None)
