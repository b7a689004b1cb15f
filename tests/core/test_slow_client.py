"""A client that stops reading: GC stops reading its requests (flow control), events
that keep coming for it fill its bounded output queue, GC disconnects it, the other
clients never notice, and the agent stays bound: a new connection that proves the
agent's credentials again (or presents the resume token) gets the events kept in the
destination's backlog."""
from __future__ import annotations

import socket
import threading

from gc_core.testing import GCClient, GCProcess

from tests.support import sim_config


def test_slow_client_is_cut_off_without_hurting_others(tmp_path):
    config = sim_config(tcp={"max_queue": 20}, websocket={"max_frame_bytes": 1 << 20},
                        gc={"destination_backlog": 50, "agent_queue": 100000,
                            "max_destinations_per_connection": 2000})
    with GCProcess(config, workdir=tmp_path) as gc, gc.client("websocket") as other:
        other.send("Connect#1002|fast,secret")
        slow = socket.socket()
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fills after a few events
        slow.connect(gc.tcp_address)
        slow.sendall(b"Connect#1001|slow,secret\nGetState#1001\n")
        # Connect answers nothing on success (protocol.md 5): the State of the GetState
        # queued behind it says the agent is bound to "slow" before the flood begins
        # (under load the flood could otherwise cut the client off first)
        seen = b""
        while b'"type": "State"' not in seen and b'"type":"State"' not in seen:
            chunk = slow.recv(4096)
            assert chunk, "GC closed the connection before answering GetState"
            seen += chunk
        # it serves many destinations (each hears every status change) and pipelines
        # frames without reading an answer
        burst = b"".join(b"Hello#slow-%d\n" % i for i in range(1000)) + b"GetState#1001\n" * 20000

        def flood() -> None:
            try:
                slow.sendall(burst)  # blocks once GC stops reading (flow control)
            except OSError:
                pass  # GC closed it
        writer = threading.Thread(target=flood, daemon=True)
        writer.start()
        # meanwhile another agent's session answers at once, as usual
        other.send({"type": "GetState", "agentId": "1002", "requestId": "still-here"})
        assert other.expect("State", requestId="still-here", timeout=30)["agentId"] == "1002"
        # GC reads the flood only as fast as the answers go out; events nobody asked for
        # (status changes, to each of its destinations) fill the socket buffers, then
        # overflow the queue of a client that never reads
        for i in range(200):
            if "client too slow: disconnecting it" in gc.log():
                break
            for status in ("OUT_OF_SERVICE", "IN_SERVICE"):
                other.send({"type": "SimStatus", "params": {"status": status}, "requestId": f"{status}-{i}"})
                other.expect("SimTraffic", requestId=f"{status}-{i}")
        assert "client too slow: disconnecting it" in gc.log()
        slow.close()
        writer.join(30)
        # events for destination "slow" while no connection serves it wait in its backlog
        for status in ("OUT_OF_SERVICE", "IN_SERVICE"):
            other.send({"type": "SimStatus", "params": {"status": status}, "requestId": status})
            other.expect("SimTraffic", requestId=status)
        # knowing the destination's name gets neither the backlog nor the agent
        with GCClient.tcp(gc.tcp_address) as stranger:
            stranger.send("Hello#slow")
            assert stranger.recv() == {"type": "System", "status": "IN_SERVICE"}  # no token, no backlog
            stranger.send({"type": "GetState", "agentId": "1001", "requestId": "s"})
            assert stranger.expect("Error", requestId="s")["errorCode"] == "SUBSCRIPTION_FAILED"
        # the agent is still bound to destination "slow": repeating Connect resumes it
        with GCClient.tcp(gc.tcp_address) as again:
            again.send("Connect#1001|slow,secret")
            again.send({"type": "GetState", "agentId": "1001", "requestId": "resumed"})
            replayed = []
            while True:
                event = again.recv()
                if event.get("requestId") == "resumed":
                    break
                replayed.append(event)
            assert event["state"] == "LOGOUT"
            systems = [e for e in replayed if e["type"] == "System" and "droppedEvents" not in e]
            assert systems[-2:] == [{"type": "System", "status": "OUT_OF_SERVICE"},
                                    {"type": "System", "status": "IN_SERVICE"}]
        assert "Traceback" not in gc.log()
