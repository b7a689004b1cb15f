"""Operations against the Finesse emulator over a real Prosody: /readyz follows
Finesse's SystemInfo (OUT_OF_SERVICE -> 503, back -> 200), and /metrics counts the
REST requests, the XMPP streams and a failover to the secondary node."""
from __future__ import annotations

import pytest

from gc_core.testing import GCProcess
from gc_finesse_emulator.cluster import EmulatorCluster
from gc_finesse_emulator.testing import restore

from tests.finesse.harness import PASSWORD, finesse_config

from .helpers import http_base, readyz, scrape, value, wait_for

AGENT = "1001"
FAST = {"failover_poll_interval": 0.1, "presence_timeout": 2.0}


@pytest.fixture(scope="module")
def cluster():
    c = EmulatorCluster.start(flavour="UCCE", secondary=True)
    yield c
    c.stop()


@pytest.fixture
def fresh(cluster):
    restore(cluster)
    return cluster


def _gc(cluster, tmp_path, **finesse):
    config = finesse_config(cluster, gc={"plugins": ["websocket", "tcp", "agent", "finesse", "metrics"]},
                            **{**FAST, **finesse})
    return GCProcess(config, workdir=tmp_path)


def _signed_in(gc):
    c = gc.client()
    c.request({"type": "Hello", "params": {"clientDestination": "ops"}}, "System")
    c.send({"type": "Connect", "agentId": AGENT, "params": {"clientDestination": "ops", "password": PASSWORD}})
    c.request({"type": "Login", "agentId": AGENT, "requestId": "login",
               "params": {"password": PASSWORD, "extension": AGENT}}, "AgentInfo", requestId="login")
    return c


def test_readyz_follows_finesse_system_info(fresh, tmp_path):
    with _gc(fresh, tmp_path, failover_after=60.0) as gc, _signed_in(gc) as c:
        base = http_base(gc)
        assert readyz(base)[0] == 200
        fresh.take_out_of_service("primary", reason="CTI link lost")
        wait_for(lambda: readyz(base)[0] == 503, what="/readyz 503")
        assert readyz(base)[1]["reasons"] == ["backend finesse OUT_OF_SERVICE"]
        assert c.expect("System")["status"] == "OUT_OF_SERVICE"
        fresh.put_in_service("primary")
        wait_for(lambda: readyz(base)[0] == 200, what="/readyz 200")
        assert c.expect("System")["status"] == "IN_SERVICE"


def test_metrics_count_rest_streams_and_a_failover(fresh, tmp_path):
    with _gc(fresh, tmp_path, failover_after=0.5) as gc, _signed_in(gc) as c:
        url = http_base(gc) + "/metrics"
        before = scrape(url)
        assert value(before, "gc_backend_active_node", backend="finesse", node="primary") == 1
        assert value(before, "gc_backend_active_node", backend="finesse", node="secondary") == 0
        assert value(before, "gc_xmpp_streams_up", backend="finesse") == 1
        assert value(before, "gc_node_failovers_total") == 0
        # Login made REST requests (GET User, PUT User ...): each one observed
        assert value(before, "gc_backend_request_duration_seconds_count", method="GET") > 0
        assert value(before, "gc_backend_request_duration_seconds_count", method="PUT") > 0
        assert value(before, "gc_backend_requests_total", method="PUT", status="202") > 0
        c.request({"type": "MakeReady", "agentId": AGENT, "requestId": "ready"}, "State", requestId="ready")
        fresh.stop_node("primary")
        assert c.expect("System")["status"] == "OUT_OF_SERVICE"
        assert c.expect("System", timeout=30)["status"] == "IN_SERVICE"
        after = wait_for(lambda: (lambda s: s if value(s, "gc_xmpp_streams_up", backend="finesse") == 1
                                  else None)(scrape(url)), what="stream up on the secondary")
        assert value(after, "gc_node_failovers_total") == 1
        assert value(after, "gc_backend_active_node", backend="finesse", node="secondary") == 1
        assert value(after, "gc_backend_active_node", backend="finesse", node="primary") == 0
        assert value(after, "gc_backend_in_service", backend="finesse") == 1
        assert value(after, "gc_commands_total", command="MakeReady", result="OK") == 1
        assert (value(after, "gc_backend_request_duration_seconds_count", method="PUT")
                > value(before, "gc_backend_request_duration_seconds_count", method="PUT"))
        # the failover read SystemInfo on the secondary (GET, answered 200)
        assert (value(after, "gc_backend_requests_total", method="GET", status="200")
                > value(before, "gc_backend_requests_total", method="GET", status="200"))
