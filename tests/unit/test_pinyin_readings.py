"""Pinyin search keys read names as people read them: 55 hand-labelled names (the preferred reading, and readings
that must also be indexed), surnames at the start of a person's name, and the bounds."""

from __future__ import annotations

import pytest

from xinyong.entities.pinyin import MAX_KEY, MAX_VARIANTS, is_person_name, pinyin_keys, reading_variants

# (name, preferred reading, other readings that must be indexed too)
LABELLED: list[tuple[str, str, tuple[str, ...]]] = [
    # banking and commerce (the issue's cases first)
    ("九江银行股份有限公司共青城支行", "jiujiangyinhanggufenyouxiangongsigongqingchengzhihang", ()),
    ("中国工商银行股份有限公司共青城支行", "zhongguogongshangyinhanggufenyouxiangongsigongqingchengzhihang", ()),
    ("中国农业银行共青城市分行", "zhongguonongyeyinhanggongqingchengshifenhang", ()),
    ("共青城长虹副食商行", "gongqingchengchanghongfushishanghang", ()),
    ("都昌县长虹商行", "duchangxianchanghongshanghang", ()),
    ("共青城市鸿运车行", "gongqingchengshihongyunchehang", ()),
    ("共青城市五金行", "gongqingchengshiwujinhang", ()),
    ("乐清市乐器行", "yueqingshiyueqihang", ()),
    ("共青城市雅韵琴行", "gongqingchengshiyayunqinhang", ()),
    ("江西省共青城市行政审批局", "jiangxishenggongqingchengshixingzhengshenpiju", ()),
    ("共青城市综合行政执法局", "gongqingchengshizonghexingzhengzhifaju", ()),
    ("共青城市供销合作社", "gongqingchengshigongxiaohezuoshe", ()),
    ("共青城重工机械有限公司", "gongqingchengzhonggongjixieyouxiangongsi", ()),
    ("共青城市种植专业合作社", "gongqingchengshizhongzhizhuanyehezuoshe", ()),
    ("共青城调味品厂", "gongqingchengtiaoweipinchang", ()),
    ("共青城传媒有限公司", "gongqingchengchuanmeiyouxiangongsi", ()),
    ("共青城快乐便利店", "gongqingchengkuailebianlidian", ()),
    ("共青城长江大厦物业管理有限公司", "gongqingchengchangjiangdashawuyeguanliyouxiangongsi", ()),
    # place names
    ("单县", "shanxian", ()),
    ("都昌县", "duchangxian", ()),
    ("都昌县城市建设投资有限公司", "duchangxianchengshijianshetouziyouxiangongsi", ()),
    ("成都市", "chengdushi", ()),
    ("重庆长安汽车股份有限公司", "chongqingchanganqichegufenyouxiangongsi", ()),
    ("厦门航空有限公司", "xiamenhangkongyouxiangongsi", ()),
    ("六安市", "luanshi", ()),
    ("蚌埠市", "bengbushi", ()),
    ("番禺区", "panyuqu", ()),
    ("乐清市", "yueqingshi", ()),
    ("铅山县", "yanshanxian", ()),
    ("会昌县", "huichangxian", ()),
    ("莘县", "shenxian", ()),
    ("亳州市", "bozhoushi", ()),
    ("鄱阳县", "poyangxian", ()),
    ("婺源县", "wuyuanxian", ()),
    ("东莞市", "dongguanshi", ()),
    # still polyphonic characters: every reading indexed
    ("共青城晟达贸易有限公司", "gongqingchengshengdamaoyiyouxiangongsi", ("gongqingchengchengdamaoyiyouxiangongsi",)),
    (
        "江西晟辉建设工程有限公司",
        "jiangxishenghuijiansheyouxiangongsi".replace("jianshe", "jianshegongcheng"),
        ("jiangxichenghuijianshegongchengyouxiangongsi",),
    ),
    (
        "共青城乐和商贸有限公司",
        "gongqingchenglehe" + "shangmaoyouxiangongsi",
        ("gongqingchengyuehe" + "shangmaoyouxiangongsi",),
    ),
    ("共青城长兴实业有限公司", "gongqingchengchangxingshiyeyouxiangongsi", ()),
    ("共青城朝阳贸易有限公司", "gongqingchengchaoyangmaoyiyouxiangongsi", ()),
    # persons: surnames read as surnames
    ("曾国藩", "zengguofan", ()),
    ("曾小红", "zengxiaohong", ()),
    ("解小明", "xiexiaoming", ()),
    ("查文清", "zhawenqing", ()),
    ("单雄信", "shanxiongxin", ()),
    ("仇大海", "qiudahai", ()),
    ("区志强", "ouzhiqiang", ()),
    ("朴正浩", "piaozhenghao", ()),
    ("盖丽丽", "gelili", ()),
    ("翟志刚", "zhaizhigang", ()),
    ("覃海燕", "qinhaiyan", ()),
    ("缪小军", "miaoxiaojun", ()),
    ("尉迟恭", "yuchigong", ()),
    ("长孙无忌", "zhangsunwuji", ()),
    ("万俟卨", "moqixie", ()),
    ("乐小平", "yuexiaoping", ()),
    ("张晟", "zhangsheng", ("zhangcheng",)),
    ("曾晟", "zengsheng", ("zengcheng",)),
]


