"""Small hand-built accounts for the authenticity tests (no corpus rows, no simulator)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone

import numpy as np

from models.authenticity import AccountData, Comment, FollowerSnapshot, Note

START = date(2026, 1, 1)
CHINA = timezone(timedelta(hours=8))  # snapshot dates and publication hours are China time

HUMAN_TEXTS: tuple[str, ...] = (
    "请问这个色号是多少呀",
    "图三的裙子在哪里买的",
    "黄皮可以用吗",
    "干皮冬天用会不会卡粉",
    "这家店周一休息吗",
    "价格多少呀",
    "我也买了，感觉还行但是有点油",
    "博主是什么肤质",
    "求地址，下周去成都",
    "上次去人好多，排了一个多小时",
    "这个包能装下平板吗",
    "我用了两周，闭口少了一点",
    "敏感肌慎入，我用完泛红了",
    "第二张的滤镜叫什么",
    "一米五八穿会不会太长",
    "学生党有平替推荐吗",
    "跟着买了，明天到货",
    "这个味道会不会很冲",
    "混油皮夏天用闷不闷",
    "拍照的地方是哪里呀",
    "适合送男朋友吗",
    "有没有优惠码",
    "上脸效果比图上淡一点",
    "这个季节去会不会太热",
    "求教程，眼妆怎么画的",
    "去年买过，质量还可以",
    "停车方便吗",
    "带小孩去合适吗",
    "为什么我买的颜色不一样",
    "回购第三瓶了，一直在用",
    "和之前那款比哪个好",
    "有点贵，再等等活动",
    "这个尺码偏大还是偏小",
    "被种草了，等双十一",
    "有没有人用了过敏的",
    "这个配色太适合春天了",
    "老粉了，一路看着博主变好看",
    "这套妆适合约会吗",
    "可以说一下具体路线吗",
    "这家的甜品真的好吃吗",
    "周末带爸妈去了，他们很喜欢",
    "地铁几号线过去最方便",
    "油痘肌用完会闷痘吗",
    "刚下单，希望不要踩雷",
    "包装好精致，适合送闺蜜",
    "这个价位能买到这种质感不容易",
    "我更喜欢第一张的构图",
    "求问耳环是什么牌子",
    "下雨天去会不会很泥泞",
    "上班族早上来得及化这个妆吗",
    "孕妇可以用吗",
    "男生用会不会太香",
    "店里还有别的口味推荐吗",
    "排队要多久啊",
    "去年冬天买的，起球了",
    "客服态度很好，退换很快",
    "颜色和图片有色差吗",
    "能不能出一期平价版",
    "看完马上去搜了同款",
    "这个教程对手残党太友好了",
    "鞋码正常拿还是拿大一码",
    "请问开到几点",
    "猫咪会不会乱抓这个沙发",
    "我家阳台也种了，叶子发黄怎么办",
    "浇水多久一次比较好",
    "北方冬天能养活吗",
    "换盆用什么土",
    "这个品种好养吗",
    "新手推荐先从哪款开始",
    "博主的手机壳在哪买的",
    "背景音乐叫什么名字",
    "视频里的杯子好好看，求链接",
    "第三个方法我试过，确实有用",
    "这篇收藏了，下次旅游用得上",
    "有没有适合夏天的清爽款",
    "卸妆用什么比较温和",
    "眉笔是哪个色号",
    "防晒需要补涂吗",
    "这个沙发坐久了腰疼吗",
    "一个人去会不会尴尬",
    "需要提前多久订位",
    "儿童票怎么买",
    "雨季去要带什么",
    "附近有没有好的民宿",
    "拍照需要付费吗",
    "早上几点人最少",
    "宠物能带进去吗",
    "有没有素食选择",
    "这个尺寸放卧室会不会太大",
    "多久能看到效果",
    "敏感肌第一次用要注意什么",
    "和专柜买的一样吗",
    "保质期有多久",
    "洗了会不会缩水",
    "颜色容易掉吗",
    "适合几岁的孩子",
    "有没有更大的尺码",
    "运费是多少",
    "可以分期吗",
)


def snapshots(
    daily_gain: Sequence[float],
    *,
    start_followers: float = 20_000,
    every: int = 1,
    following: Sequence[float] | np.ndarray | None = None,
    likes_and_collects: Sequence[float] | np.ndarray | None = None,
    seed: int = 0,
    noise: float = 0.0,
) -> list[FollowerSnapshot]:
    """Snapshots every ``every`` days of a follower count that gains ``daily_gain[d]`` on day d."""
    rng = np.random.default_rng(seed)
    followers = start_followers + np.cumsum(
        np.asarray(daily_gain, dtype=float) + rng.normal(0, noise, len(daily_gain))
    )
    out = []
    for d in range(0, len(daily_gain), every):
        out.append(
            FollowerSnapshot(
                date=START + timedelta(days=d),
                followers=round(float(followers[d])),
                following=None if following is None else int(following[d]),
                likes_and_collects=None if likes_and_collects is None else int(likes_and_collects[d]),
            )
        )
    return out


def note(
    day: int,
    interactions: int = 2_000,
    *,
    note_id: str | None = None,
    sponsored: bool = False,
    likes: int | None = None,
    saves: int | None = None,
    comments: int | None = None,
    hour: int = 20,
) -> Note:
    """A note posted at ``hour`` China time on ``START + day`` whose counters split
    ``interactions`` 60/30/7/3 unless given."""
    return Note(
        note_id=note_id or f"n{day:03d}",
        published_at=datetime.combine(START + timedelta(days=day), datetime.min.time(), tzinfo=CHINA)
        + timedelta(hours=hour),
        sponsored=sponsored,
        liked_count=likes if likes is not None else int(interactions * 0.6),
        collected_count=saves if saves is not None else int(interactions * 0.3),
        comment_count=comments if comments is not None else int(interactions * 0.07),
        share_count=int(interactions * 0.03),
    )


def comment(
    i: int,
    note_: Note,
    text: str,
    *,
    minutes_after: float = 600.0,
    commenter: str | None = None,
    nickname: str | None = None,
    ip: str | None = None,
    intents: dict[str, float] | None = None,
    parent: str | None = None,
) -> Comment:
    return Comment(
        comment_id=f"c{i:05d}",
        note_id=note_.note_id,
        text=text,
        created_at=note_.published_at + timedelta(minutes=minutes_after),
        commenter_id=commenter or f"u{i:05d}",
        nickname=nickname if nickname is not None else f"用户{i}号",
        ip_location=ip,
        intents=intents,
        parent_comment_id=parent,
    )


def organic_comments(notes: Sequence[Note], per_note: int, *, seed: int = 0, start: int = 0) -> list[Comment]:
    """Diverse human comments from distinct accounts, spread over two days after each note."""
    rng = np.random.default_rng(seed)
    out = []
    i = start
    for n in notes:
        for _ in range(per_note):
            if i >= len(HUMAN_TEXTS):
                raise ValueError(f"organic_comments has {len(HUMAN_TEXTS)} distinct texts, asked for more")
            text = HUMAN_TEXTS[i]
            out.append(comment(i, n, text, minutes_after=float(rng.uniform(5, 2880))))
            i += 1
    return out


def account(**kwargs: object) -> AccountData:
    base: dict[str, object] = {"kol_id": "kol1", "kol_user_id": "kol_user"}
    base.update(kwargs)
    return AccountData(**base)  # type: ignore[arg-type]
