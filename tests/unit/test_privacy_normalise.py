"""The desensitiser's fast path: a text made only of characters normalisation keeps is its own normal form, and the
fast and the step-by-step normalisation agree on any text."""

from __future__ import annotations

import random
import re

from xinyong.privacy import rules
from xinyong.privacy.rules.normal import UNCHANGED_CHARS, _normal_char, normalise_mapped

KEPT = re.compile(f"[{UNCHANGED_CHARS}]")


def _slow(text: str) -> tuple[str, list[int]]:
    out, where = [], []
    for index, ch in enumerate(text):
        normal = _normal_char(ch)
        if normal:
            out.append(normal)
            where.append(index)
    return "".join(out), where


def test_every_character_of_the_fast_class_is_kept_as_it_is() -> None:
    kept = [chr(code) for code in range(0x10000) if KEPT.fullmatch(chr(code))]
    assert len(kept) > 20_000
    assert [ch for ch in kept if _normal_char(ch) != ch] == []


def test_fast_and_step_by_step_normalisation_agree() -> None:
    rng = random.Random(21)
    alphabet = "当事人张三于２０２０年３月在共青城市某路１２号（电话：１３８０００００００１）。、“”—\u200b\u3000①A-z\t"
    samples = ["", "共青城市某某商贸有限公司", "ABC 123", "身份证号36042919900101001X，罚款1万元"]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(500)]
    for text in samples:
        normal, where = normalise_mapped(text)
        assert (normal, list(where)) == _slow(text), text


def test_masking_is_the_same_on_the_fast_path() -> None:
    text = "当事人住共青城市某路，身份证号码360429199001010019，电话13800000001"
    assert rules.protect(text).text == rules.protect(text.replace("，", "，\u200b")).text.replace("，\u200b", "，")
