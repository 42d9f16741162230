from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.authenticity.dedup import jaccard, shingles
from models.themes import (
    MAX_QUOTE_CHARS,
    AspectMemo,
    Theme,
    ThemeComment,
    ThemeSummary,
    aspect_summary,
    compare_before_after,
    compare_groups,
    describe_tone,
    format_share,
    keywords,
    leading_themes,
    quote_skeleton,
    summarize_keyword_themes,
    summarize_themes,
    theme_tokens,
)


def _comments() -> list[ThemeComment]:
    shade = [
        "这个色号黄黑皮能用吗",
        "色号是哪个呀",
        "求色号！黄一白能用吗",
        "第二张的色号叫什么",
        "黄黑皮用这个色号显白吗",
    ] * 3
    ad = [
        "又是恰饭广告吧",
        "广告打得真好，恰饭实锤",
        "这是广告吗",
        "恰饭恰得太明显了",
        "收了多少钱的广告",
    ] * 3
    spam = ["互关互赞必回", "互关呀姐妹", "看我主页互关", "互关互粉", "互赞互关谢谢"] * 3
    out = []
    for i, t in enumerate(shade + ad + spam):
        sentiment = "neutral" if t in shade else ("negative" if t in ad else "neutral")
        out.append(
            ThemeComment(
                text=f"{t}{'～' * (i % 3)}", sentiment=sentiment, intents={"spam": t in spam}, id=str(i)
            )
        )
    out += [
        ThemeComment(text="[赞R][赞R]", sentiment="positive", id="r1"),
        ThemeComment(text="@小鹿", sentiment="neutral", id="r2"),
    ]
    return out


def test_summarize_themes_separates_distinct_topics() -> None:
    summary = summarize_keyword_themes(_comments(), comments_per_theme=15)
    topics = [t for t in summary.themes if t.kind == "topic"]
    assert len(topics) >= 3
    by_kw = {kw: t for t in topics for kw in t.keywords[:2]}
    assert "色号" in by_kw and "互关" in by_kw
    assert by_kw["互关"].intent_mix["spam"] == 1.0
    assert by_kw["色号"].intent_mix["spam"] == 0.0


def test_summarize_themes_shares_add_up_and_reactions_are_separate() -> None:
    summary = summarize_keyword_themes(_comments(), comments_per_theme=15)
    assert abs(sum(t.share for t in summary.themes) - 1.0) < 1e-3
    reactions = [t for t in summary.themes if t.kind == "reactions"]
    assert len(reactions) == 1 and reactions[0].n_comments == 2


def test_representatives_are_distinct_members() -> None:
    for theme in summarize_keyword_themes(_comments(), comments_per_theme=15).themes:
        texts = [r["text"] for r in theme.representatives]
        assert len(texts) == len(set(texts)) and 1 <= len(texts) <= 3


def test_too_few_comments_gives_a_note_not_themes() -> None:
    summary = summarize_keyword_themes([ThemeComment(text="好看")] * 3)
    assert summary.themes == [] and summary.note and "3 comments" in summary.note


def test_keywords_rank_rare_words_above_common_ones() -> None:
    kws = keywords(
        [
            theme_tokens("这个粉底液持妆很好"),
            theme_tokens("粉底液持妆一整天"),
            theme_tokens("我觉得粉底液不错"),
        ]
    )
    assert kws[0] in ("粉底液", "持妆")
    assert "吗" not in theme_tokens("色号是哪个吗")


# --- aspect themes --------------------------------------------------------------------------------

INSTALL_NEG = [
    "安装太麻烦了，还要打孔",
    "打孔好麻烦，墙都坏了",
    "说明书看不懂，安装好难",
    "安装师傅不来，自己打孔很费劲",
    "安装好复杂啊说明书太简单",
    "装不上，打孔位置不对",
    "安装教程太乱了，打孔打歪了",
    "这个安装真的麻烦",
]
PRICE_POS = ["价格很便宜", "这个价格很划算", "性价比很高", "便宜又好用", "价格实惠"]
OTHER = ["博主好可爱", "今天天气真好", "哈哈哈哈哈", "[赞R][赞R]", "来了来了", "学到了学到了", "第一次见"]


