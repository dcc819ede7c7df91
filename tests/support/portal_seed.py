"""A small portal dataset full of personal data that must never reach the public in clear: legal representatives
and natural-person subjects with ID numbers, phone numbers and bank accounts in both the fields meant for them
and in free text. Used by the portal's API, privacy and browser tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core import clock
from xinyong.core.ids import make_resident_id
from xinyong.entities import service as entities
from xinyong.entities.rules import PersonRole
from xinyong.records import service
from xinyong.records.schemas import RecordIn, SubjectIn

LEGAL_REP_ID = make_resident_id("360482", dt.date(1978, 4, 12), 517)
PERSON_ID = make_resident_id("360429", dt.date(1990, 11, 3), 208)
TEXT_ID = make_resident_id("360402", dt.date(1966, 1, 30), 91)
MOBILE = "13979212345"
TEXT_MOBILE = "15807921234"
ACCOUNT = "6222021001123456789"
TEXT_ACCOUNT = "6217 0012 3456 7890 123"
LANDLINE = "0792-4321567"
SECRETS = [LEGAL_REP_ID, PERSON_ID, TEXT_ID, MOBILE, TEXT_MOBILE, ACCOUNT, TEXT_ACCOUNT, "62170012345678901 23"]
SECRETS += [TEXT_ACCOUNT.replace(" ", ""), LANDLINE, "4321567"]
HOSTILE_CELL = '=HYPERLINK("http://example.invalid","点击领取")'


@dataclass
class Seeded:
    company: str  # 共青城瑞雪羽绒服饰有限公司, with a legal representative
    shop: str  # a 个体工商户
    fund: str  # on the serious dishonesty list
    records: dict[str, int] = field(default_factory=dict)
    usccs: list[str] = field(default_factory=list)


def _record(session: Session, data: dict[str, Any]) -> int:
    version, _ = service.upsert_record(session, builders.SYSTEM, RecordIn(**data))
    return version.record_id


def seed_portal(session: Session, *, prefix: str = "") -> Seeded:
    """Entities and records for the portal; ``prefix`` keeps names apart when several tests share a database."""
    builders.departments(session)
    today = clock.today()
    recent = today - dt.timedelta(days=20)
    details: dict[str, Any] = {
        "legal_form": "有限责任公司（自然人投资或控股）",
        "registered_address": "江西省九江市共青城市工业园区纬二路8号",
        "registered_capital": "800万元人民币",
        "industry_code": "C1810",
        "industry_name": "机织服装制造",
        "established_on": dt.date(2012, 5, 18),
    }
    first = builders.entity(session, name=f"{prefix}共青城瑞雪服装有限公司", **details)
    company = builders.entity(session, name=f"{prefix}共青城瑞雪羽绒服饰有限公司", uscc=first.uscc, **details)
    shop = builders.entity(
        session,
        name=f"{prefix}共青城市茶山街道李记小吃店",
        uscc=builders.new_uscc("92"),
        legal_form="个体工商户",
        registered_address="江西省九江市共青城市茶山街道富华大道33号2栋501室",
    )
    fund = builders.entity(
        session, name=f"{prefix}共青城基金小镇恒泰投资管理合伙企业（有限合伙）", legal_form="有限合伙企业"
    )
    person = entities.upsert_person(session, builders.SYSTEM, "王建国", "resident_id", LEGAL_REP_ID)
    entities.link_person(
        session, builders.SYSTEM, company.uscc, person, PersonRole.LEGAL_REPRESENTATIVE, valid_from=dt.date(2012, 5, 18)
    )
    keeper = entities.upsert_person(session, builders.SYSTEM, "李小梅", "resident_id", PERSON_ID)
    entities.link_person(session, builders.SYSTEM, shop.uscc, keeper, PersonRole.PRINCIPAL, valid_from=None)
    seeded = Seeded(company=company.uscc, shop=shop.uscc, fund=fund.uscc, usccs=[company.uscc, shop.uscc, fund.uscc])
    subject = SubjectIn(type="entity", name=company.name, uscc=company.uscc)
    seeded.records["penalty"] = _record(
        session,
        {
            "source_department": "SCJGJ",
            "kind": "penalty",
            "doc_no": f"{prefix}共市监罚〔{recent.year}〕18号",
            "subject": subject,
            "title": "行政处罚决定书",
            "decision_date": recent,
            "severity": "一般",
            "content": {
                "WFXW": "虚假宣传",
                "SY": f"当事人在产品标签上标注虚假含绒量。经办人联系电话{TEXT_MOBILE}，身份证号{TEXT_ID}，"
                f"罚没款曾汇入个人账户{TEXT_ACCOUNT}，办公电话{LANDLINE}。",
                "YJ": "《中华人民共和国反不正当竞争法》第二十条",
                "CFLB": ["警告", "罚款"],
                "NR": "警告，并处罚款人民币贰万伍仟元整",
                "NR_FK": 2.5,
                "CFJG": "共青城市市场监督管理局",
                "FRDB": "王建国",
                "FR_ZJLX": "身份证",
                "FR_ZJHM": LEGAL_REP_ID,
                "LXDH": MOBILE,
                "YHZH": ACCOUNT,
                "XDR_DZ": "江西省九江市共青城市茶山街道富华大道33号",
                "BZ": "联系人手机 139 7921 2345",
            },
        },
    )
    seeded.records["expired"] = _record(
        session,
        {
            "source_department": "SCJGJ",
            "kind": "penalty",
            "doc_no": f"{prefix}共市监罚〔2021〕3号",
            "subject": subject,
            "title": "行政处罚决定书",
            "decision_date": dt.date(2021, 3, 1),
            "severity": "一般",
            "content": {"WFXW": "未按规定公示年度报告", "CFLB": ["警告"], "CFJG": "共青城市市场监督管理局"},
        },
    )
    seeded.records["secret"] = _record(
        session,
        {
            "source_department": "SCJGJ",
            "kind": "penalty",
            "doc_no": f"{prefix}共市监罚〔{recent.year}〕19号",
            "subject": subject,
            "title": "行政处罚决定书（不公开）",
            "decision_date": recent,
            "severity": "轻微",
            "disclosure": "不公开",
            "content": {"WFXW": "首违不罚", "CFLB": ["其他"]},
        },
    )
    seeded.records["tax"] = _record(
        session,
        {
            "source_department": "SWJ",
            "kind": "penalty",
            "doc_no": f"{prefix}共税简罚〔{recent.year}〕77号",
            "subject": subject,
            "title": "税务行政处罚决定书（简易）",
            "decision_date": recent - dt.timedelta(days=5),
            "severity": "轻微",
            "content": {"WFXW": HOSTILE_CELL, "CFLB": "警告", "CFJG": "国家税务总局共青城市税务局", "SY": "逾期申报"},
        },
    )
    seeded.records["person"] = _record(
        session,
        {
            "source_department": "SCJGJ",
            "kind": "penalty",
            "doc_no": f"{prefix}共市监罚〔{recent.year}〕21号",
            "subject": SubjectIn(type="person", name="李小梅", id_type="resident_id", id_number=PERSON_ID),
            "title": "行政处罚决定书",
            "decision_date": recent,
            "severity": "一般",
            "content": {
                "XDR_MC": "李小梅",
                "XDR_ZJLX": "身份证",
                "XDR_ZJHM": PERSON_ID,
                "XDR_LXDH": MOBILE,
                "WFXW": "无照经营",
                "CFLB": ["罚款"],
                "NR": "罚款人民币伍仟元",
                "NR_FK": 0.5,
            },
        },
    )
    seeded.records["licence"] = _record(
        session,
        {
            "source_department": "XZSPJ",
            "kind": "license",
            "doc_no": f"{prefix}共审批食许〔{recent.year}〕105号",
            "subject": subject,
            "title": "食品经营许可决定书",
            "decision_date": recent,
            "content": {
                "XKWS": "食品经营许可决定书",
                "XKLB": "普通",
                "XKZS": "食品经营许可证",
                "XKBH": "JY13604820012345",
                "NR": "预包装食品（含冷藏冷冻食品）销售",
                "YXQZ": recent.isoformat(),
                "YXQZI": (recent + dt.timedelta(days=5 * 365)).isoformat(),
                "XKJG": "共青城市行政审批局",
                "FRDB": "王建国",
                "FR_ZJHM": LEGAL_REP_ID,
                "BZ": "+86 139 7921 2345 为联系电话",
                "ZDY_BEIZHU": f"内部备注 {MOBILE}",
            },
        },
    )
    seeded.records["listed"] = _record(
        session,
        {
            "source_department": "JRB",
            "kind": "serious_dishonesty",
            "doc_no": f"{prefix}共金认〔{recent.year}〕2号",
            "subject": SubjectIn(type="entity", name=fund.name, uscc=fund.uscc),
            "title": "违规开展私募基金业务，拒不履行行政处罚决定",
            "decision_date": recent,
            "severity": "严重",
            "content": {"NR": f"实际控制人手机号{TEXT_MOBILE}"},
        },
    )
    return seeded
