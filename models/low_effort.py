"""The ``low_effort`` comment flag: a derived rule, never a learned label.

A comment is low effort when, after :func:`models.text.normalize`, nothing specific is left once
the following are removed:

1. XHS bracket stickers (``[赞R]``), Unicode emoji, punctuation, symbols and whitespace;
2. generic praise or reaction phrases that fit any note (好看, 爱了, 绝绝子, 太美了, yyds, 666,
   哈哈哈, 支持, 码住 ...);
3. filler characters and address terms that carry no content on their own (啊, 呀, 了, 真的, 太,
   超, 好, 姐妹, 宝子, 博主 ...).

So ``好看！！[赞R]``, ``爱了爱了``, ``姐妹太美了吧`` and ``👍👍`` are low effort, while ``好看，链接呢``,
``这个颜色好看``, ``不好看`` (a negation is an opinion) and ``好看吗`` (a question) are not.
An empty comment (on XHS usually an image-only reply) is low effort. A comment that only tags a
friend (``@小明``) is *not*: tagging is genuine sharing behaviour, not praise.

The rule is deliberately conservative (it only fires when the whole comment is generic), so it
is cheap, explainable and identical in training, simulation and serving.
"""

from __future__ import annotations

import re
from typing import Any

from models.text import normalize

# Generic praise and reactions. Longest first so that the alternation prefers whole phrases.
GENERIC_PHRASES: tuple[str, ...] = (
    "绝绝子",
    "太美了",
    "好好看",
    "太好看",
    "好看",
    "好美",
    "美哭",
    "美美哒",
    "美炸",
    "漂亮",
    "爱了",
    "爱住",
    "爱死",
    "好喜欢",
    "喜欢",
    "可爱",
    "好棒",
    "棒棒哒",
    "棒棒",
    "真棒",
    "很棒",
    "厉害",
    "牛啊",
    "牛哇",
    "牛逼",
    "牛",
    "点赞",
    "赞赞",
    "赞",
    "支持",
    "绝了",
    "yyds",
    "哇塞",
    "wow",
    "awsl",
    "冲冲冲",
    "冲鸭",
    "冲",
    "码住",
    "马住",
    "mark",
    "收藏了",
    "收藏",
    "已关注",
    "关注了",
    "已赞",
    "心动",
    "666",
    "6",
    "nice",
    "good",
    "amazing",
    "学到了",
    "打卡",
    "沙发",
    "前排",
    "来了",
    "顶",
    "哈",
    "嘿",
    "嘻",
    "呜",
)

# Characters and short words that carry no content on their own.
FILLERS: tuple[str, ...] = (
    "姐妹们",
    "姐妹",
    "集美",
    "宝子们",
    "宝子",
    "宝宝",
    "宝",
    "博主",
    "楼主",
    "姐姐",
    "家人们",
    "真的",
    "真是",
    "超级",
    "特别",
    "非常",
    "简直",
    "实在",
    "一下",
    "我也",
    "啊",
    "呀",
    "了",
    "吧",
    "哇",
    "呢",
    "嘛",
    "哦",
    "噢",
    "喔",
    "耶",
    "啦",
    "哟",
    "~",
    "的",
    "也",
    "我",
    "都",
    "是",
    "真",
    "太",
    "超",
    "好",
    "很",
    "最",
    "巨",
    "就",
    "这",
    "么",
    "滴",
    "鸭",
    "捏",
    "诶",
)

_TOKENS = sorted(set(GENERIC_PHRASES) | set(FILLERS), key=len, reverse=True)
_GENERIC_ONLY = re.compile("(?:" + "|".join(re.escape(t) for t in _TOKENS) + ")+")
# Stickers ([赞R], [doge]) and everything that is not a letter, digit or CJK character.
_STICKER = re.compile(r"\[(?:[\u4e00-\u9fff]{1,8}R?|[A-Za-z][A-Za-z0-9_]{1,11})\]")
_NOT_WORD = re.compile(r"[^\w\u4e00-\u9fff@]|_", re.UNICODE)
_MENTION = re.compile(r"@\S")


def is_low_effort(text: Any) -> bool:
    """True when the comment is emoji/sticker-only, empty, or generic praise with nothing specific.

    See the module docstring for the exact rule. Never raises; ``None`` counts as empty.
    """
    return is_low_effort_normalized(normalize(text))


def is_low_effort_normalized(norm: str) -> bool:
    """:func:`is_low_effort` for text that already went through :func:`models.text.normalize`."""
    if not norm:
        return True
    if _MENTION.search(norm):
        return False
    core = _NOT_WORD.sub("", _STICKER.sub("", norm))
    if not core:
        return True
    return _GENERIC_ONLY.fullmatch(core) is not None
