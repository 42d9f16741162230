"""Every word a page template shows goes through the i18n calls (``_()``, ``ngettext``,
``{% trans %}``, the ``t`` filter): a heuristic reads each template's literal text and the
user-visible attributes and flags words outside them."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from service.web.rendering import TEMPLATES_DIR
from tests.utils.web import HTML, Seeded, sign_in

#: Brand names, formats, units and symbols shown as they are in both languages.
ALLOWED = {
    "RedLens",
    "Red",
    "Lens",
    "XHS",
    "JSON",
    "CSV",
    "HTML",
    "IP",
    "F1",
    "ROC AUC",
    "CPM",
    "CPE",
    "Enter",
    "n",
    "rl_",
    "/100",
    "#",
}
VISIBLE_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "value")
WORDS = re.compile(r"[A-Za-z]{2,}|[\u4e00-\u9fff]")
TRANS_BLOCK = re.compile(r"{%-?\s*trans\b.*?{%-?\s*endtrans\s*-?%}", re.S)
EXPRESSION = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)
#: A string literal printed by an expression without a gettext call around it.
PRINTED_LITERAL = re.compile(
    r"""{{-?\s*(?:[^}]*?\b(?:if|else)\s+)?(?:"([A-Za-z][^"]*\s[^"]*)"|'([A-Za-z][^']*\s[^']*)')"""
)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        values = dict(attrs)
        shown_value = tag == "input" and values.get("type") in ("submit", "button", "reset")
        for name in VISIBLE_ATTRIBUTES:
            if values.get(name) and (name != "value" or shown_value):
                self._check(str(values[name]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._check(data)

    def _check(self, text: str) -> None:
        text = text.strip()
        for part in re.split(r"\s*[·:;,()]\s*|\s+[-–/]\s+", text):
            part = part.strip(" .…")
            if part and part not in ALLOWED and WORDS.search(part):
                self.found.append(part)


def untranslated(source: str) -> list[str]:
    """Visible words of a template outside the i18n calls."""
    literals = [m.group(1) or m.group(2) for m in PRINTED_LITERAL.finditer(source)]
    markup = EXPRESSION.sub(" ", TRANS_BLOCK.sub(" ", source))
    parser = _Text()
    parser.feed(markup)
    parser.close()
    return literals + parser.found


TEMPLATES = sorted(p.name for p in Path(TEMPLATES_DIR).glob("*.html"))


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_text_goes_through_i18n(name: str) -> None:
    found = untranslated((Path(TEMPLATES_DIR) / name).read_text(encoding="utf-8"))
    assert not found, f"{name}: text outside _()/{{% trans %}}: {found[:12]}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>Hello there</p>", ["Hello there"]),
        ('<p title="Score alone">{{ _("ok") }}</p>', ["Score alone"]),
        ("<p>{% trans %}Hello there{% endtrans %} · RedLens</p>", []),
        ("<h3>{{ \"real commenters'\" if c else 'all' }}</h3>", ["real commenters'"]),
        ('<td>{{ value|pct }}<span class="muted">/100</span></td>', []),
        ("<p>净情感</p>", ["净情感"]),
    ],
)
def test_heuristic_finds_text_outside_the_calls(source: str, expected: list[str]) -> None:
    assert untranslated(source) == expected


def test_campaign_metric_and_tier_names_are_in_the_catalogue() -> None:
    """The report's metric names and the KPI tiers reach the campaign page through the ``t`` filter: each has a
    Chinese translation (acronyms excepted), so a new metric name cannot slip through in English."""
    from models.kpi.tiers import TIER_NAMES
    from service.web.i18n import translations
    from service.web.pages import KOL_COLUMNS, PAGE_LABELS

    chinese = translations("zh_CN")
    names = {*PAGE_LABELS.values(), *(title for _, title in KOL_COLUMNS), *TIER_NAMES}
    untranslated_names = sorted(n for n in names if not n.isupper() and chinese.gettext(n) == n)
    assert not untranslated_names


def test_words_page_modules_draw_are_translated(client: Any, seeded: Seeded) -> None:
    """Chart titles, tooltips, table captions and the labelling queue's reasons come from Python,
    not templates: in Chinese they are Chinese."""
    sign_in(client, seeded.demo.admin)
    client.cookies.set("redlens_lang", "zh_CN")
    vetting = client.get(f"/kols/{seeded.demo_kol_ids[0]}", headers=HTML).text
    assert 'aria-label="粉丝增长及标记的异常"' in vetting and "<caption>每日粉丝数</caption>" in vetting
    assert "粉丝</title>" in vetting and " followers</title>" not in vetting
    assert ">充足<" in vetting and ">sufficient<" not in vetting
    assert "<caption>占已分析评论的比例</caption>" in vetting
    labelling = client.get("/labelling", headers=HTML).text
    reasons = re.findall(r'<div class="muted small position">(.*?)</div>', labelling, re.S)
    assert reasons and all("情感差距" in r or "接近其判定阈值" in r for r in reasons)
    assert not any("margin" in r or "near its threshold" in r for r in reasons)


def test_every_message_of_the_script_is_listed_and_translated() -> None:
    """``t("...")`` calls of static/app.js are in :data:`JS_MESSAGES` (so they reach the catalogue)
    and have Chinese translations; English pages carry none."""
    from service.web.i18n import JS_MESSAGES, js_messages
    from service.web.rendering import STATIC_DIR

    script = (STATIC_DIR / "app.js").read_text(encoding="utf-8")
    called = set(re.findall(r'\bt\(\s*"([^"]+)"', script))
    called |= set(re.findall(r'"([^"]*%\(\w+\)s[^"]*)"', script))  # both sides of t(x ? "a" : "b")
    assert len(called) > 20 and not called - set(JS_MESSAGES)
    chinese = js_messages("zh_CN")
    assert set(chinese) == set(JS_MESSAGES) and js_messages("en") == {}
    assert chinese["Skipped."] == "已跳过。"


def test_chinese_pages_carry_the_script_messages_as_json(client: Any, seeded: Seeded) -> None:
    import json

    sign_in(client, seeded.demo.admin)
    assert 'id="js-messages"' not in client.get("/labelling", headers=HTML).text
    client.cookies.set("redlens_lang", "zh_CN")
    page = client.get("/labelling", headers=HTML).text
    blob = page.split('<script type="application/json" id="js-messages">', 1)[1].split("</script>", 1)[0]
    assert json.loads(blob)["Not saved: %(reason)s"] == "未保存：%(reason)s"
    assert 'id="js-messages"' not in client.get("/kols", headers=HTML).text  # no script messages there


def test_campaign_headline_counts_read_in_the_page_locale(client: Any, seeded: Seeded) -> None:
    """Headline tiles show large counts as people read them (万 in Chinese, K/M in English), with
    the exact figure under them; rates keep their percentage."""
    sign_in(client, seeded.demo.admin)
    tiles = {}
    for lang in ("zh_CN", "en"):
        client.cookies.set("redlens_lang", lang)
        page = client.get(f"/campaigns/{seeded.demo_campaign_id}", headers=HTML).text
        overview = page.split('id="overview"', 1)[1].split("</section>", 1)[0]
        tiles[lang] = re.findall(
            r'data-metric="(\w+)".*?<div class="value"[^>]*>([^<]*)</div>(?:<div class="muted small exact">([^<]*)</div>)?',
            overview,
            re.S,
        )
    zh = {name: (shown, exact) for name, shown, exact in tiles["zh_CN"]}
    en = {name: (shown, exact) for name, shown, exact in tiles["en"]}
    large = [name for name, (shown, exact) in zh.items() if exact]
    assert large, zh
    for name in large:
        assert re.search(r"[万亿]$", zh[name][0]), (name, zh[name])
        assert re.search(r"[KMB]$", en[name][0]), (name, en[name])
        assert zh[name][1] == en[name][1] and re.fullmatch(r"[\d,.]+", zh[name][1].split()[-1])
    assert any(shown.endswith("%") and not exact for shown, exact in zh.values())
