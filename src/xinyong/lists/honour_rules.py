"""Pure rules of the honour lists (守信激励对象名单, 红名单): the default honour list types, the office's procedure as a
transition table, and the rule that withholds incentives from a subject on a serious list. No database.

The procedure (认定程序), all of it the credit office's (信用办)::

    拟列入 ──approve (a second office account)──▶ 已公示 ──end (终止公示) / lapse (期满, the sweep)──▶ 已移出
      │
      └──decline──▶ 不予列入

- an honour entry is added (拟列入) by one office account with the issuing body's decision document (认定文号),
  the decision date and the reason; a *second* office account approves it, which publishes it (two-person rule,
  req §0, as for the listing procedure's decision);
- the entry is in force from the decision date to the end of the type's term (months counted under the Civil Code
  by :func:`xinyong.lists.rules.validity`), or until the office ends it early (终止公示, with a reason, e.g. the
  subject was found to have acted dishonestly);
- an honour never binds and never restricts: the readers of binding entries (the check's restrictions, graded
  supervision, credit evaluation, repair) never see it. The check API returns the incentives linked to it
  (punishment.incentives).

Incentives withheld (:func:`incentives_withheld`): following 《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进
社会诚信建设的指导意见》（国发〔2016〕33号） ("对严重失信主体……不得给予激励", and its call to check 失信 records before
granting any 守信激励), a subject that has a serious-list entry (严重失信主体名单, its upstream equivalents, or a market
and industry ban) in force on the day gets no incentive: the check returns its restrictions, lists its honours flagged
as withheld, and returns no incentive measure. A watch-list entry (重点关注) does not withhold incentives.
"""

from __future__ import annotations

from enum import StrEnum

from xinyong.core.transitions import OFFICE, SYSTEM, Transition, TransitionTable, Who
from xinyong.lists.rules import EntryStatus, ListCategory, ListTypeSpec, Term

HONOUR_EXIT_KIND = "终止公示"
LAPSE_EXIT_KIND = "期满移出"
MAX_REASON = 5000
# categories of a binding entry that withhold every incentive (国发〔2016〕33号)
WITHHOLDING_CATEGORIES = frozenset({ListCategory.SERIOUS, ListCategory.MARKET_BAN})
WITHHELD_REASON = (
    "该主体当前被列入严重失信主体名单（或市场和行业禁入），依据国发〔2016〕33号“对严重失信主体不得给予激励”的要求，"
    "其守信激励措施暂停适用，直至失信名单移出。"
)


class HonourStep(StrEnum):
    NOMINATE = "nominate"  # 拟列入（信用办录入）
    APPROVE = "approve"  # 审核公示（另一名信用办人员）
    DECLINE = "decline_honour"  # 不予列入
    END = "end"  # 终止公示
    LAPSE = "lapse"  # 期满移出（系统）


OFFICE_WHO = Who(OFFICE, refusal="only the credit office maintains honour lists (仅信用办可维护守信激励名单)")
PLATFORM_WHO = Who(SYSTEM, refusal="only the platform's sweep ends a term (期满移出由系统执行)")

HONOUR_TABLE: TransitionTable[HonourStep, EntryStatus] = TransitionTable(
    name="lists:honour",
    subject_type="list_entry",
    statuses=EntryStatus,
    transitions={
        HonourStep.NOMINATE: Transition(frozenset({None}), EntryStatus.PROPOSED, OFFICE_WHO),
        HonourStep.APPROVE: Transition(
            frozenset({EntryStatus.PROPOSED}), EntryStatus.PUBLISHED, OFFICE_WHO, second_person=True
        ),
        HonourStep.DECLINE: Transition(frozenset({EntryStatus.PROPOSED}), EntryStatus.DECLINED, OFFICE_WHO),
        HonourStep.END: Transition(frozenset({EntryStatus.PUBLISHED}), EntryStatus.EXITED, OFFICE_WHO),
        HonourStep.LAPSE: Transition(frozenset({EntryStatus.PUBLISHED}), EntryStatus.EXITED, PLATFORM_WHO),
    },
    conflict="an honour entry that is {status} cannot take the step {step} (当前状态不可办理)",
    second_person_refusal="the person who added the entry may not approve it (录入人不得审核本人录入的守信激励条目)",
    labels={
        HonourStep.NOMINATE: "拟列入",
        HonourStep.APPROVE: "审核公示",
        HonourStep.DECLINE: "不予列入",
        HonourStep.END: "终止公示",
        HonourStep.LAPSE: "期满移出",
    },
)


def incentives_withheld(binding_categories: set[str]) -> bool:
    """Whether a subject with entries of these categories in force gets no incentive (国发〔2016〕33号)."""
    return any(c in WITHHOLDING_CATEGORIES for c in binding_categories)


_GUOFA_33 = "《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》（国发〔2016〕33号）"
_HONOUR_EXIT = "有效期届满自动移出；公示期内发现存在失信行为或认定依据被撤销的，由信用办终止公示。"

DEFAULT_HONOUR_TYPES: tuple[ListTypeSpec, ...] = (
    ListTypeSpec(
        code="honest_model",
        name="诚信典型",
        category=ListCategory.HONOUR,
        criteria="在诚信经营、履约践诺、热心公益等方面表现突出，经市社会信用体系建设领导小组办公室评选认定的诚信典型企业和个人。",
        legal_basis=f"{_GUOFA_33}；《江西省社会信用条例》；共青城市诚信典型评选办法",
        term=Term(24),
        earliest_exit_months=None,
        exit_rules=_HONOUR_EXIT,
        statement_window_days=5,
        issuing_body="共青城市社会信用体系建设领导小组办公室",
    ),
    ListTypeSpec(
        code="tax_a_grade",
        name="纳税信用A级纳税人",
        category=ListCategory.HONOUR,
        criteria="经税务机关年度纳税信用评价为A级的纳税人（由上级税务机关发布，本市同步公示）。",
        legal_basis=(
            "《纳税信用管理办法（试行）》（国家税务总局公告2014年第40号）；"
            "《关于对纳税信用A级纳税人实施联合激励措施的合作备忘录》（发改财金〔2016〕1467号）"
        ),
        term=Term(12),
        earliest_exit_months=None,
        exit_rules="评价年度结果有效期届满自动移出；税务机关调整评价结果的，由来源方更新或由信用办终止公示。",
        statement_window_days=5,
        issuing_body="国家税务总局江西省税务局",
    ),
    ListTypeSpec(
        code="contract_keeping",
        name="守合同重信用企业",
        category=ListCategory.HONOUR,
        criteria="依法签订和履行合同、合同管理制度健全、连续两年以上无合同违法失信行为，经市场监督管理部门公示的企业。",
        legal_basis=f"《江西省守合同重信用企业公示办法》；{_GUOFA_33}",
        term=Term(24),
        earliest_exit_months=None,
        exit_rules=_HONOUR_EXIT,
        statement_window_days=5,
        issuing_body="江西省市场监督管理局",
    ),
)
HONOUR_CODES = frozenset(t.code for t in DEFAULT_HONOUR_TYPES)
