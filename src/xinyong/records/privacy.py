"""Records through the desensitiser (:mod:`xinyong.privacy.rules`): the one place that decides what of a record's text
the public may read, what is stored in clear, and whether a new version is held for a reviewer.

- :func:`public_texts` is used by ``records.service.to_view`` for every public reader, so every public output (portal
  pages and exports, the JSON API, feeds, the credit report's public edition) shows the same desensitised text.
- :func:`protect_content` runs before a version is stored: identifiers and contact numbers found in free text are
  replaced by their masked forms, the original text kept SM4-encrypted in ``<key>_enc`` with an HMAC-SM3 blind
  index in ``<key>_bi`` (so a re-send with another number is a change). :func:`original_content` gives staff with
  the right (the source department, the credit office) the original back.
- :func:`hold_for` decides ``privacy_hold``: a natural person's (or 个体工商户's) version whose text the desensitiser
  changed unsure (a name guessed after 当事人…, an address after 住/住址/家住/户籍) is kept off the public site until
  the department's reviewer confirms or edits the public text (``records.privacy_review``); the confirmed texts are
  stored as ``<key>_pub`` (``TITLE_pub`` for the title) and still pass the sure rules when read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from xinyong.core.actor import Actor
from xinyong.core.crypto import get_blind_index, get_cipher
from xinyong.core.masking import mask_address, mask_bank_account, mask_id_number, mask_phone
from xinyong.privacy.rules import (
    BUILTIN,
    Finding,
    RuleSet,
    Subject,
    desensitise,
    desensitise_value,
    mask_name,
    protect,
    protect_title,
)
from xinyong.records.rules import PERSONAL_ID_KEYS, PUBLIC_MASKED_KEYS, SubjectType

TEXT_CONTEXT = "credit_records.content_text"
TITLE_CONTEXT = "credit_records.title"
TITLE_KEY = "TITLE"
REJECTION_CONTEXT = "batch_rejections.values"  # the ID columns and any cell holding an identifier
COMPANIONS = ("_enc", "_bi", "_pub")
#: Content keys holding codes of organisations or decisions, dates and amounts: never searched.
CODE_KEYS = frozenset({
    "XDR_SHXYM", "WSH", "XKBH", "XDR_GSZC", "XDR_ZZJG", "XDR_SWDJ", "XDR_SYDW", "XDR_SHZZ", "XKJGDM", "CFJGDM",
    "LYDWDM", "SJLYDM", "JDRQ", "YXQZ", "YXQZI", "YXQ", "GSJZQ", "NR_FK", "NR_WFFF", "XDR_ZJLX", "FR_ZJLX", "DFBM",
    "SJC", "BKXF", "LXQK",
})  # fmt: skip
_DEDICATED = {"address": mask_address, "phone": mask_phone, "bank_account": mask_bank_account}


def is_companion(key: str) -> bool:
    return key.endswith(COMPANIONS)


def is_natural(subject_type: str, subject_uscc: str | None, content: Mapping[str, Any]) -> bool:
    """A natural person, or a 个体工商户 (USCC 92…, or the record says so): its persons' data is desensitised."""
    if subject_type == SubjectType.PERSON:
        return True
    if (subject_uscc or "").startswith("92"):
        return True
    category = content.get("XDR_LB")
    return isinstance(category, str) and "个体" in category


def subject_for(
    subject_type: str, subject_uscc: str | None, subject_name: str, content: Mapping[str, Any], rules: RuleSet
) -> Subject:
    natural = is_natural(subject_type, subject_uscc, content)
    names: list[str] = []
    if subject_type == SubjectType.PERSON:
        names.append(subject_name)
        if isinstance(content.get("XDR_MC"), str):
            names.append(content["XDR_MC"])
    if natural:
        for key in rules.person_name_keys:
            value = content.get(key)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str) and 2 <= len(item.strip()) <= 20:
                    names.append(item.strip())
    keep = () if subject_type == SubjectType.PERSON else (subject_name,)
    return Subject(natural=natural, names=tuple(dict.fromkeys(names)), keep=keep)


def _text_keys(content: Mapping[str, Any]) -> list[str]:
    return [
        k
        for k, v in content.items()
        if not is_companion(k) and k not in CODE_KEYS and k not in PERSONAL_ID_KEYS and isinstance(v, str | list)
    ]


def _desensitise_value(
    value: Any, subject: Subject, rules: RuleSet, *, guesses: bool = True
) -> tuple[Any, list[Finding]]:
    return desensitise_value(value, subject, rules, guesses=guesses)


