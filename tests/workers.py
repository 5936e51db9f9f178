"""``maturity worker`` processes for tests on PostgreSQL, with settings that find a dead worker
within seconds rather than a minute."""

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Workers:
    """``maturity worker`` processes on the test's PostgreSQL database (none on SQLite, where the
    app's local runner builds the reports)."""

    url: str
    storage: Path
    env: dict[str, str] = field(default_factory=dict)  # more MATURITY_* settings
    quick: bool = True  # QUICK_QUEUE's intervals; False: the product's own (benchmarks)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, count: int = 1) -> list[subprocess.Popen[bytes]]:
        env = {
            **os.environ,
            "MATURITY_DATABASE_URL": self.url,
            "MATURITY_REPORT_STORAGE": str(self.storage),
            "MATURITY_MODE": "development",
            **{f"MATURITY_{key.upper()}": str(value) for key, value in (QUICK_QUEUE if self.quick else {}).items()},
            **self.env,
        }
        started = [
            subprocess.Popen([sys.executable, "-m", "maturity", "worker"], env=env)  # our own command
            for _ in range(count)
        ]
        self.processes += started
        return started

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


# Dead workers are found within seconds rather than a minute.
QUICK_QUEUE = {
    "worker_heartbeat_seconds": 1,
    "stalled_after_seconds": 4,
    "stalled_check_seconds": 1,
    "schedule_check_seconds": 1,
}
