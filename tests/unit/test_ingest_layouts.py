"""Header recognition (issue 3): national 2.0 codes with and without prefix, Chinese names, the 1.0 layout."""

from __future__ import annotations

import pytest

from xinyong.core.errors import InvalidInput
from xinyong.records.ingest.layouts import (
    LABELS,
    NATIONAL_1,
    NATIONAL_2,
    REQUIRED,
    detect_layout,
    guess_kind,
    layout_for_fields,
    normalise_header,
)
from xinyong.records.rules import Kind

PENALTY_V2 = [
    "CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_XDR_GSZC", "CF_XDR_ZZJG", "CF_XDR_SWDJ", "CF_XDR_SYDW",
    "CF_XDR_SHZZ", "CF_FRDB", "CF_FR_ZJLX", "CF_FR_ZJHM", "CF_XDR_ZJLX", "CF_XDR_ZJHM", "CF_WSH", "CF_WFXW",
    "CF_SY", "CF_YJ", "CF_CFLB", "CF_NR", "CF_NR_FK", "CF_NR_WFFF", "CF_NR_ZKDX", "CF_JDRQ", "CF_YXQ",
    "CF_GSJZQ", "CF_CFJG", "CF_CFJGDM", "CF_SJLY", "CF_SJLYDM", "BZ",
]  # fmt: skip
LICENSE_V2 = [
    "XK_XDR_MC", "XK_XDR_LB", "XK_XDR_SHXYM", "XK_FRDB", "XK_FR_ZJLX", "XK_FR_ZJHM", "XK_XDR_ZJLX", "XK_XDR_ZJHM",
    "XK_XKWS", "XK_WSH", "XK_XKLB", "XK_XKZS", "XK_XKBH", "XK_NR", "XK_JDRQ", "XK_YXQZ", "XK_YXQZI", "XK_XKJG",
    "XK_XKJGDM", "XK_ZT", "XK_LYDW", "XK_LYDWDM", "XK_BZ",
]  # fmt: skip
PENALTY_CHINESE = [
    "行政相对人名称", "相对人类别", "统一社会信用代码", "法定代表人", "证件类型", "证件号码", "行政处罚决定书文号",
    "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容", "罚款金额（万元）",
    "没收违法所得、没收非法财物的金额（万元）", "暂扣或吊销证照名称及编号", "处罚决定日期", "处罚有效期", "公示截止期",
    "处罚机关", "处罚机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码", "备注",
]  # fmt: skip
LICENSE_CHINESE = [
    "相对人名称", "行政相对人类别", "统一社会信用代码", "法定代表人", "行政许可决定文书名称", "行政许可决定文书号",
    "许可类别", "许可证书名称", "许可编号", "许可内容", "许可决定日期", "有效期自", "有效期至", "许可机关",
    "许可机关统一社会信用代码", "当前状态", "数据来源单位", "数据来源单位统一社会信用代码", "备注",
]  # fmt: skip
PENALTY_V1 = [
    "CF_WSH", "CF_CFMC", "CF_CFLB1", "CF_CFLB2", "CF_SY", "CF_YJ", "CF_XDR_MC", "CF_XDR_SHXYM", "CF_XDR_ZDM",
    "CF_XDR_GSDJ", "CF_XDR_SWDJ", "CF_XDR_SFZ", "CF_FR", "CF_JG", "CF_JDRQ", "CF_XZJG", "CF_ZT", "DFBM", "SJC", "BZ",
]  # fmt: skip
LICENSE_V1 = [
    "XK_WSH", "XK_XMMC", "XK_SPLB", "XK_NR", "XK_XDR", "XK_XDR_SHXYM", "XK_XDR_ZDM", "XK_XDR_GSDJ", "XK_XDR_SWDJ",
    "XK_XDR_SFZ", "XK_FR", "XK_JDRQ", "XK_JZQ", "XK_XZJG", "XK_ZT", "DFBM", "SJC", "BZ",
]  # fmt: skip


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        (PENALTY_V2, Kind.PENALTY),
        (LICENSE_V2, Kind.LICENSE),
        (PENALTY_CHINESE, "penalty"),
        (LICENSE_CHINESE, "license"),
    ],
)
def test_national_2_layout_in_codes_and_chinese(headers: list[str], kind: Kind | str) -> None:
    layout = detect_layout(headers, kind)
    assert layout.name == NATIONAL_2
    assert layout.unknown == []
    assert len(layout.columns) == len(headers)
    assert REQUIRED[Kind(kind)] <= set(layout.columns.values())


