"""One STOMP 1.2 connection to the broker, kept up: connect with the configured
credentials (and TLS), subscribe, and on loss reconnect with exponential backoff
until stopped.

stomp.py runs its receiver and heart-beat loops in ``threading`` threads; in the GC
process ``threading`` is monkey-patched, so they are greenlets and callbacks run in
the gevent hub like every other transport's reader. Outgoing frames carry no
``content-length`` header (``auto_content_length=False``): ActiveMQ then hands them
to JMS clients as ``TextMessage`` (with the header they would be ``BytesMessage``).
"""
from __future__ import annotations

import logging
import socket
from typing import Callable, Optional

import gevent
import gevent.event
import stomp
import stomp.utils
from stomp.exception import StompException

log = logging.getLogger("gc.stomp")


def parse_hosts(hosts: list[str]) -> list[tuple[str, int]]:
    """``["broker-a:61613", "[::1]:61613"]`` -> ``[("broker-a", 61613), ("::1", 61613)]``;
    a value that is not host:port raises ValueError."""
    out = []
    for item in hosts:
        host, sep, port = item.strip().rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError(f"stomp.hosts: {item!r} is not host:port")
        out.append((host.strip("[]"), int(port)))
    if not out:
        raise ValueError("stomp.hosts is empty")
    return out


