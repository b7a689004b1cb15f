"""Per-key serial execution on gevent: each agent's commands run one after another,
in arrival order, while different agents run in parallel. A key's greenlet exists
only while it has work, so thousands of idle agents cost nothing; it is a raw greenlet
(``gevent.spawn_raw``, about half the cost of ``gevent.spawn``): nothing joins it, and
it catches what its work raises."""
from __future__ import annotations

import collections
import logging
from typing import Callable, Hashable

import gevent

log = logging.getLogger("gc.workers")


class KeyedWorkers:
    def __init__(self, max_pending: int = 100):
        self.max_pending = max_pending
        self._pending: dict[Hashable, collections.deque] = {}

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
            gevent.spawn_raw(self._drain, key, queue)  # a bare greenlet: nobody joins or links it
        queue.append(fn)
        return True

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
