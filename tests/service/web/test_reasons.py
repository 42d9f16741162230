"""Verdict reasons and authenticity flags in the page's language (service/web/reasons.py)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import Any

import pytest
from babel.messages.extract import extract_from_file
from markupsafe import escape

from models.authenticity.comments import PER_COMMENT_FLAGS
from models.authenticity.result import _FINDING_BY_GRADE, CONTEXT_FLAG_WORDS, FINDING_WORDS, NOT_ASSESSED
from models.vetting import (
    AuthenticitySummary,
    BenchmarkCheck,
    CommentMix,
    IntentReliability,
    Reason,
    VettingInput,
    decide,
)
from service.config import ROOT
from service.web import i18n, reasons
from service.web.reasons import reason_text
from tests.utils.web import HTML, Seeded, sign_in

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORDS = re.compile(r"[A-Za-z]{4,}")


def _calls(path: str, name: str) -> Iterator[ast.expr]:
    """The first argument of every call of ``name`` in a source file of the repository."""
    for node in ast.walk(ast.parse((ROOT / path).read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == name
            and node.args
        ):
            yield node.args[0]


def _strings(arg: ast.expr, where: str) -> set[str]:
    """The codes a call's first argument can take: a literal, either branch of ``a if c else b``,
    ``f"authenticity_{a.risk}_risk"`` (the graded risks) or ``f"{name}_comments"`` (the per-comment
    flags reported on their own)."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return {arg.value}
    if isinstance(arg, ast.IfExp):
        return _strings(arg.body, where) | _strings(arg.orelse, where)
    source = ast.unparse(arg)
    if source == "rule.code":
        return set()  # a share rule's code: read from the _ShareRule(...) calls
    if source == "f'authenticity_{a.risk}_risk'":
        return {"authenticity_high_risk", "authenticity_medium_risk"}
    if source == "f'{name}_comments'":
        return {f"{n}_comments" for n in PER_COMMENT_FLAGS if n != "duplicate"}
    raise AssertionError(f"{where}: a code this test cannot enumerate: {source}")


def reason_codes() -> set[str]:
    """Every reason code models/vetting.py can emit, read from its source."""
    codes = set()
    for name in ("Reason", "_ShareRule"):
        for arg in _calls("models/vetting.py", name):
            codes |= _strings(arg, "models/vetting.py")
    return codes


def flag_codes() -> set[str]:
    """Every flag code models/authenticity can emit, read from its sources."""
    codes = set()
    for path in sorted((ROOT / "models" / "authenticity").glob("*.py")):
        relative = str(path.relative_to(ROOT))
        for arg in _calls(relative, "Flag"):
            codes |= _strings(arg, relative)
    return codes


def _translated(message: str) -> str:
    return i18n.translations("zh_CN").gettext(message)


def test_every_reason_code_of_the_models_has_a_sentence() -> None:
    codes = reason_codes()
    assert len(codes) >= 20
    assert codes == set(reasons.RENDERERS), "a reason code without a sentence in service/web/reasons.py"


def test_every_flag_code_of_the_models_has_words() -> None:
    codes = flag_codes()
    assert {"follower_spike", "likely_bot_comments", "spam_comments", "top_commenters_share"} <= codes
    assert codes == set(FINDING_WORDS) | set(CONTEXT_FLAG_WORDS)
    assert [c for c in codes if reasons.flag_sentence(c) is None] == []


def test_every_message_of_the_reasons_and_flags_is_in_chinese() -> None:
    messages = [m for _, m, _, _ in extract_from_file("python", str(ROOT / "service/web/reasons.py"))]
    messages += [
        *FINDING_WORDS.values(),
        *CONTEXT_FLAG_WORDS.values(),
        *_FINDING_BY_GRADE.values(),
        NOT_ASSESSED,
    ]
    assert len(messages) > 60
    untranslated = [m for m in messages if _translated(m) == m]
    assert not untranslated, f"run `make i18n` and translate: {untranslated[:5]}"


RELIABLE = IntentReliability(precision=0.8, recall=0.7, support=40, test_set="xhs_real_test")
WEAK = IntentReliability(precision=0.9, recall=0.3, support=12, test_set="xhs_real_test")


def _mix(
    n: int,
    negative: int,
    spam: int,
    paid: int,
    skeptic: int,
    buy: int,
    low: int,
    *,
    screened: bool,
    neutral: int = 10,
) -> CommentMix:
    positive = n - negative - neutral
    mix = CommentMix(
        total=n + 5,
        analyzed=n,
        sentiment={"positive": positive, "neutral": neutral, "negative": negative},
        intents={
            "spam": spam,
            "paid_suspicion": paid,
            "skepticism": skeptic,
            "purchase_intent": buy,
            "question": 3,
        },
        low_effort=low,
    )
    if not screened:
        return mix
    raw = CommentMix(
        total=n + 1205,
        analyzed=n + 1200,
        sentiment={"positive": positive + 1100, "neutral": 60, "negative": negative + 40},
        intents={
            "spam": spam + 300,
            "paid_suspicion": paid,
            "skepticism": skeptic,
            "purchase_intent": buy,
            "question": 3,
        },
        low_effort=low + 700,
    )
    return CommentMix(
        **{**mix.__dict__, "raw": raw, "excluded": 1200, "excluded_reasons": {"spam": 300}, "screened": True}
    )


