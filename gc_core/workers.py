"""Per-key serial execution on gevent: each agent's commands run one after another,
in arrival order, while different agents run in parallel.

A key has a worker greenlet only while it has work, so thousands of idle agents cost
nothing: a worker that has drained its key's queue parks (at most ``idle_workers`` of
them) and is handed the next key that gets work, through a :class:`gevent.hub.Waiter`.
A parked worker woken costs a fraction of a new greenlet started deep in a
transport's reader (one per command when commands come one at a time); beyond the
parked ones, a worker is a raw greenlet (``gevent.spawn_raw``): nothing joins it, and
it catches what its work raises."""
from __future__ import annotations

import collections
import logging
from typing import Callable, Hashable

import gevent
from gevent.hub import Waiter

log = logging.getLogger("gc.workers")


class KeyedWorkers:
    def __init__(self, max_pending: int = 100, idle_workers: int = 16):
        self.max_pending = max_pending
        self.idle_workers = idle_workers
        self._pending: dict[Hashable, collections.deque] = {}
        self._parked: list[Waiter] = []  # parked workers, each waiting for (key, queue)

    def submit(self, key: Hashable, fn: Callable[[], None]) -> bool:
        """Queue ``fn`` behind ``key``'s earlier work; False when ``max_pending`` are
        still waiting after the key's worker had a turn (a transport's reader takes
        several frames in a row before it yields, gc_core.connection.Connection.pace,
        so a full queue first yields once to the hub: work that does not block drains)."""
        queue = self._pending.get(key)
        if queue is not None and len(queue) >= self.max_pending:
            gevent.sleep(0)
            queue = self._pending.get(key)
            if queue is not None and len(queue) >= self.max_pending:
                return False
        if queue is None:
            queue = self._pending[key] = collections.deque()
            if self._parked:  # wakes in the hub's next turn, as a new greenlet would start
                gevent.get_hub().loop.run_callback(self._parked.pop().switch, (key, queue))
            else:
                gevent.spawn_raw(self._work, key, queue)
        queue.append(fn)
        return True

    def _work(self, key: Hashable, queue: collections.deque) -> None:
        """A worker: drain ``key``'s queue, then park until handed another key."""
        while True:
            self._drain(key, queue)
            if len(self._parked) >= self.idle_workers:
                return
            waiter = Waiter()
            self._parked.append(waiter)
            key, queue = waiter.get()

    def _drain(self, key: Hashable, queue: collections.deque) -> None:
        try:
            while queue:
                fn = queue.popleft()
                try:
                    fn()
                except Exception:  # a handler bug must not stop the agent's later commands
                    log.exception("unhandled error in work for %r", key)
        finally:
            # no yield between the emptiness check above and this removal
            if self._pending.get(key) is queue:
                del self._pending[key]
