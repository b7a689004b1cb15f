"""Issue #3 point 1, agent_state / agent_work commands: each answered with exactly the
events of the spec (type, fields, values, order, requestId), through a real socket,
in the three frame forms over both transports. (Schema validity of every event is
checked by GCClient itself.)"""
from __future__ import annotations

import pytest

from .helpers import (PASSWORD, agent_info, answered, call_vars, customer as cust, dialog_state, dropped, inbound,
                      party, state)

FORMS = [("websocket", "named"), ("tcp", "named"), ("websocket", "positional"), ("tcp", "positional"),
         ("websocket", "legacy"), ("tcp", "legacy")]


@pytest.mark.parametrize("transport, form", FORMS)
def test_login_getstate_logout(desks, team, transport, form):
    a = team.agents[0]
    d = desks(a, transport, form)
    d.connect()
    d.send("Login", {"password": PASSWORD, "extension": a.ext}, rid="in")
    assert d.events() == [state(a, "NOT_READY", rid=d.rid("in")), agent_info(a, rid=d.rid("in"))]
    d.send("GetState", rid="get")
    events, now = d.sync()
    assert events == [state(a, "NOT_READY", rid=d.rid("get"))]
    assert events[0]["stateChangeTime"] == now["stateChangeTime"]
    d.send("Logout", rid="out")
    assert d.events() == [state(a, "LOGOUT", rid=d.rid("out"))]


def test_supervisor_agent_info(desks, team):
    s = team.supervisor
    d = desks(s, "tcp", "legacy")
    d.connect()
    d.send("Login", {"password": PASSWORD, "extension": s.ext})
    info = agent_info(s)
    assert info["supervisor"] is True and info["teams"] == [{"id": team.id, "name": team.name}]
    assert d.events() == [state(s, "NOT_READY"), info]


@pytest.mark.parametrize("transport, form", [("websocket", "named"), ("tcp", "legacy")])
def test_mobile_agent_login(desks, team, transport, form):
    a, b = team.agents[:2]
    d = desks(a, transport, form)
    d.connect()
    d.send("MobileAgentLogin", {"password": PASSWORD, "extension": a.ext, "phone": "5557001",
                                "connectionMode": "true"}, rid="mal")
    assert d.events() == [state(a, "NOT_READY", rid=d.rid("mal")), agent_info(a, rid=d.rid("mal"))]
    # a dial number that is no outside phone: Finesse refuses the device; b stays signed out
    e = desks(b, transport, form)
    e.connect()
    e.send("MobileAgentLogin", {"password": PASSWORD, "extension": b.ext, "phone": "12",
                                "connectionMode": "false"}, rid="bad")
    [err] = e.events()
    assert (err["type"], err["agentId"], err["errorCode"], err["errorOrigin"], err["finesseErrorType"]) == \
        ("Error", b.id, "CF_INVALID_LOGON_DEVICE_SPECIFIED", "Finesse", "Invalid Device")
    assert err.get("requestId") == e.rid("bad")
    assert e.state()["state"] == "LOGOUT"
    e.send("MobileAgentLogin", {"password": PASSWORD, "extension": b.ext, "phone": "95551234",
                                "connectionMode": "false"}, rid="ok")
    assert e.events() == [state(b, "NOT_READY", rid=e.rid("ok")), agent_info(b, rid=e.rid("ok"))]


@pytest.mark.parametrize("transport, form", [("websocket", "positional"), ("tcp", "named"), ("tcp", "legacy")])
def test_ready_and_not_ready_with_reasons(desks, team, transport, form):
    a = team.agents[0]
    d = desks(a, transport, form)
    d.login()
    d.send("MakeReady", rid="r")
    assert d.events() == [state(a, "READY", rid=d.rid("r"))]
    d.send("MakeNotReadyWithReason", {"reasonCode": "8"}, rid="nr8")
    assert d.events() == [state(a, "NOT_READY", reason="8", label="Break", rid=d.rid("nr8"))]
    # GetState repeats it, same time
    first = d.state()
    d.send("GetState", rid="g")
    [again] = d.events()
    assert again == state(a, "NOT_READY", reason="8", label="Break", rid=d.rid("g"))
    assert again["stateChangeTime"] == first["stateChangeTime"]
    d.send("MakeNotReadyWithReason", {"reasonCode": "1"}, rid="nr1")
    assert d.events() == [state(a, "NOT_READY", reason="1", label="Lunch", rid=d.rid("nr1"))]
    d.send("MakeNotReady", rid="nr")
    assert d.events() == [state(a, "NOT_READY", rid=d.rid("nr"))]
    d.send("MakeNotReady", rid="nr-again")  # asking again answers again
    assert d.events() == [state(a, "NOT_READY", rid=d.rid("nr-again"))]


