"""Rendering PDFs for the web app: one warm worker process per app process.

A report's PDF takes WeasyPrint about a second of pure-Python work; in a web thread it would hold
the interpreter's lock that long and stall every other request of the process, and WeasyPrint
must not render in several threads at once. So the web app hands the report object (its
snapshot, as text) to a ``spawn`` worker that has warmed up once (fonts, chart templates, a first
PDF) and renders one report at a time; requests that arrive together wait their turn. Like a
batch's workers, the worker is replaced after ``RENDERS_PER_WORKER`` reports, which gives back
the memory WeasyPrint keeps.

The PDF goes back to the request as soon as it is written: the worker frees the report's
memory (a full collection, a tenth of a second) in a task of its own that follows, while the
reader is already downloading, and in any case before it renders the next report. What the
warm-up made lives as long as the worker, so collections skip it (``gc.freeze``).
"""

import gc
import logging
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from reports.content import ReportContent, canonical_json, from_snapshot
from reports.pdf import RenderedPdf

log = logging.getLogger("maturity.reports")
RENDERS_PER_WORKER = 100
RENDER_TIMEOUT_SECONDS = 120


_unreleased = False  # in the worker: a report's memory not yet handed back


def _warm() -> None:
    from reports.rendering import warm_up

    warm_up()
    gc.collect()
    gc.freeze()


def _render_snapshot(snapshot: str) -> RenderedPdf:
    """In the worker: the PDF of a snapshot (the last report's memory handed back first, if the
    task that does so went to another worker)."""
    global _unreleased  # the worker process's one flag
    from reports.rendering import render_report_pdf

    _release()
    rendered = render_report_pdf(from_snapshot(snapshot))
    _unreleased = True
    return rendered


def _release() -> None:
    """In the worker: the last report's memory handed back (``batch.release_memory``)."""
    global _unreleased
    from reports.batch import release_memory

    if _unreleased:
        release_memory()
        _unreleased = False


class PdfRenderer:
    """Renders report objects to PDF in a warm worker process (started on first use, or by
    ``start``); callable, so it can be handed to ``services.build_report`` as its ``render``."""

    def __init__(self, renders_per_worker: int = RENDERS_PER_WORKER, *, workers: int = 1) -> None:
        self._workers = max(workers, 1)
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._renders = 0
        self._renders_per_worker = renders_per_worker

    def start(self) -> None:
        """Start and warm the worker now, so the first report does not wait for it."""
        with self._lock:
            self._current_pool()

    def __call__(self, content: ReportContent) -> RenderedPdf:
        snapshot = canonical_json(content)
        with self._lock:
            pool = self._current_pool()
            self._renders += 1
            future = pool.submit(_render_snapshot, snapshot)
        try:
            rendered = future.result(timeout=RENDER_TIMEOUT_SECONDS)
        except BrokenProcessPool:
            with self._lock:
                if self._pool is pool:
                    self._pool = None  # the next report starts a fresh worker
            raise
        with self._lock:
            if self._pool is pool:
                pool.submit(_release)  # after the reply, before the worker's next report
        return rendered

    def _current_pool(self) -> ProcessPoolExecutor:
        """The pool, a fresh one after ``renders_per_worker`` reports (the old one finishes what
        it was given and ends)."""
        if self._pool is not None and self._renders >= self._renders_per_worker * self._workers:
            self._pool.shutdown(wait=False)
            self._pool = None
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self._workers, mp_context=multiprocessing.get_context("spawn"), initializer=_warm
            )
            self._renders = 0
            for _ in range(self._workers):
                self._pool.submit(int)  # starts the workers (and their warm-up) now
        return self._pool

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None
