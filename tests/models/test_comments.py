from __future__ import annotations

import pickle
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from models.artifacts import ArtifactError, library_versions, save_artifact
from models.comments import (
    CommentModels,
    CompactTfidfVectorizer,
    IntentClassifier,
    LexiconFeatures,
    ModelCache,
    _fit_platt,
    _sigmoid,
    _tune_threshold,
    build_features,
    mark_fitted_features,
    process_cache,
    word_ngrams,
)
from models.labels import INTENTS, SENTIMENTS

TEXTS = [
    ("求链接！！", "positive", {"purchase_intent"}),
    ("蹲一个链接", "positive", {"purchase_intent"}),
    ("哪里买的呀", "positive", {"purchase_intent", "question"}),
    ("是广告吗？", "neutral", {"paid_suspicion", "question"}),
    ("又恰饭了", "negative", {"paid_suspicion"}),
    ("软广吧这是", "negative", {"paid_suspicion"}),
    ("真的假的，滤镜太重", "negative", {"skepticism"}),
    ("P图了吧", "negative", {"skepticism"}),
    ("这个色号叫什么？", "neutral", {"question"}),
    ("多少钱呀？", "neutral", {"question"}),
    ("互关互粉必回", "neutral", {"spam"}),
    ("看我主页有福利", "neutral", {"spam"}),
    ("太好看了爱了", "positive", set()),
    ("绝绝子[赞R]", "positive", set()),
    ("踩雷了别买", "negative", set()),
    ("智商税[皱眉R]", "negative", set()),
    ("@小鹿", "neutral", set()),
    ("今天天气不错", "neutral", set()),
] * 3


def _fit() -> tuple[Pipeline, Pipeline]:
    texts = [t for t, _, _ in TEXTS]
    features = build_features(min_df=1, max_word_features=2000, max_char_features=2000)
    X = features.fit_transform(texts)
    mark_fitted_features(features)
    sentiment = LogisticRegression(max_iter=1000).fit(X, [s for _, s, _ in TEXTS])
    Y = np.asarray([[int(i in labels) for i in INTENTS] for _, _, labels in TEXTS])
    intents = IntentClassifier(INTENTS).fit(X, Y, X_val=X, Y_val=Y)
    return Pipeline([("features", features), ("clf", sentiment)]), Pipeline(
        [("features", features), ("clf", intents)]
    )


def test_word_ngrams_has_tokens_and_pairs() -> None:
    grams = word_ngrams("求链接！！")
    assert "求链接" in grams and "求链接\x01!!" in grams


def test_lexicon_features_count_polarity_negation_and_emoticons(tmp_path) -> None:
    pos = tmp_path / "pos.txt"
    neg = tmp_path / "neg.txt"
    pos.write_text("好用\n喜欢\n", encoding="utf-8")
    neg.write_text("难用\n", encoding="utf-8")
    lex = LexiconFeatures([str(pos)], [str(neg)]).fit([])
    names = list(LexiconFeatures.FEATURES)
    row = dict(zip(names, lex.transform(["很喜欢[赞R]"]).toarray()[0], strict=True))
    negated = dict(zip(names, lex.transform(["不喜欢"]).toarray()[0], strict=True))
    question = dict(zip(names, lex.transform(["难用吗?"]).toarray()[0], strict=True))
    assert row["pos_words"] > 0 and row["emo_pos"] > 0 and row["neg_words"] == 0
    assert negated["negated_pos"] > 0 and negated["pos_words"] == 0 and negated["negation"] == 1
    assert question["neg_words"] > 0 and question["question_mark"] == 1 and question["question_word"] >= 1


def test_compact_vectorizer_round_trips_through_joblib(tmp_path) -> None:
    vec = CompactTfidfVectorizer(analyzer="char", ngram_range=(1, 2)).fit(["求链接", "好看", "是广告吗"])
    path = tmp_path / "v.joblib"
    joblib.dump(vec, path)
    back = joblib.load(path)
    assert back.vocabulary_ == vec.vocabulary_
    assert (back.transform(["求链接"]) != vec.transform(["求链接"])).nnz == 0
    assert "_vocab_terms" in vec.__getstate__() and "vocabulary_" not in vec.__getstate__()


def test_platt_scaling_recovers_a_known_sigmoid() -> None:
    rng = np.random.default_rng(0)
    margin = rng.normal(size=4000)
    y = (rng.random(4000) < _sigmoid(2.0 * margin - 0.5)).astype(int)
    a, b = _fit_platt(margin, y)
    assert abs(a - 2.0) < 0.3 and abs(b + 0.5) < 0.2


def test_threshold_tuning_respects_min_precision() -> None:
    proba = np.asarray([0.9, 0.8, 0.7, 0.6, 0.3, 0.2])
    y = np.asarray([1, 1, 0, 1, 0, 0])
    assert _tune_threshold(proba, y, 0.0) <= 0.6
    assert _tune_threshold(proba, y, 1.0) >= 0.71


