"""Issue 10, row 2: a client guessing passwords cannot lock an agent's account. The
sim models Finesse's lockout (five consecutive refusals lock the account for five
minutes; then even the right password gets CF_AGENT_ACCOUNT_LOCKED_OUT). The guesser
connects from 127.0.0.2, the agent's own client from 127.0.0.1."""
from __future__ import annotations

import time

from gc_core.testing import GCClient, GCProcess

from tests.security.helpers import login, until
from tests.support import sim_config


def _client_from(address: str, gc: GCProcess) -> GCClient:
    """A TCP client whose connection comes from ``address`` (any of 127/8 is loopback)."""
    return GCClient.tcp(gc.tcp_address, source_address=(address, 0))


def test_row2_guesses_never_lock_the_account(tmp_path):
    with GCProcess(sim_config(), workdir=tmp_path) as gc, gc.client("tcp") as bystander:
        login(bystander, "1003", "bystander")
        m = _client_from("127.0.0.2", gc)
        codes, descriptions = [], []
        for i in range(5):
            m.send({"type": "Connect", "agentId": "1002", "params": {"clientDestination": "x", "password": f"guess{i}"},
                    "requestId": f"g{i}"})
            err = m.expect("Error", requestId=f"g{i}")
            codes.append(err["errorCode"])
            descriptions.append(err["errorDescription"])
        assert codes == ["SUBSCRIPTION_FAILED"] * 5
        # the first three reached the backend (Finesse's 401); the last two were refused by GC, saying why
        assert all("refuses its Connects" in d for d in descriptions[3:]), descriptions
        # the same wrong password again is never sent again, whoever sends it
        with gc.client("tcp") as again:
            again.send({"type": "Connect", "agentId": "1002", "params": {"clientDestination": "y",
                                                                          "password": "guess0"}, "requestId": "same"})
            assert "does not send it again" in again.expect("Error", requestId="same")["errorDescription"]
        # the agent's own client, with the right password, gets in: the account is not locked
        with gc.client("tcp") as own:
            login(own, "1002", "own-desk")
            # and a wrong password for a connected agent never reaches the backend
            m.send({"type": "Connect", "agentId": "1002", "params": {"clientDestination": "x", "password": "guess9"},
                    "requestId": "known"})
            assert "not sent to the backend" in m.expect("Error", requestId="known")["errorDescription"]
            own.send({"type": "GetState", "agentId": "1002", "requestId": "st"})
            before, st = until(own, "st")
            assert st["state"] == "NOT_READY" and before == []
        m.close()
        bystander.send({"type": "GetState", "agentId": "1003", "requestId": "b"})
        assert bystander.expect("State", requestId="b")["state"] == "NOT_READY"
        assert "guess" not in gc.log() and "Traceback" not in gc.log()


def test_row2_the_agent_limit_stops_one_short_of_the_lockout(tmp_path):
    """Guessers from many addresses: after four refusals in the window GC refuses every
    unverified password for the agent, so the fifth that would lock it is never sent."""
    window = 4.0
    with GCProcess(sim_config(gc={"lockout_window": window}), workdir=tmp_path) as gc:
        started = time.monotonic()
        for i in range(6):
            c = _client_from(f"127.0.1.{i + 1}", gc)
            c.send({"type": "Connect", "agentId": "1001", "params": {"clientDestination": f"x{i}",
                                                                      "password": f"guess{i}"}, "requestId": "g"})
            err = c.expect("Error", requestId="g")
            assert err["errorCode"] == "SUBSCRIPTION_FAILED"
            if i >= 4:
                assert "one more would lock the account" in err["errorDescription"]
            c.close()
        assert time.monotonic() - started < window, "too slow to show anything: the window passed"
        # Finesse (the sim) saw four refusals, not five: once GC's window has passed, the
        # right password gets in (the sim's lockout would last five minutes)
        time.sleep(window + 0.5)
        with gc.client("tcp") as own:
            login(own, "1001", "own")
            own.send({"type": "GetState", "agentId": "1001", "requestId": "st"})
            assert own.expect("State", requestId="st")["state"] == "NOT_READY"
