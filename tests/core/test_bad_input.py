"""Issue #2 point 3: bad input is answered with the right Error event, the connection
stays usable, other sessions are untouched, and no password reaches the log."""
from __future__ import annotations

import json
import socket

import pytest

from gc_core.testing import GCProcess

from tests.support import sim_config

PASSWORD_PROBE = "secret"


def still_alive(c, d="alive") -> None:
    c.send({"type": "Hello", "params": {"clientDestination": d}})
    assert c.expect("System")["status"] == "IN_SERVICE"


@pytest.mark.parametrize("frame, code, words", [
    ('{"type": "Hello", ', "PLEASE_RETRY", "not valid JSON"),
    ("[1, 2, 3]", "PLEASE_RETRY", "JSON object"),
    ('"Hello"', "PLEASE_RETRY", "JSON object"),
    ("42", "PLEASE_RETRY", "JSON object"),
    ('{"type": "Dance", "agentId": "1001"}', "PLEASE_RETRY", "unknown command"),
    ("Dance#1001|x", "PLEASE_RETRY", "unknown command"),
    ('{"agentId": "1001"}', "PLEASE_RETRY", "missing parameter type"),
    ('{"type": "Connect", "agentId": "1001", "params": {"clientDestination": "x"}}', "MISSING_PASSWORD", "password"),
    ("Connect#1001|x", "MISSING_PASSWORD", "password"),
    ('{"type": "Hello", "params": {"clientDestination": 7}}', "PLEASE_RETRY", "clientDestination"),
    ('{"type": "Hello", "params": {"clientDestination": "x", "extra": "y"}}', "PLEASE_RETRY", "unexpected"),
    ('{"type": "Hello", "params": {"clientDestination": "x"}, "colour": "red"}', "PLEASE_RETRY", "unexpected"),
    ('{"type": "Login", "agentId": "1001", "params": {"password": "p"}}', "MISSING_EXTENSION", "extension"),
    ('{"type": "Login", "agentId": "1001", "params": {"password": "p", "extension": "10a1"}}', "WRONG_EXTENSION",
     "extension"),
    ("Login#1001|p,", "MISSING_EXTENSION", "extension"),
    ('{"type": "MakeCall", "agentId": "1001", "params": {}}', "MISSING_NUMBER", "number"),
    ('{"type": "MakeNotReadyWithReason", "agentId": "1001", "params": {}}', "MISSING_REASON_CODE", "reasonCode"),
    ('{"type": "AnswerCall", "agentId": "1001", "params": {}}', "NO_DIALOG_ID", "dialogId"),
    ('{"type": "Login", "agentId": "10#01", "params": {"password": "p", "extension": "1"}}', "PLEASE_RETRY",
     "agentId"),
    ("Login#1001|a,b,c,d", "PLEASE_RETRY", "parameter"),
    ('{"type": "Login", "category": "agent_call", "agentId": "1", "params": {"password": "p", "extension": "1"}}',
     "PLEASE_RETRY", "category"),
])
def test_malformed_frames(client, frame, code, words):
    client.send(frame)
    err = client.expect("Error")
    assert err["errorCode"] == code, err
    assert words.lower() in err["errorDescription"].lower(), err
    still_alive(client)


def test_type_matches_case_insensitively_and_aliases(client):
    client.send({"type": "hELLo", "params": {"clientDestination": "ci"}})
    assert client.expect("System")["status"] == "IN_SERVICE"


def test_command_for_an_agent_not_connected_here(client):
    client.send({"type": "GetState", "agentId": "1001", "requestId": "nc"})
    err = client.expect("Error", requestId="nc")
    assert err["errorCode"] == "SUBSCRIPTION_FAILED" and err["agentId"] == "1001"
    assert err["request"] == {"category": "agent_state", "type": "GetState"}
    still_alive(client)


def test_request_id_too_long_is_refused(client):
    client.send({"type": "Hello", "params": {"clientDestination": "x"}, "requestId": "r" * 65})
    err = client.expect("Error")
    assert err["errorCode"] == "PLEASE_RETRY" and "requestId" in err["errorDescription"]


@pytest.fixture(scope="module")
def small_frames(tmp_path_factory):
    config = sim_config(websocket={"max_frame_bytes": 1024}, tcp={"max_frame_bytes": 1024})
    with GCProcess(config, workdir=tmp_path_factory.mktemp("small")) as proc:
        yield proc


@pytest.mark.parametrize("transport", ["websocket", "tcp"])
def test_frame_over_the_size_limit(small_frames, transport):
    with small_frames.client(transport) as c:
        big = json.dumps({"type": "Hello", "params": {"clientDestination": "x" * 200_000}})
        c.send(big)
        err = c.expect("Error")
        assert err["errorCode"] == "PLEASE_RETRY" and "exceeds the limit of 1024 bytes" in err["errorDescription"]
        still_alive(c)
        # a frame just under the limit still works
        c.send('{"type": "Hello",' + " " * 900 + '"params": {"clientDestination": "y"}}')
        assert c.expect("System")["status"] == "IN_SERVICE"


def test_invalid_utf8_over_tcp(gc_server):
    with gc_server.client("tcp") as c:
        c.sock.sendall(b'{"type": "Hello", "params": {"clientDestination": "\xff\xfe"}}\n')
        assert "UTF-8" in c.expect("Error")["errorDescription"]
        still_alive(c)


def test_other_sessions_unaffected_by_a_misbehaving_client(gc_server):
    with gc_server.client("websocket") as good, gc_server.client("tcp") as bad:
        good.send({"type": "Connect", "agentId": "1003", "params": {"clientDestination": "good", "password": "secret"}})
        for frame in ("garbage", "{", "[]", "Login#1003|secret,1003", '{"type":"Logout","agentId":"1003"}'):
            bad.send(frame)
        bad.drain()
        bad.close()
        good.send({"type": "GetState", "agentId": "1003", "requestId": "g"})
        assert good.expect("State", requestId="g")["agentId"] == "1003"


def test_abrupt_disconnect_keeps_the_server_alive(gc_server):
    raw = socket.create_connection(gc_server.tcp_address)
    raw.sendall(b'{"type": "Hello", "params": {"clientD')
    raw.close()
    with gc_server.client("tcp") as c:
        still_alive(c)


def test_no_password_in_log_or_events(tmp_path):
    probe = "Pw-7c1e9b"
    site = tmp_path / "site.toml"
    from gc_core.resources import conf_dir
    text = (conf_dir() / "sim-site.toml").read_text().replace('"secret"', f'"{probe}"')
    assert probe in text
    site.write_text(text)
    with GCProcess(sim_config(sim={"site": str(site)}), workdir=tmp_path) as gc:
        with gc.client("tcp") as c:
            c.send(f"Connect#1001|pw-test,{probe}")
            c.send(f"Login#1001|{probe},1001")
            c.expect("State")
            c.send(f"Connect#1002|pw-test,wrong-{probe}")
            c.expect("Error")
            c.send({"type": "Login", "agentId": "1001", "params": {"password": probe, "extension": "1x"}})
            c.expect("Error")
            c.send(f'{{"type": "Login", "agentId": "1001", "params": {{"password": "{probe}", "extension": 5}}}}')
            c.expect("Error")
            c.send(f"Logout#1001|{probe}")
            c.expect("Error")
            events = json.dumps(c.drain() + c.events)
        log = gc.log()
    assert "DEBUG" in log and "request" in log  # the log did record the requests
    assert probe not in log
    assert probe not in events
