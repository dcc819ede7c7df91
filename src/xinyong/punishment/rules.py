"""Pure rules of joint punishment (联合惩戒, req §3.10, notice clauses 10–12): the business scenarios, the measure
categories of the national basic list (全国失信惩戒措施基础清单), the seeded catalogue and memoranda, and the plain
explanation a check answers with. No database, no web framework.

Only catalogued measures can ever be returned by a check: a measure applies to a list entry when a memorandum links
the entry's list type to the measure and the measure bites in the requested scenario.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Scenario(StrEnum):
    """业务场景: where a business system asks before acting."""

    STOCK_ISSUE = "stock_issue"  # 股票发行
    PUBLIC_RESOURCE_TRADING = "public_resource_trading"  # 公共资源交易（招投标）
    ENTERPRISE_BONDS = "enterprise_bonds"  # 企业债券
    FISCAL_FUNDS = "fiscal_funds"  # 财政性资金项目
    TAX_INCENTIVES = "tax_incentives"  # 税收优惠
    GOVERNMENT_PROCUREMENT = "government_procurement"  # 政府采购
    FINANCIAL_CREDIT = "financial_credit"  # 金融授信
    FLIGHTS = "flights"  # 乘坐飞机
    HIGH_SPEED_RAIL = "high_speed_rail"  # 高等级列车
    EXIT_ABROAD = "exit_abroad"  # 出境
    TOURISM = "tourism"  # 旅游
    INDUSTRY_CRITICISM = "industry_criticism"  # 行业通报批评
    PUBLIC_CENSURE = "public_censure"  # 公开谴责
    NON_ADMISSION = "non_admission"  # 不予接纳
    EXPULSION = "expulsion"  # 劝退
    SUPERVISION = "supervision"  # 日常监管（检查频次）
    ADMINISTRATIVE_APPROVAL = "administrative_approval"  # 行政审批（政务服务）: where most incentives apply

    @property
    def label(self) -> str:
        return SCENARIO_LABELS[self]


SCENARIO_LABELS: dict[Scenario, str] = {
    Scenario.STOCK_ISSUE: "股票发行",
    Scenario.PUBLIC_RESOURCE_TRADING: "公共资源交易",
    Scenario.ENTERPRISE_BONDS: "企业债券",
    Scenario.FISCAL_FUNDS: "财政性资金项目",
    Scenario.TAX_INCENTIVES: "税收优惠",
    Scenario.GOVERNMENT_PROCUREMENT: "政府采购",
    Scenario.FINANCIAL_CREDIT: "金融授信",
    Scenario.FLIGHTS: "乘坐飞机",
    Scenario.HIGH_SPEED_RAIL: "高等级列车",
    Scenario.EXIT_ABROAD: "出境",
    Scenario.TOURISM: "旅游",
    Scenario.INDUSTRY_CRITICISM: "行业通报批评",
    Scenario.PUBLIC_CENSURE: "公开谴责",
    Scenario.NON_ADMISSION: "不予接纳",
    Scenario.EXPULSION: "劝退",
    Scenario.SUPERVISION: "日常监管",
    Scenario.ADMINISTRATIVE_APPROVAL: "行政审批",
}


_SCENARIO_BY_LABEL: dict[str, Scenario] = {label: scenario for scenario, label in SCENARIO_LABELS.items()}
_SCENARIO_ALIASES: dict[str, Scenario] = {
    "招投标": Scenario.PUBLIC_RESOURCE_TRADING,
    "公共资源交易（招投标）": Scenario.PUBLIC_RESOURCE_TRADING,
    "财政性资金": Scenario.FISCAL_FUNDS,
    "日常监管（检查频次）": Scenario.SUPERVISION,
    "政务服务": Scenario.ADMINISTRATIVE_APPROVAL,
    "行政审批（政务服务）": Scenario.ADMINISTRATIVE_APPROVAL,
}


def parse_scenario(value: object) -> object:
    """A scenario given by its code (``government_procurement``) or its Chinese label (``政府采购``); anything else
    is passed on unchanged, for the enum's own validation to refuse."""
    if isinstance(value, str):
        text = value.strip()
        found = _SCENARIO_BY_LABEL.get(text) or _SCENARIO_ALIASES.get(text)
        if found is not None:
            return found
        return text.lower() if text.isascii() else text
    return value


