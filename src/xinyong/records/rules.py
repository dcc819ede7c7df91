"""Pure rules of credit records: kinds and their catalogue category, disclosure, severity, status transitions and
who may see what. No database here; services apply these."""

from __future__ import annotations

from enum import StrEnum

from xinyong.core.transitions import STAFF, SYSTEM, Transition, TransitionTable, Who


class Category(StrEnum):
    """The 11 kinds of the national 公共信用信息基础目录."""

    REGISTRATION = "登记注册基本信息"
    JUDICIAL = "司法裁判及执行信息"
    ADMINISTRATIVE = "行政管理信息"
    QUALIFICATION = "职称和职业资格信息"
    ABNORMAL_OPERATION = "经营异常名录信息"
    SERIOUS_DISHONESTY = "严重失信主体名单信息"
    CONTRACT = "合同履行信息"
    COMMITMENT = "信用承诺及履行情况信息"
    EVALUATION = "信用评价结果信息"
    HONOUR = "诚信荣誉信息"
    VOLUNTARY = "自愿提供的信息"
    LOCAL = "地方补充信息"  # the city's own kinds (约谈记录, 诚信教育, 投诉举报)


class Kind(StrEnum):
    REGISTRATION = "registration"  # 登记注册基本信息
    JUDICIAL = "judicial"  # 司法裁判及执行
    LICENSE = "license"  # 行政许可
    PENALTY = "penalty"  # 行政处罚
    ENFORCEMENT = "enforcement"  # 行政强制
    CONFIRMATION = "confirmation"  # 行政确认
    LEVY = "levy"  # 行政征收
    PAYMENT = "payment"  # 行政给付
    ADJUDICATION = "adjudication"  # 行政裁决
    COMPENSATION = "compensation"  # 行政补偿
    REWARD = "reward"  # 行政奖励
    INSPECTION = "inspection"  # 行政检查
    QUALIFICATION = "qualification"  # 职称和职业资格
    ABNORMAL_OPERATION = "abnormal_operation"  # 经营异常名录
    SERIOUS_DISHONESTY = "serious_dishonesty"  # 严重失信主体名单
    CONTRACT = "contract"  # 合同履行
    COMMITMENT = "commitment"  # 信用承诺及履行
    EVALUATION = "evaluation"  # 信用评价结果
    HONOUR = "honour"  # 诚信荣誉
    VOLUNTARY = "voluntary"  # 自愿提供的信息
    INTERVIEW = "interview"  # 约谈记录（地方）
    EDUCATION = "education"  # 诚信教育（地方）
    COMPLAINT = "complaint"  # 投诉举报（地方）


KIND_LABELS: dict[Kind, str] = {
    Kind.REGISTRATION: "登记注册基本信息",
    Kind.JUDICIAL: "司法裁判及执行",
    Kind.LICENSE: "行政许可",
    Kind.PENALTY: "行政处罚",
    Kind.ENFORCEMENT: "行政强制",
    Kind.CONFIRMATION: "行政确认",
    Kind.LEVY: "行政征收",
    Kind.PAYMENT: "行政给付",
    Kind.ADJUDICATION: "行政裁决",
    Kind.COMPENSATION: "行政补偿",
    Kind.REWARD: "行政奖励",
    Kind.INSPECTION: "行政检查",
    Kind.QUALIFICATION: "职称和职业资格",
    Kind.ABNORMAL_OPERATION: "经营异常名录",
    Kind.SERIOUS_DISHONESTY: "严重失信主体名单",
    Kind.CONTRACT: "合同履行",
    Kind.COMMITMENT: "信用承诺及履行",
    Kind.EVALUATION: "信用评价结果",
    Kind.HONOUR: "诚信荣誉",
    Kind.VOLUNTARY: "自愿提供的信息",
    Kind.INTERVIEW: "约谈记录",
    Kind.EDUCATION: "诚信教育",
    Kind.COMPLAINT: "投诉举报",
}

_ADMINISTRATIVE = {
    Kind.LICENSE,
    Kind.PENALTY,
    Kind.ENFORCEMENT,
    Kind.CONFIRMATION,
    Kind.LEVY,
    Kind.PAYMENT,
    Kind.ADJUDICATION,
    Kind.COMPENSATION,
    Kind.REWARD,
    Kind.INSPECTION,
}
_LOCAL = {Kind.INTERVIEW, Kind.EDUCATION, Kind.COMPLAINT}


def category_of(kind: Kind) -> Category:
    if kind in _ADMINISTRATIVE:
        return Category.ADMINISTRATIVE
    if kind in _LOCAL:
        return Category.LOCAL
    return Category[kind.name]


