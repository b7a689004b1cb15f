"""Several backends without an emulator: two sim instances of different flavours in
one GC (cheap, so the rules are checked on every run): commands offered per agent
from its backend, the status per destination, an agent no rule places, and
``gc plugins`` listing every instance. The single-backend configuration of every
other suite is the one-instance case of the same code."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from gc_core.testing import GCProcess, event_obj, event_type, to_toml
from tests.expected import described

SIM = {"demo_call_interval": 0.0, "external_answer_after": -1.0}


def two_sims(default: bool = True) -> dict:
    return {"gc": {"plugins": ["websocket", "tcp", "sim", "agent"]},
            "sim": dict(SIM),
            "backends": {"east": {"type": "sim", "flavour": "UCCE", "agents": ["1001"], "default": default},
                         "west": {"type": "sim", "flavour": "UCCX", "agents": ["1002", "11*"]}}}


@pytest.fixture(scope="module")
def gc(tmp_path_factory):
    with GCProcess(two_sims(), workdir=tmp_path_factory.mktemp("gc-two-sims")) as p:
        yield p


def connect(gc, agent, dest, transport="websocket"):
    c = gc.client(transport)
    c.send({"type": "Hello", "params": {"clientDestination": dest}})
    assert c.expect("System")["status"] == "IN_SERVICE"
    c.send({"type": "Connect", "agentId": agent, "params": {"clientDestination": dest, "password": "secret"}})
    c.send({"type": "Login", "agentId": agent, "params": {"password": "secret", "extension": agent},
            "requestId": "in"})
    c.expect("AgentInfo", requestId="in")
    return c


def ask(c, agent, type_, rid, **params):
    c.send({"type": type_, "agentId": agent, "requestId": rid, **({"params": params} if params else {})})
    return c.expect(lambda e: event_obj(e).get("requestId") == rid)


def test_commands_are_offered_per_agent_backend(gc):
    east, west = connect(gc, "1001", "d-east"), connect(gc, "1002", "d-west", "tcp")
    assert ask(east, "1001", "makeworknotready", "w")["state"] == "WORK"
    assert ask(east, "1001", "makeworkready", "wr")["state"] == "WORK_READY"
    err = ask(west, "1002", "makeworkready", "wr")
    assert (event_type(err), err["errorCode"]) == ("Error", "PLEASE_RETRY")
    assert err["errorDescription"] == described("PLEASE_RETRY", "makeworkready is not available on the sim UCCX "
                                                "(west) backend (needs WORK_READY)")
    # the same GetState works on both; each agent's state lives on its own backend
    assert ask(west, "1002", "GetState", "g")["state"] == "NOT_READY"
    east.close(), west.close()


def test_status_goes_to_the_destinations_using_the_backend(gc):
    east, west = connect(gc, "1001", "s-east"), connect(gc, "1100", "s-west")  # 1100: west's pattern 11*
    idle = gc.client("tcp")
    idle.send({"type": "Hello", "params": {"clientDestination": "s-idle"}})
    assert idle.expect("System")["status"] == "IN_SERVICE"
    control = gc.client("tcp")
    # SimStatus drives the default sim (east)
    control.send({"type": "SimStatus", "params": {"status": "OUT_OF_SERVICE"}, "requestId": "down"})
    control.expect("SimTraffic", requestId="down")
    assert east.expect("System")["status"] == "OUT_OF_SERVICE"
    assert idle.expect("System")["status"] == "OUT_OF_SERVICE"  # no agents: the overall status
    west.send({"type": "Beat", "params": {"clientDestination": "s-west"}})
    assert west.expect("System")["status"] == "IN_SERVICE"
    assert [e for e in west.events if event_type(e) == "System" and e["status"] == "OUT_OF_SERVICE"] == []
    control.send({"type": "SimStatus", "params": {"status": "IN_SERVICE"}, "requestId": "up"})
    control.expect("SimTraffic", requestId="up")
    assert east.expect("System")["status"] == "IN_SERVICE"
    assert idle.expect("System")["status"] == "IN_SERVICE"
    for c in (east, west, idle, control):
        c.close()


def test_an_agent_on_no_backend_is_refused(tmp_path):
    with GCProcess(two_sims(default=False), workdir=tmp_path) as p, p.client("tcp") as c:
        c.send({"type": "Hello", "params": {"clientDestination": "nobody"}})
        c.expect("System")
        c.send({"type": "Connect", "agentId": "1003", "requestId": "c",
                "params": {"clientDestination": "nobody", "password": "secret"}})
        err = c.expect("Error", requestId="c")
        assert err["errorCode"] == "USER_NOT_FOUND"
        assert "agent 1003 is on no configured backend" in err["errorDescription"]


def test_gc_plugins_lists_every_instance(tmp_path):
    path = tmp_path / "gc.toml"
    path.write_text(to_toml(two_sims()))
    out = subprocess.run([sys.executable, "-m", "gc_core.cli", "plugins", "--json", "--config", str(path)],
                         check=True, capture_output=True, text=True).stdout
    instances = {b["name"]: b for b in json.loads(out)["backends"]}
    assert sorted(instances) == ["east", "west"]
    assert {k: instances["west"][k] for k in ("type", "plugin", "flavour", "default", "agents")} == {
        "type": "sim", "plugin": "sim", "flavour": "UCCX", "default": False, "agents": ["1002", "11*"]}
    assert instances["east"]["default"] is True
    assert "WORK_READY" in instances["east"]["capabilities"]
    assert "WORK_READY" not in instances["west"]["capabilities"]
    text = subprocess.run([sys.executable, "-m", "gc_core.cli", "plugins", "--config", str(path)],
                          check=True, capture_output=True, text=True).stdout
    assert "backend west: sim UCCX (plugin sim)  agents: 1002, 11*" in text


def test_single_backend_configuration_is_one_instance(tmp_path):
    path = tmp_path / "gc.toml"
    path.write_text(to_toml({"gc": {"plugins": ["sim", "agent"], "backend": "sim"}, "sim": {"flavour": "UCCX"}}))
    out = subprocess.run([sys.executable, "-m", "gc_core.cli", "plugins", "--json", "--config", str(path)],
                         check=True, capture_output=True, text=True).stdout
    [inst] = json.loads(out)["backends"]
    assert {k: inst[k] for k in ("name", "type", "flavour", "default", "agents")} == {
        "name": "sim", "type": "sim", "flavour": "UCCX", "default": True, "agents": []}
