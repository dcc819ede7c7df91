"""Pinyin search keys of names: every plausible reading, bounded.

A name is keyed by its readings, so that ``duchang`` and ``dc`` find 都昌, ``zhihang`` finds …支行 and ``zeng`` finds
a person named 曾…. Three layers decide a reading:

1. **Phrases** (:data:`PHRASES`): place names, banking and commercial words whose characters pypinyin reads wrong
   alone or in its own phrase list (支行 zhihang, 商行 shanghang, 单县 shanxian, 都昌 duchang, 长虹 changhong…), loaded
   into pypinyin's phrase dictionary once, so its segmentation takes them as words. A character inside a phrase
   (ours or pypinyin's) has the phrase's reading and no other.
2. **Surnames** (:data:`SURNAMES`): at the start of a person's name, the surname reading (曾 zeng, 解 xie, 查 zha,
   单 shan, 仇 qiu, 区 ou, 朴 piao…; compound surnames 尉迟, 长孙, 万俟, 单于 first). A name is a person's when the
   caller says so, or, by default, when it is two to four Chinese characters and nothing else (a 个体工商户 registered
   under its operator's name, a natural person's record).
3. **Still polyphonic characters** (:data:`READINGS`): a character outside every phrase that is read more than one
   way in names (晟 sheng/cheng, 长 chang/zhang, 行 xing/hang, 乐 le/yue…) gives a variant per other reading.

The first variant is the preferred reading; then one variant per other reading of each polyphonic character (left
to right), then combinations, at most :data:`MAX_VARIANTS` and within the column's :data:`MAX_KEY` characters. Keys
are the variants joined by a space: a query is letters and digits only, so a match never spans two variants, and
the trigram indexes serve the joined text like any other (``LIKE '%duchang%'``).

The dictionaries are written without tone marks: the platform reads pinyin only in pypinyin's plain style.
Pure: no database, no web framework.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

# pypinyin is imported where it is used: its phrase dictionary takes a noticeable part of a second to load, and most
# processes that import this module (the CLI, the web app at start-up) never key a name.

MAX_VARIANTS = 8
MAX_KEY = 400  # entities.name_pinyin / name_initials are String(400)
MAX_NAME = 200
SEPARATOR = " "

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+|[A-Za-z0-9]+")
_PERSON = re.compile(rf"^[{_CJK}]{{2,4}}$")


def _phrases(text: str) -> dict[str, list[list[str]]]:
    """``支行 zhi hang；商行 shang hang`` → pypinyin's phrase dictionary shape."""
    table: dict[str, list[list[str]]] = {}
    for entry in text.split("；"):
        word, *syllables = entry.split()
        if len(word) != len(syllables):
            raise ValueError(f"phrase {word!r} has {len(word)} characters and {len(syllables)} syllables")
        table[word] = [[syllable] for syllable in syllables]
    return table


