"""How the portal and the console put things on a screen: times in Beijing time, department codes as names, and the
platform's messages in Chinese.

Every refusal the platform raises carries an English sentence for API clients and log readers with its Chinese
gloss in parentheses at the end ("no credit record 3 visible to you (未找到该信用记录)"); the API keeps both beside its
error code. A screen shows only Chinese: :func:`chinese` takes the gloss, or the Chinese part of a mixed message,
and falls back to a Chinese sentence for the refusal's kind (:data:`STATUS_MESSAGES`) when a message has no Chinese.
Templates get these as filters (``core.web``), and the Jinja environment prints any datetime it is given in
Beijing time, so a page cannot show a UTC moment by forgetting a filter.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from markupsafe import Markup

from xinyong.core.clock import BEIJING
from xinyong.core.departments import NOTICE_DEPARTMENTS

# ASCII words a Chinese screen may show: identifiers, formats and units a Chinese reader sees as such.
ALLOWED_WORDS: frozenset[str] = frozenset(
    {
        "USCC", "API", "CSV", "XLSX", "XLS", "JSON", "PDF", "PNG", "JPEG", "JPG", "URL", "HTTP", "HTTPS", "HTML",
        "SM3", "SM4", "HMAC", "SHA", "GB", "ID", "GCM", "MB", "KB", "OpenAPI", "Swagger", "ReDoc", "webhook",
        "Bearer", "xinyong",
    }
)  # fmt: skip
_ASCII_WORD = re.compile(r"(?<![A-Za-z0-9_./:@-])[A-Za-z]{3,}(?![A-Za-z0-9_])")
_HAN = re.compile(r"[\u3400-\u9fff]")
_TRAILING_GLOSS = re.compile(r"[(（]([^()（）]*[\u3400-\u9fff][^()（）]*)[)）]\s*[。.]?\s*$")
_ANY_PARENS = re.compile(r"\s*[(（]([^()（）]*)[)）]")

STATUS_MESSAGES: dict[int, str] = {
    400: "请求有误，请检查后重试",
    401: "请先登录",
    403: "无权执行该操作",
    404: "未找到",
    405: "不支持该请求方式",
    409: "与当前状态冲突，请刷新后重试",
    413: "内容过大",
    422: "输入有误，请检查后重试",
    429: "请求过于频繁，请稍后再试",
}

ROLE_NAMES: dict[str, str] = {
    "public": "社会公众",
    "entity": "市场主体",
    "department_operator": "部门经办",
    "department_reviewer": "部门审核",
    "credit_office": "信用办",
    "auditor": "审计/纪检",
    "business_system": "业务系统",
    "credit_agency": "信用服务机构",
    "system": "系统任务",
}

_DEPARTMENT_NAMES: dict[str, str] = {code: short for code, short, _full in NOTICE_DEPARTMENTS}
_DEPARTMENT_FULL_NAMES: dict[str, str] = {code: full for code, _short, full in NOTICE_DEPARTMENTS}


# form and query fields, for "输入有误：…" when a request names one
FIELD_LABELS: dict[str, str] = {
    "uscc": "统一社会信用代码", "q": "查询内容", "name": "名称", "page": "页码", "page_size": "每页条数",
    "month": "月份", "department": "部门", "kind": "类别", "file": "文件", "encoding": "文件编码",
    "reason": "理由", "reasons": "理由", "note": "说明", "notes": "说明", "username": "用户名",
    "display_name": "姓名", "password": "密码", "new_password": "新密码", "current_password": "当前密码",
    "new_password_confirm": "确认新密码", "role": "角色", "entity_uscc": "统一社会信用代码", "date_from": "开始日期",
    "date_to": "结束日期", "number": "编号", "code": "代码", "csrf_token": "页面令牌", "outcome": "结果",
    "decision": "决定", "action": "操作", "title": "标题", "url": "地址", "webhook_url": "回调地址",
    "purpose": "用途", "record_id": "信用记录", "entry_id": "名单条目", "model": "模型", "version": "版本",
    "deadline": "期限", "start_date": "开始日期", "end_date": "结束日期", "materials": "材料", "methods": "修复方式",
    "verification_code": "验证码", "report_no": "报告编号", "login_token": "登录令牌", "next": "跳转地址",
    "public_value": "公开随机数", "description": "描述", "seq": "序号", "format": "格式", "category": "类别",
    "sort": "排序", "record_kind": "记录类别", "stratum": "信用类别", "status": "状态", "severity": "严重程度",
}  # fmt: skip


def field_label(name: object) -> str:
    """The Chinese name of a form or query field (the last part of a dotted location); empty when unknown."""
    key = str(name or "").rsplit(".", 1)[-1]
    return FIELD_LABELS.get(key, "")


def invalid_field_message(name: object) -> str:
    label = field_label(name)
    return f"输入有误：{label}格式不正确或超出范围，请检查后重试" if label else STATUS_MESSAGES[422]


def english_words(text: str) -> list[str]:
    """The ASCII words of three or more letters in ``text`` that a Chinese screen should not show."""
    return [
        word for word in _ASCII_WORD.findall(text) if word not in ALLOWED_WORDS and word.upper() not in ALLOWED_WORDS
    ]


def chinese(message: object, status: int | None = None) -> str:
    """The Chinese a person should read for a platform message (see the module's docstring)."""
    text = str(message or "").strip()
    if not text:
        return STATUS_MESSAGES.get(status or 400, "")
    if not english_words(text):
        return text
    found = _TRAILING_GLOSS.search(text)
    if found and not english_words(found.group(1)):
        return found.group(1).strip()
    if _HAN.search(text):
        # a Chinese sentence with English asides: drop the parenthesised English, then any English words left
        kept = _ANY_PARENS.sub(
            lambda m: "" if english_words(m.group(1)) and not _HAN.search(m.group(1)) else m.group(0), text
        )
        if not english_words(kept):
            return kept.strip()
        chunks = [chunk.strip(" :;,，；：") for chunk in re.split(r"[A-Za-z][A-Za-z ,;'\"_/.-]*[A-Za-z]", kept)]
        joined = "，".join(chunk for chunk in chunks if _HAN.search(chunk))
        if joined and not english_words(joined):
            return joined
    return STATUS_MESSAGES.get(status or 400, STATUS_MESSAGES[400])


def refusal_text(error: Any) -> str:
    """A refusal (a :class:`~xinyong.core.errors.XinyongError` or anything with ``message``/``status``) in Chinese."""
    return chinese(getattr(error, "message", error), getattr(error, "status", None))


def beijing(moment: dt.datetime | None, seconds: bool = False) -> str:
    """A moment as Beijing time, ``YYYY-MM-DD HH:MM`` (``:SS`` with ``seconds``); a naive moment is taken as UTC,
    the way the platform stores them."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def beijing_date(moment: dt.datetime | dt.date | None) -> str:
    """The Beijing calendar day of a moment (a date is itself)."""
    if moment is None:
        return ""
    if isinstance(moment, dt.datetime):
        return beijing(moment)[:10]
    return moment.isoformat()


def department_name(code: object, full: bool = False) -> str:
    """A department's name for a code (the notice's departments; a code the platform does not know stays as is)."""
    key = str(code or "").strip().upper()
    if not key:
        return ""
    names = _DEPARTMENT_FULL_NAMES if full else _DEPARTMENT_NAMES
    return names.get(key, str(code))


def actor_html(actor_id: object) -> Markup:
    """An actor id as a page shows it: ``user:wangfang`` → the username marked as an identifier, a role-like id
    (``system:…``, ``api:3``) → its Chinese kind."""
    text = str(actor_id or "")
    kind, _, rest = text.partition(":")
    kinds = {"api": "业务系统", "system": "系统任务", "public": "社会公众", "platform": "平台", "entity": "市场主体"}
    if kind == "user" and rest:
        return Markup('<span translate="no">{}</span>').format(rest)
    if kind in kinds:
        return Markup("{} {}").format(kinds[kind], rest if rest.isdigit() else "").rstrip()
    return Markup('<span translate="no">{}</span>').format(text) if english_words(text) else Markup("{}").format(text)


_CAUSE_KINDS = {
    "record": "信用记录",
    "list_entry": "名单条目",
    "batch": "归集批次",
    "run": "批量评价",
    "manual": "人工重评",
}
_CAUSE_STEPS = {
    "created": "新增", "corrected": "更正", "status": "状态变更", "publish": "公示", "published": "公示",
    "expire": "到期移出", "expired": "到期移出", "exit_early": "提前移出", "exited": "提前移出", "revoke": "撤销",
    "revoked": "撤销", "repaired": "修复",
}  # fmt: skip


def grade_cause(cause: object) -> str:
    """Why a grade changed, in Chinese: ``record:3408:corrected`` → 信用记录 3408 更正."""
    parts = str(cause or "").split(":")
    if not parts or parts[0] not in _CAUSE_KINDS:
        return "" if english_words(str(cause or "")) else str(cause or "")
    words = [_CAUSE_KINDS[parts[0]]]
    for part in parts[1:]:
        if part.isdigit():
            words.append(part)
        elif part in _CAUSE_STEPS:
            words.append(_CAUSE_STEPS[part])
        elif not english_words(part):
            words.append(part)
    return " ".join(words)


def role_name(role: object) -> str:
    return ROLE_NAMES.get(str(role or ""), str(role or ""))


def finalize(value: Any) -> Any:
    """Jinja's last step for every ``{{ … }}``: a datetime prints in Beijing time, ``None`` as nothing."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return beijing(value)
    return value
