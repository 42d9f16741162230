"""Ingestion throughput: a 100,000-comment MediaCrawler JSONL export (plus its 1,000 notes).

Run: ``python -m benchmarks.bench_ingest [--comments N] [--no-pg]``

For each database (a fresh SQLite file; PostgreSQL too when ``REDLENS_TEST_PG_URL`` or the local
default server answers) it prints rows/s of:

* ``ingest (new)``: the first import of the comments file (notes imported just before);
* ``ingest (re-import)``: the same file again (nothing changes: the idempotent path);
* baseline ``naive ORM``: one ``session.add`` + existence query per row, measured on 5,000 rows,
  the "query per row" way a loader is often written first;
* baseline ``json.loads``: only parsing the file's lines, the floor no importer can beat.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, select, text

from service.ingest import ingest_file
from service.store.engine import make_engine, make_session_factory, upgrade
from service.store.repositories import create_workspace
from service.store.tables import Comment, Note

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WORDS = [
    "好看",
    "求链接",
    "已下单",
    "真的假的",
    "滤镜太重",
    "恰饭",
    "广告",
    "色号",
    "价格",
    "怎么用",
    "适合油皮吗",
    "私我",
    "互关",
    "姐妹",
    "绝了",
    "种草",
    "拔草",
    "回购",
    "平替",
    "踩雷",
    "yyds",
    "太美了",
    "[笑哭R]",
    "[赞R]",
    "哈哈哈",
    "蹲",
    "同问",
    "学到了",
]
SAMPLE_NAIVE = 5_000


def _count(rng: random.Random) -> str | int:
    n = int(rng.paretovariate(1.2) * 3)
    if n >= 10_000 and rng.random() < 0.7:
        return f"{n / 10_000:.1f}万"
    return str(n) if rng.random() < 0.8 else n


def generate(folder: Path, n_comments: int, n_notes: int, seed: int = 0) -> tuple[Path, Path]:
    """Write MediaCrawler-shaped ``contents`` and ``comments`` JSONL files (current schema)."""
    rng = random.Random(seed)
    notes_path = folder / "search_contents_bench.jsonl"
    comments_path = folder / "search_comments_bench.jsonl"
    base_ms = 1_714_000_000_000
    with notes_path.open("w", encoding="utf-8") as fh:
        for i in range(n_notes):
            note = {
                "note_id": f"66{i:022x}",
                "type": rng.choice(["normal", "video"]),
                "title": "".join(rng.choices(WORDS, k=4)),
                "desc": " ".join(rng.choices(WORDS, k=30)),
                "video_url": "",
                "time": base_ms + i * 60_000,
                "last_update_time": base_ms + i * 60_000,
                "creator_hash": f"{rng.getrandbits(64):016x}",
                "user_id": "",
                "nickname": "小***薯",
                "liked_count": _count(rng),
                "collected_count": _count(rng),
                "comment_count": str(n_comments // n_notes),
                "share_count": _count(rng),
                "ip_location": "上海",
                "image_list": "https://example.invalid/a.jpg,https://example.invalid/b.jpg",
                "tag_list": "护肤,好物分享",
                "last_modify_ts": base_ms,
                "note_url": f"https://www.xiaohongshu.com/explore/66{i:022x}",
                "source_keyword": "防晒",
            }
            fh.write(json.dumps(note, ensure_ascii=False) + "\n")
    with comments_path.open("w", encoding="utf-8") as fh:
        for i in range(n_comments):
            comment = {
                "comment_id": f"67{i:022x}",
                "create_time": base_ms + i * 1_000,
                "note_id": f"66{i % n_notes:022x}",
                "content": "".join(rng.choices(WORDS, k=rng.randint(1, 8))),
                "creator_hash": f"{rng.getrandbits(64):016x}",
                "nickname": "用***户",
                "sub_comment_count": str(rng.randint(0, 3)),
                "pictures": "",
                "parent_comment_id": "0" if rng.random() < 0.8 else f"67{rng.randrange(max(i, 1)):022x}",
                "last_modify_ts": base_ms,
                "like_count": _count(rng),
            }
            fh.write(json.dumps(comment, ensure_ascii=False) + "\n")
    return notes_path, comments_path


def baseline_json(path: Path) -> tuple[int, float]:
    started = time.perf_counter()
    rows = 0
    with path.open("rb") as fh:
        for line in fh:
            json.loads(line)
            rows += 1
    return rows, time.perf_counter() - started


def baseline_naive(url: str, comments_path: Path, limit: int) -> tuple[int, float]:
    """Row-by-row ORM: look the comment up, add it, flush: the query-per-row loader."""
    factory = make_session_factory(make_engine(url))
    with factory() as session, session.begin():
        workspace = create_workspace(session, f"naive-{uuid.uuid4().hex[:6]}")
        workspace_id = workspace.id
    rows = []
    with comments_path.open("rb") as fh:
        for line in fh:
            rows.append(json.loads(line))
            if len(rows) >= limit:
                break
    started = time.perf_counter()
    with factory() as session, session.begin():
        notes: dict[str, int] = {}
        for row in rows:
            note_id = notes.get(row["note_id"])
            if note_id is None:
                note = session.scalar(
                    select(Note).where(
                        Note.workspace_id == workspace_id, Note.platform_note_id == row["note_id"]
                    )
                )
                if note is None:
                    note = Note(
                        workspace_id=workspace_id, platform_note_id=row["note_id"], is_placeholder=True
                    )
                    session.add(note)
                    session.flush()
                note_id = notes[row["note_id"]] = note.id
            existing = session.scalar(
                select(Comment).where(
                    Comment.workspace_id == workspace_id, Comment.platform_comment_id == row["comment_id"]
                )
            )
            if existing is None:
                session.add(
                    Comment(
                        workspace_id=workspace_id,
                        platform_comment_id=row["comment_id"],
                        note_id=note_id,
                        text=row["content"],
                        commenter_id=row["creator_hash"],
                    )
                )
                session.flush()
    elapsed = time.perf_counter() - started
    factory.kw["bind"].dispose()
    return len(rows), elapsed


def bench_database(
    label: str, url: str, notes_path: Path, comments_path: Path
) -> list[tuple[str, int, float]]:
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session, session.begin():
        workspace_id = create_workspace(session, "bench").id
    results = []
    started = time.perf_counter()
    notes = ingest_file(factory, workspace_id, notes_path)
    results.append((f"{label}: notes ingest (new)", notes.rows, time.perf_counter() - started))
    started = time.perf_counter()
    first = ingest_file(factory, workspace_id, comments_path)
    results.append((f"{label}: comments ingest (new)", first.rows, time.perf_counter() - started))
    assert first.inserted == first.rows, first
    started = time.perf_counter()
    again = ingest_file(factory, workspace_id, comments_path)
    results.append((f"{label}: comments ingest (re-import)", again.rows, time.perf_counter() - started))
    assert again.unchanged == again.rows, again
    engine.dispose()
    n, seconds = baseline_naive(url, comments_path, SAMPLE_NAIVE)
    results.append((f"{label}: baseline naive ORM ({n:,} rows)", n, seconds))
    return results


def _pg_url() -> tuple[str, str] | None:
    base = os.environ.get("REDLENS_TEST_PG_URL", DEFAULT_PG_URL)
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    try:
        engine = create_engine(base, connect_args={"connect_timeout": 3})
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
    except Exception as exc:
        print(f"PostgreSQL not reachable at {base} ({type(exc).__name__}); skipped")
        return None
    return base, schema


def _drop_schema(base: str, schema: str) -> None:
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--notes", type=int, default=1_000)
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="redlens-bench-") as tmp:
        folder = Path(tmp)
        notes_path, comments_path = generate(folder, args.comments, args.notes)
        size_mb = comments_path.stat().st_size / 1e6
        print(f"generated {args.comments:,} comments ({size_mb:.1f} MB) on {args.notes:,} notes\n")
        results = []
        n, seconds = baseline_json(comments_path)
        results.append(("baseline json.loads pass (parse only)", n, seconds))
        results += bench_database("sqlite", f"sqlite:///{folder / 'bench.db'}", notes_path, comments_path)
        if not args.no_pg:
            pg = _pg_url()
            if pg is not None:
                base, schema = pg
                try:
                    url = f"{base}?options=-csearch_path%3D{schema}"
                    results += bench_database("postgresql", url, notes_path, comments_path)
                finally:
                    _drop_schema(base, schema)
        width = max(len(name) for name, _, _ in results)
        print(f"{'measure':<{width}}  {'rows':>9}  {'seconds':>8}  {'rows/s':>10}")
        for name, rows, seconds in results:
            print(f"{name:<{width}}  {rows:>9,}  {seconds:>8.2f}  {rows / seconds:>10,.0f}")


if __name__ == "__main__":
    main()
