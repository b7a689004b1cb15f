"""Scale-out by agent (issue 13, point 3): three GC processes consume one queue;
clients set JMSXGroupID = agent id, so ActiveMQ's message groups keep each agent's
commands on one process. Killing one (SIGKILL) hands its groups to the others: its
destinations are told (System), clients re-Connect, every agent is served again, by
exactly one process, and no command is answered twice."""
from __future__ import annotations

import re

import pytest

from gc_core.testing import event_obj
from tests.agent.helpers import PASSWORD, Site

from .conftest import stomp_gc
from .jms import JmsClient
from .test_broker_loss import wait_for_log

PROCESSES = 3
DESTINATIONS = 3
AGENTS = 30


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return Site(tmp_path_factory.mktemp("site"), optional=AGENTS // 3, required=0)


def served_by(procs, agent_id: str) -> list[int]:
    """Indexes of the processes whose log says they connected ``agent_id``."""
    pattern = re.compile(rf"agent {agent_id} connected on destination")
    return [i for i, p in enumerate(procs) if pattern.search(p.log())]


def sign_in(desk: JmsClient, agents, tag: str) -> None:
    for a in agents:
        desk.send(f"Connect#{a.id}", f"{desk.destination},{PASSWORD}")
        desk.send(f"Login#{a.id}", f"{PASSWORD},{a.ext}")
        desk.send(f"MakeReady#{a.id}")
        desk.send_json({"type": "GetState", "agentId": a.id, "requestId": f"{tag}-{a.id}"})
    for a in agents:
        assert desk.expect("State", requestId=f"{tag}-{a.id}", timeout=60)["state"] == "READY"


def test_groups_keep_agents_on_one_process_and_move_when_it_dies(broker, site, tmp_path):
    agents = [a for _ in range(AGENTS // 3) for a in site.team().agents]
    procs, desks = [], []
    try:
        for i in range(PROCESSES):
            procs.append(stomp_gc(broker, tmp_path / f"gc{i}", queue="GRP", mode="groups",
                                  sim={"site": str(site.path)}))
            wait_for_log(procs[-1], "started: consuming from broker")
        desks = [JmsClient(broker.host_port, f"crm-grp-{i}", queue_name="GRP", groups=True)
                 for i in range(DESTINATIONS)]
        mine = {d.destination: agents[i::DESTINATIONS] for i, d in enumerate(desks)}
        for desk in desks:
            desk.send(f"Hello#{desk.destination}")
            desk.expect("System")
            sign_in(desk, mine[desk.destination], "in")
        for desk in desks:
            assert [e for e in desk.drain(0.3) if e.get("type") == "Error"] == []
        owner = {}
        for a in agents:
            [owner[a.id]] = served_by(procs, a.id)  # exactly one process
        assert set(owner.values()) == set(range(PROCESSES)), "every process serves some agents"

        victim = owner[agents[0].id]
        moved = [a for a in agents if owner[a.id] == victim]
        for i, p in enumerate(procs):
            if i != victim:
                wait_for_log(p, f"active, {DESTINATIONS} client destination(s)")
        procs[victim].proc.kill()
        told = [d for d in desks if any(a in moved for a in mine[d.destination])]
        for desk in told:  # a System without requestId: the survivors' word to re-Connect
            desk.expect(lambda e: event_obj(e).get("type") == "System" and "requestId" not in event_obj(e),
                        timeout=60)
        for desk in told:
            sign_in(desk, mine[desk.destination], "again")
        for desk in desks:
            extra = desk.drain(0.5)
            assert [e for e in extra if e.get("type") == "Error"] == []
            # no command answered twice: no second answer to any GetState
            assert [e for e in extra if str(e.get("requestId", "")).startswith(("in-", "again-"))] == []
        survivors = [p for i, p in enumerate(procs) if i != victim]
        for a in moved:
            assert len(served_by(survivors, a.id)) == 1, a.id
        for a in agents:
            if a not in moved:
                assert served_by(survivors, a.id) == [owner[a.id] - (owner[a.id] > victim)], a.id
    finally:
        for desk in desks:
            desk.close()
        for p in procs:
            p.stop()
