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

from gc_core.testing import GCProcess, event_type, to_toml

from tests.backends.helpers import ask, connect
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
    # SimStatus drives the sim it names (two sims: it must name one)
    control.send({"type": "SimStatus", "params": {"status": "OUT_OF_SERVICE", "backend": "east"}, "requestId": "down"})
    control.expect("SimTraffic", requestId="down")
    assert east.expect("System")["status"] == "OUT_OF_SERVICE"
    assert idle.expect("System")["status"] == "OUT_OF_SERVICE"  # no agents: the overall status
    west.send({"type": "Beat", "params": {"clientDestination": "s-west"}})
    assert west.expect("System")["status"] == "IN_SERVICE"
    assert [e for e in west.events if event_type(e) == "System" and e["status"] == "OUT_OF_SERVICE"] == []
    control.send({"type": "SimStatus", "params": {"status": "IN_SERVICE", "backend": "east"}, "requestId": "up"})
    control.expect("SimTraffic", requestId="up")
    assert east.expect("System")["status"] == "IN_SERVICE"
    assert idle.expect("System")["status"] == "IN_SERVICE"
    for c in (east, west, idle, control):
        c.close()


def gc_sim(gc, *args: str) -> subprocess.CompletedProcess:
    host, port = gc.tcp_address
    return subprocess.run([sys.executable, "-m", "gc_core.cli", "sim", "--tcp", f"{host}:{port}", *args],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_gc_sim_drives_the_sim_instance_it_names(gc):
    """Two sim instances (east, west), each with the site's queue 1 and an agent READY on
    it: ``gc sim --backend west call`` rings west's agent only; without ``--backend`` (or
    with a name that is no sim instance) GC answers an Error naming the choices, and
    nothing rings anywhere."""
    east, west = connect(gc, "1001", "cli-east"), connect(gc, "1002", "cli-west")
    for c, agent in ((east, "1001"), (west, "1002")):
        assert ask(c, agent, "MakeReady", f"ready-{agent}")["state"] == "READY"
    for args in (("call", "--queue", "1"), ("--backend", "north", "call", "--queue", "1")):
        res = gc_sim(gc, *args)
        assert res.returncode == 1, res.stdout + res.stderr
        err = json.loads(res.stdout)
        assert (err["type"], err["errorCode"]) == ("Error", "PLEASE_RETRY")
        assert "east, west" in err["errorDescription"]
    assert "params.backend" in json.loads(gc_sim(gc, "call").stdout)["errorDescription"]

    res = gc_sim(gc, "--backend", "west", "call", "--queue", "1")
    assert res.returncode == 0, res.stdout + res.stderr
    dialog_id = json.loads(res.stdout)["dialogId"]
    assert west.expect("NewInboundCall", timeout=15)["dialogId"] == dialog_id
    # east's agent heard of no call: a Beat's answer comes after anything sent before it
    east.send({"type": "Beat", "params": {"clientDestination": "cli-east"}})
    east.expect("System")
    assert [e for e in east.events if event_type(e) == "NewInboundCall"] == []
    # --backend after the action too; the customer hangs up on west: its agent is READY again
    res = gc_sim(gc, "hangup", dialog_id, "--backend", "west")
    assert res.returncode == 0, res.stdout + res.stderr
    assert west.expect("State", state="READY", timeout=15)
    east.close(), west.close()


def test_gc_sim_help_names_the_backend_option():
    out = subprocess.run([sys.executable, "-m", "gc_core.cli", "sim", "--help"], capture_output=True,
                         text=True, timeout=60, check=True).stdout
    assert "--backend NAME" in out and "several" in out


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
