"""The demo's site content: a dozen 信用动态, the key 政策法规 (the city's notice, 国办发〔2019〕35号,
国办发〔2020〕49号 and the 2023 repair rules, each with a PDF of its summary), five 典型案例 (one linked to a
published penalty and one to a serious-list entry of the demo data), three 通知公告 and the four 办事指南 (the repair
guide with a Word form).

Policies are given by their title, number, issuing body and dates with a short summary written for this site and
labelled as a summary: the documents' own text is the issuing body's. News, cases and notices are the demo city's
(fictitious subjects, shown through the same desensitiser as everything public). Everything goes through the content
service's own procedure (created, sent for review, published), as the office would."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from xinyong.content import service as content
from xinyong.content.schemas import ItemIn
from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.core.pagination import PageRequest
from xinyong.lists import service as lists
from xinyong.lists.rules import ListCategory
from xinyong.records import publication
from xinyong.records.publication import RecordFilter
from xinyong.records.rules import Kind, SubjectType

SUMMARY_NOTE = "以下为本站编写的内容摘要，不替代文件原文；以发文机关公布的原文为准。"
CONTACT = (
    "共青城市发展和改革委员会（市社会信用体系建设领导小组办公室） 咨询电话：0792-4360000（演示号码） "
    "工作日 8:30—12:00、14:30—17:30"
)


@dataclass(frozen=True)
class Piece:
    kind: str
    title: str
    days_ago: int
    body: str
    summary: str | None = None
    category: str | None = None
    fields: dict[str, Any] | None = None
    attachment: str | None = None  # "pdf": a PDF of the summary; "docx": the repair application form


def _p(*paragraphs: str) -> str:
    return "".join(f"<p>{text}</p>" for text in paragraphs)


def _points(heading: str, *points: str) -> str:
    return f"<h3>{heading}</h3><ul>" + "".join(f"<li>{point}</li>" for point in points) + "</ul>"


POLICIES = (
    Piece(
        "policy",
        "共青城市构建以信用为基础的新型监管机制的通知",
        400,
        _p(SUMMARY_NOTE)
        + _points(
            "主要内容（摘要）",
            "落实江西省关于构建以信用为基础的新型监管机制的部署，覆盖市场主体全生命周期的事前、事中、事后监管。",
            "事前：推行信用承诺制和容缺受理，开展经营者准入前诚信教育，拓展信用报告应用。",
            "事中：全面建立市场主体信用记录，做好行政许可和行政处罚信息“双公示”，开展公共信用综合评价和信用分级分类监管，"
            "与“双随机、一公开”监管相结合。",
            "事后：依法依规认定失信主体名单并实施联合惩戒，督促失信主体限期整改，健全信用修复和异议处理机制。",
            "建设市公共信用信息平台和“信用中国（江西共青）”网站，做好信用信息归集共享和个人信息保护。",
        ),
        "本市构建以信用为基础的新型监管机制的工作通知，明确事前、事中、事后各环节的信用监管措施和部门分工。",
        "市级",
        {
            "doc_number": "共社信办字〔2020〕7号",
            "issuer": "共青城市社会信用体系建设领导小组办公室",
            "issued_on": "2020-11-26",
        },
        "pdf",
    ),
    Piece(
        "policy",
        "国务院办公厅关于加快推进社会信用体系建设构建以信用为基础的新型监管机制的指导意见",
        700,
        _p(SUMMARY_NOTE)
        + _points(
            "主要内容（摘要）",
            "创新事前环节信用监管：建立健全信用承诺制度，探索开展经营者准入前诚信教育，积极拓展信用报告应用。",
            "加强事中环节信用监管：全面建立市场主体信用记录，建立健全信用信息自愿注册机制，深入开展公共信用综合评价，"
            "大力推进信用分级分类监管。",
            "完善事后环节信用监管：健全失信联合惩戒对象认定机制，督促失信市场主体限期整改，深入开展失信联合惩戒，"
            "依法依规实施市场和行业禁入措施，依法追究违法失信责任，探索建立信用修复机制。",
            "强化信用监管的支撑保障，加强信用监管组织实施。",
        ),
        "以加强信用监管为着力点，创新监管理念、监管制度和监管方式，建立贯穿市场主体全生命周期的新型监管机制。",
        "国家",
        {"doc_number": "国办发〔2019〕35号", "issuer": "国务院办公厅", "issued_on": "2019-07-09"},
        "pdf",
    ),
    Piece(
        "policy",
        "国务院办公厅关于进一步完善失信约束制度构建诚信建设长效机制的指导意见",
        600,
        _p(SUMMARY_NOTE)
        + _points(
            "主要内容（摘要）",
            "科学界定公共信用信息纳入范围和程序，严格依法依规把握失信行为认定依据。",
            "规范严重失信主体名单认定标准和程序，依法依规开展失信惩戒，确保过惩相当。",
            "有序推动失信主体信用修复，鼓励失信主体主动纠正失信行为。",
            "加强信息安全和隐私保护，加快推进社会信用立法。",
        ),
        "在社会信用体系建设中坚持依法依规、保护权益、审慎适度、清单管理，规范失信约束措施。",
        "国家",
        {"doc_number": "国办发〔2020〕49号", "issuer": "国务院办公厅", "issued_on": "2020-12-07"},
        "pdf",
    ),
    Piece(
        "policy",
        "失信行为纠正后的信用信息修复管理办法（试行）",
        300,
        _p(SUMMARY_NOTE)
        + _points(
            "主要内容（摘要）",
            "信用修复的方式包括移出严重失信主体名单、终止公示行政处罚信息和修复其他失信信息。",
            "行政处罚信息按失信行为的严重程度确定公示期限，公示期满自动停止公示；最短公示期届满后可以申请提前停止公示。",
            "失信主体纠正失信行为、履行相关义务后，可以按规定申请信用修复；信用修复不收取任何费用。",
            "各级信用网站和认定单位按职责办理信用修复，并及时共享修复结果。",
        ),
        "规范失信行为纠正后的信用信息修复工作，明确修复方式、申请条件、办理程序和各方职责。",
        "国家",
        {
            "doc_number": "国家发展改革委令2023年第58号",
            "issuer": "国家发展和改革委员会",
            "issued_on": "2023-01-13",
            "effective_on": "2023-05-01",
        },
        "pdf",
    ),
)

NEWS = (
    (
        "全市社会信用体系建设工作推进会召开",
        "工作动态",
        3,
        "会议通报了全市信用信息归集、“双公示”和信用修复工作进展，部署了下一阶段信用监管重点任务。",
        "会议要求各成员单位对照“应归尽归、应推尽推”的要求，按时报送行政许可、行政处罚等信用信息，做好信用承诺、信用修复和异议处理工作。",
    ),
    (
        "市信用办开展信用修复政策宣传周活动",
        "工作动态",
        9,
        "活动通过窗口咨询、企业走访等方式宣传信用修复政策，帮助企业及时纠正失信行为。",
        "信用修复不收取任何费用。企业可通过“信用中国（江西共青）”网站在线提交修复申请，也可到政务服务中心信用窗口咨询办理。",
    ),
    (
        "市市场监管局对首批信用承诺履约情况开展核查",
        "部门动态",
        15,
        "核查覆盖告知承诺审批和容缺受理事项，未履约的将依法记入信用记录。",
        "对践诺的市场主体，在后续审批和监管中给予便利；对违诺或虚假承诺的，依法依规记入信用记录并采取相应措施。",
    ),
    (
        "我市“双随机、一公开”抽查结果全部公示",
        "部门动态",
        21,
        "本轮抽查按信用等级确定抽查比例和频次，结果已在本站公示。",
        "信用等级较高的市场主体适当降低抽查比例，重点关注对象提高抽查比例和频次，做到“无事不扰”与“无处不在”相结合。",
    ),
    (
        "市税务局开展纳税信用评价结果应用工作",
        "部门动态",
        30,
        "纳税信用评价结果在发票领用、出口退税等方面予以分类应用。",
        "纳税信用A级纳税人可享受相应的便利措施，纳税信用较低的纳税人将被纳入重点监控。",
    ),
    (
        "信用知识：什么是统一社会信用代码",
        "信用知识",
        36,
        "统一社会信用代码是法人和其他组织的“身份证号”，共18位。",
        "统一社会信用代码由登记管理部门代码、机构类别代码、登记管理机关行政区划码、主体标识码和校验码组成，终身不变。",
    ),
    (
        "信用知识：失信行为纠正后如何申请信用修复",
        "信用知识",
        42,
        "失信主体纠正失信行为、履行相关义务后，可以按规定申请信用修复。",
        "申请时一般需提交信用修复申请书、信用修复承诺书以及已履行相关义务的证明材料。办理时限见本站“办事指南”。",
    ),
    (
        "我市开展诚信教育进政务服务窗口活动",
        "工作动态",
        50,
        "在政务服务窗口向办事企业提供诚信教育资料，引导企业诚信经营。",
        "诚信教育免费提供，不作为办理任何事项的前置条件。",
    ),
    (
        "市信用办召开信用信息归集质量通报会",
        "工作动态",
        58,
        "会议通报了各部门信用信息报送的及时性和准确性。",
        "对“双公示”信息超过 7 个工作日未报送的部门进行提醒，要求及时整改。",
    ),
    (
        "市行政审批局推行“信用+容缺受理”",
        "部门动态",
        66,
        "信用良好的申请人在次要材料暂缺时可先行受理，按承诺时限补齐材料。",
        "容缺受理以申请人作出信用承诺为前提；逾期未补齐材料的，依法记入信用记录。",
    ),
    (
        "我市开展拖欠农民工工资失信问题专项治理",
        "工作动态",
        75,
        "专项治理聚焦工程建设领域欠薪问题，依法依规开展失信惩戒。",
        "对已整改到位、符合条件的主体，依法办理信用修复，鼓励主动纠正失信行为。",
    ),
    (
        "信用知识：公共信用综合评价等级说明",
        "信用知识",
        88,
        "本市公共信用综合评价结果分为A、B、C、D四级。",
        "评价结果用于信用分级分类监管，评价模型和指标在本站“信用评价模型”栏目公开。",
    ),
)

NOTICES = (
    (
        "关于做好信用信息归集报送工作的通知",
        12,
        "请各成员单位按照数据标准，在作出行政许可、行政处罚决定之日起 7 个工作日内报送“双公示”信息。",
    ),
    (
        "关于公布信用修复和异议申诉咨询方式的公告",
        25,
        "为方便市场主体办理信用修复和异议申诉，现将咨询方式公告如下：" + CONTACT,
    ),
    ("关于本网站系统维护的公告", 40, "本网站将于周六凌晨进行系统维护，届时部分查询功能可能暂停使用，敬请谅解。"),
)

GUIDES = (
    Piece(
        "guide",
        "信用修复办事指南",
        20,
        _p(
            "适用范围：被列入严重失信主体名单，或行政处罚信息在本站公示，已纠正失信行为、履行相关义务的市场主体。",
            "信用修复不收取任何费用，任何机构以“代办修复”名义收费的，请向信用办举报。",
        ),
        "失信主体纠正失信行为后申请信用修复的流程、材料和时限。",
        "信用修复",
        {
            "steps": "登录“信用中国（江西共青）”，进入“我的信用—信用修复”\n选择需要修复的失信信息，签署信用修复承诺书\n"
            "上传已履行义务的证明材料并提交\n认定部门决定是否受理\n受理后核查并作出修复决定\n修复结果在本站和相关平台同步更新",
            "materials": "信用修复申请书（可下载附件样式）\n信用修复承诺书（在线签署）\n"
            "已履行行政处罚决定或相关义务的证明材料",
            "contact": CONTACT,
        },
        "docx",
    ),
    Piece(
        "guide",
        "信用信息异议申诉办事指南",
        20,
        _p("市场主体认为本站公示的信用信息存在错误、遗漏，或侵犯其商业秘密、个人隐私的，可以提出异议申诉。"),
        "对公示信用信息提出异议的流程、材料和时限。",
        "异议申诉",
        {
            "steps": "登录“信用中国（江西共青）”，在信用记录页面点击“提出异议”\n说明异议理由并上传证明材料\n"
            "信用办核查；需由数据来源部门核实的，转来源部门处理\n作出处理决定并告知申请人",
            "materials": "异议申请（在线填写）\n证明信息有误的材料",
            "contact": CONTACT,
        },
    ),
    Piece(
        "guide",
        "信用承诺办事指南",
        20,
        _p("市场主体可在办理审批替代、告知承诺、容缺受理等事项时作出信用承诺，也可主动作出信用承诺。"),
        "信用承诺的适用事项、签署方式和履约要求。",
        "信用承诺",
        {
            "steps": "在本站“信用承诺”栏目查看可承诺事项和承诺书样式\n登录后在线签署承诺书\n按承诺内容和时限履约\n"
            "部门核查履约情况，践诺、违诺情况记入信用记录",
            "materials": "信用承诺书（在线签署）\n容缺受理事项：按承诺时限补齐的材料",
            "contact": CONTACT,
        },
    ),
    Piece(
        "guide",
        "失信行为投诉举报办事指南",
        20,
        _p("任何单位和个人发现市场主体失信行为的，可通过 12345 政务服务便民热线、12315 热线或本站提出投诉举报。"),
        "投诉举报失信行为的渠道和处理方式。",
        "投诉举报",
        {
            "steps": "通过 12345、12315 热线或相关部门渠道提出投诉举报\n主管部门受理并核实\n"
            "核实属实的，依法记入被投诉主体的信用记录\n处理结果反馈投诉举报人",
            "materials": "被投诉主体名称和失信行为的事实、证据",
            "contact": "12345 政务服务便民热线；12315 市场监管投诉举报热线",
        },
    ),
)


def _pdf(piece: Piece) -> bytes:
    """A PDF of a policy's summary (its title, number, issuing body and the summary points), with the Chinese font
    the platform's other PDFs use."""
    from fpdf import FPDF  # imported here: only the demo loader writes these

    from xinyong.commitments.pdf import font

    fields = piece.fields or {}
    path, index = font()
    pdf: Any = FPDF(format="A4")
    pdf.set_creation_date(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    pdf.set_title(f"{piece.title}（摘要）")
    pdf.add_font("cjk", fname=path, collection_font_number=index)
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    lines = [
        (16, f"{piece.title}（摘要）"),
        (10, f"{fields.get('doc_number', '')}  {fields.get('issuer', '')}  {fields.get('issued_on', '')}"),
        (10, SUMMARY_NOTE),
        (11, piece.summary or ""),
    ]
    for size, text in lines:
        pdf.set_font("cjk", size=size)
        pdf.multi_cell(pdf.epw, size * 0.6, text, new_x="LMARGIN", new_y="NEXT", wrapmode="CHAR")
        pdf.ln(2)
    return bytes(pdf.output())


def _docx(title: str, lines: list[str]) -> bytes:
    """A minimal Word document (.docx): a title and one paragraph a line."""
    paragraphs = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in [title, *lines])
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{paragraphs}</w:body></w:document>"
    )
    types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="word/document.xml"/></Relationships>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", types)
        package.writestr("_rels/.rels", rels)
        package.writestr("word/document.xml", document)
    return buffer.getvalue()


