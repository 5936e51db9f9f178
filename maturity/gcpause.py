"""Cyclic garbage collection paused around bulk work.

Scoring every unit makes tens of thousands of small objects (roll-ups, scores, figures) and no
reference cycles; each allocation burst triggers the cyclic collector, whose passes over
everything alive took about a tenth of ``indicators.scores.score_period``; WeasyPrint's boxes
for one report PDF (``reports.pdf.render_pdf``) cost a fifth of the render. Reference counting
still frees whatever is dropped inside; only the search for cycles waits.
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0  # threads inside ``gc_paused`` now
_was_enabled = False  # the collector's state when the first of them came in


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic collection inside; it resumes when the last concurrent holder leaves (and only
    if it was on when the first came in), so threads that overlap never switch it on early."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
