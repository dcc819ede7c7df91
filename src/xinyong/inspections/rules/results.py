"""Inspection results (检查结果): the outcomes, their severity as credit records, and the result procedure's table."""

from __future__ import annotations

from enum import StrEnum

from xinyong.core.transitions import OFFICE, STAFF, SYSTEM, Transition, TransitionTable, Who


class Result(StrEnum):
    NO_PROBLEM = "未发现问题"
    PASSED = "合格"
    FAILED = "不合格"
    ORDERED = "发现问题已责令整改"
    NOT_FOUND = "未找到该市场主体"  # 通过登记的住所（经营场所）无法联系
    NOT_PUBLISHED = "未按规定公示应当公示的信息"
    FALSE_INFO = "公示信息隐瞒真实情况、弄虚作假"
    REFUSED = "不配合检查，情节严重"
    CLOSED = "已注销或被吊销"


RESULT_SEVERITY: dict[Result, str | None] = {
    Result.NO_PROBLEM: None,
    Result.PASSED: None,
    Result.FAILED: "一般",
    Result.ORDERED: "轻微",
    Result.NOT_FOUND: "一般",
    Result.NOT_PUBLISHED: "轻微",
    Result.FALSE_INFO: "一般",
    Result.REFUSED: "一般",
    Result.CLOSED: None,
}

PUBLISH_WORKING_DAYS = 20  # 抽查检查结果 20 个工作日内公示 (the default of XINYONG_INSPECTION_PUBLISH_DAYS)


class ResultStatus(StrEnum):
    """A drawn entity's result: none yet (the empty status) until recorded, then 已公示 (published the same day)."""

    PUBLISHED = "已公示"


class ResultStep(StrEnum):
    RECORD = "record"  # 录入检查结果并公示 (a second result corrects the first)
    OVERDUE = "overdue"  # 逾期未公示 (the sweep; the status stays)


RESULT_TABLE: TransitionTable[ResultStep, ResultStatus] = TransitionTable(
    name="inspections:result",
    subject_type="inspection_assignment",
    statuses=ResultStatus,
    transitions={
        ResultStep.RECORD: Transition(
            frozenset({None, ResultStatus.PUBLISHED}),
            ResultStatus.PUBLISHED,
            Who(OFFICE, STAFF, refusal="only the department's staff or the credit office may do this (无权操作)"),
            event="recorded",
        ),
        ResultStep.OVERDUE: Transition(
            frozenset({None}),
            None,
            Who(SYSTEM, refusal="only the platform's sweep flags overdue results (逾期由系统认定)"),
            event="overdue",
        ),
    },
    conflict="a result that is {status} cannot take the step {step} (当前状态不可办理)",
    labels={ResultStep.RECORD: "录入检查结果并公示", ResultStep.OVERDUE: "逾期未公示"},
)
