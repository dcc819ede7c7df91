"""Pure rules of cross-level exchange (跨层级信用信息交换, notice clauses (10) and (16), req §3.2 and §3.10): the
kinds of upstream source, the upstream list types and the national memoranda that cover them, the field layout of an
upstream list item and its validation, content hashes for idempotency, the changes-since feed's page shape and the
cursor's order. No database, no web framework.

An upstream list item (one row of a file, one line of JSON lines, one element of a feed page's ``items``) names its
fields by code or by Chinese name:

======== ============================ =========================================================
code     Chinese name                 meaning
======== ============================ =========================================================
ID       名单编号                      the source's own identifier of the entry (required)
MDLX     名单类型                      list type code (``court_dishonest``…) or its Chinese name
ZT       状态                          有效 / 已移出 / 已撤销 (active / exited / revoked)
XDR_MC   主体名称                      the subject's name (required)
XDR_SHXYM 统一社会信用代码              an entity's USCC …
XDR_ZJLX 证件类型                      … or a person's ID type and number
XDR_ZJHM 证件号码
LRYY     列入事由                      facts (required)
LRYJ     列入依据                      legal basis (required)
WSH      决定文书号                    the deciding document's number
JDRQ     列入日期                      decision date (required)
YXQZ     有效期自                      valid from (default: the decision date)
YXQZI    有效期至                      valid to (empty or 长期: no end date)
YCRQ     移出日期                      exit / revocation date
YCYY     移出原因                      exit / revocation reason
RDJG     认定机关                      the issuing body (default: the source's)
BBH      版本号                        the source's version number of the item (optional, integer)
======== ============================ =========================================================
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from xinyong.core.errors import InvalidInput
from xinyong.core.ids import IdType, validate_person_id, validate_uscc
from xinyong.lists.rules import ListCategory
from xinyong.punishment.rules import MemorandumLevel, MemorandumSpec
from xinyong.records.ingest.validate import validate_row
from xinyong.records.ingest.values import LONG_TERM as _LONG_TERM
from xinyong.records.ingest.values import BadValue, parse_date, parse_end_date

LONG_TERM_TEXT = "长期"  # stored in YXQZI when the source said so


class SourceLevel(StrEnum):
    NATIONAL = "national"  # 国家级
    PROVINCIAL = "provincial"  # 省级
    CITY = "city"  # 其他设区市

    @property
    def label(self) -> str:
        return {"national": "国家级", "provincial": "省级", "city": "其他城市"}[self.value]


class Transport(StrEnum):
    FOLDER = "folder"  # files dropped in a folder, read by ``xinyong sync scan``
    UPLOAD = "upload"  # files uploaded in the console or the API
    HTTP = "http"  # a changes-since HTTP feed pulled by ``xinyong sync pull``


class ItemState(StrEnum):
    APPLIED = "applied"  # the version is what the entry shows
    HELD = "held"  # conflicts with local data: waits for the office (never merged silently)
    DISMISSED = "dismissed"  # the office decided not to apply the held version


UPSTREAM_STATUS_WORDS: Final[dict[str, str]] = {
    "active": "active", "有效": "active", "在列": "active", "已公示": "active", "列入": "active",
    "exited": "exited", "已移出": "exited", "移出": "exited", "已退出": "exited", "屏蔽": "exited",
    "revoked": "revoked", "已撤销": "revoked", "撤销": "revoked", "撤回": "revoked",
}  # fmt: skip
STATUS_LABELS: Final = {"active": "有效", "exited": "已移出", "revoked": "已撤销"}

# (code, Chinese name, other names)
FIELDS: Final[tuple[tuple[str, str, tuple[str, ...]], ...]] = (
    ("ID", "名单编号", ("唯一标识", "编号", "id", "upstream_id")),
    ("MDLX", "名单类型", ("list_type",)),
    ("ZT", "状态", ("当前状态", "status")),
    ("XDR_MC", "主体名称", ("行政相对人名称", "被执行人姓名/名称", "当事人名称", "name")),
    ("XDR_SHXYM", "统一社会信用代码", ("uscc",)),
    ("XDR_ZJLX", "证件类型", ("id_type",)),
    ("XDR_ZJHM", "证件号码", ("身份证号码", "id_number")),
    ("LRYY", "列入事由", ("失信行为", "违法事实", "facts")),
    ("LRYJ", "列入依据", ("依据", "basis")),
    ("WSH", "决定文书号", ("文书号", "执行依据文号", "doc_no")),
    ("JDRQ", "列入日期", ("决定日期", "认定日期", "发布日期", "decision_date")),
    ("YXQZ", "有效期自", ("valid_from",)),
    ("YXQZI", "有效期至", ("valid_to",)),
    ("YCRQ", "移出日期", ("撤销日期", "exit_date")),
    ("YCYY", "移出原因", ("撤销原因", "exit_reason")),
    ("RDJG", "认定机关", ("发布机关", "issuing_body")),
    ("BBH", "版本号", ("version",)),
)
REQUIRED: Final = ("ID", "MDLX", "XDR_MC", "LRYY", "LRYJ", "JDRQ")
LIMITS: Final = {"ID": 128, "XDR_MC": 200, "WSH": 128, "RDJG": 128, "LRYY": 5000, "LRYJ": 5000, "YCYY": 2000}
MAX_TEXT: Final = 5000


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().replace(" ", "").replace("*", "").lower()


HEADERS: Final[dict[str, str]] = {
    _key(name): code for code, chinese, others in FIELDS for name in (code, chinese, *others)
}


def canonical_field(header: str) -> str | None:
    """The field code a header (code, Chinese name, or English alias) stands for; None when unknown."""
    return HEADERS.get(_key(header))


@dataclass(frozen=True, slots=True)
class UpstreamListType:
    code: str
    name: str
    issuing_body: str
    category: ListCategory
    criteria: str
    legal_basis: str
    duration_months: int
    exit_rules: str


UPSTREAM_LIST_TYPES: Final[tuple[UpstreamListType, ...]] = (
    UpstreamListType(
        "court_dishonest", "失信被执行人名单", "最高人民法院", ListCategory.SERIOUS,
        "被执行人具有履行能力而不履行生效法律文书确定的义务等情形，由人民法院依法纳入失信被执行人名单。",
        "《中华人民共和国民事诉讼法》；《最高人民法院关于公布失信被执行人名单信息的若干规定》（法释〔2017〕7号）",
        24,
        "有效期由人民法院决定（一般为二年，可延长一至三年）；履行义务、撤销或期满后由人民法院删除，本市不得自行移出。",
    ),
    UpstreamListType(
        "tax_major", "重大税收违法失信主体", "国家税务总局", ListCategory.SERIOUS,
        "逃避缴纳税款、骗取出口退税、虚开发票等达到《重大税收违法失信主体信息公布管理办法》标准的主体。",
        "《中华人民共和国税收征收管理法》；《重大税收违法失信主体信息公布管理办法》（国家税务总局令第54号）",
        36,
        "自公布之日起满三年停止公布；符合条件的可由税务机关提前停止公布，本市不得自行移出。",
    ),
    UpstreamListType(
        "samr_serious", "严重违法失信名单", "国家市场监督管理总局", ListCategory.SERIOUS,
        "实施严重违法行为且受到较重行政处罚，由市场监督管理部门列入严重违法失信名单的当事人。",
        "《市场监督管理严重违法失信名单管理办法》（国家市场监督管理总局令第44号）",
        36,
        "列入满三年由市场监管部门移出；满一年且完成信用修复的可申请提前移出，本市不得自行移出。",
    ),
    UpstreamListType(
        "wage_arrears", "拖欠农民工工资失信联合惩戒对象名单", "人力资源社会保障部", ListCategory.SERIOUS,
        "克扣、无故拖欠农民工工资达到认定拒不支付劳动报酬罪数额标准等情形的用人单位及其有关人员。",
        "《保障农民工工资支付条例》；《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》（人力资源社会保障部令第45号）",
        36,
        "列入期限为三年；已改正且未再发生拖欠的可申请提前移出，由人力资源社会保障部门决定，本市不得自行移出。",
    ),
    UpstreamListType(
        "procurement_ban", "政府采购严重违法失信行为记录名单", "财政部", ListCategory.MARKET_BAN,
        "在政府采购活动中有严重违法失信行为，被财政部门依法处以禁止参加政府采购活动的供应商、代理机构。",
        "《中华人民共和国政府采购法》第七十七条；《中华人民共和国政府采购法实施条例》",
        36,
        "禁止参加政府采购活动的期限（一至三年）届满后移出，本市不得自行移出。",
    ),
)  # fmt: skip
UPSTREAM_CODES: Final = frozenset(t.code for t in UPSTREAM_LIST_TYPES)

# Catalogued measures (punishment.rules.DEFAULT_MEASURES) each upstream list type is also subject to.
_COURT = ("GP01", "PR01", "FF01", "TX01", "SE01", "BD01", "FC01", "TR01", "TR02", "CS01", "EX01", "MG01")
_TAX = ("GP01", "PR01", "FF01", "TX01", "SE01", "BD01", "FC01", "EX01", "MG01")
_SAMR = ("GP01", "PR01", "FF01", "SE01", "BD01", "FC01", "ID01", "MG01")
_WAGE = ("GP01", "PR01", "FF01", "TX01", "FC01", "TR01", "TR02", "MG01")
_PROCUREMENT = ("GP01", "PR01", "MG01")
LINKS: Final[dict[str, tuple[str, ...]]] = {
    "court_dishonest": _COURT,
    "tax_major": _TAX,
    "samr_serious": _SAMR,
    "wage_arrears": _WAGE,
    "procurement_ban": _PROCUREMENT,
}


def measure_scopes() -> dict[str, tuple[str, ...]]:
    """Measure code -> the upstream list types it must also apply to."""
    scopes: dict[str, list[str]] = {}
    for list_code, codes in LINKS.items():
        for code in codes:
            scopes.setdefault(code, []).append(list_code)
    return {code: tuple(sorted(v)) for code, v in sorted(scopes.items())}


UPSTREAM_MEMORANDA: Final[tuple[MemorandumSpec, ...]] = (
    MemorandumSpec(
        "发改财金〔2016〕141号", "关于对失信被执行人实施联合惩戒的合作备忘录", MemorandumLevel.NATIONAL,
        ("国家发展改革委", "最高人民法院", "中国人民银行", "财政部", "税务总局", "公安部"),
        (("court_dishonest", _COURT),),
    ),
    MemorandumSpec(
        "发改财金〔2016〕1467号", "关于对重大税收违法案件当事人实施联合惩戒措施的合作备忘录（2016版）",
        MemorandumLevel.NATIONAL, ("国家发展改革委", "税务总局", "中国人民银行", "财政部", "公安部"),
        (("tax_major", _TAX),),
    ),
    MemorandumSpec(
        "发改财金〔2015〕2045号", "失信企业协同监管和联合惩戒合作备忘录", MemorandumLevel.NATIONAL,
        ("国家发展改革委", "国家工商总局", "中国人民银行", "财政部"),
        (("samr_serious", _SAMR),),
    ),
    MemorandumSpec(
        "发改财金〔2017〕2058号", "关于对严重拖欠农民工工资用人单位及其有关人员开展联合惩戒的合作备忘录",
        MemorandumLevel.NATIONAL, ("国家发展改革委", "人力资源社会保障部", "中国人民银行", "财政部"),
        (("wage_arrears", _WAGE),),
    ),
    MemorandumSpec(
        "发改财金〔2018〕1614号", "关于对政府采购领域严重违法失信主体开展联合惩戒的合作备忘录",
        MemorandumLevel.NATIONAL, ("国家发展改革委", "财政部", "中国人民银行"),
        (("procurement_ban", _PROCUREMENT),),
    ),
)  # fmt: skip


# ---------------------------------------------------------------- one item


@dataclass(frozen=True, slots=True)
class ItemError:
    row: int
    field: str
    reason: str
    upstream_id: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedItem:
    """One validated upstream list item, normalised (dates as dates, the ID number kept only here)."""

    upstream_id: str
    list_code: str
    status: str  # active / exited / revoked
    subject_name: str
    uscc: str | None
    id_type: str | None
    id_number: str | None
    facts: str
    basis: str
    doc_no: str | None
    decision_date: dt.date
    valid_from: dt.date
    valid_to: dt.date | None
    exit_date: dt.date | None
    exit_reason: str | None
    issuing_body: str | None
    upstream_version: int | None
    content: dict[str, Any] = field(default_factory=dict)  # what is hashed and stored (ID number masked)
    long_term: bool = False  # valid_to None because the source said 长期, not because it gave nothing


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    raise BadValue("值应为文本、数字或空 (expected text, a number or null)")


_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalise_fields(raw: Mapping[str, object]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Map a raw item's keys to field codes; (fields, errors). Unknown keys are errors (nothing silently dropped
    except empty values)."""
    fields: dict[str, str] = {}
    errors: list[tuple[str, str]] = []
    for key, value in raw.items():
        code = canonical_field(str(key))
        if code is None:
            errors.append((str(key)[:40], "未知字段 (unknown field)"))
            continue
        try:
            text = _text(value)
        except BadValue as bad:
            errors.append((code, str(bad)))
            continue
        if _CONTROL.search(text):
            errors.append((code, "含控制字符 (control characters)"))
            continue
        if len(text) > LIMITS.get(code, MAX_TEXT):
            errors.append((code, f"超过 {LIMITS.get(code, MAX_TEXT)} 个字符 (too long)"))
            continue
        if code in fields and fields[code] != text:
            errors.append((code, "字段重复且取值不同 (duplicate field)"))
            continue
        if text:
            fields[code] = text
    return fields, errors