def _aspect_comments() -> list[ThemeComment]:
    texts = INSTALL_NEG + PRICE_POS + OTHER
    return [
        ThemeComment(text=t, sentiment="neutral", intents={"question": False}, id=f"c{i}")
        for i, t in enumerate(texts)
    ]


def _theme(summary: ThemeSummary, aspect: str) -> Theme:
    return next(t for t in summary.themes if t.aspect == aspect)


def test_aspect_summary_wording_is_fixed() -> None:
    title, summary = aspect_summary(
        ("安装", "Installation"),
        0.38,
        describe_tone(0.1, 0.2, 0.7),
        [("打孔", "drilling"), ("说明书", "the manual")],
    )
    assert title == {"zh": "安装：负面为主", "en": "Installation: mostly negative"}
    assert summary == {
        "zh": "安装：38% 的评论提到，负面为主，集中在打孔和说明书",
        "en": "Installation: 38% of comments, mostly negative: drilling and the manual",
    }


@pytest.mark.parametrize(
    ("mix", "questions", "expected"),
    [
        ((0.7, 0.2, 0.1), 0.0, ("正面为主", "mostly positive")),
        ((0.1, 0.2, 0.7), 0.0, ("负面为主", "mostly negative")),
        ((0.4, 0.2, 0.4), 0.0, ("褒贬不一", "mixed")),
        ((0.3, 0.5, 0.2), 0.0, ("偏正面", "leaning positive")),
        ((0.1, 0.7, 0.2), 0.0, ("中性为主", "mostly neutral")),
        ((0.1, 0.8, 0.1), 0.6, ("多为提问", "mostly questions")),
    ],
)
def test_describe_tone(mix: tuple[float, float, float], questions: float, expected: tuple[str, str]) -> None:
    assert describe_tone(*mix, questions) == expected


def test_format_share() -> None:
    assert format_share(0.385) == ("39%", "39%")
    assert format_share(0.004) == ("不到 1%", "under 1%")
    assert format_share(0.0) == ("0%", "0%")


def test_summarize_themes_finds_aspects_with_their_own_sentiment() -> None:
    summary = summarize_themes(_aspect_comments(), topics=False, discover=False)
    assert summary.method == "aspects" and summary.n_comments == 20
    install = _theme(summary, "installation")
    assert install.kind == "aspect" and install.n_comments == 8 and install.share == 0.4
    assert install.sentiment_mix == {"positive": 0.0, "neutral": 0.0, "negative": 1.0}  # about installation
    assert install.comment_sentiment_mix == {
        "positive": 0.0,
        "neutral": 1.0,
        "negative": 0.0,
    }  # whole comment
    assert install.title == {"zh": "安装：负面为主", "en": "Installation: mostly negative"}
    assert install.summary == {
        "zh": "安装：40% 的评论提到，负面为主，集中在打孔",
        "en": "Installation: 40% of comments, mostly negative: drilling",
    }
    assert install.focus == [{"term": "打孔", "en": "drilling", "n_comments": 5}]
    price = _theme(summary, "price")
    assert price.summary == {
        "zh": "价格：25% 的评论提到，正面为主，集中在便宜",
        "en": "Price: 25% of comments, mostly positive: being cheap",
    }
    assert summary.themes[0].aspect == "installation"  # the most mentioned aspect first
    assert [t.kind for t in summary.themes][-2:] == ["other", "reactions"]


def test_excluded_comments_are_neither_counted_nor_quoted() -> None:
    flagged = [
        ThemeComment(text=f"安装超级简单，加V领券{i}号", excluded=True, id=f"spam{i}") for i in range(6)
    ]
    summary = summarize_themes(_aspect_comments() + flagged, topics=False, discover=False)
    assert summary.n_comments == 20 and summary.n_excluded == 6
    install = _theme(summary, "installation")
    assert install.n_comments == 8 and install.sentiment_mix["positive"] == 0.0
    quoted = [q["id"] for t in summary.themes for q in t.representatives]
    assert quoted and not [q for q in quoted if q.startswith("spam")]
    assert summary.aspects["installation"]["n"] == 8


