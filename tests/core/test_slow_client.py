"""A client that stops reading: its bounded output queue fills, GC disconnects it, the
other clients never notice, and the agent stays bound: a new connection of the same
destination resumes with the events kept in the destination's backlog."""
from __future__ import annotations

import socket
import time

from gc_core.testing import GCClient, GCProcess

from tests.support import sim_config


def test_slow_client_is_cut_off_without_hurting_others(tmp_path):
    config = sim_config(tcp={"max_queue": 20}, gc={"destination_backlog": 50, "agent_queue": 100000})
    with GCProcess(config, workdir=tmp_path) as gc, gc.client("websocket") as other:
        other.send("Connect#1002|fast,secret")
        slow = socket.socket()
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fills after a few events
        slow.connect(gc.tcp_address)
        slow.sendall(b"Connect#1001|slow,secret\n")
        burst = b"GetState#1001\n" * 60000  # ~15 MB of State events nobody reads: more than socket buffers hold
        slow.settimeout(30)
        try:
            slow.sendall(burst)
        except OSError:
            pass  # GC may already have closed it
        # meanwhile another agent's session answers at once, as usual
        other.send({"type": "GetState", "agentId": "1002", "requestId": "still-here"})
        assert other.expect("State", requestId="still-here", timeout=30)["agentId"] == "1002"
        # the slow connection gets closed by GC (its reads end with EOF or a reset)
        slow.settimeout(30)
        closed = False
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if not slow.recv(1 << 16):
                    closed = True
                    break
            except ConnectionResetError:
                closed = True
                break
        slow.close()
        assert closed
        assert "client too slow: disconnecting it" in gc.log()
        # events for destination "slow" while no connection serves it wait in its backlog
        for status in ("OUT_OF_SERVICE", "IN_SERVICE"):
            other.send({"type": "SimStatus", "params": {"status": status}, "requestId": status})
            other.expect("SimTraffic", requestId=status)
        # the agent is still bound to destination "slow": a new connection resumes it
        with GCClient.tcp(gc.tcp_address) as again:
            again.send("Hello#slow")
            assert again.recv() == {"type": "System", "status": "OUT_OF_SERVICE"}  # from the backlog
            assert again.recv() == {"type": "System", "status": "IN_SERVICE"}      # from the backlog
            assert again.recv() == {"type": "System", "status": "IN_SERVICE"}      # Hello's answer
            again.send({"type": "GetState", "agentId": "1001", "requestId": "resumed"})
            assert again.expect("State", requestId="resumed")["state"] == "LOGOUT"
