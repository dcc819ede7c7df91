"""The desensitiser's normaliser: full-width letters and digits and other digit forms become ASCII, dashes ``-``, odd
spaces a plain space; zero-width and other invisible format characters are removed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_INVISIBLE = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f\u3164\ufeff\uffa0"
)

_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u2043\u30fc")

_SPACES = frozenset("\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000")

_FULLWIDTH_KEEP = frozenset("（），：；！？“”‘’")  # Chinese punctuation stays as written


def normalise(text: str) -> str:
    """Full-width letters/digits → ASCII, other digit forms (①, ٣, 𝟑…) → ASCII digits, dashes → ``-``, odd spaces →
    a space, zero-width and other invisible format characters removed. Chinese punctuation is kept."""
    return normalise_mapped(text)[0]


def _normal_char(ch: str) -> str:
    """What one character becomes (``""``: removed)."""
    code = ord(ch)
    if code < 0x80:
        return ch
    if ch in _INVISIBLE:
        return ""
    if ch in _DASHES:
        return "-"
    if ch in _SPACES:
        return " "
    if 0xFF01 <= code <= 0xFF5E and ch not in _FULLWIDTH_KEEP:
        return chr(code - 0xFEE0)
    category = unicodedata.category(ch)
    if category == "Cf":
        return ""
    if category == "Nd" or category == "No":
        digit = unicodedata.digit(ch, None)
        if digit is not None:
            return str(digit)
    return ch


#: Characters :func:`_normal_char` keeps as they are, the bulk of any Chinese record text (ASCII, the CJK unified
#: ideographs, common Chinese punctuation): a text made only of them is its own normal form (a regex test instead of
#: a Python step per character; ``tests/unit/test_privacy_normalise.py`` checks every one of them is kept).
UNCHANGED_CHARS = (
    "\x00-\x7f\u4e00-\u9fff\u3001\u3002\u300a-\u300f\u2018\u2019\u201c\u201d\uff01\uff08\uff09\uff0c\uff1a\uff1b\uff1f"
)
_UNCHANGED = re.compile(f"[{UNCHANGED_CHARS}]*")


def normalise_mapped(text: str) -> tuple[str, Sequence[int]]:
    """The normalised text and, for each of its characters, the index of the character it came from (each
    character becomes at most one), so findings in the normalised text are applied to the text as written."""
    if _UNCHANGED.fullmatch(text):
        return text, range(len(text))
    out: list[str] = []
    where: list[int] = []
    for index, ch in enumerate(text):
        normal = ch if ord(ch) < 0x80 else _normal_char(ch)
        if normal:
            out.append(normal)
            where.append(index)
    return "".join(out), where
