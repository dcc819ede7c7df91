"""Row validation of 行政许可 and 行政处罚 (req §3.3, issue 3): every rule has a failing row naming the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyong.core.ids import make_resident_id, make_uscc
from xinyong.records.ingest import values
from xinyong.records.ingest.files import open_table
from xinyong.records.ingest.layouts import REQUIRED, detect_layout
from xinyong.records.ingest.validate import RowOutcome, SourceUnit, validate_row
from xinyong.records.rules import Kind, Severity, Status, SubjectType
from xinyong.records.schemas import RecordIn

TODAY = dt.date(2025, 6, 30)
FIRM = make_uscc("9", "1", "360482", "MA35G3R2")
SHOP = make_uscc("9", "2", "360482", "MA35G3R2")
OFFICE = make_uscc("1", "1", "360482", "01234567")
PERSON_ID = make_resident_id("360482", dt.date(1990, 1, 1), 123)


def penalty(**changes: str) -> dict[str, str]:
    row = {
        "XDR_MC": "共青城市某某商贸有限公司", "XDR_LB": "法人及非法人组织", "XDR_SHXYM": FIRM, "FRDB": "李四",
        "WSH": "共市监罚〔2025〕12号", "WFXW": "虚假宣传", "SY": "发布虚假广告", "YJ": "《广告法》第五十五条",
        "CFLB": "警告；罚款", "NR": "警告并处罚款五千元", "NR_FK": "0.5", "JDRQ": "2025-03-01", "YXQ": "2026-03-01",
        "CFJG": "共青城市市场监督管理局", "CFJGDM": OFFICE, "SJLY": "共青城市市场监督管理局", "SJLYDM": OFFICE,
    }  # fmt: skip
    return _apply(row, changes)


def licence(**changes: str) -> dict[str, str]:
    row = {
        "XDR_MC": "共青城市某某商贸有限公司", "XDR_LB": "法人及非法人组织", "XDR_SHXYM": FIRM,
        "XKWS": "食品经营许可决定书", "WSH": "共审批食〔2025〕8号", "XKLB": "普通", "XKZS": "食品经营许可证",
        "XKBH": "JY13604820001234", "NR": "预包装食品销售", "JDRQ": "2025-03-01", "YXQZ": "2025-03-01",
        "YXQZI": "2030-02-28", "XKJG": "共青城市行政审批局", "XKJGDM": OFFICE, "ZT": "有效",
        "LYDW": "共青城市行政审批局", "LYDWDM": OFFICE,
    }  # fmt: skip
    return _apply(row, changes)


def _apply(row: dict[str, str], changes: dict[str, str]) -> dict[str, str]:
    row.update(changes)
    return {k: val for k, val in row.items() if val != "-"}  # "-" drops a field


def check(kind: Kind, fields: dict[str, str], **kw: Any) -> RowOutcome:
    kw.setdefault("row", 7)
    kw.setdefault("today", TODAY)
    kw.setdefault("source_department", "SCJGJ")
    return validate_row(kind, fields, **kw)


def errors(kind: Kind, fields: dict[str, str], **kw: Any) -> dict[str, str]:
    outcome = check(kind, fields, **kw)
    assert not outcome.accepted
    assert outcome.record is None
    assert all(error.row == kw.get("row", 7) for error in outcome.errors)
    return {error.field: error.reason for error in outcome.errors}


def accepted(kind: Kind, fields: dict[str, str], **kw: Any) -> dict[str, Any]:
    outcome = check(kind, fields, **kw)
    assert outcome.errors == ()
    assert outcome.record is not None
    RecordIn.model_validate(outcome.record)  # exactly the fields the records service takes
    return dict(outcome.record)


# ---------------------------------------------------------------- accepted rows


def test_a_valid_penalty() -> None:
    record = accepted(Kind.PENALTY, penalty(BZ="=cmd|' /C calc'!A0"))
    assert record["kind"] == "penalty"
    assert record["source_department"] == "SCJGJ"
    assert record["doc_no"] == "共市监罚〔2025〕12号"
    assert record["subject"] == {"type": "entity", "name": "共青城市某某商贸有限公司", "uscc": FIRM}
    assert record["title"] == "行政处罚决定书"
    assert record["decision_date"] == dt.date(2025, 3, 1)
    assert record["disclosure"] == "公开"
    assert record["status"] == "有效"
    assert record["severity"] == "一般"
    content = record["content"]
    assert content["CFLB"] == ["警告", "罚款"]
    assert content["NR_FK"] == "0.5"
    assert content["JDRQ"] == "2025-03-01"
    assert content["BZ"] == "=cmd|' /C calc'!A0"  # formula-looking text is data; exports neutralise it
    assert "YZCD" not in content
    provenance = record["provenance"]
    assert provenance["layout"] == "national-2.0"
    assert provenance["row"] == 7
    assert provenance["severity_defaulted"] is True
    assert provenance["original"]["CF_XDR_MC"] == "共青城市某某商贸有限公司"


def test_a_valid_licence() -> None:
    record = accepted(Kind.LICENSE, licence(XKLB="普通许可", YXQZI="长期"))
    assert record["title"] == "食品经营许可决定书"
    assert record["severity"] is None
    assert record["content"]["XKLB"] == "普通"
    assert record["content"]["YXQZI"] == "2099-12-31"
    assert "severity_defaulted" not in record["provenance"]


@pytest.mark.parametrize(
    ("text", "severity"), [("严重", Severity.SERIOUS), ("轻微", Severity.MINOR), ("一般失信", Severity.GENERAL)]
)
def test_local_severity_column(text: str, severity: Severity) -> None:
    record = accepted(Kind.PENALTY, penalty(YZCD=text))
    assert record["severity"] == severity.value
    assert "severity_defaulted" not in record["provenance"]


def test_all_errors_of_a_row_are_collected() -> None:
    found = errors(Kind.PENALTY, penalty(XDR_SHXYM="91360482MA35G3R203", JDRQ="2025-02-30", NR_FK="-1", WFXW="-"))
    assert set(found) == {"CF_XDR_SHXYM", "CF_JDRQ", "CF_NR_FK", "CF_WFXW"}


# ---------------------------------------------------------------- required fields


@pytest.mark.parametrize("field", sorted(REQUIRED[Kind.PENALTY]))
def test_required_penalty_fields(field: str) -> None:
    found = errors(Kind.PENALTY, penalty(**{field: "  "}))
    assert "必填" in found[f"CF_{field}"]


@pytest.mark.parametrize("field", sorted(REQUIRED[Kind.LICENSE]))
def test_required_licence_fields(field: str) -> None:
    found = errors(Kind.LICENSE, licence(**{field: "-"}))
    assert "必填" in found[f"XK_{field}"]


# ---------------------------------------------------------------- subject


def test_subject_type_enumeration() -> None:
    assert "法人及非法人组织、自然人、个体工商户" in errors(Kind.PENALTY, penalty(XDR_LB="公司"))["CF_XDR_LB"]
    assert accepted(Kind.PENALTY, penalty(XDR_LB="法人"))["content"]["XDR_LB"] == "法人及非法人组织"


def test_legal_person_needs_a_valid_uscc_naming_the_rule() -> None:
    assert "必须填写统一社会信用代码" in errors(Kind.PENALTY, penalty(XDR_SHXYM="-"))["CF_XDR_SHXYM"]
    reason = errors(Kind.PENALTY, penalty(XDR_SHXYM=FIRM[:17] + "0"))["CF_XDR_SHXYM"]
    assert "代码不正确" in reason
    assert "第 18 位校验码不正确" in reason and "USCC" not in reason, "the rule broken, in Chinese"
    assert "长度应为 18 位" in errors(Kind.PENALTY, penalty(XDR_SHXYM="9136048"))["CF_XDR_SHXYM"]
    assert accepted(Kind.PENALTY, penalty(XDR_SHXYM=FIRM.lower()))["subject"]["uscc"] == FIRM


def test_uscc_must_agree_with_the_subject_type() -> None:
    assert "个体工商户" in errors(Kind.PENALTY, penalty(XDR_SHXYM=SHOP))["CF_XDR_LB"]
    assert "92 开头" in errors(Kind.PENALTY, penalty(XDR_LB="个体工商户"))["CF_XDR_LB"]
    record = accepted(Kind.PENALTY, penalty(XDR_LB="个体工商户", XDR_SHXYM=SHOP, XDR_MC="共青城市李四小吃店"))
    assert record["subject"] == {"type": "entity", "name": "共青城市李四小吃店", "uscc": SHOP}


def test_self_employed_without_code_is_its_operator() -> None:
    found = errors(Kind.PENALTY, penalty(XDR_LB="个体工商户", XDR_SHXYM="-"))
    assert "经营者的证件" in found["CF_XDR_SHXYM"]
    record = accepted(
        Kind.PENALTY, penalty(XDR_LB="个体户", XDR_SHXYM="-", XDR_MC="李四小吃店", FR_ZJLX="身份证", FR_ZJHM=PERSON_ID)
    )
    assert record["subject"] == {
        "type": "person", "name": "李四", "id_type": "resident_id", "id_number": PERSON_ID,
    }  # fmt: skip
    assert record["content"]["FR_ZJHM"] == PERSON_ID  # the records service encrypts it at once
    assert record["provenance"]["original"]["CF_FR_ZJHM"] == "360482********" + PERSON_ID[-4:]


def test_natural_person() -> None:
    row = penalty(XDR_LB="自然人", XDR_SHXYM="-", XDR_MC="张三", XDR_ZJLX="居民身份证", XDR_ZJHM=PERSON_ID.lower())
    record = accepted(Kind.PENALTY, row)
    assert record["subject"] == {"type": "person", "name": "张三", "id_type": "resident_id", "id_number": PERSON_ID}
    assert record["content"]["XDR_ZJLX"] == "身份证"
    assert PERSON_ID not in str(record["provenance"])
    passport = accepted(Kind.PENALTY, {**row, "XDR_ZJLX": "护照", "XDR_ZJHM": "E12345678"})
    assert passport["subject"]["id_type"] == "passport"


def test_natural_person_errors() -> None:
    person = {"XDR_LB": "自然人", "XDR_SHXYM": "-", "XDR_MC": "张三"}
    found = errors(Kind.PENALTY, penalty(**person))
    assert "自然人时必填" in found["CF_XDR_ZJLX"]
    assert "自然人时必填" in found["CF_XDR_ZJHM"]
    bad_check = PERSON_ID[:17] + ("0" if PERSON_ID[17] != "0" else "1")
    found = errors(Kind.PENALTY, penalty(**person, XDR_ZJLX="身份证", XDR_ZJHM=bad_check))
    assert "证件号码不正确" in found["CF_XDR_ZJHM"]
    assert bad_check not in found["CF_XDR_ZJHM"]
    assert "护照" in errors(Kind.PENALTY, penalty(**person, XDR_ZJLX="驾驶证", XDR_ZJHM=PERSON_ID))["CF_XDR_ZJLX"]
    found = errors(Kind.PENALTY, penalty(XDR_LB="自然人", XDR_MC="张三", XDR_ZJLX="身份证", XDR_ZJHM=PERSON_ID))
    assert "自然人不填统一社会信用代码" in found["CF_XDR_SHXYM"]
    long_name = penalty(**{**person, "XDR_MC": "张" * 101}, XDR_ZJLX="身份证", XDR_ZJHM=PERSON_ID)
    assert "自然人姓名" in errors(Kind.PENALTY, long_name)["CF_XDR_MC"]


def test_an_id_number_needs_its_type() -> None:
    found = errors(Kind.PENALTY, penalty(FR_ZJHM=PERSON_ID))
    assert "填写了证件号码时必填" in found["CF_FR_ZJLX"]
    assert accepted(Kind.PENALTY, penalty(FR_ZJLX="身份证"))["content"]["FR_ZJLX"] == "身份证"  # type alone: harmless


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "text",
    ["2025-03-01", "2025/3/1", "2025.03.01", "2025年3月1日", "2025 年 3 月 1 日", "20250301", "２０２５－０３－０１",
     "2025-03-01T00:00:00", "2025-03-01 00:00:00.000", "2025-02-28T16:00:00Z", "2025-03-01T09:00:00+08:00"],
)  # fmt: skip
def test_date_formats(text: str) -> None:
    assert accepted(Kind.PENALTY, penalty(JDRQ=text))["decision_date"] == dt.date(2025, 3, 1)


@pytest.mark.parametrize(
    ("text", "reason"),
    [("2025-02-29", "不存在"), ("2025-13-01", "不存在"), ("三月一日", "格式无法识别"), ("2025-3", "格式无法识别"),
     ("45352", "格式无法识别"), ("2025-03-01 25:00", "不存在")],
)  # fmt: skip
def test_impossible_dates(text: str, reason: str) -> None:
    assert reason in errors(Kind.PENALTY, penalty(JDRQ=text))["CF_JDRQ"]


def test_decision_date_rules() -> None:
    assert "晚于今天" in errors(Kind.PENALTY, penalty(JDRQ="2025-07-01", YXQ="2026-07-01"))["CF_JDRQ"]
    assert "早于 1949" in errors(Kind.PENALTY, penalty(JDRQ="1920-01-01"))["CF_JDRQ"]
    assert "晚于处罚有效期" in errors(Kind.PENALTY, penalty(YXQ="2025-02-28"))["CF_JDRQ"]
    assert "晚于有效期至" in errors(Kind.LICENSE, licence(YXQZ="2025-01-01", YXQZI="2025-02-28"))["XK_JDRQ"]
    assert "晚于有效期至" in errors(Kind.LICENSE, licence(YXQZ="2031-01-01"))["XK_YXQZ"]
    assert "公示截止期早于决定日期" in errors(Kind.PENALTY, penalty(GSJZQ="2025-02-01"))["CF_GSJZQ"]
    assert accepted(Kind.PENALTY, penalty(JDRQ="2025-06-30", YXQ="2025-06-30"))  # today, and ending that day


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31)), st.sampled_from(range(6)))
def test_date_formats_round_trip(date: dt.date, style: int) -> None:
    text = [
        date.isoformat(),
        f"{date.year}/{date.month}/{date.day}",
        f"{date.year}年{date.month}月{date.day}日",
        date.strftime("%Y%m%d") if date.year >= 1000 else date.isoformat(),
        f"{date.isoformat()}T00:00:00",
        f"{date.year}.{date.month:02d}.{date.day:02d}",
    ][style]
    assert values.parse_date(text) == date


# ---------------------------------------------------------------- enumerations and amounts


def test_licence_category() -> None:
    assert "普通、特许、认可、核准、登记、其他" in errors(Kind.LICENSE, licence(XKLB="一般"))["XK_XKLB"]
    assert accepted(Kind.LICENSE, licence(XKLB="其它"))["content"]["XKLB"] == "其他"


def test_penalty_categories_several_and_old_words() -> None:
    record = accepted(Kind.PENALTY, penalty(CFLB="警告、罚款 | 没收违法所得,没收非法财物;责令停产停业", NR_WFFF="1.2"))
    assert record["content"]["CFLB"] == ["警告", "罚款", "没收违法所得", "没收非法财物", "责令停产停业"]
    record = accepted(Kind.PENALTY, penalty(CFLB="罚款；暂扣或者吊销执照；其它"))
    assert record["content"]["CFLB"] == ["罚款", "其他"]
    assert record["provenance"]["mapped"] == {"CFLB": {"暂扣或者吊销执照": "其他", "其它": "其他"}}
    reason = errors(Kind.PENALTY, penalty(CFLB="警告；罚金"))["CF_CFLB"]
    assert "“罚金”不是处罚类别" in reason


def test_a_category_needs_its_amount_or_licence() -> None:
    assert "处罚类别含“罚款”时必填" in errors(Kind.PENALTY, penalty(NR_FK="-"))["CF_NR_FK"]
    assert "没收违法所得" in errors(Kind.PENALTY, penalty(CFLB="没收违法所得"))["CF_NR_WFFF"]
    assert "吊销许可证件" in errors(Kind.PENALTY, penalty(CFLB="吊销许可证件"))["CF_NR_ZKDX"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [("-1", "负数"), ("0.1234567", "6 位小数"), ("10000001", "超过"), ("五千元", "数字"), ("5000元", "万元"),
     ("1e3", "数字"), ("1.2.3", "数字")],
)  # fmt: skip
def test_amounts(text: str, reason: str) -> None:
    assert reason in errors(Kind.PENALTY, penalty(NR_FK=text))["CF_NR_FK"]
    assert reason in errors(Kind.PENALTY, penalty(NR_WFFF=text))["CF_NR_WFFF"]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("0.500000", "0.5"), ("1,000", "1000"), ("12万元", "12"), ("０.５", "0.5"), ("0", "0"), (".25", "0.25")],
)
def test_amounts_are_canonical_decimals(text: str, canonical: str) -> None:
    assert accepted(Kind.PENALTY, penalty(NR_FK=text))["content"]["NR_FK"] == canonical


@given(st.decimals(min_value=0, max_value=10_000_000, places=6, allow_nan=False, allow_infinity=False))
def test_amount_round_trip(amount: Decimal) -> None:
    canonical = values.parse_amount(format(amount, "f"))
    assert Decimal(canonical) == amount
    assert values.parse_amount(canonical) == canonical


def test_severity_and_status_enumerations() -> None:
    assert "轻微、一般、严重" in errors(Kind.PENALTY, penalty(YZCD="很严重"))["CF_YZCD"]
    assert "1 有效、2 无效" in errors(Kind.LICENSE, licence(ZT="9"))["XK_ZT"]
    assert accepted(Kind.LICENSE, licence(ZT="1"))["status"] == Status.VALID
    assert accepted(Kind.LICENSE, licence(ZT="撤销"))["status"] == Status.REVOKED
    assert accepted(Kind.LICENSE, licence(ZT="2"))["status"] == Status.REVOKED
    expired = accepted(Kind.LICENSE, licence(ZT="无效", JDRQ="2020-01-01", YXQZ="2020-01-01", YXQZI="2024-12-31"))
    assert expired["status"] == Status.EXPIRED


# ---------------------------------------------------------------- texts, codes, hostile input


def test_authority_and_source_codes_must_be_valid() -> None:
    found = errors(Kind.PENALTY, penalty(CFJGDM="11360482012345671X", SJLYDM="123"))
    assert "代码不正确" in found["CF_CFJGDM"]
    assert "代码不正确" in found["CF_SJLYDM"]
    assert set(errors(Kind.LICENSE, licence(XKJGDM="x", LYDWDM="y"))) == {"XK_XKJGDM", "XK_LYDWDM"}


@pytest.mark.parametrize(("field", "limit"), [("XDR_MC", 200), ("WSH", 128), ("SY", 4000), ("NR", 4000), ("YJ", 4000)])
def test_text_limits(field: str, limit: int) -> None:
    assert accepted(Kind.PENALTY, penalty(**{field: "字" * limit}))
    reason = errors(Kind.PENALTY, penalty(**{field: "字" * (limit + 1)}))[f"CF_{field}"]
    assert f"超过 {limit:,} 个字符" in reason


def test_title_limit() -> None:
    assert "超过 300 个字符" in errors(Kind.LICENSE, licence(XKWS="书" * 301))["XK_XKWS"]


def test_control_characters_are_refused_but_tabs_and_newlines_kept() -> None:
    assert "控制字符" in errors(Kind.PENALTY, penalty(SY="虚假\x00宣传"))["CF_SY"]
    assert "控制字符" in errors(Kind.PENALTY, penalty(BZ="\x1b[31m红色"))["CF_BZ"]
    assert "控制字符" in errors(Kind.PENALTY, penalty(XDR_MC="某公司\u202e"))["CF_XDR_MC"]
    record = accepted(Kind.PENALTY, penalty(SY="第一行\n第二行\t续", XDR_MC="某某\n商贸  有限公司"))
    assert record["content"]["SY"] == "第一行\n第二行\t续"
    assert record["subject"]["name"] == "某某 商贸 有限公司"  # names are one line


def test_a_100000_character_field_in_a_file_is_rejected_naming_the_field() -> None:
    headers = ",".join(
        ["CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_WSH", "CF_WFXW", "CF_SY", "CF_YJ", "CF_CFLB", "CF_NR",
         "CF_JDRQ", "CF_YXQ", "CF_CFJG", "CF_CFJGDM", "CF_SJLY", "CF_SJLYDM", "备注2"]
    )  # fmt: skip
    good = (
        f"某公司,法人及非法人组织,{FIRM},文号{{n}},虚假宣传,{{sy}},依据,警告,警告,2025-03-01,2026-03-01,"
        f"局,{OFFICE},局,{OFFICE},{{bz}}"
    )
    lines = [
        headers,
        good.format(n=1, sy="违" * 100_000, bz=""),
        good.format(n=2, sy="事实", bz="备" * 20_001),
        good.format(n=3, sy="事实", bz="=cmd|' /C calc'!A0"),
    ]
    outcomes = []
    with open_table("\n".join(lines).encode("gb18030"), "big.csv") as table:
        layout = detect_layout(table.headers, Kind.PENALTY)
        for row, cells in table.rows():
            assert isinstance(cells, list)
            fields, original = layout.split(cells)
            outcomes.append(check(Kind.PENALTY, fields, row=row, layout=layout, original=original))
    first, second, third = outcomes
    assert [(e.row, e.field, e.column) for e in first.errors] == [(2, "CF_SY", "CF_SY")]
    assert "超过 4,000 个字符（共 100,000 个）" in first.errors[0].reason
    assert [(e.row, e.field) for e in second.errors] == [(3, "备注2")]  # an unknown column, named by its header
    assert "超过 20,000 个字符" in second.errors[0].reason
    assert third.record is not None
    assert third.record["provenance"]["original"]["备注2"] == "=cmd|' /C calc'!A0"
    assert third.record["provenance"]["unknown_columns"] == ["备注2"]


def test_errors_name_the_columns_the_department_used() -> None:
    headers = ["行政相对人名称", "相对人类别", "统一社会信用代码", "行政处罚决定书文号", "违法行为类型", "违法事实",
               "处罚依据", "处罚类别", "处罚内容", "罚款金额（万元）", "处罚决定日期", "处罚有效期", "处罚机关",
               "处罚机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码"]  # fmt: skip
    layout = detect_layout(headers, Kind.PENALTY)
    cells = [
        "某公司",
        "法人",
        "bad",
        "文号",
        "x",
        "y",
        "z",
        "警告",
        "n",
        "",
        "2025-03-01",
        "2026-03-01",
        "局",
        OFFICE,
        "局",
        OFFICE,
    ]
    fields, original = layout.split(cells)
    outcome = check(Kind.PENALTY, fields, layout=layout, original=original)
    (error,) = outcome.errors
    assert (error.field, error.column) == ("CF_XDR_SHXYM", "统一社会信用代码")
    assert error.reason.startswith("统一社会信用代码：")


# ---------------------------------------------------------------- the 1.0 layout


def test_penalty_v1_row() -> None:
    headers = ["CF_WSH", "CF_CFMC", "CF_CFLB1", "CF_CFLB2", "CF_SY", "CF_YJ", "CF_XDR_MC", "CF_XDR_SHXYM",
               "CF_XDR_SFZ", "CF_FR", "CF_JG", "CF_JDRQ", "CF_XZJG", "CF_ZT", "DFBM", "SJC"]  # fmt: skip
    layout = detect_layout(headers, Kind.PENALTY)
    unit = SourceUnit("共青城市市场监督管理局", OFFICE)

    def run(**cells: str) -> RowOutcome:
        row = dict.fromkeys(headers, "") | {
            "CF_WSH": "共市监罚〔2019〕3号", "CF_CFMC": "张三无照经营案", "CF_CFLB1": "警告",
            "CF_CFLB2": "暂扣或者吊销执照", "CF_SY": "无照经营", "CF_YJ": "《无证无照经营查处办法》",
            "CF_XDR_MC": "张三", "CF_XDR_SFZ": PERSON_ID, "CF_JG": "警告", "CF_JDRQ": "2019/5/6",
            "CF_XZJG": "共青城市市场监督管理局", "CF_ZT": "0", "DFBM": "360482", "SJC": "2019-05-07 10:00:00",
        } | cells  # fmt: skip
        fields, original = layout.split([row[h] for h in headers])
        return check(Kind.PENALTY, fields, layout=layout, original=original, source_unit=unit)

    record = run().record
    assert record is not None
    RecordIn.model_validate(record)
    assert record["title"] == "张三无照经营案"
    assert record["subject"]["type"] == SubjectType.PERSON
    assert record["content"]["XDR_LB"] == "自然人"
    assert record["content"]["SJLYDM"] == OFFICE
    assert record["content"]["CFLB"] == ["警告", "其他"]
    assert "SJC" not in record["content"] and "DFBM" not in record["content"]  # volatile: provenance only
    provenance = record["provenance"]
    assert provenance["layout"] == "national-1.0"
    assert provenance["inferred"] == {"XDR_LB": "自然人"}
    assert provenance["defaulted"] == {"SJLY": "共青城市市场监督管理局", "SJLYDM": OFFICE}
    assert provenance["original"]["CF_XDR_SFZ"] == "360482********" + PERSON_ID[-4:]
    assert provenance["original"]["SJC"] == "2019-05-07 10:00:00"
    assert run(CF_ZT="1").record["status"] == Status.REVOKED  # type: ignore[index]  # 1.0: 1 = 撤销
    assert run(CF_XDR_SFZ="", CF_XDR_SHXYM=FIRM).record["subject"]["uscc"] == FIRM  # type: ignore[index]
    found = {e.field: e.reason for e in run(CF_JG="", CF_XDR_SFZ="12345").errors}
    assert "必填" in found["CF_JG"]  # named as the 1.0 file names it
    assert "证件号码不正确" in found["CF_XDR_SFZ"]
    found = {e.field: e.reason for e in run(CF_XDR_SFZ="").errors}
    assert "统一社会信用代码或居民身份证号" in found["CF_XDR_SHXYM"]


def test_licence_v1_row() -> None:
    headers = ["XK_WSH", "XK_XMMC", "XK_SPLB", "XK_NR", "XK_XDR", "XK_XDR_SHXYM", "XK_FR", "XK_JDRQ", "XK_JZQ",
               "XK_XZJG", "XK_ZT", "DFBM", "SJC"]  # fmt: skip
    layout = detect_layout(headers, Kind.LICENSE)
    cells = ["共审批〔2018〕1号", "食品经营许可", "普通许可", "预包装食品销售", "某小吃店", SHOP, "李四", "2018-06-01",
             "2023-05-31", "共青城市行政审批局", "0", "360482", "20180602"]  # fmt: skip
    fields, original = layout.split(cells)
    record = accepted(Kind.LICENSE, fields, layout=layout, original=original)
    assert record["title"] == "食品经营许可"
    assert record["content"]["XKLB"] == "普通"
    assert record["content"]["XDR_LB"] == "个体工商户"
    assert record["content"]["YXQZ"] == "2018-06-01"
    assert record["content"]["YXQZI"] == "2023-05-31"
    assert record["provenance"]["defaulted"] == {"YXQZ": "2018-06-01"}
    assert "LYDW" not in record["content"]  # no source unit given: a 1.0 file simply has none


def test_json_rows_without_a_file() -> None:
    record = accepted(
        Kind.PENALTY,
        {**penalty(XDR_LB="自然人", XDR_SHXYM="-", XDR_ZJLX="身份证", XDR_ZJHM=PERSON_ID), "经办人": "王五"},
    )
    assert record["provenance"]["original"]["CF_XDR_ZJHM"] == "360482********" + PERSON_ID[-4:]
    assert record["provenance"]["original"]["经办人"] == "王五"
    assert "经办人" not in record["content"]
    assert "too long" in errors(Kind.PENALTY, {**penalty(), "extra": "x" * 20_001})["extra"]


def test_json_values_that_are_not_text() -> None:
    record = accepted(Kind.PENALTY, {**penalty(), "NR_FK": 0.5, "CFLB": ["警告", "罚款"], "BZ": None, "JDRQ": 20250301})
    assert record["content"]["NR_FK"] == "0.5"
    assert record["content"]["CFLB"] == ["警告", "罚款"]
    assert "BZ" not in record["content"]
    found = errors(Kind.PENALTY, {**penalty(), "WSH": {"no": 1}, "x" * 500: [{}]})
    assert "应为文本" in found["CF_WSH"]
    assert "必填" not in found["CF_WSH"]
    assert "x" * 64 in found