def public_texts(
    subject_type: str,
    subject_uscc: str | None,
    subject_name: str,
    title: str,
    content: Mapping[str, Any],
    rules: RuleSet,
) -> tuple[str, str, dict[str, Any]]:
    """(subject name, title, content) as the public may read them. Companions never leave; ID fields carry their
    masked form; dedicated address/phone/account fields their masks; every other text field the desensitiser's
    output, or the reviewer's confirmed text (``<key>_pub``) passed through the sure rules again."""
    subject = subject_for(subject_type, subject_uscc, subject_name, content, rules)
    name = mask_name(subject_name) if subject_type == SubjectType.PERSON else subject_name
    confirmed_title = content.get(f"{TITLE_KEY}_pub")
    if isinstance(confirmed_title, str):
        shown_title = desensitise(confirmed_title, subject, rules, guesses=False).text
    else:
        shown_title = desensitise(title, subject, rules).text
    out: dict[str, Any] = {}
    for key, value in content.items():
        if is_companion(key):
            continue
        if key in PERSONAL_ID_KEYS:
            out[key] = mask_id_number(value) if isinstance(value, str) and value else value
            continue
        if key in CODE_KEYS or not isinstance(value, str | list):
            out[key] = value
            continue
        dedicated = _DEDICATED.get(PUBLIC_MASKED_KEYS.get(key, ""))
        if dedicated is not None and isinstance(value, str) and f"{key}_enc" in content:
            out[key] = value  # stored masked already (its numbers were protected at rest)
            continue
        if dedicated is not None and isinstance(value, str):
            out[key] = dedicated(value)
            continue
        if PUBLIC_MASKED_KEYS.get(key) == "name" and isinstance(value, str):
            out[key] = mask_name(value)
            continue
        confirmed = content.get(f"{key}_pub")
        if confirmed is not None:
            out[key] = _desensitise_value(confirmed, subject, rules, guesses=False)[0]
        else:
            out[key] = _desensitise_value(value, subject, rules)[0]
    if subject_type == SubjectType.PERSON and isinstance(out.get("XDR_MC"), str):
        out["XDR_MC"] = name
    return name, shown_title, out


def unsure_findings(
    subject_type: str,
    subject_uscc: str | None,
    subject_name: str,
    title: str,
    content: Mapping[str, Any],
    rules: RuleSet,
) -> dict[str, list[Finding]]:
    """Per field (``TITLE`` for the title), the findings the desensitiser is unsure of: what a reviewer must see."""
    subject = subject_for(subject_type, subject_uscc, subject_name, content, rules)
    if not subject.natural:
        return {}
    found: dict[str, list[Finding]] = {}
    title_unsure = desensitise(title, subject, rules).unsure
    if title_unsure:
        found[TITLE_KEY] = list(title_unsure)
    for key in _text_keys(content):
        if PUBLIC_MASKED_KEYS.get(key):
            continue
        findings = [f for f in _desensitise_value(content[key], subject, rules)[1] if not f.sure]
        if findings:
            found[key] = findings
    return found


def review_proposal(
    subject_type: str,
    subject_uscc: str | None,
    subject_name: str,
    title: str,
    content: Mapping[str, Any],
    rules: RuleSet,
) -> dict[str, tuple[str, str]]:
    """Per text field: (stored text, the desensitiser's proposal) — what the reviewer's form shows."""
    subject = subject_for(subject_type, subject_uscc, subject_name, content, rules)
    out = {TITLE_KEY: (title, desensitise(title, subject, rules).text)}
    for key in _text_keys(content):
        if PUBLIC_MASKED_KEYS.get(key):
            continue
        value = content[key]
        shown = _desensitise_value(value, subject, rules)[0]
        out[key] = (_joined(value), _joined(shown))
    return out


def _joined(value: Any) -> str:
    return "、".join(str(v) for v in value) if isinstance(value, list) else str(value)


def hold_for(
    subject_type: str,
    subject_uscc: str | None,
    subject_name: str,
    title: str,
    content: Mapping[str, Any],
    rules: RuleSet,
) -> bool:
    """Whether a new version waits for a reviewer before the public sees it."""
    if any(f"{key}_pub" in content for key in [TITLE_KEY, *content]):
        return False  # a reviewer confirmed these texts
    return bool(unsure_findings(subject_type, subject_uscc, subject_name, title, content, rules))


# ---------------------------------------------------------------- at rest


def protect_content(content: dict[str, Any], previous: Mapping[str, Any] | None) -> dict[str, Any]:
    """Free text with identifiers and contact numbers masked, the original kept encrypted (``<key>_enc``) and
    blind-indexed (``<key>_bi``). Companions sent by the caller are dropped (only the platform writes them)."""
    out: dict[str, Any] = {}
    for key, value in content.items():
        if key.endswith(COMPANIONS) and key.removesuffix("_enc").removesuffix("_bi") not in PERSONAL_ID_KEYS:
            continue
        out[key] = value
    for key in _text_keys(out):
        value = out[key]
        original = value
        texts = value if isinstance(value, list) else [value]
        results = [protect(t) if isinstance(t, str) else None for t in texts]
        if not any(r is not None and r.changed for r in results):
            continue
        masked = [r.text if r is not None else t for r, t in zip(results, texts, strict=True)]
        out[key] = masked if isinstance(value, list) else masked[0]
        clear = json.dumps(original, ensure_ascii=False) if isinstance(original, list) else original
        stored = previous.get(f"{key}_bi") if previous is not None and f"{key}_enc" in previous else None
        if stored is not None and stored in get_blind_index().digests(clear, context=TEXT_CONTEXT, normalise=_identity):
            # the same text sent again (under this or an earlier blind index key): what is stored stays
            out[f"{key}_enc"], out[f"{key}_bi"] = previous[f"{key}_enc"], stored  # type: ignore[index]
            continue
        out[f"{key}_enc"] = get_cipher().encrypt(clear, context=TEXT_CONTEXT)
        out[f"{key}_bi"] = get_blind_index().digest(clear, context=TEXT_CONTEXT, normalise=_identity)
    return out


