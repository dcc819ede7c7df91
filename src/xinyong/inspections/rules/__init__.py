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

**Parts.** :mod:`~xinyong.inspections.rules.draw` (inputs, tickets, the draw and the inspectors' circle),
:mod:`~xinyong.inspections.rules.bundles` (the published bundle, re-run and verified),
:mod:`~xinyong.inspections.rules.grading` (graded supervision's classes) and :mod:`~xinyong.inspections.rules.results`
(results and their procedure); this package re-exports them.
"""

from __future__ import annotations

from xinyong.inspections.rules.bundles import Verification, bundle_text, make_bundle, rerun, result_json, verify
from xinyong.inspections.rules.draw import (
    ALGORITHM,
    FORMAT,
    INSPECTOR_STREAM,
    MAX_INSPECTOR_ID,
    MAX_INSPECTORS_PER_ENTITY,
    MAX_PUBLIC_VALUE,
    MAX_STRATUM,
    MIN_INSPECTORS_PER_ENTITY,
    RATIO_PLACES,
    ROUNDING,
    USCC_FORM,
    DrawError,
    DrawResult,
    Inspector,
    Pick,
    StratumCount,
    assign,
    canonical_pool,
    check_inspectors,
    check_pool,
    check_uscc,
    circle,
    derive_seed,
    draw,
    normalise_public_value,
    parse_ratio,
    parse_ratios,
    pool_hash,
    ratio_text,
    sample_count,
    select,
    slot_offset,
    ticket,
)
from xinyong.inspections.rules.grading import (
    CLASS_LABELS,
    CLASSES,
    DEFAULT_CLASSES,
    GRADES,
    MAX_FREQUENCY,
    UNGRADED,
    WATCH,
    check_classes,
    class_of,
)
from xinyong.inspections.rules.results import (
    PUBLISH_WORKING_DAYS,
    RESULT_SEVERITY,
    RESULT_TABLE,
    Result,
    ResultStatus,
    ResultStep,
)

__all__ = [
    "ALGORITHM",
    "CLASSES",
    "CLASS_LABELS",
    "DEFAULT_CLASSES",
    "FORMAT",
    "GRADES",
    "INSPECTOR_STREAM",
    "MAX_FREQUENCY",
    "MAX_INSPECTORS_PER_ENTITY",
    "MAX_INSPECTOR_ID",
    "MAX_PUBLIC_VALUE",
    "MAX_STRATUM",
    "MIN_INSPECTORS_PER_ENTITY",
    "PUBLISH_WORKING_DAYS",
    "RATIO_PLACES",
    "RESULT_SEVERITY",
    "RESULT_TABLE",
    "ROUNDING",
    "UNGRADED",
    "USCC_FORM",
    "WATCH",
    "DrawError",
    "DrawResult",
    "Inspector",
    "Pick",
    "Result",
    "ResultStatus",
    "ResultStep",
    "StratumCount",
    "Verification",
    "assign",
    "bundle_text",
    "canonical_pool",
    "check_classes",
    "check_inspectors",
    "check_pool",
    "check_uscc",
    "circle",
    "class_of",
    "derive_seed",
    "draw",
    "make_bundle",
    "normalise_public_value",
    "parse_ratio",
    "parse_ratios",
    "pool_hash",
    "ratio_text",
    "rerun",
    "result_json",
    "sample_count",
    "select",
    "slot_offset",
    "ticket",
    "verify",
]
