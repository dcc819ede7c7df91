"""The desensitiser's entry points: :func:`desensitise` (what the public reads), :func:`protect` (before storing) and
their helpers (overlaps resolved, the original text rebuilt).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from xinyong.privacy.rules.normal import normalise, normalise_mapped
from xinyong.privacy.rules.numbers import number_findings
from xinyong.privacy.rules.ruleset import AT_REST_KINDS, BUILTIN, MAX_TEXT, Finding, Result, RuleSet, Subject, resolve
from xinyong.privacy.rules.spans import address_findings, name_findings, other_findings, protected_spans


def _apply_original(original: str, where: Sequence[int], findings: list[Finding]) -> str:
    """``findings`` (spans of the normalised text) applied to the text as written: what is not masked keeps its
    own characters (an em dash stays an em dash), a masked span takes in the invisible characters inside it."""
    parts: list[str] = []
    at = 0
    for finding in findings:
        start = where[finding.start]
        end = where[finding.end - 1] + 1
        parts.append(original[at:start])
        parts.append(finding.masked)
        at = end
    parts.append(original[at:])
    return "".join(parts)


def desensitise(value: str, subject: Subject, rules: RuleSet = BUILTIN, *, guesses: bool = True) -> Result:
    """What of ``value`` the public may read: numbers masked for every subject, and for a natural person (or a
    个体工商户) names, addresses below the 乡镇/街道 level, plates and dates of birth too. ``guesses=False`` applies
    the sure rules only (a reviewer's confirmed text)."""
    if not value:
        return Result(value)
    cut = len(value) > MAX_TEXT
    scanned = value[:MAX_TEXT]
    text, where = normalise_mapped(scanned)
    findings = number_findings(text)
    for _label, pattern in rules.extra_patterns:
        findings += [
            Finding("pattern", m.start(), m.end(), "***") for m in pattern.finditer(text) if m.end() > m.start()
        ]
    if subject.natural:
        strong, weak = protected_spans(text, subject, rules)
        findings += name_findings(text, subject, rules, strong, weak)
        findings += address_findings(text, rules, weak)
        findings += other_findings(text)
    if not guesses:
        findings = [f for f in findings if f.sure]
    chosen = resolve(findings)
    if not chosen and not cut:
        return Result(value)
    return Result(_apply_original(scanned, where, chosen) + ("…" if cut else ""), tuple(chosen))


def desensitise_value(
    value: Any, subject: Subject, rules: RuleSet = BUILTIN, *, guesses: bool = True
) -> tuple[Any, list[Finding]]:
    """:func:`desensitise` over a field's value as stored: a text, a list of texts (each desensitised), anything
    else (a number, a date, ``None``) unchanged. Returns the shown value and the findings."""
    if isinstance(value, str):
        result = desensitise(value, subject, rules, guesses=guesses)
        return result.text, list(result.findings)
    if isinstance(value, list | tuple):
        out: list[Any] = []
        findings: list[Finding] = []
        for item in value:
            masked, found = desensitise_value(item, subject, rules, guesses=guesses)
            out.append(masked)
            findings += found
        return out, findings
    return value, []


def guessed_names(values: Iterable[Any], subject: Subject, rules: RuleSet = BUILTIN) -> tuple[str, ...]:
    """Names the desensitiser guessed (after 当事人…, before ，男，) anywhere in ``values``: a caller adds them to the
    subject's known names so the same person is masked in every field of the record (a case's title naming the
    当事人 its body introduces)."""
    if not subject.natural:
        return ()
    found: list[str] = []
    for value in values:
        texts = value if isinstance(value, list | tuple) else [value]
        for text in texts:
            if not isinstance(text, str) or not text:
                continue
            normal = normalise(text[:MAX_TEXT])
            result = desensitise(text, subject, rules)
            found += [normal[f.start : f.end] for f in result.findings if f.kind == "name_guess"]
    return tuple(dict.fromkeys(n for n in found if 2 <= len(n) <= 4))


#: Texts up to this long are remembered by :func:`protect`: a department's file repeats the same category, basis,
#: authority and content texts on most rows (the result depends on the text alone).
PROTECT_CACHED_CHARS = 256


def protect(value: str) -> Result:
    """``value`` with identifiers and contact numbers (ID, passport and other certificates, phones, bank accounts,
    e-mail) replaced by their masked forms: what is stored in clear beside the encrypted original."""
    if not value:
        return Result(value)
    if len(value) <= PROTECT_CACHED_CHARS:
        return _protect_short(value)
    return _protect(value)


@lru_cache(maxsize=16_384)
def _protect_short(value: str) -> Result:
    return _protect(value)


def _protect(value: str) -> Result:
    text, where = normalise_mapped(value)
    chosen = resolve([f for f in number_findings(text) if f.kind in AT_REST_KINDS])
    if not chosen:
        return Result(value)
    return Result(_apply_original(value, where, chosen), tuple(chosen))


def protect_title(value: str, subject: Subject, rules: RuleSet = BUILTIN) -> Result:
    """A title (决定文书名称, 处罚名称…) as stored: what :func:`protect` takes out of any text, and for a natural person
    (or a 个体工商户) the names of the persons the record names (sure findings only, so a title is stored the same way
    each time it is sent): ``胡旭龙无烟草专卖品准运证运输烟草案`` → ``胡**无烟草专卖品准运证运输烟草案``."""
    if not value:
        return Result(value)
    text, where = normalise_mapped(value)
    findings = [f for f in number_findings(text) if f.kind in AT_REST_KINDS]
    if subject.natural:
        strong, weak = protected_spans(text, subject, rules)
        findings += [f for f in name_findings(text, subject, rules, strong, weak) if f.kind == "name"]
    chosen = resolve(findings)
    if not chosen:
        return Result(value)
    return Result(_apply_original(value, where, chosen), tuple(chosen))