def _identity(value: str) -> str:
    return value


def original_content(content: Mapping[str, Any]) -> dict[str, Any]:
    """Content as staff with the right read it: free text decrypted back to what the department sent."""
    out: dict[str, Any] = {}
    for key, value in content.items():
        if is_companion(key):
            continue
        token = content.get(f"{key}_enc")
        if isinstance(token, str) and key not in PERSONAL_ID_KEYS:
            clear = get_cipher().decrypt(token, context=TEXT_CONTEXT)
            out[key] = json.loads(clear) if isinstance(value, list) else clear
        else:
            out[key] = value
    return out


def protect_fields(fields: dict[str, Any], previous: Any | None = None) -> dict[str, Any]:
    """A version's fields as stored: the title (决定文书名称…) with identifiers, contact numbers and, for a natural
    person or a 个体工商户, the names of the persons the record names masked (:func:`privacy.rules.protect_title`),
    the original SM4-encrypted in ``content["TITLE_enc"]`` and blind-indexed in ``content["TITLE_bi"]`` (so the
    same title re-sent is unchanged, another one a change). ``previous`` (the current version, if any): a title equal
    to its stored masked form means "unchanged" (a correction sending back what it read) and keeps its original.
    ``fields`` holds ``subject_type``, ``subject_uscc``, ``subject_name``, ``title`` and ``content`` (protected by
    :func:`protect_content` already)."""
    content = {k: v for k, v in fields["content"].items() if k not in (f"{TITLE_KEY}_enc", f"{TITLE_KEY}_bi")}
    title = fields["title"]
    before = previous.content if previous is not None else {}
    if previous is not None and title == previous.title and f"{TITLE_KEY}_enc" in before:
        content[f"{TITLE_KEY}_enc"] = before[f"{TITLE_KEY}_enc"]
        content[f"{TITLE_KEY}_bi"] = before[f"{TITLE_KEY}_bi"]
        return {**fields, "content": content}
    subject = subject_for(fields["subject_type"], fields["subject_uscc"], fields["subject_name"], content, BUILTIN)
    result = protect_title(title, subject)
    if result.changed:
        stored = before.get(f"{TITLE_KEY}_bi") if f"{TITLE_KEY}_enc" in before else None
        accepted = get_blind_index().digests(title, context=TITLE_CONTEXT, normalise=_identity)
        if stored is not None and stored in accepted:
            # the same title sent again (under this or an earlier blind index key): its stored original stays
            content[f"{TITLE_KEY}_enc"], content[f"{TITLE_KEY}_bi"] = before[f"{TITLE_KEY}_enc"], stored
        else:
            content[f"{TITLE_KEY}_enc"] = get_cipher().encrypt(title, context=TITLE_CONTEXT)
            content[f"{TITLE_KEY}_bi"] = get_blind_index().digest(title, context=TITLE_CONTEXT, normalise=_identity)
        title = result.text
    return {**fields, "title": title, "content": content}


def original_title(title: str, content: Mapping[str, Any]) -> str:
    """The title as the department sent it (staff with the right)."""
    token = content.get(f"{TITLE_KEY}_enc")
    return get_cipher().decrypt(token, context=TITLE_CONTEXT) if isinstance(token, str) else title


def may_read_original(actor: Actor, source_department: str) -> bool:
    return actor.sees_everything or (actor.is_department and actor.department_code == source_department)


def protect_rejected(values: dict[str, Any]) -> dict[str, Any]:
    """A rejected row's cells as stored: identifiers and contact numbers in any cell (free text, a phone column, an
    ID in the wrong column) replaced by their masked form (:func:`xinyong.privacy.rules.protect`), the clear cell
    SM4-encrypted under ``__enc__`` like the ID columns, so staff with the right still read the row as sent. Cells
    already encrypted are left as they are (run again by ``xinyong privacy rescan``: idempotent)."""
    encrypted: dict[str, str] = dict(values.get("__enc__") or {})
    out: dict[str, Any] = {}
    cipher = None
    for header, value in values.items():
        if header == "__enc__":
            continue
        out[header] = value
        if header in encrypted or not isinstance(value, str):
            continue
        result = protect(value)
        if result.changed:
            cipher = cipher or get_cipher()
            encrypted[header] = cipher.encrypt(value, context=REJECTION_CONTEXT)
            out[header] = result.text
    if encrypted:
        out["__enc__"] = encrypted
    return out
