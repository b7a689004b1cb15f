"""gc_core.heap.HeapFreezer: the heap is frozen while agents sign in (so full
collections during a wave walk only what is new), and one full pass after the wave
(or after ``max_frozen_age``) reclaims the cyclic garbage frozen meanwhile. Driven
tick by tick with the times given, so nothing here depends on the clock."""
from __future__ import annotations

import gc
import weakref

import pytest

from gc_core.heap import HeapFreezer


class Cycle:
    def __init__(self):
        self.me = self


@pytest.fixture(autouse=True)
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.collect()


def test_a_wave_freezes_as_it_grows_and_one_full_pass_after_it_reclaims_frozen_garbage():
    h = HeapFreezer(lambda: 0, interval=5.0, min_growth=100)
    agents = [Cycle() for _ in range(50)]  # long-lived objects of the agents signed in so far
    h.tick(now=50, t=1.0, last=0, still_since=0.0)
    assert h.young_freezes == 1 and h.freezes == 0
    frozen = gc.get_freeze_count()
    assert frozen > 0 and all(gc.is_tracked(a) for a in agents)
    # an object that lived long enough to be old, then became cyclic garbage: the
    # next tick's young collection does not reach it, the freeze takes it along
    garbage = Cycle()
    dead = weakref.ref(garbage)
    gc.collect()  # survives: now in the oldest generation
    del garbage
    agents += [Cycle() for _ in range(100)]
    h.tick(now=150, t=2.0, last=50, still_since=1.0)
    assert h.young_freezes == 2 and gc.get_freeze_count() > frozen
    gc.collect()  # a full collection no longer sees what is frozen
    assert dead() is not None
    # the count holds still, but not yet for an interval: no full pass
    h.tick(now=150, t=6.0, last=150, still_since=2.0)
    assert h.freezes == 0 and dead() is not None
    # still for an interval: one full pass reclaims the frozen garbage, keeps the agents
    h.tick(now=150, t=7.5, last=150, still_since=2.0)
    assert h.freezes == 1 and h.frozen_at == 150
    assert dead() is None
    assert gc.get_freeze_count() > 0 and len(agents) == 150


def test_no_full_pass_for_a_small_wave_until_max_frozen_age():
    h = HeapFreezer(lambda: 0, interval=5.0, min_growth=100, max_frozen_age=600.0)
    garbage = Cycle()
    dead = weakref.ref(garbage)
    gc.collect()  # old
    del garbage
    h.tick(now=10, t=100.0, last=0, still_since=0.0)
    h.tick(now=10, t=200.0, last=10, still_since=100.0)  # still, but only 10 agents grew
    assert (h.young_freezes, h.freezes) == (1, 0) and dead() is not None
    h.tick(now=10, t=700.0, last=10, still_since=100.0)  # frozen garbage waits 600 s at most
    assert h.freezes == 1 and dead() is None


def test_agents_signing_in_without_pause_still_get_a_full_pass():
    h = HeapFreezer(lambda: 0, interval=5.0, min_growth=100, max_frozen_age=600.0)
    for i in range(1, 700):  # one more agent every second, never still for 5 s
        h.tick(now=i, t=float(i), last=i - 1, still_since=float(i - 1))
    assert h.freezes == 1 and h.young_freezes == 699


def test_young_garbage_is_collected_before_a_freeze():
    h = HeapFreezer(lambda: 0, interval=5.0)
    garbage = Cycle()
    dead = weakref.ref(garbage)
    del garbage
    h.tick(now=10, t=1.0, last=0, still_since=0.0)
    assert h.young_freezes == 1 and dead() is None


def test_agents_leaving_freeze_nothing():
    h = HeapFreezer(lambda: 0, interval=5.0)
    h.tick(now=90, t=1.0, last=100, still_since=0.0)
    h.tick(now=90, t=9.0, last=90, still_since=1.0)
    assert (h.young_freezes, h.freezes) == (0, 0) and gc.get_freeze_count() == 0
