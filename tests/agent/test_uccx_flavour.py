"""Issue #3 on the UCCX flavour of the sim (reference section 9): HOLD leaves the agent
TALKING; Transfer_sst, MobileAgentLogin and makeworkready are not offered; no pending
state while talking (CF_RESOURCE_BUSY); sign-out also from READY; supervisor-forced
codes are 33; REQUIRED wrap-up goes to WORK."""
from __future__ import annotations

import pytest

from .helpers import (PASSWORD, answered, call_vars, consult, customer as cust, dialog_state, dropped, inbound,
                      new_inbound, party, refused, state, unchanged)
from tests.expected import described

FLAVOUR = "UCCX"

ACTIVE_CONTROLS_UCCX = ["HOLD", "DROP", "SEND_DTMF", "CONSULT_CALL", "START_RECORDING", "UPDATE_CALL_DATA"]


@pytest.mark.parametrize("transport, form", [("websocket", "named"), ("tcp", "legacy"), ("tcp", "positional")])
def test_hold_leaves_the_agent_talking(desks, team, customer, transport, form):
    a = team.agents[0]
    d = desks(a, transport, form)
    d.login(ready=True)
    did = answered(d, customer, team, "5557001", callVariable1="Gold")
    cv = call_vars("5557001", callVariable1="Gold")
    d.send("getdialogstatecontrols", {"dialogId": did}, rid="c")
    assert d.events() == [dialog_state(a, did, "ACTIVE", controls=ACTIVE_CONTROLS_UCCX, rid=d.rid("c"))]
    d.send("HoldCall", {"dialogId": did}, rid="h")
    assert d.events() == [inbound(a, did, "HELD", "5557001", [cust("5557001"), party(a.ext, "HELD")], "ACD_IN",
                                  variables=cv, rid=d.rid("h"))]  # no State: still TALKING
    unchanged(d, "TALKING", did, "HELD")
    d.send("RetrieveCall", {"dialogId": did}, rid="r")
    assert d.events() == [inbound(a, did, "ACTIVE", "5557001", [cust("5557001"), party(a.ext, "ACTIVE")], "ACD_IN",
                                  variables=cv, rid=d.rid("r"))]
    unchanged(d, "TALKING", did, "ACTIVE")


UCCE_ONLY = [
    ("Transfer_sst", {"number": "5550001", "dialogId": "DID"}, "TRANSFER_SST"),
    ("MobileAgentLogin", {"password": PASSWORD, "extension": "EXT", "phone": "5557001", "connectionMode": "true"},
     "MOBILE_AGENT"),
    ("makeworkready", {}, "WORK_READY"),
]


@pytest.mark.parametrize("form", ["named", "legacy"])
@pytest.mark.parametrize("command, params, capability", UCCE_ONLY, ids=[c for c, _, _ in UCCE_ONLY])
def test_ucce_only_commands_are_not_offered(desks, team, customer, command, params, capability, form):
    a = team.agents[0]
    d = desks(a, "websocket", form)
    d.login(ready=True)
    did = answered(d, customer, team, "5557002")
    params = {k: {"DID": did, "EXT": a.ext}.get(v, v) for k, v in params.items()}
    d.send(command, params, rid="x")
    [err] = d.events()
    assert {k: err.get(k) for k in ("type", "errorCode", "errorOrigin", "errorDescription", "request")} == {
        "type": "Error", "errorCode": "PLEASE_RETRY", "errorOrigin": "GC",
        "errorDescription": described("PLEASE_RETRY",
                                      f"{command} is not available on the sim UCCX backend (needs {capability})"),
        "request": {"category": "agent_call" if command == "Transfer_sst" else "agent_state", "type": command}}
    assert err.get("requestId") == d.rid("x")
    if form == "named":
        assert err["agentId"] == a.id
    unchanged(d, "TALKING", did, "ACTIVE")


def test_not_ready_reason_codes(desks, team, site):
    a = team.agents[0]
    d = desks(a, "tcp", "named")
    d.login(ready=True)
    d.send("reasoncodenotready", rid="rc")
    assert d.events() == [{"type": "ReasonCodes", "category": "NOT_READY",
                           "reasonCodes": site.reason_codes("NOT_READY"), "agentId": a.id, "requestId": "rc"}]
    d.send("MakeNotReadyWithReason", {"reasonCode": "8"}, rid="nr")
    assert d.events() == [state(a, "NOT_READY", reason="8", label="Break", rid="nr")]
    d.send("logoutwithreason", {"reasonCode": "22"}, rid="lo")
    assert d.events() == [state(a, "LOGOUT", reason="22", label="Lunch", rid="lo")]


def test_sign_out_from_ready_and_no_pending_state(desks, team, customer):
    a = team.agents[0]
    d = desks(a, "websocket", "named")
    d.login(ready=True)
    did = answered(d, customer, team, "5557003")
    for command, params in (("MakeNotReady", {}), ("MakeNotReadyWithReason", {"reasonCode": "3"}),
                            ("MakeReady", {}), ("makeworknotready", {})):
        d.send(command, params, rid=command)
        # Finesse guide, User-Change Agent State (UCCX): READY during an ICD call is 265
        if command == "MakeReady":
            refused(d, {"errorCode": "CF_INVALID_AGENT_WORKMODE", "finesseErrorData": "265"}, command)
        else:
            refused(d, {"errorCode": "CF_RESOURCE_BUSY", "finesseErrorData": "33"}, command)
        now = d.state()
        assert now == state(a, "TALKING", pending="", rid=now["requestId"])
    d.send("ReleaseCall", {"dialogId": did}, rid="rel")
    assert d.events() == [dropped(a, did, rid="rel"), state(a, "READY", rid="rel")]
    d.send("Logout", rid="out")  # UCCX signs out from READY too
    assert d.events() == [state(a, "LOGOUT", rid="out")]


