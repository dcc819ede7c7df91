"""The 双随机、一公开 draw (req §3.7) as pure, reproducible functions: anyone holding a published bundle can re-run it.

The algorithm, version ``xinyong-inspection-draw/1``, exactly:

1. **Frozen pool.** The pool is a list of (USCC, stratum) rows; the stratum is the entity's class when the pool was
   frozen (credit grade A/B/C/D, or a key-supervision list such as 重点关注). A USCC appears at most once. The
   canonical serialisation sorts the rows by USCC (code-point order) and writes each as ``USCC TAB stratum LF`` in
   UTF-8; ``pool_hash`` = SM3 of those bytes, as 64 lowercase hex digits. It is published when the pool is frozen,
   before anyone knows the public value.
2. **Seed.** ``seed`` = SM3(UTF-8 of the public value ‖ ASCII of ``pool_hash``), hex. The public value is entered at
   the draw (e.g. that day's lottery number); it is NFC-normalised and stripped of surrounding whitespace first.
   Because ``pool_hash`` has a fixed length, the concatenation is unambiguous.
3. **Tickets.** For each pool row, ``ticket`` = SM3(ASCII of ``seed`` ‖ USCC), hex. Entities drawn in earlier rounds
   of the same task (``excluded``) take no part.
4. **Counts.** In each stratum of size *n* with ratio *r* percent, ``count`` = ⌈n × r / 100⌉ computed exactly
   (rounding rule ``ceil``: the sample never falls below the department's ratio, and a non-empty stratum with a
   positive ratio always gives at least one entity). Every stratum in the pool needs a ratio; 0 draws nobody.
5. **Selection.** In each stratum the ``count`` rows with the lowest (ticket, USCC) win. The drawn entities are listed
   in ascending (ticket, USCC) order.
6. **Inspectors** (the second stream). The department's inspectors stand on a circle in the order of
   (SM3(``seed`` ‖ ``"inspectors:circle:"`` ‖ id), id). Walk the drawn entities in (ticket, USCC) order. For each,
   the eligible inspectors are the pool minus those who declared a conflict with that USCC and minus whoever
   inspected it last time; too few for any entity refuses the whole draw. Slot *k* = 1 … ``inspectors_per_entity``
   (at least 2) starts at ``offset_k`` = SM3(``seed`` ‖ ``"inspectors:slot:"`` ‖ USCC ‖ ``":"`` ‖ *k*) as a
   big-endian number mod the number of inspectors, and takes, among the eligible inspectors not yet chosen for this
   entity, the one with the lowest (assignments so far, (circle position − ``offset_k``) mod n): the least loaded
   first, the first met walking the circle from the offset among equals. Its load grows by one at once. Every slot
   has its own offset, so who works with whom is random too.

The bundle is plain JSON holding all of the above inputs and the result; :func:`verify` re-runs it and names the
first difference. Pure: no database, no web framework.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import itertools
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction
from math import ceil
from typing import Any

from cryptography.hazmat.primitives import hashes

from xinyong.core.crypto import sm3_hex
from xinyong.core.errors import InvalidInput
from xinyong.core.ids import InvalidUscc, validate_uscc
from xinyong.core.transitions import OFFICE, STAFF, SYSTEM, Transition, TransitionTable, Who

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


# ---------------------------------------------------------------- inputs


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


def _check_label(value: object, what: str, field_name: str, limit: int) -> str:
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
            strata.add(_check_label(stratum, "stratum", "pool", MAX_STRATUM))
        rows.append((uscc, stratum))
    if not rows:
        raise DrawError("the pool is empty: nothing to draw from (抽查对象名录库为空)", field="pool")
    rows.sort()
    for before, after in itertools.pairwise(rows):
        if before[0] == after[0]:
            raise DrawError(f"USCC {after[0]} appears twice in the pool (抽查对象重复)", field="pool")
    return rows


def canonical_pool(rows: Sequence[tuple[str, str]]) -> bytes:
    """The canonical bytes of checked, sorted rows (see :func:`check_pool`)."""
    return "".join(f"{uscc}\t{stratum}\n" for uscc, stratum in rows).encode("utf-8")


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
        _check_label(stratum, "stratum", "ratios", MAX_STRATUM)
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


# ---------------------------------------------------------------- the draw


def select(
    rows: Sequence[tuple[str, str]],
    seed: str,
    ratios: Mapping[str, Decimal],
    excluded: Iterable[str] = (),
) -> tuple[tuple[StratumCount, ...], tuple[Pick, ...]]:
    """Steps 3–5: the counts per stratum and the drawn entities (no inspectors yet), from checked rows."""
    left_out = frozenset(excluded)
    by_stratum: dict[str, list[str]] = {}
    for uscc, stratum in rows:
        if uscc not in left_out:
            by_stratum.setdefault(stratum, []).append(uscc)
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
        _check_label(inspector.id, "inspector id", "inspectors", MAX_INSPECTOR_ID)
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


# ---------------------------------------------------------------- bundles


def make_bundle(
    rows: Sequence[tuple[str, str]],
    public_value: str,
    ratios: Mapping[str, Decimal],
    inspectors: Sequence[Inspector],
    result: DrawResult,
    *,
    per_entity: int = MIN_INSPECTORS_PER_ENTITY,
    previous: Mapping[str, Iterable[str]] | None = None,
    excluded: Iterable[str] = (),
    task: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything needed to re-run a draw, and its result, as JSON-ready data. ``task`` is descriptive only."""
    drawn = {p.uscc for p in result.picks}
    return {
        "format": FORMAT,
        "algorithm": ALGORITHM,
        "task": dict(task or {}),
        "pool": [[uscc, stratum] for uscc, stratum in rows],
        "pool_hash": result.pool_hash,
        "public_value": normalise_public_value(public_value),
        "seed": result.seed,
        "rules": {
            "ratios": {stratum: ratio_text(ratio) for stratum, ratio in sorted(ratios.items())},
            "rounding": ROUNDING,
            "inspectors_per_entity": per_entity,
        },
        "excluded": sorted(set(excluded)),
        "inspectors": [{"id": i.id, "name": i.name} for i in inspectors],
        "conflicts": {i.id: sorted(i.conflicts) for i in inspectors if i.conflicts},
        "previous_inspectors": {
            uscc: sorted(ids) for uscc, ids in sorted((previous or {}).items()) if uscc in drawn and ids
        },
        "result": result_json(result),
    }


