"""Failover (reference section 1): a node is usable only when SystemInfo says
IN_SERVICE, the XMPP streams are up and the ``finesse`` user is AVAILABLE. On
trouble clients get ``System OUT_OF_SERVICE``; GC polls SystemInfo, stays on a node
that comes back, moves REST and XMPP to the other node when it does not, and then
clients get ``System IN_SERVICE`` and the agents' current state.

One emulator cluster for the module, restored (nodes running, fresh model) before
each test; one GC process per test (each test breaks a node under it).
"""
from __future__ import annotations

import json
import re

import pytest

from gc_core.testing import GCProcess, event_obj
from gc_finesse_emulator.cluster import EmulatorCluster
from gc_finesse_emulator.testing import restore

from tests import support

from .harness import PASSWORD, finesse_config

AGENT = "1001"
FAST = {"failover_poll_interval": 0.1, "failover_after": 0.5, "presence_timeout": 2.0}


@pytest.fixture(scope="module")
def cluster():
    c = EmulatorCluster.start(flavour="UCCE", secondary=True)
    yield c
    c.stop()


@pytest.fixture
def fresh(cluster):
    restore(cluster)
    return cluster


@pytest.fixture
def gc_factory(fresh, tmp_path):
    procs = []

    def make(**finesse):
        workdir = tmp_path / f"gc{len(procs)}"
        workdir.mkdir()
        p = GCProcess(finesse_config(fresh, **finesse), workdir=workdir)
        procs.append(p)
        return p
    yield make
    for p in procs:
        p.stop()


def signed_in(gc, agent=AGENT, dest="fo"):
    return support.signed_in(gc, agent, dest, password=PASSWORD)


def get_state(c, rid, agent=AGENT):
    c.send({"type": "GetState", "agentId": agent, "requestId": rid})
    return c.expect(lambda e: event_obj(e).get("requestId") == rid)


def test_out_of_service_and_back_on_the_same_node(fresh, gc_factory):
    gc = gc_factory(failover_poll_interval=0.1, failover_after=60.0)
    c = signed_in(gc)
    fresh.take_out_of_service("primary", reason="CTI link lost")
    assert c.expect("System")["status"] == "OUT_OF_SERVICE"
    err = get_state(c, "during")
    assert (err["type"], err["errorCode"]) == ("Error", "DOWN")  # fails fast, no pile-up
    fresh.put_in_service("primary")
    assert c.expect("System")["status"] == "IN_SERVICE"
    state = get_state(c, "after")
    assert (state["type"], state["state"]) == ("State", "NOT_READY")
    # still on the primary: an action's notification carries our requestId
    c.send({"type": "MakeReady", "agentId": AGENT, "requestId": "ready"})
    assert c.expect("State", requestId="ready")["state"] == "READY"
    assert "moving REST" not in gc.log()


def test_node_out_of_service_moves_rest_and_xmpp_to_the_secondary(fresh, gc_factory):
    gc = gc_factory(**FAST)
    c = signed_in(gc)
    fresh.take_out_of_service("primary", reason="CTI link lost")
    assert c.expect("System")["status"] == "OUT_OF_SERVICE"
    assert c.expect("System", timeout=20)["status"] == "IN_SERVICE"
    # the agent's current state is replayed after the move
    assert c.expect("State")["state"] == "NOT_READY"
    # REST goes to the secondary: the emulator echoes a requestId only on the node
    # whose REST API received the request, so the State carrying it came from there
    c.send({"type": "MakeReady", "agentId": AGENT, "requestId": "ready-2"})
    assert c.expect("State", requestId="ready-2")["state"] == "READY"
    # and notifications come from the secondary's XMPP
    did = fresh.model.inbound_call()
    assert c.expect("NewInboundCall")["dialogId"] == did
    assert "moving REST and 1 XMPP streams" in gc.log()


