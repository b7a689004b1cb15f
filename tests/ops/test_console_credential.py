"""Issue 12: the status console is protected by the client credential of issue 10 when
one is set (``gc.client_secret``): the same forms the WebSocket upgrade accepts
(``Authorization: Bearer``, ``?credential=``, the secret or a token signed with it,
gc_core/transport_security.py), checked over real HTTP requests. Unset, the console is
open (tests/ops/test_health.py)."""
from __future__ import annotations

import json
import time
import urllib.parse

from gc_core.testing import GCProcess
from gc_core.transport_security import sign_token

from tests.support import sim_config

from .helpers import http_base, http_get

SECRET = "console-Secret-4711"
PATHS = ("/console/", "/console/status.json")


def test_console_needs_the_client_credential_when_one_is_set(tmp_path):
    config = sim_config(gc={"plugins": ["websocket", "tcp", "sim", "agent", "console"], "client_secret": SECRET})
    with GCProcess(config, workdir=tmp_path) as gc:
        base = http_base(gc)
        token = sign_token(SECRET, "noc-1", int(time.time()) + 600)
        expired = sign_token(SECRET, "noc-1", int(time.time()) - 1)
        for path in PATHS:
            for headers, query in [({}, ""), ({"Authorization": "Bearer wrong"}, ""),
                                   ({"Authorization": f"Basic {SECRET}"}, ""),
                                   ({}, "?credential=" + urllib.parse.quote(SECRET + "x")),
                                   ({"Authorization": f"Bearer {expired}"}, "")]:
                status, _, answer = http_get(base + path + query, headers=headers)
                assert status == 401, (path, headers, query)
                assert answer["WWW-Authenticate"].startswith("Bearer")
            for headers, query in [({"Authorization": f"Bearer {SECRET}"}, ""),
                                   ({"Authorization": f"bearer {token}"}, ""),
                                   ({}, "?credential=" + urllib.parse.quote(SECRET)),
                                   ({}, "?credential=" + token)]:
                status, body, _ = http_get(base + path + query, headers=headers)
                assert status == 200, (path, headers, query, body)
        status, body, _ = http_get(base + "/console/status.json", headers={"Authorization": f"Bearer {SECRET}"})
        assert json.loads(body)["status"] == "IN_SERVICE"
        # the page's script and style hold no data: a browser loads them without it
        for asset in ("/console/console.js", "/console/console.css"):
            assert http_get(base + asset)[0] == 200
        # the other HTTP endpoints are not the console's: health stays readable by a load balancer
        assert http_get(base + "/livez")[0] == 200
        log = gc.log()
    assert SECRET not in log and token not in log
