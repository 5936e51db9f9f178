"""The app served by several processes, a Locust run against it, and its figures.

The app runs as in production: ``maturity serve --workers N``, which is uvicorn's own process
supervisor with N worker processes on one socket (see README, "Benchmarks"). Each server is
started in a process group of its own, so a test can SIGKILL exactly the processes it started.
"""

import contextlib
import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
BIN = Path(sys.executable).parent
SECRET_KEY = "load-test-secret-key-of-at-least-thirty-two-characters"
CUT_OFF = -1  # locustfile.py: the status of a request still under way when Locust stopped


@dataclass
class AppServer:
    """``maturity serve --workers N`` on one port, in a process group of its own."""

    database_url: str
    port: int
    workers: int
    pool_size: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 240) -> None:
        env = {
            **os.environ,
            "MATURITY_MODE": "production",
            "MATURITY_DATABASE_URL": self.database_url,
            "MATURITY_SECRET_KEY": SECRET_KEY,
            "MATURITY_SECURE_COOKIES": "false",  # plain http on loopback
            "MATURITY_DB_POOL_SIZE": str(self.pool_size),
            "MATURITY_BASE_URL": self.url,
        }
        command = [str(BIN / "maturity"), "serve", "--port", str(self.port), "--workers", str(self.workers)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603  # our own command, no shell
                command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        """Until every worker is up and the app answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"the app exited with {self.process.returncode}; see {self.log}")
            try:
                if (
                    len(self.worker_pids()) >= self.workers
                    and httpx.get(f"{self.url}/login", timeout=2).status_code == 200
                ):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the app did not come up within {timeout} s; see {self.log}")

    def worker_pids(self) -> set[int]:
        """The worker processes (uvicorn's supervisor's children that serve requests)."""
        if self.process is None or self.process.poll() is not None:
            return set()
        try:
            children = psutil.Process(self.process.pid).children()
        except psutil.NoSuchProcess:
            return set()
        pids = set()
        for child in children:
            try:
                if child.status() != psutil.STATUS_ZOMBIE and "resource_tracker" not in " ".join(child.cmdline()):
                    pids.add(child.pid)
            except psutil.Error:
                continue  # gone meanwhile
        return pids

    def kill(self) -> None:
        """SIGKILL the supervisor and every worker at once: no graceful shutdown of anything."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()


@dataclass
class Figures:
    """Locust's summary of one run, for all requests and for the autosaves alone."""

    users: int
    seconds: float
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float
    autosave_rps: float
    autosave_p50: float
    autosave_p95: float
    autosave_p99: float

    def line(self, label: str) -> str:
        return (
            f"{label}: {self.users} users, {self.seconds:.0f} s: {self.requests} requests, {self.failures} failed; "
            f"{self.rps:.0f} req/s, p50 {self.p50:.0f} ms, p95 {self.p95:.0f} ms, p99 {self.p99:.0f} ms | "
            f"autosave {self.autosave_rps:.0f} req/s, p50 {self.autosave_p50:.0f} ms, "
            f"p95 {self.autosave_p95:.0f} ms, p99 {self.autosave_p99:.0f} ms"
        )


@dataclass
class ClientRecord:
    """What the simulated respondents were told, request by request."""

    requests: list[tuple[str, str, list[str], int, float, float]]
    samples: dict[str, str]
    statuses: Counter[int] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.statuses = Counter(r[3] for r in self.requests)

    @property
    def saves(self) -> list[tuple[str, str, list[str], int, float, float]]:
        """The autosaves alone, without page views."""
        return [r for r in self.requests if r[1]]

    @property
    def tokens(self) -> set[str]:
        return {r[0] for r in self.requests}


class LocustRun:
    """Locust, headless, in a process of its own (it monkey-patches the standard library with
    gevent). Runs for ``seconds``, or until ``stop()`` (SIGTERM: Locust lets the requests in
    flight finish and writes its figures and the client record)."""

    def __init__(self, host: str, plan: Path, users: int, seconds: int, workdir: Path, spawn_rate: int = 100) -> None:
        self.users = users
        self.seconds = seconds
        self.prefix = workdir / f"locust-{users}-{time.monotonic_ns()}"
        self.record_file = self.prefix.with_suffix(".record.json")
        command = [
            str(BIN / "locust"),
            *("-f", str(HERE / "locustfile.py"), "--headless", "--host", host),
            *("--users", str(users), "--spawn-rate", str(spawn_rate), "--run-time", f"{seconds}s"),
            *("--stop-timeout", "100"),  # let every request in flight finish, so the record is complete
            *("--csv", str(self.prefix), "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"),
        ]
        env = {**os.environ, "LOAD_PLAN": str(plan), "LOAD_LOG": str(self.record_file)}
        self.started = time.monotonic()
        with self.prefix.with_suffix(".out").open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603  # our own command line, no shell
                command, env=env, cwd=HERE, stdout=out, stderr=subprocess.STDOUT
            )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def result(self) -> tuple[Figures, ClientRecord]:
        """Wait for the end of the run; its figures and what the clients were told."""
        self.process.wait(timeout=self.seconds + 300)
        elapsed = time.monotonic() - self.started
        data = json.loads(self.record_file.read_text())
        figures = _figures(Path(f"{self.prefix}_stats.csv"), self.users, elapsed)
        return figures, ClientRecord(data["requests"], data["samples"])


def run_locust(host: str, plan: Path, users: int, seconds: int, workdir: Path) -> tuple[Figures, ClientRecord]:
    return LocustRun(host, plan, users, seconds, workdir).result()


def _figures(stats: Path, users: int, seconds: float) -> Figures:
    with stats.open(encoding="utf-8") as file:
        rows = {row["Name"]: row for row in csv.DictReader(file)}
    total = rows["Aggregated"]
    save = rows.get("/s/[token]/answer/[code]", total)

    def number(row: dict[str, Any], key: str) -> float:
        value = row[key]
        return float(value) if value not in ("", "N/A") else float("nan")

    return Figures(
        users=users,
        seconds=seconds,
        requests=int(total["Request Count"]),
        failures=int(total["Failure Count"]),
        rps=number(total, "Requests/s"),
        p50=number(total, "50%"),
        p95=number(total, "95%"),
        p99=number(total, "99%"),
        autosave_rps=number(save, "Requests/s"),
        autosave_p50=number(save, "50%"),
        autosave_p95=number(save, "95%"),
        autosave_p99=number(save, "99%"),
    )