def test_at_least_fifty_labelled_names() -> None:
    assert len(LABELLED) >= 50


@pytest.mark.parametrize(("name", "preferred", "others"), LABELLED, ids=[n for n, _, _ in LABELLED])
def test_labelled_reading_is_preferred_and_others_indexed(name: str, preferred: str, others: tuple[str, ...]) -> None:
    variants = reading_variants(name)
    assert variants[0] == preferred
    full, initials = pinyin_keys(name)
    indexed = full.split(" ")
    assert indexed[0] == preferred
    for other in others:
        assert other in indexed
    assert len(indexed) <= MAX_VARIANTS and len(initials.split(" ")) <= MAX_VARIANTS


def test_the_issues_queries_match() -> None:
    full, initials = pinyin_keys("都昌县长虹商行")
    assert "duchang" in full and "dc" in initials and "douchang" not in full.split(" ")[0]
    assert "zhihang" in pinyin_keys("九江银行共青城支行")[0]
    assert "gqcsd" in pinyin_keys("共青城晟达贸易有限公司")[1]
    assert "gqccd" in pinyin_keys("共青城晟达贸易有限公司")[1]


def test_surnames_only_at_the_start_of_a_persons_name() -> None:
    assert pinyin_keys("曾小红")[0].split(" ")[0] == "zengxiaohong"
    # inside a company name 曾 is not a surname position: both readings are indexed, pypinyin's is not lost
    company = pinyin_keys("共青城曾经贸易有限公司")[0].split(" ")
    assert "gongqingchengcengjingmaoyiyouxiangongsi" in company
    assert not is_person_name("共青城曾经贸易有限公司") and is_person_name("曾小红")
    assert pinyin_keys("查验中心", person=False)[0].split(" ")[0] == "chayanzhongxin"
    assert pinyin_keys("查文清", person=True)[0].split(" ")[0] == "zhawenqing"


def test_latin_and_digits_kept_whole_and_no_cross_variant_match() -> None:
    assert pinyin_keys("ABC科技（江西）有限公司") == ("abckejijiangxiyouxiangongsi", "abckjjxyxgs")
    full, _ = pinyin_keys("张晟")
    assert full == "zhangsheng zhangcheng"  # a query has no space, so "shengzhang" can never match across variants
    assert "shengzhang" not in full


def test_bounded() -> None:
    many = "长行乐都单曾解查仇朴区会藏厦调传还校盛和" * 3
    variants = reading_variants(many)
    assert len(variants) == MAX_VARIANTS
    full, initials = pinyin_keys("晟" * 10_000)
    assert len(full) <= MAX_KEY and len(initials) <= MAX_KEY
    assert pinyin_keys("") == ("", "")
    assert pinyin_keys("！？…") == ("", "")
