"""A client connection as the core sees it, whatever the transport.

The transport reads frames and hands them to :meth:`Connection.receive`; the core
writes events through :meth:`Connection.send`, which only queues: one writer
greenlet per connection does the socket writes, so a slow client never delays the
greenlet that produced an event. The queue is bounded (``max_queue``); a client that
lets it fill is too slow to keep up and is disconnected (its agents stay bound to
their destination, whose backlog keeps events until a connection returns).

Two things keep a client that reads from ever meeting that rule: the transport's
reader stops reading while the queue is above half full (:meth:`wait_writable`, flow
control for a client that pipelines requests), and a resumed backlog is fed in as the
queue drains (:meth:`replay`), with live events queued behind it in order.

The per-frame cost is kept off the common path: the reader calls :meth:`pace` after
each frame, which yields to the hub only every :data:`YIELD_EVERY` frames read in a
row (fairness at a bounded interval; a read that would block yields anyway), so the
frames a client pipelined are decoded back to back and an agent's worker then runs
them in one go; the writer takes every event already queued and hands them to the
transport's ``write_many`` (when it has one) as one socket write.

What the connection may see is its own: ``owned`` (destinations it holds: created, or
resumed with their token) and ``proven`` (per destination, the agents whose
credentials it proved with Connect); see :class:`gc_core.sessions.Sessions`.
"""
from __future__ import annotations

import collections
import itertools
import logging
import time
from typing import TYPE_CHECKING, Callable, Optional

import gevent
import gevent.event
import gevent.queue

if TYPE_CHECKING:  # pragma: no cover
    from .app import Connector

log = logging.getLogger("gc.connection")
_ids = itertools.count(1)
_CLOSE = object()
# Frames a reader may take in a row before it yields to the hub (Connection.pace): the
# bound on how long one client's pipelined frames keep every other greenlet waiting.
YIELD_EVERY = 32
# Events the writer hands to ``write_many`` at most at once (one socket write).
WRITE_BATCH = 128


