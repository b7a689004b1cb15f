"""Active-passive GC on one broker (issue 13, point 2): two GC processes consume the
command queue as ActiveMQ exclusive consumers; the second stands by with no agent
session until the first dies (SIGKILL). Then it takes the queue, tells every client
destination (System), the clients re-Connect, and every agent is back. The time from
the kill to the first served command is measured and printed (run with -s)."""
from __future__ import annotations

import time

import pytest

from tests.agent.helpers import PASSWORD, Site

from .conftest import broker_metric, stomp_gc
from .jms import JmsClient
from .test_broker_loss import wait_for_log

DESTINATIONS = 5
AGENTS = 50


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return Site(tmp_path_factory.mktemp("site"), optional=AGENTS // 3 + 1, required=0)


def sign_in(desk: JmsClient, agents) -> None:
    for a in agents:
        desk.send(f"Connect#{a.id}", f"{desk.destination},{PASSWORD}")
        desk.send(f"Login#{a.id}", f"{PASSWORD},{a.ext}")
    for a in agents:
        desk.expect("AgentInfo", agentId=a.id, timeout=60)
        desk.send(f"MakeReady#{a.id}")
    for a in agents:
        desk.expect("State", agentId=a.id, state="READY", timeout=60)


def test_standby_takes_over_after_sigkill(broker, site, tmp_path):
    agents = [a for _ in range(AGENTS // 3 + 1) for a in site.team().agents][:AGENTS]
    conf = {"sim": {"site": str(site.path)}}
    active = stomp_gc(broker, tmp_path / "a", queue="AP", **conf)
    standby = None
    desks = []
    try:
        wait_for_log(active, "started: consuming from broker")
        standby = stomp_gc(broker, tmp_path / "b", queue="AP", **conf)
        wait_for_log(standby, "started: consuming from broker")
        desks = [JmsClient(broker.host_port, f"crm-ap-{i}", queue_name="AP") for i in range(DESTINATIONS)]
        share = AGENTS // DESTINATIONS
        for i, desk in enumerate(desks):
            desk.send(f"Hello#{desk.destination}")
            desk.expect("System")
            sign_in(desk, agents[i * share:(i + 1) * share])
        wait_for_log(standby, f"active, {DESTINATIONS} client destination(s)")
        # the standby's backend is idle: it has opened no agent session
        assert "connected on destination" not in standby.log()
        assert active.log().count("connected on destination") == AGENTS
        assert (broker_metric(active, "gc_transport_active"), broker_metric(standby, "gc_transport_active")) == (1, 0)
        assert broker_metric(standby, "gc_transport_peers") == 1

        t0 = time.monotonic()
        active.proc.kill()  # SIGKILL: no goodbye to the broker or the peers
        for desk in desks:  # commands sent after the switch are not lost
            desk.send_json({"type": "Beat", "params": {"clientDestination": desk.destination},
                            "requestId": "after-kill"})
        answered = []
        for desk in desks:
            desk.expect("System", requestId="after-kill", timeout=60)
            answered.append(time.monotonic() - t0)
        first_served = min(answered)
        # every destination was told (a System without requestId), even before asking
        for desk in desks:
            assert desk.expect(lambda e: e.get("type") == "System" and "requestId" not in e, timeout=60)
        # the legacy driver's reaction: re-Connect (and sign in again: the sim behind the
        # standby is a contact center of its own)
        for i, desk in enumerate(desks):
            sign_in(desk, agents[i * share:(i + 1) * share])
        all_back = time.monotonic() - t0
        for desk in desks:
            assert [e for e in desk.drain(0.5) if e.get("type") == "Error"] == []
        assert standby.log().count("connected on destination") == AGENTS
        assert "took over the command queue" in standby.log()
        assert broker_metric(standby, "gc_transport_active") == 1
        print(f"\nactive-passive, {AGENTS} agents on {DESTINATIONS} destinations: SIGKILL -> first served "
              f"command {first_served * 1000:.0f} ms; -> all {AGENTS} agents re-Connected, signed in and READY "
              f"{all_back * 1000:.0f} ms")
    finally:
        for desk in desks:
            desk.close()
        active.stop()
        if standby is not None:
            standby.stop()
