"""``gc_paused``: the cyclic collector is off inside, and back as it was once the last holder leaves."""

import gc
import threading

from maturity.gcpause import gc_paused


def test_paused_inside_and_restored_after() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer holder is still inside
    assert gc.isenabled()


def test_an_overlapping_thread_does_not_switch_it_on_early() -> None:
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        with gc_paused():
            entered.set()
            release.wait(5)

    worker = threading.Thread(target=hold)
    with gc_paused():
        worker.start()
        entered.wait(5)
    assert not gc.isenabled()  # the worker still holds it
    release.set()
    worker.join(5)
    assert gc.isenabled()


def test_left_off_when_it_was_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_restored_after_an_error() -> None:
    try:
        with gc_paused():
            raise RuntimeError("inside")
    except RuntimeError:
        pass
    assert gc.isenabled()
