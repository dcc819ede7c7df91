"""The desensitiser's rules (pure): normalising, numbers for every subject, names/addresses/plates/births for natural
persons, what stays (business names, legal citations), sure and unsure findings, office extensions."""

from __future__ import annotations

import pytest

from xinyong.privacy.rules import BUILTIN, Category, Subject, desensitise, mask_name, normalise, protect

PERSON = Subject(natural=True, names=("刘小明",))
FIRM = Subject(natural=False, keep=("共青城瑞雪羽绒服饰有限公司",))


def test_normalise_full_width_and_invisible() -> None:
    assert normalise("１３８\u200b１２３４\u2060５６７８") == "13812345678"
    assert normalise("ＡＢＣ－１２３\u3000（注）") == "ABC-123 （注）"
    assert normalise("①②③") == "123"


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("身份证号360482199003071234，手机13812345678", ["360482199003071234", "13812345678"]),
        ("身份证 3604 8219 9003 0712 3x", ["36048219900307123"]),
        ("证件号码360482-19900307-123X", ["19900307"]),
        ("15位身份证360482900307123", ["360482900307123"]),
        ("手机１３８\u200b1234\u200b5678", ["12345678"]),
        ("电话 138-1234-5678 或 +86 139 7921 2345", ["1381234", "13979212345", "7921"]),
        ("座机0792-8881234，(0792)8881234", ["8881234"]),
        ("银行卡6222 0212 3456 7890 123，账号 1234 5678 9012", ["62220212345678", "123456789012"]),
        ("邮箱 liu.xiaoming@example.com", ["liu.xiaoming"]),
        ("护照号码E12345678，港澳通行证C12345678", ["E12345678", "C12345678"]),
        ("手机13812345678 2023年5月7日", ["13812345678"]),
    ],
)
def test_numbers_are_masked_for_every_subject(text: str, hidden: list[str]) -> None:
    for subject in (PERSON, FIRM):
        shown = desensitise(text, subject).text.replace(" ", "").replace("-", "")
        for secret in hidden:
            assert secret.replace(" ", "").replace("-", "") not in shown, (text, shown)


def test_codes_and_amounts_stay() -> None:
    text = "统一社会信用代码913604001234567890，注册号360405000012345，罚款5000元，2023-05-07，第32条"
    assert desensitise(text, PERSON).text == text


def test_the_issue_example() -> None:
    text = (
        "经查，当事人刘小明（联系电话13912341234，住共青城市茶山街道青年大道88号）"
        "未依法取得营业执照，擅自从事经营活动。"
    )
    result = desensitise(text, PERSON)
    assert (
        result.text
        == "经查，当事人刘**（联系电话139****1234，住共青城市茶山街道***）未依法取得营业执照，擅自从事经营活动。"
    )
    assert [f.kind for f in result.unsure] == ["address_guess"]  # an address after 住: a reviewer confirms


def test_names_in_titles_and_their_forms() -> None:
    subject = Subject(natural=True, names=("胡旭龙", "欧阳娜娜"))
    assert (
        desensitise("胡旭龙无烟草专卖品准运证运输烟草专卖品案", subject).text
        == "胡**无烟草专卖品准运证运输烟草专卖品案"
    )
    assert desensitise("胡 旭\u200b龙、胡某某与欧阳娜娜", subject).text == "胡**、胡**与欧阳**"
    assert mask_name("张三") == "张**" and mask_name("欧阳娜娜") == "欧阳**" and mask_name("") == ""


def test_unknown_names_are_guessed_and_unsure() -> None:
    result = desensitise("当事人王芳，女，1985年3月7日出生，证人李建国，男，汉族", Subject(natural=True))
    assert "王芳" not in result.text and "李建国" not in result.text and "1985" not in result.text
    assert {f.kind for f in result.unsure} == {"name_guess"}
    assert desensitise("当事人王明未取得许可", Subject(natural=True)).text == "当事人王**未取得许可"


def test_addresses_below_township_go() -> None:
    subject = Subject(natural=True)
    shown = desensitise("在共青城市茶山街道青年大道88号3栋201室经营", subject).text
    assert shown == "在共青城市茶山街道***经营"
    shown = desensitise("家住江西省共青城市江益镇新塘村3组", subject).text
    assert "新塘村" not in shown and "江益镇" in shown
    assert desensitise("驾驶赣G12345货车", subject).text == "驾驶赣G*****货车"


def test_business_names_and_citations_stay() -> None:
    subject = Subject(natural=True, names=("高山",))
    text = "依据《中华人民共和国烟草专卖法》第三十二条，当事人高山在共青城市茶山茶叶有限公司门口销售"
    shown = desensitise(text, subject).text
    assert "《中华人民共和国烟草专卖法》第三十二条" in shown and "共青城市茶山茶叶有限公司" in shown
    assert "高山" not in shown
    firm_text = "共青城瑞雪羽绒服饰有限公司法定代表人张三，住所共青城市工业园区纬二路8号"
    assert desensitise(firm_text, FIRM).text == firm_text  # a legal person: names and addresses stay


def test_protect_keeps_names_but_not_numbers() -> None:
    result = protect("刘小明 身份证号360482199003071234 电话13812345678 住青年大道88号")
    assert result.text == "刘小明 身份证号360482********1234 电话138****5678 住青年大道88号"
    assert {f.kind for f in result.findings} == {"id", "phone"}
    assert protect("无个人信息").changed is False


def test_office_rules_extend_the_set() -> None:
    rules = BUILTIN.extended(
        3,
        [
            (Category.PATTERN.value, r"微信号[:：]?\w+", "微信"),
            (Category.NAME_MARKER.value, "租户", ""),
            (Category.KEEP_WORD.value, "王老吉凉茶", ""),
        ],
    )
    shown = desensitise("微信号abc123，租户王小二，销售王老吉凉茶", Subject(natural=True), rules).text
    assert "abc123" not in shown and "王小二" not in shown and "王老吉凉茶" in shown
    assert rules.version == 3


@pytest.mark.parametrize("text", ["", "a" * 30_000, "\x00\ud800" * 10, "１" * 5000, "当事人" * 1000])
def test_hostile_text_never_raises(text: str) -> None:
    desensitise(text, PERSON)
    protect(text)


def test_four_character_names_are_guessed() -> None:
    shown = desensitise("证人姜敏娜娥，女，证实上述事实；当事人郭军思涵未到场", Subject(natural=True)).text
    assert "敏娜娥" not in shown and "军思涵" not in shown


def test_a_bare_valid_uscc_is_an_organisations_code_not_an_account() -> None:
    association = "513604823000003798"  # a 社会团体's code, alone in a content field
    assert protect(association).text == association
    assert protect("913604825000011730").text != "913604825000011730"  # no valid USCC: may be an account
    assert "6222021234567890123" not in protect("6222021234567890123").text  # a 19-digit UnionPay card