def test_codes_without_prefix_any_order_and_case() -> None:
    bare = [h.removeprefix("CF_").lower() for h in reversed(PENALTY_V2)]
    layout = detect_layout(bare, Kind.PENALTY)
    assert layout.name == NATIONAL_2
    assert set(layout.columns.values()) == {h.removeprefix("CF_") for h in PENALTY_V2}
    assert layout.code("XDR_SHXYM") == "CF_XDR_SHXYM"  # errors name the national code


@pytest.mark.parametrize(
    ("header", "field"),
    [
        (" 行政相对人 名称 ", "XDR_MC"),
        ("行政相对人名称*", "XDR_MC"),
        ("*行政相对人名称", "XDR_MC"),
        ("行政相对人名称（必填）", "XDR_MC"),
        ("罚款金额(万元)", "NR_FK"),
        ("罚款金额（万元）", "NR_FK"),
        ("罚款金额", "NR_FK"),
        ("没收违法所得,没收非法财物的金额(万元)", "NR_WFFF"),
        ("ＣＦ＿ＸＤＲ＿ＭＣ", "XDR_MC"),  # full-width Latin
        ("cf_xdr_mc", "XDR_MC"),
        ("行政相对人代码_1(统一社会信用代码)", "XDR_SHXYM"),
        ("严重程度", "YZCD"),
        ("CF_YZCD", "YZCD"),
    ],
)
def test_tolerant_matching(header: str, field: str) -> None:
    headers = [h for h in PENALTY_V2 if h != f"CF_{field}"] + [header]
    layout = detect_layout(headers, Kind.PENALTY)
    assert layout.columns[len(headers) - 1] == field
    assert layout.column(field) == header


def test_a_fine_in_yuan_is_not_taken_for_wan_yuan() -> None:
    layout = detect_layout([*PENALTY_V2, "罚款金额（元）"], Kind.PENALTY)
    assert layout.unknown == ["罚款金额（元）"]


def test_unknown_columns_are_kept() -> None:
    layout = detect_layout(["序号", *PENALTY_V2, "经办人", "当事人身份证号码"], Kind.PENALTY)
    assert layout.unknown == ["序号", "经办人", "当事人身份证号码"]
    assert 0 not in layout.columns
    cells = ["1", *[""] * len(PENALTY_V2), "王五", "360482199001011238"]
    fields, original = layout.split(cells)
    assert fields == {}
    assert original == {"序号": "1", "经办人": "王五", "当事人身份证号码": "360482********1238"}


def test_penalty_v1_layout_is_recognised_and_mapped() -> None:
    layout = detect_layout(PENALTY_V1, "penalty")
    assert layout.name == NATIONAL_1
    assert layout.unknown == []
    values = {
        "CF_WSH": "共市监罚〔2019〕3号", "CF_CFMC": "虚假宣传案", "CF_CFLB1": "警告", "CF_CFLB2": "罚款",
        "CF_SY": "事由", "CF_YJ": "依据", "CF_XDR_MC": "张三", "CF_XDR_SHXYM": "", "CF_XDR_ZDM": "12345678-9",
        "CF_XDR_GSDJ": "360400000000001", "CF_XDR_SWDJ": "", "CF_XDR_SFZ": "360482199001011238", "CF_FR": "",
        "CF_JG": "罚款 1000 元", "CF_JDRQ": "2019/5/6", "CF_XZJG": "共青城市市场监督管理局", "CF_ZT": "0",
        "DFBM": "360482", "SJC": "2019-05-07 10:00:00", "BZ": "",
    }  # fmt: skip
    fields, original = layout.split([values[h] for h in PENALTY_V1])
    assert fields == {
        "WSH": "共市监罚〔2019〕3号", "CFMC": "虚假宣传案", "CFLB": "警告；罚款", "SY": "事由", "YJ": "依据",
        "XDR_MC": "张三", "XDR_ZZJG": "12345678-9", "XDR_GSZC": "360400000000001",
        "XDR_ZJHM": "360482199001011238", "XDR_ZJLX": "身份证", "NR": "罚款 1000 元", "JDRQ": "2019/5/6",
        "CFJG": "共青城市市场监督管理局", "ZT": "0", "DFBM": "360482", "SJC": "2019-05-07 10:00:00",
    }  # fmt: skip
    assert original["CF_XDR_SFZ"] == "360482********1238"  # never in clear outside the fields
    assert original["CF_CFLB2"] == "罚款"
    # errors name the field as this file knows it
    assert layout.code("NR") == "CF_JG"
    assert layout.code("CFLB") == "CF_CFLB1"
    assert layout.code("XDR_ZJHM") == "CF_XDR_SFZ"
    assert layout.code("CFJG") == "CF_XZJG"
    assert layout.code("DFBM") == "DFBM"
    assert layout.code("XDR_LB") == "CF_XDR_LB"  # not in the file: the 2.0 code


