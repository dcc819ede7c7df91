"""The desensitiser (脱敏): what of a free text may be shown, as pure functions over rules that are data.

Pure Python: no framework, no database. The records area calls :func:`desensitise` for every text field of a record
the public reads, and :func:`protect` before storing free text (identifiers and contact numbers out of the clear).

**Order of work.** Text is first normalised (:func:`normalise`): full-width letters and digits and other digit forms
become ASCII, dashes become ``-``, odd spaces a plain space, and zero-width and other invisible format characters are
removed, so ``１３８‍１２３４…`` is matched like ``1381234…``. Findings are then collected over the normalised text
with their spans, overlaps are resolved (the earliest, then the longest wins) and the text is rebuilt with each
finding replaced by its masked form.

**What is found** (``Finding.kind``):

- ``id`` resident ID numbers, 18 characters (last may be ``x``/``X``) or 15 digits, also grouped by spaces or
  dashes, recognised by their structure (region, birth date); ``passport`` passports and other certificates (after
  a certificate word, or a Chinese passport's own shape); ``phone`` mobiles (``+86`` and groups allowed) and
  landlines with an area code (without one only right after a phone word); ``bank`` card and account numbers (16-19
  digits, 12-19 after an account word); ``email``;
- for a natural person or a 个体工商户 (``Subject.natural``) also: ``name`` the persons the record names (the
  subject, its 经营者 or legal representative, other parties; forms with spaces and ``姓某`` forms too), ``plate``
  licence plates, ``address`` the part of an address below the 乡镇/街道 level (after 住/住址/家住/户籍…, or a
  street-level address such as ``青年大道88号``, ``新塘村3组``, ``…小区5栋``), ``birth`` dates of birth;
- ``name_guess``: a 2-4 character run starting with a surname right after 当事人/经营者/负责人… or before ``，男，``:
  masked, and marked unsure.

**Confidence.** A finding is *sure* when a pattern or a known name made it; name guesses and addresses found after
an address word (住/住址/家住/户籍…) are unsure: the records area holds such rows for a reviewer (审核队列).

**What stays.** Text inside 《》 (legal citations) and business names (the record's own, names ending in 公司/合作社/
商行/店/厂…, and the office's keep words) is never searched for names or addresses; numbers are masked everywhere.
The masked forms follow :mod:`xinyong.core.masking`; a person's name becomes surname + ``**`` (``胡**``,
``欧阳**``) whatever its length.

**Rules as data.** :class:`RuleSet` holds the word lists and extra patterns; :data:`BUILTIN` is the platform's own
set (version 0), the credit office extends it with rows of ``privacy_rules`` (:mod:`xinyong.privacy.service`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from xinyong.core.ids import is_valid_uscc
from xinyong.core.masking import (
    COMPOUND_SURNAMES,
    mask_address,
    mask_bank_account,
    mask_email,
    mask_id_number,
    mask_phone,
)

__all__ = [
    "BUILTIN",
    "MAX_TEXT",
    "Category",
    "Finding",
    "Result",
    "RuleSet",
    "Subject",
    "desensitise",
    "desensitise_value",
    "find_numbers",
    "guessed_names",
    "mask_name",
    "normalise",
    "protect",
    "protect_title",
]

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

# --------------------------------------------------------------------------------------- normalising

_INVISIBLE = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f\u3164\ufeff\uffa0"
)
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u2043\u30fc")
_SPACES = frozenset("\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000")
_FULLWIDTH_KEEP = frozenset("（），：；！？“”‘’")  # Chinese punctuation stays as written


def normalise(text: str) -> str:
    """Full-width letters/digits → ASCII, other digit forms (①, ٣, 𝟑…) → ASCII digits, dashes → ``-``, odd spaces →
    a space, zero-width and other invisible format characters removed. Chinese punctuation is kept."""
    return _normalise_mapped(text)[0]


def _normal_char(ch: str) -> str:
    """What one character becomes (``""``: removed)."""
    code = ord(ch)
    if code < 0x80:
        return ch
    if ch in _INVISIBLE:
        return ""
    if ch in _DASHES:
        return "-"
    if ch in _SPACES:
        return " "
    if 0xFF01 <= code <= 0xFF5E and ch not in _FULLWIDTH_KEEP:
        return chr(code - 0xFEE0)
    category = unicodedata.category(ch)
    if category == "Cf":
        return ""
    if category == "Nd" or category == "No":
        digit = unicodedata.digit(ch, None)
        if digit is not None:
            return str(digit)
    return ch


def _normalise_mapped(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each of its characters, the index of the character it came from (each
    character becomes at most one), so findings in the normalised text are applied to the text as written."""
    out: list[str] = []
    where: list[int] = []
    for index, ch in enumerate(text):
        normal = ch if ord(ch) < 0x80 else _normal_char(ch)
        if normal:
            out.append(normal)
            where.append(index)
    return "".join(out), where


