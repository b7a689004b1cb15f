"""Team and queue ids are each backend's own (issue 15): two backends that both have a
team "1" and a queue "1" in one GC. Two sim instances, each on its own site file:
``east`` on the default site (team 1: 1001, 1002, 1003, supervisor 1100), ``west`` on a
site written here with the same team and queue ids (team 1: 2001, 2002, 1003,
supervisor 2100; 1003 is on both sites, and the agent rule puts it on east).

What must hold: each supervisor's getteamusers lists its own backend's team 1 (the
members come from the site files, not from GC); a member change of east's team 1
reaches east's supervisor only, and so do east's queue 1 statistics; a supervisor
cannot command an agent of another backend through a same-named team.
"""
from __future__ import annotations

import pytest

from gc_core.resources import conf_dir
from gc_core.testing import GCProcess, event_obj, event_type

from tests.backends.helpers import ask, connect

SIM = {"demo_call_interval": 0.0, "external_answer_after": -1.0}
EAST_TEAM = {"1001", "1002", "1003", "1100"}            # conf/sim-site.toml, team 1
WEST_TEAM = {"2001", "2002", "1003", "2100"}            # west_site() below, team 1
WEST_IDS = {"1001": "2001", "1002": "2002", "1100": "2100"}


def west_site(directory) -> str:
    """The default site with other agent ids (1003 kept), the same team and queue ids,
    and queue 1 named "West Sales" (a QueueStats entry names its queue by name only)."""
    text = (conf_dir() / "sim-site.toml").read_text()
    for old, new in WEST_IDS.items():
        text = text.replace(f'id = "{old}"', f'id = "{new}"').replace(f'extension = "{old}"', f'extension = "{new}"')
    queue = '[[queues]]\nid = "1"\nname = "Sales"'
    assert queue in text
    text = text.replace(queue, '[[queues]]\nid = "1"\nname = "West Sales"')  # QueueStats names queues only
    path = directory / "west-site.toml"
    path.write_text(text)
    return str(path)


@pytest.fixture(scope="module")
def gc(tmp_path_factory):
    work = tmp_path_factory.mktemp("gc-shared-ids")
    config = {"gc": {"plugins": ["websocket", "tcp", "sim", "agent", "supervisor"]},
              "sim": dict(SIM),
              "backends": {"east": {"type": "sim", "flavour": "UCCE", "agents": ["1000-1999"]},
                           "west": {"type": "sim", "flavour": "UCCE", "agents": ["2000-2999"],
                                    "site": west_site(work)}}}
    with GCProcess(config, workdir=work) as p:
        yield p


def unasked(c, dest, kind) -> list:
    """Events of ``kind`` nobody asked for that reached ``c``, up to the answer of a
    Beat sent now (GC answers it after anything sent to the destination before)."""
    c.send({"type": "Beat", "params": {"clientDestination": dest}, "requestId": "fence"})
    c.expect("System", requestId="fence")
    return [event_obj(e) for e in c.events if event_type(e) == kind and "requestId" not in event_obj(e)]


def test_team_and_queue_ids_are_scoped_per_backend(gc):
    sup_east, sup_west = connect(gc, "1100", "sup-east"), connect(gc, "2100", "sup-west")
    # each supervisor's team 1 is its own backend's
    for c, sup, members, queue in ((sup_east, "1100", EAST_TEAM, "Sales"), (sup_west, "2100", WEST_TEAM, "West Sales")):
        team = ask(c, sup, "getteamusers", f"team-{sup}", teamId="1", subscribe="true")
        assert team["type"] == "TeamAgents"
        assert {u["loginId"] for u in team["users"]} == members
        stats = ask(c, sup, "getqueuelist", f"queues-{sup}")
        assert stats["type"] == "QueueStats" and [q["queueName"] for q in stats["queue"]] == [queue]
        c.events.clear()

    # a member of east's team 1 goes READY: east's supervisor hears it, west's does not
    agent = connect(gc, "1001", "agent-east")
    assert ask(agent, "1001", "MakeReady", "ready")["state"] == "READY"
    seen = sup_east.expect(lambda e: event_type(e) == "TeamAgents" and
                           [(u["loginId"], u["state"]) for u in event_obj(e)["users"]] == [("1001", "READY")])
    assert "requestId" not in event_obj(seen)
    assert unasked(sup_west, "sup-west", "TeamAgents") == []

    # a customer calls east's queue 1: east's statistics reach east's supervisor only
    control = gc.client("tcp")
    control.send({"type": "SimCall", "params": {"queueId": "1", "backend": "east"}, "requestId": "call"})
    dialog_id = control.expect("SimTraffic", requestId="call")["dialogId"]
    assert agent.expect("NewInboundCall")["dialogId"] == dialog_id
    update = sup_east.expect(lambda e: event_type(e) == "QueueStats" and "requestId" not in event_obj(e))
    assert [q["queueName"] for q in event_obj(update)["queue"]] == ["Sales"]
    assert unasked(sup_west, "sup-west", "QueueStats") == []
    assert unasked(sup_west, "sup-west", "TeamAgents") == []
    control.send({"type": "SimHangup", "params": {"dialogId": dialog_id, "backend": "east"}, "requestId": "bye"})
    control.expect("SimTraffic", requestId="bye")

    # 1003 is in both sites' team 1 but on east: west's supervisor cannot command it
    member = connect(gc, "1003", "agent-1003")
    refused = ask(sup_west, "1003", "MakeReady", "not-mine")
    assert (refused["type"], refused["errorCode"]) == ("Error", "SUBSCRIPTION_FAILED")
    assert ask(sup_east, "1003", "MakeReady", "mine")["state"] == "READY"
    assert member.expect("State", state="READY")
    for c in (sup_east, sup_west, agent, control, member):
        c.close()
