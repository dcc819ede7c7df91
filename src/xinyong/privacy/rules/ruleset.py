"""The desensitiser's rules as data: categories, the rule set (word lists and extra patterns, :data:`BUILTIN` the
platform's own), the subject, findings and results, and the masks of a name and a plate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from xinyong.core.masking import (
    COMPOUND_SURNAMES,
)

MAX_TEXT = 20_000  # longer texts are cut (with …): nothing beyond the scan is shown unscanned

NAME_MASK = "**"


class Category(StrEnum):
    """Kinds of rows in ``privacy_rules`` (the office's extensions)."""

    NAME_MARKER = "name_marker"  # a word after which a person's name follows (当事人)
    ADDRESS_MARKER = "address_marker"  # a word after which a home address follows (家住)
    KEEP_WORD = "keep_word"  # never masked as a name or address (a business name, a term)
    SURNAME = "surname"  # a surname the name guesses know
    PATTERN = "pattern"  # a regular expression whose matches are masked (sure), e.g. 微信号


CATEGORY_LABELS: dict[Category, str] = {
    Category.NAME_MARKER: "姓名提示词",
    Category.ADDRESS_MARKER: "住址提示词",
    Category.KEEP_WORD: "保留词（不脱敏）",
    Category.SURNAME: "姓氏",
    Category.PATTERN: "屏蔽模式（正则表达式）",
}

KIND_LABELS: dict[str, str] = {
    "id": "身份证号码",
    "passport": "证件号码",
    "phone": "电话号码",
    "bank": "银行账号",
    "email": "电子邮箱",
    "name": "姓名",
    "name_guess": "疑似姓名",
    "plate": "车牌号码",
    "address": "详细住址",
    "address_guess": "住址（提示词后）",
    "birth": "出生日期",
    "pattern": "自定义规则",
}


#: Kinds stored encrypted when found in free text (identifiers and contact numbers).
AT_REST_KINDS = frozenset({"id", "passport", "phone", "bank", "email"})


# fmt: off
_SURNAME_TEXT = (
    "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛奚范彭郎鲁韦昌马苗凤花方"
    "俞任袁柳酆鲍史唐费廉岑薛雷贺倪汤滕殷罗毕郝邬安常乐于时傅皮卞齐康伍余元卜顾孟平黄和穆萧尹姚邵湛汪祁毛禹狄米贝明"
    "臧计伏成戴谈宋茅庞熊纪舒屈项祝董梁杜阮蓝闵席季麻强贾路娄危江童颜郭梅盛林刁钟徐邱骆高夏蔡田樊胡凌霍虞万支柯昝管"
    "卢莫经房裘缪干解应宗丁宣贲邓郁单杭洪包诸左石崔吉钮龚程嵇邢滑裴陆荣翁荀羊於惠甄曲家封芮羿储靳汲邴糜松井段富巫乌"
    "焦巴弓牧隗山谷车侯宓蓬全郗班仰秋仲伊宫宁仇栾暴甘钭厉戎祖武符刘景詹束龙叶幸司韶郜黎蓟薄印宿白怀蒲邰从鄂索咸籍赖"
    "卓蔺屠蒙池乔阴鬱胥能苍双闻莘党翟谭贡劳逄姬申扶堵冉宰郦雍却璩桑桂濮牛寿通边扈燕冀郏浦尚农温别庄晏柴瞿阎充慕连茹"
    "习宦艾鱼容向古易慎戈廖庾终暨居衡步都耿满弘匡国文寇广禄阙东欧殳沃利蔚越夔隆师巩厍聂晁勾敖融冷訾辛阚那简饶空曾毋"
    "沙乜养鞠须丰巢关蒯相查后荆红游竺权逯盖益桓公付涂肖"
)


# fmt: on
SURNAMES: frozenset[str] = frozenset(_SURNAME_TEXT) | COMPOUND_SURNAMES

NAME_MARKERS: tuple[str, ...] = (
    "当事人", "经营者", "负责人", "法定代表人", "实际经营人", "实际经营者", "实际控制人", "业主", "户主", "驾驶员",
    "驾驶人", "车主", "证人", "承包人", "雇员", "员工", "委托代理人", "代理人", "监护人", "投资人", "股东",
    "当事人之一", "举报人", "投诉人", "受害人", "被检查人", "违法行为人", "行为人", "联系人", "经办人", "房东",
)  # fmt: skip

ADDRESS_MARKERS: tuple[str, ...] = (
    "户籍所在地", "户籍地址", "户籍地", "户籍", "家庭住址", "家庭地址", "现住址", "住址", "住所地", "住所", "居住地",
    "现居住", "居住于", "现住", "家住", "暂住", "住",
)  # fmt: skip


#: Runs that look like names but are not (after a marker).
KEEP_WORDS: frozenset[str] = frozenset({
    "某某", "本人", "自己", "其", "该店", "该公司", "该单位", "该户", "该车", "所在", "经营", "无证", "未经", "在其",
    "于", "在", "因", "系", "为", "方某", "证据", "申辩", "陈述", "拒不", "主动", "已", "明知", "刘某", "张某",
})  # fmt: skip


#: Content keys whose values name natural persons (beside the subject's own name).
PERSON_NAME_KEYS: tuple[str, ...] = ("FRDB", "DSR_MC", "JYZ", "FZR", "ZJR", "DLR", "JSR", "LXR")

BUSINESS_SUFFIXES = (
    "有限责任公司", "股份有限公司", "有限公司", "分公司", "公司", "专业合作社", "合作社", "经营部", "门市部", "服务部",
    "商行", "商店", "超市", "便利店", "药店", "药房", "大药房", "饭店", "酒店", "餐馆", "餐厅", "宾馆", "旅馆", "诊所",
    "厂", "店", "中心", "工作室", "事务所", "批发部", "加工厂", "养殖场", "种植场", "农场", "茶行", "车行",
)  # fmt: skip

NAME_FOLLOWERS = (
    "未", "于", "在", "因", "擅自", "涉嫌", "违反", "违法", "经营", "驾驶", "无", "使用", "销售", "非法", "私自", "拒",
    "等", "系", "的", "男", "女", "身份", "联系", "住", "户籍", "家住", "现住", "出生", "生于", "已", "对", "将", "与",
    "和", "及", "向", "从", "以", "为", "所", "存在", "利用", "超", "持", "承认", "称", "名下", "作为", "运输", "收购",
    "生产", "储存", "从事", "占用", "拒绝", "自", "即", "并", "后", "时", "明知", "是", "有", "开办", "租用",
)  # fmt: skip

STOP_LEFT = frozenset("在于住址是为及和与的系向从被对把自至到往由即并且其等:：,，。;；、()（）《》“”\"' \n\t")


@dataclass(frozen=True)
class RuleSet:
    """Word lists and patterns the desensitiser applies. ``version`` names it (0 = the platform's own)."""

    version: int = 0
    name_markers: tuple[str, ...] = NAME_MARKERS
    address_markers: tuple[str, ...] = ADDRESS_MARKERS
    keep_words: frozenset[str] = KEEP_WORDS
    surnames: frozenset[str] = SURNAMES
    patterns: tuple[tuple[str, str], ...] = ()  # (label, regular expression)
    person_name_keys: tuple[str, ...] = PERSON_NAME_KEYS

    def extended(self, version: int, rows: Iterable[tuple[str, str, str]]) -> RuleSet:
        """This set plus rows ``(category, value, label)`` of the office's table."""
        names, addresses, keep, surnames = (
            list(self.name_markers),
            list(self.address_markers),
            set(self.keep_words),
            set(self.surnames),
        )
        patterns = list(self.patterns)
        for category, value, label in rows:
            if category == Category.NAME_MARKER:
                names.append(value)
            elif category == Category.ADDRESS_MARKER:
                addresses.append(value)
            elif category == Category.KEEP_WORD:
                keep.add(value)
            elif category == Category.SURNAME:
                surnames.add(value)
            elif category == Category.PATTERN:
                patterns.append((label or "自定义规则", value))
        return RuleSet(
            version=version,
            name_markers=tuple(dict.fromkeys(names)),
            address_markers=tuple(dict.fromkeys(addresses)),
            keep_words=frozenset(keep),
            surnames=frozenset(surnames),
            patterns=tuple(patterns),
            person_name_keys=self.person_name_keys,
        )

    # compiled forms, built once per rule set
    @cached_property
    def name_marker_re(self) -> re.Pattern[str]:
        words = "|".join(re.escape(w) for w in sorted(self.name_markers, key=len, reverse=True))
        return re.compile(rf"(?:{words})(?:之一)?[：:\s]*(?:(?:为|系|是|名叫|姓名)[：:\s]*)?")

    @cached_property
    def address_marker_re(self) -> re.Pattern[str]:
        words = "|".join(re.escape(w) for w in sorted(self.address_markers, key=len, reverse=True))
        return re.compile(rf"(?<![居入暂记留常保抓])(?:{words})(?![宿房院户宅])[：:\s]*(?:(?:为|在|于|是)[：:\s]*)?")

    @cached_property
    def extra_patterns(self) -> tuple[tuple[str, re.Pattern[str]], ...]:
        compiled = []
        for label, expression in self.patterns:
            try:
                compiled.append((label, re.compile(expression)))
            except re.error:
                continue  # refused when the office adds it; a bad row never breaks the public pages
        return tuple(compiled)

    @cached_property
    def keep_re(self) -> re.Pattern[str] | None:
        words = [w for w in self.keep_words if len(w) >= 3]
        if not words:
            return None
        return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


BUILTIN = RuleSet()


@dataclass(frozen=True, slots=True)
class Subject:
    """Who a record is about, as the desensitiser needs it."""

    natural: bool  # a natural person or a 个体工商户: names, addresses, plates and birth dates go too
    names: tuple[str, ...] = ()  # persons the record names (the subject, its 经营者, other parties)
    keep: tuple[str, ...] = ()  # business names of the record (its own name when it is a firm or a 个体工商户)


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    start: int
    end: int
    masked: str
    sure: bool = True

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True, slots=True)
class Result:
    text: str
    findings: tuple[Finding, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return bool(self.findings)

    @property
    def unsure(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.sure)


def mask_name(name: str) -> str:
    """Surname + ``**`` (GB/T 35273 style): ``胡旭龙`` → ``胡**``, ``欧阳娜娜`` → ``欧阳**``; the length is hidden."""
    name = "".join(name.split())
    if not name:
        return ""
    surname = name[:2] if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES else name[:1]
    return surname + NAME_MASK


def mask_plate(plate: str) -> str:
    compact = re.sub(r"[\s·.-]", "", plate)
    return compact[:2] + "*" * max(3, len(compact) - 2)


def resolve(findings: list[Finding]) -> list[Finding]:
    """Non-overlapping findings: the earliest start wins, then the longest; a later one inside it is dropped."""
    chosen: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (f.start, -(f.end - f.start))):
        if finding.end <= finding.start:
            continue
        if chosen and finding.start < chosen[-1].end:
            previous = chosen[-1]
            if not finding.sure and previous.sure:
                continue
            if finding.end > previous.end:  # overlapping tails: widen the earlier one, keep its mask
                chosen[-1] = Finding(
                    previous.kind, previous.start, finding.end, previous.masked, previous.sure and finding.sure
                )
            elif not finding.sure:
                chosen[-1] = Finding(previous.kind, previous.start, previous.end, previous.masked, False)
            continue
        chosen.append(finding)
    return chosen
