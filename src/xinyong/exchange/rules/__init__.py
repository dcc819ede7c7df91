"""Pure rules of cross-level exchange (跨层级信用信息交换, notice clauses (10) and (16), req §3.2 and §3.10): the
kinds of upstream source, the upstream list types and the national memoranda that cover them, the field layout of an
upstream list item and its validation, content hashes for idempotency, the changes-since feed's page shape and the
cursor's order. No database, no web framework.

An upstream list item (one row of a file, one line of JSON lines, one element of a feed page's ``items``) names its
fields by code or by Chinese name:

======== ============================ =========================================================
code     Chinese name                 meaning
======== ============================ =========================================================
ID       名单编号                      the source's own identifier of the entry (required)
MDLX     名单类型                      list type code (``court_dishonest``…) or its Chinese name
ZT       状态                          有效 / 已移出 / 已撤销 (active / exited / revoked)
XDR_MC   主体名称                      the subject's name (required)
XDR_SHXYM 统一社会信用代码              an entity's USCC …
XDR_ZJLX 证件类型                      … or a person's ID type and number
XDR_ZJHM 证件号码
LRYY     列入事由                      facts (required)
LRYJ     列入依据                      legal basis (required)
WSH      决定文书号                    the deciding document's number
JDRQ     列入日期                      decision date (required)
YXQZ     有效期自                      valid from (default: the decision date)
YXQZI    有效期至                      valid to (empty or 长期: no end date)
YCRQ     移出日期                      exit / revocation date
YCYY     移出原因                      exit / revocation reason
RDJG     认定机关                      the issuing body (default: the source's)
BBH      版本号                        the source's version number of the item (optional, integer)
======== ============================ =========================================================

**Parts.** :mod:`~xinyong.exchange.rules.types` (levels, transports, item states, field names, the upstream list
types and their measures), :mod:`~xinyong.exchange.rules.items` (one upstream list item validated),
:mod:`~xinyong.exchange.rules.feed` (the changes-since feed's pages, outbound keys) and
:mod:`~xinyong.exchange.rules.records` (upstream credit records); this package re-exports them.
"""

from __future__ import annotations

from xinyong.exchange.rules.feed import MAX_CURSOR, FeedPage, cursor_key, parse_page, push_key
from xinyong.exchange.rules.items import ItemError, ParsedItem, content_hash, normalise_fields, parse_item, same_name
from xinyong.exchange.rules.records import (
    RECORD_KIND_WORDS,
    RECORD_PREFIXES,
    ParsedRecord,
    parse_record,
    record_kind_of,
)
from xinyong.exchange.rules.types import (
    FIELDS,
    HEADERS,
    LIMITS,
    LINKS,
    LONG_TERM_TEXT,
    MAX_TEXT,
    REQUIRED,
    STATUS_LABELS,
    UPSTREAM_CODES,
    UPSTREAM_LIST_TYPES,
    UPSTREAM_MEMORANDA,
    UPSTREAM_STATUS_WORDS,
    ItemState,
    SourceLevel,
    Transport,
    UpstreamListType,
    canonical_field,
    measure_scopes,
)

__all__ = [
    "FIELDS",
    "HEADERS",
    "LIMITS",
    "LINKS",
    "LONG_TERM_TEXT",
    "MAX_CURSOR",
    "MAX_TEXT",
    "RECORD_KIND_WORDS",
    "RECORD_PREFIXES",
    "REQUIRED",
    "STATUS_LABELS",
    "UPSTREAM_CODES",
    "UPSTREAM_LIST_TYPES",
    "UPSTREAM_MEMORANDA",
    "UPSTREAM_STATUS_WORDS",
    "FeedPage",
    "ItemError",
    "ItemState",
    "ParsedItem",
    "ParsedRecord",
    "SourceLevel",
    "Transport",
    "UpstreamListType",
    "canonical_field",
    "content_hash",
    "cursor_key",
    "measure_scopes",
    "normalise_fields",
    "parse_item",
    "parse_page",
    "parse_record",
    "push_key",
    "record_kind_of",
    "same_name",
]
