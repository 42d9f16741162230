"""Seeded simulator of XHS KOL accounts with ground truth, for calibrating and measuring the
audience-authenticity score.

Every account has follower snapshots at irregular dates, notes with counters, optional
creator-centre note metrics, comments (texts sampled from real public XHS/Douyin comments when
``../shared/corpora`` (or ``REDLENS_SHARED_CORPORA_DIR``) exists, else from a small built-in list) and optionally the comment
classifier's intents. Scenarios:

organic (label ``organic``)
    ``organic_steady``, ``organic_seasonal`` (growth and engagement follow a content season),
    ``organic_viral`` (1-3 notes with 8-50x engagement whose follower spikes are backed by
    interactions and comments, followed by a little natural unfollowing), ``organic_giveaway``
    (a 抽奖 note drawing many identical 想要/许愿 comments from real accounts).
manipulated (label ``manipulated``)
    ``bought_followers`` (1-2 bursts of bought followers, sometimes right after an ordinary
    note), ``bought_followers_purged`` (the same, later partly purged by the platform),
    ``follower_drip`` (bought followers trickled in daily for weeks), ``bot_comments``
    (generic praise, duplicates and templates from mostly default-nickname accounts, mostly in
    bursts after posting), ``engagement_pod`` (a group of real-looking accounts commenting on
    most notes within hours), ``bought_likes`` (likes without saves or comments, on some notes
    or all), ``machine_comments`` (LLM-written comments from ordinary-looking accounts, spread
    out), ``follow_unfollow`` (following-count spikes then unfollows), ``mixed`` (two of the
    above at moderate strength).

Each manipulation has an ``intensity`` drawn from 0 (subtle) to 1 (blatant), so some manipulated
accounts are genuinely hard to tell from organic ones. Noise levels (low/medium/high) set the
day-to-day growth dispersion and per-note engagement spread; snapshot cadence is daily, every few
days or weekly; large accounts' counts are sometimes rounded as XHS displays them (0.1万). A few
accounts lack follower history (3%), have only 3 snapshots (2%) or very few comments (4%).

Honest evaluation: texts are split by a hash into a ``tune`` and an ``eval`` half
(:func:`load_comment_pools`); tuning seeds use one half, the evaluation seed the other.

``write_ingest`` writes accounts in RedLens's ingest formats (follower snapshots CSV, note metrics
CSV, MediaCrawler-style notes/comments JSONL) plus ``truth.csv``.
"""

from __future__ import annotations

import csv
import json
import math
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

import numpy as np

from models.authenticity.data import (
    AccountData,
    Comment,
    FollowerSnapshot,
    Note,
    NoteMetricsSnapshot,
    to_seconds,
)
from models.authenticity.explain import local_day
from models.labels import INTENTS
from training.datasets import default_shared_dir

Split = Literal["tune", "eval", "all"]

DEFAULT_CORPORA_DIR = default_shared_dir()
END = datetime(2026, 3, 31, 23, 0)
CHINA = timezone(timedelta(hours=8))  # notes are posted on China days; snapshot dates are China dates

ORGANIC_SCENARIOS: dict[str, float] = {
    "organic_steady": 0.15,
    "organic_seasonal": 0.10,
    "organic_viral": 0.17,
    "organic_giveaway": 0.08,
}
MANIPULATED_SCENARIOS: dict[str, float] = {
    "bought_followers": 0.07,
    "bought_followers_purged": 0.07,
    "follower_drip": 0.06,
    "bot_comments": 0.07,
    "engagement_pod": 0.05,
    "bought_likes": 0.06,
    "machine_comments": 0.06,
    "follow_unfollow": 0.03,
    "mixed": 0.03,
}
SCENARIOS: dict[str, float] = {**ORGANIC_SCENARIOS, **MANIPULATED_SCENARIOS}

TIERS: dict[str, tuple[int, int, float]] = {  # follower range and a typical engagement rate
    "nano": (1_500, 9_500, 0.11),
    "micro": (10_000, 95_000, 0.07),
    "mid": (100_000, 480_000, 0.04),
    "macro": (500_000, 950_000, 0.03),
    "top": (1_000_000, 3_000_000, 0.02),
}
TIER_WEIGHTS: dict[str, float] = {"nano": 0.25, "micro": 0.35, "mid": 0.2, "macro": 0.1, "top": 0.1}

PROVINCES: dict[str, float] = {
    "广东": 9.0,
    "江苏": 6.0,
    "浙江": 6.0,
    "上海": 5.0,
    "北京": 5.0,
    "四川": 6.0,
    "山东": 6.0,
    "湖北": 4.0,
    "河南": 4.5,
    "福建": 3.5,
    "湖南": 3.5,
    "重庆": 2.5,
    "河北": 3.0,
    "陕西": 2.5,
    "安徽": 2.5,
    "辽宁": 2.0,
    "广西": 2.0,
    "江西": 2.0,
    "云南": 1.8,
    "天津": 1.5,
    "山西": 1.5,
    "黑龙江": 1.2,
    "吉林": 1.0,
    "贵州": 1.2,
    "新疆": 0.6,
    "内蒙古": 0.7,
    "甘肃": 0.7,
    "海南": 0.6,
    "宁夏": 0.3,
    "青海": 0.2,
    "香港": 0.4,
    "台湾": 0.2,
    "美国": 0.4,
    "日本": 0.3,
    "英国": 0.3,
    "澳大利亚": 0.2,
    "马来西亚": 0.2,
}

