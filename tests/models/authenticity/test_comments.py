from __future__ import annotations

import numpy as np
import pytest

from models.authenticity.comments import (
    F_BOT_SHARE,
    F_IP,
    F_POD,
    F_SUSPICION,
    CommentAnalysis,
    analyze_comments,
    comment_signal,
)
from models.authenticity.config import CommentConfig
from models.authenticity.data import AccountData
from models.authenticity.result import Flag, SignalResult
from tests.models.authenticity.builders import account, comment, note, organic_comments

CFG = CommentConfig()
NOTES = [note(d, 3_000) for d in range(0, 50, 5)]


def _signal(acc: AccountData) -> tuple[SignalResult, CommentAnalysis]:
    analysis = analyze_comments(acc, CFG, None)
    return comment_signal(acc, analysis, CFG), analysis


def _flag(res: SignalResult, code: str) -> Flag:
    return next(f for f in res.flags if f.code == code)


def test_comments_organic_section_has_low_suspicion() -> None:
    res, _ = _signal(account(notes=NOTES, comments=organic_comments(NOTES, 8)))
    assert res.status == "ok"
    assert res.features[F_SUSPICION] == 0 and res.features[F_BOT_SHARE] == 0
    assert res.metrics["distinct_ratio"] == 1.0


def test_comments_near_duplicates_are_clustered_with_their_ids() -> None:
    organic = organic_comments(NOTES, 6)
    variants = [
        "这款面霜真的太好用了，已经回购三次了",
        "这款面霜真的太好用了，已经回购两次了",
        "这款面霜真的太好用了！已经回购三次了",
    ]
    dups = [
        comment(
            900 + k, NOTES[k % len(NOTES)], variants[k % 3], commenter=f"bot{k}", nickname=f"小红薯{k:08X}"
        )
        for k in range(9)
    ]
    res, analysis = _signal(account(notes=NOTES, comments=organic + dups))
    flag = _flag(res, "duplicate_comments")
    ids = {m["comment_id"] for c in flag.details["clusters"] for m in c["comments"]}
    assert {d.comment_id for d in dups} <= ids
    assert not ids & {c.comment_id for c in organic}
    assert "这款面霜真的太好用了" in flag.evidence
    assert flag.details["clusters"][0]["coordinated"] is True
    dup_flags = [
        f for c, f in zip(analysis.comments, analysis.flags, strict=True) if c.comment_id.startswith("c009")
    ]
    assert all("duplicate_coordinated" in f for f in dup_flags)


def test_comments_default_nicknames_raise_suspicion_and_are_listed() -> None:
    organic = organic_comments(NOTES, 6)
    bots = [
        comment(
            800 + k,
            NOTES[k % len(NOTES)],
            "好看",
            commenter=f"b{k}",
            nickname=f"小红薯{(k * 7919) % 16**8:08X}",
        )
        for k in range(30)
    ]
    res, _ = _signal(account(notes=NOTES, comments=organic + bots))
    flag = _flag(res, "default_nickname_comments")
    assert "30 of 90 comments" in flag.evidence and "小红薯" in flag.evidence
    assert res.features[F_SUSPICION] > 0.3 and res.features[F_BOT_SHARE] > 0.5


def test_comments_deleted_accounts_and_spam_are_flagged() -> None:
    organic = organic_comments(NOTES, 5)
    extra = [comment(700 + k, NOTES[0], "互关互粉，看我主页", commenter=f"s{k}") for k in range(6)]
    extra += [
        comment(760 + k, NOTES[1], "还不错", commenter=f"d{k}", nickname="用户已注销") for k in range(4)
    ]
    res, analysis = _signal(account(notes=NOTES, comments=organic + extra))
    assert "spam_comments" in [f.code for f in res.flags]
    assert sum("deleted_account" in f for f in analysis.flags) == 4


