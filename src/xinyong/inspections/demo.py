"""Demo data of graded supervision and 双随机、一公开 for the demo city: the market regulator's mapping, item list and
inspectors (fictitious names and badge numbers), one task over the city's apparel firms with a first round drawn, and
a typical case. Deterministic: the same database state gives the same draw."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.core.errors import InvalidInput
from xinyong.core.periods import add_months
from xinyong.inspections import rules, service
from xinyong.inspections.schemas import CaseIn, InspectorIn, ItemIn, MappingIn, PoolFilter, TaskIn

DEPARTMENT = "SCJGJ"
ITEMS = (
    (
        "SC-NB-01",
        "企业年度报告公示信息抽查",
        "《企业信息公示暂行条例》第十条、第十二条",
        "企业、农民专业合作社",
        "书面检查、实地核查",
    ),
    ("SC-CP-02", "产品质量监督抽查", "《中华人民共和国产品质量法》第十五条", "生产、销售企业", "抽样检验"),
    (
        "SC-GG-03",
        "广告发布行为检查",
        "《中华人民共和国广告法》第四十九条",
        "广告主、广告经营者、广告发布者",
        "实地检查",
    ),
)
INSPECTORS = (
    "王建华", "刘晓燕", "陈志强", "李秀英", "张国平", "杨丽娟", "黄伟东", "周海燕",
    "吴志刚", "徐春梅", "孙立新", "胡晓峰",
)  # fmt: skip
PUBLIC_VALUE = "福彩3D 第2025150期 开奖号码 4 7 1"


def seed_supervision(session: Session, actor: Actor) -> int | None:
    """Mapping, items, inspectors, one task over the apparel firms (C18) with round 1 drawn, and a typical case.
    Returns the draw's id (None when the city has no apparel firm in business)."""
    classes = {**rules.DEFAULT_CLASSES, "B": {"ratio": "5", "frequency": 1}}
    service.save_mapping(
        session,
        actor,
        MappingIn.model_validate(
            {"department": DEPARTMENT, "classes": classes, "note": "演示数据：信用好的少查、失信的多查"}
        ),
    )
    item_ids = [
        service.create_item(
            session,
            actor,
            ItemIn(department=DEPARTMENT, code=code, name=name, basis=basis, subject=subject, method=method),
        ).id
        for code, name, basis, subject, method in ITEMS
    ]
    for index, name in enumerate(INSPECTORS):
        service.create_inspector(
            session, actor, InspectorIn(department=DEPARTMENT, name=name, badge_no=f"36048209{index + 1:04d}")
        )
    service.create_case(
        session,
        actor,
        CaseIn(
            department=DEPARTMENT,
            title="信用分级分类监管：A 级企业“无事不扰”，失信企业重点查",
            summary="市市场监管局按公共信用综合评价结果确定抽查比例，A 级企业抽查比例 3%，D 级企业 30%。",
            body=(
                "市市场监管局将企业公共信用综合评价结果嵌入“双随机、一公开”抽查：信用好的企业少查，信用一般的按常规比例抽查，"
                "失信企业和列入重点关注对象名单的企业提高抽查比例和频次。\n"
                "抽取前冻结检查对象名录库并公开其摘要，抽取时以当期福彩开奖号码为公开随机数，任何人均可下载抽取包复核抽取结果。\n"
                "（本案例为演示数据。）"
            ),
            stratum="A",
        ),
    )
    end = add_months(clock.today(), 2)
    data = TaskIn(
        department=DEPARTMENT,
        name=f"{clock.today().year}年度羽绒服装企业双随机抽查",
        item_ids=item_ids[:2],
        pool_filter=PoolFilter(industry_prefix="C18"),
        inspection_end=end if end > clock.today() else clock.today() + dt.timedelta(days=1),
    )
    try:
        task = service.create_task(session, actor, data)
    except InvalidInput:
        return None  # an empty pool: a tiny demo city without apparel firms
    return service.make_draw(session, actor, task.id, PUBLIC_VALUE).id
