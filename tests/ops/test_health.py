"""Health endpoints: /livez while the process runs, /readyz 503 while the backend is
out of service (the sim's SimStatus; the Finesse emulator's SystemInfo in
test_ops_emulator.py) and 200 when it returns, /healthz always 200 with the status in
its body; the same on the http plugin's own port for a TCP-only deployment."""
from __future__ import annotations

import json

from gc_core.testing import GCClient, GCProcess

from tests.support import sim_config

from .helpers import http_base, http_get, readyz, wait_for


def test_readyz_follows_the_backend_status(tmp_path):
    with GCProcess(sim_config(), workdir=tmp_path) as gc, gc.client("tcp") as ops:
        base = http_base(gc)
        assert http_get(base + "/livez")[:2] == (200, '{"status": "alive"}')
        assert readyz(base) == (200, {"ready": True, "status": "IN_SERVICE", "backends": {"sim": "IN_SERVICE"}})
        ops.request({"type": "SimStatus", "params": {"status": "OUT_OF_SERVICE"}, "requestId": "down"},
                    "SimTraffic", requestId="down")
        assert wait_for(lambda: readyz(base)[0] == 503, what="/readyz 503")
        assert readyz(base) == (503, {"ready": False, "status": "OUT_OF_SERVICE", "backends": {"sim": "OUT_OF_SERVICE"},
                                      "reasons": ["backend sim OUT_OF_SERVICE"]})
        status, body, _ = http_get(base + "/healthz")
        assert status == 200 and json.loads(body)["status"] == "OUT_OF_SERVICE"
        assert http_get(base + "/livez")[0] == 200
        ops.request({"type": "SimStatus", "params": {"status": "IN_SERVICE"}, "requestId": "up"},
                    "SimTraffic", requestId="up")
        assert wait_for(lambda: readyz(base)[0] == 200, what="/readyz 200")
        assert readyz(base) == (200, {"ready": True, "status": "IN_SERVICE", "backends": {"sim": "IN_SERVICE"}})
        assert http_get(base + "/nothing-here")[0] == 404


def test_tcp_only_deployment_has_health_on_the_http_port(tmp_path):
    config = sim_config(gc={"plugins": ["tcp", "http", "sim", "agent", "metrics"]}, http={"port": 0})
    with GCProcess(config, workdir=tmp_path) as gc:
        assert gc.ws_url is None
        line = next(l for l in gc.log().splitlines() if "http listening on" in l)
        base = line.rsplit(" ", 1)[1]
        with GCClient.tcp(gc.tcp_address) as ops:
            assert readyz(base)[0] == 200
            ops.request({"type": "SimStatus", "params": {"status": "OUT_OF_SERVICE"}, "requestId": "d"},
                        "SimTraffic", requestId="d")
            assert wait_for(lambda: readyz(base)[0] == 503, what="/readyz 503")
            ops.request({"type": "SimStatus", "params": {"status": "IN_SERVICE"}, "requestId": "u"},
                        "SimTraffic", requestId="u")
            assert wait_for(lambda: readyz(base)[0] == 200, what="/readyz 200")
        status, body, _ = http_get(base + "/metrics")
        assert status == 200 and "gc_commands_total" in body
        # access logs at DEBUG on gc.http only (the test process logs at DEBUG)
        access = [l for l in gc.log().splitlines() if "GET /readyz" in l]
        assert access and all(" DEBUG gc.http: " in l for l in access), access


def test_demo_on_in_the_embedded_default_console_off_unless_enabled(tmp_path):
    # the shipped gc.toml (no --config): its plugin list, on free ports
    from gc_core.config import load_layers
    shipped = load_layers([], env={})["gc"]["plugins"]
    assert "demo" in shipped and "metrics" in shipped and "console" not in shipped
    with GCProcess(sim_config(gc={"plugins": shipped}), workdir=tmp_path / "a") as gc:
        base = http_base(gc)
        status, body, headers = http_get(base + "/demo/")
        assert status == 200 and "gc-client.js" in body and headers["Content-Type"].startswith("text/html")
        assert http_get(base + "/demo/gc-client.js")[0] == 200
        assert http_get(base + "/demo/../gc_demo/__init__.py")[0] == 404
        assert http_get(base + "/console/")[0] == 404
        assert http_get(base + "/console/status.json")[0] == 404
    with GCProcess(sim_config(gc={"plugins": ["websocket", "tcp", "sim", "agent", "console"]}),
                   workdir=tmp_path / "b") as gc, gc.client("tcp") as c:
        base = http_base(gc)
        assert http_get(base + "/demo/")[0] == 404
        c.send({"type": "Connect", "agentId": "1002", "params": {"clientDestination": "crm-7", "password": "secret"}})
        c.request({"type": "Login", "agentId": "1002", "requestId": "l",
                   "params": {"password": "secret", "extension": "1002"}}, "AgentInfo", requestId="l")
        c.request({"type": "MakeReady", "agentId": "1002", "requestId": "r"}, "State", requestId="r")
        c.request({"type": "HoldCall", "agentId": "1002", "requestId": "h", "params": {"dialogId": "42"}}, "Error",
                  requestId="h")
        status, body, _ = http_get(base + "/console/status.json")
        st = json.loads(body)
        assert status == 200 and st["status"] == "IN_SERVICE"
        assert st["agents"] == [{"agentId": "1002", "destination": "crm-7", "state": "READY", "reasonCode": "",
                                 "supervisor": False, "calls": []}]
        assert st["destinations"] == [{"name": "crm-7", "connections": 1, "backlog": 0, "dropped": 0,
                                       "agents": ["1002"]}]
        assert [e["request"]["type"] for e in st["errors"]] == ["HoldCall"]
        assert {t["name"] for t in st["transports"]} == {"websocket", "tcp"}
        assert st["totals"]["commands"] == 4 and st["totals"]["errors"] == 1
        assert http_get(base + "/console")[0] == 200  # redirected to /console/
