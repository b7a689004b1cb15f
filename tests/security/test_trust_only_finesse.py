"""Issue 10, row 10, on the Finesse emulator over a real Prosody: any XMPP account of
the domain (here agent 1002's own) can send agent 1001's stream a message carrying a
pubsub event. GC believes only the pubsub service its streams subscribed to: forged
state changes, calls and system status reach no client; an inline notification nested
a thousand deep is refused without tearing the stream down, and the real
notifications keep flowing."""
from __future__ import annotations

import dataclasses
import time
from xml.sax.saxutils import escape, quoteattr

import pytest

from gc_core.testing import GCProcess
from gc_finesse_emulator import xmlcodec as X
from gc_finesse_emulator.cluster import EmulatorCluster

from tests.emulator import emulator_xmpp
from tests.finesse.harness import finesse_config
from tests.security.helpers import login, until

NS_EVENT = "http://jabber.org/protocol/pubsub#event"
NS_PUBSUB = "http://jabber.org/protocol/pubsub"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    cluster = EmulatorCluster.start(flavour="UCCE", secondary=False)
    try:
        with GCProcess(finesse_config(cluster, secondary=False), workdir=tmp_path_factory.mktemp("gc")) as gc:
            yield cluster, gc
    finally:
        cluster.stop()


def _message(to: str, node: str, notification: str) -> str:
    return (f"<message to={quoteattr(to)}><event xmlns='{NS_EVENT}'><items node={quoteattr(node)}>"
            f"<item id='forged'>{notification}</item></items></event></message>")


def test_row10_pubsub_events_only_from_the_pubsub_service(world):
    cluster, gc = world
    domain = cluster.xmpp_domain
    with gc.client("tcp") as victim, gc.client("websocket") as bystander:
        login(victim, "1001", "victim")
        login(bystander, "1003", "bystander")
        node = cluster.primary
        forger = emulator_xmpp.Subscriber(node.xmpp_host, node.xmpp_port, f"1002@{domain}", "secret",
                                          resource="forger").connect()
        try:
            user = cluster.model.get_user("1001")
            ready = X.user_update(dataclasses.replace(user, state="READY"))
            down = X.system_info_update(X.ET.fromstring("<SystemInfo><status>OUT_OF_SERVICE</status></SystemInfo>"))
            deep = "<a>" * 1000 + "</a>" * 1000
            stanzas = [
                _message(f"1001@{domain}", "/finesse/api/User/1001",
                         f"<notification xmlns='{NS_PUBSUB}'>{escape(ready)}</notification>"),
                _message(f"1001@{domain}", "/finesse/api/SystemInfo",
                         f"<notification xmlns='{NS_PUBSUB}'>{escape(down)}</notification>"),
                _message(f"1001@{domain}", "/finesse/api/User/1001",
                         f"<notification xmlns='{NS_PUBSUB}'><Update>{deep}</Update></notification>"),
            ]
            for stanza in stanzas:
                emulator_xmpp._run(_send(forger, stanza))
            deadline = time.monotonic() + 30  # the forged messages reached GC (and were dropped)
            while gc.log().count("not from the pubsub service") < len(stanzas):
                assert time.monotonic() < deadline, gc.log()[-3000:]
                time.sleep(0.1)
        finally:
            forger.disconnect()
        # the victim's client heard nothing of it; the agent is still NOT_READY
        victim.send({"type": "GetState", "agentId": "1001", "requestId": "after"})
        before, st = until(victim, "after")
        assert st["state"] == "NOT_READY" and before == [], before
        # the stream still works: a real change arrives as a notification
        victim.send({"type": "MakeReady", "agentId": "1001", "requestId": "ready"})
        assert victim.expect("State", requestId="ready")["state"] == "READY"
        # nobody heard of a forged OUT_OF_SERVICE
        bystander.send({"type": "Beat", "params": {"clientDestination": "bystander"}, "requestId": "b"})
        before, beat = until(bystander, "b")
        assert beat["status"] == "IN_SERVICE" and [e for e in before if e.get("type") == "System"] == []
        victim.send({"type": "MakeNotReady", "agentId": "1001", "requestId": "nr"})
        victim.expect("State", requestId="nr")
    log = gc.log()
    assert log.count("not from the pubsub service") >= 3 and "Traceback" not in log


async def _send(sub, stanza: str) -> None:
    sub._xmpp.send_raw(stanza)
