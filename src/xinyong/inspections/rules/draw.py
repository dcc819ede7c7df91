"""The 双随机、一公开 draw's inputs, tickets, selection and the inspectors' circle (steps 1-6 of the algorithm in
:mod:`xinyong.inspections.rules`).
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from math import ceil
from operator import itemgetter
from typing import Any

from cryptography.hazmat.primitives import hashes

from xinyong.core.crypto import sm3_hex
from xinyong.core.errors import InvalidInput
from xinyong.core.ids import InvalidUscc, validate_uscc

FORMAT = "xinyong-inspection-draw/1"

ROUNDING = "ceil"

INSPECTOR_STREAM = "inspectors"  # prefix of the second stream (see step 6)

MIN_INSPECTORS_PER_ENTITY = 2

MAX_INSPECTORS_PER_ENTITY = 10

MAX_PUBLIC_VALUE = 200

MAX_STRATUM = 32

MAX_INSPECTOR_ID = 64

RATIO_PLACES = 2  # ratios are percentages with at most two decimals (e.g. 12.5 or 0.25)

USCC_FORM = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")

_HEX64 = re.compile(r"[0-9a-f]{64}")

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")

ALGORITHM = (
    "pool_hash = SM3(rows sorted by USCC as 'USCC\\tstratum\\n', UTF-8); seed = SM3(public_value ‖ pool_hash); "
    "ticket = SM3(seed ‖ USCC); per stratum count = ceil(size × ratio / 100), lowest (ticket, USCC) win; "
    "inspectors: circle order = (SM3(seed ‖ 'inspectors:circle:' ‖ id), id); per drawn entity in (ticket, USCC) "
    "order, eligible = pool − declared conflicts − last inspectors; slot k takes the eligible unchosen inspector with "
    "the lowest (load, (position − SM3(seed ‖ 'inspectors:slot:' ‖ USCC ‖ ':' ‖ k) mod n) mod n)"
)


class DrawError(InvalidInput):
    """The draw cannot run on this input; the message says which rule failed (422)."""


@dataclass(frozen=True)
class Inspector:
    """One 执法检查人员 as the draw sees it: a stable id (the badge number), a name, and declared conflicts."""

    id: str
    name: str = ""
    conflicts: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class StratumCount:
    stratum: str
    size: int
    ratio: str
    count: int


@dataclass(frozen=True)
class Pick:
    uscc: str
    stratum: str
    ticket: str
    inspectors: tuple[str, ...] = ()


@dataclass(frozen=True)
class DrawResult:
    pool_hash: str
    seed: str
    strata: tuple[StratumCount, ...]
    picks: tuple[Pick, ...]


def check_label(value: object, what: str, field_name: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DrawError(f"{what} must be non-empty text ({what}不能为空)", field=field_name)
    if len(value) > limit or value != value.strip() or _CONTROL.search(value):
        raise DrawError(
            f"{what} {value[:40]!r} must be at most {limit} characters without control characters or surrounding "
            "spaces (格式有误)",
            field=field_name,
        )
    return value


def check_uscc(value: object, *, strict: bool, where: str = "pool") -> str:
    """A USCC in canonical form (18 upper-case characters of the GB 32100 alphabet); ``strict`` also checks every
    rule of GB 32100 (authority/type, region, both check characters)."""
    if not isinstance(value, str) or not USCC_FORM.fullmatch(value):
        shown = value[:40] if isinstance(value, str) else type(value).__name__
        raise DrawError(
            f"{where}: {shown!r} is not a USCC in canonical form (18 characters of 0-9 and A-H J-N P Q R T U W X Y) "
            "(统一社会信用代码格式有误)",
            field=where,
        )
    if strict:
        try:
            validate_uscc(value, field=where)
        except InvalidUscc as bad:
            raise DrawError(f"{where}: {bad.message}", field=where) from None
    return value


def check_pool(pool: Iterable[Sequence[str]], *, strict: bool = True) -> list[tuple[str, str]]:
    """The pool's rows sorted by USCC, after checking each: a canonical USCC (``strict``: fully valid), a stratum
    label, no USCC twice, at least one row."""
    rows: list[tuple[str, str]] = []
    strata: set[str] = set()
    canonical = USCC_FORM.fullmatch
    for row in pool:
        if not isinstance(row, (tuple, list)) or len(row) != 2:
            raise DrawError("each pool row is [USCC, stratum] (抽查对象格式有误)", field="pool")
        uscc, stratum = row
        if strict or not isinstance(uscc, str) or not canonical(uscc):
            check_uscc(uscc, strict=strict)
        if not isinstance(stratum, str) or stratum not in strata:
            strata.add(check_label(stratum, "stratum", "pool", MAX_STRATUM))
        rows.append((uscc, stratum))
    if not rows:
        raise DrawError("the pool is empty: nothing to draw from (抽查对象名录库为空)", field="pool")
    rows.sort()
    for before, after in itertools.pairwise(rows):
        if before[0] == after[0]:
            raise DrawError(f"USCC {after[0]} appears twice in the pool (抽查对象重复)", field="pool")
    return rows


def canonical_pool(rows: Sequence[tuple[str, str]]) -> bytes:
    """The canonical bytes of checked, sorted rows (see :func:`check_pool`): ``USCC\tstratum\n`` per row."""
    if not rows:
        return b""
    return ("\n".join(map("\t".join, rows)) + "\n").encode("utf-8")


def pool_hash(rows: Sequence[tuple[str, str]]) -> str:
    return sm3_hex(canonical_pool(rows))


def normalise_public_value(value: object) -> str:
    if not isinstance(value, str):
        raise DrawError("the public value is missing (请输入公开随机数，如当期彩票开奖号码)", field="public_value")
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        raise DrawError("the public value is empty (请输入公开随机数，如当期彩票开奖号码)", field="public_value")
    if len(text) > MAX_PUBLIC_VALUE or _CONTROL.search(text):
        raise DrawError(
            f"the public value must be at most {MAX_PUBLIC_VALUE} characters without control characters "
            "(公开随机数格式有误)",
            field="public_value",
        )
    return text


def derive_seed(public_value: str, hash_hex: str) -> str:
    text = normalise_public_value(public_value)
    if not isinstance(hash_hex, str) or not _HEX64.fullmatch(hash_hex):
        raise DrawError("the pool hash must be 64 lowercase hex digits (对象库摘要格式有误)", field="pool_hash")
    return sm3_hex((text + hash_hex).encode("utf-8"))


def parse_ratio(value: object, where: str = "ratio") -> Decimal:
    """A ratio in percent: 0 to 100 with at most two decimals, as text or a number."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise DrawError(f"{where}: a ratio is a percentage such as 5 or 12.5 (抽查比例格式有误)", field=where)
    try:
        ratio = Decimal(str(value).strip())
    except InvalidOperation:
        raise DrawError(f"{where}: {str(value)[:20]!r} is not a number (抽查比例格式有误)", field=where) from None
    if not ratio.is_finite():
        raise DrawError(f"{where}: a ratio must be a finite number (抽查比例格式有误)", field=where)
    if ratio < 0 or ratio > 100:
        raise DrawError(f"{where}: a ratio of {ratio}% is outside 0–100% (抽查比例须在 0% 至 100% 之间)", field=where)
    if ratio != ratio.quantize(Decimal(1).scaleb(-RATIO_PLACES)):
        raise DrawError(f"{where}: at most {RATIO_PLACES} decimals (抽查比例最多两位小数)", field=where)
    return ratio


