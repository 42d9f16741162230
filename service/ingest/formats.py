"""The export formats RedLens reads, how each is recognised from its header, and how a row of it
becomes a record ready for the database.

A format is recognised when the file's header (CSV/XLSX first row, keys of the first JSON object)
contains all of its required columns, after mapping known aliases (Spider_XHS's Chinese Excel
headers, the creator centre's Chinese headers) to canonical names. When several formats match,
the one matching the most columns wins. A header that matches none gets
:class:`UnknownFormatError`, which names the closest formats and the columns they are missing.

Records are plain dicts whose keys are the database column names (plus a few ``_``-prefixed
keys the loader consumes). See FORMATS.md for every format with an example.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from models.kpi.inputs import (
    ECONOMICS_COLUMNS,
    ECONOMICS_COUNTS,
    ECONOMICS_MONEY,
    ECONOMICS_OPTIONAL,
    NOTE_METRIC_COUNTS,
    NOTE_METRICS_COLUMNS,
    NOTE_METRICS_OPTIONAL,
    NOTE_SEGMENT_COLUMNS,
    SEGMENT_FIELDS,
)
from service.ingest.parsing import (
    CHINA_TZ,
    clean_text,
    is_empty,
    parse_count,
    parse_date,
    parse_duration_seconds,
    parse_list,
    parse_moment,
    parse_money,
    parse_rate,
    parse_timestamp,
    storable,
)
from service.ingest.readers import InputFileError

Kind = Literal[
    "notes",
    "comments",
    "creator_notes",
    "follower_snapshots",
    "note_metrics",
    "campaign_notes",
    "search_index",
]

#: Import order when several files are given: notes before the comments that refer to them.
KIND_ORDER: dict[str, int] = {
    "notes": 0,
    "creator_notes": 1,
    "comments": 2,
    "follower_snapshots": 3,
    "note_metrics": 4,
    "campaign_notes": 5,
    "search_index": 6,
}


@dataclass(frozen=True)
class FormatSpec:
    name: str
    kind: Kind
    label: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    #: header as written (lower-cased) -> canonical column
    aliases: Mapping[str, str] = field(default_factory=dict)
    #: wins ties between formats matching the same number of columns
    priority: int = 0

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional

    def canonical(self, header: str) -> str | None:
        key = normalise_header(header)
        if key in self.aliases:
            return self.aliases[key]
        if key in self.required or key in self.optional:
            return key
        return None

    def column_map(self, headers: Sequence[str]) -> dict[str, str]:
        """canonical column -> header as written in the file (first occurrence wins)."""
        mapping: dict[str, str] = {}
        for header in headers:
            canonical = self.canonical(header)
            if canonical is not None and canonical not in mapping:
                mapping[canonical] = header
        return mapping


def normalise_header(header: Any) -> str:
    text = str(header if header is not None else "").replace("\ufeff", "").strip()
    return re.sub(r"\s+", "_", text).lower()


# --------------------------------------------------------------------------- the formats

_MC_COMMENT_OPTIONAL = (
    "nickname",
    "avatar",
    "ip_location",
    "sub_comment_count",
    "pictures",
    "parent_comment_id",
    "last_modify_ts",
    "like_count",
    "add_ts",
    "source_keyword",
)
#: The search keyword a crawler found the note (or the comment's note) under.
_KEYWORD_ALIASES = {"search_keyword": "source_keyword"}
_MC_NOTE_OPTIONAL = (
    "video_url",
    "last_update_time",
    "nickname",
    "avatar",
    "collected_count",
    "comment_count",
    "share_count",
    "ip_location",
    "image_list",
    "tag_list",
    "last_modify_ts",
    "note_url",
    "source_keyword",
    "xsec_token",
    "add_ts",
    "avatar_url",
    "author_profile_url",
    "fans",
    "fans_count",
    "followers_count",
    "follows",
    "following_count",
    "note_count",
    "interaction_count",
)

#: Spider_XHS's Chinese Excel headers common to its comment and note exports.
_SPIDER_COMMON_ZH = {
    "笔记id": "note_id",
    "笔记url": "note_url",
    "用户id": "user_id",
    "用户主页url": "home_url",
    "昵称": "nickname",
    "头像url": "avatar",
    "上传时间": "upload_time",
    "ip归属地": "ip_location",
}
_SPIDER_COMMON_OPTIONAL = ("note_url", "home_url", "nickname", "avatar")
_SPIDER_COMMENT_ZH = {
    **_SPIDER_COMMON_ZH,
    "评论id": "comment_id",
    "评论内容": "content",
    "评论标签": "show_tags",
    "点赞数量": "like_count",
    "图片地址url列表": "pictures",
}
_SPIDER_NOTE_ZH = {
    **_SPIDER_COMMON_ZH,
    "笔记类型": "note_type",
    "标题": "title",
    "描述": "desc",
    "点赞数量": "liked_count",
    "收藏数量": "collected_count",
    "评论数量": "comment_count",
    "分享数量": "share_count",
    "视频封面url": "video_cover",
    "视频地址url": "video_addr",
    "图片地址url列表": "image_list",
    "标签": "tags",
}
_SPIDER_NOTE_REQUIRED = ("note_id", "note_type", "user_id", "liked_count", "upload_time")
_SPIDER_NOTE_OPTIONAL = (
    *_SPIDER_COMMON_OPTIONAL,
    "title",
    "desc",
    "collected_count",
    "comment_count",
    "share_count",
    "video_cover",
    "video_addr",
    "image_list",
    "tags",
    "ip_location",
)
#: Spider_XHS saves a search to ``<keyword>.xlsx`` without the keyword inside: a column holding it
#: (搜索关键词, 关键词, keyword, query) makes the file a search result.
_SPIDER_SEARCH_ZH = {
    **_SPIDER_NOTE_ZH,
    **_KEYWORD_ALIASES,
    "搜索关键词": "source_keyword",
    "关键词": "source_keyword",
    "keyword": "source_keyword",
    "query": "source_keyword",
}
_CREATOR_ALIASES = {
    "笔记标题": "title",
    "标题": "title",
    "首次发布时间": "first_publish_time",
    "发布时间": "first_publish_time",
    "publish_time": "first_publish_time",
    "体裁": "format",
    "笔记类型": "format",
    "类型": "format",
    "曝光": "impressions",
    "曝光量": "impressions",
    "曝光数": "impressions",
    "观看量": "views",
    "观看数": "views",
    "观看": "views",
    "阅读量": "views",
    "封面点击率": "cover_ctr",
    "点赞": "likes",
    "点赞数": "likes",
    "点赞量": "likes",
    "评论": "comments",
    "评论数": "comments",
    "评论量": "comments",
    "收藏": "collects",
    "收藏数": "collects",
    "收藏量": "collects",
    "saves": "collects",
    "涨粉": "follower_gain",
    "涨粉数": "follower_gain",
    "涨粉量": "follower_gain",
    "分享": "shares",
    "分享数": "shares",
    "分享量": "shares",
    "人均观看时长": "avg_watch_seconds",
    "平均观看时长": "avg_watch_seconds",
    "avg_watch_time": "avg_watch_seconds",
    "弹幕": "danmaku",
    "弹幕数": "danmaku",
    "笔记id": "note_id",
}

SEARCH_INDEX = FormatSpec(
    name="search_index",
    kind="search_index",
    label="Branded search index or volume per keyword and day (date, keyword, index)",
    required=("date", "keyword", "value"),
    aliases={
        "日期": "date",
        "day": "date",
        "关键词": "keyword",
        "搜索词": "keyword",
        "search_keyword": "keyword",
        "query": "keyword",
        "index": "value",
        "search_index": "value",
        "搜索指数": "value",
        "指数": "value",
        "volume": "value",
        "search_volume": "value",
        "搜索量": "value",
        "搜索次数": "value",
    },
)
FORMATS: tuple[FormatSpec, ...] = (
    FormatSpec(
        name="mediacrawler_comments_v2",
        kind="comments",
        label="MediaCrawler XHS comments, current schema (creator_hash, masked nickname)",
        required=("comment_id", "create_time", "note_id", "content", "creator_hash"),
        optional=(*_MC_COMMENT_OPTIONAL, "user_id"),
        aliases=_KEYWORD_ALIASES,
        priority=2,
    ),
    FormatSpec(
        name="mediacrawler_comments_v1",
        kind="comments",
        label="MediaCrawler XHS comments, older schema (user_id, avatar, ip_location)",
        required=("comment_id", "create_time", "note_id", "content", "user_id"),
        optional=_MC_COMMENT_OPTIONAL,
        aliases=_KEYWORD_ALIASES,
        priority=1,
    ),
    FormatSpec(
        name="xhs_hashed_comments",
        kind="comments",
        label="XHS comments with hashed commenters (text, created, user_hash, nickname_is_default)",
        required=("comment_id", "note_id", "content", "create_time", "creator_hash", "nickname_is_default"),
        optional=(
            "note_title",
            "parent_comment_id",
            "like_count",
            "ip_location",
            "sub_comment_count",
            "source_keyword",
        ),
        aliases={
            **_KEYWORD_ALIASES,
            "text": "content",
            "created": "create_time",
            "user_hash": "creator_hash",
            "reply_count": "sub_comment_count",
        },
    ),
    FormatSpec(
        name="mediacrawler_notes",
        kind="notes",
        label="MediaCrawler XHS contents (notes)",
        required=("note_id", "type", "title", "desc", "time", "liked_count"),
        optional=(*_MC_NOTE_OPTIONAL, "user_id", "creator_hash"),
        aliases={"author_hash": "creator_hash", **_KEYWORD_ALIASES},
    ),
    FormatSpec(
        name="spider_xhs_comments",
        kind="comments",
        label="Spider_XHS comments (English keys or Chinese Excel headers)",
        required=("note_id", "comment_id", "user_id", "content", "upload_time"),
        optional=(*_SPIDER_COMMON_OPTIONAL, "show_tags", "like_count", "ip_location", "pictures"),
        aliases=_SPIDER_COMMENT_ZH,
    ),
    FormatSpec(
        name="spider_xhs_notes",
        kind="notes",
        label="Spider_XHS notes (English keys or Chinese Excel headers)",
        required=_SPIDER_NOTE_REQUIRED,
        optional=_SPIDER_NOTE_OPTIONAL,
        aliases=_SPIDER_NOTE_ZH,
    ),
    FormatSpec(
        name="spider_xhs_search_notes",
        kind="notes",
        label="Spider_XHS search results: its notes plus the search keyword (搜索关键词 or keyword)",
        required=(*_SPIDER_NOTE_REQUIRED, "source_keyword"),
        optional=_SPIDER_NOTE_OPTIONAL,
        aliases=_SPIDER_SEARCH_ZH,
    ),
    FormatSpec(
        name="creator_centre_notes",
        kind="creator_notes",
        label="XHS creator-centre note export (标题, 首次发布时间, 曝光, 观看量, ...)",
        required=("title", "first_publish_time", "views"),
        optional=(
            "format",
            "impressions",
            "cover_ctr",
            "likes",
            "comments",
            "collects",
            "follower_gain",
            "shares",
            "avg_watch_seconds",
            "danmaku",
            "note_id",
        ),
        aliases=_CREATOR_ALIASES,
    ),
    FormatSpec(
        name="redlens_follower_snapshots",
        kind="follower_snapshots",
        label="RedLens follower snapshots",
        required=("kol_id", "date", "followers"),
        optional=("following", "notes", "likes_and_collects"),
    ),
    FormatSpec(
        name="redlens_note_metrics",
        kind="note_metrics",
        label="RedLens note metrics snapshots",
        required=NOTE_METRICS_COLUMNS,
        optional=(*NOTE_METRICS_OPTIONAL, *NOTE_SEGMENT_COLUMNS),
        aliases={"format": "content_format"},
    ),
    FormatSpec(
        name="redlens_campaign",
        kind="campaign_notes",
        label="RedLens campaign economics",
        required=ECONOMICS_COLUMNS,
        optional=ECONOMICS_OPTIONAL,
    ),
    SEARCH_INDEX,
)

FORMATS_BY_NAME: dict[str, FormatSpec] = {spec.name: spec for spec in FORMATS}


def _lacks_text(headers: Sequence[str], closest: Sequence[tuple[FormatSpec, list[str]]]) -> bool:
    """No column holds comment text and no format other than comments nearly matches: the file is
    most likely a comment export whose text column is missing or named otherwise."""
    comment_specs = [spec for spec in FORMATS if spec.kind == "comments"]
    if any("content" in spec.column_map(headers) for spec in comment_specs):
        return False
    for spec, missing in closest:
        if spec.kind != "comments" and len(missing) <= len(spec.required) / 2:
            return False
    return True


class UnknownFormatError(InputFileError):
    """The header matches no known format. The message names the closest formats and what they miss."""

    def __init__(self, headers: Sequence[str], closest: Sequence[tuple[FormatSpec, list[str]]]) -> None:
        self.headers = list(headers)
        self.closest = [(spec.name, missing) for spec, missing in closest]
        shown = ", ".join(str(h) for h in list(headers)[:20]) or "(no columns)"
        lines = [f"unrecognised columns: {shown}. Closest formats:"]
        if _lacks_text(headers, closest):
            lines = [f"no text or content column; found: {shown}. Closest formats:"]
        for spec, missing in closest:
            shown_optional = ", ".join(spec.optional[:8]) + (", ..." if len(spec.optional) > 8 else "")
            optional = f" [optional: {shown_optional}]" if spec.optional else ""
            lines.append(
                f"  - {spec.name} ({spec.label}) expects {', '.join(spec.required)}{optional};"
                f" missing: {', '.join(missing)}"
            )
        super().__init__("\n".join(lines))


def detect_format(headers: Sequence[str], formats: Sequence[FormatSpec] = FORMATS) -> FormatSpec:
    """The format (of ``formats``) whose required columns are all in ``headers`` (most columns
    matched, then priority)."""
    best: tuple[int, int, FormatSpec] | None = None
    for spec in formats:
        mapping = spec.column_map(headers)
        if all(col in mapping for col in spec.required):
            score = (len(mapping), spec.priority)
            if best is None or score > best[:2]:
                best = (score[0], score[1], spec)
    if best is not None:
        return best[2]
    raise UnknownFormatError(headers, closest_formats(headers, formats=formats))


def closest_formats(
    headers: Sequence[str], n: int = 3, *, formats: Sequence[FormatSpec] = FORMATS
) -> list[tuple[FormatSpec, list[str]]]:
    """The ``n`` formats sharing most required columns with ``headers``, each with what it misses."""
    ranked = []
    for spec in formats:
        mapping = spec.column_map(headers)
        found = sum(col in mapping for col in spec.required)
        missing = [col for col in spec.required if col not in mapping]
        ranked.append((found / len(spec.required), len(mapping), -spec.priority, spec, missing))
    ranked.sort(key=lambda item: (-item[0], -item[1], item[2]))
    return [(spec, missing) for _, _, _, spec, missing in ranked[:n]]


def looks_like_header(values: Sequence[Any]) -> bool:
    """True when a row could be a header: at least two non-empty text cells and no numbers."""
    cells = [v for v in values if not is_empty(v)]
    return len(cells) >= 2 and all(isinstance(v, str) for v in cells)


# --------------------------------------------------------------------------- row conversion


class RowIssues(Exception):
    """Problems with one row: (column as written in the file, reason, raw value)."""

    def __init__(self, issues: list[tuple[str, str, Any]]) -> None:
        super().__init__("; ".join(f"{col}: {reason}" for col, reason, _ in issues))
        self.issues = issues


@dataclass
class ConvertContext:
    """Per-file conversion state: column mapping and the options of the import."""

    spec: FormatSpec
    columns: dict[str, str]  # canonical -> header as written
    campaign: str | None = None
    currency: str | None = None
    issues: list[tuple[str, str, Any]] = field(default_factory=list)

    def get(self, row: Mapping[str, Any], name: str) -> Any:
        header = self.columns.get(name)
        return row.get(header) if header is not None else None

    def parse(
        self, row: Mapping[str, Any], name: str, parser: Callable[[Any], Any], *, required: bool = False
    ) -> Any:
        header = self.columns.get(name)
        raw = row.get(header) if header is not None else None
        try:
            value = parser(raw)
        except ValueError as exc:
            self.issues.append((header or name, str(exc), raw))
            return None
        if required and value is None:
            self.issues.append((header or name, "is empty but required", raw))
        return value

    def finish(self) -> None:
        if self.issues:
            issues, self.issues = self.issues, []
            raise RowIssues(issues)


def creator_hash_of(user_id: str) -> str:
    """MediaCrawler's anonymised id: the first 16 hex digits of SHA-256 of the XHS user id."""
    return hashlib.sha256(user_id.strip().encode("utf-8")).hexdigest()[:16]


