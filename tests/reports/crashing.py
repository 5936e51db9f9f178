"""A job function for the batch tests whose worker dies for one unit, after the PDF is written to
its temporary file and before the rename: the worst moment for a crash. Importable by the
spawned worker processes, which is why it is a module of its own."""

import os
from typing import Any

from reports import storage
from reports.batch import Job, run_job
from reports.services import BuildOutcome

CRASH_UNIT = "DEP-A2"


def crash_on_one_unit(job: Job, period: str, generated_by: str, batch_id: int | None) -> BuildOutcome:
    if job.unit_code == CRASH_UNIT:

        def die(*_args: Any, **_kwargs: Any) -> None:
            os._exit(70)  # like a SIGKILL: no cleanup, no exception handlers

        storage.os.replace = die  # type: ignore[assignment]  # this worker is about to die anyway
    return run_job(job, period, generated_by, batch_id)