# Written for RedLens (not taken from any corpus): used when the shared corpora are absent.
BUILTIN_HUMAN: tuple[str, ...] = (
    "请问这个色号是多少呀",
    "图三的裙子在哪里买的？",
    "黄皮可以用吗",
    "干皮冬天用会不会卡粉",
    "这家店周一休息吗",
    "价格多少呀？",
    "我也买了，感觉还行但是有点油",
    "博主是什么肤质",
    "求地址！下周去成都",
    "上次去人好多，排了一个多小时",
    "这个包能装下ipad吗",
    "链接可以发一下吗",
    "我用了两周，闭口少了一点",
    "敏感肌慎入，我用完泛红了",
    "第二张的滤镜叫什么",
    "158穿会不会太长",
    "学生党有平替推荐吗",
    "跟着买了，明天到货",
    "这个味道会不会很冲",
    "混油皮夏天用闷不闷",
    "好奇是哪个牌子的",
    "我觉得一般，没有说的那么神",
    "拍照的地方是哪里呀",
    "适合送男朋友吗",
    "看完立马下单了",
    "有没有优惠码",
    "上脸效果比图上淡一点",
    "这个季节去会不会太热",
    "求教程！眼妆怎么画的",
    "去年买过，质量还可以",
    "停车方便吗",
    "带小孩去合适吗",
    "为什么我买的颜色不一样",
    "一直在用，回购第三瓶了",
    "和之前那款比哪个好",
    "有点贵，再等等活动",
    "感谢分享，收藏了慢慢看",
    "同款同款，真的很显白",
    "博主皮肤状态好好，平时怎么护肤的",
    "我家那边也有这家，下次去试试",
    "图片好有氛围感，用什么相机拍的",
    "求出一期通勤穿搭",
    "说得太对了，我也踩过这个坑",
    "请问需要预约吗",
    "入手了，包装很用心",
    "这个尺码偏大还是偏小",
    "被种草了，等双十一",
    "看评论区都说好，我也想试试",
    "有没有人用了过敏的",
    "这个配色太适合春天了",
    "能不能出个平价版本的合集",
    "老粉了，一路看着博主变好看",
    "这套妆适合约会吗",
    "有无油皮姐妹反馈一下",
    "好实用，明天就去试",
    "可以说一下具体路线吗",
    "这家的甜品真的好吃吗",
    "求问耳环链接",
    "我觉得第一套最好看",
    "请问是素颜吗",
    "价格有点劝退",
    "周末去了，人确实多",
)
BUILTIN_LLM: tuple[str, ...] = (
    "从性价比角度看，这款产品兼顾了实用性与颜值，值得入手。",
    "建议结合自身肤质理性选择，避免盲目跟风，适合自己的才是最好的。",
    "整体搭配简约大方，色彩层次分明，既适合通勤又不失个人风格。",
    "内容详实，干货满满，对新手非常友好，期待更多分享！",
    "从成分来看，温和不刺激，适合敏感肌日常使用，但需注意用量。",
    "这篇笔记逻辑清晰，既有个人体验又有客观分析，很有参考价值。",
    "旅行的意义在于体验不同的生活方式，这份攻略兼顾了效率与乐趣。",
    "建议优先考虑预算与需求的匹配度，理性消费才能获得最佳体验。",
    "画面构图与色调统一，氛围感拉满，体现了博主的审美功底。",
    "真实测评很难得，优缺点都说清楚了，值得收藏反复参考。",
    "产品设计兼顾美观与实用，细节处理到位，整体体验感较好。",
    "分享很有温度，也提醒大家根据自身情况做出适合的选择。",
    "从长期使用角度看，稳定性与口碑同样重要，建议多方比较。",
    "妆容自然清透，突出五官优势，非常适合日常与约会场景。",
    "内容结构清楚，重点突出，对于想入门的朋友很有帮助。",
    "性价比与品质兼具，适合追求实用主义的消费者。",
    "这种生活态度很值得学习，在忙碌中也要留出属于自己的时间。",
    "细节满满，看得出博主用心准备，期待下一期内容更新。",
)
GENERIC_PRAISE: tuple[str, ...] = (
    "好看",
    "好看好看",
    "爱了爱了",
    "绝绝子",
    "太美了",
    "太美了吧",
    "姐妹好美",
    "好好看啊",
    "爱了",
    "支持",
    "支持支持",
    "好棒呀",
    "真棒",
    "yyds",
    "绝了",
    "冲冲冲",
    "码住",
    "好喜欢",
    "[赞R][赞R]",
    "[哇R]",
    "👍👍👍",
    "❤️❤️",
    "🥰",
    "美哭了",
    "宝子太美了",
    "哇塞",
    "太好看了吧",
    "已关注",
    "好可爱",
    "漂亮",
)
TEMPLATES: tuple[str, ...] = (
    "这个{item}真的太{adj}了，已经{act}了",
    "{item}颜值好高，{act}了{act}了",
    "姐妹的{item}也太{adj}了吧，求链接",
    "一直在找这样的{item}，终于{act}了",
    "看完马上{act}了，{item}真的{adj}",
    "{adj}！这款{item}必须{act}",
)
TEMPLATE_SLOTS: dict[str, tuple[str, ...]] = {
    "item": ("面霜", "口红", "粉底", "裙子", "包包", "精华", "眼影", "香水", "外套", "耳环"),
    "adj": ("好用", "好看", "绝", "惊艳", "显白", "高级"),
    "act": ("下单", "回购", "种草", "收藏", "入手"),
}
GIVEAWAY: tuple[str, ...] = (
    "想要",
    "想要想要",
    "许愿",
    "许愿好运",
    "求抽中我",
    "参与一下",
    "蹲一个好运",
    "锦鲤附体",
    "想要这个",
    "求中奖",
    "我想要",
    "抽我抽我",
)
_NICK_HEAD = ("是", "小", "一只", "爱吃", "今天也要", "阿", "不吃", "超爱", "大", "橙子", "")
_NICK_CORE = (
    "奶芙",
    "橘子",
    "桃桃",
    "小鱼",
    "阿白",
    "可乐",
    "猫猫",
    "土豆",
    "月亮",
    "汤圆",
    "芒果",
    "西瓜",
    "晚风",
    "小熊",
    "糯米",
    "柚子",
    "momo",
    "lily",
    "coco",
    "kiki",
    "木木",
    "一一",
    "七七",
)
_NICK_TAIL = ("呀", "酱", "~", "吖", "同学", "1998", "ah", "不吃香菜", "的日常", "嗷", "", "", "")


@dataclass(frozen=True, slots=True)
class CommentPools:
    """Comment texts by source. ``human`` maps a source name to its texts."""

    human: dict[str, tuple[str, ...]]
    llm: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True)
class SimulatedAccount:
    account: AccountData
    label: Literal["organic", "manipulated"]
    scenario: str
    tier: str
    params: dict[str, Any] = field(default_factory=dict)


def _split_of(text: str) -> str:
    return "tune" if zlib.crc32(text.encode("utf-8")) % 2 == 0 else "eval"


def _read_column(path: Path, column: str) -> list[str]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return [row.get(column) or "" for row in csv.DictReader(fh)]


def load_comment_pools(corpora_dir: Path | None = DEFAULT_CORPORA_DIR, split: Split = "all") -> CommentPools:
    """Human and LLM comment texts from the shared corpora (``split`` half), or built-in lists.

    Human sources: citywalk and plant-care XHS comments, the XHS AI-debate comments and Douyin
    comments. LLM texts: ``xhs_llm_generated_comments`` (entries joined by ``||`` are split;
    surrounding 「」 quotes are removed, as an operator posting them would).
    """
    if corpora_dir is None or not corpora_dir.is_dir():
        return CommentPools({"builtin": BUILTIN_HUMAN}, BUILTIN_LLM, "builtin")
    sources = {
        "citywalk": _read_column(corpora_dir / "xhs_citywalk_chengdu_comments" / "comments.csv", "text"),
        "plant_care": _read_column(corpora_dir / "xhs_plant_care_comments" / "comments.csv", "text"),
        "ai_debate": _read_column(corpora_dir / "xhs_ai_debate_comments" / "comments.csv", "comment_content"),
        "douyin": _read_column(
            corpora_dir / "douyin_consumption_downgrade_comments" / "comments.csv", "text"
        ),
    }
    human: dict[str, tuple[str, ...]] = {}
    for name, texts in sources.items():
        kept = sorted(
            {
                t.strip()
                for t in texts
                if t and t.strip() and (split == "all" or _split_of(t.strip()) == split)
            }
        )
        if kept:
            human[name] = tuple(kept)
    llm_raw = _read_column(
        corpora_dir / "xhs_llm_generated_comments" / "posts_with_llm_comments.csv", "llm_comment"
    )
    llm: set[str] = set()
    for cell in llm_raw:
        for part in cell.split("||"):
            text = part.strip().removeprefix("「").removesuffix("」").strip()
            if text and (split == "all" or _split_of(text) == split):
                llm.add(text)
    if not human or not llm:
        return CommentPools({"builtin": BUILTIN_HUMAN}, BUILTIN_LLM, "builtin")
    return CommentPools(human, tuple(sorted(llm)), f"corpora:{split}")


