"""The WebSocket server and its frame reader."""
from __future__ import annotations

import contextlib
import logging
import socket
import struct
from typing import Callable, Optional

import gevent
import gevent.lock
import gevent.pywsgi
from gc_core.http import HttpRoutes
from geventwebsocket.exceptions import ProtocolError, WebSocketError
from geventwebsocket.handler import WebSocketHandler
from geventwebsocket.websocket import Header, WebSocket

from gc_core.transport_security import presented_credential, server_context, warn_if_exposed

log = logging.getLogger("gc.websocket")
# gevent-websocket's handler logs every HTTP request at INFO (and each upgrade at DEBUG)
# on a logger of its own with its own stream handler; GC logs requests at DEBUG on
# gc.http instead (gc_core.http), so the handler keeps only its warnings.
_handler_log = logging.getLogger("gc.websocket.handler")
_handler_log.setLevel(logging.WARNING)
_DISCARD_CHUNK = 65536
_NO_LOCK = contextlib.nullcontext()
YIELD_EVERY_FRAMES = 32  # frames of one message read in a row before the reader yields
MAX_FRAGMENTS = 4096  # frames one message may span (browsers send one; a 1 MB message in 256-byte pieces)


def unmask(payload: bytes, mask: bytes) -> bytes:
    """A client frame's payload unmasked (RFC 6455 5.3: each byte XOR the 4-byte masking
    key, repeated), as one integer XOR rather than a Python loop per byte (what
    gevent-websocket's ``Header.unmask_payload`` does)."""
    n = len(payload)
    if not n:
        return b""
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(key, "little")).to_bytes(n, "little")


def text_frame(payload: bytes) -> bytes:
    """One unfragmented, unmasked text frame (RFC 6455 5.2: FIN + opcode 1, then the
    7-bit, 16-bit or 64-bit payload length), as a server sends it."""
    n = len(payload)
    if n < 126:
        return struct.pack("!BB", 0x81, n) + payload
    if n <= 0xFFFF:
        return struct.pack("!BBH", 0x81, 126, n) + payload
    return struct.pack("!BBQ", 0x81, 127, n) + payload


class FrameTooLarge(Exception):
    def __init__(self, size: int):
        self.size = size


