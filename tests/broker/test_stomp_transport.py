"""The stomp transport against a real ActiveMQ, driven by a plain stomp.py client
that behaves like the original connector's JMS clients (issue 13, point 1)."""
from __future__ import annotations

import itertools

import pytest

from gc_core.testing import GCClient, event_obj, event_type
from tests.agent.helpers import PASSWORD, Customer, Site, agent_info
from tests.expected import call_vars, customer as cust, dropped, inbound, new_inbound, party, state

from .conftest import stomp_gc
from .jms import JmsClient

_fence = itertools.count(1)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return Site(tmp_path_factory.mktemp("site"), optional=4, required=0)


@pytest.fixture(scope="module")
def gc(broker, site, tmp_path_factory):
    with stomp_gc(broker, tmp_path_factory.mktemp("gc"), queue="T1", sim={"site": str(site.path)}) as proc:
        yield proc


class OverStomp:
    """The legacy driver on the broker: JMS type + comma body; fences with a JSON GetState."""

    def __init__(self, broker, destination):
        self.client = JmsClient(broker.host_port, destination, queue_name="T1")

    def send(self, line: str) -> None:
        jms_type, _, body = line.partition("|")
        self.client.send(jms_type, body)

    def events(self, agent_id: str) -> list:
        fence = f"fence-{next(_fence)}"
        self.client.send_json({"type": "GetState", "agentId": agent_id, "requestId": fence})
        return _until_fence(self.client.expect(lambda e: True), lambda: self.client.expect(lambda e: True), fence)

    def first(self):
        return self.client.expect(lambda e: True)

    def close(self):
        self.client.close()


class OverTcp:
    """The same lines on GC's TCP transport (the legacy frame form)."""

    def __init__(self, gc, destination):
        self.client: GCClient = gc.client("tcp")

    def send(self, line: str) -> None:
        self.client.send(line)

    def events(self, agent_id: str) -> list:
        fence = f"fence-{next(_fence)}"
        self.client.send({"type": "GetState", "agentId": agent_id, "requestId": fence})
        return _until_fence(self.client.recv(20), lambda: self.client.recv(20), fence)

    def first(self):
        return self.client.recv(20)

    def close(self):
        self.client.close()


def _until_fence(event, more, fence) -> list:
    out = []
    while event_obj(event).get("requestId") != fence:
        out.append(event)
        event = more()
    assert event_type(event) == "State"
    return out


@pytest.mark.parametrize("face", ["stomp", "tcp"])
def test_legacy_client_signs_in_takes_a_call_and_signs_out(gc, broker, site, face):
    """Hello, Connect, Login, MakeReady, a sim call answered and released, Logout: the
    spec's events, identical over the broker and over TCP."""
    team = site.team()
    a = team.agents[0]
    dest = f"crm-{face}-{a.id}"
    desk = OverStomp(broker, dest) if face == "stomp" else OverTcp(gc, dest)
    customer = Customer(gc)
    try:
        desk.send(f"Hello#{dest}")
        first = dict(event_obj(desk.first()))
        assert first.pop("resumeToken")  # a GC extension: the destination is new, its client holds it
        assert first == {"type": "System", "status": "IN_SERVICE"}
        desk.send(f"Connect#{a.id}|{dest},{PASSWORD}")
        assert desk.events(a.id) == []
        desk.send(f"Login#{a.id}|{PASSWORD},{a.ext}")
        assert desk.events(a.id) == [state(a, "NOT_READY"), agent_info(a)]
        desk.send(f"MakeReady#{a.id}")
        assert desk.events(a.id) == [state(a, "READY")]
        did = customer.call(team, "5557001", callVariable1="Gold")
        cv = call_vars("5557001", callVariable1="Gold")
        assert desk.events(a.id) == [
            new_inbound(a, did, "5557001", "ACD_IN", variables=cv),
            inbound(a, did, "ALERTING", "5557001", [cust("5557001"), party(a.ext, "ALERTING")], "ACD_IN", variables=cv),
            state(a, "RESERVED")]
        desk.send(f"AnswerCall#{a.id}|{did}")
        assert desk.events(a.id) == [
            inbound(a, did, "ACTIVE", "5557001", [cust("5557001"), party(a.ext, "ACTIVE")], "ACD_IN", variables=cv),
            state(a, "TALKING")]
        desk.send(f"ReleaseCall#{a.id}|{did}")
        assert desk.events(a.id) == [dropped(a, did), state(a, "READY")]
        desk.send(f"MakeNotReady#{a.id}")
        assert desk.events(a.id) == [state(a, "NOT_READY")]
        desk.send(f"Logout#{a.id}")
        assert desk.events(a.id) == [state(a, "LOGOUT")]
    finally:
        desk.close()
        customer.close()


