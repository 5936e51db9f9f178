"""Benchmark: the CPU one autosave costs the app's own process, independent of load.

Wall-clock throughput on a shared two-core machine says as much about the neighbours as about
the app; the CPU time of the server process does not. Each app (the real one and the bare
endpoint of ``bare_autosave.py``) is served by uvicorn with **one** worker, so the server is the
process we started, and ``MATURITY_BENCH_CPU_CLIENTS`` respondents (default 20) autosave
``MATURITY_BENCH_CPU_SAVES`` times each (default 50) after a warm-up. The figure is the user +
system CPU time of that process (``/proc``, all its threads) divided by the requests; the
database server's and the load generator's CPU are not in it.

With ``MATURITY_BENCH_PROFILE=<dir>`` the measured phase is also sampled with py-spy (all
threads, idle ones left out) into ``<dir>/<app>.txt`` (collapsed stacks) for a profile.

Run with ``MATURITY_TEST_BACKEND=postgresql .venv/bin/python -m pytest
tests/benchmarks/test_autosave_cpu.py -s -q`` (PostgreSQL at ``MATURITY_TEST_POSTGRES_URL``).
"""

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.benchmarks.test_autosave import Crowd, Setup, start, stop, stored_answers
from tests.benchmarks.test_autosave import setup as bench_database  # noqa: F401  # the fixture, by this name

CLIENTS = int(os.environ.get("MATURITY_BENCH_CPU_CLIENTS", "20"))
SAVES = int(os.environ.get("MATURITY_BENCH_CPU_SAVES", "50"))
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


def measure(name: str, database: Setup) -> tuple[float, int]:
    """CPU seconds of the server process per autosave, and the number of autosaves measured."""
    factory, port = APPS[name]
    server = start(name, factory, database.url, workers=1, port=port)
    try:
        pid = server.process.pid
        tokens = database.tokens[name][:CLIENTS]

        async def main() -> tuple[float, int]:
            crowd = Crowd(server, tokens)
            await crowd.open()
            profiler = _profiler(pid, name)
            before = _cpu_seconds(pid)
            run = await crowd.drive(SAVES, "cpu")
            used = _cpu_seconds(pid) - before
            if profiler is not None:
                profiler.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
                profiler.wait()
            await crowd.close()
            assert stored_answers(database.url, tokens) == crowd.expected(), f"{name}: stored answers differ"
            return used / run.requests, run.requests

        return asyncio.run(main())
    finally:
        stop(server)


class TestAutosaveCpu:
    def test_cpu_per_autosave_in_the_app_process(self, bench_database: Setup) -> None:  # noqa: F811  # the fixture
        figures = {name: measure(name, bench_database) for name in APPS}
        print(f"\n[postgresql] autosave CPU of the server process (uvicorn, 1 worker, {CLIENTS} concurrent clients):")
        for name, (per_request, requests) in figures.items():
            print(f"  {name:>4}: {per_request * 1000:.2f} ms CPU per autosave ({requests} autosaves)")
        print(f"  real/bare CPU per autosave: {figures['real'][0] / figures['bare'][0]:.2f}")
        assert all(requests == CLIENTS * SAVES for _, requests in figures.values())