class Connection:
    def __init__(self, connector: "Connector", transport: str, peer: str,
                 write: Callable[[str], None], close: Callable[[], None], max_queue: int = 1000,
                 write_many: Optional[Callable[[list[str]], None]] = None):
        """``write(text)`` sends one event; ``write_many(texts)``, if the transport has
        it, sends several in one socket write and must encode them all before writing
        any (a UnicodeEncodeError then means nothing was sent: they go one by one)."""
        self.id = next(_ids)
        self.connector = connector
        self.transport = transport
        self.peer = peer
        self.destinations: set[str] = set()
        self.owned: set[str] = set()
        self.proven: dict[str, set[str]] = {}
        self.told_token: set[str] = set()
        self.connecting: collections.Counter = collections.Counter()  # agent id -> Connects running
        self.pending = 0  # this connection's commands queued or running
        self._idle = gevent.event.Event()
        self._idle.set()
        self.closed = False
        # Why it ended (gc_connection_closed): peer, slow_client, write_failed, server, timeout.
        self.close_reason = ""
        self.authenticated = True  # set by the connector: False until a client credential is shown
        self.last_seen = time.monotonic()
        self._write = write
        self._write_many = write_many
        self._close = close
        self._unyielded = 0  # frames read since the reader last yielded (pace)
        self._queue: gevent.queue.Queue = gevent.queue.Queue(maxsize=max_queue)
        self._high = max(1, max_queue // 2)
        self._drained = gevent.event.Event()
        self._replay: collections.deque = collections.deque()
        self._replay_limit = 0
        self._replayer = None
        self._writer = gevent.spawn(self._write_loop)

    # -- rights ------------------------------------------------------------------
    def entitled(self, destination: str, agent_id: str) -> bool:
        """May this connection see and command ``agent_id`` on ``destination``?"""
        return destination in self.owned or agent_id in self.proven.get(destination, ())

    def holds(self, destination: str) -> bool:
        """Does this connection hold any right on ``destination`` (so that an event it
        receives there need not wait in the backlog)?"""
        return destination in self.owned or bool(self.proven.get(destination))

    def __repr__(self) -> str:
        return f"<Connection {self.id} {self.transport} {self.peer}>"

    def touch(self) -> None:
        """The client was heard from (a frame, a WebSocket pong): see gc_core.liveness."""
        self.last_seen = time.monotonic()

    def receive(self, text: str) -> None:
        """One frame from the client."""
        if not self.closed:
            self.last_seen = time.monotonic()
            self.connector.handle_frame(self, text)

    def send(self, text: str) -> bool:
        if self.closed:
            return False
        if self._replay:  # behind the backlog being replayed, in order
            self._replay.append(text)
            if len(self._replay) > self._replay_limit:
                log.warning("%r: %d events waiting behind a replay, client too slow: disconnecting it",
                            self, len(self._replay))
                self.close("slow_client")
                return False
            return True
        try:
            self._queue.put_nowait(text)
        except gevent.queue.Full:
            log.warning("%r: %d events waiting, client too slow: disconnecting it", self, self._queue.maxsize)
            self.close("slow_client")
            return False
        return True

    def replay(self, texts: list[str]) -> None:
        """Queue ``texts`` (a resumed backlog) as the client reads them, never more than
        half the queue at once; events sent meanwhile follow them in order."""
        if not texts or self.closed:
            return
        self._replay.extend(texts)
        self._replay_limit = len(self._replay) + self._queue.maxsize
        if self._replayer is None:
            self._replayer = gevent.spawn(self._replay_loop)

    def _replay_loop(self) -> None:
        try:
            while self._replay and not self.closed:
                self.wait_writable()
                while self._replay and self._queue.qsize() < self._high:
                    self._queue.put_nowait(self._replay.popleft())
        finally:
            self._replayer = None

    def busy(self) -> bool:
        """Is the output queue above half full (the client is behind)?"""
        return self._queue.qsize() >= self._high or bool(self._replay)

    def pace(self) -> None:
        """The transport's reader calls this after each frame it read (a command, an
        unreadable frame, a blank line): flow control (:meth:`wait_writable`), then
        fairness: every :data:`YIELD_EVERY` frames it yields to the hub, so one client's
        pipelined frames can keep the others' greenlets (and its own agents' workers and
        writer) waiting for at most that many frames' decoding."""
        self.wait_writable()
        self._unyielded += 1
        if self._unyielded >= YIELD_EVERY:
            self._unyielded = 0
            gevent.sleep(0)

    def wait_writable(self) -> None:
        """Block while the output queue is above half full (flow control: the reader
        calls this after each frame, so a client that pipelines requests is read only
        as fast as it reads the answers)."""
        while not self.closed and self._queue.qsize() >= self._high:
            self._drained.clear()
            self._drained.wait(1.0)

    def _write_loop(self) -> None:
        """Send what is queued: every event already waiting goes out in one
        ``write_many`` (at most :data:`WRITE_BATCH`), in queue order."""
        queue = self._queue
        while True:
            batch = [queue.get()]
            while len(batch) < WRITE_BATCH and queue.qsize():
                batch.append(queue.get_nowait())
            if queue.qsize() < self._high:
                self._drained.set()
            closing = _CLOSE in batch
            if closing:
                batch = batch[:batch.index(_CLOSE)]
            try:
                self._send(batch)
            except Exception as exc:  # peer gone: the reader will notice too
                log.info("%r: write failed (%s): closing", self, exc)
                self.close("write_failed")
                return
            if closing:
                return

    def _send(self, texts: list[str]) -> None:
        if not texts:
            return
        if self._write_many is not None and len(texts) > 1:
            try:
                self._write_many(texts)
                return
            except UnicodeEncodeError:  # nothing written: one by one, the bad one escaped
                pass
        for text in texts:
            try:
                self._write(text)
            except UnicodeEncodeError:  # a lone surrogate from a backend: send it escaped
                log.warning("%r: an event with a lone surrogate, sent escaped", self)
                self._write(text.encode("utf-8", "backslashreplace").decode("utf-8"))

    def close(self, reason: str = "peer") -> None:
        """End the connection (the transport calls this when the client went away)."""
        if self.closed:
            return
        self.closed = True
        self.close_reason = reason
        self.connector.connection_closed(self)
        try:
            self._close()
        except Exception:  # pragma: no cover - closing a dead socket
            pass
        self._replay.clear()
        self._drained.set()
        if gevent.getcurrent() is not self._writer:
            self._writer.kill(block=False)

    def work_started(self) -> None:
        self.pending += 1
        self._idle.clear()

    def work_done(self) -> None:
        self.pending -= 1
        if self.pending <= 0:
            self.pending = 0
            self._idle.set()

    def finish(self, timeout: float = 10.0) -> None:
        """The client half-closed (it will send nothing more): answer what it sent, then
        close (``printf 'Hello#x\\n' | nc -N host port`` gets its answer)."""
        if self.closed:
            return
        self._idle.wait(timeout)
        while self._replay and not self.closed:
            self.wait_writable()
            gevent.sleep(0.01)
        self.flush_and_close(timeout, reason="peer")

    def flush_and_close(self, timeout: float = 2.0, reason: str = "server") -> None:
        """Let queued events go out, then close (graceful shutdown; a half-close)."""
        if self.closed:
            return
        try:
            self._queue.put(_CLOSE, timeout=timeout)
            self._writer.join(timeout)
        except gevent.queue.Full:
            pass
        self.close(reason)
