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
