"""The draw's published bundle: made, written canonically, re-run from its own contents and verified."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xinyong.inspections.rules.draw import (
    ALGORITHM,
    FORMAT,
    MAX_INSPECTOR_ID,
    MIN_INSPECTORS_PER_ENTITY,
    ROUNDING,
    DrawError,
    DrawResult,
    Inspector,
    check_label,
    draw,
    normalise_public_value,
    ratio_text,
)


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
                check_label(iid, "inspector id", "inspectors", MAX_INSPECTOR_ID),
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
