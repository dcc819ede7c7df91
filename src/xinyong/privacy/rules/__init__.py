"""The desensitiser (脱敏): what of a free text may be shown, as pure functions over rules that are data.

Pure Python: no framework, no database. The records area calls :func:`desensitise` for every text field of a record
the public reads, and :func:`protect` before storing free text (identifiers and contact numbers out of the clear).

**Order of work.** Text is first normalised (:func:`normalise`): full-width letters and digits and other digit forms
become ASCII, dashes become ``-``, odd spaces a plain space, and zero-width and other invisible format characters are
removed, so ``１３８‍１２３４…`` is matched like ``1381234…``. Findings are then collected over the normalised text
with their spans, overlaps are resolved (the earliest, then the longest wins) and the text is rebuilt with each
finding replaced by its masked form.

**What is found** (``Finding.kind``):

- ``id`` resident ID numbers, 18 characters (last may be ``x``/``X``) or 15 digits, also grouped by spaces or
  dashes, recognised by their structure (region, birth date); ``passport`` passports and other certificates (after
  a certificate word, or a Chinese passport's own shape); ``phone`` mobiles (``+86`` and groups allowed) and
  landlines with an area code (without one only right after a phone word); ``bank`` card and account numbers (16-19
  digits, 12-19 after an account word); ``email``;
- for a natural person or a 个体工商户 (``Subject.natural``) also: ``name`` the persons the record names (the
  subject, its 经营者 or legal representative, other parties; forms with spaces and ``姓某`` forms too), ``plate``
  licence plates, ``address`` the part of an address below the 乡镇/街道 level (after 住/住址/家住/户籍…, or a
  street-level address such as ``青年大道88号``, ``新塘村3组``, ``…小区5栋``), ``birth`` dates of birth;
- ``name_guess``: a 2-4 character run starting with a surname right after 当事人/经营者/负责人… or before ``，男，``:
  masked, and marked unsure.

**Confidence.** A finding is *sure* when a pattern or a known name made it; name guesses and addresses found after
an address word (住/住址/家住/户籍…) are unsure: the records area holds such rows for a reviewer (审核队列).

**What stays.** Text inside 《》 (legal citations) and business names (the record's own, names ending in 公司/合作社/
商行/店/厂…, and the office's keep words) is never searched for names or addresses; numbers are masked everywhere.
The masked forms follow :mod:`xinyong.core.masking`; a person's name becomes surname + ``**`` (``胡**``,
``欧阳**``) whatever its length.

**Rules as data.** :class:`RuleSet` holds the word lists and extra patterns; :data:`BUILTIN` is the platform's own
set (version 0), the credit office extends it with rows of ``privacy_rules`` (:mod:`xinyong.privacy.service`).

**Parts.** :mod:`~xinyong.privacy.rules.ruleset` (categories, the rule set and the word lists, the masks),
:mod:`~xinyong.privacy.rules.normal` (the normaliser), :mod:`~xinyong.privacy.rules.numbers` (identifiers, phones,
accounts, e-mail), :mod:`~xinyong.privacy.rules.spans` (protected spans, names, addresses, plates and births) and
:mod:`~xinyong.privacy.rules.entry` (the entry points); this package re-exports what the rest of the platform uses.
"""

from __future__ import annotations

from xinyong.privacy.rules.entry import desensitise, desensitise_value, guessed_names, protect, protect_title
from xinyong.privacy.rules.normal import normalise
from xinyong.privacy.rules.numbers import find_numbers
from xinyong.privacy.rules.ruleset import (
    ADDRESS_MARKERS,
    BUILTIN,
    CATEGORY_LABELS,
    KEEP_WORDS,
    KIND_LABELS,
    MAX_TEXT,
    NAME_MARKERS,
    PERSON_NAME_KEYS,
    SURNAMES,
    Category,
    Finding,
    Result,
    RuleSet,
    Subject,
    mask_name,
)

__all__ = [
    "ADDRESS_MARKERS",
    "BUILTIN",
    "CATEGORY_LABELS",
    "KEEP_WORDS",
    "KIND_LABELS",
    "MAX_TEXT",
    "NAME_MARKERS",
    "PERSON_NAME_KEYS",
    "SURNAMES",
    "Category",
    "Finding",
    "Result",
    "RuleSet",
    "Subject",
    "desensitise",
    "desensitise_value",
    "find_numbers",
    "guessed_names",
    "mask_name",
    "normalise",
    "protect",
    "protect_title",
]