def result_json(result: DrawResult) -> dict[str, Any]:
    return {
        "strata": [{"stratum": s.stratum, "size": s.size, "ratio": s.ratio, "count": s.count} for s in result.strata],
        "selected": [
            {"uscc": p.uscc, "stratum": p.stratum, "ticket": p.ticket, "inspectors": list(p.inspectors)}
            for p in result.picks
        ],
    }


def bundle_text(bundle: Mapping[str, Any]) -> str:
    return json.dumps(bundle, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Verification:
    match: bool
    difference: str | None = None
    result: DrawResult | None = None

    @property
    def verdict(self) -> str:
        return "一致 match" if self.match else "不一致 mismatch"


def _require(bundle: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = bundle.get(key)
    if not isinstance(value, kind):
        raise DrawError(f"the bundle has no valid {key!r} (抽取包缺少 {key})", field=key)
    return value


def _inspectors_of(bundle: Mapping[str, Any]) -> list[Inspector]:
    listed = _require(bundle, "inspectors", list)
    conflicts = bundle.get("conflicts") or {}
    if not isinstance(conflicts, dict):
        raise DrawError("the bundle's conflicts must map inspector ids to USCCs", field="conflicts")
    out = []
    for item in listed:
        if not isinstance(item, dict):
            raise DrawError("each inspector is an object with id and name", field="inspectors")
        iid = item.get("id")
        declared = conflicts.get(iid, []) if isinstance(iid, str) else []
        if not isinstance(declared, list) or not all(isinstance(u, str) for u in declared):
            raise DrawError(f"conflicts of {iid!r} must be a list of USCCs", field="conflicts")
        out.append(
            Inspector(
                _check_label(iid, "inspector id", "inspectors", MAX_INSPECTOR_ID),
                str(item.get("name", "")),
                frozenset(declared),
            )
        )
    return out


def rerun(bundle: Mapping[str, Any]) -> DrawResult:
    """Run the draw again from the bundle's inputs only (its stated hash, seed and result are ignored)."""
    if not isinstance(bundle, Mapping):
        raise DrawError("a bundle is a JSON object (抽取包格式有误)", field="bundle")
    if bundle.get("format") != FORMAT:
        raise DrawError(f"unknown bundle format {str(bundle.get('format'))[:40]!r}; expected {FORMAT}", field="format")
    rules = _require(bundle, "rules", dict)
    if rules.get("rounding", ROUNDING) != ROUNDING:
        raise DrawError(f"unknown rounding rule {str(rules.get('rounding'))[:20]!r}", field="rules.rounding")
    previous = bundle.get("previous_inspectors") or {}
    excluded = bundle.get("excluded") or []
    if not isinstance(previous, dict) or not all(isinstance(v, list) for v in previous.values()):
        raise DrawError("previous_inspectors must map USCCs to inspector ids", field="previous_inspectors")
    if not isinstance(excluded, list):
        raise DrawError("excluded must be a list of USCCs", field="excluded")
    return draw(
        _require(bundle, "pool", list),
        _require(bundle, "public_value", str),
        _require(rules, "ratios", dict),
        _inspectors_of(bundle),
        per_entity=rules.get("inspectors_per_entity", MIN_INSPECTORS_PER_ENTITY),
        previous=previous,
        excluded=excluded,
        strict=True,
    )


def _first_difference(stated: Any, computed: Any, path: str) -> str | None:
    if isinstance(stated, dict) and isinstance(computed, dict):
        for key in sorted(set(stated) | set(computed)):
            if key not in stated:
                return f"{path}.{key}: missing from the bundle"
            if key not in computed:
                return f"{path}.{key}: not produced by the re-run"
            found = _first_difference(stated[key], computed[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(stated, list) and isinstance(computed, list):
        for index, (a, b) in enumerate(zip(stated, computed, strict=False)):
            found = _first_difference(a, b, f"{path}[{index}]")
            if found:
                return found
        if len(stated) != len(computed):
            return f"{path}: the bundle lists {len(stated)}, the re-run gives {len(computed)}"
        return None
    if stated != computed:
        return f"{path}: the bundle says {str(stated)[:80]!r}, the re-run gives {str(computed)[:80]!r}"
    return None


def verify(bundle: Any) -> Verification:
    """Re-run a published draw and compare: the pool hash, the seed, then the result, naming the first difference.
    A bundle the draw refuses (malformed, tampered into invalid input) is a mismatch that says why."""
    try:
        computed = rerun(bundle)
    except DrawError as refused:
        return Verification(False, f"the bundle cannot be re-run: {refused.message}")
    for key, value in (("pool_hash", computed.pool_hash), ("seed", computed.seed)):
        found = _first_difference(bundle.get(key), value, key)
        if found:
            return Verification(False, found, computed)
    found = _first_difference(bundle.get("result"), result_json(computed), "result")
    if found:
        return Verification(False, found, computed)
    return Verification(True, None, computed)


# ---------------------------------------------------------------- graded supervision (分级分类监管, req §3.6)

GRADES = ("A", "B", "C", "D")
WATCH = "重点关注"  # on a 重点关注对象名单 (or the serious list) in force: key supervision, overrides the grade
UNGRADED = "未评价"  # no public credit grade yet
CLASSES = (*GRADES, WATCH, UNGRADED)
CLASS_LABELS = {
    "A": "A 优（信用好）",
    "B": "B 良",
    "C": "C 中（一般）",
    "D": "D 差（失信）",
    WATCH: "重点关注对象",
    UNGRADED: "未评价",
}
MAX_FREQUENCY = 52  # inspections a year; more is a typing error
# The default a department starts from: good credit less, routine normal, dishonest and key supervision more.
DEFAULT_CLASSES: dict[str, dict[str, Any]] = {
    "A": {"ratio": "3", "frequency": 1},
    "B": {"ratio": "5", "frequency": 1},
    "C": {"ratio": "10", "frequency": 2},
    "D": {"ratio": "30", "frequency": 4},
    WATCH: {"ratio": "50", "frequency": 4},
    UNGRADED: {"ratio": "10", "frequency": 2},
}


def check_classes(classes: object) -> dict[str, dict[str, Any]]:
    """A mapping for every class: ratio (percent, 0–100, two decimals) and frequency (whole inspections a year)."""
    if not isinstance(classes, Mapping):
        raise DrawError("the mapping lists each class with a ratio and a frequency (请设置各类别)", field="classes")
    unknown = sorted(set(classes) - set(CLASSES))
    if unknown:
        raise DrawError(f"unknown class {str(unknown[0])[:32]!r}; classes are {' '.join(CLASSES)}", field="classes")
    missing = [c for c in CLASSES if c not in classes]
    if missing:
        raise DrawError(f"the mapping has no entry for class {missing[0]} (缺少类别 {missing[0]})", field="classes")
    out: dict[str, dict[str, Any]] = {}
    for name in CLASSES:
        entry = classes[name]
        if not isinstance(entry, Mapping):
            raise DrawError(f"classes.{name} needs ratio and frequency", field=f"classes.{name}")
        ratio = parse_ratio(entry.get("ratio"), f"classes.{name}.ratio")
        frequency = entry.get("frequency")
        if isinstance(frequency, bool) or not isinstance(frequency, int) or not 0 <= frequency <= MAX_FREQUENCY:
            raise DrawError(
                f"classes.{name}.frequency must be a whole number of inspections a year, 0–{MAX_FREQUENCY} "
                "(抽查频次须为每年 0–52 次)",
                field=f"classes.{name}.frequency",
            )
        out[name] = {"ratio": ratio_text(ratio), "frequency": frequency}
    return out


def class_of(grade: str | None, key_supervision: bool) -> str:
    """An entity's supervision class: a key-supervision list wins over the grade; no grade is 未评价."""
    if key_supervision:
        return WATCH
    return grade if grade in GRADES else UNGRADED


# ---------------------------------------------------------------- results (检查结果)


class Result(StrEnum):
    NO_PROBLEM = "未发现问题"
    PASSED = "合格"
    FAILED = "不合格"
    ORDERED = "发现问题已责令整改"
    NOT_FOUND = "未找到该市场主体"  # 通过登记的住所（经营场所）无法联系
    NOT_PUBLISHED = "未按规定公示应当公示的信息"
    FALSE_INFO = "公示信息隐瞒真实情况、弄虚作假"
    REFUSED = "不配合检查，情节严重"
    CLOSED = "已注销或被吊销"


RESULT_SEVERITY: dict[Result, str | None] = {
    Result.NO_PROBLEM: None,
    Result.PASSED: None,
    Result.FAILED: "一般",
    Result.ORDERED: "轻微",
    Result.NOT_FOUND: "一般",
    Result.NOT_PUBLISHED: "轻微",
    Result.FALSE_INFO: "一般",
    Result.REFUSED: "一般",
    Result.CLOSED: None,
}
PUBLISH_WORKING_DAYS = 20  # 抽查检查结果 20 个工作日内公示 (the default of XINYONG_INSPECTION_PUBLISH_DAYS)


class ResultStatus(StrEnum):
    """A drawn entity's result: none yet (the empty status) until recorded, then 已公示 (published the same day)."""

    PUBLISHED = "已公示"


class ResultStep(StrEnum):
    RECORD = "record"  # 录入检查结果并公示 (a second result corrects the first)
    OVERDUE = "overdue"  # 逾期未公示 (the sweep; the status stays)


RESULT_TABLE: TransitionTable[ResultStep, ResultStatus] = TransitionTable(
    name="inspections:result",
    subject_type="inspection_assignment",
    statuses=ResultStatus,
    transitions={
        ResultStep.RECORD: Transition(
            frozenset({None, ResultStatus.PUBLISHED}),
            ResultStatus.PUBLISHED,
            Who(OFFICE, STAFF, refusal="only the department's staff or the credit office may do this (无权操作)"),
            event="recorded",
        ),
        ResultStep.OVERDUE: Transition(
            frozenset({None}),
            None,
            Who(SYSTEM, refusal="only the platform's sweep flags overdue results (逾期由系统认定)"),
            event="overdue",
        ),
    },
    conflict="a result that is {status} cannot take the step {step} (当前状态不可办理)",
    labels={ResultStep.RECORD: "录入检查结果并公示", ResultStep.OVERDUE: "逾期未公示"},
)
