"""The rule set in force (the built-in one extended by the office's rows of ``privacy_rules``), and the office's
use cases on it: add a rule, retire one. Services flush, never commit.

The public read paths ask :func:`ruleset` once per request; it is kept per database for ``CACHE_SECONDS`` (adding or
retiring a rule through this module forgets it at once in this process; other processes follow within those
seconds)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Forbidden, InvalidInput, NotFound
from xinyong.core.masking import Audience, audience_for
from xinyong.privacy.models import PrivacyRule
from xinyong.privacy.rules import (
    BUILTIN,
    CATEGORY_LABELS,
    Category,
    RuleSet,
    Subject,
    desensitise,
    desensitise_value,
    guessed_names,
)

CACHE_SECONDS = 10.0
MAX_VALUE = 200
_SAMPLE = (
    "经查，当事人张三（联系电话13800000000）在共青城市茶山街道某路1号经营。依据《中华人民共和国行政处罚法》第二十八条。"
)
# nested quantifiers ((a+)+, (a*)*…) are refused: they can take exponential time on a hostile text
_NESTED = re.compile(r"\([^()]*[+*}][^()]*\)\s*[+*{]")

_lock = threading.Lock()
_cache: dict[str, tuple[float, RuleSet]] = {}


def _key(session: Session) -> str:
    return str(session.get_bind().engine.url)


def ruleset(session: Session) -> RuleSet:
    """The rules in force: built-in plus the office's active rows (version = the largest row id)."""
    key = _key(session)
    now = time.monotonic()
    with _lock:
        found = _cache.get(key)
    if found is not None and now - found[0] < CACHE_SECONDS:
        return found[1]
    rows = list(session.execute(select(PrivacyRule).order_by(PrivacyRule.id)).scalars())
    version = rows[-1].id if rows else 0
    active = [(r.category, r.value, r.label) for r in rows if r.retired_at is None]
    rules = BUILTIN.extended(version, active) if rows else BUILTIN
    with _lock:
        _cache[key] = (now, rules)
    return rules


def last_loaded() -> RuleSet:
    """The rule set this process loaded last (the built-in one before any): for readers without a session."""
    with _lock:
        if not _cache:
            return BUILTIN
        return max(_cache.values(), key=lambda item: item[0])[1]


def forget(session: Session | None = None) -> None:
    with _lock:
        if session is None:
            _cache.clear()
        else:
            _cache.pop(_key(session), None)


# ---------------------------------------------------------------- the one gate of every output's free text

T = TypeVar("T")


def about(
    uscc: str | None, name: str = "", persons: Iterable[str | None] = (), *, natural: bool | None = None
) -> Subject:
    """Who a text is about, as the desensitiser needs it. ``uscc`` ``None`` is a natural person called ``name``; a
    USCC starting ``92`` is a 个体工商户 (its persons' data goes too, its own name stays); ``persons`` are the other
    persons the text may name (经营者, signer, legal representative…)."""
    person = uscc is None
    if natural is None:
        natural = uscc is None or uscc.strip().upper().startswith("92")
    names = [name] if person and name else []
    names += [p.strip() for p in persons if p and 2 <= len(p.strip()) <= 20]
    keep = () if person or not name else (name,)
    return Subject(natural=natural, names=tuple(dict.fromkeys(names)), keep=keep)


def is_public(actor: Actor, uscc: str | None) -> bool:
    """Whether ``actor`` reads data about ``uscc`` (``None``: a person) as the public: anyone but staff and the
    entity itself."""
    return audience_for(actor, uscc) is Audience.PUBLIC


def shown(actor: Actor, uscc: str | None, subject: Subject, value: T, rules: RuleSet | None = None) -> T:
    """The one function from a text (and who it is about) and its reader to what that reader is shown: the public
    (anyone but staff and the entity itself) reads the desensitiser's output, others the text as stored. ``value``
    is a text, a list of texts, ``None`` or a mapping of field → such values. Every area's public output of free
    text goes through here (records through ``records.service.to_view``, which applies the same desensitiser)."""
    if not is_public(actor, uscc):
        return value
    return public(subject, value, rules)


