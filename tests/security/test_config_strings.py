"""Issue 10, row 14: a string setting given in the environment or with ``--set`` is
taken as written, even when it looks like a number (``1_000`` is not ``1000``). Shown
end to end: GC authenticates at the Zoom stand-in (a local HTTP server; Zoom's cloud
cannot run here) with the client secret from its environment, and a client's
ZOOMPauseRecording succeeds only if the secret arrived unchanged."""
from __future__ import annotations

import pytest

from gc_core.testing import GCProcess
from gc_zoom.standin import ZoomStandIn

from tests.security.helpers import login
from tests.support import sim_config

MEETING = "85746065432"


@pytest.mark.parametrize("secret, how", [("1_000", "env"), ("0x10", "set"), ("1e3", "env")])
def test_row14_string_settings_stay_strings(tmp_path, secret, how):
    with ZoomStandIn(client_secret=secret, meetings=[MEETING]) as zoom:
        section = zoom.gc_config(timeout=2.0)
        del section["client_secret"]
        config = sim_config(zoom=section)
        config["gc"]["plugins"] = config["gc"]["plugins"] + ["zoom"]
        extra = tmp_path / "targets.toml"
        extra.write_text(f'[zoom.agent_targets]\n"1001" = "meeting:{MEETING}"\n')
        args, env = ["--config", str(extra)], {}
        if how == "env":
            env["GC__ZOOM__CLIENT_SECRET"] = secret
        else:
            args += ["--set", f"zoom.client_secret={secret}"]
        with GCProcess(config, workdir=tmp_path, extra_args=args, env=env) as gc, gc.client("tcp") as c:
            login(c, "1001", "zoom-desk")
            c.send({"type": "ZOOMPauseRecording", "agentId": "1001", "requestId": "p"})
            event = c.expect(lambda e: isinstance(e, dict) and e.get("requestId") == "p")
            assert event["type"] == "ZoomRecording", event
            assert event["recording"] == "PAUSED" and zoom.meetings[MEETING] == "paused"
            assert secret not in gc.log()