def read_text(ws: WebSocket, limit: int, heard: Callable[[], None] = lambda: None,
              lock: Optional[gevent.lock.Semaphore] = None):
    """Read one message as text; None when the peer closed.

    Unlike ``WebSocket.receive`` this checks each frame's declared length before
    reading its payload: a message over ``limit`` bytes is read off the socket in
    small chunks and discarded (raising :class:`FrameTooLarge` afterwards), so the
    connection stays usable and memory stays bounded. ``heard`` is called for every
    control frame (a pong answers GC's ping: the client is alive). ``lock``: the
    socket's write lock, held while the pong or the close answer is written.

    One client's frames never keep the others waiting: it yields to the hub every
    :data:`YIELD_EVERY_FRAMES` frames of a message and after every discarded chunk,
    and a message in more than :data:`MAX_FRAGMENTS` frames is a protocol error
    (empty continuation frames would otherwise make one endless message that never
    reaches the size limit). A client frame without a mask is a protocol error
    (RFC 6455 section 5.1: the server must close the connection)."""
    size = 0
    parts: list[bytes] = []
    too_large = False
    started = False
    frames = 0
    while True:
        header = Header.decode_header(ws.stream)
        if header.flags:
            raise ProtocolError("reserved bits set")
        if not header.mask:
            raise ProtocolError("a client frame without a mask (RFC 6455 section 5.1)")
        if header.opcode in (WebSocket.OPCODE_PING, WebSocket.OPCODE_PONG, WebSocket.OPCODE_CLOSE):
            heard()
            payload = ws.raw_read(header.length) if header.length else b""
            if header.mask:
                payload = unmask(payload, header.mask)
            if header.opcode == WebSocket.OPCODE_PING:
                # the pong shares the socket with the writer, which may be halfway
                # through a batch (sendall yields on a full buffer): take its lock
                with lock if lock is not None else _NO_LOCK:
                    ws.handle_ping(header, payload)
            elif header.opcode == WebSocket.OPCODE_PONG:
                ws.handle_pong(header, payload)
            else:
                try:
                    with lock if lock is not None else _NO_LOCK:
                        ws.handle_close(header, payload)
                except (UnicodeError, ValueError) as exc:  # a close reason that is not UTF-8
                    raise ProtocolError(f"unreadable close frame: {exc}") from None
                return None
            gevent.sleep(0)  # a flood of pings must not starve other clients
            continue
        if header.opcode in (WebSocket.OPCODE_TEXT, WebSocket.OPCODE_BINARY):
            if started:
                raise ProtocolError("new message inside a fragmented one")
            started = True
        elif header.opcode != WebSocket.OPCODE_CONTINUATION or not started:
            raise ProtocolError(f"unexpected opcode {header.opcode}")
        frames += 1
        if frames > MAX_FRAGMENTS:
            raise ProtocolError(f"a message in more than {MAX_FRAGMENTS} frames")
        if frames % YIELD_EVERY_FRAMES == 0:
            gevent.sleep(0)
        size += header.length
        if too_large or size > limit:
            too_large = True
            remaining = header.length
            while remaining:
                chunk = ws.raw_read(min(remaining, _DISCARD_CHUNK))
                if not chunk:
                    raise WebSocketError("unexpected EOF")
                remaining -= len(chunk)
                gevent.sleep(0)  # discarding a huge frame must not starve other clients
        elif header.length:
            payload = ws.raw_read(header.length)
            if len(payload) != header.length:
                raise WebSocketError("unexpected EOF")
            parts.append(unmask(payload, header.mask) if header.mask else payload)
        if header.fin:
            break
    if too_large:
        raise FrameTooLarge(size)
    return (parts[0] if len(parts) == 1 else b"".join(parts)).decode("utf-8")


class GuardedHandler(WebSocketHandler):
    """Refuses an upgrade from a foreign origin (403) or with a wrong client credential
    (401) before any WebSocket handshake answer is sent."""

    def upgrade_websocket(self):
        transport = self.server.gc_transport
        env = self.environ
        if env.get("HTTP_UPGRADE", "").lower() == "websocket" and env.get("PATH_INFO") == transport.conf["path"]:
            refusal = transport.refusal(env)
            if refusal:
                status, why = refusal
                log.info("WebSocket upgrade from %s refused: %s", env.get("REMOTE_ADDR"), why)
                self.start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
                return [why.encode() + b"\n"]
        return super().upgrade_websocket()