#: Words pypinyin reads wrong (alone or in its own phrases): banking and commerce, administration, place names of
#: Jiangxi and of China that registries carry in names and addresses.
PHRASES: dict[str, list[list[str]]] = _phrases(
    # banks, trades, shops
    "支行 zhi hang；分行 fen hang；总行 zong hang；银行 yin hang；商行 shang hang；车行 che hang；琴行 qin hang；"
    "茶行 cha hang；粮行 liang hang；米行 mi hang；布行 bu hang；果行 guo hang；花行 hua hang；药行 yao hang；"
    "酒行 jiu hang；油行 you hang；菜行 cai hang；鱼行 yu hang；蛋行 dan hang；肉行 rou hang；货行 huo hang；"
    "行长 hang zhang；行业 hang ye；同行 tong hang；商行业 shang hang ye；"
    # administration and commerce
    "行政 xing zheng；行政区 xing zheng qu；执行 zhi xing；发行 fa xing；行销 xing xiao；行驶 xing shi；"
    "重工 zhong gong；重型 zhong xing；重机 zhong ji；种植 zhong zhi；种养 zhong yang；种业 zhong ye；"
    "种子 zhong zi；种苗 zhong miao；种猪 zhong zhu；种禽 zhong qin；供应 gong ying；供销 gong xiao；"
    "供水 gong shui；供电 gong dian；供热 gong re；调味 tiao wei；调料 tiao liao；调配 tiao pei；调度 diao du；"
    "传媒 chuan mei；传动 chuan dong；音乐 yin yue；乐器 yue qi；娱乐 yu le；快乐 kuai le；乐园 le yuan；"
    "长虹 chang hong；长江 chang jiang；长城 chang cheng；长兴 chang xing；长青 chang qing；长安 chang an；"
    "长沙 chang sha；长春 chang chun；长征 chang zheng；长垣 chang yuan；长乐 chang le；增长 zeng zhang；"
    "厂长 chang zhang；家长 jia zhang；校长 xiao zhang；市长 shi zhang；大厦 da sha；广厦 guang sha；"
    "学校 xue xiao；驾校 jia xiao；校对 jiao dui；还原 huan yuan；便利 bian li；便民 bian min；"
    # places
    "单县 shan xian；都昌 du chang；都昌县 du chang xian；成都 cheng du；首都 shou du；洪都 hong du；"
    "都江堰 du jiang yan；都匀 du yun；会昌 hui chang；会稽 kuai ji；铅山 yan shan；铅山县 yan shan xian；"
    "重庆 chong qing；厦门 xia men；六安 lu an；蚌埠 beng bu；番禺 pan yu；丽水 li shui；乐清 yue qing；"
    "乐亭 lao ting；乐山 le shan；乐平 le ping；莘县 shen xian；莘庄 xin zhuang；亳州 bo zhou；济南 ji nan；"
    "济宁 ji ning；台州 tai zhou；天台 tian tai；枞阳 zong yang；歙县 she xian；荥阳 xing yang；涡阳 guo yang；"
    "东阿 dong e；牟平 mu ping；尉氏 wei shi；蔚县 yu xian；泌阳 bi yang；洪洞 hong tong；东莞 dong guan；"
    "番禺区 pan yu qu；大埔 da bu；黄埔 huang pu；吴堡 wu bu；瑞昌 rui chang；南昌 nan chang；鄱阳 po yang；"
    "婺源 wu yuan；弋阳 yi yang；德兴 de xing；乐安 le an；宜黄 yi huang；广昌 guang chang；万载 wan zai；"
    "万年 wan nian；上饶 shang rao；吉安 ji an；永丰 yong feng；共青城 gong qing cheng；浔阳 xun yang；"
    "濂溪 lian xi；柴桑 chai sang；彭泽 peng ze；湖口 hu kou；修水 xiu shui；武宁 wu ning；德安 de an；"
    "庐山 lu shan；九江 jiu jiang；朝阳 chao yang；长垣县 chang yuan xian；单县县 shan xian xian"
)

#: Surname readings at the start of a person's name (compound surnames are tried first).
SURNAMES: dict[str, tuple[str, ...]] = {
    "尉迟": ("yu", "chi"),
    "长孙": ("zhang", "sun"),
    "万俟": ("mo", "qi"),
    "单于": ("chan", "yu"),
    "澹台": ("tan", "tai"),
    "曾": ("zeng",),
    "解": ("xie",),
    "查": ("zha",),
    "单": ("shan",),
    "仇": ("qiu",),
    "区": ("ou",),
    "朴": ("piao",),
    "盖": ("ge",),
    "乐": ("yue",),
    "缪": ("miao",),
    "翟": ("zhai",),
    "覃": ("qin",),
    "召": ("shao",),
    "种": ("chong",),
    "繁": ("po",),
    "员": ("yun",),
    "秘": ("bi",),
    "隗": ("wei",),
    "句": ("gou",),
    "宿": ("su",),
    "柏": ("bai",),
    "蔚": ("yu",),
    "尉": ("wei",),
    "华": ("hua",),
    "任": ("ren",),
    "沈": ("shen",),
    "贾": ("jia",),
    "葛": ("ge",),
    "燕": ("yan",),
    "能": ("nai",),
    "那": ("na",),
    "黑": ("he",),
    "都": ("du",),
    "重": ("chong",),
    "薄": ("bo",),
    "祭": ("zhai",),
    "费": ("fei",),
    "殷": ("yin",),
    "石": ("shi",),
    "车": ("che",),
    "万": ("wan",),
    "曲": ("qu",),
    "相": ("xiang",),
    "应": ("ying",),
    "过": ("guo",),
    "长": ("chang",),
    "强": ("qiang",),
    "校": ("xiao",),
    "冼": ("xian",),
    "厍": ("she",),
}