@pytest.mark.parametrize("transport, form", [("tcp", "positional"), ("websocket", "legacy")])
def test_logout_with_reason(desks, team, transport, form):
    a = team.agents[0]
    d = desks(a, transport, form)
    d.login()
    d.send("logoutwithreason", {"reasonCode": "21"}, rid="lo")
    assert d.events() == [state(a, "LOGOUT", reason="21", label="End of Shift", rid=d.rid("lo"))]
    d.send("Login", {"password": PASSWORD, "extension": a.ext}, rid="in")
    assert d.events() == [state(a, "NOT_READY", rid=d.rid("in")), agent_info(a, rid=d.rid("in"))]
    d.send("logoutwithreason", {"reasonCode": "23"}, rid="lo2")
    assert d.events() == [state(a, "LOGOUT", reason="23", label="Emergency", rid=d.rid("lo2"))]


def test_force_logout(desks, team):
    a = team.agents[0]
    d = desks(a, "websocket", "named")
    d.login(ready=True)
    # UCCE signs out only from NOT_READY: force_logout goes through it
    d.send("force_logout", rid="fl")
    assert d.events() == [state(a, "NOT_READY", rid="fl"), state(a, "LOGOUT", rid="fl")]
    d.send("force_logout", rid="fl2")  # already signed out: the State again
    assert d.events() == [state(a, "LOGOUT", rid="fl2")]
    d.send("force_logout", form="legacy")
    assert d.events() == [state(a, "LOGOUT")]


def test_force_logout_during_a_call(desks, team, customer):
    """An abrupt disconnection while talking: the agent's call ends for it and it is
    signed out (not left TALKING with a pending state)."""
    a = team.agents[0]
    d = desks(a, "tcp", "named")
    d.login(ready=True)
    did = answered(d, customer, team, "5551234")
    d.send("force_logout", rid="fl")
    assert d.events() == [dropped(a, did, rid="fl"), state(a, "READY", rid="fl"),
                          state(a, "NOT_READY", rid="fl"), state(a, "LOGOUT", rid="fl")]
    assert d.state()["state"] == "LOGOUT"


@pytest.mark.parametrize("transport, form", [("websocket", "named"), ("tcp", "legacy")])
def test_work_states(desks, team, transport, form):
    a = team.agents[0]
    d = desks(a, transport, form)
    d.login()
    d.send("makeworknotready", rid="w")
    assert d.events() == [state(a, "WORK", rid=d.rid("w"))]
    d.send("makeworkready", rid="wr")
    assert d.events() == [state(a, "WORK_READY", rid=d.rid("wr"))]
    d.send("MakeReady", rid="r")
    assert d.events() == [state(a, "READY", rid=d.rid("r"))]
    d.send("makeworknotready", rid="w2")
    assert d.events() == [state(a, "WORK", rid=d.rid("w2"))]
    d.send("MakeNotReady", rid="nr")
    assert d.events() == [state(a, "NOT_READY", rid=d.rid("nr"))]


@pytest.mark.parametrize("command, category", [("reasoncodenotready", "NOT_READY"), ("reasoncodelogout", "LOGOUT"),
                                               ("wrapupreasoncode", "WrapUp")])
@pytest.mark.parametrize("transport, form", [("websocket", "named"), ("tcp", "legacy")])
def test_reason_code_lists(desks, team, site, command, category, transport, form):
    a = team.agents[0]
    d = desks(a, transport, form)
    d.connect()  # the lists need no sign-in
    d.send(command, rid="rc")
    codes = site.reason_codes(category)
    expected = {"type": "ReasonCodes", "category": category, "reasonCodes": codes, "agentId": a.id}
    if d.rid("rc"):
        expected["requestId"] = "rc"
    assert d.events() == [expected]
    spot = {"NOT_READY": {"8": "Break"}, "LOGOUT": {"21": "End of Shift"}, "WrapUp": {"1": "Complaint"}}[category]
    assert spot in codes and len(codes) == {"NOT_READY": 4, "LOGOUT": 3, "WrapUp": 7}[category]


def test_wrap_up_reasons_are_the_spec_sample(desks, team):
    import json

    from .helpers import SAMPLES
    sample = json.loads((SAMPLES / "ReasonCodes__wrap_up.json").read_text())
    a = team.agents[0]
    d = desks(a)
    d.connect()
    d.send("wrapupreasoncode", rid="w")
    [ev] = d.events()
    assert ev == {**sample, "agentId": a.id, "requestId": "w"}


