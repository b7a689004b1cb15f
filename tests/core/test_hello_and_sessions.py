"""Issue #2, points 1-3: Hello, Connect/Login/GetState/Logout in both frame forms over
both transports, and the session rules (invalidation, licence, unconnected agents)."""
from __future__ import annotations

import itertools

import pytest

from gc_core.testing import GCProcess

from tests.support import sim_config

_dest = itertools.count(1)


def dest() -> str:
    return f"crm-{next(_dest)}"


def test_hello_json_over_websocket(gc_server):
    with gc_server.client("websocket") as c:
        c.send({"category": "system", "type": "Hello", "params": {"clientDestination": "crm-1"}})
        answer = c.recv()
        assert answer == {"type": "System", "status": "IN_SERVICE", "resumeToken": answer["resumeToken"]}


def test_hello_legacy_over_tcp(gc_server):
    with gc_server.client("tcp") as c:
        c.send("Hello#crm-1b")
        answer = c.recv()
        assert answer == {"type": "System", "status": "IN_SERVICE", "resumeToken": answer["resumeToken"]}
        c.send("Beat#crm-1b")  # the token comes once per connection and destination
        assert c.recv() == {"type": "System", "status": "IN_SERVICE"}


def test_beat_and_request_id(client):
    client.send({"type": "beat", "params": {"clientDestination": dest()}, "requestId": "b-1"})
    answer = client.recv()
    assert answer == {"type": "System", "status": "IN_SERVICE", "requestId": "b-1",
                      "resumeToken": answer["resumeToken"]}


def _login_cycle_json(c, agent: str, d: str) -> None:
    c.send({"category": "agent_info", "type": "Connect", "agentId": agent,
            "params": {"clientDestination": d, "password": "secret"}})
    c.send({"category": "agent_state", "type": "Login", "agentId": agent,
            "params": {"password": "secret", "extension": agent}, "requestId": "r-login"})
    state = c.expect("State", requestId="r-login")
    assert state["agentId"] == agent and state["state"] == "NOT_READY"
    assert state["extension"] == agent and state["fullName"]
    assert state["stateChangeTimeString"] == "" and len(state["stateChangeTime"]) == 19
    info = c.expect("AgentInfo", requestId="r-login")
    assert info["agentId"] == agent and info["supervisor"] is False
    assert info["team"] == {"id": "1", "name": "Sales"} and info["teams"] == []
    c.send({"type": "GetState", "agentId": agent, "requestId": "r-get"})
    assert c.expect("State", requestId="r-get")["state"] == "NOT_READY"
    c.send({"type": "Logout", "agentId": agent, "requestId": "r-out"})
    assert c.expect("State", requestId="r-out")["state"] == "LOGOUT"


def _login_cycle_legacy(c, agent: str, d: str) -> None:
    c.send(f"Connect#{agent}|{d},secret")
    c.send(f"Login#{agent}|secret,{agent}")
    state = c.expect("State")
    assert state == {**state, "agentId": agent, "state": "NOT_READY", "extension": agent}
    assert "requestId" not in state
    c.expect("AgentInfo", agentId=agent)
    c.send(f"GetState#{agent}")
    assert c.expect("State")["state"] == "NOT_READY"
    c.send(f"Logout#{agent}")
    assert c.expect("State")["state"] == "LOGOUT"


@pytest.mark.parametrize("form", ["json", "legacy"])
def test_connect_login_getstate_logout(client, form):
    agent = "1001" if form == "json" else "1002"
    (_login_cycle_json if form == "json" else _login_cycle_legacy)(client, agent, dest())


def test_positional_params_in_json_frame(client):
    d = dest()
    client.send({"type": "Connect", "agentId": "1003", "params": f"{d},secret"})
    client.send({"type": "Login", "agentId": "1003", "params": "secret,1003", "requestId": "p1"})
    assert client.expect("State", requestId="p1")["state"] == "NOT_READY"
    client.send({"type": "Logout", "agentId": "1003", "requestId": "p2"})
    assert client.expect("State", requestId="p2")["state"] == "LOGOUT"


def test_second_connect_from_another_destination_invalidates_the_first(gc_server):
    with gc_server.client("websocket") as old, gc_server.client("tcp") as new:
        d_old, d_new = dest(), dest()
        old.send({"type": "Connect", "agentId": "1100", "params": {"clientDestination": d_old, "password": "secret"}})
        old.send({"type": "GetState", "agentId": "1100", "requestId": "g"})
        old.expect("State", requestId="g")
        new.send({"type": "Connect", "agentId": "1100", "params": {"clientDestination": d_new, "password": "secret"}})
        logout = old.expect("State", agentId="1100")
        assert logout["state"] == "LOGOUT"
        err = old.recv()
        assert err["type"] == "Error" and err["errorCode"] == "SESSION_INVALIDATED" and err["agentId"] == "1100"
        # the old connection may no longer command the agent; the new one may
        old.send({"type": "GetState", "agentId": "1100", "requestId": "o"})
        assert old.expect("Error", requestId="o")["errorCode"] == "SUBSCRIPTION_FAILED"
        new.send({"type": "GetState", "agentId": "1100", "requestId": "n"})
        assert new.expect("State", requestId="n")["agentId"] == "1100"
        # and the old connection still works for everything else
        old.send({"type": "Hello", "params": {"clientDestination": d_old}})
        assert old.expect("System")["status"] == "IN_SERVICE"


def test_licence_limit(tmp_path):
    with GCProcess(sim_config(gc={"licensed_agents": 2}), workdir=tmp_path) as gc, gc.client("tcp") as c:
        for agent in ("1001", "1002"):
            c.send(f"Connect#{agent}|lic,secret")
        c.send({"type": "GetState", "agentId": "1002", "requestId": "ok"})
        c.expect("State", requestId="ok")
        c.send({"type": "Connect", "agentId": "1003", "params": {"clientDestination": "lic", "password": "secret"},
                "requestId": "third"})
        err = c.expect("Error", requestId="third")
        assert err["errorCode"] == "LICENSES_EXCEEDED" and err["errorOrigin"] == "GC"
        # a reconnect of an agent already counted is not refused
        c.send({"type": "Connect", "agentId": "1001", "params": {"clientDestination": "lic", "password": "secret"}})
        c.send({"type": "GetState", "agentId": "1001", "requestId": "again"})
        c.expect("State", requestId="again")
        assert not [e for e in c.drain() if e.get("type") == "Error"]


def test_wrong_password_on_connect(client):
    client.send({"type": "Connect", "agentId": "1001", "params": {"clientDestination": dest(), "password": "nope"},
                 "requestId": "bad"})
    err = client.expect("Error", requestId="bad")
    assert err["errorCode"] == "SUBSCRIPTION_FAILED"
    assert "nope" not in str(err)


def test_login_with_other_password_than_connect(client):
    client.send({"type": "Connect", "agentId": "1002", "params": {"clientDestination": dest(), "password": "secret"}})
    client.send({"type": "Login", "agentId": "1002", "params": {"password": "other", "extension": "1002"},
                 "requestId": "lp"})
    err = client.expect("Error", requestId="lp")
    assert err["errorCode"] == "CF_INVALID_PASSWORD_SPECIFIED" and "other" not in str(err)
