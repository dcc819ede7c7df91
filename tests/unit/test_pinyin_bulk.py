"""Keying many names at once (a batch's new provisional entities) reads each shared word once, with the same keys
as keying each name alone."""

from __future__ import annotations

from xinyong.entities import pinyin


def test_shared_words_are_read_once_and_keys_do_not_change() -> None:
    names = [f"共青城{trade}商贸有限公司" for trade in ("鸿瑞", "长虹", "都昌", "晟达", "银行")]
    alone = []
    for name in names:
        pinyin._word_syllables.cache_clear()
        alone.append(pinyin.pinyin_keys(name))
    pinyin._word_syllables.cache_clear()
    together = [pinyin.pinyin_keys(name) for name in names]
    assert together == alone
    assert together[0][0].startswith("gongqingcheng")
    assert pinyin._word_syllables.cache_info().hits > 0  # 商贸, 有限公司… were not read again