# --------------------------------------------------------------------------------------- rule sets

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

_BUSINESS_SUFFIXES = (
    "有限责任公司", "股份有限公司", "有限公司", "分公司", "公司", "专业合作社", "合作社", "经营部", "门市部", "服务部",
    "商行", "商店", "超市", "便利店", "药店", "药房", "大药房", "饭店", "酒店", "餐馆", "餐厅", "宾馆", "旅馆", "诊所",
    "厂", "店", "中心", "工作室", "事务所", "批发部", "加工厂", "养殖场", "种植场", "农场", "茶行", "车行",
)  # fmt: skip
_NAME_FOLLOWERS = (
    "未", "于", "在", "因", "擅自", "涉嫌", "违反", "违法", "经营", "驾驶", "无", "使用", "销售", "非法", "私自", "拒",
    "等", "系", "的", "男", "女", "身份", "联系", "住", "户籍", "家住", "现住", "出生", "生于", "已", "对", "将", "与",
    "和", "及", "向", "从", "以", "为", "所", "存在", "利用", "超", "持", "承认", "称", "名下", "作为", "运输", "收购",
    "生产", "储存", "从事", "占用", "拒绝", "自", "即", "并", "后", "时", "明知", "是", "有", "开办", "租用",
)  # fmt: skip
_STOP_LEFT = frozenset("在于住址是为及和与的系向从被对把自至到往由即并且其等:：,，。;；、()（）《》“”\"' \n\t")


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


# --------------------------------------------------------------------------------------- masks


def mask_name(name: str) -> str:
    """Surname + ``**`` (GB/T 35273 style): ``胡旭龙`` → ``胡**``, ``欧阳娜娜`` → ``欧阳**``; the length is hidden."""
    name = "".join(name.split())
    if not name:
        return ""
    surname = name[:2] if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES else name[:1]
    return surname + NAME_MASK


def _mask_plate(plate: str) -> str:
    compact = re.sub(r"[\s·.-]", "", plate)
    return compact[:2] + "*" * max(3, len(compact) - 2)


# --------------------------------------------------------------------------------------- numbers

