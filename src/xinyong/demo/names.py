"""Vocabulary of the demo city (共青城市): places, 字号, person names, industries, sectors and record wording.

Everything here is fictitious by construction: a company name is a place prefix + a 字号 drawn from word lists + a
business phrase, so no name claims to be a real firm (pairs that spell well-known brands are excluded); village and
road names are invented or generic; laws and standards cited in record texts are real. Pure Python over a caller's
``random.Random``, so the dataset is a function of the seed alone.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


class Weighted(Generic[T]):
    """A fixed weighted choice: one ``rng.random()`` and a bisect per draw."""

    __slots__ = ("_cum", "_items", "_total")

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self._items = tuple(item for item, _ in pairs)
        self._cum = list(itertools.accumulate(weight for _, weight in pairs))
        self._total = self._cum[-1]

    def pick(self, rng: random.Random) -> T:
        return self._items[bisect.bisect_right(self._cum, rng.random() * self._total)]


# ---------------------------------------------------------------- places


@dataclass(frozen=True, slots=True)
class Region:
    code: str  # GB/T 2260, positions 3-8 of the USCC
    firm_prefixes: tuple[str, ...]  # 行政区划 part of a company name
    county: str  # county-level name used by sole traders, cooperatives and organisations
    address: str  # address prefix down to county level
    areas: tuple[str, ...]  # township-level places (街道/镇/乡) or districts
    roads: tuple[str, ...]


GQC = "360482"

# fmt: off
REGIONS: dict[str, Region] = {r.code: r for r in (
    Region(GQC, ("共青城", "共青城市", "江西"), "共青城市", "江西省九江市共青城市",
           ("茶山街道", "甘露镇", "江益镇", "金湖乡", "苏家垱乡", "泽泉乡"),
           ("富华大道", "青年大道", "湖滨路", "共青大道", "甘露大道", "团结路", "莲湖路", "博学路", "鄱阳湖大道",
            "南湖路", "光明路", "创业大道", "金湖大道", "茶山路", "新华路", "丰收路")),
    Region("360400", ("九江", "九江市", "江西"), "九江市", "江西省九江市",
           ("濂溪区", "浔阳区", "柴桑区", "经济技术开发区"),
           ("长虹大道", "十里大道", "浔阳东路", "庐山南路", "九龙街", "前进东路")),
    Region("360102", ("南昌", "南昌市", "江西"), "南昌市东湖区", "江西省南昌市东湖区",
           ("豫章街道", "公园街道", "滕王阁街道"), ("八一大道", "阳明路", "叠山路", "中山路")),
    Region("360425", ("永修", "永修县"), "永修县", "江西省九江市永修县",
           ("涂埠镇", "艾城镇", "虬津镇", "柘林镇", "吴城镇"), ("永丰路", "建设路", "滨江大道")),
    Region("360426", ("德安", "德安县"), "德安县", "江西省九江市德安县",
           ("蒲亭镇", "聂桥镇", "丰林镇", "宝塔乡"), ("博阳路", "义峰路", "建设路")),
    Region("360429", ("湖口", "湖口县"), "湖口县", "江西省九江市湖口县",
           ("双钟镇", "均桥镇", "流泗镇", "武山镇"), ("石钟路", "双钟路", "滨湖路")),
    Region("440305", ("深圳市", "深圳"), "深圳市南山区", "广东省深圳市南山区",
           ("粤海街道", "南头街道"), ("科技南路", "深南大道", "海德三道")),
    Region("310115", ("上海",), "上海市浦东新区", "上海市浦东新区",
           ("张江镇", "陆家嘴街道"), ("世纪大道", "张江路", "浦东南路")),
    Region("330106", ("杭州", "杭州市"), "杭州市西湖区", "浙江省杭州市西湖区",
           ("文新街道", "古荡街道"), ("文三路", "天目山路", "古墩路")),
    Region("330782", ("义乌市", "浙江"), "义乌市", "浙江省金华市义乌市",
           ("稠城街道", "福田街道"), ("稠州北路", "宾王路", "城北路")),
    Region("110108", ("北京",), "北京市海淀区", "北京市海淀区",
           ("中关村街道", "学院路街道"), ("中关村大街", "学院路", "知春路")),
    Region("440106", ("广州", "广州市"), "广州市天河区", "广东省广州市天河区",
           ("天河南街道", "林和街道"), ("天河路", "体育西路", "林和西路")),
)}
# fmt: on

# Village names (fictitious): [prefix] + first + second + 村.
VILLAGE_PREFIX = ("", "", "", "上", "下", "东", "西", "南", "北", "大", "小")
VILLAGE_FIRST = tuple("新金桃柳梅杨樟荷石枫沙青黄凤丰太富白马桂")
VILLAGE_SECOND = tuple("塘湖港山垅畈湾洲坪源岭桥岗田林庄埠溪垄墩")


def village(rng: random.Random) -> str:
    return rng.choice(VILLAGE_PREFIX) + rng.choice(VILLAGE_FIRST) + rng.choice(VILLAGE_SECOND) + "村"


# ---------------------------------------------------------------- 字号 and person names

ZIHAO_CHARS = tuple(
    dict.fromkeys(
        "鸿瑞恒鑫华泰博远景宏达盛兴隆润丰源信诚德嘉裕祥和安康宁顺昌荣富金银星辰阳明辉耀弘卓越创新智汇通合众启航"
        "锦程君睿煜烨晟昊骏驰腾飞翔云天海峰岳川江湖林森青蓝紫禾谷亿千百佳美优品尚雅致精益诺庐鄱浔赣豫章匡九甘露"
        "柏桦展拓晨曦泽沐澜鼎立铭钧璟琦瑾熙悦臻誉韵书策道行知"
    )
)
# Pairs that spell well-known firms, brands or fund houses: the demo must not look like it names them.
# fmt: off
BLOCKED_ZIHAO = frozenset({
    "恒瑞", "华泰", "泰康", "顺丰", "安信", "华润", "远景", "华安", "天弘", "景顺", "银华", "诺安", "泰达", "信达",
    "宏源", "汇丰", "康佳", "汇源", "天合", "阳光", "泰豪", "联创", "兴盛", "安泰", "兴业", "华夏", "鸿星", "金龙",
    "汇仁", "君安", "嘉实", "博时", "华宝", "鼎立", "美佳", "明阳", "天安", "金鹰", "长城", "盛大", "中信",
})
# fmt: on

# fmt: off
SURNAMES = Weighted([
    ("刘", 8), ("王", 6), ("张", 6), ("李", 6), ("陈", 7), ("胡", 5), ("熊", 4), ("万", 3), ("涂", 3), ("罗", 4),
    ("黄", 5), ("周", 4), ("吴", 4), ("徐", 4), ("杨", 4), ("朱", 3), ("邹", 3), ("曾", 3), ("彭", 3), ("肖", 3),
    ("余", 3), ("袁", 2), ("付", 2), ("龚", 2), ("程", 2), ("汪", 2), ("蔡", 2), ("邓", 2), ("何", 2), ("郭", 2),
    ("谢", 3), ("钟", 2), ("舒", 1), ("聂", 1), ("喻", 1), ("欧阳", 1), ("江", 1), ("潘", 1), ("魏", 1), ("雷", 1),
    ("孙", 1), ("叶", 1), ("游", 1), ("石", 1), ("甘", 1), ("晏", 1), ("饶", 1), ("章", 1), ("桂", 1),
])
# fmt: on
GIVEN_MALE = tuple(
    "伟强军勇峰杰斌辉磊超明华建国平俊志文涛鹏飞宇浩波亮林海春东金荣新德兵晨旭凯昊轩睿博刚毅云龙庆祥福贵永正清松柏"
)
GIVEN_FEMALE = tuple("芳娟敏静丽艳霞燕玲红婷琴兰萍英慧颖雪琳倩洁梅莉佳欣雨萱怡思梦晓秀桂凤翠珍莲花美娇琪瑶")


def person_name(rng: random.Random, male: bool) -> str:
    chars = GIVEN_MALE if male else GIVEN_FEMALE
    given = rng.choice(chars) if rng.random() < 0.3 else rng.choice(chars) + rng.choice(chars)
    return SURNAMES.pick(rng) + given


def zihao(rng: random.Random, length: int = 2) -> str:
    while True:
        text = "".join(rng.sample(ZIHAO_CHARS, length))
        if text[:2] not in BLOCKED_ZIHAO and text[1:] not in BLOCKED_ZIHAO:
            return text


FUND_SERIES = ("一期", "二期", "三期", "壹号", "贰号", "叁号", "肆号", "伍号", "成长", "稳健", "优选", "精选", "致远")
SHAREHOLDER_SPLITS = ((100,), (60, 40), (51, 49), (70, 30), (50, 30, 20), (40, 35, 25), (80, 20), (34, 33, 33))

# fmt: off
#: GB/T 4754-2017 codes used by the demo.
INDUSTRIES: dict[str, str] = {
    "A0111": "稻谷种植", "A0141": "蔬菜种植", "A0143": "花卉种植", "A0152": "葡萄种植", "A0162": "含油果种植",
    "A0164": "茶叶种植", "A0190": "其他农业", "A0313": "猪的饲养", "A0322": "鸭的饲养", "A0412": "内陆养殖",
    "A0512": "农业机械活动",
    "C1311": "稻谷加工", "C1810": "机织服装制造", "C1941": "羽毛(绒)加工", "C1942": "羽毛(绒)制品加工",
    "C2929": "塑料零件及其他塑料制品制造", "C3311": "金属结构制造", "C3989": "其他电子元件制造",
    "E4710": "住宅房屋建筑", "E4813": "市政道路工程建筑", "E5012": "住宅装饰和装修",
    "F5121": "米、面制品及食用油批发", "F5132": "服装批发", "F5165": "建材批发", "F5193": "互联网批发",
    "F5199": "其他未列明批发业", "F5213": "便利店零售", "F5223": "果品、蔬菜零售", "F5226": "酒、饮料及茶叶零售",
    "F5232": "服装零售", "F5241": "五金零售", "F5251": "西药零售", "F5274": "通信设备零售", "F5292": "互联网零售",
    "G5431": "普通货物道路运输", "G5920": "通用仓储",
    "H6110": "旅游饭店", "H6130": "民宿服务", "H6210": "正餐服务", "H6291": "小吃服务",
    "I6513": "应用软件开发", "I6531": "信息系统集成服务",
    "J6731": "创业投资基金", "J6739": "其他非公开募集证券投资基金", "J6760": "资本投资服务",
    "K7010": "房地产开发经营",
    "L7212": "投资与资产管理", "L7259": "其他广告服务", "L7262": "职业中介服务", "L7263": "劳务派遣服务",
    "L7269": "其他人力资源服务",
    "O8040": "理发及美容服务", "O8111": "汽车修理与维护",
    "P8310": "学前教育", "P8321": "普通小学教育", "P8393": "文化艺术培训", "P8399": "其他未列明教育",
    "Q8425": "门诊部(所)", "Q8514": "老年人、残疾人养护服务", "Q8521": "社会看护与帮助服务",
    "R9013": "网吧活动", "S9529": "其他社会团体", "S9530": "基金会",
}
# fmt: on


# ---------------------------------------------------------------- sectors


@dataclass(frozen=True, slots=True)
class Variant:
    """One kind of business within a sector: how it is named, its industry, which licences and penalties fit it."""

    patterns: tuple[str, ...]  # str.format patterns over p z c t v s (see company_name)
    industry: str
    licences: tuple[str, ...] = ()
    penalties: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Sector:
    key: str
    weight: float  # share of the city's entities
    authority: str  # USCC pos 1
    org_type: str  # USCC pos 2
    legal_forms: tuple[str, ...]
    variants: tuple[Variant, ...]
    regions: Weighted[str]
    founded: tuple[int, int]  # years
    capital: tuple[int, int] | None  # 万元
    records: tuple[int, int]  # credit records per entity, inclusive range
    registrar: str  # department that registers it
    inspections: tuple[str, ...]  # departments that inspect it
    kind_factors: tuple[tuple[str, float], ...] = ()  # multiply the base weights of record kinds
    rep_reuse: float = 0.08  # share of legal representatives who already represent another entity
    shareholders: float = 0.0  # share with registered shareholders / partners
    cancelled: float = 0.07
    revoked: float = 0.02


_LOCAL = Weighted([(GQC, 92), ("360425", 3), ("360426", 3), ("360429", 2)])
_MOSTLY = Weighted(
    [(GQC, 86), ("360400", 5), ("360102", 1), ("360425", 2), ("360426", 2), ("360429", 1), ("440305", 1),
     ("310115", 0.6), ("330106", 0.6), ("110108", 0.4), ("440106", 0.4)]
)  # fmt: skip
_FUNDS = Weighted([(GQC, 97), ("360400", 1), ("310115", 1), ("440305", 0.6), ("110108", 0.4)])
_ECOM = Weighted([(GQC, 85), ("360400", 4), ("330782", 4), ("440305", 4), ("330106", 3)])
_FIRM = (
    "有限责任公司（自然人投资或控股）",
    "有限责任公司（自然人投资或控股）",
    "有限责任公司（自然人独资）",
    "股份有限公司（非上市、自然人投资或控股）",
)
_CO = ("{p}{z}",)
_SOLE = ("{c}{t}{z}", "{c}{z}")
_ORG = ("{c}{z}",)


def _v(suffixes: str, industry: str, licences: str = "", penalties: str = "", bases: Sequence[str] = _CO) -> Variant:
    """A variant from space-separated name suffixes, licence keys and penalty keys."""
    patterns = tuple(base + suffix for base in bases for suffix in suffixes.split())
    return Variant(patterns, industry, tuple(licences.split()), tuple(penalties.split()))


# fmt: off
SECTORS: tuple[Sector, ...] = (
    Sector("fund_partnership", 24, "9", "1", ("有限合伙企业",), (
        _v("投资管理合伙企业（有限合伙） 股权投资合伙企业（有限合伙） {s}股权投资合伙企业（有限合伙） "
           "{s}投资合伙企业（有限合伙） 企业管理合伙企业（有限合伙）", "J6760", "establish change"),
        _v("创业投资合伙企业（有限合伙） {s}创业投资合伙企业（有限合伙）", "J6731", "establish change"),
        _v("{s}私募股权投资基金合伙企业（有限合伙）", "J6739", "establish change")),
        _FUNDS, (2015, 2025), (1000, 100000), (2, 7), "SCJGJ", ("SCJGJ", "JRB"),
        (("penalty", 0.15), ("complaint", 0.1), ("contract", 0), ("honour", 0.3), ("abnormal_operation", 2.2),
         ("judicial", 0.5)), rep_reuse=0.35, shareholders=0.5, cancelled=0.12, revoked=0.01),
    Sector("fund_manager", 5, "9", "1", _FIRM[:3], (
        _v("股权投资基金管理有限公司 私募基金管理有限公司 资产管理有限公司 投资管理有限公司", "L7212",
           "establish change invoice", "tax_late"),
        _v("创业投资管理有限公司", "J6760", "establish change", "tax_late")),
        _FUNDS, (2014, 2025), (1000, 10000), (3, 8), "SCJGJ", ("SCJGJ", "JRB", "SWJ"),
        (("penalty", 0.3), ("complaint", 0.3), ("contract", 0.1)), rep_reuse=0.3, shareholders=0.6),
    Sector("down_apparel", 4, "9", "1", _FIRM, (
        _v("羽绒服饰有限公司 羽绒制品有限公司 羽绒科技有限公司", "C1942", "establish change pollution invoice",
           "down_quality false_advertising fire safety_training"),
        _v("服饰有限公司 服装有限公司 制衣有限公司", "C1810", "establish change invoice",
           "down_quality fire safety_training labour_overtime"),
        _v("羽绒加工有限公司", "C1941", "establish pollution", "air_emission eia fire"),
        _v("服装贸易有限公司", "F5132", "establish change invoice", "down_quality price_label")),
        Weighted([(GQC, 90), ("360400", 4), ("360425", 3), ("360426", 3)]), (1998, 2025), (50, 5000), (4, 11),
        "SCJGJ", ("SCJGJ", "YJGLJ", "XFDD", "STHJJ"), shareholders=0.4),
    Sector("cross_border", 3.5, "9", "1", _FIRM[:3], (
        _v("跨境电子商务有限公司 电子商务有限公司 国际贸易有限公司", "F5292", "establish change invoice",
           "false_advertising tax_late"),
        _v("供应链管理有限公司 进出口有限公司", "F5193", "establish change invoice", "tax_late tax_invoice")),
        _ECOM, (2016, 2025), (100, 3000), (3, 9), "SCJGJ", ("SCJGJ", "SWJ"), (("complaint", 2.0),),
        shareholders=0.35),
    Sector("hr_services", 2.5, "9", "1", _FIRM[:3], (
        _v("人力资源服务有限公司 人力资源有限公司 人力资源开发有限公司", "L7262", "establish change hr_service",
           "job_agency hr_false_info labour_overtime"),
        _v("劳务派遣有限公司 劳务服务有限公司", "L7263", "establish labour_dispatch", "hr_false_info labour_overtime"),
        _v("企业管理咨询有限公司", "L7269", "establish change", "hr_false_info")),
        _MOSTLY, (2016, 2025), (200, 2000), (4, 9), "SCJGJ", ("SCJGJ", "RSJ"), (("complaint", 2.0),),
        shareholders=0.35),
    Sector("manufacturing", 2.5, "9", "1", _FIRM, (
        _v("电子科技有限公司 电子有限公司", "C3989", "establish change pollution invoice",
           "air_emission eia fire safety_training"),
        _v("钢结构有限公司 机械制造有限公司", "C3311", "establish pollution invoice", "safety_training fire eia"),
        _v("新材料有限公司 塑业有限公司", "C2929", "establish pollution", "air_emission eia safety_training"),
        _v("米业有限公司 粮油有限公司", "C1311", "establish food_production", "food_expired safety_training")),
        _MOSTLY, (2000, 2025), (300, 20000), (5, 12), "SCJGJ", ("SCJGJ", "STHJJ", "YJGLJ", "XFDD"),
        shareholders=0.5),
    Sector("trade", 5, "9", "1", _FIRM[:3], (
        _v("商贸有限公司 贸易有限公司", "F5199", "establish change invoice food_trade",
           "food_expired price_label false_advertising tax_late"),
        _v("建材有限公司", "F5165", "establish change invoice", "price_label tax_late outdoor_ad"),
        _v("农产品有限公司 粮油贸易有限公司", "F5121", "establish food_trade", "food_expired metrology")),
        _MOSTLY, (2003, 2025), (50, 1000), (3, 9), "SCJGJ", ("SCJGJ", "SWJ"), shareholders=0.3),
    Sector("construction", 3, "9", "1", _FIRM, (
        _v("建设工程有限公司 建筑工程有限公司", "E4710", "establish change build_permit build_qualification",
           "build_no_permit safety_training labour_overtime"),
        _v("装饰工程有限公司 装饰设计工程有限公司", "E5012", "establish build_qualification", "build_no_permit fire"),
        _v("市政工程有限公司 园林绿化工程有限公司", "E4813", "establish build_qualification planning",
           "build_no_permit safety_training")),
        _MOSTLY, (2002, 2025), (200, 10000), (5, 12), "SCJGJ", ("ZJJ", "YJGLJ", "SCJGJ"),
        (("contract", 3.0), ("judicial", 2.0)), shareholders=0.45),
    Sector("catering_hotel", 2.5, "9", "1", _FIRM[:3], (
        _v("餐饮管理有限公司 餐饮有限公司", "H6210", "establish catering fire_safety",
           "food_expired food_no_licence health_cert fire fire_exit outdoor_ad"),
        _v("酒店管理有限公司 酒店有限公司 宾馆有限公司", "H6110", "establish hygiene fire_safety",
           "health_cert fire fire_exit")),
        _LOCAL, (2005, 2025), (50, 2000), (4, 10), "SCJGJ", ("SCJGJ", "XFDD", "WJW"), (("complaint", 2.0),),
        shareholders=0.3),
    Sector("tech", 1.5, "9", "1", _FIRM[:3], (
        _v("信息科技有限公司 网络科技有限公司 软件有限公司", "I6513", "establish change internet_culture",
           "false_advertising tax_late"),
        _v("智能科技有限公司", "I6531", "establish change", "tax_late")),
        _MOSTLY, (2012, 2025), (100, 5000), (3, 8), "SCJGJ", ("SCJGJ", "SWJ"), shareholders=0.4),
    Sector("logistics", 1, "9", "1", _FIRM[:3], (
        _v("物流有限公司 运输有限公司", "G5431", "establish road_freight", "road_no_permit overload safety_training"),
        _v("仓储有限公司 供应链有限公司", "G5920", "establish", "fire safety_training")),
        _MOSTLY, (2005, 2025), (100, 3000), (4, 10), "SCJGJ", ("JTYSJ", "YJGLJ", "SCJGJ"), shareholders=0.3),
    Sector("realty", 0.6, "9", "1", _FIRM, (
        _v("置业有限公司 房地产开发有限公司", "K7010", "establish planning build_permit",
           "build_no_permit false_advertising"),),
        _MOSTLY, (2003, 2023), (1000, 50000), (5, 12), "SCJGJ", ("ZJJ", "SCJGJ"),
        (("contract", 2.0), ("judicial", 2.5), ("complaint", 2.0)), shareholders=0.6),
    Sector("agri_company", 0.8, "9", "1", _FIRM[:3], (
        _v("农业发展有限公司 生态农业有限公司 农业科技有限公司", "A0152", "establish pesticide", "forest eia"),
        _v("茶业有限公司", "A0164", "establish food_production", "food_expired")),
        _LOCAL, (2006, 2025), (100, 3000), (3, 8), "SCJGJ", ("NYNCSLJ", "SCJGJ"), shareholders=0.4),
    Sector("culture_edu", 1, "9", "1", _FIRM[:3], (
        _v("文化传媒有限公司 广告有限公司", "L7259", "establish change", "false_advertising outdoor_ad"),
        _v("教育咨询有限公司 教育科技有限公司", "P8399", "establish", "false_advertising fire")),
        _MOSTLY, (2010, 2025), (50, 1000), (3, 8), "SCJGJ", ("SCJGJ",), shareholders=0.3),
    Sector("sole_trader", 36, "9", "2", ("个体工商户",), (
        _v("便利店 百货店 超市", "F5213", "food_trade tobacco", "food_expired price_label tobacco_no_licence", _SOLE),
        _v("餐馆 饭店 小吃店 早餐店 农家乐", "H6291", "catering", "food_no_licence health_cert fire_exit", _SOLE),
        _v("服装店 羽绒服装店 服饰店", "F5232", "", "price_label down_quality", _SOLE),
        _v("理发店 美容店 美发店", "O8040", "hygiene", "health_cert price_label", _SOLE),
        _v("汽车修理店 汽车美容店", "O8111", "", "fire air_emission", _SOLE),
        _v("水果店 生鲜店", "F5223", "food_trade", "metrology food_expired", _SOLE),
        _v("烟酒商行 茶叶店", "F5226", "food_trade tobacco", "tobacco_no_licence price_label", _SOLE),
        _v("五金店 建材经营部", "F5241", "", "price_label outdoor_ad", _SOLE),
        _v("电子商务商行 网店", "F5292", "", "false_advertising", _SOLE),
        _v("手机店 通讯店", "F5274", "", "price_label", _SOLE),
        _v("民宿 客栈", "H6130", "hygiene fire_safety", "health_cert fire_exit", _SOLE),
        _v("大药房", "F5251", "drug", "price_label", _SOLE),
        _v("网吧", "R9013", "internet_culture fire_safety", "internet_cafe fire_exit", _SOLE)),
        _LOCAL, (1995, 2025), None, (2, 7), "SCJGJ", ("SCJGJ",),
        (("contract", 0), ("judicial", 0.3), ("evaluation", 0.3), ("honour", 0.3), ("serious_dishonesty", 0.3)),
        rep_reuse=0.03, cancelled=0.16, revoked=0.03),
    Sector("cooperative", 4, "9", "3", ("农民专业合作社",), (
        _v("水稻种植专业合作社", "A0111", "pesticide", "forest burning", _SOLE),
        _v("蔬菜种植专业合作社 果蔬种植专业合作社", "A0141", "pesticide", "food_expired", _SOLE),
        _v("葡萄种植专业合作社", "A0152", "pesticide", "forest", _SOLE),
        _v("油茶种植专业合作社", "A0162", "", "forest", _SOLE),
        _v("茶叶种植专业合作社", "A0164", "food_production", "food_expired", _SOLE),
        _v("苗木花卉种植专业合作社", "A0143", "", "forest", _SOLE),
        _v("生猪养殖专业合作社", "A0313", "animal", "eia", _SOLE),
        _v("蛋鸭养殖专业合作社 肉鸭养殖专业合作社", "A0322", "animal", "eia", _SOLE),
        _v("水产养殖专业合作社 小龙虾养殖专业合作社", "A0412", "", "eia", _SOLE),
        _v("农机专业合作社", "A0512", "", "road_no_permit", _SOLE)),
        _LOCAL, (2008, 2025), (10, 500), (2, 6), "SCJGJ", ("NYNCSLJ", "SCJGJ"),
        (("penalty", 0.3), ("complaint", 0.2), ("contract", 0.3), ("judicial", 0.5)), rep_reuse=0.04,
        cancelled=0.12),
    Sector("social_group", 0.6, "5", "1", ("社会团体",), (
        _v("太极拳协会 书法爱好者协会 垂钓协会 户外运动协会 摄影爱好者协会 象棋协会 马拉松协会 志愿者协会 "
           "广场舞协会 羽毛球协会", "S9529", "social_reg", "", ("{c}{t}", "{c}{z}")),),
        _LOCAL, (2000, 2025), (3, 50), (2, 5), "MZJ", ("MZJ",),
        (("penalty", 0.1), ("contract", 0), ("judicial", 0.1), ("evaluation", 1.5)), rep_reuse=0.1,
        cancelled=0.05, revoked=0.01),
    Sector("private_non_enterprise", 0.8, "5", "2", ("民办非企业单位",), (
        _v("培训学校 艺术培训学校", "P8393", "social_reg school", "fire false_advertising", _ORG),
        _v("幼儿园", "P8310", "social_reg school", "fire health_cert", _ORG),
        _v("养老服务中心 颐养院", "Q8514", "social_reg", "fire health_cert", _ORG),
        _v("社会工作服务中心", "Q8521", "social_reg", "", _ORG),
        _v("诊所 中医诊所", "Q8425", "social_reg medical", "health_cert", _ORG)),
        _LOCAL, (2003, 2025), (3, 200), (3, 7), "MZJ", ("MZJ", "XFDD"),
        (("contract", 0.2), ("judicial", 0.3), ("evaluation", 1.5)), cancelled=0.05, revoked=0.01),
    Sector("foundation", 0.1, "5", "3", ("基金会",), (
        _v("慈善基金会 公益基金会 教育基金会", "S9530", "social_reg", "", ("{c}{z}", "江西{z}")),),
        _LOCAL, (2008, 2025), (200, 2000), (2, 5), "MZJ", ("MZJ",),
        (("penalty", 0.1), ("contract", 0), ("judicial", 0), ("complaint", 0.2)), cancelled=0.02, revoked=0),
    Sector("public_institution", 0.7, "1", "2", ("事业单位",), (
        _v("实验小学 小学", "P8321", "", "fire", _ORG),
        _v("幼儿园", "P8310", "", "fire health_cert", _ORG),
        _v("社区卫生服务站", "Q8425", "medical", "health_cert", ("{c}{t}{z}",)),
        _v("农业技术推广站 文化服务中心 便民服务中心", "P8399", "", "", ("{c}{t}{z}",))),
        Weighted([(GQC, 1)]), (1985, 2024), (10, 2000), (2, 6), "BB", ("XFDD", "WJW"),
        (("penalty", 0.1), ("abnormal_operation", 0), ("judicial", 0.2), ("complaint", 0.5), ("evaluation", 0),
         ("serious_dishonesty", 0)), rep_reuse=0.05, cancelled=0.02, revoked=0),
    Sector("village_collective", 0.4, "N", "2", ("农村集体经济组织",), (
        _v("股份经济合作联合社", "A0190", "", "land forest", ("{c}{t}{v}",)),),
        Weighted([(GQC, 85), ("360425", 6), ("360426", 5), ("360429", 4)]), (2018, 2022), None, (2, 5), "NYNCSLJ",
        ("NYNCSLJ",), (("penalty", 0.1), ("license", 0.2), ("abnormal_operation", 0), ("evaluation", 0),
                       ("complaint", 0.2), ("serious_dishonesty", 0)), rep_reuse=0.02, cancelled=0, revoked=0),
)
# fmt: on
SECTOR_CHOICE = Weighted([(s, s.weight) for s in SECTORS])

# Regions written into the persons' fictitious ID numbers. The 36049x / 36019x / 36059x codes are assigned to no
# county in GB/T 2260, so no generated number can be a real person's, yet each reads as Jiangxi (九江, 南昌, 新余)
# when masked to its first six digits.
PERSON_REGIONS = Weighted(
    [("360491", 30), ("360492", 20), ("360493", 15), ("360494", 10), ("360495", 8), ("360496", 5), ("360191", 6),
     ("360192", 4), ("360591", 2)]
)  # fmt: skip


def company_name(rng: random.Random, pattern: str, region: Region, town: str, length: int = 2) -> str:
    """Fill a name pattern: p firm prefix, z 字号, c county, t township (``town``), v village, s fund series."""
    return pattern.format(
        p=rng.choice(region.firm_prefixes),
        z=zihao(rng, length),
        c=region.county,
        t=town,
        v=village(rng) if "{v}" in pattern else "",
        s=rng.choice(FUND_SERIES) if "{s}" in pattern else "",
    )


def address(rng: random.Random, sector: Sector, region: Region, town: str) -> str:
    """A registered address in ``town`` (the township its name may carry)."""
    if region.code == GQC and sector.key in ("fund_partnership", "fund_manager") and rng.random() < 0.85:
        return f"{region.address}基金小镇内{rng.choice('ABCDEFGH')}栋{rng.randint(1, 6)}{rng.randint(1, 30):02d}室"
    if sector.key == "village_collective":
        return f"{region.address}{town}{village(rng)}"
    road = rng.choice(region.roads)
    if region.code == GQC and sector.key in ("manufacturing", "down_apparel") and rng.random() < 0.6:
        return f"{region.address}高新技术产业开发区{road}{rng.randint(1, 999)}号"
    return f"{region.address}{town}{road}{rng.randint(1, 999)}号"


# ---------------------------------------------------------------- record wording

# fmt: off
#: 文号 prefixes per department (共 = 共青城; the 生态环境局 is a branch of 九江's).
DOC_PREFIX: dict[str, str] = {
    "SCJGJ": "共市监", "XZSPJ": "共行审", "SWJ": "共税", "STHJJ": "九共环", "YJGLJ": "共应急", "ZJJ": "共住建",
    "JTYSJ": "共交运", "XFDD": "共消", "WJW": "共卫健", "CSGLJ": "共城管", "RSJ": "共人社", "ZRZYJ": "共自然资源",
    "LYJ": "共林", "WGXLJ": "共文旅", "YCZMJ": "共烟", "MZJ": "共民", "NYNCSLJ": "共农", "FGW": "共发改",
    "WMB": "共文明", "CZJ": "共财", "JTJ": "共教体", "BB": "共编", "JRB": "共金", "GXJ": "共工信", "SWUJ": "共商",
}
#: 文号 kind word: 共市监罚〔2024〕123号, 共行审许〔2023〕0456号.
KIND_DOC_WORD: dict[str, str] = {
    "license": "许", "penalty": "罚", "registration": "登", "inspection": "查", "honour": "表", "contract": "履",
    "commitment": "诺", "abnormal_operation": "异", "evaluation": "评", "serious_dishonesty": "失信",
}
# fmt: on


@dataclass(frozen=True, slots=True)
class Licence:
    department: str
    certificate: str  # XKZS 证书名称
    category: str  # XKLB 普通/特许/认可/核准/登记/其他
    content: str  # NR 许可内容
    years: int  # validity; 0 = long-term (长期, published as 2099-12-31)
    number: str  # XKBH format key (demo.Dataset._licence_number)


# fmt: off
LICENCES: dict[str, Licence] = {
    "establish": Licence("XZSPJ", "营业执照", "登记", "设立登记", 0, "uscc"),
    "change": Licence("XZSPJ", "营业执照", "登记", "变更登记", 0, "uscc"),
    "food_trade": Licence("XZSPJ", "食品经营许可证", "普通",
                          "预包装食品（含冷藏冷冻食品）销售；散装食品（不含冷藏冷冻食品）销售", 5, "JY"),
    "catering": Licence("XZSPJ", "食品经营许可证", "普通", "热食类食品制售；冷食类食品制售；自制饮品制售", 5, "JY"),
    "food_production": Licence("SCJGJ", "食品生产许可证", "普通", "粮食加工品；茶叶及相关制品", 5, "SC"),
    "hygiene": Licence("XZSPJ", "公共场所卫生许可证", "普通", "住宿场所；美容美发场所", 4, "WS"),
    "build_permit": Licence("XZSPJ", "建筑工程施工许可证", "普通", "房屋建筑工程施工", 0, "SG"),
    "build_qualification": Licence("XZSPJ", "建筑业企业资质证书", "认可",
                                   "建筑工程施工总承包三级；建筑装修装饰工程专业承包二级", 5, "ZZ"),
    "planning": Licence("ZRZYJ", "建设工程规划许可证", "核准", "建设工程规划许可", 0, "GH"),
    "hr_service": Licence("XZSPJ", "人力资源服务许可证", "普通",
                          "为劳动者介绍用人单位；为用人单位推荐劳动者；组织开展现场招聘会", 5, "RL"),
    "labour_dispatch": Licence("XZSPJ", "劳务派遣经营许可证", "普通", "劳务派遣业务", 3, "LW"),
    "road_freight": Licence("XZSPJ", "道路运输经营许可证", "普通", "道路普通货物运输", 4, "YS"),
    "pollution": Licence("STHJJ", "排污许可证", "普通", "排污许可（简化管理）", 5, "PW"),
    "tobacco": Licence("YCZMJ", "烟草专卖零售许可证", "特许", "卷烟、雪茄烟零售", 5, "YC"),
    "fire_safety": Licence("XFDD", "公众聚集场所投入使用、营业前消防安全检查合格证", "其他",
                           "公众聚集场所投入使用、营业前消防安全检查", 0, "XF"),
    "medical": Licence("WJW", "医疗机构执业许可证", "普通", "内科；中医科；预防保健科", 5, "YL"),
    "school": Licence("JTJ", "民办学校办学许可证", "普通", "非学科类校外培训；学前教育", 5, "BX"),
    "pesticide": Licence("NYNCSLJ", "农药经营许可证", "普通", "农药（不含限制使用农药）经营", 5, "NY"),
    "animal": Licence("NYNCSLJ", "动物防疫条件合格证", "其他", "养殖场动物防疫条件审查", 0, "DF"),
    "invoice": Licence("SWJ", "增值税专用发票最高开票限额审批", "普通", "增值税专用发票最高开票限额十万元", 0, "FP"),
    "internet_culture": Licence("WGXLJ", "网络文化经营许可证", "普通", "利用信息网络经营艺术品、演出剧（节）目",
                                3, "WW"),
    "drug": Licence("SCJGJ", "药品经营许可证", "普通", "中成药、化学药制剂、抗生素制剂、生化药品零售", 5, "YP"),
    "social_reg": Licence("MZJ", "社会组织登记证书", "登记", "成立登记", 0, "uscc"),
}
# fmt: on


@dataclass(frozen=True, slots=True)
class Penalty:
    department: str
    act: str  # WFXW 违法行为类型
    facts: str  # SY 违法事实; {n} a count, {v} an amount in 元
    basis: str  # YJ 处罚依据
    measures: tuple[tuple[str, ...], ...]  # CFLB options (行政处罚法 art. 9)
    fine: tuple[float, float]  # 罚款 range in 万元
    persons: bool = False  # also imposed on natural persons


_FINE = (("罚款",),)
_FINE_CONFISCATE = (("罚款", "没收违法所得、没收非法财物"),)
_WARN_OR_FINE = (("警告",), ("罚款",), ("警告", "罚款"))
_FOOD_LAW = "《中华人民共和国食品安全法》"

# fmt: off
PENALTIES: dict[str, Penalty] = {
    "food_expired": Penalty(
        "SCJGJ", "经营超过保质期的食品",
        "经查，当事人在其经营场所销售超过保质期的食品{n}件，货值金额{v}元，"
        f"违反了{_FOOD_LAW}第三十四条第（十）项的规定。",
        f"{_FOOD_LAW}第一百二十四条第一款第（五）项", _FINE_CONFISCATE, (0.5, 10)),
    "food_no_licence": Penalty(
        "SCJGJ", "未取得食品经营许可从事食品经营活动",
        "经查，当事人未取得食品经营许可证从事热食类食品制售，违法所得{v}元，"
        f"违反了{_FOOD_LAW}第三十五条第一款的规定。",
        f"{_FOOD_LAW}第一百二十二条第一款", _FINE_CONFISCATE, (0.5, 10)),
    "down_quality": Penalty(
        "SCJGJ", "以不合格产品冒充合格产品",
        "经抽样检验，当事人销售的羽绒服{n}件含绒量实测值低于标称值，不符合GB/T 14272-2021《羽绒服装》要求，"
        "货值金额{v}元，违反了《中华人民共和国产品质量法》第三十九条的规定。",
        "《中华人民共和国产品质量法》第五十条", _FINE_CONFISCATE, (1, 30)),
    "false_advertising": Penalty(
        "SCJGJ", "虚假或者引人误解的商业宣传",
        "经查，当事人在其网店商品详情页宣传产品销量{n}万件，无事实依据，"
        "违反了《中华人民共和国反不正当竞争法》第八条第一款的规定。",
        "《中华人民共和国反不正当竞争法》第二十条第一款", _FINE, (10, 40)),
    "price_label": Penalty(
        "SCJGJ", "未按规定明码标价",
        "经查，当事人在其经营场所销售的{n}种商品未按规定明码标价，违反了《中华人民共和国价格法》第十三条第一款的规定。",
        "《价格违法行为行政处罚规定》第十三条", _WARN_OR_FINE, (0.05, 0.5)),
    "metrology": Penalty(
        "SCJGJ", "使用未经检定的计量器具",
        "经查，当事人在经营中使用的电子计价秤{n}台未按规定申请强制检定，"
        "违反了《中华人民共和国计量法》第九条第一款的规定。",
        "《中华人民共和国计量法实施细则》第四十三条", _WARN_OR_FINE, (0.02, 0.1)),
    "unlicensed": Penalty(
        "SCJGJ", "无照经营",
        "经查，当事人未依法取得营业执照，在共青城市从事商品销售经营活动，违法所得{v}元，"
        "违反了《无证无照经营查处办法》第二条的规定。",
        "《无证无照经营查处办法》第十三条", _FINE_CONFISCATE, (0.1, 1), persons=True),
    "tax_late": Penalty(
        "SWJ", "未按照规定期限办理纳税申报和报送纳税资料",
        "当事人未按照规定期限办理{n}月增值税纳税申报，违反了《中华人民共和国税收征收管理法》第二十五条第一款的规定。",
        "《中华人民共和国税收征收管理法》第六十二条", _FINE, (0.005, 0.2)),
    "tax_invoice": Penalty(
        "SWJ", "虚开增值税普通发票",
        "经查，当事人在没有真实交易的情况下为他人开具增值税普通发票{n}份，金额合计{v}元，"
        "违反了《中华人民共和国发票管理办法》第二十二条第二款的规定。",
        "《中华人民共和国发票管理办法》第三十七条第一款", _FINE_CONFISCATE, (5, 50)),
    "air_emission": Penalty(
        "STHJJ", "超过大气污染物排放标准排放大气污染物",
        "经监测，当事人排气筒颗粒物排放浓度超过排放标准{n}%，违反了《中华人民共和国大气污染防治法》第十八条的规定。",
        "《中华人民共和国大气污染防治法》第九十九条第（二）项", _FINE, (10, 60)),
    "eia": Penalty(
        "STHJJ", "建设项目环境影响报告表未经批准擅自开工建设",
        "经查，当事人建设项目环境影响报告表未经审批即开工建设，项目总投资{v}元，"
        "违反了《中华人民共和国环境影响评价法》第二十五条的规定。",
        "《中华人民共和国环境影响评价法》第三十一条第一款", _FINE, (2, 20)),
    "burning": Penalty(
        "STHJJ", "露天焚烧秸秆",
        "经查，当事人在农田露天焚烧秸秆约{n}亩，违反了《中华人民共和国大气污染防治法》第七十七条的规定。",
        "《中华人民共和国大气污染防治法》第一百一十九条第一款", _FINE, (0.05, 0.2), persons=True),
    "safety_training": Penalty(
        "YJGLJ", "未按照规定对从业人员进行安全生产教育和培训",
        "经查，当事人{n}名从业人员未经安全生产教育和培训即上岗作业，"
        "违反了《中华人民共和国安全生产法》第二十八条第一款的规定。",
        "《中华人民共和国安全生产法》第九十七条第（三）项", _WARN_OR_FINE, (1, 5)),
    "fire": Penalty(
        "XFDD", "消防设施、器材未保持完好有效",
        "经检查，当事人场所内灭火器{n}具压力不足、室内消火栓无水，"
        "违反了《中华人民共和国消防法》第十六条第一款第（二）项的规定。",
        "《中华人民共和国消防法》第六十条第一款第（一）项", _FINE, (0.5, 3)),
    "fire_exit": Penalty(
        "XFDD", "占用、堵塞、封闭疏散通道、安全出口",
        "经检查，当事人场所{n}处安全出口被货物堵塞，违反了《中华人民共和国消防法》第二十八条的规定。",
        "《中华人民共和国消防法》第六十条第一款第（三）项", _FINE, (0.5, 2)),
    "build_no_permit": Penalty(
        "ZJJ", "未取得施工许可证擅自施工",
        "经查，当事人承建的工程未取得施工许可证即开工建设，合同价款{v}元，违反了《中华人民共和国建筑法》第七条的规定。",
        "《建设工程质量管理条例》第五十七条", _FINE, (2, 20)),
    "road_no_permit": Penalty(
        "JTYSJ", "未取得道路运输经营许可擅自从事道路运输经营",
        "经查，当事人未取得道路运输经营许可，驾驶车辆从事道路运输经营{n}次，"
        "违反了《中华人民共和国道路运输条例》第二十四条的规定。",
        "《中华人民共和国道路运输条例》第六十三条", _FINE_CONFISCATE, (0.5, 3), persons=True),
    "overload": Penalty(
        "JTYSJ", "车辆超限运输",
        "经检测，当事人所属货车车货总重超过规定限值{n}吨，违反了《公路安全保护条例》第三十三条的规定。",
        "《公路安全保护条例》第六十四条", _FINE, (0.05, 3)),
    "health_cert": Penalty(
        "WJW", "安排未获得有效健康合格证明的从业人员从事直接为顾客服务的工作",
        "经查，当事人{n}名从业人员未取得有效健康合格证明即从事直接为顾客服务的工作，"
        "违反了《公共场所卫生管理条例实施细则》第十条的规定。",
        "《公共场所卫生管理条例实施细则》第三十八条", (("警告",), ("警告", "罚款")), (0.05, 0.5)),
    "outdoor_ad": Penalty(
        "CSGLJ", "擅自设置大型户外广告",
        "经查，当事人未经同意在临街建筑外墙设置户外广告牌{n}块，违反了《城市市容和环境卫生管理条例》第十一条的规定。",
        "《城市市容和环境卫生管理条例》第三十六条第（二）项", _FINE, (0.05, 0.5)),
    "labour_overtime": Penalty(
        "RSJ", "违反规定延长劳动者工作时间",
        "经查，当事人安排{n}名劳动者每月加班超过三十六小时，违反了《中华人民共和国劳动法》第四十一条的规定。",
        "《劳动保障监察条例》第二十五条", _WARN_OR_FINE, (0.2, 2)),
    "job_agency": Penalty(
        "RSJ", "未经许可擅自从事职业中介活动",
        "经查，当事人未取得人力资源服务许可证，为{n}名劳动者介绍工作并收取费用，"
        "违反了《中华人民共和国就业促进法》第四十条的规定。",
        "《中华人民共和国就业促进法》第六十四条", _FINE_CONFISCATE, (1, 5)),
    "hr_false_info": Penalty(
        "RSJ", "发布虚假招聘信息",
        "经查，当事人在网络招聘平台发布虚假招聘信息{n}条，违反了《人力资源市场暂行条例》第二十四条的规定。",
        "《人力资源市场暂行条例》第四十三条", _FINE, (1, 5)),
    "tobacco_no_licence": Penalty(
        "YCZMJ", "无烟草专卖零售许可证经营烟草制品零售业务",
        "经查，当事人未取得烟草专卖零售许可证，在其店内销售卷烟{n}条，"
        "违反了《中华人民共和国烟草专卖法》第十六条的规定。",
        "《中华人民共和国烟草专卖法实施条例》第五十七条", _FINE_CONFISCATE, (0.1, 1), persons=True),
    "land": Penalty(
        "ZRZYJ", "非法占用土地",
        "经查，当事人未经批准占用集体土地{n}平方米建设房屋，违反了《中华人民共和国土地管理法》第四十四条第一款的规定。",
        "《中华人民共和国土地管理法》第七十七条第一款", _FINE, (0.5, 5), persons=True),
    "forest": Penalty(
        "LYJ", "滥伐林木",
        "经查，当事人未取得林木采伐许可证，擅自采伐林木{n}立方米，违反了《中华人民共和国森林法》第五十六条第一款的规定。",
        "《中华人民共和国森林法》第七十六条第二款", _FINE, (0.1, 2), persons=True),
    "internet_cafe": Penalty(
        "WGXLJ", "互联网上网服务营业场所接纳未成年人",
        "经查，当事人经营的网吧接纳{n}名未成年人进入营业场所，违反了《互联网上网服务营业场所管理条例》第二十一条的规定。",
        "《互联网上网服务营业场所管理条例》第三十一条第（二）项", (("警告", "罚款"),), (0.2, 1.5)),
}
# fmt: on
# 露天焚烧 counts twice: it is the commonest penalty of a rural resident.
PERSON_PENALTIES = (*(key for key, p in PENALTIES.items() if p.persons), "burning")
PENALTY_SEVERITY = Weighted([("轻微", 20), ("一般", 70), ("严重", 10)])
#: The market regulator revokes the licence of a business that never opened or stopped for six months.
REVOCATION_ACT = "成立后无正当理由超过六个月未开业，或者开业后自行停业连续六个月以上"
REVOCATION_BASIS_OLD = "《中华人民共和国公司法》（2018年修正）第二百一十一条第一款"
REVOCATION_BASIS_NEW = "《中华人民共和国公司法》（2023年修订）第二百六十条第一款"  # in force 2024-07-01

# fmt: off
INSPECTION_ITEMS: dict[str, tuple[str, ...]] = {
    "SCJGJ": ("企业年度报告公示信息抽查", "食品安全监督检查", "产品质量监督抽查", "广告发布行为检查"),
    "JRB": ("私募基金类企业风险排查",), "SWJ": ("纳税人发票使用情况检查",),
    "STHJJ": ("排污单位执法监测", "建设项目环境保护“三同时”检查"), "YJGLJ": ("安全生产监督检查",),
    "XFDD": ("消防监督检查",), "WJW": ("公共场所卫生监督检查",), "ZJJ": ("建筑施工安全质量检查",),
    "JTYSJ": ("道路运输企业安全生产检查",), "MZJ": ("社会组织年度检查",),
    "NYNCSLJ": ("农民专业合作社年度报告抽查", "农资经营监督检查"), "RSJ": ("人力资源服务机构监督检查",),
}
INSPECTION_RESULTS: Weighted[tuple[str, str | None]] = Weighted([
    (("未发现问题", None), 72), (("发现问题已责令改正", "轻微"), 16), (("未按规定公示应当公示的信息", "轻微"), 5),
    (("通过登记的住所（经营场所）无法联系", "一般"), 4), (("公示信息隐瞒真实情况、弄虚作假", "一般"), 1),
    (("不配合检查，情节严重", "一般"), 2),
])
#: (department, honour, sectors it suits; () for all)
HONOURS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("WMB", "共青城市诚信示范企业", ()), ("SCJGJ", "共青城市守合同重信用企业", ()),
    ("RSJ", "劳动保障守法诚信示范单位", ()), ("FGW", "守信激励对象", ()),
    ("GXJ", "共青城市专精特新中小企业", ("manufacturing", "down_apparel", "tech")),
    ("SWUJ", "共青城市跨境电商示范企业", ("cross_border",)),
    ("JRB", "共青城市优秀私募基金管理机构", ("fund_manager",)),
    ("WMB", "共青城市文明单位", ("public_institution",)),
    ("MZJ", "优秀社会组织", ("social_group", "private_non_enterprise", "foundation")),
    ("NYNCSLJ", "共青城市农民合作社示范社", ("cooperative",)),
)
CONTRACTS = (("CZJ", "政府采购合同履约"), ("ZJJ", "建设工程施工合同履约"))
CONTRACT_RESULTS: Weighted[tuple[str, str | None]] = Weighted(
    [(("按约履行", None), 85), (("逾期履行", "轻微"), 10), (("未履行", "一般"), 5)])
COMMITMENTS = (
    ("XZSPJ", "企业设立登记告知承诺", "审批替代/告知承诺"), ("XZSPJ", "食品经营许可告知承诺", "审批替代/告知承诺"),
    ("SWJ", "涉税事项容缺办理", "容缺受理"), ("SCJGJ", "市场主体主动信用承诺", "主动承诺"),
    ("RSJ", "人力资源服务机构诚信经营承诺", "行业自律"), ("ZJJ", "建筑市场主体信用承诺", "主动承诺"),
    ("FGW", "信用修复承诺", "信用修复"),
)
COMMITMENT_RESULTS: Weighted[tuple[str, str | None]] = Weighted(
    [(("践诺", None), 80), (("履约中", None), 15), (("违诺", "一般"), 4), (("虚假承诺", "一般"), 1)])
COMPLAINTS = (
    ("SCJGJ", "12315平台", "消费者反映所购商品质量问题"), ("SCJGJ", "12315平台", "消费者反映网购商品货不对版"),
    ("SCJGJ", "12345政务服务便民热线", "群众反映商家未明码标价"), ("RSJ", "劳动保障监察投诉", "劳动者反映拖欠工资"),
    ("ZJJ", "12345政务服务便民热线", "群众反映夜间施工噪音扰民"),
)
# Complaint records are the ones found true (经核实属实): an untrue or unverified complaint is no credit record.
COMPLAINT_OUTCOMES = ("属实，已调解", "属实，已办结", "部分属实，已责令整改", "属实，转行政执法", "属实，已责令整改")
#: (department, evaluation, grades, sectors it applies to; () for all)
EVALUATIONS: tuple[tuple[str, str, Weighted[str], tuple[str, ...]], ...] = (
    ("SWJ", "纳税信用等级评价", Weighted([("A", 20), ("B", 50), ("M", 20), ("C", 7), ("D", 3)]), ()),
    ("RSJ", "人力资源服务机构诚信等级评价", Weighted([("AAA", 15), ("AA", 40), ("A", 35), ("B", 10)]),
     ("hr_services",)),
    ("ZJJ", "建筑市场主体信用评价", Weighted([("优", 20), ("良", 50), ("中", 25), ("差", 5)]),
     ("construction", "realty")),
    ("MZJ", "社会组织评估等级", Weighted([("5A", 5), ("4A", 20), ("3A", 45), ("2A", 20), ("1A", 10)]),
     ("social_group", "private_non_enterprise", "foundation")),
    ("JRB", "私募基金类企业风险分类", Weighted([("低风险", 70), ("中风险", 25), ("高风险", 5)]),
     ("fund_partnership", "fund_manager")),
)
GOOD_GRADES = frozenset({"A", "AAA", "优", "5A", "4A", "低风险"})
#: (department, list, basis, reason)
SERIOUS_LISTS = (
    ("SWJ", "重大税收违法失信主体", "《重大税收违法失信主体信息公布管理办法》（国家税务总局令第54号）",
     "虚开发票，情节严重"),
    ("SCJGJ", "市场监督管理严重违法失信名单",
     "《市场监督管理严重违法失信名单管理办法》（国家市场监督管理总局令第44号）",
     "列入经营异常名录届满三年仍未履行相关义务"),
    ("RSJ", "拖欠农民工工资失信联合惩戒对象名单",
     "《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》（人力资源社会保障部令第45号）",
     "拖欠农民工工资数额较大"),
    ("YJGLJ", "安全生产严重失信主体名单", "《安全生产严重失信主体名单管理办法》（应急管理部令第11号）",
     "发生生产安全事故，负有责任"),
)
JUDICIAL_DISHONEST_ACTS = ("有履行能力而拒不履行生效法律文书确定义务", "违反财产报告制度", "违反限制消费令")
#: USCC pos 1-2 (or pos 1) -> (title, reason) of an abnormal-operation listing; "91b" is the address reason.
ABNORMAL_REASONS: dict[str, tuple[str, str]] = {
    "91": ("列入经营异常名录", "未依照《企业信息公示暂行条例》第八条规定的期限公示年度报告"),
    "91b": ("列入经营异常名录", "通过登记的住所或者经营场所无法联系"),
    "92": ("标记为经营异常状态", "未依照《促进个体工商户发展条例》规定报送年度报告"),
    "93": ("列入经营异常名录", "未依照《农民专业合作社年度报告公示办法》规定报送年度报告"),
    "5": ("列入活动异常名录", "未按照规定时限和要求向登记管理机关报送年度工作报告"),
}
CHANGE_ITEMS = ("注册资本", "住所", "经营范围", "股东（合伙人）")
CORRECTION_REASONS = {
    "amount": "罚款金额录入错误，依据原处罚决定书更正",
    "date": "决定日期录入错误，予以更正",
    "validity": "有效期截止日期录入错误，予以更正",
    "title": "决定文书名称录入不规范，予以更正",
}
# fmt: on
