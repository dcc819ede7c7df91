"""Who is acting: the role model of req §0, carried through services so rights and audit are never implicit.

Authentication (accounts, sessions, API keys) lives in ``xinyong.core.auth``; this module is the plain value that
every service receives.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    PUBLIC = "public"  # 社会公众（匿名）
    ENTITY = "entity"  # 市场主体（本主体）
    DEPT_OPERATOR = "department_operator"  # 部门经办
    DEPT_REVIEWER = "department_reviewer"  # 部门审核
    CREDIT_OFFICE = "credit_office"  # 信用办
    AUDITOR = "auditor"  # 审计/纪检
    BUSINESS_SYSTEM = "business_system"  # 业务系统（API 客户端）
    AGENCY = "credit_agency"  # 信用服务机构（API 客户端，经主体授权可读完整信息）
    CONTENT_EDITOR = "content_editor"  # 网站内容编辑（撰写、送审）
    CONTENT_REVIEWER = "content_reviewer"  # 网站内容审核（发布、退回、撤回）
    SYSTEM = "system"  # the platform itself: CLI jobs, demo loader, scheduled sweeps


ROLE_LABELS: dict[str, str] = {
    Role.PUBLIC: "社会公众",
    Role.ENTITY: "市场主体",
    Role.DEPT_OPERATOR: "部门经办",
    Role.DEPT_REVIEWER: "部门审核",
    Role.CREDIT_OFFICE: "信用办",
    Role.AUDITOR: "审计/纪检",
    Role.BUSINESS_SYSTEM: "业务系统",
    Role.AGENCY: "信用服务机构",
    Role.CONTENT_EDITOR: "内容编辑",
    Role.CONTENT_REVIEWER: "内容审核",
    Role.SYSTEM: "系统任务",
}
DEPARTMENT_ROLES = frozenset({Role.DEPT_OPERATOR, Role.DEPT_REVIEWER})
SEES_EVERYTHING = frozenset({Role.CREDIT_OFFICE, Role.AUDITOR, Role.SYSTEM})


@dataclass(frozen=True, slots=True)
class Actor:
    role: Role
    id: str = "anonymous"  # user id, API client id or job name
    name: str = ""
    department_code: str | None = None  # for department roles and business systems
    entity_uscc: str | None = None  # for the entity role

    @classmethod
    def public(cls) -> Actor:
        return cls(role=Role.PUBLIC, id="anonymous", name="社会公众")

    @classmethod
    def system(cls, job: str) -> Actor:
        return cls(role=Role.SYSTEM, id=job, name=f"系统任务 {job}")

    @property
    def sees_everything(self) -> bool:
        return self.role in SEES_EVERYTHING

    @property
    def is_department(self) -> bool:
        return self.role in DEPARTMENT_ROLES
