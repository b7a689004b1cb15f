"""Issue #5, point 2: Finesse's errors reach the right client as the spec's ``Error``
events with the right ``requestId``.

- asynchronous ones (REST said 202, the refusal came as a notification): a bad
  extension at sign-in, a call action in the wrong state, the flavour-specific
  refusals (UCCE signs out only from NOT_READY; UCCX refuses READY while talking);
- synchronous ones: 401 (wrong password), 400 (unknown reason code), 404;
- a wrong password is sent to Finesse exactly once (five failures lock the agent out);
- passwords never reach a log line or an event.
Where the sim can play the same scenario, the events are compared with the sim's.
"""
from __future__ import annotations

import base64
import json

import requests

from gc_core.testing import event_obj, event_type

from .harness import PASSWORD, scenario_team
from .test_scenarios import answered_call, ready, req, run_both


def sc_bad_extension(world, team):
    a = world.agent(team.agents[0])
    b = world.agent(team.agents[1])
    req(a, "Login", "login-bad", password=PASSWORD, extension="7777")
    a.expect("Error", requestId="login-bad")
    req(a, "GetState", "after")
    a.expect("State", requestId="after")
    return [a, b]


def test_bad_extension_at_login_is_an_async_error_for_that_client_only(pair):
    a_events, b_events = run_both(pair, sc_bad_extension, 12)
    err = event_obj(next(e for e in a_events if event_type(e) == "Error"))
    assert err["errorCode"] == "CF_INVALID_LOGON_DEVICE_SPECIFIED"
    assert err["errorOrigin"] == "Finesse" and err["agentId"] == "2121" and err["requestId"] == "login-bad"
    assert err["finesseErrorType"] == "Invalid Device"
    assert event_obj(a_events[-1])["state"] == "LOGOUT"  # nothing changed
    assert b_events == []  # the other agent's client heard nothing


def sc_wrong_state(world, team):
    a = world.agent(team.agents[0], login=team.agents[0])
    did = answered_call(world, team, a)
    req(a, "HoldCall", "hold", dialogId=did)
    a.expect("InboundCall", requestId="hold", state="HELD")
    req(a, "HoldCall", "hold-again", dialogId=did)
    a.expect("Error", requestId="hold-again")
    req(a, "AnswerCall", "answer-again", dialogId=did)
    a.expect("Error", requestId="answer-again")
    world.traffic.hangup(did)
    a.expect("InboundCall", dialogId=did, state="DROPPED")
    return [a]


def test_action_in_wrong_state_is_an_async_error_with_its_request_id(pair):
    (events,) = run_both(pair, sc_wrong_state, 13)
    errors = [event_obj(e) for e in events if event_type(e) == "Error"]
    assert [(e["requestId"], e["errorCode"]) for e in errors] == [
        ("hold-again", "CF_INVALID_OBJECT_STATE"), ("answer-again", "CF_INVALID_OBJECT_STATE")]
    assert errors[0]["finesseErrorType"] == "Call Operation Failure" and errors[0]["finesseErrorData"] == "22"


def sc_flavour_state_rules(world, team):
    a = world.agent(team.agents[0], login=team.agents[0])
    ready(a)
    req(a, "Logout", "logout-from-ready")          # UCCE: only from NOT_READY
    a.expect(lambda e: event_obj(e).get("requestId") == "logout-from-ready")
    if world.flavour == "UCCX":
        req(a, "Login", "login2", password=PASSWORD, extension=team.agents[0])
        a.expect("State", requestId="login2")
        ready(a, "ready2")
    did = answered_call(world, team, a)
    req(a, "MakeNotReady", "nr-while-talking")       # UCCE: pending; UCCX: CF_RESOURCE_BUSY
    a.expect(lambda e: event_obj(e).get("requestId") == "nr-while-talking")
    world.traffic.hangup(did)
    a.expect("InboundCall", dialogId=did, state="DROPPED")
    return [a]


def test_flavour_specific_state_errors(pair, flavour):
    (events,) = run_both(pair, sc_flavour_state_rules, 14)
    by_rid: dict = {}
    for e in events:
        by_rid.setdefault(event_obj(e).get("requestId"), []).append(event_obj(e))
    logout = by_rid["logout-from-ready"][0]
    nr = by_rid["nr-while-talking"][0]
    if flavour == "UCCE":
        assert (logout["type"], logout["errorCode"]) == ("Error", "CF_INVALID_OBJECT_STATE")
        assert (nr["type"], nr["state"], nr["pendingState"]) == ("State", "TALKING", "NOT_READY")
    else:
        assert (logout["type"], logout["state"]) == ("State", "LOGOUT")
        assert (nr["type"], nr["errorCode"], nr["finesseErrorData"]) == ("Error", "CF_RESOURCE_BUSY", "33")


def sc_sync_400(world, team):
    a = world.agent(team.agents[0], login=team.agents[0])
    req(a, "MakeNotReadyWithReason", "bad-code", reasonCode="77")
    a.expect("Error", requestId="bad-code")
    req(a, "MakeCall", "call-self", number=team.agents[0])
    a.expect("Error", requestId="call-self")
    return [a]