def ratio_text(ratio: Decimal) -> str:
    """The canonical text of a ratio: ``5``, ``12.5``, ``0.25`` (no exponent, no trailing zeros)."""
    text = format(ratio.normalize(), "f")
    return text if text != "-0" else "0"


def parse_ratios(ratios: Mapping[str, object]) -> dict[str, Decimal]:
    if not isinstance(ratios, Mapping) or not ratios:
        raise DrawError("the rules need a ratio for each stratum (请设置各类别抽查比例)", field="ratios")
    out: dict[str, Decimal] = {}
    for stratum, value in ratios.items():
        check_label(stratum, "stratum", "ratios", MAX_STRATUM)
        out[stratum] = parse_ratio(value, f"ratios.{stratum}")
    return out


def sample_count(size: int, ratio: Decimal) -> int:
    """⌈size × ratio / 100⌉, exactly (rounding rule ``ceil``)."""
    return ceil(Fraction(size) * Fraction(ratio) / 100)


def ticket(seed: str, uscc: str) -> str:
    return sm3_hex((seed + uscc).encode("ascii"))


def _stream(prefix: str) -> Callable[[bytes], bytes]:
    """SM3(prefix ‖ data) for many ``data``: the state after the prefix is computed once and copied. Uses the
    OpenSSL SM3 behind :mod:`hashlib` when it offers one (faster to copy), else the one :func:`sm3_hex` uses; both
    are the same GB/T 32905 function (the formula tests compare them with :func:`sm3_hex`)."""
    try:
        fast = hashlib.new("sm3")
    except ValueError:
        fast = None
    if fast is not None:
        fast.update(prefix.encode("utf-8"))
        copy_fast = fast.copy

        def digest_fast(data: bytes) -> bytes:
            state = copy_fast()
            state.update(data)
            return state.digest()

        return digest_fast
    base = hashes.Hash(hashes.SM3())
    base.update(prefix.encode("utf-8"))

    def digest(data: bytes) -> bytes:
        state = base.copy()
        state.update(data)
        return state.finalize()

    return digest


