from __future__ import annotations

import pytest

from models.low_effort import is_low_effort, is_low_effort_normalized
from models.text import normalize


@pytest.mark.parametrize(
    "text",
    [
        "好看",
        "好看！！[赞R]",
        "爱了爱了",
        "绝绝子",
        "太美了",
        "姐妹太美了吧",
        "👍👍",
        "[哇R][哇R]",
        "哈哈哈哈哈",
        "666",
        "真的好好看啊啊啊",
        "码住",
        "ＹＹＤＳ",
        "",
        None,
    ],
)
def test_is_low_effort_generic_praise_and_emoji(text: str | None) -> None:
    assert is_low_effort(text)


@pytest.mark.parametrize(
    "text",
    [
        "好看，链接呢",
        "这个颜色好看",
        "不好看",
        "好看吗",
        "求链接",
        "请问图16是哪个店",
        "@小明",
        "干皮能用吗[思考R]",
        "谢谢",
    ],
)
def test_is_low_effort_specific_text_is_not(text: str) -> None:
    assert not is_low_effort(text)


def test_is_low_effort_normalized_agrees_with_raw() -> None:
    for text in ("爱了爱了！！", "這個顏色好看", "绝绝子👍", "色号多少"):
        assert is_low_effort(text) == is_low_effort_normalized(normalize(text))