def test_getallagents(desks, team):
    a, b, c = team.agents
    da, db = desks(a, "tcp", "named"), desks(b, "websocket", "legacy")
    da.login()
    db.login(ready=True)
    desks(c).connect()  # connected, not signed in: not listed
    da.send("getallagents", rid="all")
    users = [{"firstName": x.first, "lastName": x.last, "extension": x.ext} for x in (a, b)]
    assert da.events() == [[{"type": "Agents", "users": users, "requestId": "all"}]]
    db.send("getallagents")
    assert db.events() == [[{"type": "Agents", "users": users}]]
    da.send("Logout", rid="out")
    da.events()
    db.send("getallagents")
    assert db.events() == [[{"type": "Agents", "users": users[1:]}]]


@pytest.mark.parametrize("transport, form", [("websocket", "named"), ("tcp", "legacy")])
def test_refresh(desks, team, customer, transport, form):
    a = team.agents[0]
    d = desks(a, transport, form)
    d.login(ready=True)
    d.send("refresh", rid="rf")
    assert d.events() == [state(a, "READY", rid=d.rid("rf"))]
    did = customer.call(team, "5552001", callVariable1="Gold")
    d.events()
    d.send("AnswerCall", {"dialogId": did})
    d.events()
    d.send("refresh", rid="rf2")
    assert d.events() == [
        state(a, "TALKING", rid=d.rid("rf2")),
        inbound(a, did, "ACTIVE", "5552001", [cust("5552001"), party(a.ext, "ACTIVE")], "ACD_IN",
                variables=call_vars("5552001", callVariable1="Gold"), rid=d.rid("rf2"))]


def test_pending_state_while_talking(desks, team, customer):
    """UCCE: NOT_READY asked during a call becomes pendingState, applied when it ends."""
    a = team.agents[0]
    d = desks(a, "tcp", "named")
    d.login(ready=True)
    did = customer.call(team, "5552002")
    d.events()
    d.send("AnswerCall", {"dialogId": did})
    d.events()
    d.send("MakeNotReadyWithReason", {"reasonCode": "2"}, rid="nr")
    assert d.events() == [state(a, "TALKING", pending="NOT_READY", rid="nr")]
    customer.hangup(did)
    assert d.events() == [{"type": "InboundCall", "dialogId": did, "prevDialogId": None, "state": "DROPPED",
                           "agentId": a.id},
                          state(a, "NOT_READY", reason="2", label="Meeting")]
    d.send("getdialogstate", {"dialogId": did}, rid="gd")
    assert d.events() == [dialog_state(a, did, "NOT_FOUND", rid="gd")]


def test_reconnect_while_signed_in(desks, team):
    """A client that connects an agent already signed in gets State alone for a state
    change (no AgentInfo: that answers a sign-in), and State + AgentInfo for a Login."""
    a = team.agents[0]
    first = desks(a, "websocket", "named")
    first.login()
    first.close()
    d = desks(a, "tcp", "named")
    d.connect()
    d.send("MakeReady", rid="r")
    assert d.events() == [state(a, "READY", rid="r")]
    d.send("MakeNotReady", rid="nr")
    assert d.events() == [state(a, "NOT_READY", rid="nr")]
    d.send("Login", {"password": PASSWORD, "extension": a.ext}, rid="in")  # already in: answered again
    assert d.events() == [state(a, "NOT_READY", rid="in"), agent_info(a, rid="in")]
    d.send("Logout", rid="out")
    assert d.events() == [state(a, "LOGOUT", rid="out")]
    d.send("Login", {"password": PASSWORD, "extension": a.ext}, form="legacy")
    assert d.events() == [state(a, "NOT_READY"), agent_info(a)]


def test_supervisor_forced_not_ready_code(desks, team):
    """A supervisor's MakeNotReady / Logout of a team member carries the UCCE forced code
    999; the supervisor's copy echoes its requestId, the member's own copy carries none."""
    a, s = team.agents[0], team.supervisor
    da, ds = desks(a, "tcp", "named"), desks(s, "websocket", "named")
    da.login(ready=True)
    ds.connect()
    ds.send("MakeNotReady", rid="sup-nr", agent_id=a.id)
    forced = state(a, "NOT_READY", reason="999", label="Supervisor Initiated")
    assert ds.events() == [{**forced, "requestId": "sup-nr"}]
    assert da.events() == [forced]  # the member's client did not ask: no requestId
    ds.send("Logout", rid="sup-out", agent_id=a.id)
    out = state(a, "LOGOUT", reason="999", label="Supervisor Initiated")
    assert ds.events() == [{**out, "requestId": "sup-out"}]
    assert da.events() == [out]



def test_supervisor_legacy_request_carries_no_request_id(desks, team):
    a, s = team.agents[0], team.supervisor
    da, ds = desks(a, "tcp", "legacy"), desks(s, "websocket", "legacy")
    da.login(ready=True)
    ds.connect()
    ds.send("MakeNotReady", agent_id=a.id)
    forced = state(a, "NOT_READY", reason="999", label="Supervisor Initiated")
    assert ds.events() == [forced]
    assert da.events() == [forced]