def _sm3_state(prefix: bytes) -> Any:
    """A hash state that has absorbed ``prefix``, to be copied (see :func:`_stream`)."""
    state: Any
    try:
        state = hashlib.new("sm3")
    except ValueError:
        state = hashes.Hash(hashes.SM3())
    state.update(prefix)
    return state


def _lowest(count: int, seed: str, members: Sequence[str]) -> list[tuple[bytes, str]]:
    """The ``count`` members with the lowest (ticket, USCC), tickets as raw digests (hex order = byte order).

    Each key is the 32-byte digest followed by the USCC, so plain byte order is (ticket, USCC) order and the winner's
    USCC is the key's tail: no tuples, no lookup table over the whole stratum."""
    base = _sm3_state(seed.encode("ascii"))
    fresh = base.copy
    finish = "digest" if hasattr(base, "digest") else "finalize"
    keys: list[bytes] = []
    append = keys.append
    for uscc in members:
        data = uscc.encode("ascii")
        state = fresh()
        state.update(data)
        append(getattr(state, finish)() + data)
    lowest = heapq.nsmallest(count, keys) if count * 8 < len(keys) else sorted(keys)[:count]
    return [(key[:32], key[32:].decode("ascii")) for key in lowest]


def select(
    rows: Sequence[tuple[str, str]],
    seed: str,
    ratios: Mapping[str, Decimal],
    excluded: Iterable[str] = (),
) -> tuple[tuple[StratumCount, ...], tuple[Pick, ...]]:
    """Steps 3–5: the counts per stratum and the drawn entities (no inspectors yet), from checked rows."""
    left_out = frozenset(excluded)
    by_stratum: dict[str, list[str]] = {stratum: [] for stratum in set(map(itemgetter(1), rows))}
    appends = {stratum: members.append for stratum, members in by_stratum.items()}
    if left_out:
        for uscc, stratum in rows:
            if uscc not in left_out:
                appends[stratum](uscc)
    else:
        for uscc, stratum in rows:
            appends[stratum](uscc)
    by_stratum = {stratum: members for stratum, members in by_stratum.items() if members}
    missing = sorted(set(by_stratum) - set(ratios))
    if missing:
        raise DrawError(f"no ratio for the stratum {missing[0]!r} of the pool (未设置该类别的抽查比例)", field="ratios")
    if not by_stratum:
        raise DrawError("every entity of the pool was drawn in an earlier round (对象库已全部抽取)", field="pool")
    strata: list[StratumCount] = []
    picks: list[Pick] = []
    for stratum in sorted(by_stratum):
        members = by_stratum[stratum]
        ratio = ratios[stratum]
        count = sample_count(len(members), ratio)
        strata.append(StratumCount(stratum, len(members), ratio_text(ratio), count))
        if count:
            for won_ticket, uscc in _lowest(count, seed, members):
                picks.append(Pick(uscc, stratum, won_ticket.hex()))
    picks.sort(key=lambda p: (p.ticket, p.uscc))
    return tuple(strata), tuple(picks)


def check_inspectors(inspectors: Sequence[Inspector], per_entity: int) -> None:
    if isinstance(per_entity, bool) or not isinstance(per_entity, int):
        raise DrawError(
            "inspectors_per_entity must be a whole number (检查人员数格式有误)", field="inspectors_per_entity"
        )
    if not MIN_INSPECTORS_PER_ENTITY <= per_entity <= MAX_INSPECTORS_PER_ENTITY:
        raise DrawError(
            f"each entity needs {MIN_INSPECTORS_PER_ENTITY}–{MAX_INSPECTORS_PER_ENTITY} inspectors, not {per_entity} "
            "(每个检查对象至少匹配 2 名执法检查人员)",
            field="inspectors_per_entity",
        )
    seen: set[str] = set()
    for inspector in inspectors:
        check_label(inspector.id, "inspector id", "inspectors", MAX_INSPECTOR_ID)
        if inspector.id in seen:
            raise DrawError(f"inspector {inspector.id} is listed twice (检查人员重复)", field="inspectors")
        seen.add(inspector.id)
    if len(inspectors) < per_entity:
        raise DrawError(
            f"{len(inspectors)} inspectors in the pool, {per_entity} needed per entity (执法检查人员不足)",
            field="inspectors",
        )


