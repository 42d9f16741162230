"""Benchmark sources, market, audience and campaign-report sentences in the page's language
(service/web/sentences.py), and the demo's Chinese vetting and campaign pages without them in English."""

from __future__ import annotations

import re
from datetime import date, datetime
from html import unescape
from typing import Any

import pytest

from models.authenticity import AccountData, FollowerSnapshot, extract_signals
from models.benchmarks import default_benchmarks
from models.kpi.aggregate import aggregate
from models.kpi.inputs import KPIInput
from models.market.audience import fit_score
from models.market.sponsorship import price_estimate
from service.web import i18n, sentences
from tests.utils.web import HTML, Seeded, sign_in

CJK = re.compile(r"[\u4e00-\u9fff]")


def _text(page: str) -> str:
    """What a reader sees: the page without scripts, tags as spaces, entities decoded (tooltips kept)."""
    page = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _recorded_evidence_removed(page: str) -> str:
    """The page without the flags' recorded English evidence (kept one click away on purpose)."""
    return re.sub(r'<details class="evidence-source">.*?</details>', " ", page, flags=re.S)


def test_every_benchmark_row_has_its_chinese_source() -> None:
    for row in default_benchmarks().rows:
        assert row.source_zh and CJK.search(row.source_zh), row.source
        assert sentences.benchmark_source(row.source, "zh_CN") == row.source_zh
        assert sentences.benchmark_source(row.source, "en") == row.source
        assert "source_zh" not in row.to_dict()


def test_every_message_of_the_sentences_is_in_chinese() -> None:
    for message in (*sentences.MESSAGES, *sentences.WORDS.values(), *sentences.SIGNAL_NAMES.values()):
        shown = i18n.gettext("zh_CN", message)
        assert shown != message and CJK.search(shown), message
        assert i18n.gettext("en", message) == message


def test_a_sentence_with_figures_is_rebuilt_with_them() -> None:
    estimate = price_estimate("video", 8000.0, "CNY", [], "mid")
    reasons = [sentences.translate(reason, "zh_CN") for reason in estimate.reasons]
    assert reasons[0] == "非合作视频笔记不足 3 篇：按全部 0 篇非合作笔记取中位数"
    assert all(CJK.search(r) for r in reasons), reasons
    fit = fit_score({"gender": {"female": 1.0}, "age": {"18-24": 1.0}}, {}, None, None)
    assert fit.reason is not None
    assert "（性别、年龄）" in sentences.translate(fit.reason, "zh_CN")
    assert sentences.translate(fit.reason, "en") == fit.reason


def _missing_lists() -> list[str]:
    """What each signal of the models lacks for an empty account and for a two-snapshot history."""
    now = datetime(2026, 3, 1)
    short = [FollowerSnapshot(date(2026, 2, 1), 100), FollowerSnapshot(date(2026, 2, 3), 110)]
    missing = []
    for account in (AccountData(kol_id="k"), AccountData(kol_id="k", follower_snapshots=short)):
        signals, _ = extract_signals(account, now=now)
        missing += [m for s in signals.values() for m in s.missing]
    return missing


def test_the_models_missing_data_reads_in_chinese() -> None:
    missing = _missing_lists()
    assert len(missing) >= 5
    for text in missing:
        shown = sentences.translate(text, "zh_CN")
        assert CJK.search(shown) and not re.search(r"[A-Za-z]{4,}", shown), (text, shown)
        assert sentences.translate(text, "en") == text
    assert sentences.translate(missing[0], "zh_CN") == "粉丝历史：没有快照（至少需要跨越 14 天的 5 个快照）"


def test_why_a_kpi_is_undefined_reads_in_chinese_with_its_notes() -> None:
    missing = aggregate({f"n{i}": KPIInput(likes=1) for i in range(7)}).missing["views"]
    shown = sentences.translate(f"views undefined ({missing})", "zh_CN")
    assert shown == "阅读无法计算（7 篇笔记中有 7 篇缺少阅读：n0、n1、n2、n3、n4 等（另有 2 篇））"


@pytest.mark.parametrize("text", ["something the catalogue has no message for", ""])
def test_an_unknown_sentence_stays_as_it_is(text: str) -> None:
    assert sentences.translate(text, "zh_CN") == text


def test_locale_of_a_page_translate() -> None:
    assert sentences.locale_of(lambda m: i18n.gettext("zh_CN", m)) == "zh_CN"
    assert sentences.locale_of(lambda m: i18n.gettext("en", m)) == "en"
    assert sentences.locale_of(i18n.as_is) == "en"


def _english_sources(client: Any, seeded: Seeded) -> list[str]:
    """The English sentences of the sources the Chinese pages translate: benchmark sources, the
    market and audience texts, the growth flags' evidence and the campaign report's notes."""
    found = [row.source for row in default_benchmarks().rows]
    found += [m for m in sentences.MESSAGES if "%(" not in m]
    for kol_id in seeded.demo_kol_ids:
        vetting = client.get(f"/v1/kols/{kol_id}/vetting").json()
        found += [f["evidence"] for f in vetting["authenticity"]["flags"] if f["signal"] == "growth"]
        found += [m.get("reason") or "" for m in vetting["kpis"]["metrics"].values()]
        found += vetting["authenticity"].get("missing") or []
        sponsorship = client.get(f"/v1/kols/{kol_id}/sponsorship").json()
        found += [r for q in sponsorship["quotes"] for r in q["reasons"]]
        found += [e for s in sponsorship["sponsored"] for k, e in s["signals"].items() if k == "export_flag"]
        audience = client.get(f"/v1/kols/{kol_id}/audience").json()
        found += [audience["fit"]["reason"] or ""]
    report = client.get(f"/v1/campaigns/{seeded.demo_campaign_id}/report").json()
    found += report["warnings"]
    return [unescape(" ".join(text.split())) for text in found if text]


def test_the_chinese_demo_pages_show_no_english_sentence_of_these_sources(
    client: Any, seeded: Seeded
) -> None:
    sign_in(client, seeded.demo.admin)
    english = _english_sources(client, seeded)
    assert len(english) > 20
    pages = [f"/kols/{kol_id}" for kol_id in seeded.demo_kol_ids]
    pages.append(f"/campaigns/{seeded.demo_campaign_id}")
    client.cookies.set("redlens_lang", "zh_CN")
    for path in pages:
        page = client.get(path, headers=HTML).text
        assert 'aria-label="sentiment mix"' not in page, path
        shown = _text(_recorded_evidence_removed(page))
        assert [text for text in english if text in shown] == [], path
        # the representative comments' labels (sentiment, intents)
        assert not re.search(r"\((positive|neutral|negative)[,)]", shown), path
    client.cookies.set("redlens_lang", "en")
    vetting = _text(client.get(pages[0], headers=HTML).text)
    assert any(row.source in vetting for row in default_benchmarks().rows)


def test_a_page_translator_names_its_locale() -> None:
    from service.web import i18n
    from service.web.sentences import locale_of

    assert locale_of(i18n.PageTranslate("zh_CN")) == "zh_CN"
    assert locale_of(i18n.PageTranslate("en")) == "en"
    assert i18n.PageTranslate("zh_CN")("Followers") != "Followers"
    assert locale_of(i18n.as_is) == i18n.DEFAULT_LOCALE
