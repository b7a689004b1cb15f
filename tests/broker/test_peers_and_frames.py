"""The stomp transport's pure parts, without a broker: how a message becomes a frame
(protocol.md section 1: JMS type ``Login#1001`` + body ``secret,1001``) and which
surviving GC process tells a gone peer's destinations."""
from __future__ import annotations

import json

import pytest

from gc_stomp.frames import frame_text, reply_destination, topic_safe
from gc_stomp.link import parse_hosts
from gc_stomp.peers import Peers


@pytest.mark.parametrize("headers, body, frame", [
    ({"type": "Login#1001"}, "secret,1001", "Login#1001|secret,1001"),   # the spec's own example
    ({"type": "Hello#crm-7"}, "", "Hello#crm-7"),
    ({"type": " MakeReady#1001 "}, "  ", "MakeReady#1001"),
    ({}, '{"type": "GetState", "agentId": "1001"}', '{"type": "GetState", "agentId": "1001"}'),
    ({}, "Logout#1001", "Logout#1001"),
])
def test_a_message_is_a_frame(headers, body, frame):
    assert frame_text(headers, body) == frame


def test_reply_to_names_a_destination_only_under_the_topic_prefix():
    assert reply_destination({"reply-to": "/topic/crm-7"}, "/topic/") == "crm-7"
    assert reply_destination({"reply-to": "/queue/crm-7"}, "/topic/") is None
    assert reply_destination({"reply-to": "/topic/"}, "/topic/") is None
    assert reply_destination({}, "/topic/") is None


def test_hosts_are_host_port():
    assert parse_hosts(["broker-a:61613", "[::1]:61614"]) == [("broker-a", 61613), ("::1", 61614)]
    for bad in (["broker-a"], ["broker-a:"], [":61613"], ["a:b"], []):
        with pytest.raises(ValueError):
            parse_hosts(bad)


def roster(peer, active, destinations, priority=0):
    return json.dumps({"peer": peer, "active": active, "priority": priority, "destinations": destinations})


class Told(list):
    def __call__(self, names):
        self.append(sorted(names))


def test_exclusive_standby_tells_the_active_peers_destinations_when_it_takes_the_queue():
    told = Told()
    standby = Peers("b", "exclusive", 0, 3.0, told)
    standby.heard(roster("a", True, ["crm-1", "crm-2"]))
    standby.heard(roster("b", False, ["ignored-own-echo"]))
    assert told == [] and not standby.active
    standby.took_queue()
    assert told == [["crm-1", "crm-2"]] and standby.active
    standby.took_queue()
    standby.check(now=10 ** 9)  # nothing left to time out: nobody is told twice
    assert told == [["crm-1", "crm-2"]]


def test_exclusive_timeout_the_preferred_standby_tells():
    first, second = Told(), Told()
    b = Peers("b", "exclusive", 5, 3.0, first)
    c = Peers("c", "exclusive", 0, 3.0, second)
    for me, other in ((b, ("c", 0)), (c, ("b", 5))):
        me.heard(roster("a", True, ["crm-1"]))
        me.heard(roster(other[0], False, [], priority=other[1]))
        me.peers["a"].seen -= 10  # a went silent; the standbys still hear each other
        me.check()
    assert first == [["crm-1"]]   # priority 5 wins
    assert second == []


def test_groups_the_lowest_surviving_id_tells():
    told_b, told_c = Told(), Told()
    b = Peers("b", "groups", 0, 3.0, told_b)
    c = Peers("c", "groups", 0, 3.0, told_c)
    for me, other in ((b, "c"), (c, "b")):
        me.heard(roster("a", True, ["crm-1", "crm-9"]))
        me.heard(roster(other, True, ["crm-1"]))
        me.peers["a"].seen -= 10
        me.check()
    assert told_b == [["crm-1", "crm-9"]]
    assert told_c == []


@pytest.mark.parametrize("body", ["", "not json", "[]", "null", '{"no": "peer"}',
                                  '{"peer": "x", "priority": "high"}', '{"peer": "x", "destinations": 5}'])
def test_malformed_control_messages_are_ignored(body):
    p = Peers("b", "groups", 0, 3.0, Told())
    p.heard(body)
    assert p.peers == {}


@pytest.mark.parametrize("name, safe", [
    ("crm-7", True), ("crm.site1.desk-4", True), ("Ünïcode", True),
    ("crm.*", False), ("crm.>", False), (">", False), ("a,b", False), ("a b", False), ("a/b", False),
    ("ActiveMQ.Advisory.Consumer.Queue.Connector1", False), ("GC.Connector1.peers", False), ("", False),
])
def test_a_destination_must_be_one_topic(name, safe):
    assert topic_safe(name) is safe