def test_quotes_are_not_near_duplicates() -> None:
    stickers = ["[笑哭R]", "[吧唧R]", "[皱眉R]", "[doge]", "", "!!", "～", "[赞R]"]
    copies = [f"承重还可以{s}" for s in stickers] + [f"承重还可以吧{s}" for s in stickers]
    others = ["承重一般般，放重物会晃", "承重很好，放了二十斤书", "承重不太行，螺丝松了"]
    comments = [ThemeComment(text=t, id=str(i)) for i, t in enumerate(copies + others)]
    theme = _theme(summarize_themes(comments, topics=False, discover=False), "quality")
    texts = [q["text"] for q in theme.representatives]
    assert len(texts) == 3
    skeletons = [quote_skeleton(t) for t in texts]
    assert len(set(skeletons)) == 3
    for i in range(3):
        for j in range(i + 1, 3):
            assert jaccard(shingles(skeletons[i]), shingles(skeletons[j])) < 0.5


def test_quotes_cover_both_polarities_and_carry_labels() -> None:
    texts = ["味道很香", "味道好香啊", "味道超级香", "味道太难闻了", "味道很臭", "味道刺鼻", "味道还行吗？"]
    comments = [
        ThemeComment(
            text=t, sentiment="positive" if i < 3 else "negative", intents={"question": i == 6}, id=str(i)
        )
        for i, t in enumerate(texts)
    ]
    theme = _theme(summarize_themes(comments, min_comments=5, topics=False, discover=False), "scent_taste")
    polarities = [q["aspect_sentiment"] for q in theme.representatives]
    assert "positive" in polarities and "negative" in polarities
    for q in theme.representatives:
        assert set(q) == {"id", "text", "truncated", "sentiment", "aspect_sentiment", "intents"}


def test_long_comments_are_quoted_by_the_clauses_about_the_aspect() -> None:
    long_text = (
        "今天终于收到了，"
        + "拆开之后发现东西挺多的，" * 4
        + "安装太麻烦了还要自己打孔，"
        + "别的还行吧，" * 4
    )
    comments = [ThemeComment(text=long_text, id="long")] + [
        ThemeComment(text=t, id=str(i)) for i, t in enumerate(PRICE_POS + OTHER)
    ]
    theme = _theme(
        summarize_themes(comments, min_comments=5, min_theme_comments=1, topics=False), "installation"
    )
    quote = theme.representatives[0]
    assert quote["truncated"] is True and len(quote["text"]) <= MAX_QUOTE_CHARS + 2
    assert quote["text"].startswith("…安装太麻烦了")


def test_summaries_are_deterministic() -> None:
    first = summarize_themes(_aspect_comments()).to_dict()
    assert summarize_themes(_aspect_comments()).to_dict() == first


def test_too_few_comments_give_a_note() -> None:
    summary = summarize_themes(
        [ThemeComment(text="价格很便宜")] * 3 + [ThemeComment(text="x", excluded=True)]
    )
    assert summary.themes == [] and summary.note == "3 comments: at least 10 are needed for themes"
    assert summary.n_excluded == 1