class WebSocketTransport:
    name = "websocket"

    def __init__(self, connector, conf: dict):
        self.connector = connector
        self.conf = conf
        self.tls = server_context(conf)
        kwargs = {"ssl_context": self.tls} if self.tls else {}
        self.server = gevent.pywsgi.WSGIServer((conf["host"], conf["port"]), self.app,
                                               handler_class=GuardedHandler, log=None, error_log=log, **kwargs)
        self.server.logger = _handler_log  # read by WebSocketHandler.logger
        self.server.gc_transport = self
        self.http = HttpRoutes(connector, index=f"WebSocket at {conf['path']}\n")

    @property
    def ready(self) -> bool:
        """Listening (``/readyz``)."""
        return self.server.started

    def refusal(self, environ) -> Optional[tuple[str, str]]:
        """(HTTP status, why) if this upgrade request must be refused, else None.

        Origin: a request without one (not a browser), from the same origin as the
        Host it asked for, or listed in ``allowed_origins`` ("*" = any) is allowed. A
        client credential presented on the upgrade (``Authorization: Bearer`` or
        ``?credential=``) must be valid; one presented on neither may still come with
        Hello (gc_core/transport_security.py)."""
        origin = environ.get("HTTP_ORIGIN")
        allowed = self.conf["allowed_origins"]
        if origin and "*" not in allowed and origin not in allowed:
            host = environ.get("HTTP_HOST", "")
            if origin.split("://", 1)[-1] != host:
                return "403 Forbidden", f"origin {origin[:100]} is not allowed (websocket.allowed_origins)"
        presented = presented_credential(environ)
        if presented is not None:
            if not self.connector.client_credential.valid(presented):
                return "401 Unauthorized", "the client credential is not valid"
            environ["gc.authenticated"] = True
        return None

    @property
    def port(self) -> int:
        return self.server.server_port

    @property
    def address(self) -> str:
        return f"{'wss' if self.tls else 'ws'}://{self.conf['host']}:{self.port}{self.conf['path']}"

    def start(self) -> None:
        warn_if_exposed(self.name, self.conf["host"], bool(self.tls))
        self.server.start()

    def stop(self) -> None:
        self.server.stop(timeout=1)

    # -- WSGI --------------------------------------------------------------------
    def app(self, environ, start_response):
        ws = environ.get("wsgi.websocket")
        path = environ.get("PATH_INFO", "/")
        if ws is not None and path == self.conf["path"]:
            self.serve(ws, environ)
            return []
        if path == self.conf["path"]:
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"this endpoint speaks WebSocket\n"]
        return self.http(environ, start_response)  # /livez /readyz /healthz and plugins' routes

    def serve(self, ws: WebSocket, environ) -> None:
        peer = f"{environ.get('REMOTE_ADDR')}:{environ.get('REMOTE_PORT')}"
        try:  # events are small frames: without this, Nagle + delayed ACKs add ~40 ms each
            ws.handler.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except (AttributeError, OSError):
            pass
        lock = gevent.lock.Semaphore()  # the writer greenlet and the pinger share the socket

        def write(text: str) -> None:
            frame = text_frame(text.encode("utf-8"))
            with lock:
                if ws.closed:
                    raise WebSocketError("the WebSocket is closed")
                ws.raw_write(frame)

        def write_many(texts: list) -> None:  # every frame encoded before any is written
            data = b"".join([text_frame(text.encode("utf-8")) for text in texts])
            with lock:
                if ws.closed:
                    raise WebSocketError("the WebSocket is closed")
                ws.raw_write(data)
        conn = self.connector.open_connection("websocket", peer, write, ws.close, self.conf["max_queue"],
                                              write_many)
        if environ.get("gc.authenticated"):
            conn.authenticated = True
        limit = self.conf["max_frame_bytes"]
        pinger = gevent.spawn(self._ping, ws, conn, lock) if self.conf["ping_interval"] > 0 else None
        try:
            while not conn.closed:
                try:
                    text = read_text(ws, limit, conn.touch, lock)
                except FrameTooLarge as exc:
                    self.connector.frame_too_large(conn, exc.size, limit)
                    conn.pace()
                    continue
                except UnicodeDecodeError:
                    self.connector.frame_not_text(conn)
                    conn.pace()
                    continue
                if text is None:
                    break
                conn.receive(text)
                conn.pace()  # flow control (read no faster than the client reads) and fairness
        except (WebSocketError, ProtocolError, OSError) as exc:
            log.debug("%r: %s", conn, exc)
        except (TypeError, AttributeError) as exc:
            if not conn.closed:  # geventwebsocket tears its object down once GC closed it
                raise
            log.debug("%r: closed by GC (%s)", conn, exc)
        finally:
            if pinger is not None:
                pinger.kill(block=False)
            conn.close()

    def _ping(self, ws: WebSocket, conn, lock) -> None:
        """A ping every ``ping_interval`` seconds: browsers answer with a pong, which
        keeps the connection alive under ``gc.client_timeout`` (gc_core/liveness.py)."""
        while not conn.closed:
            gevent.sleep(self.conf["ping_interval"])
            try:
                with lock:
                    ws.send_frame(b"gc", WebSocket.OPCODE_PING)
            except Exception:  # the reader sees the dead socket too
                return