class Disclosure(StrEnum):
    PUBLIC = "公开"
    CONDITIONAL = "有条件共享"
    RESTRICTED = "不公开"


class Severity(StrEnum):
    MINOR = "轻微"
    GENERAL = "一般"
    SERIOUS = "严重"


class Status(StrEnum):
    VALID = "有效"
    OBJECTED = "异议中"
    REPAIRED = "已修复"
    REVOKED = "已撤销"
    EXPIRED = "已过期"


class SubjectType(StrEnum):
    ENTITY = "entity"
    PERSON = "person"


class ChangeKind(StrEnum):
    CREATED = "created"
    CORRECTED = "corrected"  # content or dates fixed: a new version
    STATUS = "status"  # status moved (objection, repair, revocation, expiry)


class RecordStep(StrEnum):
    """The steps of a record's correction procedure (records.service.correct_record / change_status)."""

    CORRECT = "correct"  # 更正 (a new version; the status stays)
    OBJECT = "object"  # 异议受理 → 异议中
    UPHOLD = "uphold"  # 异议办结（维持或更正后）→ 有效
    REPAIR = "repair"  # 信用修复 → 已修复
    REVOKE = "revoke"  # 撤销 → 已撤销
    EXPIRE = "expire"  # 公示期满 → 已过期


# Only the source department (or the platform's own jobs acting for it) changes its records.
SOURCE = Who(
    SYSTEM, STAFF, refusal="only the source department {department} may change its records (仅数据来源部门可修改)"
)
_ALL = frozenset(Status)

# The only moves a record's status can make. Repair and revocation are final for the record (a revoked decision
# replaced by a new one is a new record); an objection resolves back to 有效 or to 已撤销.
TABLE: TransitionTable[RecordStep, Status] = TransitionTable(
    name="records:record",
    subject_type="credit_record",
    statuses=Status,
    transitions={
        RecordStep.CORRECT: Transition(frozenset(_ALL), None, SOURCE, event="corrected"),
        RecordStep.OBJECT: Transition(frozenset({Status.VALID}), Status.OBJECTED, SOURCE, event="status"),
        RecordStep.UPHOLD: Transition(frozenset({Status.OBJECTED}), Status.VALID, SOURCE, event="status"),
        RecordStep.REPAIR: Transition(
            frozenset({Status.VALID, Status.EXPIRED}), Status.REPAIRED, SOURCE, event="status"
        ),
        RecordStep.REVOKE: Transition(
            frozenset({Status.VALID, Status.OBJECTED}), Status.REVOKED, SOURCE, event="status"
        ),
        RecordStep.EXPIRE: Transition(frozenset({Status.VALID}), Status.EXPIRED, SOURCE, event="status"),
    },
    conflict="a record that is {status} cannot take the step {step} (状态不可变更)",
    labels={
        RecordStep.CORRECT: "更正",
        RecordStep.OBJECT: "异议受理",
        RecordStep.UPHOLD: "恢复有效",
        RecordStep.REPAIR: "信用修复",
        RecordStep.REVOKE: "撤销",
        RecordStep.EXPIRE: "公示期满",
    },
)

# Statuses under which a record is shown to the public (已修复 / 已撤销 / 已过期 records stop being published).
PUBLISHED_STATUSES = frozenset({Status.VALID, Status.OBJECTED})


def step_to(current: Status, target: Status) -> RecordStep | None:
    """The step that moves a record from ``current`` to ``target`` (``None``: no step does)."""
    for step, transition in TABLE.transitions.items():
        if current in transition.sources and transition.target is target:
            return step
    return None


def can_transition(current: Status, target: Status) -> bool:
    return step_to(current, target) is not None


# Content keys (national field codes without the XK_/CF_ prefix) holding identifiers of natural persons. They are
# stored encrypted (``<key>_enc``) beside a masked form; clear values are never kept.
PERSONAL_ID_KEYS = frozenset({"FR_ZJHM", "XDR_ZJHM"})
# Content keys masked for the public audience (req §3.3: addresses, phones, bank accounts, third parties' names).
PUBLIC_MASKED_KEYS: dict[str, str] = {
    "XDR_DZ": "address",
    "DZ": "address",
    "LXDH": "phone",
    "XDR_LXDH": "phone",
    "YHZH": "bank_account",
    "DSR_MC": "name",
}
MAX_CONTENT_KEYS = 200
MAX_CONTENT_VALUE = 20_000