MAX_ID_LENGTH = 64
_EMPTY_IDS = frozenset({"none", "null", "nan", "na", "undefined"})
_MASKED_NICKNAME = re.compile(r"^.?\*{1,3}.?$|^\*$")


def is_masked_nickname(nickname: str | None) -> bool:
    """MediaCrawler's masking: first and last character kept, the middle replaced by ``***``."""
    return nickname is not None and bool(_MASKED_NICKNAME.match(nickname))


def _identity(user_id: str | None, creator_hash: str | None) -> tuple[str | None, str | None, bool]:
    """(id to store, creator hash, whether the id is only a hash)."""
    if user_id:
        return user_id, creator_hash or creator_hash_of(user_id), False
    if creator_hash:
        return creator_hash, creator_hash, True
    return None, None, False


def _platform_id(value: Any) -> str | None:
    """A platform id cell: text, or a whole number written by a spreadsheet as 123.0. ``0`` (what
    MediaCrawler writes for "no parent comment") is no id."""
    if isinstance(value, str):
        text = value.strip()
        if (
            text
            and len(text) <= MAX_ID_LENGTH
            and text.isalnum()
            and text != "0"
            and text.lower() not in _EMPTY_IDS
        ):
            return text
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    cleaned = clean_text(value)
    if cleaned is None or cleaned == "0":
        return None
    if len(cleaned) > MAX_ID_LENGTH:
        raise ValueError(f"{cleaned[:80]!r} is too long for an id (at most {MAX_ID_LENGTH} characters)")
    return cleaned


