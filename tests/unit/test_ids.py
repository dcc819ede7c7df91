"""Identifier rules (req §1): USCC (GB 32100), organisation code check (GB 11714), resident ID (GB 11643)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from xinyong.core.errors import InvalidInput
from xinyong.core.ids import (
    AUTHORITIES,
    PROVINCES,
    USCC_ALPHABET,
    USCC_RULES,
    USCC_WEIGHTS,
    IdType,
    InvalidResidentId,
    InvalidUscc,
    is_valid_uscc,
    make_resident_id,
    make_uscc,
    normalise_uscc,
    org_code_check_char,
    resident_id_check_char,
    uscc_check_char,
    validate_person_id,
    validate_resident_id,
    validate_uscc,
)

TODAY = dt.date(2026, 1, 1)
PAIRS = sorted((a, t) for a, (_, types) in AUTHORITIES.items() for t in types)
DIGIT = st.sampled_from("0123456789")

# Hand-computed in test_hand_computed_example below.
GOOD = "91360482MA35G3R202"
VILLAGE = "N2360482MA35G3R20H"


@st.composite
def regions(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 19)) == 0:
        return "100000"
    return draw(st.sampled_from(sorted(PROVINCES))) + "".join(draw(st.lists(DIGIT, min_size=4, max_size=4)))


@st.composite
def usccs(draw: st.DrawFn) -> str:
    authority, org_type = draw(st.sampled_from(PAIRS))
    # GB 11714 allows digits and uppercase letters; inside a USCC only those also in the GB 32100 alphabet.
    org8 = draw(st.text(alphabet=USCC_ALPHABET, min_size=8, max_size=8))
    return make_uscc(authority, org_type, draw(regions()), org8)


# --- USCC ----------------------------------------


def test_weights_are_powers_of_three() -> None:
    assert tuple(pow(3, i, 31) for i in range(17)) == USCC_WEIGHTS
    assert USCC_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert len(USCC_ALPHABET) == 31
    assert not set("IOSVZ") & set(USCC_ALPHABET)


def test_hand_computed_example() -> None:
    # Inner check (GB 11714) on MA35G3R2: M=22 A=10 3 5 G=16 3 R=27 2, weights 3 7 9 10 5 8 4 2
    #   66 + 70 + 27 + 50 + 80 + 24 + 108 + 4 = 429 = 39 * 11 -> 429 mod 11 = 0 -> c = 11 -> '0'
    assert org_code_check_char("MA35G3R2") == "0"
    # Final check over 91360482MA35G3R20 with the USCC alphabet (M=21 A=10 G=16 R=25):
    #   values  9 1 3  6  0  4  8  2  21  10  3  5  16  3  25  2  0
    #   weights 1 3 9 27 19 26 16 17  20  29 25 13   8 24  10 30 28
    #   9+3+27+162+0+104+128+34+420+290+75+65+128+72+250+60+0 = 1827; 1827 mod 31 = 29; 31-29 = 2 -> '2'
    assert uscc_check_char("91360482MA35G3R20") == "2"
    assert make_uscc("9", "1", "360482", "MA35G3R2") == GOOD
    # Village collective: '9'->'N' adds (22-9)*1, '1'->'2' adds 1*3: 1843 mod 31 = 14; 31-14 = 17 -> 'H'
    assert make_uscc("N", "2", "360482", "MA35G3R2") == VILLAGE


def test_gb11714_standard_example() -> None:
    # The example printed in GB 11714: D2143569-X (exercises the 10 -> 'X' case).
    assert org_code_check_char("D2143569") == "X"
    code = make_uscc("1", "1", "360482", "D2143569")
    assert code[8:17] == "D2143569X"


def test_decode() -> None:
    info = validate_uscc(VILLAGE)
    assert (info.authority, info.authority_name) == ("N", "农业")
    assert (info.org_type, info.org_type_name) == ("2", "村级集体经济组织")
    assert info.region_code == "360482"
    assert info.org_code == "MA35G3R20"
    assert validate_uscc(GOOD).org_type_name == "企业"
    assert validate_uscc(make_uscc("5", "1", "100000", "50000000")).region_code == "100000"


def test_authority_table_matches_spec() -> None:
    expected = {
        "1": "1239", "2": "19", "3": "123459", "4": "19", "5": "1239", "6": "129",
        "7": "129", "8": "19", "9": "123", "A": "19", "N": "1239", "Y": "1",
    }  # fmt: skip
    assert {a: "".join(types) for a, (_, types) in AUTHORITIES.items()} == expected
    assert AUTHORITIES["9"][1] == {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}


def test_whitespace_and_lowercase_are_normalised() -> None:
    assert validate_uscc(f"  {VILLAGE.lower()}\n").code == VILLAGE
    assert normalise_uscc(" 91360482ma35g3r202 ") == GOOD
    assert is_valid_uscc(GOOD)
    assert not is_valid_uscc(GOOD[:-1] + "3")


@settings(max_examples=400)
@given(usccs())
def test_generated_codes_are_valid(code: str) -> None:
    info = validate_uscc(code)
    assert info.code == code
    assert code[16] in "0123456789X"


@settings(max_examples=400)
@given(usccs(), st.integers(0, 17), st.sampled_from(USCC_ALPHABET))
def test_any_single_substitution_is_rejected(code: str, pos: int, new: str) -> None:
    if new == code[pos]:
        new = USCC_ALPHABET[(USCC_ALPHABET.index(new) + 1) % 31]
    changed = code[:pos] + new + code[pos + 1 :]
    with pytest.raises(InvalidUscc) as exc:
        validate_uscc(changed)
    # The weights are non-zero mod 31 (prime), so the final check always catches what earlier rules miss.
    allowed = {
        0: {"authority_type", "final_check"},
        1: {"authority_type", "final_check"},
        16: {"inner_check"},  # any other char at pos 17 breaks GB 11714 (check is a function of pos 9-16)
        17: {"final_check"},
    }.get(pos, {"region", "final_check"} if pos < 8 else {"inner_check", "final_check"})
    assert exc.value.rule in allowed


def test_adjacent_transposition_always_detectable() -> None:
    # Swapping values a != b at positions i, i+1 changes the sum by (a-b)(w_i - w_{i+1}) mod 31. With
    # w_{i+1} = 3 w_i this is -2 (a-b) w_i, never 0 mod 31. Position 18 has weight 1 in the total.
    weights = (*USCC_WEIGHTS, 1)
    assert all((weights[i] - weights[i + 1]) % 31 for i in range(17))


@settings(max_examples=400)
@given(usccs(), st.integers(0, 16))
def test_any_adjacent_transposition_is_rejected(code: str, pos: int) -> None:
    a, b = code[pos], code[pos + 1]
    assume(a != b)
    swapped = code[:pos] + b + a + code[pos + 2 :]
    with pytest.raises(InvalidUscc):
        validate_uscc(swapped)


@pytest.mark.parametrize(
    ("code", "rule", "fragments"),
    [
        (GOOD[:-1], "length", ["18 characters", "got 17"]),
        (GOOD + "0", "length", ["got 19"]),
        ("91360482MA35G3R2O2", "character", ["'O'", "position 17"]),
        ("91360482IA35G3R202", "character", ["'I'", "position 9"]),
        ("B1360482MA35G3R202", "authority_type", ["登记管理部门码", "'B'", "position 1"]),
        ("94360482MA35G3R202", "authority_type", ["机构类别码", "'4'", "position 2", "农民专业合作社"]),
        ("Y2360482MA35G3R202", "authority_type", ["position 2"]),
        ("91000000MA35G3R202", "region", ["'000000'", "positions 3-8"]),
        ("91990000MA35G3R202", "region", ["'990000'"]),
        ("9136A482MA35G3R202", "region", ["'36A482'"]),
        ("91360482MA35G3R212", "inner_check", ["组织机构代码校验码", "position 17", "is '1', expected '0'"]),
        ("91360482MA35G3R20X", "final_check", ["final check character (校验码)", "is 'X', expected '2'"]),
    ],
)
def test_each_rule_has_its_error(code: str, rule: str, fragments: list[str]) -> None:
    with pytest.raises(InvalidUscc) as exc:
        validate_uscc(code, field="xdr_shxym")
    assert exc.value.rule == rule
    assert exc.value.field == "xdr_shxym"
    assert exc.value.details["rule"] == rule
    assert isinstance(exc.value, InvalidInput)
    assert exc.value.status == 422
    for fragment in fragments:
        assert fragment in exc.value.message


def test_final_check_error_details() -> None:
    with pytest.raises(InvalidUscc) as exc:
        validate_uscc(GOOD[:-1] + "7")
    assert exc.value.details == {"rule": "final_check", "position": 18, "found": "7", "expected": "2"}


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        "   ",
        "None",
        "null",
        "9" * 10_000,
        "９１３６０４８２ＭＡ３５Ｇ３Ｒ２０２",  # full-width
        "91360482MA35G3R20２",
        "1' OR '1'='1' --   ",
        "'; DROP TABLE t;--",
        "91360482MA35G3R20\x00",
        "\x00" * 18,
        "91360482MA35G3R2ﬀ",  # ligature whose str.upper() is "FF"
        "<script>alert(1)",
        "913604८२MA35G3R202",  # Devanagari digits
    ],
)
def test_hostile_input_is_a_length_or_character_error(hostile: str) -> None:
    with pytest.raises(InvalidUscc) as exc:
        validate_uscc(hostile)
    assert exc.value.rule in {"length", "character"}
    assert len(exc.value.message) < 300  # never echoes a huge input


def test_non_string_is_a_character_error() -> None:
    with pytest.raises(InvalidUscc) as exc:
        validate_uscc(None)  # type: ignore[arg-type]
    assert exc.value.rule == "character"


@settings(max_examples=500)
@given(st.one_of(st.text(max_size=40), st.text(alphabet=USCC_ALPHABET + "iosvzab \t", min_size=17, max_size=19)))
def test_arbitrary_text_never_raises_anything_else(text: str) -> None:
    rule = None
    try:
        validate_uscc(text)
    except InvalidUscc as exc:
        rule = exc.rule
    assert rule is None or rule in USCC_RULES


def test_make_uscc_refuses_bad_parts() -> None:
    with pytest.raises(InvalidUscc) as exc:
        make_uscc("9", "4", "360482", "MA35G3R2")
    assert exc.value.rule == "authority_type"
    with pytest.raises(InvalidUscc) as exc:
        make_uscc("9", "1", "360482", "MA35G3I2")  # I: valid in GB 11714, not in GB 32100
    assert exc.value.rule == "character"
    with pytest.raises(InvalidUscc):
        org_code_check_char("MA35G3R")


# --- resident ID ----------------------------------------


def test_gb11643_standard_example() -> None:
    # The example printed in GB 11643: 11010519491231002X.
    assert resident_id_check_char("11010519491231002") == "X"
    info = validate_resident_id("11010519491231002x", today=TODAY)
    assert info.number == "11010519491231002X"
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.region_code == "110105"
    assert info.sex == "女"


@settings(max_examples=300)
@given(
    st.sampled_from(sorted(PROVINCES)),
    st.integers(0, 9999),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY),
    st.integers(0, 999),
)
def test_generated_resident_ids_are_valid(province: str, rest: int, birth: dt.date, seq: int) -> None:
    region = f"{province}{rest:04d}"
    number = make_resident_id(region, birth, seq)
    info = validate_resident_id(number, today=TODAY)
    assert (info.region_code, info.birth_date) == (region, birth)
    assert info.sex == ("男" if seq % 2 else "女")


@settings(max_examples=300)
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY), st.integers(0, 17), DIGIT)
def test_resident_id_single_digit_change_is_rejected(birth: dt.date, pos: int, new: str) -> None:
    number = make_resident_id("360429", birth, 123)
    if new == number[pos]:
        new = "X" if pos == 17 else str((int(new) + 1) % 10)
    with pytest.raises(InvalidResidentId):
        validate_resident_id(number[:pos] + new + number[pos + 1 :], today=TODAY)


def _with_check(body: str) -> str:
    return body + resident_id_check_char(body)


@pytest.mark.parametrize(
    ("number", "rule", "fragment"),
    [
        ("36042919900101123", "length", "got 17"),
        ("360429900101123", "length", "15-digit"),
        ("36042919900101123A", "character", "position 18"),
        ("3604291990O101123X", "character", "position 11"),
        (_with_check("00042919900101123"), "region", "'000429'"),
        (_with_check("36042919900230123"), "birth_date", "not a real date"),  # 30 February
        (_with_check("36042918991231123"), "birth_date", "before 1900"),
        (_with_check("36042920260102123"), "birth_date", "future"),
        ("110105194912310021", "check", "is '1', expected 'X'"),
    ],
)
def test_resident_id_rules(number: str, rule: str, fragment: str) -> None:
    with pytest.raises(InvalidResidentId) as exc:
        validate_resident_id(number, today=TODAY)
    assert exc.value.rule == rule
    assert exc.value.field == "id_number"
    assert fragment in exc.value.message


def test_resident_id_today_defaults_to_clock() -> None:
    from xinyong.core import clock

    number = _with_check("36042920300101123")
    clock.freeze(dt.datetime(2031, 1, 1, tzinfo=dt.UTC))
    assert validate_resident_id(number).birth_date == dt.date(2030, 1, 1)
    clock.freeze(dt.datetime(2029, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(InvalidResidentId):
        validate_resident_id(number)


def test_other_person_ids() -> None:
    assert validate_person_id(IdType.PASSPORT, " e1234567 ") == "E1234567"
    assert validate_person_id("hk_macao_permit", "H1234567800") == "H1234567800"
    assert validate_person_id(IdType.RESIDENT_ID, "11010519491231002x") == "11010519491231002X"
    assert IdType.TAIWAN_PERMIT.label == "台湾居民来往大陆通行证"
    for bad in ["E12", "E1234567;DROP", "Ｅ1234567", "X" * 31]:
        with pytest.raises(InvalidInput) as exc:
            validate_person_id(IdType.PASSPORT, bad)
        assert "护照" in exc.value.message
    with pytest.raises(InvalidInput) as exc:
        validate_person_id("driving_licence", "E1234567")
    assert exc.value.field == "id_type"
    with pytest.raises(InvalidResidentId):
        validate_person_id(IdType.RESIDENT_ID, "110105194912310021")
