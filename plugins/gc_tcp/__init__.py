"""TCP transport: newline-framed UTF-8 text on ``gevent.server.StreamServer``.

One request per line in, one event per line out (JSON has no raw newlines, so an
event is always one line). Lines over ``max_frame_bytes`` are discarded as they
stream in and answered with an Error; the connection stays open.
"""
from __future__ import annotations

import logging
import socket
import ssl

import gevent
import gevent.server

from gc_core.config import PORT
from gc_core.hookspecs import hookimpl
from gc_core.transport_security import server_context, warn_if_exposed

log = logging.getLogger("gc.tcp")


@hookimpl
def gc_config_defaults():
    # keepalive: TCP keepalive probes after this many idle seconds (then every 10 s, 3
    # unanswered ones close the connection); 0 = off. See gc_core/liveness.py.
    return {"tcp": {"host": "127.0.0.1", "port": 8766, "max_frame_bytes": 65536, "max_queue": 1000,
                    "keepalive": 30,
                    # TLS: PEM certificate chain and key, or "module:factory" of an ssl.SSLContext
                    "tls_cert": "", "tls_key": "", "tls_context": ""}}


@hookimpl
def gc_config_rules():
    return {"tcp": {"port": PORT}}


@hookimpl
def gc_transports(connector):
    return [TcpTransport(connector, connector.config["tcp"])]


def set_keepalive(sock: socket.socket, idle: int, interval: int = 10, count: int = 3) -> None:
    """TCP keepalive: a peer that vanished (crash, cable, NAT) is noticed after about
    ``idle + interval * count`` seconds, even if the client never sends Beat."""
    if idle <= 0:
        return
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for name, value in (("TCP_KEEPIDLE", idle), ("TCP_KEEPINTVL", interval), ("TCP_KEEPCNT", count)):
        if hasattr(socket, name):
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)


class TcpTransport:
    name = "tcp"

    def __init__(self, connector, conf: dict):
        self.connector = connector
        self.conf = conf
        self.tls = server_context(conf)
        # the handshake runs in serve(), where a failed one is a debug line, not a traceback
        kwargs = {"ssl_context": self.tls, "do_handshake_on_connect": False} if self.tls else {}
        self.server = gevent.server.StreamServer((conf["host"], conf["port"]), self.serve, **kwargs)

    @property
    def port(self) -> int:
        return self.server.server_port

    @property
    def address(self) -> str:
        return f"{'tls' if self.tls else 'tcp'}://{self.conf['host']}:{self.port}"

    @property
    def ready(self) -> bool:
        """Listening (``/readyz``)."""
        return self.server.started

    def start(self) -> None:
        warn_if_exposed(self.name, self.conf["host"], bool(self.tls))
        self.server.start()

    def stop(self) -> None:
        self.server.stop(timeout=1)

    def serve(self, sock: socket.socket, addr) -> None:
        if self.tls:
            try:
                sock.settimeout(10)  # a client that never finishes its handshake holds nothing long
                sock.do_handshake()
                sock.settimeout(None)
            except (ssl.SSLError, OSError) as exc:
                log.debug("TLS handshake with %s:%s failed: %s", addr[0], addr[1], exc)
                sock.close()
                return
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        set_keepalive(sock, self.conf["keepalive"])
        reader = sock.makefile("rb")

        def write(text: str) -> None:
            sock.sendall(text.encode("utf-8") + b"\n")

        def write_many(texts: list) -> None:  # one write; encoded whole before it
            sock.sendall(("\n".join(texts) + "\n").encode("utf-8"))

        def close() -> None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        conn = self.connector.open_connection("tcp", f"{addr[0]}:{addr[1]}", write, close, self.conf["max_queue"],
                                              write_many)
        limit = self.conf["max_frame_bytes"]
        try:
            while not conn.closed:
                line = reader.readline(limit + 2)
                if not line:  # the client half-closed (or closed): answer what it sent
                    conn.finish()
                    break
                if len(line.rstrip(b"\r\n")) > limit:
                    size = len(line)
                    while line and not line.endswith(b"\n"):  # discard the rest of the line
                        line = reader.readline(65536)
                        size += len(line)
                        gevent.sleep(0)  # an endless line must not starve other clients
                    self.connector.frame_too_large(conn, size - 1, limit)
                    conn.pace()
                    continue
                try:
                    text = line.decode("utf-8").rstrip("\r\n")
                except UnicodeDecodeError:
                    self.connector.frame_not_text(conn)
                    conn.pace()
                    continue
                if text.strip():
                    conn.receive(text)
                    conn.pace()  # flow control (read no faster than the client reads) and fairness
                else:
                    conn.pace()  # blank lines need no answer, but yield like frames do
        except OSError as exc:
            log.debug("%r: %s", conn, exc)
        finally:
            conn.close()
            reader.close()
            sock.close()