def test_node_lost_moves_to_the_secondary(fresh, gc_factory):
    gc = gc_factory(**FAST)
    c = signed_in(gc)
    fresh.stop_node("primary")
    assert c.expect("System")["status"] == "OUT_OF_SERVICE"
    assert c.expect("System", timeout=20)["status"] == "IN_SERVICE"
    state = get_state(c, "after")
    assert (state["type"], state["state"]) == ("State", "NOT_READY")
    c.send({"type": "MakeReady", "agentId": AGENT, "requestId": "ready"})
    assert c.expect("State", requestId="ready")["state"] == "READY"


def test_web_application_down_is_seen_by_the_finesse_presence(fresh, gc_factory):
    gc = gc_factory(**FAST)
    c = signed_in(gc)
    fresh.stop_webapp("primary")   # XMPP stays up; the finesse user goes unavailable
    assert c.expect("System")["status"] == "OUT_OF_SERVICE"
    assert c.expect("System", timeout=20)["status"] == "IN_SERVICE"
    c.send({"type": "MakeReady", "agentId": AGENT, "requestId": "ready"})
    assert c.expect("State", requestId="ready")["state"] == "READY"
    assert "FINESSE_UNAVAILABLE" in gc.log()


def test_starts_on_the_secondary_when_the_primary_is_down(fresh, gc_factory):
    fresh.stop_node("primary")
    gc = gc_factory(**FAST)
    c = signed_in(gc)
    state = get_state(c, "s")
    assert (state["type"], state["state"]) == ("State", "NOT_READY")


def test_starts_out_of_service_and_follows_finesse_up(fresh, gc_factory):
    fresh.stop_node("primary")
    fresh.stop_node("secondary")
    gc = gc_factory(**FAST)
    c = gc.client()
    c.send({"type": "Hello", "params": {"clientDestination": "early"}})
    assert c.expect("System")["status"] == "OUT_OF_SERVICE"
    c.send({"type": "Connect", "agentId": AGENT, "requestId": "too-early",
            "params": {"clientDestination": "early", "password": PASSWORD}})
    assert c.expect("Error", requestId="too-early")["errorCode"] == "DOWN"
    fresh.start_node("primary")
    assert c.expect("System", timeout=20)["status"] == "IN_SERVICE"
    c.send({"type": "Connect", "agentId": AGENT, "params": {"clientDestination": "early", "password": PASSWORD}})
    state = get_state(c, "now")
    assert (state["type"], state["state"]) == ("State", "LOGOUT")


def test_graceful_stop_is_quiet(fresh, gc_factory):
    gc = gc_factory(**FAST)
    signed_in(gc)
    assert gc.stop() == 0
    log = gc.log()
    for noise in ("Task was destroyed", "greenlet is being finalized", "Traceback", "ERROR"):
        assert noise not in log


def test_wrong_flavour_stops_gc_at_start(fresh, tmp_path):
    with pytest.raises(RuntimeError) as info:
        GCProcess(finesse_config(fresh, flavour="UCCX"), workdir=tmp_path)
    assert "finesse.flavour is UCCX but Finesse" in str(info.value)
    assert "deploymentType UCCE" in str(info.value)


# -- noticed without a client's command; no IN_SERVICE from a dying node ------------------------
def proxied_config(cluster, proxies: dict, **finesse) -> dict:
    """GC reaching each node through a BlackHoleProxy (REST and XMPP each)."""
    conf = finesse_config(cluster, **finesse)
    conf["finesse"].update(primary_host="127.0.0.1", primary_port=proxies["p_rest"].port,
                           primary_xmpp_port=proxies["p_xmpp"].port,
                           secondary_host="127.0.0.1", secondary_port=proxies["s_rest"].port,
                           secondary_xmpp_port=proxies["s_xmpp"].port)
    return conf