def _masked(number: str) -> str:
    return number[:3] + "*" * max(0, len(number) - 7) + number[-4:] if len(number) > 7 else "*" * len(number)


def parse_item(
    raw: Mapping[str, object],
    *,
    row: int,
    carried: Mapping[str, str],
    today: dt.date,
) -> ParsedItem | list[ItemError]:
    """Validate one upstream item. ``carried``: list type code -> name for the list types the source carries
    (an item may name its type by code or by name). Returns the parsed item, or every error found in the row."""
    fields, problems = normalise_fields(raw)
    upstream_id = fields.get("ID")
    errors = [ItemError(row, f, r, upstream_id) for f, r in problems]

    def error(name: str, reason: str) -> None:
        errors.append(ItemError(row, name, reason, upstream_id))

    for name in REQUIRED:
        if name not in fields:
            error(name, "必填项为空 (required field is empty)")
    list_code = fields.get("MDLX")
    if list_code is not None:
        by_name = {v: k for k, v in carried.items()}
        list_code = list_code if list_code in carried else by_name.get(list_code)
        if list_code is None:
            allowed = "、".join(f"{k}（{v}）" for k, v in sorted(carried.items())) or "无"
            error("MDLX", f"该来源未配置此名单类型，可接收：{allowed} (list type not carried by this source)")
    status = UPSTREAM_STATUS_WORDS.get(fields.get("ZT", "有效"))
    if status is None:
        error("ZT", "状态应为 有效、已移出 或 已撤销 (status must be active, exited or revoked)")
    uscc = id_type = id_number = None
    if "XDR_SHXYM" in fields and ("XDR_ZJHM" in fields or "XDR_ZJLX" in fields):
        error("XDR_SHXYM", "主体只能是统一社会信用代码或证件号码之一 (either a USCC or a person's ID)")
    elif "XDR_SHXYM" in fields:
        try:
            uscc = validate_uscc(fields["XDR_SHXYM"], field="XDR_SHXYM").code
        except InvalidInput as bad:
            error("XDR_SHXYM", bad.message)
    elif "XDR_ZJHM" in fields:
        kind = _id_type(fields.get("XDR_ZJLX", "身份证"))
        if kind is None:
            error("XDR_ZJLX", "证件类型无法识别 (unknown ID type)")
        else:
            try:
                id_number = validate_person_id(kind, fields["XDR_ZJHM"], field="XDR_ZJHM")
                id_type = kind.value
            except InvalidInput as bad:
                error("XDR_ZJHM", bad.message)
    else:
        error("XDR_SHXYM", "须填写统一社会信用代码或证件号码 (a USCC or an ID number is required)")
    dates: dict[str, dt.date | None] = {}
    for name in ("JDRQ", "YXQZ", "YCRQ"):
        if name in fields:
            try:
                dates[name] = parse_date(fields[name])
            except BadValue as bad:
                error(name, str(bad))
    valid_to: dt.date | None = None
    long_term = False  # the source said 长期 in so many words (an empty cell is no end date given)
    if "YXQZI" in fields:
        try:
            end = parse_end_date(fields["YXQZI"])
            long_term = end == _LONG_TERM
            valid_to = None if long_term else end
        except BadValue as bad:
            error("YXQZI", str(bad))
    version: int | None = None
    if "BBH" in fields:
        if not fields["BBH"].isdigit() or len(fields["BBH"]) > 12:
            error("BBH", "版本号应为非负整数 (version must be a non-negative integer)")
        else:
            version = int(fields["BBH"])
    decision = dates.get("JDRQ")
    valid_from = dates.get("YXQZ") or decision
    if decision is not None and decision > today:
        error("JDRQ", "列入日期晚于今天 (decision date in the future)")
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        error("YXQZI", "有效期至早于有效期自 (valid_to before valid_from)")
    exit_date = dates.get("YCRQ")
    if status in ("exited", "revoked") and exit_date is None:
        exit_date = today
    if status == "active" and exit_date is not None:
        error("YCRQ", "有效状态不应有移出日期 (an active entry has no exit date)")
    if errors or decision is None or valid_from is None or list_code is None or status is None:
        return errors or [ItemError(row, "row", "无法解析 (unreadable row)", upstream_id)]
    assert upstream_id is not None
    content: dict[str, Any] = {
        "ID": upstream_id,
        "MDLX": list_code,
        "ZT": status,
        "XDR_MC": fields["XDR_MC"],
        "XDR_SHXYM": uscc,
        "XDR_ZJLX": id_type,
        "XDR_ZJHM": _masked(id_number) if id_number else None,
        "XDR_ZJHM_SHA256": hashlib.sha256(id_number.encode()).hexdigest() if id_number else None,
        "LRYY": fields["LRYY"],
        "LRYJ": fields["LRYJ"],
        "WSH": fields.get("WSH"),
        "JDRQ": decision.isoformat(),
        "YXQZ": valid_from.isoformat(),
        "YXQZI": valid_to.isoformat() if valid_to else (LONG_TERM_TEXT if long_term else None),
        "YCRQ": exit_date.isoformat() if exit_date and status != "active" else None,
        "YCYY": fields.get("YCYY"),
        "RDJG": fields.get("RDJG"),
        "BBH": version,
    }
    return ParsedItem(
        upstream_id=upstream_id,
        list_code=list_code,
        status=status,
        subject_name=fields["XDR_MC"],
        uscc=uscc,
        id_type=id_type,
        id_number=id_number,
        facts=fields["LRYY"],
        basis=fields["LRYJ"],
        doc_no=fields.get("WSH"),
        decision_date=decision,
        valid_from=valid_from,
        valid_to=valid_to,
        exit_date=exit_date if status != "active" else None,
        exit_reason=fields.get("YCYY"),
        issuing_body=fields.get("RDJG"),
        long_term=long_term,
        upstream_version=version,
        content=content,
    )


