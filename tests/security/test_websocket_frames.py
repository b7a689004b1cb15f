"""Hostile WebSocket framing (RFC 6455) from one client must neither stall the others
nor reach the log as a traceback: an endless fragmented message (empty continuation
frames never reach the size limit), unmasked client frames, a close frame whose reason
is not UTF-8. A raw socket client writes the frames byte by byte."""
from __future__ import annotations

import base64
import os
import socket
import struct
import threading

import pytest

from gc_core.testing import GCProcess

from tests.support import sim_config

MASK = b"\x11\x22\x33\x44"


def frame(payload: bytes, opcode: int = 1, fin: bool = True, mask: bytes = MASK) -> bytes:
    n = len(payload)
    b0 = (0x80 if fin else 0) | opcode
    bit = 0x80 if mask else 0
    head = struct.pack("!BB", b0, bit | n) if n < 126 else struct.pack("!BBH", b0, bit | 126, n)
    if not mask:
        return head + payload
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def raw_client(gc) -> socket.socket:
    host, port = gc.ws_url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /gc HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(4096)
    assert b" 101 " in buf.split(b"\r\n", 1)[0], buf
    return s


def closed_by_gc(s: socket.socket) -> bool:
    """Reads until GC closes the connection (a close frame, then EOF)."""
    s.settimeout(20)
    try:
        while s.recv(65536):
            pass
    except ConnectionResetError:
        pass
    return True


@pytest.fixture(scope="module")
def gc(tmp_path_factory):
    with GCProcess(sim_config(), workdir=tmp_path_factory.mktemp("gc-frames")) as p:
        yield p


def test_an_endless_fragmented_message_neither_stalls_others_nor_lasts(gc):
    attacker = raw_client(gc)
    stop = threading.Event()
    sent = [0]

    def flood():
        try:
            attacker.sendall(frame(b"", fin=False))
            empty = frame(b"", opcode=0, fin=False) * 256
            while not stop.is_set():
                attacker.sendall(empty)
                sent[0] += 256
        except OSError:  # GC closed it
            pass
    t = threading.Thread(target=flood, daemon=True)
    t.start()
    try:
        with gc.client("websocket") as victim:
            victim.send({"type": "Hello", "params": {"clientDestination": "victim"}})
            assert victim.expect("System", timeout=30)["status"] == "IN_SERVICE"
            victim.send({"type": "Connect", "agentId": "1001",
                         "params": {"clientDestination": "victim", "password": "secret"}})
            victim.send({"type": "GetState", "agentId": "1001", "requestId": "g"})
            assert victim.expect("State", timeout=30, requestId="g")
        t.join(30)
        assert not t.is_alive(), "GC kept reading one endless message"
        assert closed_by_gc(attacker)
        assert sent[0] > 4096  # it was refused after MAX_FRAGMENTS frames, not before
    finally:
        stop.set()
        attacker.close()


def test_an_unmasked_client_frame_closes_that_connection_only(gc):
    s = raw_client(gc)
    s.sendall(frame(b'{"type":"Hello","params":{"clientDestination":"u"}}', mask=b""))
    assert closed_by_gc(s)
    s.close()
    with gc.client("websocket") as other:
        other.send({"type": "Hello", "params": {"clientDestination": "other"}})
        assert other.expect("System")["status"] == "IN_SERVICE"


def test_a_close_reason_that_is_not_utf8_is_no_traceback(gc):
    s = raw_client(gc)
    s.sendall(frame(struct.pack("!H", 1000) + b"\xff", opcode=8))
    assert closed_by_gc(s)
    s.close()
    with gc.client("websocket") as other:  # a fence: GC handled the close before this
        other.send({"type": "Hello", "params": {"clientDestination": "fence"}})
        other.expect("System")
    assert "Traceback" not in gc.log()


def test_a_client_vanishing_mid_connect_leaves_no_dead_connection_behind(tmp_path):
    """Hello and Connect over WebSocket, then a reset before the Connect ran (the reader takes several
    frames before it yields): the Connect must not re-add the closed connection to the
    destination (each such client was kept for good: ~20 kB apiece)."""
    import json
    import time
    from tests.ops.helpers import http_base, http_get
    config = sim_config(gc={"plugins": ["websocket", "tcp", "sim", "agent", "console"]})
    with GCProcess(config, workdir=tmp_path) as gc:
        for i in range(20):
            s = raw_client(gc)
            s.sendall(frame(f"Hello#lk{i}".encode()) + frame(f"Connect#{1001 + i}|lk{i},secret".encode()))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
        deadline = time.monotonic() + 30
        while True:  # until GC has seen every reset (the connection count is back to none)
            status = json.loads(http_get(http_base(gc) + "/console/status.json")[1])
            if status["connections"] == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert status["connections"] == 0
        held = {d["name"]: d["connections"] for d in status["destinations"] if d["connections"]}
        assert held == {}, held
