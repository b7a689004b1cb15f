"""A loopback TCP proxy that can turn into a black hole: the "silent partition" of
bench/failover.py and of the failover tests (a node whose packets stop arriving,
its sockets never closed), and the "REST hanging" case (only the REST port's proxy
black-holed). A test tool beside the emulator; uses plain threads (no gevent).

``BlackHoleProxy(("127.0.0.1", 5222))`` listens on a free loopback port and forwards
each connection to the upstream address, both ways, from one thread (selectors).
``black_hole()`` stops forwarding in both directions and leaves every socket open
(what was sent waits in kernel buffers, as when a link silently drops packets); new
connections are accepted and never forwarded. ``heal()`` forwards again. When the
upstream closes a connection, the proxy closes its client side too, so a node that
really stops is seen through the proxy as it is seen directly.
"""
from __future__ import annotations

import selectors
import socket
import threading
from typing import Optional


class BlackHoleProxy:
    def __init__(self, upstream: tuple[str, int], host: str = "127.0.0.1"):
        self.upstream = upstream
        self.listener = socket.create_server((host, 0))
        self.listener.setblocking(False)
        self.address = self.listener.getsockname()[:2]
        self.port = self.address[1]
        self._sel = selectors.DefaultSelector()
        self._sel.register(self.listener, selectors.EVENT_READ, None)
        self._peer: dict[socket.socket, socket.socket] = {}
        self._held: list[socket.socket] = []      # accepted while black-holed
        self._lock = threading.Lock()
        self._holed = False
        self._stop = False
        self._thread = threading.Thread(target=self._run, name=f"blackhole-{self.port}", daemon=True)
        self._thread.start()

    # -- control (any thread) -------------------------------------------------------
    def black_hole(self) -> None:
        with self._lock:
            self._holed = True

    def heal(self) -> None:
        with self._lock:
            self._holed = False

    def close(self) -> None:
        self._stop = True
        self._thread.join(5)
        for s in list(self._peer) + self._held + [self.listener]:
            try:
                s.close()
            except OSError:
                pass
        self._sel.close()

    # -- the loop ---------------------------------------------------------------------
    def _run(self) -> None:
        registered = True
        while not self._stop:
            with self._lock:
                holed = self._holed
            if holed and registered:       # stop reading every pair: nothing moves
                for s in list(self._peer):
                    self._unregister(s)
                registered = False
            elif not holed and not registered:
                for s in list(self._peer):
                    self._sel.register(s, selectors.EVENT_READ, None)
                for s in self._held:       # connections accepted during the hole: forward now
                    self._connect(s)
                self._held.clear()
                registered = True
            for key, _ in self._sel.select(0.05):
                sock = key.fileobj
                if sock is self.listener:
                    self._accept(holed)
                elif not holed:
                    self._pump(sock)

    def _accept(self, holed: bool) -> None:
        try:
            client, _ = self.listener.accept()
        except BlockingIOError:
            return
        if holed:
            self._held.append(client)
        else:
            self._connect(client)

    def _connect(self, client: socket.socket) -> None:
        try:
            up = socket.create_connection(self.upstream, timeout=2)
        except OSError:
            client.close()   # the node refuses: so does the proxy
            return
        for s in (client, up):
            s.setblocking(True)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._peer[client], self._peer[up] = up, client
        self._sel.register(client, selectors.EVENT_READ, None)
        self._sel.register(up, selectors.EVENT_READ, None)

    def _pump(self, sock: socket.socket) -> None:
        other = self._peer.get(sock)
        if other is None:
            return
        try:
            data = sock.recv(65536)
        except OSError:
            data = b""
        if data:
            try:
                other.sendall(data)
                return
            except OSError:
                pass
        self._drop(sock)

    def _unregister(self, s: socket.socket) -> None:
        try:
            self._sel.unregister(s)
        except (KeyError, ValueError):
            pass

    def _drop(self, sock: socket.socket) -> None:
        other: Optional[socket.socket] = self._peer.pop(sock, None)
        for s in (sock, other):
            if s is None:
                continue
            self._peer.pop(s, None)
            self._unregister(s)
            try:
                s.close()
            except OSError:
                pass
