"""Issue 10, row 9: a CRM that crashes while its agent is READY. Dead or silent
clients are closed (gc.client_timeout; Beat keeps a client alive, and so do the
pongs to GC's WebSocket pings), and the agents of a destination nobody serves any
more are handled by gc.orphan_policy once gc.orphan_timeout has passed, as the
Finesse desktop's agent would be signed out."""
from __future__ import annotations

import socket
import time

import pytest

from gc_core.testing import GCProcess, schema_registry

from tests.security.helpers import close_and_wait, login
from tests.support import sim_config


def _wait_log(gc, words: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while words not in gc.log():
        assert time.monotonic() < deadline, f"{words!r} never logged"
        time.sleep(0.1)


@pytest.mark.parametrize("policy, expected", [("not_ready", "NOT_READY"), ("logout", "LOGOUT"), ("none", "READY")])
def test_row9_a_crashed_crm_does_not_leave_its_agent_ready(tmp_path, policy, expected):
    config = sim_config(gc={"orphan_timeout": 0.5, "orphan_policy": policy})
    with GCProcess(config, workdir=tmp_path) as gc, gc.client("tcp") as other:
        login(other, "1002", "other", ready=True)
        crm = gc.client("websocket")
        login(crm, "1001", "crm", ready=True)
        close_and_wait(gc, crm)  # the CRM crashed
        if policy != "none":
            _wait_log(gc, f"agent 1001: destination crm has had no connection")
        else:
            time.sleep(1.5)  # three orphan timeouts: nothing may happen
        with gc.client("tcp") as back:
            back.send("Connect#1001|crm-again,secret")
            back.send({"type": "GetState", "agentId": "1001", "requestId": "st"})
            assert back.expect("State", requestId="st")["state"] == expected
        # the connected client's agent, READY all along, was not touched
        other.send({"type": "GetState", "agentId": "1002", "requestId": "o"})
        assert other.expect("State", requestId="o")["state"] == "READY"
        assert "Traceback" not in gc.log()


def test_row9_silent_clients_are_closed_and_beat_keeps_one_alive(tmp_path):
    config = sim_config(gc={"client_timeout": 2.0}, websocket={"ping_interval": 0.3})
    schema_registry()  # compiled before: a client busy compiling would be silent too
    with GCProcess(config, workdir=tmp_path) as gc:
        silent = socket.create_connection(gc.tcp_address, timeout=30)
        silent.sendall(b"Hello#silent\n")
        beating = gc.client("tcp")
        browser = gc.client("websocket")  # websocket-client answers GC's pings while it reads
        beating.send("Hello#beating")
        beating.expect("System")
        browser.send("Hello#browser")
        browser.expect("System")
        data = b""
        deadline = time.monotonic() + 30
        silent.settimeout(0.3)
        beats = 0
        while True:  # GC closes the silent client (EOF) while the others stay
            try:
                chunk = silent.recv(4096)
            except (socket.timeout, TimeoutError):
                beating.send("Beat#beating")  # Beat keeps this one alive
                assert beating.expect("System", timeout=5)["status"] == "IN_SERVICE"
                assert browser.drain(0.3) == []  # reading answers GC's pings
                beats += 1
                assert time.monotonic() < deadline
                continue
            if not chunk:
                break
            data += chunk
        assert data.count(b"\n") == 1  # its Hello's answer, then nothing but the close
        assert beats >= 2
        browser.send("Beat#browser")
        assert browser.expect("System")["status"] == "IN_SERVICE"
        beating.close()
        browser.close()
        assert "nothing heard for" in gc.log()
