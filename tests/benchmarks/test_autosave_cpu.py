"""Benchmark: the CPU one autosave costs the app's own process, independent of load.

Wall-clock throughput on a shared two-core machine says as much about the neighbours as about
the app; the CPU time of the server process does not. Each app (the real one and the bare
endpoint of ``bare_autosave.py``) is served by uvicorn with **one** worker, so the server is the
process we started, and ``MATURITY_BENCH_CPU_CLIENTS`` respondents (default 20) autosave
``MATURITY_BENCH_CPU_SAVES`` times each (default 25) after a warm-up, in
``MATURITY_BENCH_CPU_ROUNDS`` rounds (default 5) alternating the apps. The figure is the user +
system CPU time of that process (``/proc``, all its threads) divided by the requests; the
database server's and the load generator's CPU are not in it. Neighbours on a shared machine
only add to it (caches, scheduling), so the least round is the steadiest figure.

With ``MATURITY_BENCH_PROFILE=<dir>`` the measured phase is also sampled with py-spy (all
threads, idle ones left out) into ``<dir>/<app>.txt`` (collapsed stacks) in the first round.

Run with ``MATURITY_TEST_BACKEND=postgresql .venv/bin/python -m pytest
tests/benchmarks/test_autosave_cpu.py -s -q`` (PostgreSQL at ``MATURITY_TEST_POSTGRES_URL``).
"""

import asyncio
import os
import signal
import statistics
import subprocess
import sys
from pathlib import Path

from tests.benchmarks.test_autosave import Crowd, Setup, start, stop, stored_answers
from tests.benchmarks.test_autosave import setup as bench_database  # noqa: F401  # the fixture, by this name

CLIENTS = int(os.environ.get("MATURITY_BENCH_CPU_CLIENTS", "20"))
SAVES = int(os.environ.get("MATURITY_BENCH_CPU_SAVES", "25"))
ROUNDS = int(os.environ.get("MATURITY_BENCH_CPU_ROUNDS", "5"))
PROFILE = os.environ.get("MATURITY_BENCH_PROFILE")
APPS = {"real": ("maturity.app:app_from_env", 8132), "bare": ("tests.benchmarks.bare_autosave:create_app", 8133)}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and all its threads (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _profiler(pid: int, name: str) -> subprocess.Popen[bytes] | None:
    if not PROFILE:
        return None
    out = Path(PROFILE) / f"{name}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [
        str(Path(sys.executable).with_name("py-spy")),
        "record",
        "--pid",
        str(pid),
        "--format",
        "raw",
        "--rate",
        "250",
        "--gil",
        "--output",
        str(out),
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603


async def measure(crowds: dict[str, Crowd]) -> dict[str, list[float]]:
    """CPU seconds of each server process per autosave, one figure per round (apps alternating)."""
    for crowd in crowds.values():
        await crowd.open()
    figures: dict[str, list[float]] = {name: [] for name in crowds}
    for round_ in range(ROUNDS):
        for name, crowd in crowds.items():
            pid = crowd.server.process.pid
            profiler = _profiler(pid, name) if round_ == 0 else None
            before = _cpu_seconds(pid)
            run = await crowd.drive(SAVES, "cpu")
            figures[name].append((_cpu_seconds(pid) - before) / run.requests)
            assert run.requests == CLIENTS * SAVES
            if profiler is not None:
                profiler.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
                profiler.wait()
    for crowd in crowds.values():
        await crowd.close()
    return figures


class TestAutosaveCpu:
    def test_cpu_per_autosave_in_the_app_process(self, bench_database: Setup) -> None:  # noqa: F811  # the fixture
        servers = {}
        try:
            for name, (factory, port) in APPS.items():
                servers[name] = start(name, factory, bench_database.url, workers=1, port=port)
            tokens = {name: bench_database.tokens[name][:CLIENTS] for name in APPS}
            crowds = {name: Crowd(server, tokens[name]) for name, server in servers.items()}
            figures = asyncio.run(measure(crowds))
        finally:
            for server in servers.values():
                stop(server)
        print(
            f"\n[postgresql] autosave CPU of the server process (uvicorn, 1 worker, {CLIENTS} concurrent clients, "
            f"{ROUNDS} rounds of {CLIENTS * SAVES} autosaves; least and median, ms per autosave):"
        )
        for name, values in figures.items():
            print(f"  {name:>4}: {min(values) * 1000:.2f} ms, median {statistics.median(values) * 1000:.2f} ms")
        print(f"  real/bare, least CPU per autosave: {min(figures['real']) / min(figures['bare']):.2f}")
        for name, crowd in crowds.items():
            assert stored_answers(bench_database.url, tokens[name]) == crowd.expected(), (
                f"{name}: stored answers differ"
            )