def _note_type(value: Any) -> str | None:
    text = clean_text(value)
    if text is None:
        return None
    lowered = text.lower()
    if lowered in ("video", "视频"):
        return "video"
    if lowered in ("normal", "图文", "图集", "image", "图片"):
        return "normal"
    raise ValueError(f"{text!r} is not a note type: expected normal/video (or 图文/图集/视频)")


def _str_or_none(value: Any) -> str | None:
    return clean_text(value)


def _text(value: Any) -> str:
    """Comment text: kept as written (an empty comment is a picture-only comment, not an error);
    a JSON object, list or boolean is no text."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, dict | list | bool):
        kind = (
            "an object" if isinstance(value, dict) else "a list" if isinstance(value, list) else "true/false"
        )
        raise ValueError(f"must be text, got {kind}")
    return storable(str(value).strip())


def _truncate(value: str | None, size: int) -> str | None:
    return value[:size] if value is not None else None


def _hashed_nickname(is_default: Any, commenter_hash: str | None) -> str | None:
    """Exports that hash nicknames keep only whether one was XHS's default 小红薯 + 8 hex; that fact
    is given back in the default pattern (built from the commenter hash, so it is marked weak),
    which the authenticity score reads as a default nickname. Other nicknames stay unknown."""
    if clean_text(is_default) in ("1", "true", "True") and commenter_hash:
        return "小红薯" + commenter_hash[:8].upper().ljust(8, "0")
    return None


def _crawl_time(row: Mapping[str, Any], ctx: ConvertContext) -> Any:
    """When the crawler fetched the row (MediaCrawler ``last_modify_ts``, else ``add_ts``); a value
    that cannot be read is no crawl time (the row itself is fine)."""
    for column in ("last_modify_ts", "add_ts"):
        try:
            moment = parse_timestamp(ctx.get(row, column))
        except ValueError:
            continue
        if moment is not None:
            return moment
    return None


def _search_fields(row: Mapping[str, Any], ctx: ConvertContext) -> dict[str, Any]:
    """The search keyword the row was found under and its crawl time (for ``search_hit``)."""
    return {
        "_keyword": _truncate(clean_text(ctx.get(row, "source_keyword")), 200),
        "_crawled_at": _crawl_time(row, ctx),
    }


def convert_comment(row: Mapping[str, Any], ctx: ConvertContext) -> dict[str, Any]:
    spec = ctx.spec.name
    comment_id = ctx.parse(row, "comment_id", _platform_id, required=True)
    note_id = ctx.parse(row, "note_id", _platform_id, required=True)
    text = ""
    if ctx.columns.get("content") in row:
        text = ctx.parse(row, "content", _text)
    else:  # a JSON object without the key (a table's empty cell is a picture-only comment)
        ctx.issues.append(("content", "is missing: an object without content is not a comment", None))
    time_column = "upload_time" if spec == "spider_xhs_comments" else "create_time"
    created_at = ctx.parse(row, time_column, parse_timestamp)
    like_count = ctx.parse(row, "like_count", parse_count)
    sub_count = ctx.parse(row, "sub_comment_count", parse_count)
    user_id = ctx.parse(row, "user_id", _platform_id)
    creator_hash = ctx.parse(row, "creator_hash", _platform_id)
    parent = ctx.parse(row, "parent_comment_id", _platform_id)
    commenter_id, commenter_hash, id_is_hash = _identity(user_id, creator_hash)
    nickname = _truncate(clean_text(ctx.get(row, "nickname")), 200)
    if spec == "xhs_hashed_comments":
        nickname = _hashed_nickname(ctx.get(row, "nickname_is_default"), commenter_hash)
    pictures = ctx.parse(row, "pictures", parse_list)
    ctx.finish()
    weak = []
    if id_is_hash:
        weak.append("commenter_id")
    if is_masked_nickname(nickname) or spec == "xhs_hashed_comments":
        weak.append("nickname")
    return {
        "platform_comment_id": comment_id,
        "_note": note_id,
        "_note_url": clean_text(ctx.get(row, "note_url")),
        "parent_comment_id": parent,
        "text": text,
        "created_at": created_at,
        "like_count": like_count,
        "commenter_id": commenter_id,
        "commenter_hash": commenter_hash,
        "nickname": nickname,
        "ip_location": _truncate(clean_text(ctx.get(row, "ip_location")), 64),
        "sub_comment_count": sub_count,
        "pictures": pictures,
        "_weak": tuple(weak),
        **_search_fields(row, ctx),
    }


def _title(value: Any, spider: bool) -> str | None:
    title = clean_text(value)
    if spider and title == "无标题":  # Spider_XHS writes this for notes without a title
        return None
    return title


def convert_note(row: Mapping[str, Any], ctx: ConvertContext) -> dict[str, Any]:
    spider = ctx.spec.name.startswith("spider_xhs")
    note_id = ctx.parse(row, "note_id", _platform_id, required=True)
    note_type = ctx.parse(row, "note_type" if spider else "type", _note_type)
    published_at = ctx.parse(row, "upload_time" if spider else "time", parse_timestamp)
    last_update_at = None if spider else ctx.parse(row, "last_update_time", parse_timestamp)
    liked = ctx.parse(row, "liked_count", parse_count)
    collected = ctx.parse(row, "collected_count", parse_count)
    comments = ctx.parse(row, "comment_count", parse_count)
    shares = ctx.parse(row, "share_count", parse_count)
    tags = ctx.parse(row, "tags" if spider else "tag_list", parse_list)
    images = ctx.parse(row, "image_list", parse_list)
    followers = ctx.parse(row, "followers_count", parse_count)
    if followers is None:
        followers = ctx.parse(row, "fans_count", parse_count)
    following = ctx.parse(row, "following_count", parse_count)
    notes_count = ctx.parse(row, "note_count", parse_count)
    interactions = ctx.parse(row, "interaction_count", parse_count)
    user_id = ctx.parse(row, "user_id", _platform_id)
    creator_hash = ctx.parse(row, "creator_hash", _platform_id)
    author_id, author_hash, id_is_hash = _identity(user_id, creator_hash)
    ctx.finish()
    nickname = _truncate(clean_text(ctx.get(row, "nickname")), 200)
    video = clean_text(ctx.get(row, "video_addr" if spider else "video_url"))
    author = None
    if author_id is not None:
        author = {
            "platform_user_id": author_id,
            "creator_hash": author_hash,
            "nickname": nickname,
            "avatar_url": clean_text(ctx.get(row, "avatar")) or clean_text(ctx.get(row, "avatar_url")),
            "profile_url": clean_text(ctx.get(row, "home_url"))
            or clean_text(ctx.get(row, "author_profile_url")),
            "followers": followers,
            "following": following,
            "notes_count": notes_count,
            "likes_and_collects": interactions,
            "_weak": ("nickname",) if is_masked_nickname(nickname) else (),
            "_id_is_hash": id_is_hash,
        }
    return {
        "platform_note_id": note_id,
        "_author": author,
        "type": note_type,
        "title": _title(ctx.get(row, "title"), spider),
        "description": clean_text(ctx.get(row, "desc")),
        "published_at": published_at,
        "last_update_at": last_update_at,
        "liked_count": liked,
        "collected_count": collected,
        "comment_count": comments,
        "share_count": shares,
        "tags": tags,
        "image_urls": images,
        "video_url": video,
        "note_url": clean_text(ctx.get(row, "note_url")),
        "ip_location": _truncate(clean_text(ctx.get(row, "ip_location")), 64),
        "source_keyword": _truncate(clean_text(ctx.get(row, "source_keyword")), 200),
        **_search_fields(row, ctx),
    }


def convert_creator_note(row: Mapping[str, Any], ctx: ConvertContext) -> dict[str, Any]:
    title = ctx.parse(row, "title", _str_or_none, required=True)
    published_at = ctx.parse(row, "first_publish_time", parse_timestamp, required=True)
    record = {
        "title": title,
        "published_at": published_at,
        "type": ctx.parse(row, "format", _note_type),
        "_note": ctx.parse(row, "note_id", _platform_id),
        "impressions": ctx.parse(row, "impressions", parse_count),
        "views": ctx.parse(row, "views", parse_count),
        "cover_ctr": ctx.parse(row, "cover_ctr", parse_rate),
        "likes": ctx.parse(row, "likes", parse_count),
        "comments": ctx.parse(row, "comments", parse_count),
        "saves": ctx.parse(row, "collects", parse_count),
        "follows": ctx.parse(row, "follower_gain", parse_count),
        "shares": ctx.parse(row, "shares", parse_count),
        "avg_watch_seconds": ctx.parse(row, "avg_watch_seconds", parse_duration_seconds),
        "danmaku": ctx.parse(row, "danmaku", parse_count),
    }
    ctx.finish()
    return record


def convert_follower_snapshot(row: Mapping[str, Any], ctx: ConvertContext) -> dict[str, Any]:
    record = {
        "_kol": ctx.parse(row, "kol_id", _platform_id, required=True),
        "date": ctx.parse(row, "date", parse_date, required=True),
        "followers": ctx.parse(row, "followers", parse_count, required=True),
        "following": ctx.parse(row, "following", parse_count),
        "notes": ctx.parse(row, "notes", parse_count),
        "likes_and_collects": ctx.parse(row, "likes_and_collects", parse_count),
    }
    ctx.finish()
    return record


def convert_note_metrics(row: Mapping[str, Any], ctx: ConvertContext) -> dict[str, Any]:
    """A snapshot row. ``captured_at`` is its China date (what the table stores); ``_taken_at``,
    ``_followers``, ``_published_at`` and ``_segment`` are read for the KPI report only."""
    taken_at = ctx.parse(row, "date", parse_moment, required=True)
    record: dict[str, Any] = {
        "_note": ctx.parse(row, "note_id", _platform_id, required=True),
        "_kol": ctx.parse(row, "kol_id", _platform_id, required=True),
        "captured_at": None if taken_at is None else taken_at.astimezone(CHINA_TZ).date(),
        "_taken_at": taken_at,
    }
    for name in (*NOTE_METRIC_COUNTS, "completions", "clicks"):
        record[name] = ctx.parse(row, name, parse_count)
    record["avg_watch_seconds"] = ctx.parse(row, "avg_watch_seconds", parse_duration_seconds)
    record["_followers"] = ctx.parse(row, "followers", parse_count)
    record["_published_at"] = ctx.parse(row, "published_at", parse_moment)
    segment = {name: clean_text(ctx.get(row, name)) for name in SEGMENT_FIELDS}
    record["_segment"] = {name: value for name, value in segment.items() if value is not None}
    ctx.finish()
    return record


_CURRENCY = re.compile(r"^[A-Za-z]{3}$")


def _currency(value: Any) -> str | None:
    text = clean_text(value)
    if text is None:
        return None
    if text in ("¥", "￥", "元", "人民币", "rmb", "RMB"):
        return "CNY"
    if not _CURRENCY.match(text):
        raise ValueError(f"{text!r} is not a currency: expected an ISO 4217 code such as CNY, USD, HKD")
    return text.upper()


def convert_campaign_note(row: Mapping[str, Any], ctx: ConvertContext) -> dict[str, Any]:
    campaign = clean_text(ctx.get(row, "campaign")) or ctx.campaign
    if campaign is None:
        ctx.issues.append(
            (ctx.columns.get("campaign", "campaign"), "is empty and no --campaign was given", None)
        )
    record: dict[str, Any] = {
        "_campaign": _truncate(campaign, 200),
        "_note": ctx.parse(row, "note_id", _platform_id, required=True),
        "_kol": ctx.parse(row, "kol_id", _platform_id, required=True),
        "promo_code": _truncate(clean_text(ctx.get(row, "promo_code")), 64),
        "currency": ctx.parse(row, "currency", _currency),
    }
    for name in ECONOMICS_MONEY:
        record[name] = ctx.parse(row, name, parse_money)
    for name in ECONOMICS_COUNTS:
        record[name] = ctx.parse(row, name, parse_count)
    ctx.finish()
    return record


def _keyword(value: Any) -> str | None:
    text = clean_text(value)
    if text is not None and len(text) > 200:
        raise ValueError(f"{text[:60]!r} is longer than 200 characters")
    return text


def convert_search_index(row: Mapping[str, Any], ctx: ConvertContext) -> dict[str, Any]:
    day = ctx.parse(row, "date", parse_date, required=True)
    keyword, value = (
        ctx.parse(row, "keyword", _keyword, required=True),
        ctx.parse(row, "value", parse_count, required=True),
    )
    ctx.finish()
    return {"day": day, "keyword": keyword, "value": value}


CONVERTERS: dict[str, Callable[[Mapping[str, Any], ConvertContext], dict[str, Any]]] = {
    "comments": convert_comment,
    "notes": convert_note,
    "creator_notes": convert_creator_note,
    "follower_snapshots": convert_follower_snapshot,
    "note_metrics": convert_note_metrics,
    "campaign_notes": convert_campaign_note,
    "search_index": convert_search_index,
}


def record_key(kind: str, record: Mapping[str, Any]) -> Any:
    """The identity of a record inside one file: duplicates of it are collapsed (last one wins)."""
    if kind == "comments":
        return record["platform_comment_id"]
    if kind == "notes":
        return record["platform_note_id"]
    if kind == "creator_notes":
        return (record["_note"] or record["title"], record["published_at"])
    if kind == "follower_snapshots":
        return (record["_kol"], record["date"])
    if kind == "note_metrics":
        return (record["_note"], record["captured_at"])
    if kind == "campaign_notes":
        return (record["_campaign"], record["_note"])
    if kind == "search_index":
        return (record["keyword"], record["day"])
    raise ValueError(f"unknown record kind {kind!r}")
