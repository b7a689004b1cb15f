"""TCP transport: newline-framed UTF-8 text on ``gevent.server.StreamServer``.

One request per line in, one event per line out (JSON has no raw newlines, so an
event is always one line). Lines over ``max_frame_bytes`` are discarded as they
stream in and answered with an Error; the connection stays open.
"""
from __future__ import annotations

import logging
import socket

import gevent.server

from gc_core.hookspecs import hookimpl

log = logging.getLogger("gc.tcp")


@hookimpl
def gc_config_defaults():
    return {"tcp": {"host": "127.0.0.1", "port": 8766, "max_frame_bytes": 65536, "max_queue": 1000}}


@hookimpl
def gc_transports(connector):
    return [TcpTransport(connector, connector.config["tcp"])]


class TcpTransport:
    name = "tcp"

    def __init__(self, connector, conf: dict):
        self.connector = connector
        self.conf = conf
        self.server = gevent.server.StreamServer((conf["host"], conf["port"]), self.serve)

    @property
    def port(self) -> int:
        return self.server.server_port

    @property
    def address(self) -> str:
        return f"tcp://{self.conf['host']}:{self.port}"

    @property
    def ready(self) -> bool:
        """Listening (``/readyz``)."""
        return self.server.started

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop(timeout=1)

    def serve(self, sock: socket.socket, addr) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reader = sock.makefile("rb")

        def write(text: str) -> None:
            sock.sendall(text.encode("utf-8") + b"\n")

        def close() -> None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        conn = self.connector.open_connection("tcp", f"{addr[0]}:{addr[1]}", write, close, self.conf["max_queue"])
        limit = self.conf["max_frame_bytes"]
        try:
            while not conn.closed:
                line = reader.readline(limit + 2)
                if not line:
                    break
                if len(line.rstrip(b"\r\n")) > limit:
                    size = len(line)
                    while line and not line.endswith(b"\n"):  # discard the rest of the line
                        line = reader.readline(65536)
                        size += len(line)
                    self.connector.frame_too_large(conn, size - 1, limit)
                    continue
                try:
                    text = line.decode("utf-8").rstrip("\r\n")
                except UnicodeDecodeError:
                    self.connector.frame_not_text(conn)
                    continue
                if text.strip():
                    conn.receive(text)
        except OSError as exc:
            log.debug("%r: %s", conn, exc)
        finally:
            conn.close()
            reader.close()
            sock.close()
