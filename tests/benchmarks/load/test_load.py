"""Load: 200 and 500 respondents autosaving at once against several app processes on
PostgreSQL; throughput and latency, then the database holds exactly what the clients were told
was saved. Run with ``make load`` (figures on stdout)."""

import os
import statistics
from collections.abc import Callable

import pytest

from tests.benchmarks.load.conftest import REPEAT, SECONDS, USERS, WORKERS, DataSet
from tests.benchmarks.load.harness import CUT_OFF, AppServer, Figures, run_locust
from tests.benchmarks.load.ledger import compare

pytestmark = pytest.mark.skipif(os.environ.get("MATURITY_LOAD") != "1", reason="load tests run with `make load`")

PORT = 8180


@pytest.fixture(scope="module")
def server(serve: Callable[[int], AppServer]) -> AppServer:
    return serve(PORT)


@pytest.mark.parametrize("users", USERS)
def test_every_acknowledged_answer_is_stored_exactly_once_under_load(
    users: int, server: AppServer, dataset: DataSet
) -> None:
    runs: list[Figures] = []
    for n in range(1, REPEAT + 1):
        figures, record = run_locust(server.url, dataset.plan(users), users, SECONDS, dataset.workdir)
        tally = compare(dataset.url, record)
        label = f"[load] {WORKERS} workers, run {n}/{REPEAT}"
        print(f"\n{figures.line(label)}\n{tally.line(label)}; cut off at the end {record.statuses[CUT_OFF]}")
        runs.append(figures)

        # Only requests still under way when Locust stopped may lack an answer; what they wrote (if
        # anything) must be theirs, and every acknowledged answer is there with its last value.
        assert set(record.statuses) <= {200, CUT_OFF}, (record.statuses, record.samples)
        assert figures.failures == 0, record.samples
        assert tally.sound, tally  # nothing acknowledged lost or out of date, nothing duplicated or invented
        if CUT_OFF not in record.statuses:
            assert tally.exact, tally
    if REPEAT > 1:
        print(f"[load] {users} users over {REPEAT} runs: {spread(runs)}")


def spread(runs: list[Figures]) -> str:
    def span(values: list[float], unit: str) -> str:
        return f"median {statistics.median(values):.0f}{unit} (min {min(values):.0f}, max {max(values):.0f})"

    return (
        f"req/s {span([r.rps for r in runs], '')}; p50 {span([r.p50 for r in runs], ' ms')}; "
        f"p95 {span([r.p95 for r in runs], ' ms')}; p99 {span([r.p99 for r in runs], ' ms')}"
    )
