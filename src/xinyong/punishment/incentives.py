"""守信联合激励 in the check (嵌入式核查): the incentive measures catalogue and what a check answers about honours.

Incentives are data like the restrictions: catalogued measures of the category ``incentive`` in
``punishment_measures``, linked to honour list types (lists area, category ``honour``) by joint incentive memoranda
in ``punishment_memorandum_measures`` (e.g. 发改财金〔2016〕1467号 for 纳税信用A级纳税人). A check on an entity reads
its honours in force today; every incentive a memorandum links to one of their types and that applies in the
requested scenario is returned beside the restrictions, and stored with the check so the business system reports
back on it (反馈) exactly as on a restriction.

Incentives withheld: while an entry of the 严重失信主体名单 (its upstream equivalents) or a market and industry ban
binds the entity, no incentive is returned, and its honours are listed flagged ``withheld`` with the reason
(国发〔2016〕33号: 对严重失信主体不得给予激励; the rule is :func:`xinyong.lists.honour_rules.incentives_withheld`).
A watch-list entry does not withhold. Honours of natural persons are not read by the check (the honour lists hold
entities). Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.lists import service as lists
from xinyong.lists.honour_rules import WITHHELD_REASON
from xinyong.punishment.catalogue import (
    LinkedMeasure,
    ensure_seeded,
    extend_catalogue,
    linked_measures,
    measure_row,
    measures_out,
)
from xinyong.punishment.models import Measure
from xinyong.punishment.rules import MeasureCategory, MeasureSpec, MemorandumLevel, MemorandumSpec, Scenario
from xinyong.punishment.schemas import CheckHonourOut, CheckMeasureOut

_SEED_ACTOR = Actor.system("punishment:incentives:seed")
_GUOFA_33 = "《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》（国发〔2016〕33号）"
_GUOBAN_35 = (
    "《国务院办公厅关于加快推进社会信用体系建设构建以信用为基础的新型监管机制的指导意见》（国办发〔2019〕35号）"
)
A, H, C = "tax_a_grade", "honest_model", "contract_keeping"
APPROVAL, SUPERVISION = Scenario.ADMINISTRATIVE_APPROVAL, Scenario.SUPERVISION

DEFAULT_INCENTIVES: tuple[MeasureSpec, ...] = (
    MeasureSpec(
        "IN01", "容缺受理：非核心材料暂缺的，可先行受理、限期补正", MeasureCategory.INCENTIVE,
        f"{_GUOFA_33}第（五）条“在办理行政许可过程中……实施‘绿色通道’和‘容缺受理’等便利服务措施”", (A, H, C),
        "市政务服务管理局", (APPROVAL,),
    ),
    MeasureSpec(
        "IN02", "行政审批“绿色通道”，优先办理、简化程序", MeasureCategory.INCENTIVE,
        f"{_GUOFA_33}第（五）条", (A, H, C), "市政务服务管理局", (APPROVAL, Scenario.PUBLIC_RESOURCE_TRADING),
    ),
    MeasureSpec(
        "IN03", "减少检查频次：“双随机、一公开”监管中适当降低抽查比例和频次", MeasureCategory.INCENTIVE,
        f"{_GUOBAN_35}（对信用较好、风险较低的市场主体，可合理降低抽查比例和频次）", (A, H, C), "市市场监管局",
        (SUPERVISION,),
    ),
    MeasureSpec(
        "IN04", "纳税服务便利：增值税发票按需领用、办税绿色通道", MeasureCategory.INCENTIVE,
        "《纳税信用管理办法（试行）》第三十条；《关于对纳税信用A级纳税人实施联合激励措施的合作备忘录》", (A,),
        "市税务局", (Scenario.TAX_INCENTIVES,),
    ),
    MeasureSpec(
        "IN05", "金融授信便利：同等条件下优先给予信贷支持和优惠利率", MeasureCategory.INCENTIVE,
        f"{_GUOFA_33}第（六）条", (A, H, C), "人行德安支行", (Scenario.FINANCIAL_CREDIT,),
    ),
    MeasureSpec(
        "IN06", "公共资源交易、政府采购中依法给予信用加分或减免投标（履约）保证金", MeasureCategory.INCENTIVE,
        f"{_GUOFA_33}第（六）条", (A, H), "市财政局",
        (Scenario.PUBLIC_RESOURCE_TRADING, Scenario.GOVERNMENT_PROCUREMENT),
    ),
    MeasureSpec(
        "IN07", "财政性资金项目、评优评先同等条件下优先安排", MeasureCategory.INCENTIVE,
        f"{_GUOFA_33}第（四）条", (A, H), "市财政局", (Scenario.FISCAL_FUNDS,),
    ),
)  # fmt: skip
INCENTIVE_CODES = frozenset(m.code for m in DEFAULT_INCENTIVES)
INCENTIVE_MEMORANDA: tuple[MemorandumSpec, ...] = (
    MemorandumSpec(
        "发改财金〔2016〕1467号",
        "关于对纳税信用A级纳税人实施联合激励措施的合作备忘录",
        MemorandumLevel.NATIONAL,
        ("国家发展改革委", "税务总局", "中国人民银行", "财政部", "市场监管总局"),
        ((A, tuple(m.code for m in DEFAULT_INCENTIVES if A in m.list_types)),),
    ),
    MemorandumSpec(
        "共信办〔2021〕2号",
        "共青城市守信联合激励合作备忘录",
        MemorandumLevel.CITY,
        ("市发改委", "市政务服务管理局", "市市场监管局", "市财政局", "人行德安支行"),
        (
            (H, tuple(m.code for m in DEFAULT_INCENTIVES if H in m.list_types)),
            (C, tuple(m.code for m in DEFAULT_INCENTIVES if C in m.list_types)),
        ),
    ),
)


def ensure_incentives(session: Session, actor: Actor = _SEED_ACTOR) -> bool:
    """Add the default incentive measures and memoranda when the catalogue has none yet (a catalogue seeded before
    incentives existed, or a fresh one); idempotent, safe against a concurrent seeder. True when added."""
    ensure_seeded(session)
    if session.scalars(select(Measure.id).where(Measure.code.in_(sorted(INCENTIVE_CODES))).limit(1)).first():
        return False
    lists.honour_types(session)  # the honour list types the memoranda link to
    now = clock.now()
    try:
        with session.begin_nested():
            for spec in DEFAULT_INCENTIVES:
                session.add(measure_row(spec, actor, now))
            session.flush()
            extend_catalogue(session, actor, scopes={}, memoranda=INCENTIVE_MEMORANDA)
    except IntegrityError:  # another transaction added them first
        return False
    return True


@dataclass(slots=True)
class Incentives:
    """What a check answers about an entity's honours: the honours in force, the incentive measures that apply in
    the scenario (each with the honour entries and memoranda behind it), and whether they are withheld."""

    honours: list[CheckHonourOut] = field(default_factory=list)
    measures: list[tuple[LinkedMeasure, list[int], list[str]]] = field(default_factory=list)
    withheld: bool = False

    def out(self) -> list[CheckMeasureOut]:
        return measures_out(self.measures)


def incentives_for(
    session: Session, honours: Sequence[lists.BindingEntry], scenario: Scenario, binding_codes: set[str]
) -> Incentives:
    """What ``honours`` (an entity's honour entries in force, read by the check's one statement) give in
    ``scenario``: nothing, with the honours flagged, while one of ``binding_codes`` (the list types of the entries
    binding the entity) withholds incentives. No statement at all for an entity without honours."""
    if not honours:
        return Incentives()
    withheld = bool(binding_codes) and bool(binding_codes & lists.withholding_codes(session))
    found = Incentives(
        honours=[
            CheckHonourOut(
                entry_id=h.id,
                list_type=h.list_code,
                list_name=h.list_name,
                decision_doc_no=h.decision_doc_no,
                department=h.department,
                issuing_body=h.upstream.issuing_body if h.upstream is not None else None,
                valid_from=h.valid_from,
                valid_to=h.valid_to,
                withheld=withheld,
            )
            for h in honours
        ],
        withheld=withheld,
    )
    if withheld:
        return found
    codes = {h.list_code for h in honours}
    linked = linked_measures(session, codes)
    if not linked and ensure_incentives(session):  # a catalogue seeded before incentives existed
        linked = linked_measures(session, codes)
    chosen: dict[str, tuple[LinkedMeasure, list[int], list[str]]] = {}
    for honour in honours:
        for measure in linked.get(honour.list_code, []):
            if measure.category != MeasureCategory.INCENTIVE or scenario.value not in measure.scenarios:
                continue
            _, ids, memos = chosen.setdefault(measure.code, (measure, [], []))
            if honour.id not in ids:
                ids.append(honour.id)
            if measure.memorandum not in memos:
                memos.append(measure.memorandum)
    found.measures = list(chosen.values())
    return found


def explain_incentives(found: Incentives, scenario: Scenario) -> str:
    """The sentence the check's explanation gains about honours (empty when the entity has none)."""
    if not found.honours:
        return ""
    names = "、".join(dict.fromkeys(h.list_name for h in found.honours))
    if found.withheld:
        return f"该主体同时列入守信激励名单（{names}）；{WITHHELD_REASON}"
    if not found.measures:
        return f"该主体列入守信激励名单（{names}），在“{scenario.label}”场景下无适用的守信激励措施。"
    listed = "；".join(f"{m.name}（实施部门：{m.department}）" for m, _, _ in found.measures)
    return f"该主体列入守信激励名单（{names}），在“{scenario.label}”场景下可依据合作备忘录实施以下激励措施：{listed}。"
