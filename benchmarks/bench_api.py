"""API latency under load: ``POST /v1/comments/analyze`` (batches of 50) at ~40 requests/s.

Run: ``python -m benchmarks.bench_api [--rate 40] [--seconds 30] [--batch 50] [--workers 2]``
(``make bench-api``).

What it does:

1. a fresh SQLite database in a temporary folder, migrated, with one workspace and API key;
2. ``redlens serve --workers 2`` on 127.0.0.1 with the committed models (``models/registry.json``)
   and the per-key rate limit raised out of the way;
3. an open-loop load: requests are *started* on a fixed schedule (``rate`` per second, each in its
   own task, whatever the previous ones are doing), so a slow server cannot slow the load down
   and hide its own latency; latency is measured from the scheduled start to the full response;
4. the same schedule against ``GET /healthz`` first: the baseline of the server, the loopback and
   this load generator on the same machine, next to which the analyze figures are read.

Comment texts are drawn (seeded) from the project's own corpus, ``corpora/xhs_comments/written.csv``.
Prints p50 / p90 / p99 / max latency in milliseconds, achieved requests/s and errors per phase.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpora" / "xhs_comments" / "written.csv"


@dataclass
class Phase:
    name: str
    latencies_ms: list[float]
    errors: int
    statuses: dict[int, int]
    seconds: float
    lag_ms_max: float

    def quantile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
        return ordered[index]

    def row(self) -> str:
        done = len(self.latencies_ms)
        return (
            f"{self.name:<28} {done:>6} {done / self.seconds:>8.1f} {self.quantile(0.5):>8.1f} "
            f"{self.quantile(0.9):>8.1f} {self.quantile(0.99):>8.1f} {max(self.latencies_ms, default=float('nan')):>8.1f} "
            f"{self.errors:>6}"
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def read_texts() -> list[str]:
    with CORPUS.open(encoding="utf-8", newline="") as fh:
        texts = [row["text"].strip() for row in csv.DictReader(fh) if row.get("text", "").strip()]
    return [t[:2000] for t in texts]


def prepare_database(folder: Path) -> tuple[str, str]:
    """A migrated SQLite file with one workspace and an API key; returns (url, key)."""
    from service.store.engine import make_engine, make_session_factory, upgrade
    from service.store.repositories import create_api_key, create_workspace

    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session, session.begin():
        ws = create_workspace(session, "bench")
        _, secret = create_api_key(session, ws.id, "read")
    engine.dispose()
    return url, secret


def start_server(url: str, data_dir: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "REDLENS_DATABASE_URL": url,
        "REDLENS_DATA_DIR": str(data_dir),
        "REDLENS_RATE_LIMIT_PER_MINUTE": "1000000",
        "REDLENS_ENVIRONMENT": "production",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    command = [
        sys.executable,
        "-m",
        "service.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def wait_ready(base: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    ready = 0
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                ready += 1
                if ready >= 10:  # both workers answer ready (requests spread over them)
                    return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server at {base} not ready after {timeout:.0f} s")


async def run_phase(
    name: str,
    base: str,
    rate: float,
    seconds: float,
    make_request: Callable[[httpx.AsyncClient], Awaitable[httpx.Response]],
) -> Phase:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    lag_max = 0.0
    total = int(rate * seconds)
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base, timeout=30.0, limits=limits) as client:
        start = time.perf_counter()

        async def one(at: float) -> None:
            nonlocal errors, lag_max
            delay = at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            lag_max = max(lag_max, (time.perf_counter() - at) * 1000)
            try:
                response = await make_request(client)
            except httpx.HTTPError:
                errors += 1
                return
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code != 200:
                errors += 1
                return
            latencies.append((time.perf_counter() - at) * 1000)

        await asyncio.gather(*(one(start + i / rate) for i in range(total)))
        elapsed = time.perf_counter() - start
    return Phase(name, latencies, errors, statuses, elapsed, lag_max)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=40.0, help="requests started per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each measured phase")
    parser.add_argument("--batch", type=int, default=50, help="comments per analyze request")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--also-rate", type=float, action="append", default=[], help="extra analyze rates to try"
    )
    args = parser.parse_args()

    texts = read_texts()
    rng = random.Random(20261125)
    bodies = [
        {"comments": [{"id": str(i), "text": t} for i, t in enumerate(rng.sample(texts, args.batch))]}
        for _ in range(200)
    ]
    folder = Path(tempfile.mkdtemp(prefix="redlens-bench-api-"))
    server: subprocess.Popen[bytes] | None = None
    try:
        url, key = prepare_database(folder)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(url, folder / "var", port, args.workers)
        wait_ready(base)
        headers = {"Authorization": f"Bearer {key}"}
        counter = iter(range(10**9))

        async def healthz(client: httpx.AsyncClient) -> httpx.Response:
            return await client.get("/healthz")

        async def analyze(client: httpx.AsyncClient) -> httpx.Response:
            return await client.post(
                "/v1/comments/analyze", json=bodies[next(counter) % len(bodies)], headers=headers
            )

        async def run() -> list[Phase]:
            await run_phase("warm-up (analyze)", base, 10, 5, analyze)
            phases = [
                await run_phase(f"GET /healthz @ {args.rate:g}/s", base, args.rate, args.seconds, healthz),
                await run_phase(
                    f"analyze x{args.batch} @ {args.rate:g}/s", base, args.rate, args.seconds, analyze
                ),
            ]
            for rate in args.also_rate:
                phases.append(
                    await run_phase(f"analyze x{args.batch} @ {rate:g}/s", base, rate, args.seconds, analyze)
                )
            return phases

        load_before = os.getloadavg()[0]
        phases = asyncio.run(run())
        load_after = os.getloadavg()[0]
        cpus = os.cpu_count()
        print(
            f"\nRedLens API on 127.0.0.1, {args.workers} uvicorn workers, {cpus} CPUs (load generator on the same machine)"
        )
        print(
            f"1-minute load average {load_before:.2f} before the phases, {load_after:.2f} after "
            "(other work on the machine inflates the tail; read the figures next to the /healthz baseline)"
        )
        print(f"open-loop schedule, {args.seconds:g} s per phase; latency = scheduled start -> full response")
        print(
            f"{'phase':<28} {'ok':>6} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>6}"
        )
        for phase in phases:
            print(phase.row())
        for phase in phases:
            if phase.errors:
                print(f"  {phase.name}: statuses {phase.statuses}")
        analyze_phase = phases[1]
        comments_per_s = len(analyze_phase.latencies_ms) * args.batch / analyze_phase.seconds
        print(
            f"analyze throughput: {comments_per_s:,.0f} comments/s; target p99 < 150 ms at 40 req/s: "
            f"{'met' if analyze_phase.quantile(0.99) < 150 and not analyze_phase.errors else 'NOT met'}"
        )
        print(
            f"p50 over baseline: +{statistics.median(analyze_phase.latencies_ms) - statistics.median(phases[0].latencies_ms):.1f} ms"
        )
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGINT)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