@pytest.fixture
def proxies(fresh):
    from gc_finesse_emulator.blackhole import BlackHoleProxy
    made = {"p_rest": BlackHoleProxy((fresh.primary.host, fresh.primary.rest_port)),
            "p_xmpp": BlackHoleProxy((fresh.primary.xmpp_host, fresh.primary.xmpp_port)),
            "s_rest": BlackHoleProxy((fresh.secondary.host, fresh.secondary.rest_port)),
            "s_xmpp": BlackHoleProxy((fresh.secondary.xmpp_host, fresh.secondary.xmpp_port))}
    yield made
    for p in made.values():
        p.close()


def systems_until_beat(c, dest="fo") -> list:
    """Every System status received, up to and including the answer to a Beat sent now."""
    c.send({"type": "Beat", "params": {"clientDestination": dest}, "requestId": "beat"})
    c.expect("System", requestId="beat")
    return [e["status"] for e in c.events if event_obj(e).get("type") == "System" and "requestId" not in e]


@pytest.mark.parametrize("hole", [("p_rest",), ("p_rest", "p_xmpp")], ids=["rest-hanging", "silent-partition"])
def test_a_silent_node_is_noticed_by_the_health_probe_and_left(fresh, proxies, tmp_path, hole):
    """REST hanging (and a silent partition: REST and XMPP) while no client sends
    anything: the health probe notices, GC moves to the secondary, and the client hears
    exactly OUT_OF_SERVICE then IN_SERVICE; the agent's session works there."""
    with GCProcess(proxied_config(fresh, proxies, health_interval=0.2, health_timeout=1.0, **FAST),
                   workdir=tmp_path) as gc:
        c = signed_in(gc)
        c.events.clear()
        for name in hole:
            proxies[name].black_hole()
        assert c.expect("System", timeout=30)["status"] == "OUT_OF_SERVICE"
        assert c.expect("System", timeout=30)["status"] == "IN_SERVICE"
        assert c.expect("State", timeout=10)["state"] == "NOT_READY"  # replayed from the secondary
        c.send({"type": "MakeReady", "agentId": AGENT, "requestId": "ready"})
        assert c.expect("State", requestId="ready")["state"] == "READY"
        assert systems_until_beat(c) == ["OUT_OF_SERVICE", "IN_SERVICE"]
        assert "health probe" in gc.log()


def test_xmpp_stopped_gives_one_out_of_service_and_one_in_service(fresh, gc_factory):
    """The notification service stops while REST answers IN_SERVICE: the node in use
    must not be declared usable again on streams that have not noticed yet."""
    gc = gc_factory(**FAST)
    c = signed_in(gc)
    c.events.clear()
    fresh.stop_xmpp("primary")
    assert c.expect("System", timeout=30)["status"] == "OUT_OF_SERVICE"
    assert c.expect("System", timeout=30)["status"] == "IN_SERVICE"
    c.send({"type": "MakeReady", "agentId": AGENT, "requestId": "ready"})
    assert c.expect("State", requestId="ready")["state"] == "READY"
    assert systems_until_beat(c) == ["OUT_OF_SERVICE", "IN_SERVICE"]


# -- nobody signed in: GC follows the node all the same ------------------------------------------
def readyz(gc) -> tuple[int, dict]:
    from tests.ops.helpers import http_base, http_get
    status, body, _headers = http_get(http_base(gc) + "/readyz")
    return status, json.loads(body)


def watching(gc, dest="idle"):
    """A client with a destination and no agent: it hears the overall status."""
    c = gc.client("tcp")
    c.send({"type": "Hello", "params": {"clientDestination": dest}})
    assert c.expect("System")["status"] == "IN_SERVICE"
    return c