_ID_WORDS: Final = {
    **{t.value: t for t in IdType},
    **{t.label: t for t in IdType},
    "居民身份证": IdType.RESIDENT_ID,
    "身份证号": IdType.RESIDENT_ID,
}


def _id_type(text: str) -> IdType | None:
    return _ID_WORDS.get(unicodedata.normalize("NFKC", text).strip())


def content_hash(content: Mapping[str, Any]) -> str:
    """SHA-256 of the item's canonical JSON: the same content always hashes the same, whatever the key order."""
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def same_name(local: str, upstream: str) -> bool:
    """Names match ignoring width, spaces and brackets' width (（） vs ())."""
    return _key(local) == _key(upstream)


# ---------------------------------------------------------------- the changes-since feed


@dataclass(frozen=True, slots=True)
class FeedPage:
    items: list[Any]
    next_cursor: str | None
    has_more: bool


MAX_CURSOR: Final = 200
_CURSOR: Final = re.compile(r"[A-Za-z0-9:._+\-TZ]{1,200}")


def cursor_key(cursor: str) -> tuple[int, int, str]:
    """The order of cursors: all-digit cursors by number, others (ISO timestamps, opaque tokens) as text."""
    if cursor.isdigit():
        return (0, len(cursor.lstrip("0")), cursor.lstrip("0"))
    return (1, 0, cursor)