_RUN = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[ -]?)?\d(?:[ -]?\d){5,22}(?:[ -]?[Xx])?(?![0-9A-Za-z])")
_PAREN_LANDLINE = re.compile(r"(?<![0-9])\(0\d{2,3}\)[ -]?\d{7,8}(?:(?:-|转|分机)\d{1,6})?(?![0-9])")
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}"
)
_PASSPORT_BARE = re.compile(r"(?<![A-Za-z0-9])(?:[EG]\d{8}|E[A-HJ-NP-Z]\d{7})(?![A-Za-z0-9])")
_CERT_WORDS = (
    "护照号码", "护照号", "护照", "港澳通行证", "台湾通行证", "通行证号码", "通行证", "证件号码", "证件号",
    "身份证号码", "身份证号", "公民身份号码", "身份号码", "身份证", "台胞证", "军官证", "士兵证", "驾驶证号",
    "驾驶证", "居住证",
    "居留证", "回乡证", "社保卡号", "社会保障号码", "医保卡号", "学生证号", "工作证号",
)  # fmt: skip
_CERT = re.compile(
    "(?:" + "|".join(map(re.escape, _CERT_WORDS)) + r")[（(]?(?:号码|号)?[)）]?[：:\s]*(?:为|是)?[：:\s]*"
    r"([A-Za-z0-9](?:[ -]?[A-Za-z0-9]){5,24})(?![A-Za-z0-9])"
)
_PHONE_WORDS = re.compile(
    r"(?:电话|手机|联系方式|座机|传真|热线|TEL|Tel|tel|微信|号码)[号码]?[：:\s]*(?:为|是)?[：:\s]*$"
)
_BANK_WORDS = re.compile(r"(?:账号|帐号|卡号|银行卡|账户|帐户|存折|开户行|收款账号)[号码]?[：:\s]*(?:为|是)?[：:\s]*$")
_CODE_WORDS = re.compile(
    r"(?:信用代码|注册号|代码|编号|文号|许可证号|证书号|批准号|案号|单号|流水号|发票号|登记号|备案号)[：:\s]*$"
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _looks_like_id(chars: str) -> bool:
    """An 18-character resident ID (check digit right, or a plausible region and birth date) or a 15-digit one."""
    if len(chars) == 18 and chars[:17].isdigit() and (chars[17].isdigit() or chars[17] == "X"):
        if chars[0] not in "12345678":
            return False
        total = sum(int(c) * w for c, w in zip(chars[:17], _ID_WEIGHTS, strict=True))
        if _ID_CHECK[total % 11] == chars[17]:
            return True
        year, month, day = int(chars[6:10]), int(chars[10:12]), int(chars[12:14])
        return 1900 <= year <= 2100 and _valid_date(year, month, day)
    if len(chars) == 15 and chars.isdigit():
        return chars[0] in "12345678" and _valid_date(1900 + int(chars[6:8]), int(chars[8:10]), int(chars[10:12]))
    return False


def _number_findings(text: str) -> list[Finding]:
    found: list[Finding] = []
    for m in _EMAIL.finditer(text):
        found.append(Finding("email", m.start(), m.end(), mask_email(m.group(0))))
    for m in _CERT.finditer(text):
        number = re.sub(r"[\s-]", "", m.group(1)).upper()
        kind = "id" if _looks_like_id(number) else "passport"
        found.append(Finding(kind, m.start(1), m.end(1), mask_id_number(number)))
    for m in _PASSPORT_BARE.finditer(text):
        found.append(Finding("passport", m.start(), m.end(), mask_id_number(m.group(0))))
    for m in _PAREN_LANDLINE.finditer(text):
        found.append(Finding("phone", m.start(), m.end(), mask_phone(m.group(0))))
    for m in _RUN.finditer(text):
        found += _classify_run(text, m.start(), m.group(0))
    return found


def find_numbers(text: str) -> list[Finding]:
    """Identifiers and contact numbers in ``text`` (normalised first by the caller: :func:`normalise`): resident IDs,
    passports and other certificates, phones, bank accounts, e-mail; non-overlapping, in order."""
    return _resolve([f for f in _number_findings(text) if f.kind in AT_REST_KINDS])


def _classify_run(text: str, offset: int, raw: str) -> list[Finding]:
    """A run of digits (grouped by spaces or dashes) as one number, or, when it is none as a whole, as consecutive
    groups that are (two numbers written side by side)."""
    whole = _classify(text, offset, raw)
    if whole is not None:
        return [whole]
    pieces = [(m.start(), m.end()) for m in re.finditer(r"[^\s-]+", raw)]
    found: list[Finding] = []
    i = 0
    while i < len(pieces):
        for j in range(len(pieces), i, -1):
            if i == 0 and j == len(pieces):
                continue
            start, end = pieces[i][0], pieces[j - 1][1]
            finding = _classify(text, offset + start, raw[start:end])
            if finding is not None:
                found.append(finding)
                i = j
                break
        else:
            i += 1
    return found


def _classify(text: str, start: int, raw: str) -> Finding | None:
    end = start + len(raw)
    chars = re.sub(r"[\s-]", "", raw).upper()
    before = text[max(0, start - 12) : start]
    digits = chars.lstrip("+")
    if len(digits) < 7 or _CODE_WORDS.search(before):
        return None  # short, or a code of an organisation or a decision
    if _looks_like_id(digits):
        return Finding("id", start, end, mask_id_number(digits))
    if not digits.isdigit():
        return None
    length = len(digits)
    if length == 18 and not digits.startswith("62") and is_valid_uscc(digits):
        return None  # an organisation's 统一社会信用代码 (public), not an account (UnionPay cards start 62)
    local = digits[2:] if digits.startswith("86") and length == 13 else digits
    if len(local) == 11 and local[0] == "1" and local[1] in "3456789":
        return Finding("phone", start, end, mask_phone(local))
    if 16 <= length <= 19:
        return Finding("bank", start, end, mask_bank_account(digits))
    if _BANK_WORDS.search(before) and 10 <= length <= 22:
        return Finding("bank", start, end, mask_bank_account(digits))
    if digits[0] == "0" and 10 <= length <= 12 and digits[1] != "0":
        return Finding("phone", start, end, mask_phone(raw))
    if _PHONE_WORDS.search(before) and 7 <= length <= 12:
        return Finding("phone", start, end, mask_phone(raw))
    return None


# --------------------------------------------------------------------------------------- protected spans

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
_CITATION = re.compile(r"《[^《》]{1,80}》")
_BUSINESS = re.compile(
    rf"[{_CJK}（）()·]{{2,30}}?(?:{'|'.join(sorted(map(re.escape, _BUSINESS_SUFFIXES), key=len, reverse=True))})"
)


def _protected_spans(
    text: str, subject: Subject, rules: RuleSet
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(strong, weak): citations, the record's own business names and the office's keep words are never searched
    at all; business names found by their ending (weak) only protect from name guesses and addresses, so a known
    person's name is masked even where it looks like part of a shop's name."""
    strong = [(m.start(), m.end()) for m in _CITATION.finditer(text)]
    for name in subject.keep:
        if len(name) >= 3:
            start = text.find(name)
            while start >= 0:
                strong.append((start, start + len(name)))
                start = text.find(name, start + len(name))
    if rules.keep_re is not None:
        strong.extend((m.start(), m.end()) for m in rules.keep_re.finditer(text))
    weak = list(strong)
    for m in _BUSINESS.finditer(text):
        inner = m.group(0)
        # a business name starts after the last stop character (当事人…在 XX 商行)
        cut = max((inner.rfind(ch) for ch in _STOP_LEFT | _BUSINESS_STOP), default=-1)
        begin = m.start() + cut + 1
        if m.end() - begin >= 3:
            weak.append((begin, m.end()))
    return strong, weak


_BUSINESS_STOP = frozenset("经营开办租用承包")


def _inside(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


# --------------------------------------------------------------------------------------- names


def _name_pattern(name: str) -> re.Pattern[str]:
    return re.compile(r"\s*".join(map(re.escape, name)))


def _known_names(subject: Subject) -> list[str]:
    names = []
    for raw in subject.names:
        name = "".join(normalise(raw).split())
        if 2 <= len(name) <= 20 and not any(ch.isdigit() for ch in name):
            names.append(name)
    return sorted(set(names), key=len, reverse=True)


def _name_findings(
    text: str, subject: Subject, rules: RuleSet, strong: Sequence[tuple[int, int]], weak: Sequence[tuple[int, int]]
) -> list[Finding]:
    found: list[Finding] = []
    known = _known_names(subject)
    surnames: set[str] = set()
    for name in known:
        masked = mask_name(name)
        surnames.add(masked[:-2])
        for m in _name_pattern(name).finditer(text):
            if not _inside(strong, m.start(), m.end()):
                found.append(Finding("name", m.start(), m.end(), masked))
    for surname in surnames:  # 胡某, 胡某某, 胡某龙: forms of a known name
        for m in re.finditer(rf"{re.escape(surname)}某(?:某|[{_CJK}](?=[，,。；;、（(\s]))?", text):
            if not _inside(strong, m.start(), m.end()):
                found.append(Finding("name", m.start(), m.end(), surname + NAME_MASK))
    # guesses: a surname-led run right after a marker, or before ，男/女，
    for m in rules.name_marker_re.finditer(text):
        guess = _guess_at(text, m.end(), rules)
        if guess is not None and not _inside(weak, *guess) and text[guess[0] : guess[1]] not in known:
            found.append(Finding("name_guess", guess[0], guess[1], mask_name(text[guess[0] : guess[1]]), sure=False))
    for m in _SEX.finditer(text):
        run = m.group(1)
        for length in (3, 2, 4):
            tail = run[-length:]
            if len(tail) != length or tail in rules.keep_words or tail in known:
                continue
            surname = tail[:2] if length == 4 and tail[:2] in COMPOUND_SURNAMES else tail[:1]
            if surname in rules.surnames and "某" not in tail:
                start = m.end(1) - length
                if not _inside(weak, start, m.end(1)):
                    found.append(Finding("name_guess", start, m.end(1), mask_name(tail), sure=False))
                break
    return found


_SEX = re.compile(rf"([{_CJK}]{{2,4}})[，,（(]\s*(?:男|女)[，,、）)]")


def _guess_at(text: str, at: int, rules: RuleSet, until: int | None = None) -> tuple[int, int] | None:
    """A person's name starting at ``at``: a surname then one or two given characters, the choice made by what
    follows (punctuation or a word that follows names: 未/于/涉嫌/经营…)."""
    rest = text[at : at + 6]
    if not rest or rest.startswith(tuple(w for w in rules.keep_words if w)):
        return None
    surname = rest[:2] if rest[:2] in rules.surnames and len(rest[:2]) == 2 else rest[:1]
    if surname not in rules.surnames or not re.fullmatch(rf"[{_CJK}]+", surname):
        return None
    base = at + len(surname)
    for given in (2, 3, 1):
        end = base + given
        run = text[base:end]
        if len(run) != given or not re.fullmatch(rf"[{_CJK}]+", run) or "某" in run:
            continue
        if until is not None:
            if end == until:
                return at, end
            continue
        after = text[end : end + 4]
        if not after or after[0] in "，,。；;：:、（()）\"“”' \n" or after.startswith(_NAME_FOLLOWERS):
            if text[at:end] in rules.keep_words:
                return None
            return at, end
    return None


# --------------------------------------------------------------------------------------- addresses

_ADDRESS_CHARS = re.compile(r"[省市县区镇乡村路街道号组栋幢室巷弄楼苑]")
_STREET = re.compile(
    rf"[{_CJK}\d]{{0,24}}?(?:"
    rf"(?:路|大道|大街|街|巷|弄|胡同|里)[\d一二三四五六七八九十百零〇-]+号(?:之[\d一二三四五六七八九十]+)?"
    rf"|(?:村|社区|居委会)[\d一二三四五六七八九十]+(?:组|号)"
    rf"|(?:小区|花园|公寓|大厦|家园|新村|苑|山庄|广场|华府|公馆)[\d一二三四五六七八九十A-Za-z]+(?:栋|幢|号楼|座|区)"
    rf")(?:[\d一二三四五六七八九十A-Za-z-]+(?:栋|幢|号楼|单元|室|楼|层|号|座|户))*"
)
_ADDRESS_END = re.compile(r"[，,。；;）)\n、！!？?]")


def _address_findings(text: str, rules: RuleSet, weak: Sequence[tuple[int, int]]) -> list[Finding]:
    found: list[Finding] = []
    for m in rules.address_marker_re.finditer(text):
        start = m.end()
        stop = _ADDRESS_END.search(text, start, start + 60)
        end = stop.start() if stop else min(len(text), start + 60)
        span = text[start:end]
        if len(span) < 3 or not _ADDRESS_CHARS.search(span) or _inside(weak, start, end):
            continue
        found.append(Finding("address_guess", start, end, mask_address(span), sure=False))
    for m in _STREET.finditer(text):
        matched = m.group(0)
        cut = max((matched.rfind(ch) for ch in _STOP_LEFT), default=-1)
        start = m.start() + cut + 1
        if cut < 0:  # the match began at its length limit: widen to the left over the place name
            while start > 0 and start > m.start() - 24 and text[start - 1] not in _STOP_LEFT:
                start -= 1
        if start >= m.end() or _inside(weak, start, m.end()):
            continue
        found.append(Finding("address", start, m.end(), mask_address(text[start : m.end()])))
    return found


# --------------------------------------------------------------------------------------- plates, births

_PLATE = re.compile(
    r"(?<![A-Za-z0-9])[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][·.\s-]?"
    r"[A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警港澳领](?![A-Za-z0-9])"
)
_BIRTH = re.compile(
    r"(?:出生日期|出生年月日|出生年月|出生于|生于|出生|生日)[：:\s]*(?:为|是)?[：:\s]*"
    r"(\d{4}\s*(?:年|[-./])\s*\d{1,2}\s*(?:月|[-./])\s*(?:\d{1,2}\s*日?)?|\d{8}|\d{4}\s*年\s*\d{1,2}\s*月)"
    r"|(\d{4}\s*年\s*\d{1,2}\s*月\s*(?:\d{1,2}\s*日)?)\s*(?:出生|生)(?![产效活意])"
)


def _other_findings(text: str) -> list[Finding]:
    found = [Finding("plate", m.start(), m.end(), _mask_plate(m.group(0))) for m in _PLATE.finditer(text)]
    for m in _BIRTH.finditer(text):
        group = 1 if m.group(1) else 2
        found.append(Finding("birth", m.start(group), m.end(group), "****年**月**日"))
    return found


# --------------------------------------------------------------------------------------- the two entry points


def _resolve(findings: list[Finding]) -> list[Finding]:
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


def _apply_original(original: str, where: list[int], findings: list[Finding]) -> str:
    """``findings`` (spans of the normalised text) applied to the text as written: what is not masked keeps its
    own characters (an em dash stays an em dash), a masked span takes in the invisible characters inside it."""
    parts: list[str] = []
    at = 0
    for finding in findings:
        start = where[finding.start]
        end = where[finding.end - 1] + 1
        parts.append(original[at:start])
        parts.append(finding.masked)
        at = end
    parts.append(original[at:])
    return "".join(parts)


def desensitise(value: str, subject: Subject, rules: RuleSet = BUILTIN, *, guesses: bool = True) -> Result:
    """What of ``value`` the public may read: numbers masked for every subject, and for a natural person (or a
    个体工商户) names, addresses below the 乡镇/街道 level, plates and dates of birth too. ``guesses=False`` applies
    the sure rules only (a reviewer's confirmed text)."""
    if not value:
        return Result(value)
    cut = len(value) > MAX_TEXT
    scanned = value[:MAX_TEXT]
    text, where = _normalise_mapped(scanned)
    findings = _number_findings(text)
    for _label, pattern in rules.extra_patterns:
        findings += [
            Finding("pattern", m.start(), m.end(), "***") for m in pattern.finditer(text) if m.end() > m.start()
        ]
    if subject.natural:
        strong, weak = _protected_spans(text, subject, rules)
        findings += _name_findings(text, subject, rules, strong, weak)
        findings += _address_findings(text, rules, weak)
        findings += _other_findings(text)
    if not guesses:
        findings = [f for f in findings if f.sure]
    chosen = _resolve(findings)
    if not chosen and not cut:
        return Result(value)
    return Result(_apply_original(scanned, where, chosen) + ("…" if cut else ""), tuple(chosen))


def desensitise_value(
    value: Any, subject: Subject, rules: RuleSet = BUILTIN, *, guesses: bool = True
) -> tuple[Any, list[Finding]]:
    """:func:`desensitise` over a field's value as stored: a text, a list of texts (each desensitised), anything
    else (a number, a date, ``None``) unchanged. Returns the shown value and the findings."""
    if isinstance(value, str):
        result = desensitise(value, subject, rules, guesses=guesses)
        return result.text, list(result.findings)
    if isinstance(value, list | tuple):
        out: list[Any] = []
        findings: list[Finding] = []
        for item in value:
            masked, found = desensitise_value(item, subject, rules, guesses=guesses)
            out.append(masked)
            findings += found
        return out, findings
    return value, []


def guessed_names(values: Iterable[Any], subject: Subject, rules: RuleSet = BUILTIN) -> tuple[str, ...]:
    """Names the desensitiser guessed (after 当事人…, before ，男，) anywhere in ``values``: a caller adds them to the
    subject's known names so the same person is masked in every field of the record (a case's title naming the
    当事人 its body introduces)."""
    if not subject.natural:
        return ()
    found: list[str] = []
    for value in values:
        texts = value if isinstance(value, list | tuple) else [value]
        for text in texts:
            if not isinstance(text, str) or not text:
                continue
            normal = normalise(text[:MAX_TEXT])
            result = desensitise(text, subject, rules)
            found += [normal[f.start : f.end] for f in result.findings if f.kind == "name_guess"]
    return tuple(dict.fromkeys(n for n in found if 2 <= len(n) <= 4))


def protect(value: str) -> Result:
    """``value`` with identifiers and contact numbers (ID, passport and other certificates, phones, bank accounts,
    e-mail) replaced by their masked forms: what is stored in clear beside the encrypted original."""
    if not value:
        return Result(value)
    text, where = _normalise_mapped(value)
    chosen = _resolve([f for f in _number_findings(text) if f.kind in AT_REST_KINDS])
    if not chosen:
        return Result(value)
    return Result(_apply_original(value, where, chosen), tuple(chosen))


def protect_title(value: str, subject: Subject, rules: RuleSet = BUILTIN) -> Result:
    """A title (决定文书名称, 处罚名称…) as stored: what :func:`protect` takes out of any text, and for a natural person
    (or a 个体工商户) the names of the persons the record names (sure findings only, so a title is stored the same way
    each time it is sent): ``胡旭龙无烟草专卖品准运证运输烟草案`` → ``胡**无烟草专卖品准运证运输烟草案``."""
    if not value:
        return Result(value)
    text, where = _normalise_mapped(value)
    findings = [f for f in _number_findings(text) if f.kind in AT_REST_KINDS]
    if subject.natural:
        strong, weak = _protected_spans(text, subject, rules)
        findings += [f for f in _name_findings(text, subject, rules, strong, weak) if f.kind == "name"]
    chosen = _resolve(findings)
    if not chosen:
        return Result(value)
    return Result(_apply_original(value, where, chosen), tuple(chosen))
