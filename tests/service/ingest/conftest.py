"""Fixtures of the ingestion tests: the fixture folder and Spider_XHS workbooks built on the fly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from tests.utils import FIXTURES as TEST_FILES

FIXTURES = TEST_FILES / "ingest"

SPIDER_NOTE_HEADERS = [
    "笔记id",
    "笔记url",
    "笔记类型",
    "用户id",
    "用户主页url",
    "昵称",
    "头像url",
    "标题",
    "描述",
    "点赞数量",
    "收藏数量",
    "评论数量",
    "分享数量",
    "视频封面url",
    "视频地址url",
    "图片地址url列表",
    "标签",
    "上传时间",
    "ip归属地",
]
SPIDER_COMMENT_HEADERS = [
    "笔记id",
    "笔记url",
    "评论id",
    "用户id",
    "用户主页url",
    "昵称",
    "头像url",
    "评论内容",
    "评论标签",
    "点赞数量",
    "上传时间",
    "ip归属地",
    "图片地址url列表",
]


def _save_like_spider_xhs(path: Path, headers: list[str], rows: list[list[Any]]) -> Path:
    """Write a workbook the way Spider_XHS's save_to_xlsx does: header row, then every value as str(v)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append([str(v) for v in row])
    workbook.save(path)
    return path


@pytest.fixture
def spider_notes_xlsx(tmp_path: Path) -> Path:
    user = "5fd0000000000000000000d1"
    home = f"https://www.xiaohongshu.com/user/profile/{user}"
    rows: list[list[Any]] = [
        ["x001", "https://www.xiaohongshu.com/explore/x001", "视频", user, home, "母婴博主D", "https://img.example/d.jpg",
         "宝宝辅食", "辅食教程", "1.2万", "3k", "2", "10", "https://img.example/cv.jpg",
         "https://video.example/x001.mp4", "['https://img.example/cv.jpg']", "['辅食', '母婴']",
         "2024-05-06 19:30:00", "广东"],
        ["x002", "https://www.xiaohongshu.com/explore/x002", "图集", user, home, "母婴博主D", "https://img.example/d.jpg",
         "无标题", "好物", "8", "None", "1", "0", None, None, "[]", "[]", "2024-05-07 08:00:00", "未知"],
        ["x003", "https://www.xiaohongshu.com/explore/x003", "直播", user, home, "母婴博主D", "", "类型不对", "",
         "1", "1", "1", "1", None, None, "[]", "[]", "2024-05-07 09:00:00", "广东"],
        ["x001", "https://www.xiaohongshu.com/explore/x001", "视频", user, home, "母婴博主D", "https://img.example/d.jpg",
         "宝宝辅食", "辅食教程", "1.3万", "3k", "2", "10", "https://img.example/cv.jpg",
         "https://video.example/x001.mp4", "['https://img.example/cv.jpg']", "['辅食', '母婴']",
         "2024-05-06 19:30:00", "广东"],
    ]  # fmt: skip
    return _save_like_spider_xhs(tmp_path / "spider_xhs_notes.xlsx", SPIDER_NOTE_HEADERS, rows)


@pytest.fixture
def spider_comments_xlsx(tmp_path: Path) -> Path:
    def row(cid: str, note: str, user: str, text: str, likes: str, when: str) -> list[Any]:
        return [note, f"https://www.xiaohongshu.com/explore/{note}", cid, user,
                f"https://www.xiaohongshu.com/user/profile/{user}", f"用户{cid}", "https://img.example/u.jpg",
                text, "[]", likes, when, "上海", "[]"]  # fmt: skip

    rows = [
        row("xc1", "x001", "5fe0000000000000000000e1", "辅食怎么做", "12", "2024-05-06 20:00:00"),
        row("xc2", "x001", "5fe0000000000000000000e2", "求链接", "1.5万", "2024-05-06 20:05:00"),
        row("xc3", "x002", "5fe0000000000000000000e3", "已下单", "None", "2024-05-07 09:00:00"),
        row("", "x002", "5fe0000000000000000000e4", "没有id", "1", "2024-05-07 09:10:00"),
        row("xc5", "x002", "5fe0000000000000000000e5", "赞数不对", "lots", "2024-05-07 09:20:00"),
    ]
    return _save_like_spider_xhs(tmp_path / "spider_xhs_comments.xlsx", SPIDER_COMMENT_HEADERS, rows)