def parse_page(body: object, *, current: str | None, max_items: int) -> FeedPage:
    """Check a feed page's shape: ``{"items": [...], "next_cursor": "...", "has_more": bool}``. Refuses (with the
    reason) a page that is not an object, has too many items, a malformed cursor, or a cursor going backwards or
    standing still while more is promised (a feed that would loop for ever)."""
    if not isinstance(body, dict):
        raise InvalidInput("feed page is not a JSON object (接口返回格式错误)", field="page")
    unknown = sorted(set(body) - {"items", "next_cursor", "has_more"})
    if unknown:
        raise InvalidInput(f"feed page has unknown keys: {', '.join(k[:30] for k in unknown[:5])}", field="page")
    items = body.get("items")
    if not isinstance(items, list):
        raise InvalidInput("feed page has no items list (缺少 items)", field="page.items")
    if len(items) > max_items:
        raise InvalidInput(
            f"feed page has {len(items)} items, more than {max_items} (单页条目过多)", field="page.items"
        )
    has_more = body.get("has_more", False)
    if not isinstance(has_more, bool):
        raise InvalidInput("has_more must be true or false", field="page.has_more")
    cursor = body.get("next_cursor")
    if cursor is not None and (not isinstance(cursor, str) or not _CURSOR.fullmatch(cursor)):
        raise InvalidInput("next_cursor must be 1–200 characters of A-Z a-z 0-9 : . _ + -", field="page.next_cursor")
    if has_more and cursor is None:
        raise InvalidInput("has_more without next_cursor (游标缺失)", field="page.next_cursor")
    if cursor is not None and current is not None:
        if cursor_key(cursor) < cursor_key(current):
            raise InvalidInput(
                f"cursor went backwards ({cursor[:40]} < {current[:40]}) (游标倒退，拒绝本页)", field="page.next_cursor"
            )
        if cursor == current and has_more:
            raise InvalidInput("cursor did not advance although has_more (游标未前进)", field="page.next_cursor")
    return FeedPage(items=items, next_cursor=cursor, has_more=has_more)


