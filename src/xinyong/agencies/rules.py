"""Pure rules of credit-service agencies (信用服务机构, clauses (3) and (15) of the notice).

- **Agencies** are registered by the credit office (name, USCC, 备案 number with the People's Bank of China or on the
  NDRC's list, contact, the purposes it may ask for, an IP allow-list). Its status moves along :data:`AGENCY_TABLE`::

      正常 ──suspend──▶ 已暂停 ──reinstate──▶ 正常
        └──────revoke──────┴──────▶ 已撤销 (final)

- **Grants (授权)**: an enterprise signed in as itself grants one agency access to its full credit information for
  one purpose and a period in days (Civil Code: counted from the next day, art. 201); it may withdraw the grant at
  any time (:data:`GRANT_TABLE`). A grant is *in force* on a day when it was not withdrawn and the day is not after
  its last day — checked on every call, so expiry and withdrawal bite at once.
- **Change notices**: a record repaired, revoked, corrected or past its publicity, or a list entry that exits or is
  revoked, is one notice per subscribing agency; the agency acknowledges removal within a number of working days.

No database and no web framework here.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Iterable, Sequence
from enum import StrEnum

from xinyong.core.errors import InvalidInput
from xinyong.core.periods import end_of_period
from xinyong.core.transitions import OFFICE, Transition, TransitionTable, Who

MAX_NAME = 100
MAX_CONTACT = 50
MAX_PHONE = 30
MAX_REASON = 500
MAX_IPS = 20
MAX_GRANT_DAYS = 365
DEFAULT_GRANT_DAYS = 30
FILING_NO = re.compile(r"^[A-Za-z0-9\-（）()〔〕\[\]\u4e00-\u9fff]{4,40}$")
PHONE = re.compile(r"^[0-9+\- ]{5,30}$")


class FilingBody(StrEnum):
    PBC = "pbc"  # 中国人民银行（企业征信机构备案）
    NDRC = "ndrc"  # 国家发展改革委（信用服务机构名录）


FILING_LABELS = {FilingBody.PBC: "中国人民银行征信机构备案", FilingBody.NDRC: "国家发展改革委信用服务机构名录"}


class Purpose(StrEnum):
    REPORT = "credit_report"  # 出具信用报告
    RATING = "credit_rating"  # 信用评级
    FINANCING = "financing"  # 融资授信评估
    MANAGEMENT = "credit_management"  # 信用管理咨询
    BIDDING = "bidding"  # 招投标资格审查


PURPOSE_LABELS = {
    Purpose.REPORT: "出具信用报告",
    Purpose.RATING: "信用评级",
    Purpose.FINANCING: "融资授信评估",
    Purpose.MANAGEMENT: "信用管理咨询",
    Purpose.BIDDING: "招投标资格审查",
}


class AgencyStatus(StrEnum):
    ACTIVE = "正常"
    SUSPENDED = "已暂停"
    REVOKED = "已撤销"


class AgencyStep(StrEnum):
    REGISTER = "register"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    REVOKE = "revoke"


_BY_OFFICE = Who(OFFICE, refusal="only the credit office manages credit-service agencies (仅信用办可管理信用服务机构)")

AGENCY_TABLE: TransitionTable[AgencyStep, AgencyStatus] = TransitionTable(
    name="agencies:agency",
    subject_type="credit_agency",
    statuses=AgencyStatus,
    transitions={
        AgencyStep.REGISTER: Transition(frozenset({None}), AgencyStatus.ACTIVE, _BY_OFFICE),
        AgencyStep.SUSPEND: Transition(frozenset({AgencyStatus.ACTIVE}), AgencyStatus.SUSPENDED, _BY_OFFICE),
        AgencyStep.REINSTATE: Transition(frozenset({AgencyStatus.SUSPENDED}), AgencyStatus.ACTIVE, _BY_OFFICE),
        AgencyStep.REVOKE: Transition(
            frozenset({AgencyStatus.ACTIVE, AgencyStatus.SUSPENDED}), AgencyStatus.REVOKED, _BY_OFFICE
        ),
    },
    conflict="an agency that is {status} cannot take the step {step} (机构当前状态不可办理)",
    labels={
        AgencyStep.REGISTER: "登记",
        AgencyStep.SUSPEND: "暂停",
        AgencyStep.REINSTATE: "恢复",
        AgencyStep.REVOKE: "撤销登记",
    },
)


class GrantStatus(StrEnum):
    GIVEN = "有效"
    WITHDRAWN = "已撤回"


class GrantStep(StrEnum):
    GRANT = "grant"
    WITHDRAW = "withdraw"


_BY_SUBJECT = Who(subject=True, refusal="only the entity itself grants or withdraws access (仅本主体可授权或撤回)")

GRANT_TABLE: TransitionTable[GrantStep, GrantStatus] = TransitionTable(
    name="agencies:grant",
    subject_type="agency_grant",
    statuses=GrantStatus,
    transitions={
        GrantStep.GRANT: Transition(frozenset({None}), GrantStatus.GIVEN, _BY_SUBJECT),
        GrantStep.WITHDRAW: Transition(frozenset({GrantStatus.GIVEN}), GrantStatus.WITHDRAWN, _BY_SUBJECT),
    },
    conflict="a grant that is {status} cannot take the step {step} (授权当前状态不可办理)",
    labels={GrantStep.GRANT: "授权", GrantStep.WITHDRAW: "撤回授权"},
)


class Event(StrEnum):
    """What a change notice tells an agency to do with its copy."""

    REPAIRED = "repaired"  # 信用修复：删除
    REVOKED = "revoked"  # 撤销：删除
    CORRECTED = "corrected"  # 更正：以新版本替换
    EXPIRED = "expired"  # 公示期满：停止公示
    EXITED = "exited"  # 移出名单：停止公示
    ENTRY_REVOKED = "entry_revoked"  # 名单列入被撤销：删除


EVENT_LABELS = {
    Event.REPAIRED: "信用修复",
    Event.REVOKED: "记录撤销",
    Event.CORRECTED: "记录更正",
    Event.EXPIRED: "公示期满",
    Event.EXITED: "移出名单",
    Event.ENTRY_REVOKED: "名单撤销",
}
ACTION_LABELS = {
    Event.REPAIRED: "删除该记录",
    Event.REVOKED: "删除该记录",
    Event.CORRECTED: "以更正后的内容替换",
    Event.EXPIRED: "停止公示该记录",
    Event.EXITED: "停止公示该名单信息",
    Event.ENTRY_REVOKED: "删除该名单信息",
}
# The step logs read: credit_record_steps and list_entry_steps, step → event.
RECORD_EVENTS = {"repair": Event.REPAIRED, "revoke": Event.REVOKED, "correct": Event.CORRECTED, "expire": Event.EXPIRED}
ENTRY_EVENTS = {"expire": Event.EXITED, "exit_early": Event.EXITED, "revoke": Event.ENTRY_REVOKED}


class NoticeState(StrEnum):
    OPEN = "open"  # 待确认
    ACKNOWLEDGED = "acknowledged"  # 已确认删除
    OVERDUE = "overdue"  # 逾期未确认


NOTICE_STATE_LABELS = {
    NoticeState.OPEN: "待确认",
    NoticeState.ACKNOWLEDGED: "已确认删除",
    NoticeState.OVERDUE: "逾期未确认",
}


def notice_state(acknowledged: bool, due_on: dt.date, today: dt.date) -> NoticeState:
    """A notice is overdue once the day after its working-day deadline has begun without an acknowledgement."""
    if acknowledged:
        return NoticeState.ACKNOWLEDGED
    return NoticeState.OVERDUE if today > due_on else NoticeState.OPEN


# ---------------------------------------------------------------- checking what people type


def clean_text(value: str | None, field: str, limit: int, *, required: bool = True) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise InvalidInput(f"{field} is required (必填)", field=field)
        return None
    if len(text) > limit or not text.isprintable():
        raise InvalidInput(f"{field} has 1–{limit} printable characters (长度或字符不符)", field=field)
    return text


def check_filing_no(value: str | None) -> str:
    text = (value or "").strip()
    if not FILING_NO.match(text):
        raise InvalidInput(
            "a filing number has 4–40 letters, digits or Chinese characters (备案编号格式错误)", field="filing_no"
        )
    return text


def check_phone(value: str | None) -> str:
    text = (value or "").strip()
    if not PHONE.match(text) or sum(ch.isdigit() for ch in text) < 5:
        raise InvalidInput("a contact phone has 5–30 digits (联系电话格式错误)", field="contact_phone")
    return text


def check_purposes(values: Iterable[str]) -> list[str]:
    chosen = []
    for value in values:
        if value not in set(Purpose):
            raise InvalidInput(f"unknown purpose {str(value)[:40]!r} (用途不在列表中)", field="purposes")
        if value not in chosen:
            chosen.append(value)
    if not chosen:
        raise InvalidInput("choose at least one allowed purpose (请至少选择一项用途)", field="purposes")
    return sorted(chosen)


def check_ip_allow(lines: str | Sequence[str]) -> list[str]:
    """Networks (CIDR) or single addresses, one per line or comma; empty: any address."""
    items = lines.replace(",", "\n").splitlines() if isinstance(lines, str) else list(lines)
    found: list[str] = []
    for item in items:
        text = item.strip()
        if not text:
            continue
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise InvalidInput(
                f"not an IP address or network: {text[:50]!r} (IP 地址格式错误)", field="ip_allow"
            ) from None
        if str(network) not in found:
            found.append(str(network))
    if len(found) > MAX_IPS:
        raise InvalidInput(f"at most {MAX_IPS} networks (IP 白名单过长)", field="ip_allow")
    return found


def address_allowed(allow: Sequence[str], address: str) -> bool:
    if not allow:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in allow)


def grant_until(granted_on: dt.date, days: int) -> dt.date:
    """The last day of a grant of ``days`` days given on ``granted_on`` (Civil Code art. 201)."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_GRANT_DAYS:
        raise InvalidInput(f"a grant lasts 1–{MAX_GRANT_DAYS} days (授权期限为 1–{MAX_GRANT_DAYS} 天)", field="days")
    return end_of_period(granted_on, days=days)


def in_force(status: str, until: dt.date, today: dt.date) -> bool:
    return status == GrantStatus.GIVEN and today <= until
