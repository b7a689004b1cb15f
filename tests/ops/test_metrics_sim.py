"""/metrics on the sim: parsed with prometheus_client's parser, its counters move as a
client drives commands, errors, a slow client and a destination backlog overflow.

Expected values come from what the test did (N commands sent, this error code from the
spec's error table for an unknown command, one client cut off), not from GC's output."""
from __future__ import annotations

import socket

from gc_core.testing import GCClient, GCProcess

from tests.support import sim_config

from .helpers import http_base, http_get, scrape, total, value, wait_for

PLUGINS = ["websocket", "tcp", "sim", "agent", "metrics"]


def test_metrics_parse_and_count_commands_errors_and_states(tmp_path):
    with GCProcess(sim_config(gc={"plugins": PLUGINS}), workdir=tmp_path) as gc:
        url = http_base(gc) + "/metrics"
        before = scrape(url)
        assert value(before, "gc_backend_in_service", backend="sim") == 1.0
        assert value(before, "gc_destinations") == 0.0
        with gc.client("websocket") as ws, gc.client("tcp") as tcp:
            ws.request({"type": "Hello", "params": {"clientDestination": "m1"}}, "System")
            ws.send({"type": "Connect", "agentId": "1001", "requestId": "c",
                     "params": {"clientDestination": "m1", "password": "secret"}})
            ws.request({"type": "Login", "agentId": "1001", "requestId": "l",
                        "params": {"password": "secret", "extension": "1001"}}, "AgentInfo", requestId="l")
            for i in range(3):
                ws.request({"type": "GetState", "agentId": "1001", "requestId": f"g{i}"}, "State",
                           requestId=f"g{i}")
            ws.request({"type": "MakeReady", "agentId": "1001", "requestId": "r"}, "State", requestId="r")
            # errors: an unknown command (PLEASE_RETRY, spec section "Errors") and a command
            # for an agent this connection did not Connect (SUBSCRIPTION_FAILED)
            tcp.request("NoSuchCommand#1001", "Error")
            tcp.request({"type": "GetState", "agentId": "1002", "requestId": "x"}, "Error", requestId="x")
            during = scrape(url)
            assert value(during, "gc_connections", transport="websocket") == 1.0
            assert value(during, "gc_connections", transport="tcp") == 1.0
            assert value(during, "gc_destinations") == 1.0
            assert value(during, "gc_agents", state="READY") == 1.0
        after = wait_for(lambda: (lambda s: s if value(s, "gc_connections", transport="tcp") == 0 else None)(
            scrape(url)), what="connections closed")

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)
    assert moved("gc_commands_total", command="GetState", result="OK") == 3
    assert moved("gc_commands_total", command="MakeReady", result="OK") == 1
    assert moved("gc_commands_total", command="Login", result="OK") == 1
    assert moved("gc_commands_total", command="unknown", result="PLEASE_RETRY") == 1
    assert moved("gc_commands_total", command="GetState", result="SUBSCRIPTION_FAILED") == 1
    assert moved("gc_command_duration_seconds_count", command="GetState") == 4
    assert value(after, "gc_command_duration_seconds_sum", command="GetState") > 0
    assert moved("gc_events_sent_total", type="Error") == 2
    assert moved("gc_events_sent_total", type="AgentInfo") == 1
    assert moved("gc_events_sent_total", type="State") >= 5  # Login's, 3 GetState, MakeReady
    assert moved("gc_connections_closed_total", transport="tcp", reason="peer") == 1
    assert moved("gc_connections_closed_total", transport="websocket", reason="peer") == 1
    assert value(after, "gc_agents", state="READY") == 1.0  # still bound: destination m1 keeps it
    assert total(after, "process_cpu_seconds_total") > 0  # prometheus-client's process collector