# ---------------------------------------------------------------- outbound


def push_key(kind: str, local_id: int, version: int) -> str:
    """The idempotency key of one pushed item version: a re-send of the same version carries the same key."""
    return f"gongqingcheng:{kind}:{local_id}:v{version}"


# ---------------------------------------------------------------- upstream credit records


RECORD_PREFIXES: Final = {"CF_": "penalty", "XK_": "license"}
RECORD_KIND_WORDS: Final = {"penalty": "penalty", "行政处罚": "penalty", "license": "license", "行政许可": "license"}


def record_kind_of(raw: Mapping[str, object]) -> str | None:
    """The credit record kind an upstream item carries (``LB``/``记录类别`` = penalty or license, or national 2.0
    field codes with the CF_/XK_ prefix); None for a list item."""
    for key in ("LB", "记录类别", "kind"):
        value = raw.get(key)
        if isinstance(value, str) and value.strip():
            return RECORD_KIND_WORDS.get(value.strip(), value.strip()[:32])
    prefixes = {RECORD_PREFIXES[str(k)[:3]] for k in raw if str(k)[:3] in RECORD_PREFIXES}
    return prefixes.pop() if len(prefixes) == 1 else None


@dataclass(frozen=True, slots=True)
class ParsedRecord:
    """One validated upstream credit record (行政处罚 or 行政许可 in the national format); ID numbers masked."""

    upstream_id: str
    kind: str
    doc_no: str
    subject_name: str
    uscc: str | None
    id_type: str | None
    id_number: str | None
    decision_date: dt.date
    status: str
    content: dict[str, Any]