def public(subject: Subject, value: T, rules: RuleSet | None = None) -> T:
    """What the public reads of ``value`` (see :func:`shown`): for outputs that are public whoever reads them."""
    rules = rules or last_loaded()
    if isinstance(value, Mapping):
        # a name guessed in one field is a known name in all of them (a title naming the body's 当事人)
        guessed = guessed_names(value.values(), subject, rules)
        if guessed:
            subject = replace(subject, names=tuple(dict.fromkeys((*subject.names, *guessed))))
        out: dict[str, Any] = {k: desensitise_value(v, subject, rules)[0] for k, v in value.items()}
        return out  # type: ignore[return-value]
    shown_value: T = desensitise_value(value, subject, rules)[0]
    return shown_value


@dataclass(frozen=True, slots=True)
class RuleRow:
    id: int
    category: str
    category_label: str
    value: str
    label: str
    created_by: str
    created_at: str
    retired: bool


def list_rules(session: Session) -> list[PrivacyRule]:
    return list(session.execute(select(PrivacyRule).order_by(PrivacyRule.id.desc())).scalars())


def _require_office(actor: Actor) -> None:
    if actor.role not in (Role.CREDIT_OFFICE, Role.SYSTEM):
        raise Forbidden("only the credit office maintains desensitisation rules (仅信用办可维护脱敏规则)")


def check_rule(category: str, value: str) -> tuple[Category, str]:
    """A rule as the office may add it, or :class:`InvalidInput` naming the field."""
    try:
        kind = Category(category)
    except ValueError:
        raise InvalidInput("unknown rule category (规则类别不正确)", field="category") from None
    text = value.strip()
    if not text or len(text) > MAX_VALUE or "\x00" in text:
        raise InvalidInput(f"a rule is 1 to {MAX_VALUE} characters (规则内容长度不正确)", field="value")
    if kind is Category.PATTERN:
        if _NESTED.search(text):
            raise InvalidInput("nested repetition is not allowed (不允许嵌套重复，可能导致超时)", field="value")
        try:
            compiled = re.compile(text)
        except re.error as error:
            raise InvalidInput(f"not a regular expression: {error} (正则表达式有误)", field="value") from None
        if compiled.fullmatch("") is not None:
            raise InvalidInput("the pattern matches empty text (规则会匹配空文本)", field="value")
        # it must run on a typical text without error
        desensitise(_SAMPLE * 3, Subject(natural=True), BUILTIN.extended(0, [(kind.value, text, "")]))
    elif kind is Category.SURNAME and not (1 <= len(text) <= 2):
        raise InvalidInput("a surname has one or two characters (姓氏为一至两个字)", field="value")
    elif len(text) > 40:
        raise InvalidInput("a word has at most 40 characters (词语不超过40字)", field="value")
    return kind, text


def add_rule(session: Session, actor: Actor, category: str, value: str, label: str = "") -> PrivacyRule:
    _require_office(actor)
    kind, text = check_rule(category, value)
    label = label.strip()[:100]
    duplicate = session.execute(
        select(PrivacyRule).where(
            PrivacyRule.category == kind.value, PrivacyRule.value == text, PrivacyRule.retired_at.is_(None)
        )
    ).scalar_one_or_none()
    if duplicate is not None:
        raise InvalidInput("this rule is already in force (该规则已存在)", field="value")
    row = PrivacyRule(
        category=kind.value,
        value=text,
        label=label or CATEGORY_LABELS[kind],
        created_by=actor.id,
        created_at=clock.now(),
        retired_by=None,
        retired_at=None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "privacy:rule:added", "privacy_rule", str(row.id), {"category": kind.value, "value": text}
    )
    forget(session)
    return row


def retire_rule(session: Session, actor: Actor, rule_id: int) -> PrivacyRule:
    _require_office(actor)
    row = session.get(PrivacyRule, rule_id)
    if row is None:
        raise NotFound(f"no desensitisation rule {rule_id} (未找到该规则)", field="rule_id")
    if row.retired_at is None:
        row.retired_at = clock.now()
        row.retired_by = actor.id
        session.flush()
        audit.record(session, actor, "privacy:rule:retired", "privacy_rule", str(row.id), {"category": row.category})
        forget(session)
    return row
