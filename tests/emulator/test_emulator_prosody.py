"""The reusable Prosody harness (gc_finesse_emulator.prosody)."""
from __future__ import annotations

import os
import socket

import pytest

from gc_finesse_emulator.prosody import ProbeError, ProsodyError, ProsodyServer, xmpp_probe


@pytest.fixture
def server():
    s = ProsodyServer("test.local", admins=["admin"])
    s.add_user("admin", "pw")
    s.add_user("alice", "apw", roster={"admin@test.local": "to"})
    yield s
    s.cleanup()


def test_start_login_stop_restart_on_same_port(server):
    server.start()
    pid, port = server.pid, server.port
    assert server.running and port > 0
    os.kill(pid, 0)  # our child is alive
    xmpp_probe("127.0.0.1", port, "test.local", "alice", "apw", pubsub_domain="pubsub.test.local")
    with pytest.raises(ProbeError):
        xmpp_probe("127.0.0.1", port, "test.local", "alice", "wrong")
    server.stop()
    assert not server.running
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    server.start()
    assert server.port == port and server.pid != pid
    xmpp_probe("127.0.0.1", port, "test.local", "admin", "pw")


def test_users_added_while_running_can_log_in(server):
    server.start()
    server.add_user("bob", "bpw")
    xmpp_probe("127.0.0.1", server.port, "test.local", "bob", "bpw")


def test_readiness_needs_a_real_login(server):
    # The port opens, but the readiness user cannot log in: start() must not pretend.
    server._passwords["admin"] = "not-the-password-on-disk"
    (server.data_path / "test%2elocal" / "accounts" / "admin.dat").write_text('return { ["password"] = "x"; };\n')
    with pytest.raises(ProsodyError, match="not ready"):
        server.start(timeout=1.5)
    assert not server.running


def test_a_broken_config_is_reported_with_the_log(server, monkeypatch):
    monkeypatch.setattr(server, "_write_config", lambda: server.config_path.write_text("this is not lua {{{"))
    with pytest.raises(ProsodyError, match="exited"):
        server.start(timeout=5)
    assert not server.running


def test_readiness_user_must_be_provisioned():
    s = ProsodyServer("test.local", admins=["nobody"])
    try:
        with pytest.raises(ProsodyError, match="provision"):
            s.start()
    finally:
        s.cleanup()