def test_license_v1_layout_is_recognised_and_mapped() -> None:
    layout = detect_layout(LICENSE_V1, Kind.LICENSE)
    assert layout.name == NATIONAL_1
    mapped = {LICENSE_V1[i]: field for i, field in layout.columns.items()}
    assert mapped["XK_XMMC"] == "XKWS"
    assert mapped["XK_SPLB"] == "XKLB"
    assert mapped["XK_XDR"] == "XDR_MC"
    assert mapped["XK_FR"] == "FRDB"
    assert mapped["XK_JZQ"] == "YXQZI"
    assert mapped["XK_XZJG"] == "XKJG"
    assert mapped["XK_XDR_ZDM"] == "XDR_ZZJG"
    assert layout.implied_id_type


def test_v1_layout_in_chinese() -> None:
    headers = ["行政处罚决定书文号", "处罚名称", "处罚类别1", "处罚类别2", "处罚事由", "处罚依据", "行政相对人名称",
               "统一社会信用代码", "居民身份证号", "法定代表人姓名", "处罚结果", "处罚决定日期", "处罚机关", "当前状态",
               "地方编码", "数据更新时间戳"]  # fmt: skip
    layout = detect_layout(headers, Kind.PENALTY)
    assert layout.name == NATIONAL_1
    assert layout.code("NR") == "CF_JG"
    assert layout.code("SJC") == "SJC"


def test_missing_required_columns_are_listed() -> None:
    headers = [h for h in PENALTY_V2 if h not in {"CF_WFXW", "CF_CFJGDM"}]
    with pytest.raises(InvalidInput) as caught:
        detect_layout(headers, Kind.PENALTY)
    assert caught.value.field == "file"
    assert "CF_CFJGDM 处罚机关统一社会信用代码" in caught.value.message
    assert "CF_WFXW 违法行为类型" in caught.value.message
    assert caught.value.details["missing"] == ["CF_CFJGDM", "CF_WFXW"]
    relaxed = detect_layout(headers, Kind.PENALTY, strict=False)  # e.g. JSON rows: each row reports it
    assert "WFXW" not in relaxed.columns.values()


def test_v1_needs_fewer_columns_than_v2() -> None:
    v1 = detect_layout(PENALTY_V1, Kind.PENALTY)  # no CF_WFXW, CF_CFJGDM, CF_SJLY...: fine for 1.0
    assert v1.name == NATIONAL_1
    with pytest.raises(InvalidInput, match="CF_CFLB"):
        detect_layout([h for h in PENALTY_V1 if not h.startswith("CF_CFLB")], Kind.PENALTY)


def test_unrecognisable_headers_and_the_wrong_kind() -> None:
    with pytest.raises(InvalidInput, match="表头无法识别"):
        detect_layout(["姓名", "年龄", "爱好"], Kind.PENALTY)
    with pytest.raises(InvalidInput) as caught:
        detect_layout(LICENSE_V2, Kind.PENALTY)
    assert "看起来是行政许可（XK_）数据" in caught.value.message
    with pytest.raises(InvalidInput, match="导入类型"):
        detect_layout(PENALTY_V2, "judicial")


def test_two_columns_for_one_field() -> None:
    with pytest.raises(InvalidInput, match="两列对应同一字段") as caught:
        detect_layout([*PENALTY_V2, "行政相对人名称"], Kind.PENALTY)
    assert caught.value.details == {"columns": ["CF_XDR_MC", "行政相对人名称"], "field": "CF_XDR_MC"}
    with pytest.raises(InvalidInput, match="两列对应同一字段"):
        detect_layout([*PENALTY_V1, "CF_NR"], Kind.PENALTY)  # CF_JG already is 处罚内容


def test_guess_kind() -> None:
    assert guess_kind(PENALTY_V2) is Kind.PENALTY
    assert guess_kind(LICENSE_V1) is Kind.LICENSE
    assert guess_kind(PENALTY_CHINESE) is Kind.PENALTY
    assert guess_kind(LICENSE_CHINESE) is Kind.LICENSE
    assert guess_kind(["行政相对人名称", "统一社会信用代码", "备注"]) is None  # both kinds have these
    assert guess_kind([]) is None


def test_every_field_has_a_label_and_layout_without_file() -> None:
    assert LABELS[Kind.PENALTY]["NR_FK"] == "罚款金额（万元）"
    assert LABELS[Kind.LICENSE]["YXQZI"] == "有效期至"
    layout = layout_for_fields(Kind.LICENSE)
    assert layout.code("XKJGDM") == "XK_XKJGDM"
    assert layout.column("XKJGDM") is None
    assert normalise_header(" 罚款金额（万元） * ") == "罚款金额(万元)"
