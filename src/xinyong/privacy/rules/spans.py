"""The desensitiser's words: protected spans (citations, business names), the persons' names (known and guessed),
addresses below the 乡镇/街道 level, licence plates and dates of birth.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from xinyong.core.masking import (
    COMPOUND_SURNAMES,
    mask_address,
)
from xinyong.privacy.rules.normal import normalise
from xinyong.privacy.rules.ruleset import (
    BUSINESS_SUFFIXES,
    NAME_FOLLOWERS,
    NAME_MASK,
    STOP_LEFT,
    Finding,
    RuleSet,
    Subject,
    mask_name,
    mask_plate,
)

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"

_CITATION = re.compile(r"《[^《》]{1,80}》")

_BUSINESS = re.compile(
    rf"[{_CJK}（）()·]{{2,30}}?(?:{'|'.join(sorted(map(re.escape, BUSINESS_SUFFIXES), key=len, reverse=True))})"
)


def protected_spans(text: str, subject: Subject, rules: RuleSet) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(strong, weak): citations, the record's own business names and the office's keep words are never searched
    at all; business names found by their ending (weak) only protect from name guesses and addresses, so a known
    person's name is masked even where it looks like part of a shop's name."""
    strong = [(m.start(), m.end()) for m in _CITATION.finditer(text)]
    for name in subject.keep:
        if len(name) >= 3:
            start = text.find(name)
            while start >= 0:
                strong.append((start, start + len(name)))
                start = text.find(name, start + len(name))
    if rules.keep_re is not None:
        strong.extend((m.start(), m.end()) for m in rules.keep_re.finditer(text))
    weak = list(strong)
    for m in _BUSINESS.finditer(text):
        inner = m.group(0)
        # a business name starts after the last stop character (当事人…在 XX 商行)
        cut = max((inner.rfind(ch) for ch in STOP_LEFT | _BUSINESS_STOP), default=-1)
        begin = m.start() + cut + 1
        if m.end() - begin >= 3:
            weak.append((begin, m.end()))
    return strong, weak


_BUSINESS_STOP = frozenset("经营开办租用承包")