def test_bad_messages_get_errors_and_lose_nothing(gc, broker, site):
    """An unknown command, a wrong parameter count and invalid JSON each get an Error on
    the client's topic; the next good command is served."""
    a = site.team().agents[0]
    dest = f"crm-bad-{a.id}"
    c = JmsClient(broker.host_port, dest, queue_name="T1", reply_to=True)
    try:
        c.send(f"Hello#{dest}")
        c.expect("System")
        c.send(f"Fly#{a.id}", "x")
        err = c.expect("Error")
        assert err["errorCode"] == "PLEASE_RETRY"
        c.send(f"Connect#{a.id}", f"{dest},{PASSWORD},extra,more")
        assert c.expect("Error")["errorCode"] == "PLEASE_RETRY"
        c.send(None, '{"type": "Connect", ')
        assert c.expect("Error")["errorCode"] == "PLEASE_RETRY"
        c.send(f"Connect#{a.id}", f"{dest},{PASSWORD}")
        c.send_json({"type": "GetState", "agentId": a.id, "requestId": "after"})
        assert c.expect("State", requestId="after")["state"] == "LOGOUT"
    finally:
        c.close()


def test_no_password_in_the_log(gc, broker, site):
    """GC logs at DEBUG in tests; the Login body's password never reaches the log."""
    a = site.team().agents[0]
    dest = f"crm-log-{a.id}"
    c = JmsClient(broker.host_port, dest, queue_name="T1")
    try:
        c.send(f"Connect#{a.id}", f"{dest},{PASSWORD}")
        c.send(f"Login#{a.id}", f"{PASSWORD},{a.ext}")
        c.expect("AgentInfo")
    finally:
        c.close()
    assert f"{dest},{PASSWORD}" not in gc.log()
    assert f"{PASSWORD},{a.ext}" not in gc.log()
    assert "agent %s connected on destination %s" % (a.id, dest) in gc.log()


def test_a_destination_naming_several_topics_reaches_no_other_client(gc, broker, site):
    """Destinations that are not one plain topic name (a list ``a,/topic/b``, wildcards
    ``*`` ``>``, GC's control topics) are dropped, never answered on: the bystander hears
    only its own events, and the log says why. (ActiveMQ 5.17 was seen to deliver such
    sends to no other subscriber anyway; the check keeps GC from relying on that.)"""
    bystander = JmsClient(broker.host_port, "crm-wild.a", queue_name="T1")
    rogue = JmsClient(broker.host_port, "crm-rogue", queue_name="T1")
    try:
        rogue.send("Hello#crm-rogue", **{"reply-to": "/topic/crm-rogue,/topic/crm-wild.a"})
        rogue.send_json({"type": "Hello", "params": {"clientDestination": "crm-wild.*"}, "requestId": "wild"})
        rogue.send("Hello#crm-wild.>")
        rogue.send("Hello#GC.T1.peers")
        bystander.send_json({"type": "Hello", "params": {"clientDestination": "crm-wild.a"}, "requestId": "own"})
        assert bystander.expect(lambda e: True).get("requestId") == "own"
        assert bystander.drain(0.5) == []
    finally:
        bystander.close()
        rogue.close()
    assert gc.log().count("is not one topic") >= 4
