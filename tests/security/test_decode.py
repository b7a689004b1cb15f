"""Issue 10, rows 3, 11 and 12: input that cannot hurt. Each bad frame is refused at
decode with PLEASE_RETRY naming the problem; no internal error, no traceback in the
log, the connection stays open, and the other clients of the destination keep theirs."""
from __future__ import annotations

import json

import pytest

from tests.security.helpers import fresh, login, until

NAMED = "PLEASE_RETRY"


def _refused(client, frame: str, rid: str | None, words: str) -> dict:
    if hasattr(client, "sock"):  # raw bytes: a lone surrogate escape stays an escape
        client.sock.sendall(frame.encode("utf-8", "surrogatepass") + b"\n")
    else:
        client.ws.send(frame)
    err = client.expect("Error", requestId=rid) if rid else client.expect("Error")
    assert err["errorCode"] == NAMED and err["errorOrigin"] == "GC", err
    assert words in err["errorDescription"], err
    return err


BAD = [
    # (frame as sent, requestId echoed, words the description must hold)
    ('{"type":"GetState","agentId":"1001","requestId":"\\ud800"}', None, "lone UTF-16 surrogate"),
    ('{"type":"Login","agentId":"1001","params":{"password":"se\\udc00cret","extension":"1001"},'
     '"requestId":"r-sur"}', "r-sur", "lone UTF-16 surrogate"),
    ('{"type":"GetState","agentId":"1001","requestId":"r-int","params":{"x":' + "9" * 4301 + '}}',
     None, "digits"),
    ('{"type":"GetState","agentId":"1001","requestId":"r-deep","params":' + "[" * 5000 + "]" * 5000 + '}',
     None, "nesting deeper"),
    ('{"type":"GetState","agentId":"1001","requestId":"r-deep2","params":' + '{"a":' * 40 + "1" + "}" * 40
     + '}', None, "nesting deeper"),
    ('{"type":"GetState","agentId":"10\\u000001","requestId":"r-nul"}', None, "NUL"),
    ('{"type":"GetState","agentId":"1001","requestId":"r-nan","params":{"x":NaN}}', None, "NaN"),
    # row 11: what cannot travel to Finesse (an HTTP header, a Basic credential)
    ('{"type":"GetState","agentId":"1001","requestId":"r-\u20ac"}', None, "requestId"),
    ('{"type":"Login","agentId":"1001","params":{"password":"s\u20acret","extension":"1001"},'
     '"requestId":"r-pw"}', "r-pw", "password"),
]


@pytest.mark.parametrize("transport", ["tcp", "websocket"])
def test_rows3_11_bad_input_is_refused_at_decode(gc, transport):
    d = fresh("dec")
    with gc.client(transport) as owner, gc.client(transport) as m:
        owner.send(f"Hello#{d}")
        owner.expect("System")
        login(owner, "1002", d)
        m.send(f"Hello#{d}")
        m.expect("System")
        for frame, rid, words in BAD:
            err = _refused(m, frame, rid, words)
            assert "se\udc00cret" not in json.dumps(err) and "s\u20acret" not in err["errorDescription"]
        # M's connection is still open and answered; the owner's agent never noticed
        m.send({"type": "Hello", "params": {"clientDestination": d}, "requestId": "still"})
        assert m.expect("System", requestId="still")["status"] == "IN_SERVICE"
        owner.send({"type": "GetState", "agentId": "1002", "requestId": "own"})
        before, st = until(owner, "own")
        assert st["state"] == "NOT_READY" and [e for e in before if e.get("type") == "State"] == []
        owner.send({"type": "Logout", "agentId": "1002", "requestId": "out"})
        owner.expect("State", requestId="out")
    log = gc.log()
    assert "Traceback" not in log and "GENERAL_ERROR" not in log


@pytest.mark.parametrize("transport", ["tcp", "websocket"])
def test_row12_errors_echo_a_bounded_prefix(gc, transport):
    long_type, long_agent = "T" * 60000, "A" * 60000
    with gc.client(transport) as c:
        c.send({"type": long_type, "agentId": "1001", "requestId": "t"})
        err = c.expect("Error", requestId="t")  # the client's schema check: the Error keeps GC's schema
        assert err["errorCode"] == NAMED and len(json.dumps(err)) < 1000
        assert err["request"]["type"].startswith("TTTT") and len(err["request"]["type"]) <= 65
        c.send({"type": "GetState", "agentId": long_agent, "requestId": "a"})
        err = c.expect("Error", requestId="a")
        assert len(json.dumps(err)) < 1000 and len(err["agentId"]) <= 65
        c.send(f"{long_type}#{long_agent}")
        err = c.expect("Error")
        assert len(json.dumps(err)) < 1000
        c.send({"type": "GetState", "agentId": "1001", "requestId": "x", long_agent: 1})
        err = c.expect("Error", requestId="x")
        assert len(json.dumps(err)) < 1000
        c.send({"type": "Hello", "params": {"clientDestination": fresh()}, "requestId": "ok"})
        assert c.expect("System", requestId="ok")["status"] == "IN_SERVICE"
    assert "Traceback" not in gc.log()
