"""Chinese and English pages: catalogues complete and compiled, the switch, numbers and dates."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from service.config import ROOT
from service.web import i18n
from tests.utils.web import HTML, Seeded, sign_in

LOCALES = ROOT / "service" / "web" / "locale"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _catalog(locale: str) -> Any:
    with (LOCALES / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


def _key(value: Any) -> Any:
    return tuple(value) if isinstance(value, list | tuple) else value


def _source_messages() -> set[str]:
    method_map = [("service/web/**.py", "python"), ("service/web/templates/**.html", "jinja2")]
    options = {"service/web/templates/**.html": {"trimmed": "true"}}
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map=options):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("locale", sorted(i18n.LANGUAGES))
def test_compiled_catalogue_matches_its_po_file(locale: str) -> None:
    po = {_key(m.id): _key(m.string) for m in _catalog(locale) if m.id}
    with (LOCALES / locale / "LC_MESSAGES" / "messages.mo").open("rb") as fh:
        mo = {_key(m.id): _key(m.string) for m in read_mo(fh) if m.id}
    assert mo == po, "run `make i18n` to recompile the catalogues"


@pytest.mark.parametrize("locale", sorted(i18n.LANGUAGES))
def test_every_message_of_the_pages_is_translated(locale: str) -> None:
    catalog = _catalog(locale)
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id): m.string
        for m in catalog
        if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(_source_messages() - set(translated))
    assert not missing, f"untranslated in {locale} (run `make i18n`): {missing[:10]}"
    for message, text in translated.items():
        texts = text if isinstance(text, tuple) else (text,)
        for shown in texts:
            assert set(PLACEHOLDER.findall(shown)) == set(PLACEHOLDER.findall(message)), message


@pytest.mark.parametrize(
    ("value", "locale", "expected"),
    [
        (12_300, "zh_CN", "1.2万"),
        (250_000_000, "zh_CN", "2.5亿"),
        (12_300, "en", "12.3K"),
        (1_234_567, "en", "1.2M"),
        (980, "en", "980"),
        (None, "en", "–"),
    ],
)
def test_compact_counts_follow_the_locale(value: Any, locale: str, expected: str) -> None:
    assert i18n.compact(value, locale) == expected


def test_numbers_and_dates_follow_the_locale() -> None:
    assert i18n.number(1234567, "en") == "1,234,567"
    assert i18n.number(0.5, "zh_CN", 1) == "0.5"
    assert i18n.when(date(2026, 3, 1), "zh_CN") == "2026年3月1日"
    assert i18n.when(date(2026, 3, 1), "en") == "Mar 1, 2026"
    assert i18n.when(datetime(2026, 3, 1, 23, 30), "en") == "Mar 1, 2026 23:30"
    assert i18n.when("2026-03-01", "zh_CN", with_time=False) == "2026年3月1日"


@pytest.mark.parametrize(
    ("code", "expected"),
    [("zh-CN", "zh_CN"), ("zh-Hans-CN", "zh_CN"), ("zh", "zh_CN"), ("en-US", "en"), ("fr", None), ("", None)],
)
def test_language_codes_map_to_catalogues(code: str, expected: str | None) -> None:
    assert i18n.locale_of_code(code) == expected


def test_language_switch_sets_the_cookie_lang_and_translates(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    english = client.get("/kols", headers=HTML).text
    assert '<html lang="en">' in english and ">Followers<" not in english  # header is a sort link
    assert 'class="sort-link">Followers' in english and 'id="lang-zh-CN"' in english
    switched = client.get("/lang/zh-CN", params={"next": "/kols?sort=name"}, follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/kols?sort=name"
    cookie = switched.headers["set-cookie"]
    assert (
        cookie.startswith("redlens_lang=zh_CN;") and "Max-Age=31536000" in cookie and "SameSite=lax" in cookie
    )
    chinese = client.get("/kols", headers=HTML).text
    assert '<html lang="zh-CN">' in chinese
    assert 'class="sort-link">粉丝数' in chinese and ">退出登录<" in chinese and "Followers" not in chinese
    back = client.get("/lang/en", params={"next": "/kols"}, follow_redirects=False)
    assert back.headers["set-cookie"].startswith("redlens_lang=en;")
    assert '<html lang="en">' in client.get("/kols", headers=HTML).text


def test_followers_are_shown_in_wan_in_chinese_and_k_in_english(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    cells = re.compile(r'<td class="num" data-label="[^"]*" title="[^"]*">([^<]+)</td>')
    client.cookies.set("redlens_lang", "en")
    english = cells.findall(client.get("/kols", headers=HTML).text)
    client.cookies.set("redlens_lang", "zh_CN")
    chinese = cells.findall(client.get("/kols", headers=HTML).text)
    assert len(english) == len(chinese) == len(seeded.demo_kol_ids)
    assert any(c.endswith(("K", "M")) for c in english) and not any("万" in c for c in english)
    assert any(c.endswith(("万", "亿")) for c in chinese) and not any(c.endswith("K") for c in chinese)


def test_browser_language_is_used_without_a_cookie(client: Any) -> None:
    page = client.get("/login", headers={**HTML, "accept-language": "fr;q=1, zh-CN;q=0.8, en;q=0.5"}).text
    assert '<html lang="zh-CN">' in page and "登录工作区" in page
    assert '<html lang="en">' in client.get("/login", headers={**HTML, "accept-language": "en-GB"}).text


def test_error_pages_are_translated(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.reader)
    client.cookies.set("redlens_lang", "zh_CN")
    missing = client.get("/no-such-page%25d", headers=HTML)  # a % of its own is not a format
    assert missing.status_code == 404 and "<h1>页面不存在</h1>" in missing.text
    assert "<p>没有这个页面：/no-such-page%d。</p>" in missing.text
    refused = client.get("/compare", params={"kol": seeded.demo_kol_ids[0]}, headers=HTML)
    assert refused.status_code == 422 and "请求无效" in refused.text


def test_unknown_language_is_a_404(client: Any) -> None:
    assert client.get("/lang/fr", headers=HTML, follow_redirects=False).status_code == 404


def test_language_switch_goes_back_only_to_this_site(client: Any) -> None:
    response = client.get("/lang/en", params={"next": "https://evil.example/"}, follow_redirects=False)
    assert response.headers["location"] == "/kols"
    login = client.get("/lang/zh-CN", params={"next": "/login?next=/kols"}, follow_redirects=False)
    assert login.headers["location"] == "/login?next=/kols"


def test_every_page_renders_in_chinese(client: Any, seeded: Seeded) -> None:
    sign_in(client, seeded.demo.admin)
    client.cookies.set("redlens_lang", "zh_CN")
    pages = {
        "/kols": "粉丝数",
        f"/compare?kol={seeded.demo_kol_ids[0]}&kol={seeded.demo_kol_ids[1]}": "博主对比",
        "/campaigns": "品牌",
        "/upload": "将文件拖到此处",
        "/models": "评论模型",
        "/labelling": "用这些标注训练",
        f"/kols/{seeded.demo_kol_ids[0]}": "结论与原因",
        f"/campaigns/{seeded.demo_campaign_id}": "活动概览",
    }
    for path, text in pages.items():
        response = client.get(path, headers=HTML)
        assert response.status_code == 200, path
        assert '<html lang="zh-CN">' in response.text and text in response.text, path