def _check(
    value: float, low: float = 0.02, high: float | None = 0.05, segment: str = "micro tier"
) -> BenchmarkCheck:
    return BenchmarkCheck("engagement_rate_by_followers", value, low, high, None, segment, "XHS frameworks")


def _inputs() -> list[VettingInput]:
    def auth(risk: str | None, **kw: Any) -> AuthenticitySummary:
        base: dict[str, Any] = {
            "status": "ok",
            "score": 41.6,
            "risk": risk,
            "confidence": 0.72,
            "interval": (33.2, 55.9),
        }
        return AuthenticitySummary(**{**base, **kw})

    found = {
        "evidence": [
            "followers jumped with no content to explain it: +12,000 on 2026-03-01",
            "a share of comments looks bought: 30 of 90",
        ],
        "finding_codes": ["follower_spike", "likely_bot_comments"],
    }
    bad = _mix(200, 90, 60, 40, 50, 2, 120, screened=True)
    good = _mix(200, 4, 0, 0, 0, 30, 10, screened=True)
    return [
        VettingInput(
            auth("high", **found), bad, 5, [_check(0.2)], {"spam": RELIABLE, "paid_suspicion": WEAK}
        ),
        VettingInput(
            auth("medium", confidence=0.2, interval=None),
            _mix(200, 60, 25, 0, 0, 12, 0, screened=False),
            5,
            [_check(0.01)],
            {},
        ),
        VettingInput(auth("low"), good, 5, [_check(0.2, segment="all tiers")], {"purchase_intent": RELIABLE}),
        VettingInput(auth("low"), good, 5, [_check(0.07, high=None)], {"purchase_intent": WEAK}),
        VettingInput(auth("low"), good, 5, [_check(0.06)], {"purchase_intent": RELIABLE}),
        VettingInput(
            auth("medium"), _mix(200, 30, 0, 0, 0, 0, 0, screened=True), 5, [_check(0.06), _check(0.03)], {}
        ),
        VettingInput(auth("high"), good, 5, [_check(0.04)], {"purchase_intent": RELIABLE}),
        VettingInput(
            auth("low"), _mix(100, 20, 0, 0, 0, 0, 0, screened=False, neutral=70), 5, [_check(0.03)], {}
        ),
        VettingInput(
            AuthenticitySummary("unavailable", reason="the authenticity calibration is not installed"),
            _mix(12, 1, 0, 0, 0, 0, 0, screened=False),
            1,
        ),
        VettingInput(AuthenticitySummary("unavailable"), _mix(12, 1, 0, 0, 0, 0, 0, screened=True), 2),
        VettingInput(
            AuthenticitySummary("insufficient_data", missing=["follower history (at least 14 days)"]), good, 1
        ),
        VettingInput(AuthenticitySummary("insufficient_data"), good, 1),
    ]


def _reasons() -> list[Reason]:
    return [r for data in _inputs() for r in decide(data).reasons]


def test_the_examples_reach_every_reason_code() -> None:
    assert {r.code for r in _reasons()} == reason_codes()


def test_reasons_in_english_read_exactly_as_the_model_wrote_them() -> None:
    for reason in _reasons():
        assert reason_text(reason.to_dict(), "en") == reason.message, reason.code


def test_reasons_in_chinese_are_chinese_sentences() -> None:
    for reason in _reasons():
        text = reason_text(reason.to_dict(), "zh_CN")
        assert CJK.search(text), (reason.code, text)
        # Only what the data itself holds stays in English: the intent test set, a missing input's
        # description and the reason authenticity is unavailable (service text).
        english = set(LATIN_WORDS.findall(text)) - {
            "history",
            "least",
            "days",
            "follower",
            "authenticity",
            "calibration",
            "installed",
        }
        assert not english, (reason.code, text)


def test_chinese_reasons_use_the_findings_words_and_the_locale_separator() -> None:
    first = decide(_inputs()[0]).reasons[0]
    assert first.code == "authenticity_high_risk"
    text = reason_text(first.to_dict(), "zh_CN")
    assert text.startswith("真实度评分 42/100")
    assert (
        _translated(FINDING_WORDS["follower_spike"])
        + "；"
        + _translated(FINDING_WORDS["likely_bot_comments"])
        in text
    )