def test_nobody_signed_in_out_of_service_is_followed(fresh, gc_factory):
    """Both nodes lose their CTI link while no agent is signed in: SystemInfo (the
    health probe) says OUT_OF_SERVICE, so /readyz answers 503 and a Hello's System says
    OUT_OF_SERVICE; when the secondary comes back GC moves there, with one
    OUT_OF_SERVICE and one IN_SERVICE, and an agent signs in and acts there."""
    gc = gc_factory(health_interval=0.2, health_timeout=1.0, **FAST)
    idle = watching(gc)
    idle.events.clear()
    assert readyz(gc) == (200, {"ready": True, "status": "IN_SERVICE", "backends": {"finesse": "IN_SERVICE"}})
    fresh.take_out_of_service("secondary", reason="CTI link lost")   # not the node in use: unseen
    fresh.take_out_of_service("primary", reason="CTI link lost")
    assert idle.expect("System", timeout=30)["status"] == "OUT_OF_SERVICE"
    status, body = readyz(gc)
    assert (status, body["status"], body["backends"]) == (503, "OUT_OF_SERVICE", {"finesse": "OUT_OF_SERVICE"})
    late = gc.client("tcp")
    late.send({"type": "Hello", "params": {"clientDestination": "late"}})
    assert late.expect("System")["status"] == "OUT_OF_SERVICE"
    fresh.put_in_service("secondary")
    assert idle.expect("System", timeout=30)["status"] == "IN_SERVICE"
    assert systems_until_beat(idle, "idle") == ["OUT_OF_SERVICE", "IN_SERVICE"]
    assert readyz(gc)[0] == 200
    c = signed_in(gc)
    # REST is the secondary's: the emulator echoes a requestId only on the node whose
    # REST API received the request (the primary would answer 503 anyway)
    c.send({"type": "MakeReady", "agentId": AGENT, "requestId": "ready"})
    assert c.expect("State", requestId="ready")["state"] == "READY"
    assert "moving REST" not in gc.log()  # nothing to move: nobody was signed in


def test_nobody_signed_in_xmpp_stopped_is_noticed_and_left(fresh, gc_factory):
    """The primary's notification service stops while REST still answers IN_SERVICE and
    no agent is signed in (no stream, no keep-alive ping to miss): the health probe asks
    the XMPP server itself, so clients hear OUT_OF_SERVICE, then IN_SERVICE once GC is on
    the secondary, whose XMPP answers; nothing in between. An agent then signs in there
    and its notifications arrive."""
    gc = gc_factory(health_interval=0.2, health_timeout=1.0, **FAST)
    idle = watching(gc)
    idle.events.clear()
    fresh.stop_xmpp("primary")
    assert idle.expect("System", timeout=30)["status"] == "OUT_OF_SERVICE"
    assert idle.expect("System", timeout=30)["status"] == "IN_SERVICE"
    assert systems_until_beat(idle, "idle") == ["OUT_OF_SERVICE", "IN_SERVICE"]
    assert "health probe: XMPP on primary" in gc.log()
    c = signed_in(gc)
    c.send({"type": "MakeReady", "agentId": AGENT, "requestId": "ready"})
    assert c.expect("State", requestId="ready")["state"] == "READY"
    did = fresh.model.inbound_call()
    assert c.expect("NewInboundCall")["dialogId"] == did


def test_nobody_signed_in_stays_out_while_no_node_has_xmpp(fresh, gc_factory):
    """No false IN_SERVICE: with both nodes' XMPP stopped (REST IN_SERVICE on both) GC
    stays OUT_OF_SERVICE (a Connect would fail on either); when the primary's XMPP
    returns, one IN_SERVICE."""
    gc = gc_factory(health_interval=0.2, health_timeout=1.0, **FAST)
    idle = watching(gc)
    idle.events.clear()
    fresh.stop_xmpp("secondary")
    fresh.stop_xmpp("primary")
    assert idle.expect("System", timeout=30)["status"] == "OUT_OF_SERVICE"
    # the recovery has tried both nodes at least once since (it logs each refusal)
    from tests.ops.helpers import wait_for
    refused = re.compile(r"Finesse (primary|secondary) \S+: XMPP \S+: ")
    wait_for(lambda: {m.group(1) for m in refused.finditer(gc.log())} == {"primary", "secondary"},
             what="the recovery asking both nodes' XMPP")
    assert readyz(gc)[0] == 503
    fresh.start_node("primary")
    assert idle.expect("System", timeout=30)["status"] == "IN_SERVICE"
    assert systems_until_beat(idle, "idle") == ["OUT_OF_SERVICE", "IN_SERVICE"]
    assert readyz(gc)[0] == 200