# ----------------------------------------------------------------------------------------------
# helpers


def _hex_id(rng: np.random.Generator) -> str:
    return rng.bytes(12).hex()


def _pick(rng: np.random.Generator, items: Sequence[str]) -> str:
    return items[int(rng.integers(len(items)))]


def _lognormal(rng: np.random.Generator, median: float, sigma: float) -> float:
    return float(median * math.exp(rng.normal(0.0, sigma)))


def _nickname(rng: np.random.Generator) -> str:
    return _pick(rng, _NICK_HEAD) + _pick(rng, _NICK_CORE) + _pick(rng, _NICK_TAIL)


def _default_nickname(rng: np.random.Generator) -> str:
    return "小红薯" + rng.bytes(4).hex().upper()


def _template(rng: np.random.Generator) -> str:
    text = _pick(rng, TEMPLATES)
    for slot, options in TEMPLATE_SLOTS.items():
        while "{" + slot + "}" in text:
            text = text.replace("{" + slot + "}", _pick(rng, options), 1)
    return text


def _choose(rng: np.random.Generator, weights: dict[str, float]) -> str:
    names = list(weights)
    p = np.array([weights[n] for n in names], dtype=np.float64)
    return names[int(rng.choice(len(names), p=p / p.sum()))]


@dataclass(slots=True)
class _Audience:
    """Commenters of one account: consistent nicknames and IP locations per account."""

    rng: np.random.Generator
    default_rate: float
    deleted_rate: float
    home: str | None
    home_share: float
    unknown_ip: float
    nick: dict[str, str] = field(default_factory=dict)
    ip: dict[str, str] = field(default_factory=dict)

    def person(self, *, default: float | None = None, ip_pool: Sequence[str] | None = None) -> str:
        uid = _hex_id(self.rng)
        rate = self.default_rate if default is None else default
        u = self.rng.random()
        if u < rate:
            self.nick[uid] = _default_nickname(self.rng)
        elif u < rate + self.deleted_rate:
            self.nick[uid] = "用户已注销"
        else:
            self.nick[uid] = _nickname(self.rng)
        if ip_pool is not None:
            self.ip[uid] = _pick(self.rng, ip_pool)
        elif self.rng.random() < self.unknown_ip:
            self.ip[uid] = ""
        elif self.home is not None and self.rng.random() < self.home_share:
            self.ip[uid] = self.home
        else:
            self.ip[uid] = _choose(self.rng, PROVINCES)
        return uid


# ----------------------------------------------------------------------------------------------
# one account


def _scenario_list(rng: np.random.Generator, n: int, scenarios: Sequence[str] | None) -> list[str]:
    if scenarios:
        return [scenarios[i % len(scenarios)] for i in range(n)]
    names = list(SCENARIOS)
    p = np.array([SCENARIOS[s] for s in names])
    counts = np.floor(p / p.sum() * n).astype(int)
    rest = n - int(counts.sum())
    for i in rng.choice(len(names), size=rest, replace=False, p=p / p.sum()) if rest else []:
        counts[int(i)] += 1
    out = [s for s, k in zip(names, counts, strict=True) for _ in range(int(k))]
    rng.shuffle(out)
    return out


def simulate_accounts(
    seed: int,
    n_accounts: int,
    *,
    pools: CommentPools | None = None,
    scenarios: Sequence[str] | None = None,
    end: datetime = END,
    max_comments: int = 800,
    missing_data: bool = True,
    only: Sequence[int] | None = None,
    days: int | None = None,
    notes: int | None = None,
    tiers: Sequence[str] | None = None,
) -> list[SimulatedAccount]:
    """``n_accounts`` accounts with ground truth, reproducible for a ``seed``.

    Scenarios follow :data:`SCENARIOS` proportions (about half organic) unless ``scenarios``
    is given (then they are cycled). ``max_comments`` caps the collected comments per account.
    Account ``i`` depends only on ``(seed, i)`` and the pools, so ``only`` (a subset of indices)
    yields exactly those accounts of the full run (used to spread work over processes).
    ``days``, ``notes`` and ``tiers`` fix the history length, the number of notes and the allowed
    tiers (for benchmarks); random draws are made either way, so other properties stay the same.
    """
    if n_accounts < 0:
        raise ValueError(f"n_accounts={n_accounts} must be >= 0")
    unknown = set(scenarios or ()) - set(SCENARIOS)
    if unknown:
        raise ValueError(f"unknown scenarios {sorted(unknown)}; accepted: {', '.join(SCENARIOS)}")
    bad_tiers = set(tiers or ()) - set(TIERS)
    if bad_tiers:
        raise ValueError(f"unknown tiers {sorted(bad_tiers)}; accepted: {', '.join(TIERS)}")
    if days is not None and days < 14:
        raise ValueError(f"days={days} must be >= 14")
    if notes is not None and notes < 1:
        raise ValueError(f"notes={notes} must be >= 1")
    pools = pools or load_comment_pools(None)
    shape = _Shape(days, notes, tuple(tiers) if tiers else None)
    plan = _scenario_list(np.random.default_rng([seed, 0]), n_accounts, scenarios)
    indices = range(n_accounts) if only is None else only
    return [
        _simulate_one(
            np.random.default_rng([seed, 1, i]), plan[i], pools, end, max_comments, missing_data, shape
        )
        for i in indices
    ]


@dataclass(frozen=True, slots=True)
class _Shape:
    days: int | None
    notes: int | None
    tiers: tuple[str, ...] | None


@dataclass(slots=True)
class _Plan:
    """Who the account is: label, tier, noise level and the manipulation components (``parts``)."""

    scenario: str
    label: Literal["organic", "manipulated"]
    tier: str
    noise: str
    intensity: float
    parts: set[str]
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Profile:
    """The account's organic dynamics (followers, engagement, discovery, season)."""

    days: int
    start_day: date
    followers0: float
    churn: float
    dispersion: float
    note_sigma: float
    season_amp: float
    season_period: float
    season_phase: float
    er0: float
    saves_ratio: float
    comments_ratio: float
    shares_ratio: float
    follows_per_interaction: float
    n_notes: int
    growth_rate: float

    def season(self, t: float) -> float:
        return 1.0 + self.season_amp * math.sin(2 * math.pi * t / self.season_period + self.season_phase)


@dataclass(frozen=True, slots=True)
class _NotePlan:
    days: np.ndarray  # publication day of each note, sorted
    viral: set[int]
    giveaway: set[int]
    sponsored: np.ndarray
    noise: np.ndarray
    viral_mult: dict[int, float]


