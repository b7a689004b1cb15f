"""Issue #3 point 3: NOT_READY without a reason code where the site requires codes
answers MISSING_REASON_CODE (Finesse's "Parameter Missing reasonCodeId"), and the
agent's state is unchanged; with a code it works."""
from __future__ import annotations

import pytest

from gc_core.resources import conf_dir
from gc_core.testing import GCProcess

from tests.support import sim_config


@pytest.fixture(scope="module")
def strict_gc(tmp_path_factory):
    d = tmp_path_factory.mktemp("strict")
    text = (conf_dir() / "sim-site.toml").read_text()
    assert "[site]\n" in text
    site = d / "site.toml"
    site.write_text(text.replace("[site]\n", '[site]\nreason_codes_required = ["NOT_READY", "LOGOUT"]\n', 1))
    with GCProcess(sim_config(sim={"site": str(site)}), workdir=d) as proc:
        yield proc


@pytest.mark.parametrize("transport", ["websocket", "tcp"])
def test_not_ready_and_logout_need_a_reason_code(strict_gc, transport):
    agent = "1001" if transport == "websocket" else "1002"
    with strict_gc.client(transport) as c:
        c.send(f"Connect#{agent}|strict-{agent},secret")
        c.send(f"Login#{agent}|secret,{agent}")
        assert c.expect("State")["state"] == "NOT_READY"  # sign-in itself needs no code
        c.send({"type": "MakeReady", "agentId": agent, "requestId": "r"})
        assert c.expect("State", requestId="r")["state"] == "READY"
        c.send({"type": "MakeNotReady", "agentId": agent, "requestId": "nr"})
        err = c.expect("Error", requestId="nr")
        assert (err["errorCode"], err["agentId"], err["finesseErrorType"], err["finesseErrorData"]) == \
            ("MISSING_REASON_CODE", agent, "Parameter Missing", "reasonCodeId")
        c.send({"type": "GetState", "agentId": agent, "requestId": "g"})
        assert c.expect("State", requestId="g")["state"] == "READY"  # unchanged
        c.send({"type": "MakeNotReadyWithReason", "agentId": agent, "params": {"reasonCode": "8"}, "requestId": "w"})
        st = c.expect("State", requestId="w")
        assert (st["state"], st["reasonCode"], st["label"]) == ("NOT_READY", "8", "Break")
        c.send({"type": "Logout", "agentId": agent, "requestId": "lo"})
        assert c.expect("Error", requestId="lo")["errorCode"] == "MISSING_REASON_CODE"
        c.send({"type": "logoutwithreason", "agentId": agent, "params": "21", "requestId": "lr"})
        assert c.expect("State", requestId="lr")["state"] == "LOGOUT"