def test_metrics_count_a_slow_client_and_backlog_drops(tmp_path):
    config = sim_config(gc={"plugins": PLUGINS, "destination_backlog": 3, "agent_queue": 100000,
                            "max_destinations_per_connection": 2000}, tcp={"max_queue": 20})
    with GCProcess(config, workdir=tmp_path) as gc:
        url = http_base(gc) + "/metrics"
        before = scrape(url)
        slow = socket.socket()
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.connect(gc.tcp_address)
        slow.sendall(b"Connect#1001|slow,secret\n" + b"".join(b"Hello#slow-%d\n" % i for i in range(1000)))
        slow.settimeout(30)
        # the slow client's Connect first: a status change processed before it (the two
        # connections race under load) would refuse it as OUT_OF_SERVICE, and nothing
        # would then be bound to "slow" to keep a backlog
        wait_for(lambda: "agent 1001 connected on destination slow" in gc.log(), what="the slow client's Connect")
        # GC reads a client no faster than it answers (flow control, issue 10): what overflows
        # the queue of a client that never reads is events nobody asked for, here status
        # changes, sent to each of its 1,000 destinations
        with gc.client("websocket") as ops:
            for i in range(200):
                if "client too slow" in gc.log():
                    break
                for status in ("OUT_OF_SERVICE", "IN_SERVICE"):
                    ops.request({"type": "SimStatus", "params": {"status": status}, "requestId": f"t{i}{status}"},
                                "SimTraffic", requestId=f"t{i}{status}", timeout=120)
        after = wait_for(lambda: (lambda s: s if value(s, "gc_slow_client_disconnects_total", transport="tcp")
                                  else None)(scrape(url)), what="the slow client counted", timeout=180)
        slow.close()
        assert value(after, "gc_slow_client_disconnects_total", transport="tcp") == 1
        assert value(after, "gc_connections_closed_total", transport="tcp", reason="slow_client") == 1
        assert value(before, "gc_slow_client_disconnects_total", transport="tcp") == 0
        # destination "slow" has no connection now: status changes wait in its backlog (3)
        with gc.client("websocket") as ops:
            for i, status in enumerate(["OUT_OF_SERVICE", "IN_SERVICE"] * 3):
                ops.request({"type": "SimStatus", "params": {"status": status}, "requestId": f"s{i}"},
                            "SimTraffic", requestId=f"s{i}", timeout=120)  # behind the burst's work
            final = scrape(url)
        # 6 System events into a backlog of 3 that already held leftovers: at least 3 dropped
        assert value(final, "gc_destination_backlog_dropped_total") >= 3
        assert value(final, "gc_destination_backlog_events") == 3


def test_metrics_on_a_port_of_its_own(tmp_path):
    config = sim_config(gc={"plugins": ["tcp", "sim", "agent", "metrics"]}, metrics={"port": 0})
    with GCProcess(config, workdir=tmp_path) as gc:
        line = [l for l in gc.log().splitlines() if "metrics listening on" in l]
        assert line, gc.log()[-2000:]
        url = line[0].rsplit(" ", 1)[1]
        with GCClient.tcp(gc.tcp_address) as c:
            c.request("Hello#own", "System")
            samples = scrape(url)
        assert value(samples, "gc_commands_total", command="Hello", result="OK") == 1
        assert http_get(url.replace("/metrics", "/elsewhere"))[0] == 404


def test_lockout_refusals_counted(tmp_path):
    """Wrong passwords until the lockout guard refuses (gc_core/lockout.py): with the
    defaults (peer_refusal_limit 3) the first three reach the sim's backend and are
    refused there, the next two are refused by GC's peer limit, and the first password
    sent again is refused as a repeat; only GC's own refusals are counted."""
    with GCProcess(sim_config(gc={"plugins": PLUGINS}), workdir=tmp_path) as gc, gc.client("tcp") as c:
        url = http_base(gc) + "/metrics"
        descriptions = []
        for i, password in enumerate(["guess0", "guess1", "guess2", "guess3", "guess4", "guess0"]):
            c.send({"type": "Connect", "agentId": "1002", "requestId": f"w{i}",
                    "params": {"clientDestination": "lk", "password": password}})
            err = c.expect("Error", requestId=f"w{i}")
            assert err["errorCode"] == "SUBSCRIPTION_FAILED"
            descriptions.append(err["errorDescription"])
        assert ["refuses its Connects" in d for d in descriptions] == [False, False, False, True, True, False]
        assert "does not send it again" in descriptions[5]
        after = scrape(url)
        body = http_get(url)[1]
    assert value(after, "gc_lockout_refusals_total", rule="peer_limit") == 2
    assert value(after, "gc_lockout_refusals_total", rule="repeated_password") == 1
    assert total(after, "gc_lockout_refusals_total") == 3
    assert "guess" not in body
