"""The demo's catalogue of commitment items (信用承诺事项清单): the office's usual 信用承诺 items and the 信用修复承诺.

Without a catalogue nobody can sign a commitment, and credit repair needs a signed public 信用修复承诺, so every
repair application of a fresh demo said 暂不可申请. The items are made through the commitments service (audited,
letter template version 1), each under its own code, so seeding twice adds nothing; ``xinyong demo`` seeds them on
a fresh load and on an existing demo (``--if-empty``) alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.commitments import service
from xinyong.commitments.models import CommitmentItem
from xinyong.commitments.rules import CommitmentType
from xinyong.commitments.schemas import ItemIn, TemplateIn
from xinyong.core.actor import Actor
from xinyong.core.departments import Department

ACTOR = Actor.system("demo")

_VERIFY = "本主体同意承诺受理部门及信用办对承诺内容进行核查，如实提供有关材料，并接受社会监督。"
_LIABILITY = (
    "如承诺不实或违背承诺，本主体愿意承担相应法律责任，接受有关部门依法依规作出的处理，并同意将违诺情况记入信用记录、"
    "在“信用中国（江西共青）”网站公示。"
)
_DECLARATION = "本主体已认真阅读并知悉上述内容，自愿签署本承诺书，承诺书内容向社会公开。"


@dataclass(frozen=True)
class DemoItem:
    code: str
    department: str
    name: str
    commitment_type: CommitmentType
    conditions: str
    undertaking: str
    legal_basis: str | None = None
    tolerance_days: int | None = None


ITEMS: tuple[DemoItem, ...] = (
    DemoItem(
        "XYXF-001",
        "FGW",
        "信用修复承诺（行政处罚信息、严重失信主体名单信息）",
        CommitmentType.REPAIR,
        "申请修复行政处罚信息或申请提前移出严重失信主体名单的市场主体，已履行行政处罚决定或相关义务，"
        "已完成整改并达到最短公示期限。",
        "本主体已纠正失信行为、消除不良影响，已履行行政处罚决定规定的义务；今后将严格遵守法律法规，依法诚信经营，"
        "不再发生同类失信行为；申请信用修复所提交的材料真实、准确、完整。",
        "《失信行为纠正后的信用信息修复管理办法（试行）》（国家发展改革委令2023年第58号）",
    ),
    DemoItem(
        "GZCN-SCJG-001",
        "SCJGJ",
        "食品经营许可（仅销售预包装食品）告知承诺",
        CommitmentType.APPROVAL,
        "申请人具有与经营的食品品种、数量相适应的经营场所，具有相应的设备设施和食品安全管理制度。",
        "本主体承诺已具备上述许可条件，所提交材料真实有效；在取得许可后持续符合许可条件，按规定接受监督检查。",
        "《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》",
    ),
    DemoItem(
        "GZCN-XZSP-001",
        "XZSPJ",
        "公共场所卫生许可告知承诺",
        CommitmentType.APPROVAL,
        "申请人的公共场所具有符合卫生要求的设施设备，从业人员持有有效健康合格证明。",
        "本主体承诺所经营的公共场所符合卫生标准和要求，所提交材料真实有效，接受审批部门事中事后核查。",
        "《公共场所卫生管理条例》；《江西省证明事项告知承诺制实施办法》",
    ),
    DemoItem(
        "RQSL-XZSP-001",
        "XZSPJ",
        "企业设立登记容缺受理",
        CommitmentType.TOLERANCE,
        "申请材料中主要材料齐全、符合法定形式，次要材料暂缺或存在瑕疵的，可先行受理。",
        "本主体承诺在容缺受理之日起规定期限内补齐所缺材料，补齐前已提交的材料真实有效。",
        "《优化营商环境条例》第三十五条",
        tolerance_days=5,
    ),
    DemoItem(
        "ZDCN-SWJ-001",
        "SWJ",
        "依法诚信纳税主动承诺",
        CommitmentType.VOLUNTARY,
        "在本市依法登记、正常经营的市场主体均可自愿作出。",
        "本主体承诺依法如实办理纳税申报、按期足额缴纳税款，不偷税、不骗税、不虚开发票，主动接受税务机关和社会监督。",
    ),
    DemoItem(
        "ZDCN-FGW-001",
        "FGW",
        "诚信经营主动承诺",
        CommitmentType.VOLUNTARY,
        "在本市依法登记、正常经营的市场主体均可自愿作出。",
        "本主体承诺遵守法律法规和社会公德，诚实守信、公平竞争，不制售假冒伪劣商品，不作虚假宣传，"
        "依法保护消费者和劳动者合法权益。",
    ),
)


def seed_commitment_catalogue(session: Session) -> list[str]:
    """Create the catalogue items that are missing (by code) for departments that exist; return the codes made."""
    existing = set(session.execute(select(CommitmentItem.code)).scalars())
    departments = set(session.execute(select(Department.code)).scalars())
    made: list[str] = []
    for item in ITEMS:
        if item.code in existing or item.department not in departments:
            continue
        title = "信用修复承诺书" if item.commitment_type == CommitmentType.REPAIR else "信用承诺书"
        service.create_item(
            session,
            ACTOR,
            ItemIn(
                code=item.code,
                department=item.department,
                name=item.name,
                commitment_type=item.commitment_type,
                conditions=item.conditions,
                legal_basis=item.legal_basis,
                tolerance_days=item.tolerance_days,
                template=TemplateIn(
                    title=title,
                    conditions=item.conditions,
                    undertaking=item.undertaking,
                    verification=_VERIFY,
                    liability=_LIABILITY,
                    declaration=_DECLARATION,
                    is_public=True,
                ),
            ),
        )
        made.append(item.code)
    return made
