"""The audit log as a person reads it: a Chinese label per event type, who acted (name, role, department), which
subject, and the payload as labelled fields. The chain itself (``core.audit``) keeps its machine names; this module
only translates them for the page and the CSV export.

An action the table below does not name yet (a new area's event) is labelled from its parts (area, object, verb),
so every event reads as Chinese even before someone writes its label.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core.audit import AuditEvent
from xinyong.core.auth.models import User
from xinyong.core.display import ROLE_NAMES, beijing, department_name, role_name
from xinyong.records.rules import KIND_LABELS

ACTIONS: dict[str, str] = {
    "auth:api_client:created": "创建业务系统接入密钥",
    "auth:api_client:revoked": "吊销业务系统接入密钥",
    "auth:api_client:webhook_removed": "删除业务系统回调地址",
    "auth:api_client:webhook_set": "登记业务系统回调地址",
    "auth:api_client:suspended": "随机构暂停接口密钥",
    "auth:api_client:resumed": "恢复接口密钥",
    "agencies:agency:register": "登记信用服务机构",
    "agencies:agency:suspend": "暂停信用服务机构",
    "agencies:agency:reinstate": "恢复信用服务机构",
    "agencies:agency:revoke": "撤销信用服务机构登记",
    "agencies:agency:key_issued": "签发信用服务机构接口密钥",
    "agencies:agency:webhook_set": "登记信用服务机构回调地址",
    "agencies:agency:webhook_removed": "删除信用服务机构回调地址",
    "agencies:grant:grant": "授权信用服务机构查询",
    "agencies:grant:withdraw": "撤回对信用服务机构的授权",
    "agencies:query:public": "信用服务机构查询公开信息",
    "agencies:query:full": "信用服务机构经授权查询完整信息",
    "agencies:query:report": "信用服务机构经授权获取信用报告",
    "agencies:subscription:added": "信用服务机构订阅变动通知",
    "agencies:notice:created": "向信用服务机构发送删除通知",
    "agencies:notice:acknowledged": "信用服务机构确认删除",
    "auth:login:failed": "登录失败",
    "auth:session:ended": "退出登录",
    "auth:session:started": "登录",
    "auth:user:created": "创建用户",
    "auth:user:password_set": "设置密码",
    "auth:user:password_reset": "重置密码（临时密码）",
    "auth:user:updated": "修改用户",
    "auth:user:disabled": "停用用户",
    "auth:user:enabled": "启用用户",
    "campaigns:campaign:created": "创建专项治理",
    "campaigns:result:recorded": "登记治理结果",
    "campaigns:results:published": "公开治理结果",
    "campaigns:target:removed": "移出治理对象",
    "campaigns:targets:added": "新增治理对象",
    "campaigns:task:assigned": "分派治理任务",
    "campaigns:task:completed": "办结治理任务",
    "commitments:association:event": "登记行业协会活动",
    "commitments:association:member_added": "行业协会新增会员",
    "commitments:association:member_left": "行业协会会员退出",
    "commitments:association:registered": "登记行业协会",
    "commitments:check:planned": "安排承诺核查",
    "commitments:check:recorded": "登记承诺核查结果",
    "commitments:commitment:breach": "认定违背承诺",
    "commitments:commitment:refused": "不予受理承诺",
    "commitments:commitment:signed": "签署信用承诺",
    "commitments:commitment:status": "信用承诺状态变更",
    "commitments:education:recorded": "登记诚信教育",
    "commitments:item:active": "承诺事项启用或停用",
    "commitments:item:created": "新增承诺事项",
    "commitments:template:published": "发布承诺书模板",
    "commitments:tolerance:overdue": "容缺材料逾期",
    "commitments:tolerance:supplied": "补齐容缺材料",
    "console:audit:exported": "导出审计日志",
    "console:timeliness:exported": "导出双公示时效统计",
    "core:calendar_day:removed": "删除工作日历日",
    "core:calendar_day:set": "设置工作日历日",
    "core:calendar_year:declared": "确认年度节假日安排",
    "core:calendar_year:withdrawn": "撤回年度节假日安排",
    "core:departments:seeded": "初始化成员单位",
    "demo:dataset:loaded": "加载演示数据",
    "entities:alias:added": "登记主体旧代码",
    "entities:entity:created": "新增市场主体",
    "entities:entity:provisional": "新增待核实主体",
    "entities:entity:updated": "更新市场主体",
    "entities:person:created": "新增自然人",
    "entities:role:linked": "关联自然人任职",
    "evaluation:entity:regraded": "重新评价主体",
    "evaluation:model:published": "发布评价模型",
    "evaluation:model:seeded": "初始化评价模型",
    "evaluation:queue:drained": "完成待评价队列",
    "evaluation:run:finished": "完成批量评价",
    "evaluation:run:started": "开始批量评价",
    "exchange:batch:received": "接收上级交换数据",
    "exchange:file:refused": "拒收交换文件",
    "exchange:pull:failed": "拉取交换数据失败",
    "exchange:push:queued": "排队推送交换数据",
    "exchange:source:created": "新增交换来源",
    "exchange:source:updated": "更新交换来源",
    "inspections:case:published": "发布典型案例",
    "inspections:case:withdrawn": "撤回典型案例",
    "inspections:classes:read": "查看分级分类结果",
    "inspections:draw:made": "双随机抽取",
    "inspections:inspector:created": "登记执法检查人员",
    "inspections:inspector:updated": "更新执法检查人员",
    "inspections:item:created": "新增抽查事项",
    "inspections:item:retired": "停用抽查事项",
    "inspections:mapping:saved": "发布抽查比例",
    "inspections:result:overdue": "检查结果逾期未公示",
    "inspections:result:recorded": "登记检查结果",
    "inspections:task:frozen": "创建抽查任务（冻结名录库）",
    "lists:entry:upstream": "接收上级名单",
    "lists:notice:created": "制作名单告知书",
    "lists:person:read": "查看名单关联自然人",
    "lists:public_sector:set": "设置公共部门名单",
    "lists:type:published": "发布名单类型",
    "lists:types:seeded": "初始化名单类型",
    "objections:objection:escalated": "异议逾期督办",
    "objections:objection:filed": "提出异议",
    "objections:objection:forwarded": "异议转办来源部门",
    "objections:objection:proposed": "异议拟办",
    "objections:objection:resolved": "异议办结",
    "objections:objection:returned": "异议退回重新拟办",
    "outbox:message:dead": "消息投递失败（不再重试）",
    "outbox:message:delivered": "消息已投递",
    "outbox:message:queued": "消息排队发送",
    "outbox:message:retried": "消息重新发送",
    "portal:export:created": "门户导出数据",
    "punishment:catalogue:extended": "扩充惩戒措施清单",
    "punishment:catalogue:seeded": "初始化惩戒措施清单",
    "punishment:change_notice:created": "生成名单变动通知",
    "punishment:checks:sealed": "核查记录封存",
    "punishment:feedback:recorded": "登记惩戒措施反馈",
    "punishment:measure:created": "新增惩戒措施",
    "punishment:memorandum:created": "新增合作备忘录",
    "records:batch:ingested": "归集数据批次",
    "records:feed:exported": "导出共享数据",
    "records:personal:read": "查看自然人信用记录",
    "records:record:corrected": "更正信用记录",
    "records:record:created": "新增信用记录",
    "records:record:status": "信用记录状态变更",
    "records:rejections:exported": "导出校验未通过数据",
    "records:rejections:revealed": "查看校验未通过数据原文",
    "remedies:interview:recorded": "登记约谈",
    "repair:material:read": "查看修复申请材料",
    "reports:report:issued": "出具信用报告",
    "reports:report:verified": "核验信用报告",
    "risk:alert:raised": "产生风险预警",
    "risk:alert:acknowledged": "确认风险预警",
    "risk:alert:closed": "关闭风险预警",
    "contradictions:flag:raised": "发现矛盾线索",
    "contradictions:flag:corrected": "矛盾线索确认有误已更正",
    "contradictions:flag:dismissed": "矛盾线索不构成矛盾",
    "contradictions:flag:lapsed": "矛盾线索已消除",
    "contradictions:rule:updated": "修改矛盾比对规则",
    "selfreport:attachment:read": "查看自主填报附件",
    "selfreport:report:attached": "上传自主填报附件",
    "selfreport:report:decided": "核验自主填报信息",
    "selfreport:report:submitted": "提交自主填报信息",
    "selfreport:report:withdrawn": "撤回自主填报信息",
}

AREAS: dict[str, str] = {
    "auth": "账号与认证",
    "campaigns": "专项治理",
    "commitments": "信用承诺",
    "console": "工作台",
    "core": "平台基础",
    "demo": "演示数据",
    "entities": "市场主体",
    "evaluation": "信用评价",
    "exchange": "信用信息交换",
    "inspections": "双随机抽查",
    "lists": "名单管理",
    "objections": "异议处理",
    "outbox": "消息发送",
    "portal": "门户网站",
    "punishment": "联合惩戒",
    "records": "信用记录",
    "remedies": "整改约谈",
    "repair": "信用修复",
    "reports": "信用报告",
    "risk": "风险预警",
    "contradictions": "矛盾比对",
    "selfreport": "自主填报",
    "workflow": "办理流程",
    "privacy": "个人信息保护",
    "complaints": "投诉举报",
    "enterprise": "企业账号",
    "agencies": "信用服务机构",
}

OBJECTS: dict[str, str] = {
    "application": "修复申请",
    "entry": "名单条目",
    "rectification": "整改任务",
    "conflict": "数据冲突",
    "alert": "风险预警",
    "objection": "异议",
    "record": "信用记录",
    "commitment": "信用承诺",
    "report": "报告",
    "user": "用户",
    "session": "会话",
    "task": "任务",
    "list": "名单",
    "account": "企业账号",
    "registration": "企业账号注册",
    "code": "一次性验证码",
}

VERBS: dict[str, str] = {
    "proposed": "拟列入",
    "propose": "拟办",
    "notified": "送达告知书",
    "notify": "送达告知书",
    "statement": "登记陈述申辩",
    "decided": "作出决定",
    "decide": "作出决定",
    "refused": "不予决定",
    "refuse": "不予决定",
    "published": "公示",
    "publish": "公示",
    "expired": "到期移出",
    "expire": "到期移出",
    "exited": "提前移出",
    "exit_early": "提前移出",
    "revoked": "撤销",
    "revoke": "撤销",
    "submitted": "提交",
    "submit": "提交",
    "accepted": "受理",
    "accept": "受理",
    "rejected": "不予受理",
    "reject": "不予受理",
    "approved": "同意",
    "approve": "同意",
    "returned": "退回",
    "return": "退回",
    "escalated": "逾期督办",
    "escalate": "逾期督办",
    "created": "创建",
    "create": "创建",
    "updated": "更新",
    "completed": "办结",
    "complete": "办结",
    "closed": "关闭",
    "close": "关闭",
    "acknowledged": "确认",
    "acknowledge": "确认",
    "accepted_conflict": "接受",
    "dismissed": "驳回",
    "dismiss": "驳回",
    "withdrawn": "撤回",
    "withdraw": "撤回",
    "issued": "签发",
    "started": "开始",
    "ended": "结束",
    "recorded": "登记",
    "read": "查看",
    "verified": "核验",
    "assigned": "分派",
    "overdue": "逾期",
    "resolved": "办结",
    "filed": "提出",
    "forwarded": "转办",
    "approved_application": "批准",
    "disabled": "停用",
    "enabled": "启用",
}

SUBJECTS: dict[str, str] = {
    "user": "用户",
    "session": "会话",
    "api_client": "业务系统",
    "record": "信用记录",
    "credit_record": "信用记录",
    "batch": "归集批次",
    "entity": "市场主体",
    "person": "自然人",
    "objection": "异议",
    "list_entry": "名单条目",
    "list_type": "名单类型",
    "report": "信用报告",
    "repair_application": "修复申请",
    "application": "修复申请",
    "commitment": "信用承诺",
    "self_report": "自主填报",
    "campaign": "专项治理",
    "alert": "风险预警",
    "risk_alert": "风险预警",
    "contradiction_flag": "矛盾线索",
    "contradiction_rule": "矛盾比对规则",
    "department": "成员单位",
    "audit_log": "审计日志",
    "export": "导出",
    "outbox_message": "消息",
    "message": "消息",
    "model": "评价模型",
    "evaluation_model": "评价模型",
    "run": "批量评价",
    "task": "任务",
    "inspection_task": "抽查任务",
    "draw": "抽取",
    "inspector": "执法检查人员",
    "item": "事项",
    "case": "典型案例",
    "mapping": "抽查比例",
    "source": "交换来源",
    "conflict": "数据冲突",
    "calendar_day": "工作日历",
    "calendar_year": "年度节假日",
    "association": "行业协会",
    "check": "核查",
    "checks": "核查记录",
    "catalogue": "措施清单",
    "measure": "惩戒措施",
    "memorandum": "合作备忘录",
    "notice": "通知",
    "rectification": "整改任务",
    "interview": "约谈",
    "dataset": "数据集",
    "template": "承诺书模板",
    "account": "企业账号",
}

# payload keys, labelled for the detail view (a key not named here is shown as 其他)
FIELDS: dict[str, str] = {
    "username": "用户名",
    "display_name": "姓名",
    "name": "名称",
    "role": "角色",
    "department": "部门",
    "uscc": "统一社会信用代码",
    "entity_uscc": "统一社会信用代码",
    "reason": "原因",
    "reasons": "理由",
    "note": "说明",
    "notes": "说明",
    "status": "状态",
    "from_status": "原状态",
    "to_status": "新状态",
    "old_status": "原状态",
    "new_status": "新状态",
    "step": "环节",
    "outcome": "结果",
    "result": "结果",
    "decision": "决定",
    "proposal": "拟办意见",
    "rows": "行数",
    "count": "数量",
    "added": "新增",
    "already": "已存在",
    "accepted": "接受",
    "rejected": "拒收",
    "unchanged": "未变化",
    "created": "新增",
    "updated": "更新",
    "corrected": "更正",
    "total": "合计",
    "format": "格式",
    "query": "查询条件",
    "filter": "筛选条件",
    "kind": "类别",
    "title": "标题",
    "version": "版本",
    "number": "编号",
    "record_id": "信用记录",
    "record_ids": "信用记录",
    "entry_id": "名单条目",
    "list_type": "名单类型",
    "deadline": "期限",
    "deadline_rule": "期限依据",
    "due": "期限",
    "file": "文件",
    "filename": "文件名",
    "file_name": "文件名",
    "source": "来源",
    "sha256": "文件摘要",
    "digest": "摘要",
    "url": "地址",
    "destination": "地址",
    "prefix": "密钥前缀",
    "scopes": "权限范围",
    "purpose": "用途",
    "grade": "等级",
    "old_grade": "原等级",
    "new_grade": "新等级",
    "score": "分值",
    "cause": "原因",
    "model_version": "模型版本",
    "month": "月份",
    "year": "年份",
    "day": "日期",
    "date": "日期",
    "from": "起",
    "to": "止",
    "first": "起",
    "last": "止",
    "seq": "序号",
    "client_id": "业务系统",
    "client": "业务系统",
    "topic": "主题",
    "attempts": "尝试次数",
    "error": "错误",
    "address": "访问地址",
    "remote": "访问地址",
    "ip": "访问地址",
    "user_agent": "浏览器",
    "method": "方式",
    "methods": "修复方式",
    "measures": "措施",
    "severity": "严重程度",
    "category": "类别",
    "seconds": "耗时（秒）",
    "entities": "主体数",
    "records": "记录数",
    "ratio": "比例",
    "public_value": "公开随机数",
    "pool_hash": "名录库摘要",
    "round": "轮次",
    "selected": "抽中",
    "resolution": "处理结果",
    "pinned": "固定",
    "key_id": "密钥编号",
    "verification_code": "验证码",
    "valid": "有效",
    "webhook_url": "回调地址",
    "commitment_id": "信用承诺",
    "objection_id": "异议",
    "application_id": "修复申请",
    "report_id": "报告",
    "batch_id": "批次",
    "task_id": "任务",
    "campaign_id": "专项治理",
    "alert_id": "风险预警",
    "message_id": "消息",
    "subject": "对象",
    "subjects": "对象",
    "path": "页面",
    "person": "自然人",
    "persons": "自然人",
    "masked": "证件号码（脱敏）",
}

VALUES: dict[str, str] = {
    "true": "是",
    "false": "否",
    **ROLE_NAMES,
    **{str(kind): label for kind, label in KIND_LABELS.items()},
    "serious": "严重失信主体名单",
    "watch": "重点关注对象名单",
    "market_ban": "市场和行业禁入",
    "bad_password": "密码错误",
    "unknown_user": "用户不存在",
    "locked": "账号已锁定",
    "disabled": "账号已停用",
    "csv": "CSV",
    "xlsx": "XLSX",
    "json": "JSON",
}


_ASCII_WORD = re.compile(r"[A-Za-z]{3,}")


def _latin(text: str) -> bool:
    """Whether a value holds a Latin word (a data code such as ``privacy-review``), shown only as an identifier."""
    return bool(_ASCII_WORD.search(text))


def action_label(action: str) -> str:
    """The Chinese for an event type; one not in the table is read from its parts."""
    known = ACTIONS.get(action)
    if known:
        return known
    parts = action.split(":")
    area = AREAS.get(parts[0], "平台") if parts else "平台"
    thing = OBJECTS.get(parts[1], "") if len(parts) > 1 else ""
    verb = VERBS.get(parts[2], "办理") if len(parts) > 2 else "办理"
    return f"{area}：{thing}{verb}" if thing else f"{area}：{verb}"


def subject_label(subject_type: str) -> str:
    return SUBJECTS.get(subject_type, "对象")


# a moment as the audit chain keeps it (ISO 8601 with a time): shown in Beijing time like every other time on screen
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?")


def _value_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        if value in VALUES:
            return VALUES[value]
        if _MOMENT.fullmatch(value):
            try:
                return beijing(dt.datetime.fromisoformat(value))
            except ValueError:
                return value
        named = department_name(value)
        return named if named != value else value
    if isinstance(value, list):
        return "、".join(_value_text(v) for v in value[:50]) + ("……" if len(value) > 50 else "")
    if isinstance(value, dict):
        return "；".join(f"{field_label(k)}：{_value_text(v)}" for k, v in list(value.items())[:30])
    return str(value)


def field_label(key: str) -> str:
    if key in FIELDS:
        return FIELDS[key]
    base = key.removesuffix("_id").removesuffix("_ids")
    return FIELDS.get(base, SUBJECTS.get(base, "其他"))


@dataclass(frozen=True)
class Field:
    label: str
    value: str
    raw_key: str

    @property
    def raw(self) -> bool:
        """A value that is a data code, shown as stored (the page marks it ``translate="no"``)."""
        return _latin(self.value)


@dataclass(frozen=True)
class EventView:
    """One audit event as the page shows it."""

    seq: int
    at: dt.datetime
    when: str
    action: str
    label: str
    who: Markup
    role: str
    department: str
    subject: str
    subject_id: str
    fields: list[Field]
    hash: str
    prev_hash: str

    @property
    def summary(self) -> str:
        text = "；".join(f"{f.label}：{f.value}" for f in self.fields[:4] if not _latin(f.value))
        return text if len(text) <= 120 else text[:119] + "…"


def _names(session: Session, actor_ids: set[str]) -> dict[str, str]:
    usernames = [a.removeprefix("user:") for a in actor_ids if a.startswith("user:")]
    if not usernames:
        return {}
    rows = session.execute(select(User.username, User.display_name).where(User.username.in_(usernames))).all()
    return {f"user:{username}": name or username for username, name in rows}


def _who(actor_id: str, names: dict[str, str]) -> Markup:
    """A person's name with their username (an identifier, marked ``translate="no"``), or the kind of actor."""
    if actor_id in names:
        return Markup('{}（<span translate="no">{}</span>）').format(names[actor_id], actor_id.removeprefix("user:"))
    kind, _, rest = actor_id.partition(":")
    prefixes = {"api": "业务系统", "system": "系统任务", "public": "社会公众", "entity": "市场主体", "platform": "平台"}
    if kind in prefixes:
        return Markup("{} {}").format(prefixes[kind], rest if not _latin(rest) else "").rstrip()
    return Markup('<span translate="no">{}</span>').format(actor_id)


def views(session: Session, events: list[AuditEvent]) -> list[EventView]:
    names = _names(session, {e.actor_id for e in events})
    return [view(e, names) for e in events]


def view(event: AuditEvent, names: dict[str, str]) -> EventView:
    payload = event.payload if isinstance(event.payload, dict) else {"value": event.payload}
    fields = [Field(field_label(str(k)), _value_text(v), str(k)) for k, v in payload.items()]
    return EventView(
        seq=event.seq,
        at=event.at,
        when=beijing(event.at, seconds=True),
        action=event.action,
        label=action_label(event.action),
        who=_who(event.actor_id, names),
        role=role_name(event.actor_role),
        department=department_name(event.actor_department) if event.actor_department else "",
        subject=subject_label(event.subject_type),
        subject_id=event.subject_id,
        fields=fields,
        hash=event.hash,
        prev_hash=event.prev_hash,
    )


def payload_json(event: AuditEvent) -> str:
    """The payload as stored, readable: UTF-8 characters, not ``\\u`` escapes."""
    return json.dumps(event.payload, ensure_ascii=False, indent=2, sort_keys=True)
