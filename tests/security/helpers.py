"""Helpers of the attacker-style tests (issue 10)."""
from __future__ import annotations

import itertools
import os
import re

from gc_core.testing import GCClient

_ids = itertools.count(1)


def fresh(prefix: str = "d") -> str:
    return f"{prefix}-{os.getpid()}-{next(_ids)}"


def until(client: GCClient, request_id: str, timeout: float = 15.0) -> tuple[list, dict]:
    """Every event before the one carrying ``request_id``, and that one."""
    before = []
    while True:
        event = client.recv(timeout)
        if isinstance(event, dict) and event.get("requestId") == request_id:
            return before, event
        before.append(event)


def about(events: list, agent_id: str) -> list:
    """The events among ``events`` that carry ``agent_id`` (other than Errors)."""
    out = []
    for e in events:
        obj = e[0] if isinstance(e, list) and e else e
        if isinstance(obj, dict) and obj.get("agentId") == agent_id and obj.get("type") != "Error":
            out.append(e)
    return out


def rss_kib(pid: int) -> int:
    """Resident set size of ``pid`` in KiB (/proc/<pid>/status VmRSS)."""
    with open(f"/proc/{pid}/status") as fh:
        return int(re.search(r"VmRSS:\s+(\d+)", fh.read()).group(1))


def login(client: GCClient, agent: str, destination: str, ready: bool = False) -> None:
    """Connect + Login (+ MakeReady) an agent of the default site on ``client``."""
    client.send({"type": "Connect", "agentId": agent, "params": {"clientDestination": destination,
                                                                 "password": "secret"}})
    client.send({"type": "Login", "agentId": agent, "params": {"password": "secret", "extension": agent},
                 "requestId": f"login-{agent}"})
    client.expect("State", requestId=f"login-{agent}")
    if ready:
        client.send({"type": "MakeReady", "agentId": agent, "requestId": f"ready-{agent}"})
        assert client.expect("State", requestId=f"ready-{agent}")["state"] == "READY"
    client.drain(0.1)


def close_and_wait(gc, client: GCClient, timeout: float = 15.0) -> None:
    """Close ``client`` and wait until GC's log says it saw the connection close (so
    that what follows happens while the destination has no connection)."""
    import time
    sock = getattr(client, "sock", None) or client.ws.sock
    port = sock.getsockname()[1]
    client.close()
    deadline = time.monotonic() + timeout
    while f":{port}> closed" not in gc.log():
        assert time.monotonic() < deadline, f"GC did not see the connection from port {port} close"
        time.sleep(0.05)
