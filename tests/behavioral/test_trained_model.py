"""Behavioural tests of the committed (current) comment models: minimum functionality on the hard
cases of LABELS.md, invariance to surface noise, and directional expectations.

These load the real artifacts (a few MB) once per session; they are marked slow.
"""

from __future__ import annotations

import pytest

from models.artifacts import current_version, read_card
from models.comments import CommentModels, load_comment_models
from models.text import lexicon_fingerprint

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def models() -> CommentModels:
    return load_comment_models()


def test_current_models_were_trained_with_this_user_dictionary() -> None:
    for task in ("sentiment", "intents"):
        version = current_version(task)
        assert version is not None, task
        assert read_card(task, version)["userdict_sha256"] == lexicon_fingerprint(), (
            f"{task} {version} was trained with another xhs_userdict.txt: retrain with `make train`"
        )


MFT_INTENTS = [
    ("求链接！！", "purchase_intent", True),
    ("蹲一个链接", "purchase_intent", True),
    ("已下单，坐等收货", "purchase_intent", True),
    ("哪里可以买到呀", "purchase_intent", True),
    ("是广告吗？", "paid_suspicion", True),
    ("又恰饭了", "paid_suspicion", True),
    ("这条是软广吧", "paid_suspicion", True),
    pytest.param(
        "不是广告，我自己买的",
        "paid_suspicion",
        False,
        marks=pytest.mark.xfail(
            strict=True,
            reason="known limitation: word features are negation-marked (不是 ¬广告) but the character "
            "n-grams still fire on 广告; ironic 不是广告 comments (labelled paid) pull the same way",
        ),
    ),
    ("真不是托，我用了半年了", "paid_suspicion", False),
    ("有这么神？", "skepticism", True),
    ("有这么神？", "question", False),
    ("互关互粉，必回", "spam", True),
    ("私我有福利，看我主页", "spam", True),
    ("真的假的？滤镜太重了吧", "skepticism", True),
    ("P图了吧，哪有这么白", "skepticism", True),
    ("这个色号黄黑皮能用吗？", "question", True),
    ("多少钱呀", "question", True),
    ("好看！", "question", False),
    ("好看！", "spam", False),
]


@pytest.mark.parametrize(("text", "intent", "expected"), MFT_INTENTS)
def test_intent_minimum_functionality(models: CommentModels, text: str, intent: str, expected: bool) -> None:
    pred = models.predict([text])[0]
    assert pred.flags[intent] is expected, (text, intent, pred.intents[intent])


MFT_SENTIMENT = [
    ("求链接！！", "positive"),
    ("太好看了，爱了爱了", "positive"),
    ("回购第三瓶了，无限回购", "positive"),
    ("智商税，别买", "negative"),
    ("买了，踩雷了，退货了", "negative"),
    ("卡粉搓泥，差评", "negative"),
    ("不好用", "negative"),
    ("一点都不好看", "negative"),
    ("笑死，这也叫平价", "negative"),
    ("是广告吗？", "neutral"),
    ("@小鹿不迷路", "neutral"),
]


@pytest.mark.parametrize(("text", "expected"), MFT_SENTIMENT)
def test_sentiment_minimum_functionality(models: CommentModels, text: str, expected: str) -> None:
    pred = models.predict([text])[0]
    assert pred.sentiment == expected, (text, pred.sentiment_proba)


@pytest.mark.parametrize(
    ("text", "noisy"),
    [
        ("这个粉底液真的很好用", "这个粉底液真的很好用！！！"),
        ("这个粉底液真的很好用", "這個粉底液真的很好用"),
        ("求链接", "求链接   "),
        ("踩雷了，别买", "踩雷了，别买\u200b"),
    ],
)
def test_sentiment_invariant_to_surface_noise(models: CommentModels, text: str, noisy: str) -> None:
    a, b = models.predict([text, noisy])
    assert a.sentiment == b.sentiment
    assert abs(a.sentiment_proba["positive"] - b.sentiment_proba["positive"]) < 0.15


@pytest.mark.parametrize(
    ("base", "worse"),
    [
        ("这个面霜用着还行", "这个面霜用着还行，就是闷痘，踩雷了"),
        ("这家店人均80", "这家店人均80，难吃还贵，避雷"),
    ],
)
def test_adding_a_complaint_makes_a_comment_more_negative(
    models: CommentModels, base: str, worse: str
) -> None:
    a, b = models.predict([base, worse])
    assert b.sentiment_proba["negative"] > a.sentiment_proba["negative"] + 0.1