class MeasureCategory(StrEnum):
    """The three categories of the national basic list."""

    RIGHTS_REDUCING = "rights_reducing"  # 减损权益或增加义务的措施（须有法律、法规或党中央、国务院政策文件依据）
    MANAGEMENT = "management"  # 行政管理措施（在法定职责范围内实施）
    MARKET_SOCIAL = "market_social"  # 市场性、行业性、社会性措施
    INCENTIVE = "incentive"  # 守信激励措施 (linked to honour list types; punishment.incentives)

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS: dict[MeasureCategory, str] = {
    MeasureCategory.RIGHTS_REDUCING: "减损权益或增加义务的惩戒措施",
    MeasureCategory.MANAGEMENT: "行政管理措施",
    MeasureCategory.MARKET_SOCIAL: "市场性、行业性、社会性惩戒措施",
    MeasureCategory.INCENTIVE: "守信激励措施",
}


class MemorandumLevel(StrEnum):
    NATIONAL = "national"  # 国家
    PROVINCIAL = "provincial"  # 省级
    CITY = "city"  # 市级


class Outcome(StrEnum):
    CLEAR = "clear"  # 无适用的惩戒措施
    RESTRICTED = "restricted"  # 有适用的惩戒措施


LIST_TYPE_CODES = frozenset({"serious", "watch", "market_ban"})
S, W, M = "serious", "watch", "market_ban"


@dataclass(frozen=True, slots=True)
class MeasureSpec:
    code: str
    name: str
    category: MeasureCategory
    legal_basis: str
    list_types: tuple[str, ...]
    department: str  # 实施部门
    scenarios: tuple[Scenario, ...]


_GUOBAN_49 = "《国务院办公厅关于进一步完善失信约束制度构建诚信建设长效机制的指导意见》（国办发〔2020〕49号）"
_GUOFA_33 = "《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》（国发〔2016〕33号）"
_NOTICE = "《共青城市以信用为基础的新型监管机制实施方案》第（十一）条"

