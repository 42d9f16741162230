"""The comment signals against real, popular comment sections (issue #11, part 4).

The fixtures are written here: synthetic text in the shape of the real sections of the shared
corpora (standard columns, China-time ISO timestamps, hashed commenters, default-nickname flags),
with what made the signals misfire on them: sticker-only and one-word reactions repeated hundreds
of times, a greeting copied by fans over days, a burst right after posting, regulars who comment
on every note. A spam section of the same shape must still be flagged. When the shared corpora
are present, the figures of the authenticity card are checked against them too.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from models.authenticity import load_calibration
from models.authenticity.calibration import CALIBRATION_PATH
from models.authenticity.sections import section_verdict, summarize
from training.datasets import default_shared_dir
from training.real_sections import comment_of, creator_windows, measure, note_sections

CAL = load_calibration()
CHINA = timezone(timedelta(hours=8))
COLUMNS = (
    "comment_id",
    "note_id",
    "note_title",
    "text",
    "parent_comment_id",
    "like_count",
    "created",
    "ip_location",
    "user_hash",
    "nickname_is_default",
)
# Written for this test (not taken from any corpus).
REACTIONS = (
    "第一",
    "哈哈哈哈",
    "2",
    "[哭惹R][哭惹R]",
    "[赞R]",
    "好美",
    "真好",
    "太厉害了",
    "[笑哭R]",
    "来了",
    "哇",
    "好可爱",
)
OPENERS = ("奶奶", "阿姨", "姐姐", "您", "老人家", "这位奶奶", "我外婆", "我妈妈", "我们家老人", "看完觉得您")
ACTIONS = (
    "气色", "做的红烧肉", "说的那句话", "精神头", "新外套", "笑容", "写的毛笔字", "讲的老故事", "阳台上的月季",
    "包的饺子", "走路的姿势", "心态", "织的毛衣", "拍的照片", "跳的广场舞", "养的橘猫", "腌的咸菜", "唱的老歌",
    "剪的窗花", "泡的茶",
)  # fmt: skip
DETAILS = (
    "真让人羡慕", "比我年轻人还好", "看得我眼眶都湿了", "让我想起小时候", "太有生活气息", "一看就是用心的",
    "我要学起来", "简直是艺术品", "把我看饿了", "治愈了我一整天", "比专业的还强", "特别有年代感", "温暖到我了",
    "学到了好多", "真的绝了", "让人想回老家", "满满都是爱", "每天都想看", "好有感染力", "简单又高级",
)  # fmt: skip
ENDINGS = (
    "，祝您健康长寿",
    "！",
    "，我也要向您学习",
    "，看哭了",
    "，明天带我妈也试试",
    "～",
    "，好羡慕",
    "，收藏了",
)
GREETING = "祝奶奶新年快乐身体健康万事如意"
SPAM = ("私我领券", "惊喜盒子", "看我主页有福利", "互关互粉", "求拉")


def _hash(rng: np.random.Generator) -> str:
    return rng.bytes(5).hex()


def _sentence(rng: np.random.Generator) -> str:
    """One of 32,000 sentences: random pairs rarely share half their character pairs."""
    parts = (OPENERS, ACTIONS, DETAILS, ENDINGS)
    return (
        "".join(str(rng.choice(p)) for p in parts[:1])
        + "的"
        + str(rng.choice(ACTIONS))
        + str(rng.choice(DETAILS))
        + str(rng.choice(ENDINGS))
    )


def _popular_rows(rng: np.random.Generator, notes: int = 8, per_note: int = 160) -> list[dict[str, str]]:
    """A popular creator's sections: fans' sentences, reactions repeated by many (12 %), a greeting
    copied over days (6 %), a small burst right after posting, five regulars on every note; the
    proportions follow the real sections (median burst share 0, low-effort share about 5 %)."""
    regulars = [_hash(rng) for _ in range(5)]
    start = datetime(2026, 1, 5, 19, 30, tzinfo=CHINA)
    rows = []
    for k in range(notes):
        posted = start + timedelta(days=7 * k, hours=float(rng.uniform(-2, 2)))
        for i in range(per_note):
            u = rng.random()
            text = str(rng.choice(REACTIONS)) if u < 0.12 else GREETING if u < 0.18 else _sentence(rng)
            if i < 10:
                delay = float(rng.uniform(0, 10))  # the first fans, minutes after posting
            elif text == GREETING or rng.random() < 0.6:
                delay = float(rng.uniform(10, 5 * 24 * 60))  # over the following days
            else:
                delay = 10 + float(rng.exponential(180))
            rows.append(_row(rng, f"n{k}", posted + timedelta(minutes=delay), text, _hash(rng)))
        for user in regulars:
            when = posted + timedelta(minutes=float(rng.uniform(5, 600)))
            rows.append(_row(rng, f"n{k}", when, _sentence(rng), user))
    return rows


def _row(
    rng: np.random.Generator, note: str, when: datetime, text: str, user: str, default: bool | None = None
) -> dict[str, str]:
    is_default = bool(rng.random() < 0.02) if default is None else default
    return {
        "comment_id": rng.bytes(12).hex(),
        "note_id": note,
        "note_title": f"标题{note}",
        "text": text,
        "parent_comment_id": "",
        "like_count": str(int(rng.geometric(0.3) - 1)),
        "created": when.isoformat(timespec="seconds"),
        "ip_location": "",
        "user_hash": user,
        "nickname_is_default": "1" if is_default else "0",
    }


def _write(folder: Path, rows: list[dict[str, str]], author: str = "creator01") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "comments.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    notes = sorted({r["note_id"] for r in rows})
    with (folder / "notes.csv").open("w", encoding="utf-8", newline="") as fh:
        plain = csv.writer(fh)
        plain.writerow(["note_id", "title", "author_hash", "type", "time", "liked_count"])
        plain.writerows([[n, f"标题{n}", author, "video", "", "1000"] for n in notes])
    return folder


def test_real_sections_reader_maps_the_standard_columns() -> None:
    rng = np.random.default_rng(0)
    row = _row(rng, "n0", datetime(2026, 1, 5, 20, 0, tzinfo=CHINA), "好美", "abcdef0123", default=True)
    c = comment_of(row)
    assert c is not None and c.nickname == "小红薯ABCDEF01" and c.commenter_id == "abcdef0123"
    assert c.created_at == datetime(2026, 1, 5, 12, 0)  # naive UTC
    assert comment_of({**row, "created": ""}) is None


def test_popular_real_looking_sections_are_not_flagged(tmp_path: Path) -> None:
    folder = _write(tmp_path / "popular", _popular_rows(np.random.default_rng(1)))
    sections = note_sections(folder)
    notes = [section_verdict(a, CAL) for _, a in sections]
    assert all(v.risk == "low" for v in notes), [(v.section_id, v.risk, v.firing) for v in notes]
    windows = creator_windows(sections)
    assert len(windows) == 1 and len(windows[0].notes) == 8
    creator = section_verdict(windows[0], CAL)
    assert creator.risk == "low", (creator.firing, creator.reported)
    assert "comments.pod" not in creator.firing  # five regulars in 1,300 comments are fans, not a pod
    assert "duplicate_comments" not in creator.reported  # reactions and a copied greeting are not copies
    summary = summarize(notes)
    assert summary["scored"] == 8 and summary["flagged_medium_or_high"] == 0.0


def test_a_spam_section_of_the_same_shape_is_still_flagged(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    posted = datetime(2026, 2, 1, 12, 0, tzinfo=CHINA)
    rows = [
        _row(rng, "s0", posted + timedelta(minutes=float(rng.uniform(0, 600))), _sentence(rng), _hash(rng))
        for _ in range(40)
    ]
    farm = [_hash(rng) for _ in range(15)]
    rows += [
        _row(
            rng,
            "s0",
            posted + timedelta(minutes=float(rng.uniform(1, 6))),
            str(rng.choice(SPAM)) + "，" + str(rng.choice(SPAM)),
            str(rng.choice(farm)),
            default=True,
        )
        for _ in range(60)
    ]
    [(_, section)] = note_sections(_write(tmp_path / "spam", rows))
    verdict = section_verdict(section, CAL)
    assert verdict.flagged and verdict.firing[0] in ("comments.likely_bot_share", "comments.suspicion")


def test_card_real_section_figures_match_the_shared_corpora() -> None:
    corpora = default_shared_dir()
    if not (corpora / "xhs_silver_kol_vlogs_trumpmax" / "comments.csv").is_file():
        pytest.skip(f"real comment sections not found under {corpora} (set REDLENS_SHARED_CORPORA_DIR)")
    card = json.loads((CALIBRATION_PATH.parent / "card.json").read_text(encoding="utf-8"))
    after = card["real_sections"]["after"]
    measured = measure(corpora, CAL)
    for folder, figures in after.items():
        for view in ("notes", "creators"):
            assert measured[folder][view] == figures[view], (folder, view)
    silver = measured["xhs_silver_kol_vlogs_trumpmax"]
    assert silver["creators"]["flagged_medium_or_high"] == 0.0
    before = card["real_sections"]["before"]["folders"]["xhs_silver_kol_vlogs_trumpmax"]
    assert before["creators"]["flagged_medium_or_high"] > 0.5  # what the fix was for