@dataclass(slots=True)
class _Inflation:
    """Bought followers by day, purged followers by day, and a follow/unfollow plan."""

    bought: np.ndarray
    purge: np.ndarray
    follow_plan: tuple[int, float, int, float] | None = None


@dataclass(slots=True)
class _Counters:
    note_ids: list[str]
    likes: np.ndarray
    saves: np.ndarray
    comm: np.ndarray
    shares: np.ndarray


def _plan(rng: np.random.Generator, scenario: str, shape: _Shape) -> _Plan:
    label: Literal["organic", "manipulated"] = "organic" if scenario in ORGANIC_SCENARIOS else "manipulated"
    tier = _choose(rng, TIER_WEIGHTS)
    if shape.tiers and tier not in shape.tiers:
        tier = shape.tiers[int(rng.integers(len(shape.tiers)))]
    noise = _choose(rng, {"low": 0.3, "medium": 0.4, "high": 0.3})
    intensity = float(rng.random()) if label == "manipulated" else 0.0
    params: dict[str, Any] = {"noise": noise, "intensity": round(intensity, 3)}
    parts: set[str] = set()
    if scenario == "mixed":
        options = ["bought_followers", "bot_comments", "bought_likes", "follower_drip", "engagement_pod"]
        picked = rng.choice(len(options), size=2, replace=False)
        parts = {options[int(i)] for i in picked}
        intensity = 0.3 + 0.4 * intensity
        params["mixed_parts"] = sorted(parts)
    elif label == "manipulated":
        parts = {scenario}
    if "bought_followers" in parts and rng.random() < 0.5 and scenario == "mixed":
        parts.add("purge")
    if scenario == "bought_followers_purged":
        parts |= {"bought_followers", "purge"}
    return _Plan(scenario, label, tier, noise, intensity, parts, params)


def _profile(rng: np.random.Generator, plan: _Plan, end: datetime, shape: _Shape) -> _Profile:
    lo, hi, tier_er = TIERS[plan.tier]
    days = int(rng.integers(60, 181))
    days = shape.days if shape.days is not None else days
    followers0 = float(math.exp(rng.uniform(math.log(lo), math.log(hi))))
    churn = _lognormal(rng, 0.0003, 0.4)
    seasonal = plan.scenario == "organic_seasonal"
    season_amp = float(rng.uniform(0.35, 0.8)) if seasonal else float(rng.uniform(0.0, 0.15))
    season_period = float(rng.uniform(25, 90))
    season_phase = float(rng.uniform(0, 2 * math.pi))
    er0 = _lognormal(rng, tier_er, 0.45)
    saves_ratio = _lognormal(rng, 0.35, 0.5)
    comments_ratio = _lognormal(rng, 0.045, 0.5)
    shares_ratio = _lognormal(rng, 0.05, 0.5)
    # real creator-centre exports: follows per interaction median 0.08 (shared corpora, 41 notes)
    follows_per_interaction = _lognormal(rng, 0.05, 0.6)
    n_notes = int(rng.integers(8, 31))
    n_notes = shape.notes if shape.notes is not None else n_notes
    # Organic discovery (search, profile visits) also follows content: a per-follower daily rate
    # proportional to the engagement the account produces per day.
    discovery = _lognormal(rng, 0.06, 0.6)
    return _Profile(
        days=days,
        start_day=(end - timedelta(days=days)).date(),
        followers0=followers0,
        churn=churn,
        dispersion={"low": 60.0, "medium": 15.0, "high": 4.0}[plan.noise],
        note_sigma={"low": 0.45, "medium": 0.65, "high": 0.85}[plan.noise],
        season_amp=season_amp,
        season_period=season_period,
        season_phase=season_phase,
        er0=er0,
        saves_ratio=saves_ratio,
        comments_ratio=comments_ratio,
        shares_ratio=shares_ratio,
        follows_per_interaction=follows_per_interaction,
        n_notes=n_notes,
        growth_rate=float(np.clip(discovery * er0 * n_notes / days, 2e-5, 8e-3)),
    )


def _note_plan(rng: np.random.Generator, scenario: str, prof: _Profile) -> _NotePlan:
    n_notes = prof.n_notes
    note_days = np.sort(rng.integers(0, prof.days, size=n_notes))
    viral: set[int] = set()
    if scenario == "organic_viral":
        viral = {int(i) for i in rng.choice(n_notes, size=int(rng.integers(1, 4)), replace=False)}
    elif rng.random() < 0.12:
        viral = {int(rng.integers(n_notes))}
    giveaway: set[int] = set()
    if scenario == "organic_giveaway":
        giveaway = {int(i) for i in rng.choice(n_notes, size=int(rng.integers(1, 3)), replace=False)}
    elif rng.random() < 0.04:
        giveaway = {int(rng.integers(n_notes))}
    sponsored = rng.random(n_notes) < 0.2
    note_noise = rng.normal(0.0, prof.note_sigma, size=n_notes)
    viral_mult = {i: float(rng.uniform(8, 50)) for i in viral}
    return _NotePlan(note_days, viral, giveaway, sponsored, note_noise, viral_mult)


def _bought_bursts(
    rng: np.random.Generator, plan: _Plan, prof: _Profile, notes: _NotePlan, out: _Inflation
) -> None:
    """1-2 bursts of bought followers (sometimes right after an ordinary note), maybe purged later."""
    days = prof.days
    n_bursts = 1 if rng.random() < 0.6 else 2
    for _ in range(n_bursts):
        share = 0.015 + 0.2 * plan.intensity**1.5 * float(rng.uniform(0.5, 1.0))
        size = prof.followers0 * share
        if rng.random() < 0.35:  # hide it right after an ordinary note
            ordinary = [
                int(d) for i, d in enumerate(notes.days) if i not in notes.viral and 5 <= d < days - 10
            ]
            day0 = (
                (_pick_int(rng, ordinary) + int(rng.integers(0, 3)))
                if ordinary
                else int(rng.integers(5, days - 10))
            )
        else:
            day0 = int(rng.integers(5, days - 10))
        spread = int(rng.integers(1, 4))
        for k in range(spread):
            if day0 + k <= days:
                out.bought[day0 + k] += size / spread
        if "purge" in plan.parts:
            lost = size * float(rng.uniform(0.25, 0.85))
            p0 = day0 + int(rng.integers(7, 36))
            p_spread = int(rng.integers(1, 5))
            for k in range(p_spread):
                if p0 + k <= days:
                    out.purge[p0 + k] += lost / p_spread