#: Characters read more than one way in names, outside the phrases above: every reading is indexed (the first is the
#: preferred one where pypinyin's own is wrong for names).
READINGS: dict[str, tuple[str, ...]] = {
    "晟": ("sheng", "cheng"),
    "长": ("chang", "zhang"),
    "行": ("xing", "hang"),
    "重": ("zhong", "chong"),
    "乐": ("le", "yue"),
    "都": ("du", "dou"),
    "单": ("dan", "shan", "chan"),
    "曾": ("zeng", "ceng"),
    "解": ("jie", "xie"),
    "查": ("cha", "zha"),
    "仇": ("chou", "qiu"),
    "朴": ("pu", "piao"),
    "区": ("qu", "ou"),
    "会": ("hui", "kuai"),
    "藏": ("cang", "zang"),
    "厦": ("sha", "xia"),
    "调": ("tiao", "diao"),
    "传": ("chuan", "zhuan"),
    "还": ("huan", "hai"),
    "校": ("xiao", "jiao"),
    "盛": ("sheng", "cheng"),
    "强": ("qiang", "jiang"),
    "薄": ("bo", "bao"),
    "朝": ("chao", "zhao"),
    "系": ("xi", "ji"),
    "角": ("jiao", "jue"),
    "奇": ("qi", "ji"),
    "柏": ("bai", "bo"),
    "蔚": ("wei", "yu"),
    "茜": ("qian", "xi"),
    "莘": ("shen", "xin"),
    "翟": ("zhai", "di"),
    "覃": ("qin", "tan"),
    "召": ("zhao", "shao"),
    "种": ("zhong", "chong"),
    "盖": ("gai", "ge"),
    "尉": ("wei", "yu"),
    "缪": ("miao", "mou", "miu"),
    "秘": ("mi", "bi"),
    "贾": ("jia", "gu"),
    "宿": ("su", "xiu"),
    "参": ("can", "shen"),
    "万": ("wan", "mo"),
    "降": ("jiang", "xiang"),
    "弹": ("dan", "tan"),
    "差": ("cha", "chai"),
    "模": ("mo", "mu"),
    "便": ("bian", "pian"),
    "度": ("du", "duo"),
    "沈": ("shen", "chen"),
    "番": ("fan", "pan"),
    "铅": ("qian", "yan"),
    "蚌": ("bang", "beng"),
    "埔": ("pu", "bu"),
    "堡": ("bao", "pu", "bu"),
    "涌": ("yong", "chong"),
    "浒": ("hu", "xu"),
    "隽": ("juan", "jun"),
    "殷": ("yin", "yan"),
    "员": ("yuan", "yun"),
    "和": ("he", "huo"),
    "大": ("da", "dai"),
    "车": ("che", "ju"),
    "石": ("shi", "dan"),
    "率": ("shuai", "lv"),
    "冲": ("chong", "chong"),
    "圩": ("xu", "wei"),
    "泌": ("mi", "bi"),
    "阿": ("a", "e"),
    "亳": ("bo",),
    "仔": ("zai", "zi"),
    "汤": ("tang", "shang"),
    "露": ("lu", "lou"),
    "给": ("gei", "ji"),
    "折": ("zhe", "she"),
    "曝": ("bao", "pu"),
}


@lru_cache(maxsize=1)
def load() -> None:
    """Load :data:`PHRASES` into pypinyin, and 晟's name reading first (pypinyin prefers chéng), once per process."""
    from pypinyin import load_phrases_dict, load_single_dict  # lazy, see the imports above

    load_phrases_dict(PHRASES)
    load_single_dict({ord("晟"): "shèng,chéng,jīng"})


def is_person_name(name: str) -> bool:
    """Two to four Chinese characters and nothing else: read as a person's name (surname first)."""
    return bool(_PERSON.match(name))


def _surname(run: str) -> tuple[int, tuple[str, ...]] | None:
    for length in (2, 1):
        readings = SURNAMES.get(run[:length])
        if readings is not None and len(run) > length:
            return length, readings
    return None


@lru_cache(maxsize=65_536)
def _word_syllables(word: str) -> tuple[str, ...]:
    """pypinyin's reading of one segmented word, remembered: names share most of their words (共青城, 商贸, 有限公司),
    so keying many names at once (a batch's new provisional entities) reads each word once. Called after
    :func:`load`, so the phrase dictionary it reads is complete."""
    from pypinyin.core import lazy_pinyin  # lazy, see the imports above

    return tuple(lazy_pinyin(word))


