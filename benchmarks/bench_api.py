"""API latency under load: ``POST /v1/comments/analyze`` (batches of 50) at ~40 requests/s, then overload.

Run: ``python -m benchmarks.bench_api [--rate 40] [--seconds 30] [--batch 50] [--workers 2]
[--overload-factor 2] [--overload-seconds 20]`` (``make bench-api``).

What it does:

1. a fresh SQLite database in a temporary folder, migrated, with one workspace and API key;
2. ``redlens serve --workers 2`` on 127.0.0.1 with the committed models (``models/registry.json``)
   and the per-key rate limit raised out of the way;
3. an open-loop load: requests are *started* on a fixed schedule (``rate`` per second, each in its
   own task, whatever the previous ones are doing), so a slow server cannot slow the load down
   and hide its own latency; latency is measured from the scheduled start to the full response;
4. the same schedule against ``GET /healthz`` first: the baseline of the server, the loopback and
   this load generator on the same machine, next to which the analyze figures are read;
5. an overload phase: analyze at ``overload-factor`` times the rate (twice the sustainable rate by
   default) while ``GET /healthz`` is probed twice a second. It counts the answers by kind (2xx,
   429, 503, other 5xx, other 4xx, no answer within the client timeout), the /healthz latency
   during the overload and after it, and the recovery time: from the end of the overload schedule
   to the first of three analyze requests in a row answered 200 within a second (given up after
   ``--recovery-limit`` seconds). Everything stays on 127.0.0.1 and every wait is bounded.

Comment texts are drawn (seeded) from the project's own corpus, ``corpora/xhs_comments/written.csv``.
Prints p50 / p90 / p99 / max latency in milliseconds, achieved requests/s and errors per phase.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpora" / "xhs_comments" / "written.csv"
CLIENT_TIMEOUT = 30.0  # seconds a load request waits for its answer before counting as "no answer"
HEALTH_EVERY = 0.5  # seconds between /healthz probes during and after the overload
RECOVERED_WITHIN = 1.0  # a recovery probe counts as served when answered 200 within this many seconds
RECOVERED_IN_A_ROW = 3
RECOVERY_PROBE_EVERY = 0.25
AFTER_SECONDS = 5.0  # /healthz probing goes on this long after recovery
ANSWER_KINDS = ("2xx", "429", "503", "5xx", "4xx", "no answer")
ANALYZE_ROUTE = 'method="POST",route="/v1/comments/analyze"'


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


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def analyze_buckets(client: httpx.AsyncClient) -> dict[str, float]:
    """The server's own latency histogram of analyze requests that reached the route (/metrics,
    summed over workers): cumulative counts by upper bound in seconds."""
    try:
        text = (await client.get("/metrics")).text
    except httpx.HTTPError:
        return {}
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("redlens_http_request_duration_seconds_bucket") and ANALYZE_ROUTE in line:
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            out[bound] = out.get(bound, 0.0) + float(line.rsplit(" ", 1)[1])
    return out


def answer_kind(status: int | None) -> str:
    if status is None:
        return "no answer"
    if 200 <= status < 300:
        return "2xx"
    if status in (429, 503):
        return str(status)
    return "5xx" if status >= 500 else "4xx"


@dataclass
class Overload:
    rate: float
    seconds: float
    answers: Counter[str] = field(default_factory=Counter)
    latencies_ms: dict[str, list[float]] = field(default_factory=dict)
    health_during_ms: list[float] = field(default_factory=list)
    health_after_ms: list[float] = field(default_factory=list)
    health_unanswered: dict[str, int] = field(default_factory=lambda: {"during": 0, "after": 0})
    recovery_s: float | None = None
    recovery_limit_s: float = 0.0
    lag_ms_max: float = 0.0  # how late the load generator started a request (it shares the CPUs)
    server_buckets: dict[str, float] = field(default_factory=dict)  # in-app latency during the phase

    def record(self, status: int | None, latency_ms: float) -> None:
        kind = answer_kind(status)
        self.answers[kind] += 1
        self.latencies_ms.setdefault(kind, []).append(latency_ms)

    def lines(self) -> list[str]:
        total = sum(self.answers.values())
        out = [
            f"overload: analyze @ {self.rate:g}/s for {self.seconds:g} s, {total} requests "
            f"(client timeout {CLIENT_TIMEOUT:g} s; generator lag up to {self.lag_ms_max:.0f} ms)",
            "  answers   " + "  ".join(f"{kind} {self.answers.get(kind, 0)}" for kind in ANSWER_KINDS),
        ]
        for kind in ANSWER_KINDS[:-1]:
            values = self.latencies_ms.get(kind)
            if values:
                out.append(
                    f"  {kind:<4} latency ms  p50 {quantile(values, 0.5):8.1f}  p99 {quantile(values, 0.99):8.1f}"
                    f"  max {max(values):8.1f}"
                )
        for when, values in (("during", self.health_during_ms), ("after", self.health_after_ms)):
            unanswered = self.health_unanswered[when]
            out.append(
                f"  /healthz {when:<6} {len(values) + unanswered:>4} probes  p50 {quantile(values, 0.5):8.1f} ms"
                f"  p99 {quantile(values, 0.99):8.1f} ms  max {max(values, default=float('nan')):8.1f} ms"
                f"  unanswered within {CLIENT_TIMEOUT:g} s: {unanswered}"
            )
        total_in_app = self.server_buckets.get("+Inf", 0.0)
        if total_in_app:
            shares = "  ".join(
                f"<= {bound} s {100 * self.server_buckets.get(bound, 0.0) / total_in_app:.1f}%"
                for bound in ("0.25", "0.5", "1.0", "2.5", "10.0")
            )
            out.append(
                f"  time in the app (server /metrics, requests that reached the route): {int(total_in_app)}  {shares}"
            )
        recovery = (
            f"{self.recovery_s:.2f} s"
            if self.recovery_s is not None
            else f"not recovered within {self.recovery_limit_s:g} s"
        )
        out.append(
            f"  recovery  {recovery} (end of the overload schedule -> first of {RECOVERED_IN_A_ROW} analyze "
            f"requests in a row answered 200 within {RECOVERED_WITHIN:g} s)"
        )
        return out


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


async def run_overload(
    base: str,
    rate: float,
    seconds: float,
    recovery_limit: float,
    make_request: Callable[[httpx.AsyncClient], Awaitable[httpx.Response]],
) -> Overload:
    """Open-loop load at ``rate`` for ``seconds`` with /healthz probes, then the recovery probes."""
    result = Overload(rate, seconds, recovery_limit_s=recovery_limit)
    total = int(rate * seconds)
    load_limits = httpx.Limits(max_connections=4096, max_keepalive_connections=256)
    probe_limits = httpx.Limits(max_connections=256, max_keepalive_connections=8)
    async with (
        httpx.AsyncClient(base_url=base, timeout=CLIENT_TIMEOUT, limits=load_limits) as client,
        httpx.AsyncClient(base_url=base, timeout=CLIENT_TIMEOUT, limits=probe_limits) as prober,
    ):
        start = time.perf_counter()
        end = start + seconds
        stop_health = asyncio.Event()

        async def one(at: float) -> None:
            delay = at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            result.lag_ms_max = max(result.lag_ms_max, (time.perf_counter() - at) * 1000)
            try:
                status: int | None = (await make_request(client)).status_code
            except httpx.HTTPError:
                status = None
            result.record(status, (time.perf_counter() - at) * 1000)

        async def health_probe() -> None:
            at = time.perf_counter()
            when = "during" if at < end else "after"
            try:
                answered = (await prober.get("/healthz")).status_code == 200
            except httpx.HTTPError:
                answered = False
            if not answered:
                result.health_unanswered[when] += 1
                return
            latency = (time.perf_counter() - at) * 1000
            (result.health_during_ms if when == "during" else result.health_after_ms).append(latency)

        async def health_probes() -> None:
            probes: list[asyncio.Task[None]] = []
            while not stop_health.is_set():
                probes.append(asyncio.create_task(health_probe()))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop_health.wait(), HEALTH_EVERY)
            await asyncio.gather(*probes)

        async def recovery() -> float | None:
            await asyncio.sleep(max(0.0, end - time.perf_counter()))
            in_a_row: list[float] = []
            while time.perf_counter() - end < recovery_limit:
                at = time.perf_counter()
                try:
                    response = await asyncio.wait_for(make_request(prober), RECOVERED_WITHIN)
                    served = response.status_code == 200
                except (TimeoutError, httpx.HTTPError):
                    served = False
                in_a_row = [*in_a_row, at] if served else []
                if len(in_a_row) >= RECOVERED_IN_A_ROW:
                    return max(0.0, in_a_row[0] - end)
                await asyncio.sleep(max(0.0, at + RECOVERY_PROBE_EVERY - time.perf_counter()))
            return None

        before = await analyze_buckets(prober)
        health = asyncio.create_task(health_probes())
        load = asyncio.gather(*(one(start + i / rate) for i in range(total)))
        result.recovery_s = await recovery()
        await asyncio.sleep(AFTER_SECONDS)
        stop_health.set()
        await health
        await load
        after = await analyze_buckets(prober)
        result.server_buckets = {bound: count - before.get(bound, 0.0) for bound, count in after.items()}
    return result


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=40.0, help="requests started per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each measured phase")
    parser.add_argument("--batch", type=int, default=50, help="comments per analyze request")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--also-rate", type=float, action="append", default=[], help="extra analyze rates to try"
    )
    parser.add_argument(
        "--overload-factor", type=float, default=2.0, help="overload rate as a multiple of --rate (0: skip)"
    )
    parser.add_argument("--overload-seconds", type=float, default=20.0)
    parser.add_argument(
        "--recovery-limit", type=float, default=120.0, help="seconds to wait for recovery before giving up"
    )
    parser.add_argument(
        "--ready-timeout",
        type=float,
        default=120.0,
        help="seconds the server may take to start (a busy host)",
    )
    return parser.parse_args()


def main() -> None:
    args = _arguments()

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
        wait_ready(base, args.ready_timeout)
        headers = {"Authorization": f"Bearer {key}"}
        counter = iter(range(10**9))

        async def healthz(client: httpx.AsyncClient) -> httpx.Response:
            return await client.get("/healthz")

        async def analyze(client: httpx.AsyncClient) -> httpx.Response:
            return await client.post(
                "/v1/comments/analyze", json=bodies[next(counter) % len(bodies)], headers=headers
            )

        async def run() -> tuple[list[Phase], Overload | None]:
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
            overload = None
            if args.overload_factor > 0:
                overload = await run_overload(
                    base,
                    args.rate * args.overload_factor,
                    args.overload_seconds,
                    args.recovery_limit,
                    analyze,
                )
            return phases, overload

        load_before = os.getloadavg()[0]
        phases, overload = asyncio.run(run())
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
        if analyze_phase.latencies_ms and phases[0].latencies_ms:
            print(
                f"p50 over baseline: +{statistics.median(analyze_phase.latencies_ms) - statistics.median(phases[0].latencies_ms):.1f} ms"
            )
        if overload is not None:
            print()
            print("\n".join(overload.lines()))
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