def _drip(rng: np.random.Generator, plan: _Plan, prof: _Profile, out: _Inflation) -> None:
    """Bought followers trickled in daily for weeks, sometimes purged afterwards."""
    days = prof.days
    whole = rng.random() < 0.3
    t0 = 0 if whole else int(rng.integers(days // 5, days // 2))
    length = days - t0 if whole else int(rng.integers(20, max(21, days - t0)))
    daily = prof.followers0 * (0.002 + 0.012 * plan.intensity) * float(rng.uniform(0.7, 1.3))
    for t in range(t0, min(days, t0 + length) + 1):
        out.bought[t] += daily * float(rng.gamma(4.0, 0.25))
    if rng.random() < 0.3:
        p0 = min(days, t0 + length + int(rng.integers(3, 15)))
        out.purge[p0] += 0.4 * daily * length


def _follow_unfollow(rng: np.random.Generator, plan: _Plan, prof: _Profile, out: _Inflation) -> None:
    """Following-count spike (follow for follow-back), later unfollowed; a few follow back."""
    days = prof.days
    rise = float(rng.uniform(300, 3000)) * (0.5 + plan.intensity)
    f_day = int(rng.integers(5, max(6, days - 30)))
    out.follow_plan = (f_day, rise, int(rng.integers(10, 40)), float(rng.uniform(0.6, 0.95)))
    back = rise * float(rng.uniform(0.05, 0.2))
    for k in range(7):
        if f_day + k <= days:
            out.bought[f_day + k] += back / 7


def _inflation(rng: np.random.Generator, plan: _Plan, prof: _Profile, notes: _NotePlan) -> _Inflation:
    out = _Inflation(np.zeros(prof.days + 1), np.zeros(prof.days + 1))
    if "bought_followers" in plan.parts:
        _bought_bursts(rng, plan, prof, notes, out)
    if "follower_drip" in plan.parts:
        _drip(rng, plan, prof, out)
    if "follow_unfollow" in plan.parts:
        _follow_unfollow(rng, plan, prof, out)
    return out


def _grow(
    rng: np.random.Generator, prof: _Profile, notes: _NotePlan, inflation: _Inflation
) -> tuple[np.ndarray, np.ndarray]:
    """Day loop: real followers R (who engage) and displayed followers F; returns F and each
    note's organic interactions."""
    days = prof.days
    real = np.zeros(days + 1)
    shown = np.zeros(days + 1)
    real[0] = shown[0] = prof.followers0
    follows_buffer = np.zeros(days + 12)
    unfollow_buffer = np.zeros(days + 60)
    interactions = np.zeros(prof.n_notes)
    decay = np.array([0.45, 0.3, 0.12, 0.07, 0.04, 0.02])
    notes_on_day: dict[int, list[int]] = {}
    for i, d in enumerate(notes.days):
        notes_on_day.setdefault(int(d), []).append(i)
    for t in range(days + 1):
        for i in notes_on_day.get(t, []):
            base = prof.er0 * real[t] * (1.0 + 0.7 * (prof.season(t) - 1.0)) * math.exp(notes.noise[i])
            base *= notes.viral_mult.get(i, 1.0) * (0.8 if notes.sponsored[i] else 1.0)
            interactions[i] = base
            mean_gain = base * prof.follows_per_interaction * _lognormal(rng, 1.0, 0.3)
            gained = float(rng.poisson(max(mean_gain, 0.0)))
            follows_buffer[t : t + decay.size] += gained * decay
            if i in notes.viral:
                lost = gained * float(rng.uniform(0.03, 0.12))
                span = int(rng.integers(14, 41))
                unfollow_buffer[t + 3 : t + 3 + span] += lost / span
        if t == days:
            break
        lam = real[t] * prof.growth_rate * prof.season(t) * (1.0 + 0.1 * math.sin(2 * math.pi * t / 7.0))
        gain = float(rng.poisson(lam * rng.gamma(prof.dispersion, 1.0 / prof.dispersion)))
        loss = float(rng.poisson(real[t] * prof.churn)) + unfollow_buffer[t]
        organic_net = gain + follows_buffer[t] - loss
        real[t + 1] = max(real[t] + organic_net, 0.0)
        shown[t + 1] = max(shown[t] + organic_net + inflation.bought[t + 1] - inflation.purge[t + 1], 0.0)
    return shown, interactions


def _counters(
    rng: np.random.Generator, plan: _Plan, prof: _Profile, notes: _NotePlan, interactions: np.ndarray
) -> _Counters:
    """Likes, saves, comments and shares per note (bought likes added for that scenario)."""
    n_notes = prof.n_notes
    out = _Counters(
        [_hex_id(rng) for _ in range(n_notes)],
        np.zeros(n_notes),
        np.zeros(n_notes),
        np.zeros(n_notes),
        np.zeros(n_notes),
    )
    for i in range(n_notes):
        sr = prof.saves_ratio * _lognormal(rng, 1.0, 0.3)
        cr = prof.comments_ratio * _lognormal(rng, 1.0, 0.35)
        if i in notes.giveaway:
            cr *= float(rng.uniform(2, 4))
        shr = prof.shares_ratio * _lognormal(rng, 1.0, 0.5)
        out.likes[i] = interactions[i] / (1.0 + sr + cr + shr)
        out.saves[i], out.comm[i], out.shares[i] = out.likes[i] * sr, out.likes[i] * cr, out.likes[i] * shr
    if "bought_likes" in plan.parts:
        _bought_likes(rng, plan, notes, out)
    return out


def _bought_likes(rng: np.random.Generator, plan: _Plan, notes: _NotePlan, out: _Counters) -> None:
    n_notes = len(out.note_ids)
    if rng.random() < 0.25:
        chosen = list(range(n_notes))
        mult = 1.5 + 2.5 * plan.intensity
    else:
        pref = [i for i in range(n_notes) if notes.sponsored[i]]
        k = max(1, round(n_notes * float(rng.uniform(0.15, 0.5))))
        others = [i for i in range(n_notes) if not notes.sponsored[i]]
        rng.shuffle(others)
        chosen = (pref + others)[:k]
        mult = 2.0 + 6.0 * plan.intensity
    for i in chosen:
        out.likes[i] *= mult * float(rng.uniform(0.8, 1.2))
    plan.params["bought_likes_notes"] = len(chosen)


class _Writer:
    """Writes one account's comments: real texts without replacement, LLM texts, bot texts, with
    the audience's nicknames and IP locations, dropping any posted after the end of the data."""

    def __init__(
        self,
        rng: np.random.Generator,
        pools: CommentPools,
        counters: _Counters,
        publish: list[datetime],
        end: datetime,
    ) -> None:
        self.rng = rng
        self.pools = pools
        self.counters = counters
        self.publish = publish
        self.end_s = to_seconds(end)
        self.kol_uid = _hex_id(rng)
        self.human_sources = list(pools.human)
        self.main_source = _pick(rng, self.human_sources)
        self.praise_rate = float(rng.uniform(0.02, 0.25))
        self.audience = _Audience(
            rng,
            default_rate=float(rng.uniform(0.005, 0.05)),
            deleted_rate=float(rng.uniform(0.0, 0.01)),
            home=_choose(rng, PROVINCES) if rng.random() < 0.2 else None,
            home_share=float(rng.uniform(0.25, 0.5)),
            unknown_ip=float(rng.uniform(0.02, 0.15)),
        )
        self.loyal = [self.audience.person() for _ in range(int(rng.integers(0, 7)))]
        self.loyal_rate = {uid: float(rng.uniform(0.2, 0.7)) for uid in self.loyal}
        self.llm_order = [int(x) for x in rng.permutation(len(pools.llm))]
        self.human_order: dict[str, list[int]] = {}
        self.comments: list[Comment] = []
        self.kinds: list[str] = []

    def llm_text(self) -> str:
        """LLM comments are unique per account (an operator generates fresh ones); reuse only
        once the pool is exhausted."""
        if not self.llm_order:
            self.llm_order.extend(int(x) for x in self.rng.permutation(len(self.pools.llm)))
        return self.pools.llm[self.llm_order.pop()]

    def human_text(self) -> str:
        """Real comments, without replacement per account (people do not repeat each other
        verbatim); a source is reshuffled only once exhausted. Praise comes from a short list."""
        rng = self.rng
        if rng.random() < self.praise_rate:
            return _pick(rng, GENERIC_PRAISE)
        source = self.main_source if rng.random() < 0.7 else _pick(rng, self.human_sources)
        order = self.human_order.setdefault(source, [])
        if not order:
            order.extend(int(x) for x in rng.permutation(len(self.pools.human[source])))
        return self.pools.human[source][order.pop()]

    def add(
        self, i: int, uid: str, text: str, delay_h: float, *, parent: str | None = None, kind: str = "human"
    ) -> str | None:
        rng = self.rng
        when = self.publish[i] + timedelta(hours=delay_h)
        if to_seconds(when) > self.end_s:
            return None
        cid = _hex_id(rng)
        nick = "" if uid == self.kol_uid else self.audience.nick.get(uid, "")
        ip = self.audience.ip.get(uid, "")
        likes_c = int(rng.geometric(0.5) - 1) if rng.random() < 0.9 else int(rng.integers(5, 200))
        self.comments.append(
            Comment(
                comment_id=cid,
                note_id=self.counters.note_ids[i],
                text=text,
                created_at=when.replace(microsecond=0),
                commenter_id=uid,
                nickname=nick,
                like_count=likes_c,
                ip_location=ip or None,
                parent_comment_id=parent,
                intents=None,
            )
        )
        self.kinds.append(kind)
        return cid

    def organic_delay(self) -> float:
        rng = self.rng
        u = rng.random()
        if u < 0.6:
            return float(rng.exponential(rng.uniform(1, 8)))
        if u < 0.9:
            return float(rng.exponential(rng.uniform(24, 72)))
        return float(rng.uniform(0, 30 * 24))


def _coverage(rng: np.random.Generator, counters: _Counters, max_comments: int, missing_data: bool) -> float:
    """The share of each note's comments that the export collected."""
    coverage = float(rng.uniform(0.3, 1.0))
    expected = float(counters.comm.sum()) * coverage
    if expected > max_comments:
        coverage *= max_comments / expected
    few_comments = missing_data and rng.random() < 0.04
    if few_comments:
        coverage = min(coverage, 15.0 / max(float(counters.comm.sum()), 1.0))
    return coverage


def _organic_comments(w: _Writer, notes: _NotePlan, coverage: float) -> None:
    rng, counters = w.rng, w.counters
    pool_size = max(300, int(3 * counters.comm.sum() * coverage))
    audience_pool: list[str] = []
    for i in range(len(counters.note_ids)):
        n_org = int(rng.binomial(round(counters.comm[i]), min(coverage, 1.0)))
        ids_on_note: list[str] = []
        for _ in range(n_org):
            if len(audience_pool) < pool_size and (not audience_pool or rng.random() < 0.85):
                uid = w.audience.person()
                audience_pool.append(uid)
            else:
                uid = _pick(rng, audience_pool)
            text = _pick(rng, GIVEAWAY) if i in notes.giveaway and rng.random() < 0.55 else w.human_text()
            parent = None
            if ids_on_note and rng.random() < 0.2:
                parent = _pick(rng, ids_on_note)
                if rng.random() < 0.3:
                    uid = w.kol_uid
            cid = w.add(i, uid, text, w.organic_delay(), parent=parent)
            if cid:
                ids_on_note.append(cid)
        for uid in w.loyal:
            if rng.random() < w.loyal_rate[uid] * min(1.0, coverage * 1.5):
                w.add(i, uid, w.human_text(), w.organic_delay())


def _bot_comments(w: _Writer, intensity: float, organic_collected: int) -> int:
    """Generic praise, templates and duplicates from (mostly default-nickname) bots, often in bursts."""
    rng, n_notes = w.rng, len(w.counters.note_ids)
    share = 0.06 + 0.45 * intensity**1.2
    n_bots = round(organic_collected * share / (1 - share)) + int(rng.integers(3, 10))
    target = [i for i in range(n_notes) if rng.random() < float(rng.uniform(0.5, 1.0))] or [0]
    p_default = float(rng.uniform(0.3, 0.95))
    farm_ip = [_choose(rng, PROVINCES) for _ in range(2)] if rng.random() < 0.5 else None
    bursty = rng.random() < 0.7
    dup_texts = [_pick(rng, GENERIC_PRAISE), _template(rng)]
    bots = [w.audience.person(default=p_default, ip_pool=farm_ip) for _ in range(max(5, n_bots // 3))]
    added = 0
    for _ in range(n_bots):
        i = _pick_int(rng, target)
        u = rng.random()
        if u < 0.4:
            text = _pick(rng, GENERIC_PRAISE)
        elif u < 0.7:
            text = _template(rng)
        elif u < 0.9:
            text = _pick(rng, dup_texts)
        else:
            text = w.llm_text()
        delay = float(rng.uniform(0, 0.5)) + (
            float(rng.exponential(0.1)) if bursty else float(rng.exponential(12))
        )
        if w.add(i, _pick(rng, bots), text, delay, kind="bot"):
            w.counters.comm[i] += 1
            added += 1
    return added


def _pod_comments(w: _Writer, intensity: float, params: dict[str, Any]) -> int:
    """A group of real-looking accounts commenting on most notes within hours."""
    rng = w.rng
    k = round(4 + 18 * intensity * float(rng.uniform(0.6, 1.0)))
    members = [w.audience.person() for _ in range(k)]
    rate = float(rng.uniform(0.6, 0.95))
    added = 0
    for i in range(len(w.counters.note_ids)):
        for uid in members:
            if rng.random() < rate:
                text = w.human_text() if rng.random() < 0.6 else _pick(rng, GENERIC_PRAISE)
                if w.add(i, uid, text, float(rng.exponential(rng.uniform(0.3, 2.5))), kind="pod"):
                    w.counters.comm[i] += 1
                    added += 1
    params["pod_accounts"] = k
    return added


def _machine_comments(w: _Writer, intensity: float, organic_collected: int) -> int:
    """LLM-written comments from ordinary-looking accounts, spread out."""
    rng, n_notes = w.rng, len(w.counters.note_ids)
    share = 0.05 + 0.35 * intensity
    n_llm = round(organic_collected * share / (1 - share)) + int(rng.integers(2, 6))
    n_llm = min(n_llm, len(w.pools.llm))
    target = [i for i in range(n_notes) if rng.random() < float(rng.uniform(0.5, 1.0))] or [0]
    writers = [w.audience.person(default=0.1) for _ in range(max(3, n_llm // 2))]
    added = 0
    for _ in range(n_llm):
        i = _pick_int(rng, target)
        if w.add(i, _pick(rng, writers), w.llm_text(), float(rng.exponential(12)), kind="bot"):
            w.counters.comm[i] += 1
            added += 1
    return added


def _classifier_output(w: _Writer, plan: _Plan, notes: _NotePlan) -> list[Comment]:
    """The comment classifier's intents, as it would score real and injected comments."""
    rng = w.rng
    paid_base = float(rng.uniform(0.01, 0.06))
    skeptic_base = float(rng.uniform(0.03, 0.18))
    noticed = (
        float(rng.uniform(0.0, 0.08)) * plan.intensity
        if plan.parts & {"bot_comments", "machine_comments", "engagement_pod", "bought_likes"}
        else 0.0
    )
    by_note = {nid: bool(s) for nid, s in zip(w.counters.note_ids, notes.sponsored, strict=True)}
    out: list[Comment] = []
    for c, kind in zip(w.comments, w.kinds, strict=True):
        if kind == "human":
            p_paid = (paid_base * (2.0 if by_note[c.note_id] else 1.0)) + noticed
            p_skept = skeptic_base + noticed / 2
        else:
            p_paid, p_skept = 0.005, 0.01
        probs = {name: float(rng.uniform(0.0, 0.3)) for name in INTENTS}
        if rng.random() < p_paid:
            probs["paid_suspicion"] = float(rng.uniform(0.55, 0.98))
        if rng.random() < p_skept:
            probs["skepticism"] = float(rng.uniform(0.55, 0.98))
        out.append(_with_intents(c, probs))
    return out


def _comments(
    rng: np.random.Generator,
    plan: _Plan,
    prof: _Profile,
    notes: _NotePlan,
    counters: _Counters,
    pools: CommentPools,
    end: datetime,
    max_comments: int,
    missing_data: bool,
) -> tuple[_Writer, list[datetime]]:
    """Every comment of the account (organic, then injected), with publication times of the notes."""
    intensity, parts = plan.intensity, plan.parts
    w = _Writer(rng, pools, counters, [], end)
    coverage = _coverage(rng, counters, max_comments, missing_data)
    publish = [
        datetime.combine(prof.start_day + timedelta(days=int(d)), datetime.min.time(), tzinfo=CHINA)
        for d in notes.days
    ]
    publish = [p + timedelta(hours=float(np.clip(rng.normal(20, 3), 7, 23.5))) for p in publish]
    w.publish = publish
    _organic_comments(w, notes, coverage)
    organic_collected = len(w.comments)
    injected = 0
    if "bot_comments" in parts:
        injected += _bot_comments(w, intensity, organic_collected)
    if "engagement_pod" in parts:
        injected += _pod_comments(w, intensity, plan.params)
    if "machine_comments" in parts:
        injected += _machine_comments(w, intensity, organic_collected)
    plan.params["injected_comments"] = injected
    if rng.random() < 0.5:
        w.comments = _classifier_output(w, plan, notes)
        plan.params["intents"] = True
    return w, publish


def _notes(
    rng: np.random.Generator, notes: _NotePlan, counters: _Counters, publish: list[datetime]
) -> list[Note]:
    return [
        Note(
            note_id=counters.note_ids[i],
            published_at=publish[i].replace(microsecond=0),
            type="video" if rng.random() < 0.35 else "normal",
            title=f"note {i + 1}",
            sponsored=bool(notes.sponsored[i]),
            liked_count=round(counters.likes[i]),
            collected_count=round(counters.saves[i]),
            comment_count=round(counters.comm[i]),
            share_count=round(counters.shares[i]),
        )
        for i in range(len(counters.note_ids))
    ]


def _simulate_one(
    rng: np.random.Generator,
    scenario: str,
    pools: CommentPools,
    end: datetime,
    max_comments: int,
    missing_data: bool,
    shape: _Shape,
) -> SimulatedAccount:
    plan = _plan(rng, scenario, shape)
    prof = _profile(rng, plan, end, shape)
    note_plan = _note_plan(rng, scenario, prof)
    inflation = _inflation(rng, plan, prof, note_plan)
    shown, interactions = _grow(rng, prof, note_plan, inflation)
    counters = _counters(rng, plan, prof, note_plan, interactions)
    writer, publish = _comments(rng, plan, prof, note_plan, counters, pools, end, max_comments, missing_data)
    notes = _notes(rng, note_plan, counters, publish)
    params = plan.params
    snapshots = _snapshots(
        rng, shown, prof.start_day, notes, inflation.follow_plan, plan.intensity, missing_data, params
    )
    metrics = (
        _metrics(rng, notes, counters.note_ids, publish, interactions, prof.follows_per_interaction, end)
        if rng.random() < 0.35
        else []
    )
    account = AccountData(
        kol_id=writer.kol_uid,
        follower_snapshots=snapshots,
        notes=notes,
        note_metrics=metrics,
        comments=writer.comments,
        followers=round(shown[-1]),
        category=str(writer.main_source),
        kol_user_id=writer.kol_uid,
    )
    params.update(
        {
            "days": prof.days,
            "notes": prof.n_notes,
            "comments": len(writer.comments),
            "viral_notes": len(note_plan.viral),
        }
    )
    return SimulatedAccount(account, plan.label, scenario, plan.tier, params)


def _pick_int(rng: np.random.Generator, items: Sequence[int]) -> int:
    return int(items[int(rng.integers(len(items)))])


def _with_intents(c: Comment, probs: dict[str, float]) -> Comment:
    return Comment(
        comment_id=c.comment_id,
        note_id=c.note_id,
        text=c.text,
        created_at=c.created_at,
        commenter_id=c.commenter_id,
        nickname=c.nickname,
        like_count=c.like_count,
        ip_location=c.ip_location,
        parent_comment_id=c.parent_comment_id,
        sentiment=None,
        intents={k: round(v, 3) for k, v in probs.items()},
    )


def _snapshots(
    rng: np.random.Generator,
    shown: np.ndarray,
    start_day: date,
    notes: list[Note],
    follow_plan: tuple[int, float, int, float] | None,
    intensity: float,
    missing_data: bool,
    params: dict[str, Any],
) -> list[FollowerSnapshot]:
    days = shown.shape[0] - 1
    cadence = _choose(rng, {"daily": 0.35, "few_days": 0.4, "weekly": 0.25})
    obs: list[int] = [0]
    while obs[-1] < days:
        if cadence == "daily":
            step = 1 if rng.random() > 0.1 else 2
        elif cadence == "few_days":
            step = int(rng.integers(1, 5))
        else:
            step = int(rng.integers(5, 10))
        obs.append(min(days, obs[-1] + step))
    rounding = shown[-1] >= 10_000 and rng.random() < 0.3
    params.update({"cadence": cadence, "rounded": bool(rounding)})
    if missing_data:
        u = rng.random()
        if u < 0.03:
            params["history"] = "none"
            return []
        if u < 0.05:
            params["history"] = "3 snapshots"
            obs = sorted(int(x) for x in rng.choice(days + 1, size=3, replace=False))
    following0 = int(rng.integers(50, 800))
    following = np.full(days + 1, float(following0))
    drift = np.cumsum(rng.poisson(0.15, size=days + 1) - rng.poisson(0.05, size=days + 1))
    following += drift
    if follow_plan is not None:
        f_day, rise, hold, share_back = follow_plan
        ramp = np.clip((np.arange(days + 1) - f_day) / 3.0, 0, 1) * rise
        back_start = f_day + 3 + hold
        unf = np.clip((np.arange(days + 1) - back_start) / 10.0, 0, 1) * rise * share_back
        following += ramp - unf
    has_following = rng.random() < 0.8
    base_notes = int(rng.integers(20, 400))
    base_lc = float(shown[0]) * float(rng.uniform(2, 10))  # 粉赞比 1:2 to 1:10
    publish_days = [(local_day(n.published_at, 8.0) - start_day).days for n in notes]
    accrual = np.array([0.45, 0.75, 0.87, 0.94, 0.98, 1.0])  # likes and saves arrive over days
    out: list[FollowerSnapshot] = []
    for d in obs:
        followers = float(shown[d])
        if rounding and followers >= 10_000:  # XHS shows exact counts below 1万, then 1.2万
            followers = round(followers / 1000.0) * 1000.0
        published = [i for i, pd in enumerate(publish_days) if pd <= d]
        lc = base_lc + sum(
            (notes[i].liked_count + notes[i].collected_count) * float(accrual[min(d - publish_days[i], 5)])
            for i in published
        )
        out.append(
            FollowerSnapshot(
                date=start_day + timedelta(days=d),
                followers=round(followers),
                following=int(max(following[d], 0)) if has_following else None,
                notes=base_notes + len(published),
                likes_and_collects=round(lc),
            )
        )
    return out


def _metrics(
    rng: np.random.Generator,
    notes: list[Note],
    note_ids: list[str],
    publish: list[datetime],
    interactions: np.ndarray,
    follows_per_interaction: float,
    end: datetime,
) -> list[NoteMetricsSnapshot]:
    out: list[NoteMetricsSnapshot] = []
    curve = np.array([0.35, 0.6, 0.75, 0.85, 0.92, 0.97, 1.0])
    for i, note in enumerate(notes):
        organic_likes = interactions[i] / 1.5
        views = max(interactions[i], 1.0) / float(rng.uniform(0.06, 0.16))
        impressions = views / float(rng.uniform(0.05, 0.15))
        follows = interactions[i] * follows_per_interaction
        for k, frac in enumerate(curve):
            day = publish[i].date() + timedelta(days=k)
            if datetime.combine(day, datetime.min.time()) > end:
                break
            out.append(
                NoteMetricsSnapshot(
                    note_id=note_ids[i],
                    date=day,
                    impressions=int(impressions * frac),
                    reach=int(impressions * frac * 0.8),
                    views=int(views * frac),
                    likes=int(note.liked_count * frac),
                    saves=int(note.collected_count * frac),
                    comments=int(note.comment_count * frac),
                    shares=int(note.share_count * frac),
                    follows=int(follows * frac),
                )
            )
        del organic_likes
    return out


# ----------------------------------------------------------------------------------------------
# ingest formats


def _ms(moment: datetime) -> int:
    return round(to_seconds(moment) * 1000)


_METRIC_COLUMNS = ("impressions", "reach", "views", "likes", "saves", "comments", "shares", "follows")


def write_ingest(accounts: Sequence[SimulatedAccount], out_dir: Path) -> dict[str, Path]:
    """Write accounts in RedLens's ingest formats; returns the written files by kind.

    * ``follower_snapshots.csv``: kol_id,date,followers,following,notes,likes_and_collects
    * ``note_metrics.csv``: note_id,kol_id,date,impressions,reach,views,likes,saves,comments,
      shares,follows,completions,avg_watch_seconds,clicks (the last three are not simulated: empty)
    * ``notes.jsonl``: MediaCrawler-style notes (counts as strings, ``time`` in ms epoch;
      sponsored notes carry the tag ``品牌合作`` in ``tag_list``)
    * ``comments.jsonl``: MediaCrawler-style comments (``parent_comment_id`` 0 for top-level)
    * ``truth.csv``: kol_id,label,scenario,tier
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "follower_snapshots": out_dir / "follower_snapshots.csv",
        "note_metrics": out_dir / "note_metrics.csv",
        "notes": out_dir / "notes.jsonl",
        "comments": out_dir / "comments.jsonl",
        "truth": out_dir / "truth.csv",
    }
    _write_csv(
        paths["follower_snapshots"],
        ["kol_id", "date", "followers", "following", "notes", "likes_and_collects"],
        (
            [
                sim.account.kol_id,
                s.date.isoformat(),
                s.followers,
                *(_blank(v) for v in (s.following, s.notes, s.likes_and_collects)),
            ]
            for sim in accounts
            for s in sim.account.follower_snapshots
        ),
    )
    _write_csv(
        paths["note_metrics"],
        ["note_id", "kol_id", "date", *_METRIC_COLUMNS, "completions", "avg_watch_seconds", "clicks"],
        (
            [
                m.note_id,
                sim.account.kol_id,
                m.date.isoformat(),
                *(_blank(getattr(m, k)) for k in _METRIC_COLUMNS),
                "",
                "",
                "",
            ]
            for sim in accounts
            for m in sim.account.note_metrics
        ),
    )
    _write_jsonl(paths["notes"], (_note_row(sim, n) for sim in accounts for n in sim.account.notes))
    _write_jsonl(paths["comments"], (row for sim in accounts for row in _comment_rows(sim)))
    _write_csv(
        paths["truth"],
        ["kol_id", "label", "scenario", "tier"],
        ([sim.account.kol_id, sim.label, sim.scenario, sim.tier] for sim in accounts),
    )
    return paths


def _write_csv(path: Path, header: list[str], rows: Iterable[list[Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def _write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _note_row(sim: SimulatedAccount, n: Note) -> dict[str, Any]:
    return {
        "note_id": n.note_id,
        "type": n.type,
        "title": n.title,
        "desc": "",
        "time": _ms(n.published_at),
        "user_id": sim.account.kol_id,
        "nickname": f"KOL {sim.account.kol_id[:6]}",
        "liked_count": str(n.liked_count),
        "collected_count": str(n.collected_count),
        "comment_count": str(n.comment_count),
        "share_count": str(n.share_count),
        "tag_list": ["品牌合作"] if n.sponsored else [],
        "ip_location": "",
    }


def _comment_rows(sim: SimulatedAccount) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    for c in sim.account.comments:
        if c.parent_comment_id:
            counts[c.parent_comment_id] = counts.get(c.parent_comment_id, 0) + 1
    return [
        {
            "comment_id": c.comment_id,
            "create_time": _ms(c.created_at),
            "ip_location": c.ip_location or "",
            "note_id": c.note_id,
            "content": c.text,
            "user_id": c.commenter_id,
            "nickname": c.nickname,
            "sub_comment_count": str(counts.get(c.comment_id, 0)),
            "parent_comment_id": c.parent_comment_id or 0,
            "like_count": str(c.like_count),
        }
        for c in sim.account.comments
    ]


def _blank(value: int | None) -> str | int:
    return "" if value is None else value
