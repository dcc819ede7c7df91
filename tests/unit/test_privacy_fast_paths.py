"""The desensitiser's shortcuts for ingestion: :func:`protect` remembers short texts (the result depends on the text
alone) and a known name's pattern is only tried on a text holding its first and last characters. Both give what the
full path gives: checked on texts that hit and miss them."""

from __future__ import annotations

import random

from xinyong.privacy.rules import BUILTIN, Subject, desensitise, entry, protect
from xinyong.privacy.rules.normal import normalise
from xinyong.privacy.rules.spans import name_findings, protected_spans

TEXTS = [
    "",
    "《中华人民共和国广告法》第五十五条第一款",
    "当事人联系电话13800138000，身份证号360429199001010014",
    "经查，当事人胡旭龙无烟草专卖品准运证运输烟草，罚款2000元。",
    "胡 旭 龙于2020年在共青城市某路12号经营",
    "胡某某称其不知情；胡某龙，男，汉族",
    "邮箱 zhang.san@example.com 银行卡号 6222021234567890123",
    "x" * (entry.PROTECT_CACHED_CHARS + 1) + " 13800138000",
]


def test_protect_remembered_equals_protect_computed() -> None:
    rng = random.Random(21)
    alphabet = "当事人张三电话１３８００１３８０００身份证3604291990010100141X，。 "
    samples = TEXTS + ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60))) for _ in range(300)]
    for text in samples * 2:  # the second round reads the remembered results
        assert protect(text) == (entry._protect(text) if text else protect(text)), text
    assert "138****8000" in protect(TEXTS[-1]).text  # a long text is not remembered, still protected


def test_known_names_are_found_with_and_without_the_shortcut() -> None:
    subject = Subject(natural=True, names=("胡旭龙", "张三"), keep=())
    for text in TEXTS[1:]:
        shown = desensitise(text, subject).text
        assert "旭龙" not in shown.replace(" ", "")
    assert desensitise("胡 旭 龙于2020年", subject).text == "胡**于2020年"  # spaced out, still the known name
    # a text without the name's first or last character has no finding of it
    normal = normalise("当事人李四未按规定公示年报")
    strong, weak = protected_spans(normal, subject, BUILTIN)
    assert [f for f in name_findings(normal, subject, BUILTIN, strong, weak) if f.kind == "name"] == []
    normal = normalise("胡某某称其不知情")
    strong, weak = protected_spans(normal, subject, BUILTIN)
    assert [normal[f.start : f.end] for f in name_findings(normal, subject, BUILTIN, strong, weak)] == ["胡某某"]