def test_intent_classifier_refuses_a_single_class_intent() -> None:
    X = np.eye(4)
    Y = np.zeros((4, len(INTENTS)), dtype=int)
    with pytest.raises(ValueError, match="only one class"):
        IntentClassifier(INTENTS).fit(X, Y)


def test_comment_models_shared_and_separate_paths_agree() -> None:
    sentiment, intents = _fit()
    shared = CommentModels(sentiment, intents, "s1", "i1")
    assert shared.shares_features
    separate_intents = pickle.loads(pickle.dumps(intents))
    separate_intents.named_steps["features"].fitted_id_ = "other"
    separate = CommentModels(sentiment, separate_intents, "s1", "i1")
    assert not separate.shares_features
    texts = ["求链接", "是广告吗？", "互关", "踩雷了"]
    a = [p.to_dict() for p in shared.predict(texts)]
    b = [p.to_dict() for p in separate.predict(texts)]
    assert a == b


def test_comment_models_predict_contract() -> None:
    sentiment, intents = _fit()
    models = CommentModels(sentiment, intents, "s1", "i1")
    assert models.predict([]) == []
    preds = models.predict(["求链接！！", "[赞R][赞R]", "互关互粉必回"])
    for p in preds:
        assert set(p.sentiment_proba) == set(SENTIMENTS)
        assert abs(sum(p.sentiment_proba.values()) - 1) < 1e-3
        assert set(p.intents) == set(INTENTS) == set(p.flags)
        assert p.model_version == "sentiment:s1+intents:i1"
    assert preds[0].flags["purchase_intent"] and preds[2].flags["spam"]
    assert preds[1].low_effort and not preds[0].low_effort


def test_mark_negation_scopes_two_tokens_and_stops_at_punctuation() -> None:
    from models.comments import mark_negation

    assert mark_negation(["不是", "广告", ",", "我", "买", "的"]) == ["不是", "¬广告", ",", "我", "买", "的"]
    assert mark_negation(["没", "有", "效果", "啊", "哈"]) == ["没", "¬有", "¬效果", "啊", "哈"]
    assert mark_negation(["好看"]) == ["好看"]


def test_comment_models_flags_are_the_intent_classifiers_predictions() -> None:
    sentiment, intents = _fit()
    clf: IntentClassifier = intents.named_steps["clf"]
    clf.thresholds_ = [0.99, 0.01, 0.5, 0.5, 0.5]  # thresholds only predict() knows about
    texts = ["求链接！！", "真的假的", "今天天气不错"]
    predictions = CommentModels(sentiment, intents, "s1", "i1").predict(texts)
    expected = clf.predict(intents.named_steps["features"].transform(texts))
    assert [[p.flags[name] for name in INTENTS] for p in predictions] == expected.astype(bool).tolist()
    assert all(p.flags["skepticism"] for p in predictions)


def _saved_models(folder: Path) -> Path:
    sentiment, intents = _fit()
    card = {"library_versions": library_versions()}
    for version in ("s1", "s2"):
        save_artifact(sentiment, task="sentiment", version=version, card=card, models_dir=folder)
    save_artifact(intents, task="intents", version="i1", card=card, models_dir=folder)
    return folder


def test_model_cache_reuses_loaded_pipelines_and_drops_the_least_recent_pair(tmp_path: Path) -> None:
    cache = ModelCache(_saved_models(tmp_path), capacity=1)
    first = cache.get("s1", "i1")
    assert cache.get("s1", "i1") is first
    second = cache.get("s2", "i1")
    assert second.intents is first.intents  # the intents pipeline is read from disk once
    assert cache.get("s1", "i1") is not first  # capacity 1: the first pair was dropped
    built = cache.get("s1", "i1", reuse=[first], keep=False)
    assert built.sentiment is first.sentiment and built is not first


def test_model_cache_refuses_a_version_not_on_disk(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError):
        ModelCache(_saved_models(tmp_path)).get("s9", "i1")


def test_model_cache_loads_each_version_from_the_first_folder_that_holds_it(tmp_path: Path) -> None:
    shipped = _saved_models(tmp_path / "shipped")
    own = tmp_path / "own"
    sentiment, _ = _fit()
    save_artifact(
        sentiment,
        task="sentiment",
        version="s3",
        card={"library_versions": library_versions()},
        models_dir=own,
    )
    pair = ModelCache(shipped).get("s3", "i1", folders=[own, shipped])
    assert (pair.sentiment_version, pair.intents_version) == ("s3", "i1")
    with pytest.raises(ArtifactError, match="no complete sentiment version 's3'"):
        ModelCache(shipped).get("s3", "i1", keep=False)  # not in the cache's own folder


def test_process_cache_is_one_cache_per_folder(tmp_path: Path) -> None:
    assert process_cache(str(tmp_path)) is process_cache(str(tmp_path))
    assert process_cache(str(tmp_path)) is not process_cache(str(tmp_path / "other"))