def _readings(run: str, *, surname_first: bool, last: bool) -> list[tuple[str, ...]]:
    """Each character's readings (preferred first) for one run of Chinese characters (``last``: the name's last run,
    where a closing 行 is a trade, hang)."""
    from pypinyin.constants import PHRASES_DICT  # lazy, see the imports above
    from pypinyin.seg import mmseg

    out: list[tuple[str, ...]] = []
    rest = run
    if surname_first:
        found = _surname(run)
        if found is not None:
            length, surname = found
            for char, syllable in zip(run[:length], surname, strict=True):
                others = READINGS.get(char, ()) if length == 1 else ()
                out.append((syllable, *(r for r in others if r != syllable)))
            rest = run[length:]
    for word in mmseg.seg.cut(rest):
        syllables = _word_syllables(word)
        if len(word) > 1 and word in PHRASES_DICT and len(syllables) == len(word):
            out.extend((syllable,) for syllable in syllables)  # a phrase decides its characters
            continue
        for char, syllable in zip(word, syllables, strict=False):
            known = READINGS.get(char)
            if known is None:
                out.append((syllable,))
            else:
                preferred = known[0] if char in _PREFER_LISTED else syllable
                if char == "行" and last and len(out) == len(run) - 1:
                    preferred = "hang"  # …器行, …五金行: a shop
                out.append((preferred, *(r for r in known if r != preferred)))
        for char in word[len(syllables) :]:  # never expected: pypinyin gives one syllable per character
            out.append((char,))
    return out


# Characters whose listed first reading beats pypinyin's default (e.g. 晟 sheng, 曾 zeng in names).
_PREFER_LISTED = frozenset({"晟", "曾"})


def _variants(positions: Sequence[tuple[str, ...]]) -> Iterable[tuple[str, ...]]:
    """The preferred reading, then each single change left to right, then the other combinations in order."""
    preferred = tuple(options[0] for options in positions)
    yield preferred
    for index, options in enumerate(positions):
        for other in options[1:]:
            yield (*preferred[:index], other, *preferred[index + 1 :])
    yield from itertools.product(*positions)


def _positions(name: str, person: bool | None) -> tuple[list[tuple[str, ...]], frozenset[int]]:
    """Each position's readings, and the positions holding a Latin/digit run (kept whole in the initials too)."""
    load()
    text = name[:MAX_NAME]
    as_person = is_person_name(text.strip()) if person is None else person
    positions: list[tuple[str, ...]] = []
    latin: set[int] = set()
    runs = _RUN.findall(text)
    for number, run in enumerate(runs):
        if run.isascii():
            latin.add(len(positions))
            positions.append((run.lower(),))
        else:
            positions.extend(_readings(run, surname_first=as_person and number == 0, last=number == len(runs) - 1))
    return positions, frozenset(latin)


def _unique(positions: Sequence[tuple[str, ...]], limit: int) -> list[tuple[str, ...]]:
    seen: set[tuple[str, ...]] = set()
    out: list[tuple[str, ...]] = []
    if not positions:
        return out
    for variant in _variants(positions):
        if variant not in seen:
            seen.add(variant)
            out.append(variant)
            if len(out) >= limit:
                break
    return out


def reading_variants(name: str, *, person: bool | None = None, limit: int = MAX_VARIANTS) -> list[str]:
    """Up to ``limit`` full readings of ``name`` (letters and digits, lower case), preferred first."""
    positions, _latin = _positions(name, person)
    return ["".join(variant) for variant in _unique(positions, limit)]


def _join(keys: Iterable[str]) -> str:
    joined = ""
    for key in dict.fromkeys(keys):  # unique, in order
        candidate = f"{joined}{SEPARATOR}{key}" if joined else key
        if len(candidate) > MAX_KEY:
            if not joined:
                return key[:MAX_KEY]
            break
        joined = candidate
    return joined


def pinyin_keys(name: str, *, person: bool | None = None) -> tuple[str, str]:
    """(full pinyin, initials) of every reading of ``name``, each key's variants separated by a space.

    ``共青城鸿瑞羽绒服饰有限公司`` → (``gongqingchenghongruiyurongfushiyouxiangongsi``, ``gqchryrfsyxgs``): one
    reading. ``都昌县长虹商行`` → ``duchangxianchanghongshanghang``; ``张晟`` → ``zhangsheng zhangcheng``. Latin
    letters and digits in a name are kept whole in both keys.
    """
    positions, latin = _positions(name, person)
    variants = _unique(positions, MAX_VARIANTS)
    full = _join("".join(variant) for variant in variants)
    initials = _join(
        "".join(token if index in latin else token[:1] for index, token in enumerate(variant)) for variant in variants
    )
    return full, initials
