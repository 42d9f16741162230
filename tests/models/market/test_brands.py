"""The brand matcher: whole words, width/case/traditional forms, hashtags and tags, isolation."""

from __future__ import annotations

import pytest

from models.market.brands import BrandDefinitionError, BrandMatcher, BrandSpec, check_brands
from models.text import get_segmenter

BRANDS = (
    BrandSpec("朵拉朵尚", aliases=("DORA",), products=("小银瓶",), hashtags=("#朵拉朵尚#",), own=True),
    BrandSpec("小米"),
    BrandSpec("兰蔻", aliases=("Lancome", "Estee Lauder"), products=("小黑瓶",)),
)
BACKENDS = ["jieba", "rjieba"]


@pytest.fixture(scope="module", params=BACKENDS)
def matcher(request: pytest.FixtureRequest) -> BrandMatcher:
    return BrandMatcher(BRANDS, backend=request.param)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("早餐喝小米粥", {}),  # 小米 inside the longer word 小米粥 is no mention
        ("刚买了小米手机", {"小米": {"小米"}}),
        ("doraemon 太可爱", {}),  # a Latin alias never matches inside a longer Latin word
        ("dora2 不是这个", {}),
        ("用了dora的面霜", {"朵拉朵尚": {"dora"}}),
        ("estee   lauder 新品", {"兰蔻": {"estee lauder"}}),  # several words in a row
        ("小黑瓶和小银瓶", {"兰蔻": {"小黑瓶"}, "朵拉朵尚": {"小银瓶"}}),
    ],
)
def test_matcher_matches_whole_words_only(
    matcher: BrandMatcher, text: str, expected: dict[str, set[str]]
) -> None:
    assert matcher.match(text) == expected


@pytest.mark.parametrize(
    ("text", "brand"),
    [("ＤＯＲＡ面霜回购", "朵拉朵尚"), ("DoRa 面霜", "朵拉朵尚"), ("蘭蔻粉水", "兰蔻"), ("LANCOME", "兰蔻")],
)
def test_matcher_normalises_width_case_and_traditional_forms(
    matcher: BrandMatcher, text: str, brand: str
) -> None:
    assert set(matcher.match(text)) == {brand}


def test_matcher_reads_hashtags_with_or_without_topic_suffix_and_note_tags(matcher: BrandMatcher) -> None:
    assert matcher.match("空瓶记录 #朵拉朵尚[话题]#") == {"朵拉朵尚": {"#朵拉朵尚#"}}
    assert matcher.match("#小米# 新品") == {"小米": {"#小米#"}}
    assert matcher.match("#小米粥做法#") == {}  # a topic must be a whole term
    assert matcher.match("无关标题", tags=["朵拉朵尚", "护肤"]) == {"朵拉朵尚": {"#朵拉朵尚#"}}


def test_matcher_leaves_the_shared_segmenter_unchanged() -> None:
    before = get_segmenter("jieba").cut("朵拉朵尚小银瓶")
    BrandMatcher((BrandSpec("朵拉朵尚小银瓶"),), backend="jieba")
    assert get_segmenter("jieba").cut("朵拉朵尚小银瓶") == before
    assert "朵拉朵尚小银瓶" not in before


def test_brand_terms_must_name_one_brand() -> None:
    with pytest.raises(BrandDefinitionError, match="'dora' is a term of both"):
        check_brands([BrandSpec("朵拉朵尚", aliases=("DORA",)), BrandSpec("多拉", aliases=("ｄｏｒａ",))])
    with pytest.raises(BrandDefinitionError, match="only one brand"):
        check_brands([BrandSpec("A", own=True), BrandSpec("B", own=True)])
    with pytest.raises(BrandDefinitionError, match="defined twice"):
        check_brands([BrandSpec("A"), BrandSpec("A")])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": " "}, "non-empty name"),
        ({"name": "A", "aliases": "DORA"}, "a list of text"),
        ({"name": "A", "aliases": [3]}, "is not text"),
        ({"name": "A", "hashtags": ["##"]}, "empty once normalised"),
        ({"name": "A", "colour": "red"}, "unknown field"),
    ],
)
def test_brand_definition_errors_say_what_is_wrong(data: dict[str, object], message: str) -> None:
    with pytest.raises(BrandDefinitionError, match=message):
        BrandSpec.from_dict(data)
