"""Bounded garbage-collection pauses: freeze the long-lived heap as agents sign in.

CPython's full collections walk every tracked object, and while the heap grows they
come every time it grew by a quarter: 13 of them (8 s of pauses, 2 s the longest)
stopped the gevent hub and the XMPP thread alike while 2,000 Finesse agents signed in
on 2 cores. Sessions, streams and parsed users live as long as their agents stay, so:

- during a wave of sign-ins (the count of bound agents grew since the last tick,
  every ``wave_interval`` s), the young generations are collected (cheap: only what
  is new) and everything left is moved to the permanent generation with
  ``gc.freeze()`` (no walk at all): the full collections that follow only walk what
  came after;
- once the wave is over (the count held still for ``interval`` s and grew by
  ``min_growth`` since the last full freeze), or at the latest ``max_frozen_age`` s
  after a wave began, one full pass: ``gc.unfreeze()`` (cyclic garbage frozen
  during the wave comes back), a full collection, ``gc.freeze()``. One bounded
  pause per wave, at its end, instead of one per quarter of growth during it.

Objects frozen and freed later are reclaimed by reference counting as usual; only
cyclic garbage among them waits for the next full pass.
"""
from __future__ import annotations

import gc
import logging
import time
from typing import Callable

import gevent

log = logging.getLogger("gc.heap")


class HeapFreezer:
    """Freezes the heap while ``count()`` grows, and does one full pass after each
    wave (see the module docstring). ``interval`` 0 turns it off."""

    def __init__(self, count: Callable[[], int], interval: float = 5.0, min_growth: int = 100,
                 wave_interval: float = 1.0, max_frozen_age: float = 600.0):
        self.count = count
        self.interval = interval
        self.min_growth = min_growth
        self.wave_interval = wave_interval
        self.max_frozen_age = max_frozen_age
        self.frozen_at = 0          # count at the last full pass
        self.freezes = 0            # full passes
        self.young_freezes = 0      # freezes during waves
        self._wave_began = None     # monotonic time of the first freeze since the last full pass
        self._greenlet = None

    def start(self) -> None:
        if self.interval > 0 and self._greenlet is None:
            self._greenlet = gevent.spawn(self._loop)

    def stop(self) -> None:
        if self._greenlet is not None:
            self._greenlet.kill(block=False)

    def _loop(self) -> None:
        last = self.count()
        still_since = time.monotonic()
        while True:
            gevent.sleep(min(self.wave_interval, self.interval))
            now, t = self.count(), time.monotonic()
            self.tick(now, t, last, still_since)
            if now != last:
                last, still_since = now, t

    def tick(self, now: int, t: float, last: int, still_since: float) -> None:
        """One look: ``now`` agents at monotonic time ``t``; ``last`` at the previous
        look, unchanged since ``still_since``."""
        if now > last:
            self.freeze_young(t)
        grown = now - self.frozen_at >= self.min_growth
        over = now == last and t - still_since >= self.interval
        too_old = self._wave_began is not None and t - self._wave_began >= self.max_frozen_age
        if (grown and over) or too_old:
            self.freeze(now)

    def freeze_young(self, t: float) -> None:
        gc.collect(1)
        gc.freeze()
        self.young_freezes += 1
        if self._wave_began is None:
            self._wave_began = t

    def freeze(self, count: int) -> None:
        t0 = time.perf_counter()
        gc.unfreeze()   # what was frozen before and is garbage now gets collected too
        gc.collect()
        gc.freeze()
        self.frozen_at = count
        self.freezes += 1
        self._wave_began = None
        log.info("heap frozen at %d agents (%d objects permanent) in %.0f ms", count, gc.get_freeze_count(),
                 (time.perf_counter() - t0) * 1000)
