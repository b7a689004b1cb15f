"""Several backends in one GC (issue 15, must-hold 1): two emulated Finesse clusters
(UCCE and UCCX, each its own Prosody) and the sim, one GC process. Every agent signs
in and takes a call on its own backend; a UCCE-only command (makeworkready, the
WORK_READY state only UCCE has: reference section 9) is refused to the UCCX agent and
works for the UCCE one; a cluster going out of service is told only to the
destinations whose agents use it (and to a destination with no agent yet, whose
status is the overall one: docs/protocol.md, "Backends").

Expected values come from the spec (event types and states of an answered inbound
call, the System event's two statuses) and from the configuration's agent rule,
not from GC's output."""
from __future__ import annotations

import pytest

from gc_core.testing import GCProcess, event_obj, event_type
from tests.finesse.harness import finesse_section, scenario_team, write_site

pytest.importorskip("gc_finesse.backend")
from gc_finesse_emulator.cluster import EmulatorCluster  # noqa: E402
from tests.backends.helpers import ask, connect
from tests.expected import described

UCCE_TEAM, UCCX_TEAM, SIM_TEAM = scenario_team(1), scenario_team(2), scenario_team(3)
CUSTOMER = "5550142"


# Team 1 of the default site has a second supervisor here, so each cluster (both run
# this one site: both have a team "1") can have a supervisor of its team 1 in one GC.
SECOND_SUPERVISOR = """
[[agents]]
id = "1101"
password = "secret"
first_name = "Sue"
last_name = "Supervisor"
extension = "1101"
team = "1"
roles = ["Agent", "Supervisor"]
supervises = ["1"]
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    path = write_site(tmp_path_factory.mktemp("site"))
    path.write_text(path.read_text() + SECOND_SUPERVISOR)
    return path


@pytest.fixture(scope="module")
def clusters(site):
    started = []
    try:
        for flavour in ("UCCE", "UCCX"):
            started.append(EmulatorCluster.start(flavour=flavour, site=str(site), secondary=False))
        yield {c.flavour: c for c in started}
    finally:
        for c in started:
            c.stop()


def multi_config(clusters, site) -> dict:
    """Two Finesse instances with explicit ranges and the sim as the default; the
    [finesse] section carries what both Finesse instances share."""
    ucce, uccx = clusters["UCCE"], clusters["UCCX"]
    shared = finesse_section(ucce, secondary=False)
    own = ("flavour", "primary_host", "primary_port", "primary_xmpp_port")
    return {
        "gc": {"plugins": ["websocket", "tcp", "sim", "agent", "supervisor", "finesse"]},
        "finesse": {k: v for k, v in shared.items() if k not in own},
        "sim": {"site": str(site), "flavour": "UCCE", "demo_call_interval": 0.0, "external_answer_after": -1.0},
        "backends": {
            "ucce": {"type": "finesse", "agents": [f"{UCCE_TEAM.agents[0]}-{UCCE_TEAM.agents[-1]}", "1001", "1100"],
                     **{k: v for k, v in finesse_section(ucce, secondary=False).items() if k in own}},
            "uccx": {"type": "finesse", "agents": [f"{UCCX_TEAM.agents[0]}-{UCCX_TEAM.agents[-1]}", "1101"],
                     **{k: v for k, v in finesse_section(uccx, secondary=False).items() if k in own}},
            "training": {"type": "sim", "default": True},
        },
    }


@pytest.fixture(scope="module")
def gc(clusters, site, tmp_path_factory):
    with GCProcess(multi_config(clusters, site), workdir=tmp_path_factory.mktemp("gc-multi")) as p:
        yield p


def sign_in(gc, agent: str, dest: str):
    c = connect(gc, agent, dest)
    assert c.expect("State", agentId=agent)["state"] == "NOT_READY"
    return c


def request(c, agent: str, type_: str, rid: str, **params):
    return ask(c, agent, type_, rid, timeout=15, **params)


def take_a_call(c, agent: str, place_call) -> None:
    """READY, a customer calls the agent's queue, the agent answers: the spec's
    NewInboundCall (dialogId, fromAddress), then InboundCall ACTIVE and State TALKING; the
    customer hangs up: InboundCall DROPPED."""
    assert request(c, agent, "MakeReady", f"ready-{agent}")["state"] == "READY"
    dialog_id, hang_up = place_call()
    new = c.expect("NewInboundCall", timeout=15)
    assert (new["dialogId"], new["fromAddress"]) == (dialog_id, CUSTOMER)
    c.send({"type": "AnswerCall", "agentId": agent, "params": {"dialogId": dialog_id}, "requestId": f"ans-{agent}"})
    assert c.expect("InboundCall", dialogId=dialog_id, state="ACTIVE", timeout=15)
    assert c.expect("State", agentId=agent, state="TALKING", timeout=15)
    hang_up(dialog_id)
    assert c.expect("InboundCall", dialogId=dialog_id, state="DROPPED", timeout=15)


def test_three_backends_in_one_gc(gc, clusters):
    ucce_agent, uccx_agent, sim_agent = UCCE_TEAM.agents[0], UCCX_TEAM.agents[0], SIM_TEAM.agents[0]
    ucce = sign_in(gc, ucce_agent, "crm-ucce")
    uccx = sign_in(gc, uccx_agent, "crm-uccx")
    sim = sign_in(gc, sim_agent, "crm-sim")
    control = gc.client("tcp")

    def finesse_call(cluster, team):
        def place():
            return (cluster.model.inbound_call(queue_id=team.queue_id, from_address=CUSTOMER),
                    cluster.model.customer_hangup)
        return place

    def sim_call():
        control.send({"type": "SimCall", "params": {"queueId": SIM_TEAM.queue_id, "fromAddress": CUSTOMER}, "requestId": "call"})
        did = control.expect("SimTraffic", requestId="call")["dialogId"]

        def hang_up(dialog_id):
            control.send({"type": "SimHangup", "params": {"dialogId": dialog_id}, "requestId": "hang"})
            control.expect("SimTraffic", requestId="hang")
        return did, hang_up

    take_a_call(ucce, ucce_agent, finesse_call(clusters["UCCE"], UCCE_TEAM))
    take_a_call(uccx, uccx_agent, finesse_call(clusters["UCCX"], UCCX_TEAM))
    take_a_call(sim, sim_agent, sim_call)

    # WORK_READY is UCCE's alone: refused to the UCCX agent before anything reaches Finesse
    refused = request(uccx, uccx_agent, "makeworkready", "wr-x")
    assert (event_type(refused), refused["errorCode"], refused["errorOrigin"]) == ("Error", "PLEASE_RETRY", "GC")
    assert refused["errorDescription"] == described(
        "PLEASE_RETRY", "makeworkready is not available on the finesse UCCX (uccx) backend (needs WORK_READY)")
    assert request(ucce, ucce_agent, "makeworknotready", "w-e")["state"] == "WORK"
    assert request(ucce, ucce_agent, "makeworkready", "wr-e")["state"] == "WORK_READY"

    # the UCCX cluster goes out of service: only its agents' destination hears it
    clusters["UCCX"].take_out_of_service("primary", reason="CTI link lost")
    try:
        assert uccx.expect("System", timeout=20)["status"] == "OUT_OF_SERVICE"
        for c, dest in ((ucce, "crm-ucce"), (sim, "crm-sim")):
            c.send({"type": "Beat", "params": {"clientDestination": dest}})
            # the Beat's answer comes after anything sent to the destination before it
            assert c.expect("System")["status"] == "IN_SERVICE"
            assert [e for e in c.drain(0.2) if event_type(e) == "System"] == []
        uccx.send({"type": "Beat", "params": {"clientDestination": "crm-uccx"}})
        assert uccx.expect("System")["status"] == "OUT_OF_SERVICE"
        # a destination without agents answers for every backend: not all in service
        fresh = gc.client("tcp")
        fresh.send({"type": "Hello", "params": {"clientDestination": "crm-new"}})
        assert fresh.expect("System")["status"] == "OUT_OF_SERVICE"
        # the others keep working meanwhile
        assert request(ucce, ucce_agent, "GetState", "still")["state"] == "WORK_READY"
    finally:
        clusters["UCCX"].put_in_service("primary")
    assert uccx.expect("System", timeout=20)["status"] == "IN_SERVICE"
    fresh.send({"type": "Beat", "params": {"clientDestination": "crm-new"}})
    assert fresh.expect("System")["status"] == "IN_SERVICE"
    for c in (ucce, uccx, sim, control, fresh):
        c.close()


def test_team_1_of_one_cluster_is_not_team_1_of_the_other(gc):
    """Both clusters have a team "1" (one site file): a supervisor of each subscribes to
    its team 1 (getteamusers subscribe=true); agent 1001, on the UCCE cluster, goes
    READY: the UCCE cluster's Team notification reaches the UCCE supervisor, and the
    UCCX supervisor hears nothing of 1001 (docs/protocol.md, Backends: team and queue
    ids are per backend)."""
    sup_e, sup_x = sign_in(gc, "1100", "sup-ucce"), sign_in(gc, "1101", "sup-uccx")
    for c, sup in ((sup_e, "1100"), (sup_x, "1101")):
        team = event_obj(request(c, sup, "getteamusers", f"team-{sup}", teamId="1", subscribe="true"))
        assert team["type"] == "TeamAgents" and {"1001", "1100", "1101"} <= {u["loginId"] for u in team["users"]}
        c.events.clear()
    agent = sign_in(gc, "1001", "agent-ucce")
    assert request(agent, "1001", "MakeReady", "ready-1001")["state"] == "READY"
    sup_e.expect(lambda e: event_type(e) == "TeamAgents" and "requestId" not in event_obj(e) and
                 [(u["loginId"], u["state"]) for u in event_obj(e)["users"]] == [("1001", "READY")], timeout=15)
    sup_x.send({"type": "Beat", "params": {"clientDestination": "sup-uccx"}, "requestId": "fence"})
    sup_x.expect("System", requestId="fence")  # answered after anything sent to sup-uccx before
    heard = [u for e in sup_x.events if event_type(e) == "TeamAgents" for u in event_obj(e)["users"]]
    assert [u for u in heard if u["loginId"] == "1001"] == []
    for c in (sup_e, sup_x, agent):
        c.close()
