"""The portal's content (网站内容), pure rules: the five kinds and their categories, the fields each kind carries,
the review procedure's transition table, the HTML sanitiser and the attachment checks.

- Kinds: 信用动态 (news), 政策法规 (policy: level 国家/省级/市级, 文号, issuing body, dates, 现行有效/已废止),
  典型案例 (case: 失信惩戒, 守信激励, 信用修复, 分级分类监管, 双随机; may name the records or list entries it is about),
  通知公告 (notice), 办事指南 (guide: repair, objection, commitment, report — steps, materials, contact; its time limits
  come from the platform's settings, never from the text).
- The procedure: an editor saves drafts and sends one for review; a reviewer publishes it (at once or at a time) or
  returns it with a comment; a published item may be withdrawn (at once or at a time). Every save is a version.
- HTML is sanitised with nh3 (ammonia) to a short list of tags and attributes, on save and again on render: no
  script, no event attribute, no style, links only ``http``, ``https``, ``mailto`` or the site's own paths, images
  only from the site's own content files.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import nh3

from xinyong.core.actor import Role
from xinyong.core.errors import InvalidInput, TooLarge
from xinyong.core.transitions import Opens, Transition, TransitionTable, Who

__all__ = ["Opens"]


class Kind(StrEnum):
    NEWS = "news"
    POLICY = "policy"
    CASE = "case"
    NOTICE = "notice"
    GUIDE = "guide"


KIND_LABELS: Final[dict[str, str]] = {
    Kind.NEWS: "信用动态",
    Kind.POLICY: "政策法规",
    Kind.CASE: "典型案例",
    Kind.NOTICE: "通知公告",
    Kind.GUIDE: "办事指南",
}
# the portal's share-friendly address of each kind: /news/12, /policies/3, /cases/5, /notices/2, /guides/4
KIND_PATHS: Final[dict[str, str]] = {
    Kind.NEWS: "news",
    Kind.POLICY: "policies",
    Kind.CASE: "cases",
    Kind.NOTICE: "notices",
    Kind.GUIDE: "guides",
}

# categories per kind (the portal's filters); news and notices have none
CATEGORIES: Final[dict[str, tuple[str, ...]]] = {
    Kind.NEWS: ("工作动态", "部门动态", "信用知识"),
    Kind.POLICY: ("国家", "省级", "市级"),
    Kind.CASE: ("失信惩戒", "守信激励", "信用修复", "分级分类监管", "双随机"),
    Kind.NOTICE: (),
    Kind.GUIDE: ("信用修复", "异议申诉", "信用承诺", "投诉举报"),
}
POLICY_STATUSES: Final = ("现行有效", "已废止")
FIELD_LABELS: Final[dict[str, str]] = {
    "doc_number": "文号",
    "issuer": "发布机关",
    "issued_on": "发布日期",
    "effective_on": "施行日期",
    "policy_status": "效力状态",
    "steps": "办理流程",
    "materials": "申请材料",
    "contact": "咨询方式",
    "links": "关联信息",
}


class Status(StrEnum):
    DRAFT = "草稿"
    IN_REVIEW = "待审核"
    RETURNED = "已退回"
    SCHEDULED = "待发布"
    PUBLISHED = "已发布"
    WITHDRAWN = "已撤回"


class Step(StrEnum):
    CREATE = "create"
    SUBMIT = "submit"
    RETURN = "return"
    PUBLISH = "publish"
    GO_LIVE = "go_live"
    WITHDRAW = "withdraw"
    REVISE = "revise"


EDITORS = frozenset({Role.CONTENT_EDITOR, Role.CONTENT_REVIEWER, Role.CREDIT_OFFICE, Role.SYSTEM})
REVIEWERS = frozenset({Role.CONTENT_REVIEWER, Role.CREDIT_OFFICE, Role.SYSTEM})
_EDIT = Who(anywhere=EDITORS, refusal="only content editors may write the site's content (仅内容编辑可撰写网站内容)")
_REVIEW = Who(
    anywhere=REVIEWERS,
    refusal="only content reviewers may publish, return or withdraw (仅内容审核人员可发布、退回或撤回)",
)
_S = Status

TABLE: Final = TransitionTable[Step, Status](
    name="content:item",
    subject_type="content_item",
    statuses=Status,
    transitions={
        Step.CREATE: Transition(frozenset({None}), _S.DRAFT, _EDIT),
        Step.SUBMIT: Transition(frozenset({_S.DRAFT, _S.RETURNED}), _S.IN_REVIEW, _EDIT),
        Step.RETURN: Transition(frozenset({_S.IN_REVIEW}), _S.RETURNED, _REVIEW),
        Step.PUBLISH: Transition(
            frozenset({_S.IN_REVIEW}), None, _REVIEW, outcomes=frozenset({_S.SCHEDULED, _S.PUBLISHED})
        ),
        Step.GO_LIVE: Transition(frozenset({_S.SCHEDULED}), _S.PUBLISHED, _REVIEW),
        Step.WITHDRAW: Transition(
            frozenset({_S.PUBLISHED, _S.SCHEDULED, _S.DRAFT, _S.IN_REVIEW, _S.RETURNED}), _S.WITHDRAWN, _REVIEW
        ),
        Step.REVISE: Transition(frozenset({_S.PUBLISHED, _S.SCHEDULED, _S.WITHDRAWN}), _S.DRAFT, _EDIT),
    },
    conflict="content that is {status} cannot take the step {step} (当前状态不可办理)",
    labels={
        Step.CREATE: "新建草稿",
        Step.SUBMIT: "送审",
        Step.RETURN: "退回修改",
        Step.PUBLISH: "审核发布",
        Step.GO_LIVE: "定时发布生效",
        Step.WITHDRAW: "撤回",
        Step.REVISE: "修订",
    },
)

# ---------------------------------------------------------------- fields

MAX_TITLE = 200
MAX_SUMMARY = 1000
MAX_BODY = 400_000  # characters of HTML
MAX_FIELD = 500
MAX_LINES = 40  # steps or materials of a guide
MAX_LINKS = 20
DOC_NUMBER = re.compile(r"^[^\x00-\x1f<>]{1,100}$")


@dataclass(frozen=True, slots=True)
class Link:
    """What a typical case is about: a credit record (``record``) or a list entry (``entry``), by id."""

    type: str
    id: int


def clean_text(value: str | None, field: str, limit: int = MAX_FIELD, *, required: bool = False) -> str | None:
    """A one-line text: normalised (NFC), control characters removed, trimmed; ``None`` when empty."""
    text = unicodedata.normalize("NFC", value or "")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()
    if not text:
        if required:
            raise InvalidInput(f"{field} is required (必填)", field=field)
        return None
    if len(text) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters (内容过长)", field=field)
    return text


def lines_of(value: str | None, field: str) -> list[str]:
    """A guide's steps or materials, one a line, blank lines dropped."""
    lines = [line.strip() for line in (value or "").splitlines() if line.strip()]
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"at most {MAX_LINES} lines (最多 {MAX_LINES} 条)", field=field)
    return [clean_text(line, field) or "" for line in lines]