def _drop(conn: stomp.Connection12) -> None:
    """End a connection whatever the broker's state: a polite DISCONNECT for at most
    two seconds, then the socket shut down, so stomp.py's io greenlet ends even when a
    silent (frozen, unplugged) broker would never answer or close it."""
    with gevent.Timeout(2, False):
        try:
            conn.disconnect()
        except Exception:
            pass
    sock = getattr(conn.transport, "socket", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _no_delay(conn: stomp.Connection12) -> None:
    """TCP_NODELAY on the broker socket: an ACK or an event frame goes out at once
    instead of waiting for the broker's delayed TCP acknowledgement (Nagle), which
    otherwise costs up to 40 ms per message with a small prefetch."""
    sock = getattr(conn.transport, "socket", None)
    if sock is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass


def _blocking_tls(conn: Optional[stomp.Connection12]) -> None:
    """stomp.py drives a TLS socket non-blocking through ``selectors`` and parks its
    send queue with ``modify(fileobj, 0)``, which gevent's patched selector refuses
    ("Invalid events: 0"), so no frame is ever read. Under gevent a blocking socket
    already cooperates (reads and writes from different greenlets interleave), so put
    the transport back in stomp.py's blocking mode right after the TLS handshake,
    from stomp.py's thread-creation hook (``override_threading``), which runs after
    ``attempt_connection`` and before its io loop starts."""
    transport = getattr(conn, "transport", None)
    if transport is None or transport.blocking or transport.socket is None:
        return
    transport.shutdown_queue()  # sets blocking = True, drops the selector and queue
    transport.socket.setblocking(True)


class _Listener(stomp.ConnectionListener):
    def __init__(self, link: "BrokerLink"):
        self.link = link

    def on_message(self, frame):
        self.link.on_message(frame.headers, frame.body)

    def on_error(self, frame):
        # an ERROR frame's message header says why (never the frames we sent)
        log.warning("broker error: %s", frame.headers.get("message", "?"))

    def on_disconnected(self):
        self.link.lost.set()

    def on_heartbeat_timeout(self):
        log.warning("broker heart-beats stopped")
        self.link.lost.set()


class BrokerLink:
    """Keeps a connection to one of ``hosts`` and the subscriptions ``on_connected``
    makes; ``on_message(headers, body)`` gets every MESSAGE frame.

    ``publish`` raises ``ConnectionError`` while the broker is away."""

    def __init__(self, conf: dict, on_connected: Callable[["BrokerLink"], None],
                 on_message: Callable[[dict, str], None], on_lost: Callable[[], None]):
        self.conf = conf
        self.hosts = parse_hosts(conf["hosts"])
        self._on_connected = on_connected
        self.on_message = on_message
        self._on_lost = on_lost
        self.conn: Optional[stomp.Connection12] = None
        self.connected = False
        self.reconnects = 0  # connections made after the first (metrics)
        self.lost = gevent.event.Event()
        self._stopping = False
        self._greenlet: Optional[gevent.Greenlet] = None

    @property
    def address(self) -> str:
        scheme = "stomp+ssl" if self.conf["tls"] else "stomp"
        return ",".join(f"{scheme}://{h}:{p}" for h, p in self.hosts) + f"/queue/{self.conf['queue']}"

    def start(self) -> None:
        self._greenlet = gevent.spawn(self._run)

    def stop(self) -> None:
        self._stopping = True
        conn, self.conn = self.conn, None
        self.connected = False
        if conn is not None:
            try:
                conn.disconnect()
            except Exception:
                pass
        if self._greenlet is not None:
            self._greenlet.kill(block=True, timeout=2)

    # -- the connection loop ------------------------------------------------------
    def _new_connection(self) -> stomp.Connection12:
        hb = int(self.conf["heartbeat_ms"])
        conn = stomp.Connection12(self.hosts, heartbeats=(hb, hb), reconnect_attempts_max=1,
                                  reconnect_sleep_initial=0.0, reconnect_sleep_increase=0.0,
                                  reconnect_sleep_jitter=0.0, vhost=self.conf["vhost"] or None,
                                  auto_content_length=False, timeout=10)
        if self.conf["tls"]:
            conn.set_ssl(for_hosts=self.hosts, ca_certs=self.conf["tls_ca_file"] or None,
                         cert_file=self.conf["tls_cert_file"] or None, key_file=self.conf["tls_key_file"] or None)
        conn.set_listener("gc", _Listener(self))

        def create_thread(loop):  # stomp.py's hook, called after the (TLS) connect
            _blocking_tls(conn)
            return stomp.utils.default_create_thread(loop)
        conn.transport.override_threading(create_thread)
        return conn

    def _run(self) -> None:
        delay = float(self.conf["reconnect_initial"])
        failures = 0
        was_connected = False
        while not self._stopping:
            self.lost.clear()
            conn = self._new_connection()
            try:
                conn.connect(self.conf["login"] or None, self.conf["password"] or None, wait=True)
                _no_delay(conn)
                self.conn = conn
                self._on_connected(self)
            except (StompException, OSError, ConnectionError) as exc:
                self.conn = None
                _drop(conn)
                failures += 1
                if failures in (1, 10) or failures % 100 == 0:
                    log.warning("broker %s unreachable (%s: %s); retrying in %.1f s (attempt %d)",
                                self.address, type(exc).__name__, exc, delay, failures)
                gevent.sleep(delay)
                delay = min(delay * 2, float(self.conf["reconnect_max"]))
                continue
            self.connected = True
            self.reconnects += 1 if was_connected else 0
            log.info("%s consuming from broker %s", "resumed:" if was_connected or failures else "started:",
                     self.address)
            was_connected = True
            failures = 0
            delay = float(self.conf["reconnect_initial"])
            self.lost.wait()
            self.connected = False
            self.conn = None
            if self._stopping:
                return
            log.warning("lost the broker %s: other transports carry on; reconnecting", self.address)
            _drop(conn)
            self._on_lost()
            gevent.sleep(delay)

    # -- frames -------------------------------------------------------------------
    def publish(self, destination: str, body: str, headers: Optional[dict] = None) -> None:
        conn = self.conn
        if conn is None or not self.connected:
            raise ConnectionError("broker not connected")
        try:
            conn.send(destination, body, content_type="text/plain", headers=headers)
        except (StompException, OSError) as exc:
            self.lost.set()
            raise ConnectionError(str(exc)) from exc

    def ack(self, headers: dict) -> None:
        conn = self.conn
        if conn is not None and "ack" in headers:
            try:
                conn.ack(headers["ack"])
            except (StompException, OSError):
                self.lost.set()