def test_compare_before_after_a_campaign_note() -> None:
    pivot = datetime(2025, 5, 1, 12, tzinfo=UTC)
    before = [
        ThemeComment(text=t, created_at=pivot - timedelta(days=1, minutes=i))
        for i, t in enumerate(PRICE_POS * 2 + OTHER)
    ]
    after = [
        ThemeComment(text=t, created_at=pivot + timedelta(hours=i))
        for i, t in enumerate(INSTALL_NEG + PRICE_POS[:1] + OTHER)
    ]
    undated = [ThemeComment(text="安装很简单")]
    result = compare_before_after(before + after + undated, pivot, topics=False, discover=False)
    assert result.n_undated == 1
    assert result.sides["before"].n_comments == 17 and result.sides["after"].n_comments == 16
    rows = {r["aspect"]: r for r in result.rows}
    assert rows["installation"]["before"]["share"] == 0.0 and rows["installation"]["after"]["share"] == 0.5
    assert rows["installation"]["change_pts"] == 50.0
    assert rows["price"]["change_pts"] == round((1 / 16 - 10 / 17) * 100, 1)
    assert result.rows[0]["aspect"] == "price"  # the largest change first (-52.6 pts)
    assert rows["installation"]["line"] == {
        "zh": "安装：提及率 0% → 50%（+50 个百分点），负面为主",
        "en": "Installation: 0% → 50% of comments (+50 pts), mostly negative",
    }
    # naive times are taken as UTC
    naive = compare_before_after(
        [
            ThemeComment(text=c.text, created_at=c.created_at.replace(tzinfo=None))
            for c in before + after
            if c.created_at
        ],
        pivot,
        topics=False,
        discover=False,
    )
    assert [r["change_pts"] for r in naive.rows] == [r["change_pts"] for r in result.rows]


def test_compare_groups_by_kol() -> None:
    comments = [ThemeComment(text=t, group="KOL A") for t in INSTALL_NEG + OTHER] + [
        ThemeComment(text=t, group="KOL B") for t in PRICE_POS * 2 + OTHER
    ]
    result = compare_groups(comments, topics=False, discover=False)
    assert list(result.sides) == ["KOL A", "KOL B"]
    rows = {r["aspect"]: r for r in result.rows}
    assert rows["price"]["groups"]["KOL B"]["share"] == round(10 / 17, 4)
    assert rows["installation"]["groups"]["KOL B"]["n_comments"] == 0
    assert rows["price"]["line"]["en"].startswith("Price: KOL A ")
    assert "KOL B 59% (mostly positive)" in rows["price"]["line"]["en"]


def test_comparisons_read_only_aspects_so_sides_need_no_topics_or_candidates() -> None:
    comments = [ThemeComment(text=t, group="KOL A") for t in INSTALL_NEG + OTHER + PRICE_POS] + [
        ThemeComment(text=t, group="KOL B") for t in PRICE_POS * 2 + OTHER + INSTALL_NEG
    ]
    full, light = compare_groups(comments), compare_groups(comments, topics=False, discover=False)
    assert light.rows == full.rows
    for name, side in light.sides.items():
        assert (side.aspects, side.n_comments, side.note) == (
            full.sides[name].aspects,
            full.sides[name].n_comments,
            full.sides[name].note,
        )


def test_a_memo_shares_the_aspect_analyses_between_summaries() -> None:
    comments = [ThemeComment(text=t, id=str(i)) for i, t in enumerate(INSTALL_NEG + PRICE_POS + OTHER)]
    memo: AspectMemo = {}
    first = summarize_themes(comments, memo=memo)
    assert len(memo) == len({c.text for c in comments})
    analysed = dict(memo)
    again = summarize_themes(comments[::-1], memo=memo)
    assert memo == analysed and all(memo[k] is analysed[k] for k in memo)  # nothing analysed twice
    assert first.to_dict() == summarize_themes(comments).to_dict()
    assert again.to_dict() == summarize_themes(comments[::-1]).to_dict()


def test_leading_themes_are_the_summarys_first_themes() -> None:
    comments = _aspect_comments()
    full = summarize_themes(comments)
    aspects = sum(t.kind == "aspect" for t in full.themes)
    assert aspects >= 2 and full.themes[aspects].kind != "aspect"
    for top in range(1, aspects + 2):
        leading = leading_themes(comments, top)
        assert [t.to_dict() for t in leading.themes[:top]] == [t.to_dict() for t in full.themes[:top]]
        assert leading.aspects == full.aspects and leading.n_comments == full.n_comments
    # too few aspect themes: the full summary
    assert leading_themes(comments, aspects + 1).to_dict() == full.to_dict()