def parse_links(value: str | None) -> list[Link]:
    """``record:12``, ``entry:3`` (one a line or separated by blanks/commas) → links; anything else is refused."""
    links: list[Link] = []
    for token in re.split(r"[\s,，、]+", value or ""):
        if not token:
            continue
        match = re.fullmatch(r"(record|entry):(\d{1,12})", token.strip().lower())
        if match is None:
            raise InvalidInput(
                "a link is record:<编号> or entry:<编号> (关联对象格式应为 record:编号 或 entry:编号)", field="links"
            )
        link = Link(match.group(1), int(match.group(2)))
        if link not in links:
            links.append(link)
    if len(links) > MAX_LINKS:
        raise InvalidInput(f"at most {MAX_LINKS} links (最多关联 {MAX_LINKS} 项)", field="links")
    return links


def check_category(kind: Kind, category: str | None) -> str | None:
    allowed = CATEGORIES[kind]
    if not allowed:
        return None
    if category not in allowed:
        raise InvalidInput(
            f"the category must be one of {'、'.join(allowed)} (分类须为：{'、'.join(allowed)})", field="category"
        )
    return category


def check_schedule(publish_at: dt.datetime | None, withdraw_at: dt.datetime | None) -> None:
    if publish_at is not None and withdraw_at is not None and withdraw_at <= publish_at:
        raise InvalidInput(
            "the withdrawal must come after the publication (撤回时间须晚于发布时间)", field="withdraw_at"
        )


# ---------------------------------------------------------------- HTML

TAGS: Final = frozenset(
    {
        "p", "br", "div", "span", "strong", "b", "em", "i", "u", "s", "del", "sub", "sup",
        "h2", "h3", "h4", "ul", "ol", "li", "blockquote", "pre", "code", "hr",
        "a", "img", "figure", "figcaption",
        "table", "thead", "tbody", "tr", "th", "td", "caption",
    }
)  # fmt: skip
ATTRIBUTES: Final = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
}
URL_SCHEMES: Final = frozenset({"http", "https", "mailto"})
FILES_PREFIX: Final = "/content/files/"  # the site's own content files (images and attachments)
_SIZE = re.compile(r"^\d{1,4}$")