REPAIR_FORM = [
    "申请主体名称：",
    "统一社会信用代码：",
    "需修复的失信信息（决定文书号）：",
    "已纠正失信行为、履行相关义务的情况：",
    "所附证明材料：",
    "申请主体（盖章）：            日期：",
]


def _publish(session: Session, actor: Actor, piece: Piece, links: str | None = None) -> int:
    values: dict[str, Any] = {
        "kind": piece.kind,
        "title": piece.title,
        "category": piece.category,
        "summary": piece.summary,
        "body": piece.body,
        "links": links,
        **(piece.fields or {}),
    }
    item = content.create_item(session, actor, ItemIn.model_validate(values))
    if piece.attachment == "pdf":
        content.add_file(session, actor, item.id, f"{piece.title[:60]}（摘要）.pdf", _pdf(piece), image=False)
    elif piece.attachment == "docx":
        content.add_file(
            session, actor, item.id, "信用修复申请书（样式）.docx", _docx("信用修复申请书", REPAIR_FORM), image=False
        )
    content.submit(session, actor, item.id)
    shown = clock.today() - dt.timedelta(days=piece.days_ago)
    content.publish(session, actor, item.id, shown_on=shown)
    return item.id


def _case_subjects(session: Session) -> tuple[str | None, str | None]:
    """A published penalty of a firm and a published serious-list entry of the demo data, for two cases to link."""
    public = Actor.public()
    penalties, _ = publication.search_published(
        session, public, RecordFilter(kinds=(Kind.PENALTY,)), PageRequest(1, 50)
    )
    firm = next(
        (r for r in penalties if r.subject.type == SubjectType.ENTITY and not (r.subject.uscc or "").startswith("92")),
        None,
    )
    entries, _ = lists.search_public_entries(session, public, category=ListCategory.SERIOUS, page=PageRequest(1, 20))
    entry = next((e for e in entries if e.subject.uscc and not e.subject.uscc.startswith("92")), None)
    return (f"record:{firm.id}" if firm else None, f"entry:{entry.id}" if entry else None)


