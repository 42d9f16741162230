"""Page weight and server time of every page on the demo workspace (``make bench-pages``).

Run: ``python -m benchmarks.pages [--repeats 5] [--language en|zh-CN] [--json out.json]``.

A fresh SQLite database in a temporary folder is migrated and seeded with the demo workspace
(``redlens demo``: simulated KOLs, comments from the project's corpus, the committed models); the
real app (:func:`service.main.create_app`) then answers in this process, signed in like a browser.
For each page it prints

* the HTML's size as sent uncompressed and gzip-compressed (``Accept-Encoding: gzip``; the
  stylesheet and script are listed once, they are cached after the first page);
* the server time: the first (cold) answer, then the median of ``--repeats`` more, in milliseconds,
  measured around the in-process request (no network: the app's own work, middleware included).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

HTML = {"accept": "text/html,application/xhtml+xml"}
ORIGIN = "http://testserver"


def _seeded_client(folder: Path) -> tuple[Any, str]:
    from fastapi.testclient import TestClient

    from service.config import Settings
    from service.demo import seed_demo
    from service.main import create_app
    from service.serving import ModelHolder
    from service.store.engine import make_engine, make_session_factory, upgrade

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite:///{folder / 'redlens.db'}",
        data_dir=folder / "var",
        rate_limit_per_minute=100_000,
        cookie_secure=False,  # the in-process client speaks plain http
    )
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        models = ModelHolder.for_settings(settings).load_current()
        key = seed_demo(make_session_factory(engine), settings, models).key
    finally:
        engine.dispose()
    return TestClient(create_app(settings), base_url=ORIGIN), key


def _paths(client: Any, key: str) -> dict[str, str]:
    bearer = {"authorization": f"Bearer {key}"}
    kols = [k["id"] for k in client.get("/v1/kols", headers=bearer).json()["items"]]
    campaign = client.get("/v1/campaigns", headers=bearer).json()["items"][0]["id"]
    return {
        "home": "/",
        "kols": "/kols",
        "vetting": f"/kols/{kols[0]}",
        "compare": "/compare?" + "&".join(f"kol={k}" for k in kols[:4]),
        "campaigns": "/campaigns",
        "campaign": f"/campaigns/{campaign}",
        "labelling": "/labelling",
        "upload": "/upload",
        "jobs": "/jobs",
        "models": "/models",
        "/static/app.css": "/static/app.css",
        "/static/app.js": "/static/app.js",
    }


def _timed(client: Any, path: str, headers: dict[str, str]) -> tuple[float, Any]:
    started = time.perf_counter()
    response = client.get(path, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{path}: HTTP {response.status_code}")
    return elapsed, response


def measure(client: Any, path: str, repeats: int) -> dict[str, Any]:
    """Raw and gzipped bytes, cold and median warm server time of one page."""
    cold, plain = _timed(client, path, {**HTML, "accept-encoding": "identity"})
    warm = [_timed(client, path, {**HTML, "accept-encoding": "gzip"}) for _ in range(repeats)]
    packed = warm[-1][1]
    gzipped = (
        int(packed.headers["content-length"]) if packed.headers.get("content-encoding") == "gzip" else None
    )
    return {
        "path": path,
        "raw_bytes": len(plain.content),
        "gzip_bytes": gzipped,
        "cold_ms": round(cold, 1),
        "median_ms": round(statistics.median(ms for ms, _ in warm), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed requests per page after the first")
    parser.add_argument("--language", default="en", choices=("en", "zh-CN"), help="the pages' language")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="redlens-bench-pages-") as tmp:
        print("seeding the demo workspace in a temporary database...", flush=True)
        client, key = _seeded_client(Path(tmp))
        with client:
            client.cookies.set("redlens_lang", args.language.replace("-", "_"))
            signed = client.post(
                "/login", data={"key": key, "next": "/kols"}, headers={**HTML, "origin": ORIGIN}
            )
            if signed.status_code != 200:
                raise SystemExit(f"sign-in failed: HTTP {signed.status_code}: {signed.text[:300]}")
            rows = {name: measure(client, path, args.repeats) for name, path in _paths(client, key).items()}
    print(
        f"\n{'page':<16} {'raw bytes':>10} {'gzip bytes':>10} {'ratio':>6} {'cold ms':>8} {'median ms':>10}"
    )
    for name, row in rows.items():
        ratio = f"{row['raw_bytes'] / row['gzip_bytes']:.1f}x" if row["gzip_bytes"] else "-"
        gz = row["gzip_bytes"] if row["gzip_bytes"] is not None else "-"
        print(
            f"{name:<16} {row['raw_bytes']:>10,} {gz:>10} {ratio:>6} {row['cold_ms']:>8} {row['median_ms']:>10}"
        )
    print(
        f"\n{args.language} pages; server time in-process, median of {args.repeats} after the first (cold) request"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
