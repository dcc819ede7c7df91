"""Pure rules of self-reported information (自主填报, req §3.5, clause (5)): the notice's categories, the
verification state machine, and what an attachment may be (size, type by content, a harmless name).

No database and no web framework here.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from xinyong.core.errors import InvalidInput, TooLarge
from xinyong.core.transitions import STAFF, SYSTEM, Transition, TransitionTable, Who


class Category(StrEnum):
    """The categories clause (5) names."""

    LICENCE = "证照资质"
    OPERATIONS = "生产经营"
    CONTRACT = "履约践诺"
    AWARD = "表彰评优"
    CHARITY = "公益慈善"


class Status(StrEnum):
    PENDING = "待核验"
    VERIFIED = "已核验"
    REJECTED = "未通过核验"
    WITHDRAWN = "已撤回"


class Step(StrEnum):
    SUBMIT = "submit"  # 填报
    ATTACH = "attach"  # 补充附件 (the status stays)
    DECIDE = "decide"  # 核验：已核验 / 未通过核验
    WITHDRAW = "withdraw"  # 撤回


ENTITY_ITSELF = Who(subject=True, refusal="only the entity itself reports and withdraws its items (仅填报主体本身)")
# the competent department's staff verify (or the platform for it); the credit office does not verify for them
VERIFIER = Who(SYSTEM, STAFF, refusal="only the competent department {department} decides (仅核验部门可办理)")

TABLE: TransitionTable[Step, Status] = TransitionTable(
    name="selfreport:report",
    subject_type="self_report",
    statuses=Status,
    transitions={
        Step.SUBMIT: Transition(frozenset({None}), Status.PENDING, ENTITY_ITSELF, event="submitted"),
        Step.ATTACH: Transition(frozenset({Status.PENDING}), None, ENTITY_ITSELF, event="attached"),
        Step.DECIDE: Transition(
            frozenset({Status.PENDING}),
            None,
            VERIFIER,
            outcomes=frozenset({Status.VERIFIED, Status.REJECTED}),
            event="decided",
        ),
        Step.WITHDRAW: Transition(frozenset({Status.PENDING}), Status.WITHDRAWN, ENTITY_ITSELF, event="withdrawn"),
    },
    conflict="the item is {status} (当前状态不可办理)",
    conflict_field="report_id",
    labels={Step.SUBMIT: "填报", Step.ATTACH: "补充附件", Step.DECIDE: "核验", Step.WITHDRAW: "撤回"},
)


def can_transition(current: Status, target: Status) -> bool:
    """Whether some step of the table leads from ``current`` to ``target``."""
    return any(
        current in t.sources and (t.target is target or target in t.outcomes) for t in TABLE.transitions.values()
    )


# Only verified items count in evaluation and reports (req §3.5).
COUNTING = frozenset({Status.VERIFIED})

TRUTHFULNESS_COMMITMENT = (
    "本主体承诺所填报信息及所附材料真实、准确、完整，并对其真实性负责；自愿接受社会公众监督，"
    "授权信用门户网站对上述信息进行整合、共享与应用。如有虚假，愿意承担相应法律责任，并同意将虚假填报行为记入信用记录。"
)

SELF_REPORTED_LABEL = "自主填报"

# ---------------------------------------------------------------- attachments

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 10
MAX_NAME = 120

# Types accepted, recognised by their first bytes (magic numbers), never by the name or the declared type.
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
EXTENSIONS = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
_UNSAFE_NAME = re.compile(r"[/\\\x00-\x1f\x7f:*?\"<>|]")


def sniff_type(data: bytes) -> str | None:
    """The attachment's media type from its content, or ``None`` when it is none of PDF, PNG, JPEG."""
    for magic, media_type, _ext in _MAGIC:
        if data.startswith(magic):
            return media_type
    return None


def check_filename(name: str) -> str:
    """A display name that is only a name: no directories, no ``..``, no control characters, a known extension
    that matches nothing else. The stored file never uses it (files are named by the platform)."""
    text = unicodedata.normalize("NFC", name or "").strip()
    if not text:
        raise InvalidInput("the attachment needs a file name (附件缺少文件名)", field="filename")
    if len(text) > MAX_NAME:
        raise InvalidInput(f"the file name is longer than {MAX_NAME} characters (文件名过长)", field="filename")
    if _UNSAFE_NAME.search(text) or ".." in text or text.startswith("."):
        raise InvalidInput(
            "the file name may not contain paths, '..' or control characters (文件名不合法)", field="filename"
        )
    dot = text.rfind(".")
    if dot <= 0 or text[dot:].lower() not in EXTENSIONS:
        raise InvalidInput("attachments are PDF, PNG or JPEG files (仅支持 PDF、PNG、JPEG)", field="filename")
    return text


def check_attachment(name: str, data: bytes, limit: int = MAX_ATTACHMENT_BYTES) -> tuple[str, str]:
    """The clean name and the media type of an acceptable attachment; refusals name the rule broken."""
    if len(data) > limit:
        raise TooLarge(f"an attachment may be at most {limit // (1024 * 1024)} MB (附件过大)", field="file")
    if not data:
        raise InvalidInput("the attachment is empty (附件为空)", field="file")
    clean = check_filename(name)
    media_type = sniff_type(data)
    if media_type is None:
        raise InvalidInput(
            "the content is not a PDF, PNG or JPEG file, whatever its name says (文件内容与类型不符)", field="file"
        )
    if EXTENSIONS[clean[clean.rfind(".") :].lower()] != media_type:
        raise InvalidInput("the file name's extension does not match its content (扩展名与内容不符)", field="file")
    return clean, media_type
