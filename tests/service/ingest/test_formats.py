"""Format recognition and reading, without a database: fixtures, FORMATS.md examples, real exports."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.config import Settings
from service.ingest import core
from service.ingest.formats import FORMATS, UnknownFormatError, detect_format
from service.ingest.readers import TableReader, sniff_kind
from service.ingest.summary import FileSummary
from tests.utils import FIXTURES as TEST_FILES
from tests.utils.files import write_text

FORMATS_MD = Path(core.__file__).with_name("FORMATS.md")
CORPORA = Settings().shared_corpora_dir
FIXTURES = TEST_FILES / "ingest"


def read(
    path: Path, *, kol: str | None = "k", fmt: str | None = None
) -> tuple[FileSummary, list[core.Loaded]]:
    summary = FileSummary(path=str(path))
    reader = TableReader(path)
    try:
        items = core._read(reader, summary, campaign=None, kol=kol, fmt=fmt, report=lambda *args: None)
    finally:
        reader.close()
    return summary, items


@pytest.mark.parametrize(
    ("name", "kind", "fmt"),
    [
        ("mediacrawler_comments_v1.csv", "csv", "mediacrawler_comments_v1"),
        ("mediacrawler_comments_v2.json", "json", "mediacrawler_comments_v2"),
        ("mediacrawler_comments_v2.jsonl", "jsonl", "mediacrawler_comments_v2"),
        ("mediacrawler_contents_v1.csv", "csv", "mediacrawler_notes"),
        ("mediacrawler_contents_v2.jsonl", "jsonl", "mediacrawler_notes"),
        ("spider_xhs_notes.json", "json", "spider_xhs_notes"),
        ("spider_xhs_note_info.json", "json", "spider_xhs_notes"),
        ("spider_xhs_comments.json", "json", "spider_xhs_comments"),
        ("creator_centre_notes.csv", "csv", "creator_centre_notes"),
        ("redlens_follower_snapshots.csv", "csv", "redlens_follower_snapshots"),
        ("redlens_note_metrics.csv", "csv", "redlens_note_metrics"),
        ("redlens_campaign.csv", "csv", "redlens_campaign"),
    ],
)
def test_fixture_files_are_recognised_from_content(name: str, kind: str, fmt: str) -> None:
    path = FIXTURES / name
    assert sniff_kind(path) == kind
    summary, _ = read(path)
    assert summary.format == fmt
    assert core.peek_format(path) is not None and core.peek_format(path).name == fmt  # type: ignore[union-attr]


def test_xlsx_with_chinese_headers_is_recognised(spider_notes_xlsx: Path, spider_comments_xlsx: Path) -> None:
    assert sniff_kind(spider_notes_xlsx) == "xlsx"
    assert read(spider_notes_xlsx)[0].format == "spider_xhs_notes"
    assert read(spider_comments_xlsx)[0].format == "spider_xhs_comments"


def test_hashed_comment_export_is_its_own_format_and_keeps_default_nicknames() -> None:
    headers = ["comment_id", "note_id", "note_title", "text", "parent_comment_id", "like_count", "created"]
    headers += ["ip_location", "user_hash", "nickname_is_default"]
    assert detect_format(headers).name == "xhs_hashed_comments"
    assert detect_format([*headers, "emoji_lost", "search_keyword"]).name == "xhs_hashed_comments"
    summary, items = read(FIXTURES / "xhs_hashed_comments.csv")
    records = {item.record["platform_comment_id"]: item.record for item in items}
    default = records["6a10000000000000000000c2"]
    assert default["nickname"] == "小红薯F0E1D2C3" and "nickname" in default["_weak"]
    assert default["commenter_id"] == "f0e1d2c3b4" and default["text"] == "[赞R][赞R]"
    assert records["6a10000000000000000000c1"]["nickname"] is None
    assert records["6a10000000000000000000c3"]["parent_comment_id"] == "6a10000000000000000000c1"
    assert summary.rejected == 1


def test_detect_format_prefers_current_schema_when_both_identities_are_present() -> None:
    headers = ["comment_id", "create_time", "note_id", "content", "creator_hash", "user_id", "nickname"]
    assert detect_format(headers).name == "mediacrawler_comments_v2"
    assert detect_format([h.upper() for h in headers]).name == "mediacrawler_comments_v2"  # case-insensitive


def test_unknown_header_error_lists_closest_formats_and_missing_columns() -> None:
    with pytest.raises(UnknownFormatError) as caught:
        detect_format(["comment_id", "note_id", "text", "when"])
    error = caught.value
    assert error.closest[0][0] == "xhs_hashed_comments"  # "text" is its comment column
    assert "create_time" in error.closest[0][1] and "content" not in error.closest[0][1]
    assert any(name.startswith("mediacrawler_comments") for name, _ in error.closest)
    message = str(error)
    assert "comment_id, note_id, text, when" in message and "missing: create_time, content" in message


def test_forced_format_must_fit_the_header() -> None:
    with pytest.raises(ValueError, match="required by redlens_campaign"):
        read(FIXTURES / "redlens_note_metrics.csv", fmt="redlens_campaign")


def test_csv_in_gb18030_with_semicolons_is_read(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    text = "kol_id;date;followers\r\nk1;2024-04-01;1.2万\r\nk1;2024-04-02;12100\r\n"
    path.write_bytes(text.encode("gb18030"))
    summary, items = read(path)
    assert summary.format == "redlens_follower_snapshots" and summary.warnings == []
    assert [item.record["followers"] for item in items] == [12000, 12100]


def test_csv_row_with_extra_cells_is_rejected_not_misaligned(tmp_path: Path) -> None:
    path = tmp_path / "extra.csv"
    path.write_text("kol_id,date,followers\nk1,2024-04-01,100,oops\nk1,2024-04-02,200\n", encoding="utf-8")
    summary, items = read(path)
    assert summary.rejected == 1 and summary.errors[0].line == 2 and "3 columns" in summary.errors[0].reason
    assert len(items) == 1


def test_truncated_json_array_keeps_the_objects_before_the_break(tmp_path: Path) -> None:
    path = write_text(
        tmp_path / "cut.json",
        '[\n  {"kol_id": "k", "date": "2024-04-01", "followers": 1},\n  {"kol_id": "k", "date": "2024-04-0',
    )
    summary, items = read(path)
    assert len(items) == 1 and summary.rejected == 1 and summary.errors[0].line == 3


def _examples() -> list[tuple[str, str]]:
    text = FORMATS_MD.read_text(encoding="utf-8")
    return re.findall(r"```(csv|json)\n(.*?)```", text, flags=re.DOTALL)


def test_formats_md_documents_every_format_with_a_loadable_example(tmp_path: Path) -> None:
    seen = set()
    for index, (language, body) in enumerate(_examples()):
        path = tmp_path / f"example{index}.{language}"
        path.write_text(body, encoding="utf-8")
        summary, items = read(path)
        assert summary.rejected == 0, (body, summary.errors)
        assert items, body
        seen.add(summary.format)
    assert seen == {spec.name for spec in FORMATS}


@pytest.mark.parametrize(
    ("relative", "fmt", "rows"),
    [
        ("xhs_creator_backend_note_metrics/notes_metrics.csv", "creator_centre_notes", 86),
        ("xhs_aigc_posts/posts.csv", "mediacrawler_notes", 1582),
        ("xhs_silver_kol_vlogs_trumpmax/comments.csv", "xhs_hashed_comments", 80716),
        ("xhs_silver_kol_vlogs_trumpmax/notes.csv", "mediacrawler_notes", 109),
        ("xhs_indonesia_travel_tours_digred/comments.csv", "xhs_hashed_comments", 1696),
        ("xhs_coupon_deal_notes_noxue/comments.csv", "xhs_hashed_comments", 311),
    ],
)
def test_real_exports_from_the_shared_corpora_read_without_rejections(
    relative: str, fmt: str, rows: int
) -> None:
    path = CORPORA / relative
    if not path.exists():
        pytest.skip(f"{path} not available")
    summary, items = read(path)
    assert (summary.format, summary.rows, summary.rejected) == (fmt, rows, 0)
    assert len(items) + summary.duplicates == rows


def test_empty_file_fails_and_header_only_file_warns(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="no rows"):
        read(empty)
    header_only = tmp_path / "header.csv"
    header_only.write_text("kol_id,date,followers\n", encoding="utf-8")
    summary, items = read(header_only)
    assert items == [] and summary.rows == 0 and "no data rows" in summary.warnings[0]


def test_a_file_without_a_text_column_says_so_and_lists_its_columns() -> None:
    with pytest.raises(UnknownFormatError, match=r"^no text or content column; found: user, likes, when\."):
        detect_format(["user", "likes", "when"])


def test_a_near_miss_of_another_format_is_not_called_textless() -> None:
    with pytest.raises(UnknownFormatError, match=r"^unrecognised columns: kol_id, followers\."):
        detect_format(["kol_id", "followers"])
