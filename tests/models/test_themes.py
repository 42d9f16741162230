from __future__ import annotations

from models.themes import ThemeComment, keywords, summarize_keyword_themes, theme_tokens


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