def _inside(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


@lru_cache(maxsize=4096)  # one record's title and fields name the same persons; re's own cache holds 512 patterns
def _name_pattern(name: str) -> re.Pattern[str]:
    return re.compile(r"\s*".join(map(re.escape, name)))


@lru_cache(maxsize=4096)  # asked once per text of a record, for the same subject
def _known_names(subject: Subject) -> tuple[str, ...]:
    names = []
    for raw in subject.names:
        name = "".join(normalise(raw).split())
        if 2 <= len(name) <= 20 and not any(ch.isdigit() for ch in name):
            names.append(name)
    return tuple(sorted(set(names), key=len, reverse=True))


def name_findings(
    text: str, subject: Subject, rules: RuleSet, strong: Sequence[tuple[int, int]], weak: Sequence[tuple[int, int]]
) -> list[Finding]:
    found: list[Finding] = []
    known = _known_names(subject)
    surnames: set[str] = set()
    for name in known:
        masked = mask_name(name)
        surnames.add(masked[:-2])
        if name[0] not in text or name[-1] not in text:
            continue  # the pattern cannot match (and is not compiled for a name no text of the record holds)
        for m in _name_pattern(name).finditer(text):
            if not _inside(strong, m.start(), m.end()):
                found.append(Finding("name", m.start(), m.end(), masked))
    for surname in surnames:  # 胡某, 胡某某, 胡某龙: forms of a known name
        if surname + "某" not in text:
            continue
        for m in re.finditer(rf"{re.escape(surname)}某(?:某|[{_CJK}](?=[，,。；;、（(\s]))?", text):
            if not _inside(strong, m.start(), m.end()):
                found.append(Finding("name", m.start(), m.end(), surname + NAME_MASK))
    # guesses: a surname-led run right after a marker, or before ，男/女，
    for m in rules.name_marker_re.finditer(text):
        guess = _guess_at(text, m.end(), rules)
        if guess is not None and not _inside(weak, *guess) and text[guess[0] : guess[1]] not in known:
            found.append(Finding("name_guess", guess[0], guess[1], mask_name(text[guess[0] : guess[1]]), sure=False))
    for m in _SEX.finditer(text):
        run = m.group(1)
        for length in (3, 2, 4):
            tail = run[-length:]
            if len(tail) != length or tail in rules.keep_words or tail in known:
                continue
            surname = tail[:2] if length == 4 and tail[:2] in COMPOUND_SURNAMES else tail[:1]
            if surname in rules.surnames and "某" not in tail:
                start = m.end(1) - length
                if not _inside(weak, start, m.end(1)):
                    found.append(Finding("name_guess", start, m.end(1), mask_name(tail), sure=False))
                break
    return found


_SEX = re.compile(rf"([{_CJK}]{{2,4}})[，,（(]\s*(?:男|女)[，,、）)]")


def _guess_at(text: str, at: int, rules: RuleSet, until: int | None = None) -> tuple[int, int] | None:
    """A person's name starting at ``at``: a surname then one or two given characters, the choice made by what
    follows (punctuation or a word that follows names: 未/于/涉嫌/经营…)."""
    rest = text[at : at + 6]
    if not rest or rest.startswith(tuple(w for w in rules.keep_words if w)):
        return None
    surname = rest[:2] if rest[:2] in rules.surnames and len(rest[:2]) == 2 else rest[:1]
    if surname not in rules.surnames or not re.fullmatch(rf"[{_CJK}]+", surname):
        return None
    base = at + len(surname)
    for given in (2, 3, 1):
        end = base + given
        run = text[base:end]
        if len(run) != given or not re.fullmatch(rf"[{_CJK}]+", run) or "某" in run:
            continue
        if until is not None:
            if end == until:
                return at, end
            continue
        after = text[end : end + 4]
        if not after or after[0] in "，,。；;：:、（()）\"“”' \n" or after.startswith(NAME_FOLLOWERS):
            if text[at:end] in rules.keep_words:
                return None
            return at, end
    return None


_ADDRESS_CHARS = re.compile(r"[省市县区镇乡村路街道号组栋幢室巷弄楼苑]")

_STREET = re.compile(
    rf"[{_CJK}\d]{{0,24}}?(?:"
    rf"(?:路|大道|大街|街|巷|弄|胡同|里)[\d一二三四五六七八九十百零〇-]+号(?:之[\d一二三四五六七八九十]+)?"
    rf"|(?:村|社区|居委会)[\d一二三四五六七八九十]+(?:组|号)"
    rf"|(?:小区|花园|公寓|大厦|家园|新村|苑|山庄|广场|华府|公馆)[\d一二三四五六七八九十A-Za-z]+(?:栋|幢|号楼|座|区)"
    rf")(?:[\d一二三四五六七八九十A-Za-z-]+(?:栋|幢|号楼|单元|室|楼|层|号|座|户))*"
)

_ADDRESS_END = re.compile(r"[，,。；;）)\n、！!？?]")


def address_findings(text: str, rules: RuleSet, weak: Sequence[tuple[int, int]]) -> list[Finding]:
    found: list[Finding] = []
    for m in rules.address_marker_re.finditer(text):
        start = m.end()
        stop = _ADDRESS_END.search(text, start, start + 60)
        end = stop.start() if stop else min(len(text), start + 60)
        span = text[start:end]
        if len(span) < 3 or not _ADDRESS_CHARS.search(span) or _inside(weak, start, end):
            continue
        found.append(Finding("address_guess", start, end, mask_address(span), sure=False))
    for m in _STREET.finditer(text):
        matched = m.group(0)
        cut = max((matched.rfind(ch) for ch in STOP_LEFT), default=-1)
        start = m.start() + cut + 1
        if cut < 0:  # the match began at its length limit: widen to the left over the place name
            while start > 0 and start > m.start() - 24 and text[start - 1] not in STOP_LEFT:
                start -= 1
        if start >= m.end() or _inside(weak, start, m.end()):
            continue
        found.append(Finding("address", start, m.end(), mask_address(text[start : m.end()])))
    return found


_PLATE = re.compile(
    r"(?<![A-Za-z0-9])[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][·.\s-]?"
    r"[A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警港澳领](?![A-Za-z0-9])"
)

_BIRTH = re.compile(
    r"(?:出生日期|出生年月日|出生年月|出生于|生于|出生|生日)[：:\s]*(?:为|是)?[：:\s]*"
    r"(\d{4}\s*(?:年|[-./])\s*\d{1,2}\s*(?:月|[-./])\s*(?:\d{1,2}\s*日?)?|\d{8}|\d{4}\s*年\s*\d{1,2}\s*月)"
    r"|(\d{4}\s*年\s*\d{1,2}\s*月\s*(?:\d{1,2}\s*日)?)\s*(?:出生|生)(?![产效活意])"
)


def other_findings(text: str) -> list[Finding]:
    found = [Finding("plate", m.start(), m.end(), mask_plate(m.group(0))) for m in _PLATE.finditer(text)]
    for m in _BIRTH.finditer(text):
        group = 1 if m.group(1) else 2
        found.append(Finding("birth", m.start(group), m.end(group), "****年**月**日"))
    return found
