"""Pure rules of special campaigns (专项治理): states, outcomes, who may do what, and the target filter's shape."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from xinyong.core.actor import Actor, Role

MAX_TARGETS_PER_CALL = 5000
MAX_WORKING_DAYS = 250


class CampaignStatus(StrEnum):
    PLANNED = "筹备"
    ACTIVE = "进行中"
    CLOSED = "已结束"


class TaskStatus(StrEnum):
    OPEN = "办理中"
    DONE = "已完成"


class Outcome(StrEnum):
    RECTIFIED = "整改到位"
    PUNISHED = "立案查处"
    LISTED = "列入名单"
    INTERVIEWED = "约谈提醒"
    NO_ISSUE = "未发现问题"
    OTHER = "其他"


def status_on(start: dt.date, end: dt.date, today: dt.date) -> CampaignStatus:
    """筹备 before the period, 进行中 within it (both ends included), 已结束 after it."""
    if today < start:
        return CampaignStatus.PLANNED
    if today > end:
        return CampaignStatus.CLOSED
    return CampaignStatus.ACTIVE


def is_office(actor: Actor) -> bool:
    return actor.role in (Role.CREDIT_OFFICE, Role.SYSTEM)


def may_organise(actor: Actor, lead_department: str) -> bool:
    """Targets and tasks: the credit office, or staff of the lead department (牵头部门)."""
    return is_office(actor) or (actor.is_department and actor.department_code == lead_department)


def may_record_result(actor: Actor, lead_department: str, task_departments: set[str]) -> bool:
    """Results: the office, the lead department, or a department with a task in the campaign."""
    if may_organise(actor, lead_department):
        return True
    return actor.is_department and actor.department_code in task_departments


def may_complete_task(actor: Actor, task_department: str) -> bool:
    return actor.role == Role.SYSTEM or (actor.is_department and actor.department_code == task_department)


_INDUSTRY = re.compile(r"^[A-T](\d{1,4})?$")
_REGION = re.compile(r"^\d{6}$")
_KIND = re.compile(r"^[0-9A-HJ-NP-RTUWXY]{2}$")


@dataclass(frozen=True)
class TargetFilter:
    """Entities to add as targets: every condition given must hold (AND)."""

    industry: str | None = None  # GB/T 4754 prefix: a section letter, optionally digits (C, C18, C1810)
    region_code: str | None = None  # GB/T 2260, six digits
    kind: str | None = None  # USCC positions 1–2, e.g. 91 企业, 92 个体工商户, 93 农民专业合作社
    name_contains: str | None = None

    def problems(self) -> list[tuple[str, str]]:
        found = []
        if self.industry is not None and not _INDUSTRY.match(self.industry):
            found.append(("industry", "an industry is a GB/T 4754 code prefix such as C or C18 (行业代码格式错误)"))
        if self.region_code is not None and not _REGION.match(self.region_code):
            found.append(("region_code", "a region code has six digits (区划代码为6位数字)"))
        if self.kind is not None and not _KIND.match(self.kind):
            found.append(("kind", "a kind is USCC positions 1–2, e.g. 91 (主体类别代码错误)"))
        if self.name_contains is not None and not 1 <= len(self.name_contains) <= 100:
            found.append(("name_contains", "a name fragment has 1–100 characters (名称关键字长度不符)"))
        if not any((self.industry, self.region_code, self.kind, self.name_contains)):
            found.append(("filter", "give at least one condition (至少填写一个筛选条件)"))
        return found