def test_the_xmpp_probe_needs_no_credentials(fresh):
    """What the probe reads is RFC 6120's stream negotiation: features for a served
    domain (section 4.3.2), ``host-unknown`` for a domain the server does not serve
    (section 4.9.3.6), a refused connection for a stopped server."""
    from gc_finesse.xmpp_probe import probe
    node = fresh.primary
    assert probe(node.xmpp_host, node.xmpp_port, fresh.xmpp_domain, 5.0) is None
    assert probe(node.xmpp_host, node.xmpp_port, "not-this.example.com", 5.0) == "stream error: host-unknown"
    fresh.stop_xmpp("primary")
    assert probe(node.xmpp_host, node.xmpp_port, fresh.xmpp_domain, 5.0) == "connection refused"


@pytest.mark.parametrize("answer, why", [
    (b"", "no stream features within 0.5 s"),   # accepts, then says nothing: a hung server
    (b"<?xml version='1.0'?><!DOCTYPE s [<!ENTITY a 'b'>]><stream:stream xmlns:stream="
     b"'http://etherx.jabber.org/streams'><stream:features/>", "not an XMPP stream (a DTD or comment in it)"),
], ids=["silent", "dtd"])
def test_the_xmpp_probe_refuses_silence_and_dtds(answer, why):
    """A server that accepts but never answers is no answer; a stream with a DTD is not
    XMPP (RFC 6120 section 11.1), even with features after it."""
    import socket
    import threading
    from gc_finesse.xmpp_probe import probe
    server = socket.create_server(("127.0.0.1", 0))
    done = threading.Event()

    def serve():
        conn, _ = server.accept()
        with conn:
            conn.recv(4096)
            if answer:
                conn.sendall(answer)
            done.wait(10)
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        assert probe("127.0.0.1", server.getsockname()[1], "example.com", 0.5) == why
    finally:
        done.set()
        t.join(10)
        server.close()


def test_a_login_under_way_watches_the_xmpp_side_until_its_own_timeout(fresh, proxies, tmp_path):
    """Nobody signed in yet and the first agents' XMPP logins under way (a morning wave:
    Prosody busy with thousands of logins answers a bare probe late): the logins watch
    the XMPP side, so an unanswered XMPP probe is not trouble while they last. Here the
    primary's XMPP is black-holed as the agent connects: the agent's own login times
    out first (its Connect fails with UNABLE_TO_SUBSCRIBE_TO_FINESSE; the client hears no
    System verdict before that answer), and only then does the health probe declare the
    node out of service and GC move to the secondary."""
    conf = proxied_config(fresh, proxies, health_interval=0.2, health_timeout=1.0, xmpp_timeout=6.0, **FAST)
    with GCProcess(conf, workdir=tmp_path) as gc:
        c = watching(gc, "wave")
        c.events.clear()
        proxies["p_xmpp"].black_hole()
        c.send({"type": "Connect", "agentId": AGENT, "requestId": "connect",
                "params": {"clientDestination": "wave", "password": PASSWORD}})
        answer = c.expect(lambda e: event_obj(e).get("requestId") == "connect", timeout=30)
        assert event_obj(answer)["type"] == "Error"
        assert event_obj(answer)["errorCode"] == "UNABLE_TO_SUBSCRIBE_TO_FINESSE", answer
        # in order on this connection: nothing about the node before the login's own answer
        assert [event_obj(e).get("type") for e in c.events] == ["Error"], c.events
        assert c.expect("System", timeout=30)["status"] == "OUT_OF_SERVICE"
        assert c.expect("System", timeout=30)["status"] == "IN_SERVICE"   # on the secondary
        assert systems_until_beat(c, "wave") == ["OUT_OF_SERVICE", "IN_SERVICE"]
        assert "health probe: XMPP on primary" in gc.log()