DEFAULT_MEASURES: tuple[MeasureSpec, ...] = (
    MeasureSpec(
        "GP01", "限制参与政府采购活动", MeasureCategory.RIGHTS_REDUCING,
        f"《中华人民共和国政府采购法》第二十二条、《政府采购法实施条例》第十九条；{_GUOFA_33}",
        (S, M), "市财政局", (Scenario.GOVERNMENT_PROCUREMENT,),
    ),
    MeasureSpec(
        "PR01", "限制参与公共资源交易及招标投标活动", MeasureCategory.RIGHTS_REDUCING,
        f"《中华人民共和国招标投标法实施条例》第六十七条；{_GUOFA_33}",
        (S, M), "市政务服务管理局", (Scenario.PUBLIC_RESOURCE_TRADING,),
    ),
    MeasureSpec(
        "FF01", "限制申报财政性资金项目、获得财政性资金支持", MeasureCategory.RIGHTS_REDUCING,
        f"{_GUOFA_33}；{_GUOBAN_49}", (S,), "市财政局", (Scenario.FISCAL_FUNDS,),
    ),
    MeasureSpec(
        "TX01", "限制享受税收优惠政策", MeasureCategory.RIGHTS_REDUCING,
        f"《重大税收违法失信主体信息公布管理办法》；{_GUOFA_33}", (S,), "市税务局", (Scenario.TAX_INCENTIVES,),
    ),
    MeasureSpec(
        "SE01", "限制发行股票", MeasureCategory.RIGHTS_REDUCING,
        f"《中华人民共和国证券法》；{_GUOFA_33}", (S,), "市金融办", (Scenario.STOCK_ISSUE,),
    ),
    MeasureSpec(
        "BD01", "限制发行企业债券、从严审核企业债券发行申报", MeasureCategory.RIGHTS_REDUCING,
        f"《企业债券管理条例》；{_GUOFA_33}", (S,), "市发改委", (Scenario.ENTERPRISE_BONDS,),
    ),
    MeasureSpec(
        "FC01", "从严审核或限制获得金融机构授信", MeasureCategory.MARKET_SOCIAL,
        f"{_GUOFA_33}；{_NOTICE}", (S, W), "人行德安支行", (Scenario.FINANCIAL_CREDIT,),
    ),
    MeasureSpec(
        "TR01", "限制乘坐飞机", MeasureCategory.RIGHTS_REDUCING,
        "《最高人民法院关于限制被执行人高消费及有关消费的若干规定》第三条；" + _GUOFA_33,
        (S,), "市法院", (Scenario.FLIGHTS,),
    ),
    MeasureSpec(
        "TR02", "限制乘坐高等级列车和席次", MeasureCategory.RIGHTS_REDUCING,
        "《最高人民法院关于限制被执行人高消费及有关消费的若干规定》第三条；" + _GUOFA_33,
        (S,), "市法院", (Scenario.HIGH_SPEED_RAIL,),
    ),
    MeasureSpec(
        "CS01", "限制高消费及旅游度假", MeasureCategory.RIGHTS_REDUCING,
        "《最高人民法院关于限制被执行人高消费及有关消费的若干规定》第三条", (S,), "市法院", (Scenario.TOURISM,),
    ),
    MeasureSpec(
        "EX01", "限制出境", MeasureCategory.RIGHTS_REDUCING,
        "《中华人民共和国出境入境管理法》第十二条、《中华人民共和国民事诉讼法》", (S,), "市公安局",
        (Scenario.EXIT_ABROAD,),
    ),
    MeasureSpec(
        "ID01", "行业内通报批评", MeasureCategory.MARKET_SOCIAL,
        f"行业协会商会章程及自律规约；{_NOTICE}", (S, W, M), "市民政局", (Scenario.INDUSTRY_CRITICISM,),
    ),
    MeasureSpec(
        "ID02", "公开谴责", MeasureCategory.MARKET_SOCIAL,
        f"行业协会商会章程及自律规约；{_NOTICE}", (S, M), "市民政局", (Scenario.PUBLIC_CENSURE,),
    ),
    MeasureSpec(
        "ID03", "不予接纳入会", MeasureCategory.MARKET_SOCIAL,
        f"行业协会商会章程及自律规约；{_NOTICE}", (S, M), "市民政局", (Scenario.NON_ADMISSION,),
    ),
    MeasureSpec(
        "ID04", "劝退会员", MeasureCategory.MARKET_SOCIAL,
        f"行业协会商会章程及自律规约；{_NOTICE}", (S, M), "市民政局", (Scenario.EXPULSION,),
    ),
    MeasureSpec(
        "MG01", "列为重点监管对象，提高检查比例和频次", MeasureCategory.MANAGEMENT,
        f"{_GUOBAN_49}（在法定职责范围内实施）", (S, W, M), "市市场监管局",
        (Scenario.SUPERVISION, Scenario.GOVERNMENT_PROCUREMENT, Scenario.PUBLIC_RESOURCE_TRADING),
    ),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class MemorandumSpec:
    number: str
    name: str
    level: MemorandumLevel
    signing_bodies: tuple[str, ...]
    links: tuple[tuple[str, tuple[str, ...]], ...]  # (list type, measure codes)


_ALL_SERIOUS = tuple(m.code for m in DEFAULT_MEASURES if S in m.list_types)
DEFAULT_MEMORANDA: tuple[MemorandumSpec, ...] = (
    MemorandumSpec(
        "发改财金〔2016〕141号",
        "关于对失信被执行人实施联合惩戒的合作备忘录",
        MemorandumLevel.NATIONAL,
        ("国家发展改革委", "最高人民法院", "中国人民银行", "财政部", "税务总局", "公安部"),
        ((S, _ALL_SERIOUS),),
    ),
    MemorandumSpec(
        "共信办〔2020〕1号",
        "共青城市失信联合惩戒合作备忘录",
        MemorandumLevel.CITY,
        ("市发改委", "市市场监管局", "市财政局", "市政务服务管理局", "市民政局", "人行德安支行"),
        ((W, ("FC01", "ID01", "MG01")), (M, ("GP01", "PR01", "ID01", "ID02", "ID03", "ID04", "MG01"))),
    ),
)


# ---------------------------------------------------------------- small pure helpers


def explain(
    *,
    subject_known: bool,
    scenario: Scenario,
    own: int,
    inherited: int,
    measures: list[tuple[str, str]],
) -> str:
    """A plain Chinese explanation of a check's answer; ``measures`` holds (name, implementing department)."""
    if not subject_known:
        return "本平台未登记该主体，未发现其被列入失信名单；核查结果为无限制。"
    if own + inherited == 0:
        return "经核查，该主体当前未被列入严重失信主体名单、重点关注对象名单或市场禁入名单，无适用的惩戒措施。"
    parts = []
    if own:
        parts.append(f"该主体当前有 {own} 条有效的名单记录")
    if inherited:
        parts.append(
            f"该自然人在失信行为发生时担任被列入名单主体的法定代表人、主要负责人或实际控制人，关联名单 {inherited} 条"
        )
    text = "；".join(parts) + "。"
    if not measures:
        return text + f"在“{scenario.label}”场景下无适用的联合惩戒措施，请结合本部门职责依法处理。"
    listed = "；".join(f"{name}（实施部门：{dept}）" for name, dept in measures)
    return text + f"在“{scenario.label}”场景下，依据合作备忘录应实施以下惩戒措施：{listed}。"