def _attribute(tag: str, name: str, value: str) -> str | None:
    if tag == "img" and name == "src":
        return value if value.startswith(FILES_PREFIX) and "//" not in value else None
    if name in ("width", "height", "colspan", "rowspan"):
        return value if _SIZE.match(value) else None
    if tag == "a" and name == "href":
        text = value.strip()
        if text.startswith("//") or text.startswith("\\"):
            return None  # a scheme-relative address is another site
    return value


def sanitise(html: str) -> str:
    """The HTML reduced to what the portal shows: the allowed tags and attributes, safe links, own images. Script,
    style, iframes, event attributes (``onerror``…) and ``javascript:``/``data:`` addresses are dropped, with
    the content of script and style elements."""
    return nh3.clean(
        html,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=_attribute,
        clean_content_tags={"script", "style"},
    )


def plain_text(html: str) -> str:
    """The text of sanitised HTML (for search, summaries and feeds): tags removed, entities resolved, blanks folded."""
    spaced = re.sub(r"<(/?(?:p|div|li|h\d|tr|td|th|br|blockquote|figcaption)\b)", r" <\1", html, flags=re.I)
    text = nh3.clean(spaced, tags=set(), clean_content_tags={"script", "style"})
    text = text.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    text = text.replace("&#39;", "'").replace("&amp;", "&")
    return re.sub(r"\s+", " ", text).strip()


def check_body(html: str | None) -> str:
    text = html or ""
    if len(text) > MAX_BODY:
        raise TooLarge(f"the body is longer than {MAX_BODY} characters (正文过长)", field="body")
    return sanitise(text)


# ---------------------------------------------------------------- attachments

MAX_ATTACHMENT_BYTES: Final = 20 * 1024 * 1024
MAX_IMAGE_BYTES: Final = 5 * 1024 * 1024
MAX_ATTACHMENTS: Final = 20
MAX_NAME: Final = 120
DOCX_MARKER: Final = "word/document.xml"

# type → (media type, extensions, is an image); recognised by content, never by the name or the declared type
TYPES: Final[dict[str, tuple[str, tuple[str, ...], bool]]] = {
    "pdf": ("application/pdf", (".pdf",), False),
    "doc": ("application/msword", (".doc",), False),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",), False),
    "png": ("image/png", (".png",), True),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg"), True),
}
_UNSAFE_NAME = re.compile(r"[/\\\x00-\x1f\x7f:*?\"<>|]")


def sniff(data: bytes) -> str | None:
    """The file's type from its bytes: PDF, Word (97–2003 OLE or a .docx package), PNG or JPEG; else ``None``."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as package:
                names = package.namelist()
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        return "docx" if DOCX_MARKER in names and "[Content_Types].xml" in names else None
    return None


def check_filename(name: str) -> str:
    """A display name that is only a name (the stored file never uses it)."""
    text = unicodedata.normalize("NFC", name or "").strip()
    if not text:
        raise InvalidInput("the attachment needs a file name (附件缺少文件名)", field="filename")
    if len(text) > MAX_NAME:
        raise InvalidInput(f"the file name is longer than {MAX_NAME} characters (文件名过长)", field="filename")
    if _UNSAFE_NAME.search(text) or ".." in text or text.startswith("."):
        raise InvalidInput("the file name may not contain paths or control characters (文件名不合法)", field="filename")
    return text


def check_attachment(name: str, data: bytes, *, image: bool) -> tuple[str, str, str]:
    """(clean name, media type, type) of an acceptable file; ``image``: only PNG or JPEG, with the image limit.
    Refusals name the rule broken."""
    limit = MAX_IMAGE_BYTES if image else MAX_ATTACHMENT_BYTES
    if len(data) > limit:
        raise TooLarge(f"the file may be at most {limit // (1024 * 1024)} MB (文件过大)", field="file")
    if not data:
        raise InvalidInput("the file is empty (文件为空)", field="file")
    clean = check_filename(name)
    found = sniff(data)
    if found is None or (image and not TYPES[found][2]):
        allowed = "PNG、JPEG 图片" if image else "PDF、Word（doc/docx）、PNG、JPEG"
        raise InvalidInput(f"the content is not an accepted file type (仅支持 {allowed}，以文件内容为准)", field="file")
    media_type, extensions, _ = TYPES[found]
    if not clean.lower().endswith(extensions):
        raise InvalidInput("the file name's extension does not match its content (扩展名与内容不符)", field="file")
    return clean, media_type, found


# ---------------------------------------------------------------- guides' time limits (from the settings)

# topic → (what the limit is for, the setting that holds the working days)
GUIDE_LIMITS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "信用修复": (("决定是否受理", "repair_accept_days"), ("受理后作出修复决定", "repair_decide_days")),
    "异议申诉": (
        ("平台核查处理（信用办）", "objection_platform_days"),
        ("转数据来源部门核实处理", "objection_department_days"),
    ),
    "信用承诺": (),
    "投诉举报": (),
}