def _cases(penalty: str | None, entry: str | None) -> list[tuple[Piece, str | None]]:
    def case(title: str, category: str, days: int, summary: str, *body: str) -> Piece:
        return Piece("case", title, days, _p(*body), summary, category)

    return [
        (
            case(
                "某公司虚假宣传被处罚并公示",
                "失信惩戒",
                10,
                "市场监管部门依法查处虚假宣传行为，处罚信息依法公示。",
                "市场监管部门在日常检查中发现某公司在经营活动中存在虚假宣传行为，依法作出行政处罚决定。",
                "处罚决定作出后 7 个工作日内在本站“行政处罚公示”栏目公示，公示期满自动停止公示。",
            ),
            penalty,
        ),
        (
            case(
                "严重失信主体名单认定和联合惩戒案例",
                "失信惩戒",
                18,
                "认定部门依法履行告知、陈述申辩程序后作出列入决定。",
                "认定部门在拟列入前告知当事人列入的事实、理由、依据和救济途径，当事人在规定期限内未提出陈述申辩。",
                "列入决定作出后在本站“信用名单”栏目公示，相关部门在政府采购、招标投标等领域依法实施惩戒措施。",
            ),
            entry,
        ),
        (
            case(
                "诚信经营企业享受“绿色通道”便利",
                "守信激励",
                26,
                "信用良好的企业在行政审批中享受容缺受理等便利措施。",
                "某公司公共信用综合评价为A级，在办理许可事项时次要材料暂缺，窗口依据其信用承诺先行受理。",
                "该公司按承诺时限补齐材料，践诺情况记入信用记录。",
            ),
            None,
        ),
        (
            case(
                "企业纠正失信行为后完成信用修复",
                "信用修复",
                34,
                "企业履行处罚决定并作出信用修复承诺，依法提前停止公示。",
                "某公司因违法行为受到行政处罚，缴清罚款并完成整改后，在本站在线申请信用修复。",
                "认定部门在规定时限内受理并核查，作出修复决定，相关信息提前停止公示，修复结果同步共享。",
            ),
            None,
        ),
        (
            case(
                "按信用等级实施差异化抽查",
                "分级分类监管",
                44,
                "按公共信用综合评价结果确定抽查比例和频次。",
                "监管部门将市场主体按信用等级分为不同类别，对信用较好的主体降低抽查比例，对重点关注对象提高抽查比例。",
                "抽查过程可验证，抽取结果和检查结果依法向社会公开。",
            ),
            None,
        ),
    ]


def seed_content(session: Session, actor: Actor) -> dict[str, int]:
    """Create and publish the demo's site content; returns how many items of each kind."""
    counts: dict[str, int] = {}

    def add(piece: Piece, links: str | None = None) -> None:
        _publish(session, actor, piece, links)
        counts[piece.kind] = counts.get(piece.kind, 0) + 1

    for title, category, days, summary, text in NEWS:
        add(Piece("news", title, days, _p(summary, text), summary, category))
    for piece in POLICIES:
        add(piece)
    penalty, entry = _case_subjects(session)
    for piece, links in _cases(penalty, entry):
        add(piece, links)
    for title, days, text in NOTICES:
        add(Piece("notice", title, days, _p(text), None))
    for piece in GUIDES:
        add(piece)
    return counts
