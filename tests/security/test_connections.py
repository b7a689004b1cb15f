"""Issue 10, rows 4, 5, 6 and 13: connections nobody can knock over. One client's
flood never stalls the others, a client that pipelines but reads is never cut off,
a connection cannot make GC hold memory without bound, and a client that half-closes
after writing gets its answers."""
from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from gc_core.testing import GCProcess

from tests.security.helpers import fresh, login, rss_kib, until
from tests.support import sim_config


def _read_lines(sock: socket.socket, count: int) -> list[dict]:
    buf, out = b"", []
    while len(out) < count:
        data = sock.recv(1 << 16)
        if not data:
            break
        buf += data
        *lines, buf = buf.split(b"\n")
        out.extend(json.loads(line) for line in lines)
    return out


def test_row4_a_flood_of_blank_lines_never_stalls_others(gc):
    """One client streams blank lines (frames that need no answer) without pause; another
    client's request is answered while the flood is still streaming (GC used to read a
    flood that kept its socket full without ever letting anyone else in)."""
    d = fresh("probe")
    with gc.client("websocket") as probe:
        login(probe, "1001", d)
        flood = socket.create_connection(gc.tcp_address)
        flood.sendall(b"Hello#flood-start\n")
        assert _read_lines(flood, 1)[0]["type"] == "System"
        answered = threading.Event()
        streamed = []

        def stream() -> None:
            chunk = b"\n" * (256 << 10)
            while not answered.is_set() and len(streamed) < 256:  # at most 64 MB
                flood.sendall(chunk)
                streamed.append(len(chunk))
            flood.sendall(b"Hello#flood-end\n")
        writer = threading.Thread(target=stream, daemon=True)
        writer.start()
        while not streamed:  # the flood is on
            time.sleep(0.01)
        probe.send({"type": "GetState", "agentId": "1001", "requestId": "probe"})
        assert probe.expect("State", requestId="probe", timeout=60)["agentId"] == "1001"
        still_streaming = writer.is_alive() and len(streamed) < 256
        answered.set()
        assert still_streaming
        writer.join(120)
        flood.settimeout(120)
        assert _read_lines(flood, 1)[0]["type"] == "System"  # the flood's own Hello, answered after
        flood.close()
    assert "Traceback" not in gc.log()


@pytest.mark.parametrize("transport", ["tcp", "websocket"])
def test_row5_a_pipelining_client_that_reads_is_never_cut_off(gc, transport):
    d = fresh("pipe")
    frames = [f'{{"type":"Hello","params":{{"clientDestination":"{d}"}},"requestId":"h{i}"}}' for i in range(1500)]
    with gc.client(transport) as c, gc.client("tcp") as other:
        login(other, "1002", fresh("other"))
        if transport == "tcp":
            c.sock.sendall("".join(f + "\n" for f in frames).encode())
        else:
            for f in frames:
                c.ws.send(f)
        answers = [c.recv(30) for _ in range(1500)]
        assert [a.get("requestId") for a in answers] == [f"h{i}" for i in range(1500)]
        assert all(a["type"] == "System" for a in answers)
        c.send({"type": "Hello", "params": {"clientDestination": d}, "requestId": "still"})
        assert c.expect("System", requestId="still")["status"] == "IN_SERVICE"
        other.send({"type": "GetState", "agentId": "1002", "requestId": "o"})
        assert other.expect("State", requestId="o")["state"] == "NOT_READY"
    assert "too slow" not in gc.log()


def test_row6_one_connection_cannot_hold_memory_without_bound(tmp_path):
    with GCProcess(sim_config(), workdir=tmp_path) as gc, gc.client("tcp") as other:
        login(other, "1002", "other")
        sock = socket.create_connection(gc.tcp_address, timeout=30)
        sock.sendall(b"Hello#warm-up\n")
        assert _read_lines(sock, 1)[0]["type"] == "System"
        before = rss_kib(gc.proc.pid)
        n, chunk = 100_000, 5000
        seen: dict = {}
        last = None
        for start in range(0, n, chunk):  # pipelined in chunks, read as they come
            sock.sendall(b"".join(b"Hello#d-%d\n" % i for i in range(start, start + chunk)))
            for event in _read_lines(sock, chunk):
                seen[event["type"]] = seen.get(event["type"], 0) + 1
                last = event
        after = rss_kib(gc.proc.pid)
        assert seen == {"System": 15, "Error": n - 15}  # 16 destinations per connection (warm-up is one)
        assert last["errorCode"] == "PLEASE_RETRY" and "16 destinations" in last["errorDescription"]
        assert after - before < 20 * 1024, (before, after)  # was +250 MB
        sock.close()
        other.send({"type": "GetState", "agentId": "1002", "requestId": "o"})
        assert other.expect("State", requestId="o")["state"] == "NOT_READY"
        assert "Traceback" not in gc.log()


@pytest.mark.parametrize("frame", [b"Hello#x\n", b"Hello#x", b"Connect#1003|hc,secret\nGetState#1003\n"])
def test_row13_half_close_is_answered(gc, frame):
    sock = socket.create_connection(gc.tcp_address, timeout=15)
    sock.sendall(frame)
    sock.shutdown(socket.SHUT_WR)  # nc -N: no more requests
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    sock.close()
    events = [json.loads(line) for line in data.splitlines()]
    assert events and events[-1]["type"] in ("System", "State"), events
    if b"GetState" in frame:
        assert events[-1] == {**events[-1], "type": "State", "agentId": "1003"}