def parse_record(
    raw: Mapping[str, object], *, row: int, kind: str, today: dt.date, source_department: str
) -> ParsedRecord | list[ItemError]:
    """Validate an upstream credit record with the aggregation's own row validator (records/ingest): the same
    required fields, dates, enumerations and subject rules as a department's file. ``JLID`` (or ``ID``) is the
    source's identifier; without one the document number is."""
    prefix = next(p for p, k in RECORD_PREFIXES.items() if k == kind)
    upstream_id = str(raw.get("JLID") or raw.get("ID") or "").strip()[:128] or None
    fields = {
        (str(k)[len(prefix) :] if str(k).startswith(prefix) else str(k)): v
        for k, v in raw.items()
        if str(k) not in ("LB", "记录类别", "kind", "JLID", "ID", "BGLX", "BBH", "SJC", "DFBM")
    }
    outcome = validate_row(kind, fields, row=row, today=today, source_department=source_department)
    if outcome.record is None:
        return [ItemError(row, e.field, e.reason, upstream_id) for e in outcome.errors]
    record = outcome.record
    subject: dict[str, str] = {k: str(v) for k, v in record["subject"].items()}
    id_number = subject.pop("id_number", None)
    if id_number:
        subject["id_number"] = _masked(id_number)
        subject["id_sha256"] = hashlib.sha256(id_number.encode()).hexdigest()
    content: dict[str, Any] = {
        "kind": kind,
        "doc_no": record["doc_no"],
        "subject": subject,
        "title": record["title"],
        "decision_date": record["decision_date"].isoformat(),
        "severity": record["severity"],
        "status": record["status"],
        "content": {
            k: (_masked(str(v)) if k in ("XDR_ZJHM", "FR_ZJHM") and v else v) for k, v in record["content"].items()
        },
    }
    return ParsedRecord(
        upstream_id=upstream_id or f"{kind}:{record['doc_no']}",
        kind=kind,
        doc_no=record["doc_no"],
        subject_name=subject.get("name", ""),
        uscc=subject.get("uscc"),
        id_type=subject.get("id_type"),
        id_number=id_number,
        decision_date=record["decision_date"],
        status=record["status"],
        content=content,
    )
