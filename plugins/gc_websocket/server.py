"""The WebSocket server and its frame reader."""
from __future__ import annotations

import logging
import socket

import gevent.pywsgi
from gc_core.http import HttpRoutes
from geventwebsocket.exceptions import ProtocolError, WebSocketError
from geventwebsocket.handler import WebSocketHandler
from geventwebsocket.websocket import Header, WebSocket

log = logging.getLogger("gc.websocket")
# gevent-websocket's handler logs every HTTP request at INFO (and each upgrade at DEBUG)
# on a logger of its own with its own stream handler; GC logs requests at DEBUG on
# gc.http instead (gc_core.http), so the handler keeps only its warnings.
_handler_log = logging.getLogger("gc.websocket.handler")
_handler_log.setLevel(logging.WARNING)
_DISCARD_CHUNK = 65536


class FrameTooLarge(Exception):
    def __init__(self, size: int):
        self.size = size


def read_text(ws: WebSocket, limit: int):
    """Read one message as text; None when the peer closed.

    Unlike ``WebSocket.receive`` this checks each frame's declared length before
    reading its payload: a message over ``limit`` bytes is read off the socket in
    small chunks and discarded (raising :class:`FrameTooLarge` afterwards), so the
    connection stays usable and memory stays bounded."""
    size = 0
    parts: list[bytes] = []
    too_large = False
    started = False
    while True:
        header = Header.decode_header(ws.stream)
        if header.flags:
            raise ProtocolError("reserved bits set")
        if header.opcode in (WebSocket.OPCODE_PING, WebSocket.OPCODE_PONG, WebSocket.OPCODE_CLOSE):
            payload = ws.raw_read(header.length) if header.length else b""
            if header.mask:
                payload = header.unmask_payload(payload)
            if header.opcode == WebSocket.OPCODE_PING:
                ws.handle_ping(header, payload)
            elif header.opcode == WebSocket.OPCODE_PONG:
                ws.handle_pong(header, payload)
            else:
                ws.handle_close(header, payload)
                return None
            continue
        if header.opcode in (WebSocket.OPCODE_TEXT, WebSocket.OPCODE_BINARY):
            if started:
                raise ProtocolError("new message inside a fragmented one")
            started = True
        elif header.opcode != WebSocket.OPCODE_CONTINUATION or not started:
            raise ProtocolError(f"unexpected opcode {header.opcode}")
        size += header.length
        if too_large or size > limit:
            too_large = True
            remaining = header.length
            while remaining:
                chunk = ws.raw_read(min(remaining, _DISCARD_CHUNK))
                if not chunk:
                    raise WebSocketError("unexpected EOF")
                remaining -= len(chunk)
        elif header.length:
            payload = ws.raw_read(header.length)
            if len(payload) != header.length:
                raise WebSocketError("unexpected EOF")
            parts.append(header.unmask_payload(payload) if header.mask else payload)
        if header.fin:
            break
    if too_large:
        raise FrameTooLarge(size)
    return b"".join(bytes(p) for p in parts).decode("utf-8")


class WebSocketTransport:
    name = "websocket"

    def __init__(self, connector, conf: dict):
        self.connector = connector
        self.conf = conf
        self.server = gevent.pywsgi.WSGIServer((conf["host"], conf["port"]), self.app,
                                               handler_class=WebSocketHandler, log=None, error_log=log)
        self.server.logger = _handler_log  # read by WebSocketHandler.logger
        self.http = HttpRoutes(connector, index=f"WebSocket at {conf['path']}\n")

    @property
    def ready(self) -> bool:
        """Listening (``/readyz``)."""
        return self.server.started

    @property
    def port(self) -> int:
        return self.server.server_port

    @property
    def address(self) -> str:
        return f"ws://{self.conf['host']}:{self.port}{self.conf['path']}"

    def start(self) -> None:
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
        conn = self.connector.open_connection("websocket", peer, ws.send, ws.close, self.conf["max_queue"])
        limit = self.conf["max_frame_bytes"]
        try:
            while not conn.closed:
                try:
                    text = read_text(ws, limit)
                except FrameTooLarge as exc:
                    self.connector.frame_too_large(conn, exc.size, limit)
                    continue
                except UnicodeDecodeError:
                    self.connector.frame_not_text(conn)
                    continue
                if text is None:
                    break
                conn.receive(text)
        except (WebSocketError, ProtocolError, OSError) as exc:
            log.debug("%r: %s", conn, exc)
        finally:
            conn.close()