def test_comments_burst_right_after_posting_is_detected() -> None:
    organic = organic_comments(NOTES, 6)
    burst = [
        comment(600 + k, NOTES[3], f"冲冲冲{k}", minutes_after=2 + k * 0.2, commenter=f"x{k}")
        for k in range(25)
    ]
    res, analysis = _signal(account(notes=NOTES, comments=organic + burst))
    flag = _flag(res, "burst_comments")
    assert flag.details["bursts"][0]["note_id"] == NOTES[3].note_id
    assert flag.details["bursts"][0]["comments"] >= 25
    assert flag.details["bursts"][0]["minutes_after_posting"] == pytest.approx(2.0, abs=0.5)
    flagged = {c.comment_id for c, f in zip(analysis.comments, analysis.flags, strict=True) if "burst" in f}
    assert {c.comment_id for c in burst} <= flagged


def test_comments_spread_out_are_not_a_burst() -> None:
    _, analysis = _signal(account(notes=NOTES, comments=organic_comments(NOTES, 9)))
    assert not any("burst" in f for f in analysis.flags)


def test_comments_engagement_pod_accounts_are_named() -> None:
    organic = organic_comments(NOTES, 5)
    pod = [
        comment(500 + k * 20 + m, n, f"支持姐妹{k}{m}", minutes_after=30 + k, commenter=f"pod{m}")
        for k, n in enumerate(NOTES)
        for m in range(8)
    ]
    res, _ = _signal(account(notes=NOTES, comments=organic + pod))
    flag = _flag(res, "engagement_pod")
    assert flag.feature == F_POD and flag.strength > 0.4
    assert {a["commenter_id"] for a in flag.details["accounts"]} == {f"pod{m}" for m in range(8)}
    assert flag.details["median_delay_hours"] < 2


def test_comments_ip_concentration() -> None:
    provinces = ["广东", "浙江", "四川", "北京", "上海", "江苏"]
    organic = [
        comment(k, NOTES[k % 10], f"这个好用吗{k}", commenter=f"o{k}", ip=provinces[k % 6]) for k in range(60)
    ]
    spread, _ = _signal(account(notes=NOTES, comments=organic))
    assert spread.features[F_IP] == 0
    farm = [comment(400 + k, NOTES[k % 10], f"好物{k}推荐", commenter=f"f{k}", ip="河南") for k in range(90)]
    res, _ = _signal(account(notes=NOTES, comments=organic + farm))
    assert res.features[F_IP] > 0
    assert "河南" in _flag(res, "ip_location_concentration").evidence


def test_comments_author_replies_are_skipped() -> None:
    organic = organic_comments(NOTES, 4)
    replies = [
        comment(300 + k, NOTES[0], "谢谢宝", commenter="kol_user", parent=organic[k].comment_id)
        for k in range(20)
    ]
    res, analysis = _signal(account(notes=NOTES, comments=organic + replies))
    assert len(analysis.comments) == len(organic)
    assert res.metrics["comments"] == len(organic)


def test_comments_insufficient_when_too_few() -> None:
    res, _ = _signal(account(notes=NOTES, comments=organic_comments(NOTES[:1], 10)))
    assert res.status == "insufficient_data"
    assert "10 collected" in res.missing[0]


def test_comments_lexical_and_length_metrics_are_reported() -> None:
    same = [comment(k, NOTES[k % 10], "好看好看", commenter=f"z{k}") for k in range(60)]
    res, _ = _signal(account(notes=NOTES, comments=same))
    codes = [f.code for f in res.flags]
    assert "uniform_comment_length" in codes and "low_lexical_entropy" in codes
    assert res.metrics["distinct_ratio"] == pytest.approx(1 / 60, abs=1e-4)


def test_comments_suspicion_is_a_noisy_or_of_flags() -> None:
    acc = account(
        notes=NOTES,
        comments=[comment(1, NOTES[0], "好看", nickname="小红薯0A1B2C3D"), comment(2, NOTES[0], "请问色号")],
    )
    analysis = analyze_comments(acc, CFG, None)
    expected = 1 - (1 - CFG.w_default_nickname) * (1 - CFG.w_low_effort)
    assert analysis.suspicion.tolist() == pytest.approx([expected, 0.0])
    assert np.all((analysis.suspicion >= 0) & (analysis.suspicion <= 1))
