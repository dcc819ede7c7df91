"""Departments (成员单位): the platform's data sources and workflow owners.

The initial list is the one named in notice 共社信办字〔2020〕7号 (req §0); each department has a stable code used in
APIs and files, a short and a full name, and a USCC (government bodies' codes start with 11).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, String, false, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.db import Base, UTCDateTime
from xinyong.core.errors import Forbidden, NotFound

# (code, short name, full name). Codes are pinyin initials of the short name: stable, ASCII, typeable.
NOTICE_DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("FGW", "市发改委", "共青城市发展和改革委员会"),
    ("SCJGJ", "市市场监管局", "共青城市市场监督管理局"),
    ("SWJ", "市税务局", "国家税务总局共青城市税务局"),
    ("ZJJ", "市住建局", "共青城市住房和城乡建设局"),
    ("XZSPJ", "市行政审批局", "共青城市行政审批局"),
    ("GXJ", "市工信局", "共青城市工业和信息化局"),
    ("SWUJ", "市商务局", "共青城市商务局"),
    ("JTYSJ", "市交通运输局", "共青城市交通运输局"),
    ("ZRZYJ", "市自然资源局", "共青城市自然资源局"),
    ("STHJJ", "市生态环境局", "九江市共青城生态环境局"),
    ("RSJ", "市人社局", "共青城市人力资源和社会保障局"),
    ("ZFXXB", "市政府信息办", "共青城市人民政府信息化工作办公室"),
    ("MZJ", "市民政局", "共青城市民政局"),
    ("YBJ", "市医保局", "共青城市医疗保障局"),
    ("WGXLJ", "市文广新旅局", "共青城市文化广电新闻出版旅游局"),
    ("SFJ", "市司法局", "共青城市司法局"),
    ("JRB", "市金融办", "共青城市人民政府金融工作办公室"),
    ("RHDAZH", "人行德安支行", "中国人民银行德安县支行"),
    ("CZJ", "市财政局", "共青城市财政局"),
    ("YJGLJ", "市应急管理局", "共青城市应急管理局"),
    ("LYJ", "市林业局", "共青城市林业局"),
    ("SLJ", "市水利局", "共青城市水利局"),
    ("WJW", "市卫健委", "共青城市卫生健康委员会"),
    ("JTJ", "市教体局", "共青城市教育体育局"),
    ("NYNCSLJ", "市农业农村水利局", "共青城市农业农村水利局"),
    ("XFDD", "市消防大队", "共青城市消防救援大队"),
    ("GAJ", "市公安局", "共青城市公安局"),
    ("FY", "市法院", "共青城市人民法院"),
    ("TYJRJ", "市退役军人事务局", "共青城市退役军人事务局"),
    ("TJJ", "市统计局", "共青城市统计局"),
    ("YBJFJ", "共青银保监分局", "中国银行保险监督管理委员会九江监管分局共青监管组"),
    ("WMB", "市文明办", "中共共青城市委精神文明建设办公室"),
    ("WWXB", "市委网信办", "中共共青城市委网络安全和信息化委员会办公室"),
    ("KJJ", "市科技局", "共青城市科学技术局"),
    ("GZW", "市国资委", "共青城市国有资产监督管理委员会"),
    ("ZFW", "市委政法委", "中共共青城市委政法委员会"),
    ("CSGLJ", "市城市管理局", "共青城市城市管理局"),
    ("RFB", "市人防办", "共青城市人民防空办公室"),
    ("QXJ", "市气象局", "共青城市气象局"),
    ("SJJ", "市审计局", "共青城市审计局"),
    ("YCZMJ", "市烟草专卖局", "共青城市烟草专卖局"),
    ("FPB", "市扶贫办", "共青城市扶贫开发办公室"),
    ("TZB", "市委统战部", "中共共青城市委统一战线工作部"),
    ("WXDGLJ", "市无线电管理局", "共青城市无线电管理局"),
    ("ZWFWGLJ", "市政务服务管理局", "共青城市政务服务管理局"),
    ("BB", "市委编办", "中共共青城市委机构编制委员会办公室"),
    ("XCB", "市委宣传部", "中共共青城市委宣传部"),
)


class Department(Base):
    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    short_name: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(128))
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # 法定代表人 of 法人 rows: False = a warning on the row (the default), True = the row is refused (issue 22)
    require_legal_representative: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


def department_uscc(index: int, region: str = "360482") -> str:
    """A valid, deterministic 11-prefixed USCC for the n-th seeded department (fictitious organisation codes)."""
    from xinyong.core.ids import make_uscc

    org8 = f"{1_0000_000 + index * 7919:08d}"[-8:]
    return make_uscc("1", "1", region, org8)


def seed_notice_departments(session: Session, actor: Actor) -> int:
    """Create the notice's departments that do not exist yet; return how many were added."""
    existing = set(session.execute(select(Department.code)).scalars())
    added = 0
    for index, (code, short, full) in enumerate(NOTICE_DEPARTMENTS, start=1):
        if code in existing:
            continue
        session.add(
            Department(
                code=code,
                short_name=short,
                full_name=full,
                uscc=department_uscc(index),
                active=True,
                created_at=clock.now(),
            )
        )
        added += 1
    if added:
        session.flush()
        audit.record(session, actor, "core:departments:seeded", "department", "*", {"added": added})
    return added


def get_department(session: Session, code_or_uscc: str) -> Department:
    """Find a department by its code (case-insensitive) or its USCC."""
    key = code_or_uscc.strip()
    found = session.get(Department, key.upper())
    if found is None:
        found = session.execute(select(Department).where(Department.uscc == key.upper())).scalar_one_or_none()
    if found is None:
        raise NotFound(f"unknown department 未知部门: {key!r}", field="department")
    return found


def set_legal_representative_rule(session: Session, actor: Actor, code: str, required: bool) -> Department:
    """Whether the department's 法人 rows without 法定代表人 are refused (``True``) or accepted with a warning.

    The credit office (or the platform) sets it for any department, a department's reviewer for its own; audited."""
    department = get_department(session, code)
    own = actor.role == Role.DEPT_REVIEWER and actor.department_code == department.code
    if actor.role not in (Role.CREDIT_OFFICE, Role.SYSTEM) and not own:
        raise Forbidden("only the credit office or the department's reviewer may change its rule (无权修改部门设置)")
    if department.require_legal_representative != required:
        department.require_legal_representative = required
        session.flush()
        audit.record(
            session,
            actor,
            "departments:rule:legal_representative",
            "department",
            department.code,
            {"require_legal_representative": required},
        )
    return department


def list_departments(session: Session) -> list[Department]:
    return list(session.execute(select(Department).order_by(Department.code)).scalars())