def test_an_unknown_code_or_missing_figure_falls_back_to_the_message() -> None:
    assert (
        reason_text(
            {"code": "new_rule", "effect": "caution", "message": "a new rule", "evidence": {}}, "zh_CN"
        )
        == "a new rule"
    )
    old = {
        "code": "few_notes",
        "effect": "caution",
        "message": "only 1 recent notes",
        "evidence": {"notes": 1},
    }
    assert reason_text(old, "zh_CN") == "only 1 recent notes"


def test_flag_titles_follow_the_locale() -> None:
    assert reasons.flag_title("engagement_pod", "en") == FINDING_WORDS["engagement_pod"]
    assert CJK.search(reasons.flag_title("engagement_pod", "zh_CN"))
    assert reasons.flag_title("some_new_flag", "zh_CN") == "some new flag"


def _html(text: str) -> str:
    return str(escape(text))


def _reason_items(html: str) -> list[str]:
    section = html.split('id="reasons"', 1)[1].split("</section>", 1)[0]
    return [
        re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li[^>]*>(.*?)</li>", section, re.S)
    ]


def test_the_chinese_vetting_page_shows_the_reasons_in_chinese(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    kol_id = seeded.demo_kol_ids[0]
    messages = [r["message"] for r in client.get(f"/v1/kols/{kol_id}/vetting").json()["verdict"]["reasons"]]
    assert messages
    client.cookies.set("redlens_lang", "zh_CN")
    page = client.get(f"/kols/{kol_id}", headers=HTML).text
    items = _reason_items(page)
    assert len(items) == len(messages)
    assert all(CJK.search(item) for item in items), items
    for message in messages:
        assert _html(message) not in page
    client.cookies.set("redlens_lang", "en")
    english = _reason_items(client.get(f"/kols/{kol_id}", headers=HTML).text)
    assert [item.split(" ", 1)[1] for item in english] == [_html(m) for m in messages]


def test_compare_and_kol_list_show_the_first_reason_in_chinese(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    first, second = seeded.demo_kol_ids[:2]
    message = client.get(f"/v1/kols/{first}/vetting").json()["verdict"]["reasons"][0]["message"]
    client.cookies.set("redlens_lang", "zh_CN")
    compared = client.get(f"/compare?kol={first}&kol={second}", headers=HTML).text
    listed = client.get("/kols", headers=HTML).text
    assert _html(message) not in compared and _html(message) not in listed
    client.cookies.set("redlens_lang", "en")
    assert _html(message) in client.get(f"/compare?kol={first}&kol={second}", headers=HTML).text
    csv = client.get(f"/compare.csv?kol={first}&kol={second}").content.decode("utf-8-sig")
    assert message.replace('"', '""') in csv


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_the_vetting_report_shows_the_reasons_in_its_language(
    client: Any, seeded: Seeded, locale: str
) -> None:
    from service.reports.html_report import render_vetting_html

    sign_in(client, seeded.demo.reader)
    vetting = client.get(f"/v1/kols/{seeded.demo_kol_ids[0]}/vetting").json()
    html = render_vetting_html(vetting, locale=locale)
    messages = [r["message"] for r in vetting["verdict"]["reasons"]]
    shown = [m for m in messages if _html(m) in html]
    assert shown == ([] if locale == "zh_CN" else messages)


def test_the_demo_flags_read_in_chinese_from_their_details(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    flags = [
        flag
        for kol_id in seeded.demo_kol_ids
        for flag in client.get(f"/v1/kols/{kol_id}/vetting").json()["authenticity"]["flags"]
    ]
    assert len({f["code"] for f in flags}) >= 5
    for flag in flags:
        assert reasons.flag_text(flag, "en") == flag["evidence"]
        chinese = reasons.flag_text(flag, "zh_CN")
        assert CJK.search(chinese) and not LATIN_WORDS.search(
            re.sub(r"[\w.%+,-]*\d[\w.%+,-]*", "", chinese)
        ), (
            flag["code"],
            chinese,
        )


def test_the_chinese_vetting_page_keeps_the_recorded_evidence_one_click_away(
    client: Any, seeded: Seeded
) -> None:
    sign_in(client, seeded.demo.reader)
    kol_id = seeded.demo_kol_ids[0]
    flags = client.get(f"/v1/kols/{kol_id}/vetting").json()["authenticity"]["flags"]
    client.cookies.set("redlens_lang", "zh_CN")
    section = (
        client.get(f"/kols/{kol_id}", headers=HTML).text.split('id="flags"', 1)[1].split("</section>", 1)[0]
    )
    shown = [f for f in flags if f["signal"] != "growth"]
    assert shown
    for flag in shown:
        assert _html(reasons.flag_text(flag, "zh_CN")) in section
        assert f'<p lang="en">{_html(flag["evidence"])}</p>' in section
    assert section.count("原始证据（英文）") == len(shown)
