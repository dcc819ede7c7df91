"""Cross-level exchange rules: source levels, transports, item states, the canonical field names, the upstream list
types and the catalogued measures each is subject to.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from xinyong.lists.rules import ListCategory
from xinyong.punishment.rules import MemorandumLevel, MemorandumSpec

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


def field_key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().replace(" ", "").replace("*", "").lower()


HEADERS: Final[dict[str, str]] = {
    field_key(name): code for code, chinese, others in FIELDS for name in (code, chinese, *others)
}


def canonical_field(header: str) -> str | None:
    """The field code a header (code, Chinese name, or English alias) stands for; None when unknown."""
    return HEADERS.get(field_key(header))


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