def circle(seed: str, inspectors: Sequence[Inspector]) -> list[str]:
    """The inspector ids in the order of (SM3(seed ‖ "inspectors:circle:" ‖ id), id): the circle slots walk on."""
    stream = _stream(seed + INSPECTOR_STREAM + ":circle:")
    return [iid for _, iid in sorted((stream(i.id.encode("utf-8")), i.id) for i in inspectors)]


def slot_offset(seed: str, uscc: str, slot: int, size: int) -> int:
    """Where slot ``slot`` (1, 2, …) of an entity starts on the circle: SM3(seed ‖ "inspectors:slot:" ‖ USCC ‖ ":" ‖
    slot) read as a big-endian number, modulo the number of inspectors."""
    digest = sm3_hex(f"{seed}{INSPECTOR_STREAM}:slot:{uscc}:{slot}".encode("ascii"))
    return int(digest, 16) % size


def assign(
    picks: Sequence[Pick],
    seed: str,
    inspectors: Sequence[Inspector],
    previous: Mapping[str, Iterable[str]] | None = None,
    per_entity: int = MIN_INSPECTORS_PER_ENTITY,
) -> tuple[Pick, ...]:
    """Step 6: inspectors for each drawn entity on the second stream, balancing workload.

    Slot k of an entity takes, among the eligible inspectors not yet chosen for it, the one with the lowest
    (load, (position − offset_k) mod n), position being its place on :func:`circle`. Loads live in per-level sorted
    lists, so a slot costs a bisection and a short walk instead of a key per inspector."""
    check_inspectors(inspectors, per_entity)
    ring = circle(seed, inspectors)
    size = len(ring)
    position = {iid: r for r, iid in enumerate(ring)}
    conflicted: dict[str, set[int]] = {}
    for inspector in inspectors:
        for uscc in inspector.conflicts:
            conflicted.setdefault(uscc, set()).add(position[inspector.id])
    last = {uscc: {position[i] for i in ids if i in position} for uscc, ids in (previous or {}).items()}
    levels: list[list[int]] = [list(range(size))]  # levels[n]: positions with load n, ascending
    load = [0] * size
    low = 0  # loads only grow: no level below this one holds anyone
    slots = _stream(seed + INSPECTOR_STREAM + ":slot:")
    out: list[Pick] = []
    for pick in picks:
        barred = conflicted.get(pick.uscc, set()) | last.get(pick.uscc, set())
        if size - len(barred) < per_entity:
            raise DrawError(
                f"only {size - len(barred)} inspectors are eligible for {pick.uscc} after conflicts and last time's "
                f"inspectors; {per_entity} needed (可匹配的执法检查人员不足)",
                field="inspectors",
            )
        chosen: list[int] = []
        for slot in range(1, per_entity + 1):
            offset = int.from_bytes(slots(f"{pick.uscc}:{slot}".encode("ascii")), "big") % size
            found = _first_on_circle(levels, low, offset, barred)
            chosen.append(found)
            barred.add(found)
            level = load[found]
            members = levels[level]
            del members[bisect.bisect_left(members, found)]
            load[found] = level + 1
            if len(levels) == level + 1:
                levels.append([])
            bisect.insort(levels[level + 1], found)
            while not levels[low]:
                low += 1
        out.append(Pick(pick.uscc, pick.stratum, pick.ticket, tuple(ring[r] for r in chosen)))
    return tuple(out)


def _first_on_circle(levels: list[list[int]], low: int, offset: int, barred: set[int]) -> int:
    for members in levels[low:]:
        count = len(members)
        start = bisect.bisect_left(members, offset)
        for step in range(count):
            candidate = members[(start + step) % count]
            if candidate not in barred:
                return candidate
    raise AssertionError("an eligible inspector was counted but not found")  # pragma: no cover


def draw(
    pool: Iterable[Sequence[str]],
    public_value: str,
    ratios: Mapping[str, object],
    inspectors: Sequence[Inspector],
    *,
    per_entity: int = MIN_INSPECTORS_PER_ENTITY,
    previous: Mapping[str, Iterable[str]] | None = None,
    excluded: Iterable[str] = (),
    strict: bool = True,
) -> DrawResult:
    """The whole draw from its inputs. ``strict`` checks every USCC against all of GB 32100 (for input from outside;
    a pool frozen from the entity master is already valid and only its form is checked)."""
    parsed = parse_ratios(ratios)
    check_inspectors(inspectors, per_entity)
    rows = check_pool(pool, strict=strict)
    digest = pool_hash(rows)
    seed = derive_seed(public_value, digest)
    strata, picks = select(rows, seed, parsed, excluded)
    return DrawResult(digest, seed, strata, assign(picks, seed, inspectors, previous, per_entity))
