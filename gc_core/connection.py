"""A client connection as the core sees it, whatever the transport.

The transport reads frames and hands them to :meth:`Connection.receive`; the core
writes events through :meth:`Connection.send`, which only queues: one writer
greenlet per connection does the socket writes, so a slow client never delays the
greenlet that produced an event. The queue is bounded (``max_queue``); a client that
lets it fill is too slow to keep up and is disconnected (its agents stay bound to
their destination, whose backlog keeps events until a connection returns).
"""
from __future__ import annotations

import itertools
import logging
from typing import TYPE_CHECKING, Callable

import gevent
import gevent.queue

if TYPE_CHECKING:  # pragma: no cover
    from .app import Connector

log = logging.getLogger("gc.connection")
_ids = itertools.count(1)
_CLOSE = object()


class Connection:
    def __init__(self, connector: "Connector", transport: str, peer: str,
                 write: Callable[[str], None], close: Callable[[], None], max_queue: int = 1000):
        self.id = next(_ids)
        self.connector = connector
        self.transport = transport
        self.peer = peer
        self.destinations: set[str] = set()
        self.closed = False
        # Why it ended (gc_connection_closed): peer, slow_client, write_failed, server.
        self.close_reason = ""
        self._write = write
        self._close = close
        self._queue: gevent.queue.Queue = gevent.queue.Queue(maxsize=max_queue)
        self._writer = gevent.spawn(self._write_loop)

    def __repr__(self) -> str:
        return f"<Connection {self.id} {self.transport} {self.peer}>"

    def receive(self, text: str) -> None:
        """One frame from the client."""
        if not self.closed:
            self.connector.handle_frame(self, text)

    def send(self, text: str) -> bool:
        if self.closed:
            return False
        try:
            self._queue.put_nowait(text)
        except gevent.queue.Full:
            log.warning("%r: %d events waiting, client too slow: disconnecting it", self, self._queue.maxsize)
            self.close("slow_client")
            return False
        return True

    def _write_loop(self) -> None:
        while True:
            text = self._queue.get()
            if text is _CLOSE:
                return
            try:
                self._write(text)
            except Exception as exc:  # peer gone: the reader will notice too
                log.info("%r: write failed (%s): closing", self, exc)
                self.close("write_failed")
                return

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
        if gevent.getcurrent() is not self._writer:
            self._writer.kill(block=False)

    def flush_and_close(self, timeout: float = 2.0) -> None:
        """Let queued events go out, then close (graceful shutdown)."""
        if self.closed:
            return
        try:
            self._queue.put(_CLOSE, timeout=timeout)
            self._writer.join(timeout)
        except gevent.queue.Full:
            pass
        self.close("server")