def test_supervisor_forced_codes(desks, team):
    a, s = team.agents[0], team.supervisor
    da, ds = desks(a, "tcp", "named"), desks(s, "websocket", "named")
    da.login(ready=True)
    ds.connect()
    ds.send("MakeNotReady", rid="sup-nr", agent_id=a.id)
    forced = state(a, "NOT_READY", reason="33", label="Supervisor Initiated")
    assert ds.events() == [{**forced, "requestId": "sup-nr"}]
    [ev] = da.events()
    assert {k: v for k, v in ev.items() if k != "requestId"} == forced
    ds.send("Logout", rid="sup-out", agent_id=a.id)
    assert ds.events() == [{**state(a, "LOGOUT", reason="33", label="Supervisor Initiated"), "requestId": "sup-out"}]


def test_transfer_with_required_wrap_up(desks, site, customer):
    """UCCX scenario: hold and consult leave A TALKING; after the transfer A (wrap-up
    REQUIRED) is in WORK with the call kept, sets the reason, then goes READY."""
    team = site.team("REQUIRED")
    a, b = team.agents[:2]
    da, db = desks(a, "tcp", "named"), desks(b, "websocket", "legacy")
    da.login(ready=True)
    db.login()
    did = answered(da, customer, team, "5557004", callVariable1="Gold")
    cv = call_vars("5557004", callVariable1="Gold")
    da.send("HoldCall", {"dialogId": did}, rid="h")
    assert [(e["type"], e["state"]) for e in da.events()] == [("InboundCall", "HELD")]
    da.send("RetrieveCall", {"dialogId": did}, rid="r")
    assert [(e["type"], e["state"]) for e in da.events()] == [("InboundCall", "ACTIVE")]
    da.send("ConsultCall", {"number": b.ext, "dialogId": did}, rid="cc")
    events = da.events()
    cid = events[1]["assDialogId"]
    ccv = call_vars(a.ext, callVariable1="Gold")
    assert events[1:3] == [consult(a, cid, "INITIATING", b.ext, variables=ccv, rid="cc"),
                           consult(a, cid, "INITIATED", b.ext, variables=ccv, rid="cc")]
    assert [(e["type"], e["state"]) for e in events] == [
        ("InboundCall", "HELD"), ("ConsultCall", "INITIATING"), ("ConsultCall", "INITIATED"),
        ("InboundCall", "INITIATED"), ("InboundCall", "HELD")]
    assert db.events() == [
        new_inbound(b, cid, a.ext, "CONSULT", variables=ccv),
        inbound(b, cid, "ALERTING", a.ext, [party(a.ext, "INITIATED"), party(b.ext, "ALERTING")], "CONSULT",
                prev=did, variables=ccv)]
    db.send("AnswerCall", {"dialogId": cid})
    # a consult is a non-ICD call on UCCX: the consulted agent's state does not change
    assert [(e["type"], e["state"]) for e in db.events()] == [("InboundCall", "ACTIVE")]
    da.events()
    da.send("TransferCall", {"extension": a.ext, "dialogId": did}, rid="x")
    got = da.events()
    assert got[0] == dropped(a, cid, prev=did, rid="x") and got[2] == state(a, "WORK", rid="x")
    assert (got[1]["type"], got[1]["dialogId"], got[1]["state"], got[1]["prevDialogId"]) == (
        "InboundCall", did, "WRAP_UP", cid)
    # the customer's (ICD) call now bears B's state: TALKING
    assert db.events() == [dropped(b, cid, prev=did),
                           inbound(b, did, "ACTIVE", "5557004", [cust("5557004"), party(b.ext, "ACTIVE")], "TRANSFER",
                                   prev=cid, variables=cv),
                           state(b, "TALKING")]
    da.send("getdialogstate", {"dialogId": did}, rid="gd")
    assert da.events() == [dialog_state(a, did, "WRAP_UP", rid="gd")]
    da.send("wrapup", {"wrapupReason": "Transfer call", "dialogId": did}, rid="wu")
    assert [(e["type"], e["state"], e["requestId"]) for e in da.events()] == [("InboundCall", "WRAP_UP", "wu")]
    da.send("MakeReady", rid="rd")
    assert da.events() == [dropped(a, did, prev=cid, rid="rd"), state(a, "READY", rid="rd")]
    # B's leg of the customer's call is REQUIRED too: B (NOT_READY before) goes to WORK
    customer.hangup(did)
    got = db.events()
    assert [(e["type"], e["state"]) for e in got] == [("InboundCall", "WRAP_UP"), ("State", "WORK")]
    db.send("MakeNotReady")
    assert db.events() == [dropped(b, did, prev=cid), state(b, "NOT_READY")]
