"""The 双随机、一公开 draw engine: reproducible, stratified by the ratios, inspectors ≥ 2 without conflicts, and a
bundle that verifies — and stops verifying when anything in it is changed."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from xinyong.core.crypto import sm3_hex
from xinyong.core.ids import make_uscc
from xinyong.inspections import rules
from xinyong.inspections.rules import DrawError, Inspector

STRATA = ("A", "B", "C", "D", "重点关注")


def uscc(n: int) -> str:
    return make_uscc("9", "1", "360482", f"{10000000 + n * 7:08d}")


USCCS = [uscc(n) for n in range(400)]


def pool_of(n: int, strata: tuple[str, ...] = STRATA) -> list[tuple[str, str]]:
    return [(USCCS[i], strata[i % len(strata)]) for i in range(n)]


RATIOS = {"A": "5", "B": "10", "C": "12.5", "D": "50", "重点关注": "100"}
INSPECTORS = [Inspector(f"JC{n:03d}", f"检查员{n}") for n in range(8)]


def bundle_for(pool: list[tuple[str, str]], public_value: str = "2024-123 03 11 19 25 31 + 07", **kw: object) -> dict:
    result = rules.draw(pool, public_value, RATIOS, INSPECTORS, **kw)  # type: ignore[arg-type]
    rows = rules.check_pool(pool)
    return rules.make_bundle(rows, public_value, rules.parse_ratios(RATIOS), INSPECTORS, result)


# ---------------------------------------------------------------- the documented algorithm


def test_pool_hash_is_sm3_of_the_sorted_canonical_rows() -> None:
    pool = [(USCCS[2], "B"), (USCCS[1], "A")]
    rows = rules.check_pool(pool)
    expected = "".join(f"{u}\t{s}\n" for u, s in sorted(pool)).encode()
    assert rules.pool_hash(rows) == sm3_hex(expected)
    assert rules.pool_hash(rules.check_pool(list(reversed(pool)))) == rules.pool_hash(rows)


def test_seed_and_tickets_follow_the_published_formulas() -> None:
    pool = pool_of(30)
    result = rules.draw(pool, " 12345 ", RATIOS, INSPECTORS)
    assert result.seed == sm3_hex(("12345" + result.pool_hash).encode())
    for pick in result.picks:
        assert pick.ticket == sm3_hex((result.seed + pick.uscc).encode())
    # in each stratum the winners are exactly the lowest tickets
    for stratum in STRATA:
        members = [u for u, s in pool if s == stratum]
        lowest = sorted((rules.ticket(result.seed, u), u) for u in members)
        count = next(s.count for s in result.strata if s.stratum == stratum)
        assert sorted(p.uscc for p in result.picks if p.stratum == stratum) == sorted(u for _, u in lowest[:count])


def test_count_is_ceil_of_ratio_times_size() -> None:
    assert rules.sample_count(10, Decimal("12.5")) == 2  # 1.25 → 2
    assert rules.sample_count(8, Decimal("12.5")) == 1
    assert rules.sample_count(1, Decimal("0.01")) == 1
    assert rules.sample_count(100, Decimal(0)) == 0
    assert rules.sample_count(7, Decimal(100)) == 7


def reference_inspectors(
    result: rules.DrawResult, inspectors: list[Inspector], previous: dict[str, list[str]], per_entity: int = 2
) -> list[tuple[str, ...]]:
    """Step 6 exactly as documented, by brute force: slot k takes the eligible unchosen inspector with the lowest
    (load, (circle position − offset_k) mod n)."""
    ring = rules.circle(result.seed, inspectors)
    position = {iid: r for r, iid in enumerate(ring)}
    load = dict.fromkeys(ring, 0)
    out = []
    for pick in result.picks:
        eligible = [
            i.id for i in inspectors if pick.uscc not in i.conflicts and i.id not in previous.get(pick.uscc, [])
        ]
        chosen: list[str] = []
        for slot in range(1, per_entity + 1):
            offset = rules.slot_offset(result.seed, pick.uscc, slot, len(ring))
            best = min(
                (i for i in eligible if i not in chosen), key=lambda i: (load[i], (position[i] - offset) % len(ring))
            )
            chosen.append(best)
            load[best] += 1
        out.append(tuple(chosen))
    return out


def test_inspector_assignment_balances_load_and_follows_the_documented_stream() -> None:
    result = rules.draw(pool_of(60), "abc", RATIOS, INSPECTORS)
    loads: dict[str, int] = {}
    for pick in result.picks:
        assert len(pick.inspectors) == 2 and len(set(pick.inspectors)) == 2
        for iid in pick.inspectors:
            loads[iid] = loads.get(iid, 0) + 1
    assert max(loads.values()) - min(loads.values()) <= 1  # no conflicts here: perfectly balanced
    assert [p.inspectors for p in result.picks] == reference_inspectors(result, INSPECTORS, {})
    ring = sorted((sm3_hex((result.seed + "inspectors:circle:" + i.id).encode()), i.id) for i in INSPECTORS)
    assert rules.circle(result.seed, INSPECTORS) == [iid for _, iid in ring]
    first = result.picks[0]
    offset = int(sm3_hex(f"{result.seed}inspectors:slot:{first.uscc}:1".encode()), 16) % len(INSPECTORS)
    assert first.inspectors[0] == ring[offset][1]  # all loads 0: slot 1 takes the inspector at its offset
    pairs = {frozenset(p.inspectors) for p in result.picks}
    assert len(pairs) > len(INSPECTORS)  # not a fixed set of teams


# ---------------------------------------------------------------- clear refusals


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"ratios": {**RATIOS, "A": "100.5"}}, "outside 0–100%"),
        ({"ratios": {**RATIOS, "A": "-1"}}, "outside 0–100%"),
        ({"ratios": {**RATIOS, "A": "abc"}}, "not a number"),
        ({"ratios": {**RATIOS, "A": "NaN"}}, "finite"),
        ({"ratios": {**RATIOS, "A": "1.234"}}, "at most 2 decimals"),
        ({"ratios": {"A": "5"}}, "no ratio for the stratum"),
        ({"pool": []}, "pool is empty"),
        ({"pool": [(USCCS[0], "A"), (USCCS[0], "B")]}, "appears twice"),
        ({"pool": [("91360482MA12345678", "A")]}, "USCC"),
        ({"pool": [("not-a-code", "A")]}, "canonical form"),
        ({"pool": [("91360482ma35abcd1x", "A")]}, "canonical form"),
        ({"pool": [(USCCS[0], "")]}, "stratum"),
        ({"pool": [(USCCS[0], "A\nB")]}, "stratum"),
        ({"public_value": ""}, "public value is empty"),
        ({"public_value": "   "}, "public value is empty"),
        ({"public_value": None}, "public value is missing"),
        ({"public_value": "x" * 201}, "at most 200"),
        ({"inspectors": INSPECTORS[:1]}, "1 inspectors in the pool, 2 needed"),
        ({"per_entity": 1}, "2–10 inspectors"),
        ({"inspectors": [INSPECTORS[0], INSPECTORS[0], INSPECTORS[1]]}, "listed twice"),
    ],
)
def test_bad_input_gives_a_clear_error(change: dict, fragment: str) -> None:
    args: dict = {"pool": pool_of(20), "public_value": "777", "ratios": RATIOS, "inspectors": INSPECTORS}
    args.update(change)
    per_entity = args.pop("per_entity", 2)
    with pytest.raises(DrawError) as refused:
        rules.draw(args["pool"], args["public_value"], args["ratios"], args["inspectors"], per_entity=per_entity)
    assert fragment in refused.value.message
    assert refused.value.status == 422


def test_too_few_eligible_inspectors_for_one_entity_names_it() -> None:
    pool = pool_of(5, ("重点关注",))  # ratio 100%: everyone is drawn
    conflicted = [Inspector(i.id, i.name, frozenset({USCCS[3]})) for i in INSPECTORS[:-1]] + [INSPECTORS[-1]]
    with pytest.raises(DrawError, match=USCCS[3]):
        rules.draw(pool, "1", RATIOS, conflicted)


def test_oversized_and_hostile_pool_rows_are_refused() -> None:
    with pytest.raises(DrawError):
        rules.check_pool([("A" * 10_000, "A")])
    with pytest.raises(DrawError):
        rules.check_pool([(USCCS[0], "A", "extra")])  # type: ignore[list-item]
    with pytest.raises(DrawError):
        rules.check_pool([(USCCS[0], ["A"])])  # type: ignore[list-item]
    with pytest.raises(DrawError):
        rules.check_pool([(USCCS[0], "x" * 33)])


# ---------------------------------------------------------------- properties

pools = st.lists(st.integers(0, len(USCCS) - 1), min_size=1, max_size=120, unique=True).flatmap(
    lambda idx: st.lists(st.sampled_from(STRATA), min_size=len(idx), max_size=len(idx)).map(
        lambda strata: [(USCCS[i], s) for i, s in zip(idx, strata, strict=True)]
    )
)
ratio_maps = st.fixed_dictionaries(
    {s: st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False) for s in STRATA}
)
conflict_sets = st.dictionaries(st.sampled_from([i.id for i in INSPECTORS]), st.sets(st.sampled_from(USCCS[:120])))
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(pool=pools, ratios=ratio_maps, public=st.text(min_size=1, max_size=30).filter(lambda t: t.strip()))
def test_same_bundle_same_draw(pool: list[tuple[str, str]], ratios: dict, public: str) -> None:
    def outcome(order: list[tuple[str, str]]) -> object:
        try:
            return rules.draw(order, public, ratios, INSPECTORS)
        except DrawError as refused:  # e.g. a control character in the public value: refused alike every time
            return ("refused", str(refused))

    first = outcome(pool)
    assert outcome(list(reversed(pool))) == first
    assume(not isinstance(first, tuple))
    assert isinstance(first, rules.DrawResult)
    bundle = rules.make_bundle(rules.check_pool(pool), public, rules.parse_ratios(ratios), INSPECTORS, first)
    assert rules.verify(json.loads(rules.bundle_text(bundle))).match


@FAST
@given(pool=pools, a=st.integers(0, 10**9), b=st.integers(0, 10**9))
def test_different_public_value_different_draw(pool: list[tuple[str, str]], a: int, b: int) -> None:
    assume(a != b)
    ratios = dict.fromkeys(STRATA, "50")
    one = rules.draw(pool, str(a), ratios, INSPECTORS)
    two = rules.draw(pool, str(b), ratios, INSPECTORS)
    assert one.seed != two.seed
    if len(pool) >= 8:  # with ≥ 8 entities and half drawn, equal selections would be a ~1/70 coincidence at most
        tickets_one = [p.ticket for p in one.picks]
        assert tickets_one != [p.ticket for p in two.picks]


@FAST
@given(pool=pools, ratios=ratio_maps, public=st.integers(0, 10**6))
def test_counts_per_stratum_match_the_ratios(pool: list[tuple[str, str]], ratios: dict, public: int) -> None:
    result = rules.draw(pool, str(public), ratios, INSPECTORS[:2] + INSPECTORS[2:])
    sizes = {s: sum(1 for _, t in pool if t == s) for s in STRATA}
    for stratum in result.strata:
        size = sizes[stratum.stratum]
        ratio = Fraction(ratios[stratum.stratum]) / 100
        drawn = sum(1 for p in result.picks if p.stratum == stratum.stratum)
        assert stratum.size == size and drawn == stratum.count
        assert Fraction(drawn, size) >= ratio  # never below the ratio
        assert Fraction(drawn - 1, size) < ratio or drawn == 0  # and by less than one entity
    assert len({p.uscc for p in result.picks}) == len(result.picks)


@FAST
@given(pool=pools, conflicts=conflict_sets, public=st.integers(0, 10**6), data=st.data())
def test_every_entity_gets_two_clean_inspectors(
    pool: list[tuple[str, str]], conflicts: dict, public: int, data: st.DataObject
) -> None:
    inspectors = [Inspector(i.id, i.name, frozenset(conflicts.get(i.id, set()))) for i in INSPECTORS]
    ids = [i.id for i in INSPECTORS]
    previous = {
        u: data.draw(st.lists(st.sampled_from(ids), max_size=3, unique=True)) for u, _ in pool[: len(pool) // 2]
    }
    ratios = dict.fromkeys(STRATA, "30")
    try:
        result = rules.draw(pool, str(public), ratios, inspectors, previous=previous)
    except DrawError as refused:
        message = refused.message
        result = None
    if result is None:
        assert "eligible" in message  # too many conflicts for some entity: refused, never a bad draw
        return
    assert [p.inspectors for p in result.picks] == reference_inspectors(result, inspectors, previous)
    by_id = {i.id: i for i in inspectors}
    for pick in result.picks:
        assert len(pick.inspectors) >= 2 and len(set(pick.inspectors)) == len(pick.inspectors)
        for iid in pick.inspectors:
            assert pick.uscc not in by_id[iid].conflicts
            assert iid not in previous.get(pick.uscc, [])


# ---------------------------------------------------------------- verification


def test_verify_detects_a_tampered_bundle() -> None:
    bundle = bundle_for(pool_of(80))
    assert rules.verify(bundle).match

    def tampered(edit: object) -> rules.Verification:
        changed = copy.deepcopy(bundle)
        edit(changed)  # type: ignore[operator]
        return rules.verify(changed)

    # the result changed: another entity swapped in
    outcome = tampered(lambda b: b["result"]["selected"][0].update(uscc=USCCS[399]))
    assert not outcome.match and outcome.difference and "result.selected[0].uscc" in outcome.difference
    # the pool changed after the hash was published
    outcome = tampered(lambda b: b["pool"].pop())
    assert not outcome.match and outcome.difference and outcome.difference.startswith("pool_hash")
    # another public value
    outcome = tampered(lambda b: b.update(public_value="999"))
    assert not outcome.match and outcome.difference and outcome.difference.startswith("seed")
    # a ratio lowered after the fact
    outcome = tampered(lambda b: b["rules"]["ratios"].update(D="10"))
    assert not outcome.match and outcome.difference and "result." in outcome.difference
    # an inspector replaced
    outcome = tampered(lambda b: b["result"]["selected"][1]["inspectors"].__setitem__(0, "JC999"))
    assert not outcome.match and outcome.difference and "inspectors" in outcome.difference
    # a conflict hidden: the re-run must give the same inspectors, else it shows
    first = bundle["result"]["selected"][0]
    outcome = tampered(lambda b: b["conflicts"].update({first["inspectors"][0]: [first["uscc"]]}))
    assert not outcome.match
    # a ratio made invalid, a missing field, a wrong format: refused with the reason
    for edit in (
        lambda b: b["rules"]["ratios"].update(A="150"),
        lambda b: b.pop("pool"),
        lambda b: b.update(format="other/9"),
        lambda b: b.update(inspectors="nobody"),
    ):
        outcome = tampered(edit)
        assert not outcome.match and outcome.difference and "cannot be re-run" in outcome.difference
    assert not rules.verify([1, 2, 3]).match
    assert not rules.verify(None).match


def test_excluded_entities_take_no_part_in_a_later_round() -> None:
    pool = pool_of(50)
    first = rules.draw(pool, "round-1", RATIOS, INSPECTORS)
    drawn = {p.uscc for p in first.picks}
    second = rules.draw(pool, "round-2", RATIOS, INSPECTORS, excluded=drawn)
    assert drawn.isdisjoint(p.uscc for p in second.picks)
    assert second.pool_hash == first.pool_hash  # the same frozen pool
    bundle = rules.make_bundle(
        rules.check_pool(pool), "round-2", rules.parse_ratios(RATIOS), INSPECTORS, second, excluded=drawn
    )
    assert rules.verify(bundle).match
    bundle["excluded"] = bundle["excluded"][1:]
    assert not rules.verify(bundle).match
