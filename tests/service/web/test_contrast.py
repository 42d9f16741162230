"""WCAG AA contrast of the pages' palette: every text colour in ``app.css`` against the surface it
sits on (its own rule's background, else the page and card backgrounds) reaches 4.5:1, and so does
the text the charts draw on white."""

from __future__ import annotations

import re

import pytest

from service.reports.charts import PALETTE, funnel_chart, hbar_chart
from service.web.charts import bullet_chart, growth_chart, growth_points
from service.web.rendering import STATIC_DIR

AA_TEXT = 4.5
CSS = (STATIC_DIR / "app.css").read_text(encoding="utf-8")
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
DECLARATION = re.compile(r"(?:^|;)\s*([\w-]+)\s*:\s*([^;]+)")
HEX = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")
#: Rules whose colour is not text on a surface: decorations and disabled controls (exempt in WCAG).
NOT_TEXT = ("::after", ":disabled", ".swatch", ".heat-", ".mark")


def luminance(colour: str) -> float:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _rules(css: str) -> list[tuple[str, dict[str, str]]]:
    body = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    body = re.sub(r"@media[^{]*\{", "", body)  # the rules inside media queries count too
    return [
        (selector.strip(), {m.group(1): m.group(2).strip() for m in DECLARATION.finditer(block)})
        for selector, block in RULE.findall(body)
    ]


RULES = _rules(CSS)
VARIABLES = next(decls for selector, decls in RULES if selector == ":root")


def _colour(value: str | None) -> str | None:
    """The hex colour of a declaration, custom properties resolved; ``None`` if it has none."""
    if not value:
        return None
    value = re.sub(r"var\((--[\w-]+)\)", lambda m: VARIABLES.get(m.group(1), m.group(0)), value)
    found = HEX.search(value)
    if found:
        return found.group(0)
    return "#ffffff" if re.search(r"\b(white|#fff)\b", value) else None


SURFACES = [c for c in (_colour(VARIABLES["--bg"]), _colour(VARIABLES["--card"]), "#f9fafb") if c]


def _declared(selector: str, name: str) -> str | None:
    """The colour ``name`` (``color`` or ``background``) of the rule with exactly this selector."""
    for other, decls in reversed(RULES):
        if other == selector and (
            decls.get(name) or (name == "background" and decls.get("background-color"))
        ):
            return _colour(decls.get(name) or decls.get("background-color"))
    return None


def _own_colour(selector: str) -> str | None:
    """The text colour a background-only rule gets: the same rule without its state
    (``button.primary:hover``), the rules of its classes (``.pill.risk-low`` from ``.risk-low``),
    else the page's ink."""
    stateless = re.sub(r":(hover|focus|focus-visible|active)\b", "", selector)
    if stateless != selector and _declared(stateless, "color"):
        return _declared(stateless, "color")
    classes = set(re.findall(r"\.([\w-]+)", selector))
    for other, decls in reversed(RULES):
        other_classes = re.findall(r"\.([\w-]+)", other)
        if (
            "color" in decls
            and other_classes
            and set(other_classes) <= classes
            and re.fullmatch(r"[\w.\- ]+", other)
        ):
            return _colour(decls["color"])
    return _colour(VARIABLES["--ink"])


def _surfaces(selector: str) -> list[str]:
    """Where a colour-only rule's text sits: on its ancestor's background when the ancestor rule
    sets one (``.choices button[aria-pressed="true"] small``), else on the page and the cards."""
    ancestor, _, _ = selector.rpartition(" ")
    background = _declared(ancestor, "background") if ancestor and "," not in selector else None
    return [background] if background else SURFACES


def text_pairs() -> list[tuple[str, str, str]]:
    """(selector, text colour, background) of every rule that sets a text colour or a background."""
    pairs = []
    for selector, decls in RULES:
        if selector == ":root" or any(mark in selector for mark in NOT_TEXT):
            continue
        text = _colour(decls.get("color"))
        background = _colour(decls.get("background") or decls.get("background-color"))
        if text and background:
            pairs.append((selector, text, background))
        elif text:
            pairs.extend((selector, text, surface) for surface in _surfaces(selector))
        elif background and ("color" not in decls):
            own = _own_colour(selector)
            if own:
                pairs.append((selector, own, background))
    return pairs


def test_contrast_formula_matches_wcag_reference_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#ffffff", "#e0475b") == pytest.approx(4.02, abs=0.01)  # the old primary button


def test_css_parser_finds_the_primary_button_and_the_pills() -> None:
    pairs = {selector: (text, background) for selector, text, background in text_pairs()}
    assert pairs["button.primary, .button.primary"] == ("#fff", _colour(VARIABLES["--red"]))
    assert pairs[".pill.risk-high"][0] == "#b91c1c"
    assert len(pairs) > 40


def test_every_text_colour_of_the_pages_reaches_aa() -> None:
    failing = [
        f"{selector}: {text} on {background} = {contrast(text, background):.2f}"
        for selector, text, background in text_pairs()
        if contrast(text, background) < AA_TEXT
    ]
    assert not failing, "\n".join(failing)


def test_chart_text_on_white_reaches_aa() -> None:
    points = growth_points(
        [{"date": "2026-03-01", "followers": 1000}, {"date": "2026-03-09", "followers": 1800}]
    )
    charts = [
        growth_chart(points),
        bullet_chart(0.05, 0.02, 0.04, label="ER", verdict="above"),
        hbar_chart([("a", 1.0), ("b", None)], title="t"),
        funnel_chart([("impressions", 100), ("clicks", None)]),
    ]
    fills = {m for chart in charts for m in re.findall(r'<text[^>]*fill="(#[0-9a-fA-F]{3,6})"', chart)}
    assert PALETTE["axis"] in fills
    failing = {
        fill: round(contrast(fill, "#ffffff"), 2) for fill in fills if contrast(fill, "#ffffff") < AA_TEXT
    }
    assert not failing
