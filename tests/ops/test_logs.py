"""Structured logs: with ``gc.log_format = "json"`` every line GC writes during a whole
sign-in / call / sign-out (at DEBUG, the most it writes) is one JSON object with the
context fields, the lines about the agent's requests carry its agentId and requestId,
and no line holds a configured secret: the agents' password (from the site file, sent
in Connect and Login frames) or a feature's client secret from the configuration."""
from __future__ import annotations

import base64
import json

from gc_core.resources import conf_dir
from gc_core.testing import GCProcess

from tests.support import sim_config

FIELDS = ("agentId", "requestId", "destination", "transport", "peer")
AGENT_PASSWORD = "Pw-Ks93-tangerine"
ZOOM_SECRET = "zs-4471-cobalt-heron"


def test_json_log_lines_of_a_call_carry_the_fields_and_no_secret(tmp_path):
    site = tmp_path / "site.toml"
    site.write_text((conf_dir() / "sim-site.toml").read_text().replace('password = "secret"',
                                                                       f'password = "{AGENT_PASSWORD}"'))
    config = sim_config(gc={"plugins": ["websocket", "tcp", "sim", "agent", "metrics", "zoom"],
                            "log_format": "json", "log_level": "DEBUG"},
                        sim={"site": str(site)},
                        zoom={"account_id": "acc-1", "client_id": "cid-1", "client_secret": ZOOM_SECRET,
                              "oauth_url": "http://127.0.0.1:9/oauth/token", "api_url": "http://127.0.0.1:9/v2"})
    with GCProcess(config, workdir=tmp_path / "gc") as gc:
        with gc.client("websocket") as c, gc.client("tcp") as customer:
            c.request({"type": "Hello", "params": {"clientDestination": "desk-9"}}, "System")
            c.send(f"Connect#1001|desk-9,{AGENT_PASSWORD}")
            c.request({"type": "Login", "agentId": "1001", "requestId": "login-1",
                       "params": {"password": AGENT_PASSWORD, "extension": "1001"}}, "AgentInfo",
                      requestId="login-1")
            c.request({"type": "MakeReady", "agentId": "1001", "requestId": "ready-1"}, "State",
                      requestId="ready-1", state="READY")
            customer.request({"type": "SimCall", "params": {"fromAddress": "5550123"}, "requestId": "call"},
                             "SimTraffic", requestId="call")
            dialog_id = c.expect("NewInboundCall")["dialogId"]
            c.request({"type": "AnswerCall", "agentId": "1001", "requestId": "answer-1",
                       "params": {"dialogId": dialog_id}}, "State", requestId="answer-1", state="TALKING")
            c.request({"type": "ReleaseCall", "agentId": "1001", "requestId": "release-1",
                       "params": {"dialogId": dialog_id}}, "InboundCall", requestId="release-1", state="DROPPED")
            c.request({"type": "MakeNotReady", "agentId": "1001", "requestId": "nr-1"}, "State",
                      requestId="nr-1", state="NOT_READY")
            c.request({"type": "Logout", "agentId": "1001", "requestId": "logout-1"}, "State",
                      requestId="logout-1", state="LOGOUT")
            c.request("Login#1001|wrong-password-77,1001", "Error")  # a refusal is logged too
    lines = [l for l in gc.log().splitlines() if l.strip()]
    assert len(lines) >= 15
    records = []
    for line in lines:
        assert AGENT_PASSWORD not in line and ZOOM_SECRET not in line, line
        record = json.loads(line)  # every line is one JSON object ...
        assert isinstance(record, dict), line
        for key in ("time", "level", "logger", "message") + FIELDS:  # ... with every field
            assert key in record, (key, line)
        records.append(record)
    # the agent's requests are logged with its id, the requestId, the transport and peer
    by_request = {r["requestId"]: r for r in records if r["requestId"]}
    for rid in ("login-1", "ready-1", "answer-1", "release-1", "nr-1", "logout-1"):
        assert rid in by_request, rid
        r = by_request[rid]
        assert (r["agentId"], r["transport"]) == ("1001", "websocket"), r
        assert r["peer"].startswith("127.0.0.1:"), r
    assert any(r["destination"] == "desk-9" and r["agentId"] == "1001" for r in records)
    assert any(r["transport"] == "tcp" for r in records)  # the customer's SimCall


def encodings_of(agent: str, password: str) -> list[str]:
    """The password as it travels: plain, HTTP Basic (base64 of id:password), SASL PLAIN
    (base64 of NUL id NUL password)."""
    return [password, base64.b64encode(f"{agent}:{password}".encode()).decode(),
            base64.b64encode(f"\0{agent}\0{password}".encode()).decode()]


def test_json_logs_on_finesse_carry_no_password_in_any_form(tmp_path):
    from gc_finesse_emulator.cluster import EmulatorCluster
    from tests.finesse.harness import finesse_config
    site = tmp_path / "site.toml"
    site.write_text((conf_dir() / "sim-site.toml").read_text().replace('password = "secret"',
                                                                       f'password = "{AGENT_PASSWORD}"'))
    cluster = EmulatorCluster.start(flavour="UCCE", site=site, secondary=False, queue_interval=0.5)
    try:
        config = finesse_config(cluster, secondary=False, team_reader_id="1100", team_reader_password=AGENT_PASSWORD,
                                gc={"plugins": ["websocket", "tcp", "agent", "finesse", "supervisor", "metrics"],
                                    "log_format": "json", "log_level": "DEBUG"})
        with GCProcess(config, workdir=tmp_path / "gc") as gc, gc.client("tcp") as c:
            c.send(f"Connect#1001|desk-f,{AGENT_PASSWORD}")
            c.request({"type": "Login", "agentId": "1001", "requestId": "login-f",
                       "params": {"password": AGENT_PASSWORD, "extension": "1001"}}, "AgentInfo",
                      requestId="login-f")
            c.request({"type": "MakeReady", "agentId": "1001", "requestId": "ready-f"}, "State",
                      requestId="ready-f", state="READY")
            cluster.model.inbound_call(queue_id="1", from_address="5550199")
            dialog_id = c.expect("NewInboundCall", timeout=20)["dialogId"]
            c.request({"type": "AnswerCall", "agentId": "1001", "requestId": "answer-f",
                       "params": {"dialogId": dialog_id}}, "State", requestId="answer-f", state="TALKING")
            c.request({"type": "ReleaseCall", "agentId": "1001", "requestId": "release-f",
                       "params": {"dialogId": dialog_id}}, "InboundCall", requestId="release-f", state="DROPPED")
            c.request({"type": "MakeNotReady", "agentId": "1001", "requestId": "nr-f"}, "State",
                      requestId="nr-f", state="NOT_READY")
            c.request({"type": "Logout", "agentId": "1001", "requestId": "logout-f"}, "State",
                      requestId="logout-f", state="LOGOUT")
    finally:
        cluster.stop()
    forbidden = encodings_of("1001", AGENT_PASSWORD) + encodings_of("1100", AGENT_PASSWORD)
    lines = [l for l in gc.log().splitlines() if l.strip()]
    assert len(lines) >= 15
    rids = set()
    for line in lines:
        for secret in forbidden:
            assert secret not in line, line
        record = json.loads(line)
        for key in ("time", "level", "logger", "message") + FIELDS:
            assert key in record, (key, line)
        rids.add(record["requestId"])
    assert {"login-f", "ready-f", "answer-f", "release-f", "nr-f", "logout-f"} <= rids
