"""Masking by audience: every helper on normal, empty, short, hostile and long input; mask_fields is pure."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from xinyong.core.actor import Actor, Role
from xinyong.core.masking import (
    MAX_STARS,
    UNMASKED_AUDIENCES,
    Audience,
    audience_for,
    is_masked_for,
    mask_address,
    mask_bank_account,
    mask_email,
    mask_fields,
    mask_id_number,
    mask_person_name,
    mask_phone,
)

Masker = Callable[[Any], str]
ALL_MASKERS: list[Masker] = [
    mask_id_number,
    mask_phone,
    mask_bank_account,
    mask_address,
    mask_person_name,
    mask_email,
]

USCC = "91360405MA35XXXXXX"
OTHER_USCC = "91360405MA35YYYYYY"


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no")

    def __repr__(self) -> str:  # a stable test id, the same in every xdist worker
        return "_Unprintable()"


HOSTILE: list[object] = [
    None,
    "",
    "   ",
    "\x00\x01\x02",
    "\ud800",  # lone surrogate
    "<script>alert(1)</script>",
    "'; DROP TABLE persons; --",
    "‮1234567890‬",  # bidi overrides
    "ｆｕｌｌ－ｗｉｄｔｈ１２３",
    "👨‍👩‍👧‍👦" * 5,
    "\n\t\r",
    "@@@@",
    "·····",
    "省市区县镇乡街道" * 3,
    12345678901,
    3.14,
    b"13812345678",
    ["list"],
    {"a": 1},
    _Unprintable(),
]
LONG = [
    "1" * 1_000_000,
    "张" * 1_000_000,
    "江西省" + "九" * 1_000_000,
    "a@" + "b" * 1_000_000,
    "x" * 100_000 + "@y.cn",
]


@pytest.mark.parametrize("masker", ALL_MASKERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_maskers_never_raise_on_odd_input(masker: Masker, value: object) -> None:
    result = masker(value)
    assert isinstance(result, str)
    assert len(result) <= 300


@pytest.mark.parametrize("masker", ALL_MASKERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("value", [None, "", "  \t\n"])
def test_maskers_return_empty_for_empty(masker: Masker, value: object) -> None:
    assert masker(value) == ""


@pytest.mark.parametrize("masker", ALL_MASKERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("index", range(len(LONG)))
def test_maskers_keep_output_small_on_huge_input(masker: Masker, index: int) -> None:
    result = masker(LONG[index])
    assert isinstance(result, str)
    assert len(result) <= 300


# --- ID numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("360429199001011234", "360429********1234"),
        ("36042919900101123X", "360429********123X"),
        ("36042919900101123x", "360429********123x"),
        (" 360429 19900101 1234 ", "360429********1234"),
        ("３６０４２９１９９００１０１１２３４", "360429********1234"),  # full-width
        ("360429900101123", "360429******123"),  # first-generation 15 digits: birth date hidden
        ("E12345678", "*****5678"),  # passport
        ("H1234567890", "*******7890"),  # 回乡证
        ("1234567", "*****67"),
        ("12345", "****5"),
        ("12", "**"),
        ("1", "*"),
    ],
)
def test_mask_id_number(value: str, expected: str) -> None:
    assert mask_id_number(value) == expected


def test_mask_id_number_hides_birth_date() -> None:
    assert "19900101" not in mask_id_number("360429199001011234")


# --- phones ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("008613812345678", "138****5678"),
        ("0792-1234567", "0792-*****67"),
        ("(0792)12345678", "0792-******78"),
        ("0792 8123456", "0792-*****56"),
        ("010-12345678", "010-******78"),
        ("01012345678", "010-******78"),  # 010 is a 3-digit area code
        ("07928123456", "0792-*****56"),
        ("0792-8123456转808", "0792-*****56"),  # extension dropped
        ("0792-8123456-808", "0792-*****56"),
        ("8123456", "*****56"),
        ("123", "**3"),
        ("1", "*"),
    ],
)
def test_mask_phone(value: str, expected: str) -> None:
    assert mask_phone(value) == expected


def test_mask_phone_unknown_format_keeps_little() -> None:
    masked = mask_phone("+852 9123 4567")
    assert masked.endswith("67")
    assert "9123" not in masked


# --- bank accounts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("6222021234567890123", "*" * 15 + "0123"),
        ("6222 0212 3456 7890 123", "*" * 15 + "0123"),
        ("6222-0212-3456-7890", "*" * 12 + "7890"),
        ("12345678", "****5678"),
        ("1234567", "*****67"),
        ("12", "**"),
    ],
)
def test_mask_bank_account(value: str, expected: str) -> None:
    assert mask_bank_account(value) == expected


def test_mask_bank_account_caps_stars() -> None:
    assert mask_bank_account("9" * 60 + "1234") == "*" * MAX_STARS + "1234"


# --- addresses ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("江西省九江市共青城市茶山街道xx路12号", "江西省九江市共青城市茶山街道***"),
        ("江西省九江市共青城市茶山街道青年大道100号3栋2单元501室", "江西省九江市共青城市茶山街道***"),
        ("江西省共青城市茶山街道甘露大道市民中心", "江西省共青城市茶山街道***"),
        ("共青城市金湖乡金湖村3组", "共青城市金湖乡***"),
        ("共青城市青年大道1号", "共青城市***"),
        ("九江市浔阳区湓浦街道庾亮南路8号", "九江市浔阳区湓浦街道***"),
        ("北京市朝阳区建国路88号", "北京市朝阳区***"),
        ("上海市浦东新区张江镇科苑路", "上海市浦东新区张江镇***"),
        ("内蒙古自治区呼和浩特市新城区中山路", "内蒙古自治区呼和浩特市新城区***"),
        ("新疆维吾尔自治区伊犁哈萨克自治州伊宁市解放路", "新疆维吾尔自治区伊犁哈萨克自治州伊宁市***"),
        ("湖南省永州市道县西洲街道", "湖南省永州市道县西洲街道"),
        ("江西省 九江市 共青城市 青年大道100号", "江西省九江市共青城市***"),
        ("江西省某某路1号", "江西省***"),
        ("江西省九江市", "江西省九江市"),  # only divisions: nothing private to hide
        ("幸福小区3栋", "***"),
        ("阳光花园东区12栋", "***"),
        ("Room 5, 1 Main Street", "***"),
        ("12号", "***"),
    ],
)
def test_mask_address(value: str, expected: str) -> None:
    assert mask_address(value) == expected


def test_mask_address_never_keeps_house_numbers() -> None:
    for address in ["江西省九江市共青城市茶山街道100号", "共青城市1号", "江西省九江市共青城市某某村5组12号"]:
        masked = mask_address(address)
        assert not any(ch.isdigit() for ch in masked), masked


# --- names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳修", "欧阳*"),
        ("欧阳娜娜", "欧阳**"),
        ("诸葛亮", "诸葛*"),
        ("司马相如", "司马**"),
        ("欧阳", "欧*"),  # two characters: surname 欧, given name 阳
        ("王", "*"),
        (" 李四 ", "李*"),
        ("阿卜杜拉·买买提", "阿***·***"),
        ("John Smith", "J*** *****"),
    ],
)
def test_mask_person_name(value: str, expected: str) -> None:
    assert mask_person_name(value) == expected


def test_mask_person_name_long() -> None:
    masked = mask_person_name("张" + "三" * 10_000)
    assert masked.startswith("张*")
    assert len(masked) <= 40


# --- e-mail ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("zhangsan@example.com", "z***@example.com"),
        ("ZS@gqc.gov.cn", "Z***@gqc.gov.cn"),
        ("a@b.cn", "***@b.cn"),
        ("@b.cn", "***@b.cn"),
        ("a.b@c@d.cn", "a***@d.cn"),
        ("no-at-sign", "n***"),
        ("x", "***"),
        ("a@<script>", "***@***"),
        ("ab@", "a***@***"),
        ("张三@例子.中国", "张***@例子.中国"),
    ],
)
def test_mask_email(value: str, expected: str) -> None:
    assert mask_email(value) == expected


# --- audiences ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "subject", "expected"),
    [
        (Actor.public(), USCC, Audience.PUBLIC),
        (Actor.public(), None, Audience.PUBLIC),
        (Actor(role=Role.BUSINESS_SYSTEM, id="gov-procurement"), USCC, Audience.PUBLIC),
        (Actor(role=Role.ENTITY, id="u1", entity_uscc=USCC), USCC, Audience.ENTITY_SELF),
        (Actor(role=Role.ENTITY, id="u1", entity_uscc=USCC.lower()), f" {USCC} ", Audience.ENTITY_SELF),
        (Actor(role=Role.ENTITY, id="u1", entity_uscc=USCC), OTHER_USCC, Audience.PUBLIC),
        (Actor(role=Role.ENTITY, id="u1", entity_uscc=USCC), None, Audience.PUBLIC),
        (Actor(role=Role.ENTITY, id="u1", entity_uscc=None), USCC, Audience.PUBLIC),
        (Actor(role=Role.ENTITY, id="u1", entity_uscc=""), "", Audience.PUBLIC),
        (Actor(role=Role.DEPT_OPERATOR, id="d1", department_code="x"), USCC, Audience.DEPARTMENT),
        (Actor(role=Role.DEPT_REVIEWER, id="d2", department_code="x"), None, Audience.DEPARTMENT),
        (Actor(role=Role.CREDIT_OFFICE, id="c1"), USCC, Audience.FULL),
        (Actor(role=Role.AUDITOR, id="a1"), USCC, Audience.FULL),
        (Actor.system("demo"), None, Audience.FULL),
    ],
)
def test_audience_for(actor: Actor, subject: str | None, expected: Audience) -> None:
    assert audience_for(actor, subject) is expected


def test_every_role_has_an_audience() -> None:
    for role in Role:
        assert audience_for(Actor(role=role), USCC) in set(Audience)


def test_masked_audiences() -> None:
    assert is_masked_for(Audience.PUBLIC)
    assert is_masked_for(Audience.DEPARTMENT)
    assert not is_masked_for(Audience.ENTITY_SELF)
    assert not is_masked_for(Audience.FULL)
    assert frozenset({Audience.ENTITY_SELF, Audience.FULL}) == UNMASKED_AUDIENCES


# --- mask_fields ----------------------------------------------------------------------------------

RULES: dict[str, Masker] = {
    "XDR_ZJHM": mask_id_number,
    "FR_ZJHM": mask_id_number,
    "phone": mask_phone,
    "address": mask_address,
    "missing": mask_email,
}


def _record() -> dict[str, Any]:
    return {
        "XDR_MC": "共青城市某某有限公司",
        "XDR_ZJHM": "360429199001011234",
        "FR_ZJHM": None,
        "phone": "13812345678",
        "address": "江西省九江市共青城市茶山街道青年大道1号",
        "tags": ["a", "b"],
        "nested": {"k": [1, 2]},
    }


def test_mask_fields_masks_for_public_and_department() -> None:
    for audience in (Audience.PUBLIC, Audience.DEPARTMENT):
        masked = mask_fields(_record(), RULES, audience)
        assert masked["XDR_MC"] == "共青城市某某有限公司"
        assert masked["XDR_ZJHM"] == "360429********1234"
        assert masked["FR_ZJHM"] is None
        assert masked["phone"] == "138****5678"
        assert masked["address"] == "江西省九江市共青城市茶山街道***"
        assert "missing" not in masked
        assert masked["tags"] == ["a", "b"]


def test_mask_fields_leaves_full_and_self_in_clear() -> None:
    for audience in (Audience.FULL, Audience.ENTITY_SELF):
        assert mask_fields(_record(), RULES, audience) == _record()


def test_mask_fields_custom_unmasked_set() -> None:
    record = _record()
    clear = mask_fields(record, RULES, Audience.DEPARTMENT, unmasked={Audience.DEPARTMENT, Audience.FULL})
    assert clear == record
    masked = mask_fields(record, RULES, Audience.FULL, unmasked=frozenset())
    assert masked["XDR_ZJHM"] == "360429********1234"


@pytest.mark.parametrize("audience", list(Audience))
def test_mask_fields_never_mutates_input(audience: Audience) -> None:
    record = _record()
    snapshot = copy.deepcopy(record)
    result = mask_fields(record, RULES, audience)
    assert record == snapshot
    assert result is not record
    result["tags"].append("c")
    result["nested"]["k"].append(3)
    result["new"] = 1
    assert record == snapshot


def test_mask_fields_non_string_values() -> None:
    masked = mask_fields({"phone": 13812345678, "XDR_ZJHM": ""}, RULES, Audience.PUBLIC)
    assert masked == {"phone": "138****5678", "XDR_ZJHM": ""}
