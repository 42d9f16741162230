from __future__ import annotations

import pytest

from models.aspects import (
    AspectLexicon,
    LexiconEntry,
    OpinionLexicon,
    analyze_comment,
    aspect_labels,
    discover_aspect_terms,
    load_aspect_lexicon,
    load_opinion_lexicon,
    split_clauses,
    strip_modifiers,
)
from models.text import normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # contrast words split clauses, each aspect gets the polarity of its own clause
        ("颜值很高但是安装太麻烦", {"appearance": "pos", "installation": "neg"}),
        ("物流很快，不过包装有点简陋", {"logistics": "pos", "packaging": "neg"}),
        ("味道很香就是价格太贵了", {"scent_taste": "pos", "price": "neg"}),
        # negation flips, also inside a token (不太好用) and within three tokens (不是很贵)
        ("价格不贵", {"price": "pos"}),
        ("不太好用", {"effect": "neg"}),
        ("价格也不是很贵", {"price": "pos"}),
        ("用了一个月也没坏", {"durability": "pos"}),
        # the aspect decides what 高 and 大 mean
        ("颜值很高", {"appearance": "pos"}),
        ("价格很高", {"price": "neg"}),
        ("性价比很高", {"price": "pos"}),
        ("噪音有点大", {"noise": "neg"}),
        # questions judge nothing; a rhetorical 不是...吗 asserts and its 不是 negates nothing
        ("安装需要打孔吗", {"installation": "neu"}),
        ("多少钱一个？", {"price": "neu"}),
        ("这不是智商税吗", {"effect": "neg"}),
        # an aspect without opinion takes the next clause's, or the coordinated aspect's
        ("安装，很简单", {"installation": "pos"}),
        ("价格和颜值都很好", {"price": "pos", "appearance": "pos"}),
        # a set phrase with a negation in it negates nothing
        ("该说不说真的好用", {"effect": "pos"}),
        # a longer non-aspect term blocks the aspect term inside it
        ("设计师很厉害", {}),
        ("没用过精油", {}),
        ("哈哈哈哈[笑哭R]", {}),
    ],
)
def test_aspect_labels(text: str, expected: dict[str, str]) -> None:
    assert aspect_labels(text) == expected


def test_car_terms_need_the_auto_vertical() -> None:
    assert aspect_labels("动力不足，油耗很低") == {}
    assert aspect_labels("动力不足，油耗很低", vertical="auto") == {"power": "neg", "fuel_economy": "pos"}


def test_vertical_entry_wins_over_the_generic_one() -> None:
    assert aspect_labels("噪音太大了") == {"noise": "neg"}
    assert aspect_labels("噪音太大了", vertical="auto") == {"comfort": "neg"}


def test_mentions_keep_terms_and_opinions() -> None:
    result = analyze_comment("安装要打孔太麻烦了，说明书也看不懂")
    install = [m for m in result.mentions if m.aspect == "installation"]
    assert install and install[0].terms == ("安装", "打孔") and install[0].polarity == "neg"
    assert "麻烦" in install[0].opinions


def test_clause_spans_point_into_the_normalised_text() -> None:
    text = "颜值很高，但是安装太麻烦[笑哭R]说明书看不懂"
    norm = normalize(text)
    clauses = split_clauses(text)
    assert [norm[a:b] for a, b in (c.span for c in clauses)] == [
        "颜值很高",
        "但是安装太麻烦[笑哭R]说明书看不懂",
    ]
    assert [c.contrast for c in clauses] == [False, True]
    assert "[笑哭R]" in clauses[1].tokens


def test_emoticons_are_not_opinions_about_an_aspect() -> None:
    assert aspect_labels("替换装有吗[哭惹R]") == {"packaging": "neu"}
    assert aspect_labels("包装[赞R]") == {"packaging": "neu"}


def test_strip_modifiers() -> None:
    assert strip_modifiers("太贵") == ("贵", False)
    assert strip_modifiers("不太好") == ("好", True)
    assert strip_modifiers("好") == ("好", False)


def test_shared_word_lists_are_consulted_after_the_project_lists() -> None:
    base = load_opinion_lexicon()
    extended = base.with_word_lists(positive=["清透感", "贵"], negative=["清透感", "硌手"])
    assert extended.polarity("硌手", "quality", "质感") == -1.0
    assert extended.polarity("清透感", "quality", "质感") is None  # in both lists: dropped
    assert extended.polarity("贵", "price", "价格") == -1.0  # scoped project entry wins
    assert base.polarity("硌手", "quality", "质感") is None


def test_custom_lexicons_are_used() -> None:
    aspects = load_aspect_lexicon().aspects
    lexicon = AspectLexicon(
        aspects=aspects, entries=(LexiconEntry("遥控器", "usability", ("all",), False, "remote"),)
    )
    opinions = OpinionLexicon(scoped={("usability", "灵敏"): 1.0}, general=({},))
    assert aspect_labels("遥控器很灵敏", lexicon=lexicon, opinions=opinions) == {"usability": "pos"}
    assert aspect_labels("价格很贵", lexicon=lexicon, opinions=opinions) == {}


def test_every_lexicon_entry_names_a_taxonomy_aspect_or_blocks() -> None:
    lexicon = load_aspect_lexicon()
    assert {e.aspect for e in lexicon.entries} - set(lexicon.aspects) == {"-"}
    assert len(lexicon.entries) >= 400


def test_discover_finds_judged_nouns_the_lexicon_lacks() -> None:
    texts = [
        "手柄很灵敏",
        "这个手柄不错",
        "手柄有点差",
        "电机很稳定",
        "电机不错",
        "电机一般般",
        "价格很贵",
        "价格便宜",
        "价格还行",
        "姐妹好漂亮",
        "姐妹真好看",
        "姐妹很可爱",
        "遥控器很灵敏",
        "遥控器不错",
        "遥控器很差",
    ]
    found = {c.term: c for c in discover_aspect_terms(texts, min_comments=3)}
    # 价格 and 遥控器 (遥控) are lexicon terms already; 姐妹 is never an aspect (not_aspects.txt)
    assert set(found) == {"手柄", "电机"}
    assert found["手柄"].n_comments == 3 and found["手柄"].comment_indices == (0, 1, 2)
    assert set(found["手柄"].modifiers) == {"灵敏", "不错", "差"}


def test_discover_needs_min_comments() -> None:
    assert discover_aspect_terms(["手柄很灵敏", "手柄不错"], min_comments=3) == []