def test_synchronous_400_errors(pair):
    (events,) = run_both(pair, sc_sync_400, 15)
    errors = {event_obj(e)["requestId"]: event_obj(e) for e in events if event_type(e) == "Error"}
    assert errors["bad-code"]["httpStatus"] == 400 and errors["bad-code"]["finesseErrorType"] == "Invalid Input"
    assert errors["call-self"]["errorCode"] == "BAD_DESTINATION"


def test_wrong_password_is_sent_to_finesse_once(fin):
    """Connect with a wrong password: SUBSCRIPTION_FAILED, and Finesse saw exactly one
    failed sign-in: three more wrong attempts make four failures, one short of the
    lockout (had GC retried even once, they would make five), so the right password
    still works afterwards."""
    agent = scenario_team(16).agents[0]
    c = fin.gc.client()
    fin.clients.append(c)
    c.send({"type": "Hello", "params": {"clientDestination": "pw-test"}})
    c.expect("System")
    c.send({"type": "Connect", "agentId": agent, "requestId": "bad-pw",
            "params": {"clientDestination": "pw-test", "password": "Wr0ng-Pa55-7341"}})
    err = c.expect("Error", requestId="bad-pw")
    assert (err["errorCode"], err["httpStatus"], err["agentId"]) == ("SUBSCRIPTION_FAILED", 401, agent)
    url = fin.cluster.primary.rest_url + f"/User/{agent}"
    for _ in range(3):
        assert requests.get(url, auth=(agent, "another-wrong-one"), timeout=5).status_code == 401
    ok = requests.get(url, auth=(agent, PASSWORD), timeout=5)
    assert ok.status_code == 200, ok.text  # not locked out: GC did not retry
    # and the agent is still usable through GC
    c.send({"type": "Connect", "agentId": agent, "params": {"clientDestination": "pw-test", "password": PASSWORD}})
    c.send({"type": "GetState", "agentId": agent, "requestId": "ok"})
    assert c.expect("State", requestId="ok")["state"] == "LOGOUT"


def test_unknown_user_and_unconnected_agent(fin):
    c = fin.gc.client()
    fin.clients.append(c)
    c.send({"type": "Hello", "params": {"clientDestination": "unknown-user"}})
    c.expect("System")
    c.send({"type": "Connect", "agentId": "999999", "requestId": "nobody",
            "params": {"clientDestination": "unknown-user", "password": PASSWORD}})
    err = c.expect("Error", requestId="nobody")
    # Finesse (and the emulator) cannot authenticate a user it does not know: 401
    assert err["errorCode"] == "SUBSCRIPTION_FAILED" and err["agentId"] == "999999"
    c.send({"type": "GetState", "agentId": "999999", "requestId": "not-connected"})
    assert c.expect("Error", requestId="not-connected")["errorCode"] == "SUBSCRIPTION_FAILED"


def test_login_with_another_password_than_connect_is_refused_locally(fin):
    agent = scenario_team(16).agents[1]
    a = fin.agent(agent)
    req(a, "Login", "pw", password="not-the-same", extension=agent)
    err = a.expect("Error", requestId="pw")
    assert err["errorCode"] == "CF_INVALID_PASSWORD_SPECIFIED"


def test_passwords_never_reach_a_log_line_or_an_event(fin):
    """After connects with right and wrong passwords, sign-ins and calls, neither a
    password nor its HTTP Basic / SASL PLAIN encodings appear in GC's (DEBUG) log or
    in any event a client received."""
    team = scenario_team(17)
    wrong = "Wr0ng-S3cret-9931"
    c = fin.gc.client()
    fin.clients.append(c)
    c.send({"type": "Hello", "params": {"clientDestination": "pw-check"}})
    c.expect("System")
    c.send({"type": "Connect", "agentId": team.agents[2], "requestId": "w",
            "params": {"clientDestination": "pw-check", "password": wrong}})
    c.expect("Error", requestId="w")
    a = fin.agent(team.agents[0], login=team.agents[0])
    did = answered_call(fin, team, a)
    fin.traffic.hangup(did)
    a.expect("InboundCall", dialogId=did, state="DROPPED")
    req(a, "Login", "relogin", password=wrong, extension=team.agents[0])
    a.expect("Error", requestId="relogin")
    log = fin.gc.log()
    assert "gc.finesse" in log and "JID set to" in log  # the log is the DEBUG one we think it is
    secrets = [wrong, PASSWORD]
    for agent in (team.agents[0], team.agents[2]):
        for pw in (wrong, PASSWORD):
            secrets.append(base64.b64encode(f"{agent}:{pw}".encode()).decode())         # HTTP Basic
            secrets.append(base64.b64encode(f"\0{agent}\0{pw}".encode()).decode())      # SASL PLAIN
            secrets.append(base64.b64encode(f"{agent}@finesse.local\0{agent}\0{pw}".encode()).decode())
    events_text = json.dumps(c.events + a.events)
    for s in secrets:
        assert s not in log, f"a secret reached GC's log: {s[:3]}..."
        assert s not in events_text
