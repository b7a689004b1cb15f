"""Issue #3 point 1, agent_call / agent_dialog commands: each answered with exactly the
events the spec shows (InboundCall, NewInboundCall, ConsultCall, DialogState, the
dropped call), in order, with the requestId echoed to the requester only. Customers
are driven with the sim's traffic commands (SimCall / SimAnswer / SimHangup)."""
from __future__ import annotations

import pytest

from .helpers import (answered, call_vars, consult, customer as cust, dialog_state, dropped, inbound, new_inbound,
                      party, ring, state)


ACTIVE_CONTROLS_UCCE = ["HOLD", "DROP", "SEND_DTMF", "CONSULT_CALL", "TRANSFER_SST", "UPDATE_CALL_DATA"]


@pytest.mark.parametrize("transport, form", [("websocket", "named"), ("tcp", "positional"), ("tcp", "legacy")])


def test_inbound_call_rings_and_is_answered(desks, team, customer, transport, form):
    a = team.agents[0]
    d = desks(a, transport, form)
    d.login(ready=True)
    variables = {"callVariable1": "Gold", "callVariable10": "last", "user.account": "42"}
    did = ring(d, customer, team, "5553001", **variables)
    d.send("AnswerCall", {"dialogId": did}, rid="ans")
    assert d.events() == [
        inbound(a, did, "ACTIVE", "5553001", [cust("5553001"), party(a.ext, "ACTIVE")], "ACD_IN",
                variables=call_vars("5553001", **variables), rid=d.rid("ans")),
        state(a, "TALKING", rid=d.rid("ans"))]
    assert call_vars("5553001", **variables)[-2:] == [{"ani": "5553001"}, {"user.account": "42"}]


@pytest.mark.parametrize("transport, form", [("websocket", "legacy"), ("tcp", "named")])


def test_hold_retrieve_release(desks, team, customer, transport, form):
    a = team.agents[0]
    d = desks(a, transport, form)
    d.login(ready=True)
    did = answered(d, customer, team, "5553002", callVariable1="Silver")
    cv = call_vars("5553002", callVariable1="Silver")
    d.send("HoldCall", {"dialogId": did}, rid="h")
    assert d.events() == [
        inbound(a, did, "HELD", "5553002", [cust("5553002"), party(a.ext, "HELD")], "ACD_IN", variables=cv,
                rid=d.rid("h")),
        state(a, "HOLD", rid=d.rid("h"))]
    d.send("getdialogstate", {"dialogId": did}, rid="gd")
    assert d.events() == [dialog_state(a, did, "HELD", rid=d.rid("gd"))]
    d.send("RetrieveCall", {"dialogId": did}, rid="r")
    assert d.events() == [
        inbound(a, did, "ACTIVE", "5553002", [cust("5553002"), party(a.ext, "ACTIVE")], "ACD_IN", variables=cv,
                rid=d.rid("r")),
        state(a, "TALKING", rid=d.rid("r"))]
    d.send("ReleaseCall", {"dialogId": did}, rid="rel")
    assert d.events() == [dropped(a, did, rid=d.rid("rel")), state(a, "READY", rid=d.rid("rel"))]
    d.send("getdialogstate", {"dialogId": did}, rid="gd2")
    assert d.events() == [dialog_state(a, did, "NOT_FOUND", rid=d.rid("gd2"))]


@pytest.mark.parametrize("transport, form", [("tcp", "positional"), ("websocket", "named")])


def test_make_call_to_a_customer(desks, team, customer, transport, form):
    a = team.agents[0]
    d = desks(a, transport, form)
    d.login()
    d.send("MakeCall", {"number": "5559001"}, rid="mc")
    r = d.rid("mc")
    events = d.events()
    did = events[0]["dialogId"]
    assert events == [
        inbound(a, did, "INITIATING", a.ext, [party(a.ext, "INITIATING")], "AGENT_OUT", rid=r),
        inbound(a, did, "INITIATED", a.ext, [party(a.ext, "INITIATED")], "AGENT_OUT", rid=r),
        inbound(a, did, "INITIATED", a.ext, [party(a.ext, "INITIATED"), cust("5559001", "ALERTING")], "AGENT_OUT",
                rid=r),
        state(a, "TALKING", rid=r)]
    customer.answer(did)
    assert d.events() == [
        inbound(a, did, "ACTIVE", a.ext, [party(a.ext, "ACTIVE"), cust("5559001")], "AGENT_OUT")]
    d.send("ReleaseCall", {"dialogId": did}, rid="rel")
    assert d.events() == [dropped(a, did, rid=d.rid("rel")), state(a, "NOT_READY", rid=d.rid("rel"))]


def test_make_call_to_a_colleague(desks, team):
    a, b = team.agents[:2]
    da, db = desks(a, "websocket", "named"), desks(b, "tcp", "legacy")
    da.login()
    db.login()
    da.send("MakeCall", {"number": b.ext}, rid="mc")
    events = da.events()
    did = events[0]["dialogId"]
    ringing = [party(a.ext, "INITIATED"), party(b.ext, "ALERTING")]
    assert events == [
        inbound(a, did, "INITIATING", a.ext, [party(a.ext, "INITIATING")], "AGENT_INSIDE", rid="mc"),
        inbound(a, did, "INITIATED", a.ext, [party(a.ext, "INITIATED")], "AGENT_INSIDE", rid="mc"),
        inbound(a, did, "INITIATED", a.ext, ringing, "AGENT_INSIDE", rid="mc"),
        state(a, "TALKING", rid="mc")]
    # the callee's own destination: a new call, no requestId; its state does not change while it rings
    assert db.events() == [new_inbound(b, did, a.ext, "AGENT_INSIDE"),
                           inbound(b, did, "ALERTING", a.ext, ringing, "AGENT_INSIDE")]
    db.send("AnswerCall", {"dialogId": did})
    talking = [party(a.ext, "ACTIVE"), party(b.ext, "ACTIVE")]
    assert db.events() == [inbound(b, did, "ACTIVE", a.ext, talking, "AGENT_INSIDE"), state(b, "TALKING")]
    assert da.events() == [inbound(a, did, "ACTIVE", a.ext, talking, "AGENT_INSIDE")]
    db.send("ReleaseCall", {"dialogId": did})
    assert db.events() == [dropped(b, did), state(b, "NOT_READY")]
    assert da.events() == [dropped(a, did), state(a, "NOT_READY")]


def _consulted(da, db, customer, team):
    """a answers a customer (callVariable1 Gold) and consults b, who answers. Returns
    (original, consult) dialog ids, after checking every event of both desks."""
    a, b = da.agent, db.agent
    did = answered(da, customer, team, "5553003", callVariable1="Gold")
    cv = call_vars("5553003", callVariable1="Gold")
    held = inbound(a, did, "HELD", "5553003", [cust("5553003"), party(a.ext, "HELD")], "ACD_IN", variables=cv)
    da.send("ConsultCall", {"number": b.ext, "dialogId": did}, rid="cc")
    r = da.rid("cc")
    events = da.events()
    cid = events[1]["assDialogId"]
    ccv = call_vars(a.ext, callVariable1="Gold")  # the consult call carries the call's data
    assert events == [
        {**held, **({"requestId": r} if r else {})},
        consult(a, cid, "INITIATING", b.ext, variables=ccv, rid=r),
        consult(a, cid, "INITIATED", b.ext, variables=ccv, rid=r),
        inbound(a, cid, "INITIATED", a.ext, [party(a.ext, "INITIATED"), party(b.ext, "ALERTING")], "CONSULT",
                prev=did, variables=ccv, rid=r),
        {**held, **({"requestId": r} if r else {})}]
    assert cid != did
    assert db.events() == [
        new_inbound(b, cid, a.ext, "CONSULT", variables=ccv),
        inbound(b, cid, "ALERTING", a.ext, [party(a.ext, "INITIATED"), party(b.ext, "ALERTING")], "CONSULT",
                prev=did, variables=ccv)]
    db.send("AnswerCall", {"dialogId": cid}, rid="b-ans")
    both = [party(a.ext, "ACTIVE"), party(b.ext, "ACTIVE")]
    assert db.events() == [inbound(b, cid, "ACTIVE", a.ext, both, "CONSULT", prev=did, variables=ccv,
                                   rid=db.rid("b-ans")),
                           state(b, "TALKING", rid=db.rid("b-ans"))]
    # a's held call now offers TRANSFER / CONFERENCE, hence the repeated HELD update
    assert da.events() == [inbound(a, cid, "ACTIVE", a.ext, both, "CONSULT", prev=did, variables=ccv), held]
    da.send("getdialogstatecontrols", {"dialogId": did}, form="named", rid="ctl")
    assert da.events() == [dialog_state(a, did, "HELD", controls=["DROP", "TRANSFER", "CONFERENCE", "UPDATE_CALL_DATA"],
                                        rid="ctl")]
    return did, cid


@pytest.mark.parametrize("transport, form", [("websocket", "named"), ("tcp", "legacy")])


def test_consult_then_transfer(desks, team, customer, transport, form):
    a, b = team.agents[:2]
    da, db = desks(a, transport, form), desks(b, "tcp", "positional")
    da.login(ready=True)
    db.login()
    did, cid = _consulted(da, db, customer, team)
    da.send("TransferCall", {"extension": a.ext, "dialogId": did}, rid="xfer")
    r = da.rid("xfer")
    # the surviving call names the consult in Finesse's secondaryId: prevDialogId
    assert da.events() == [dropped(a, cid, prev=did, rid=r), dropped(a, did, prev=cid, rid=r),
                           state(a, "READY", rid=r)]
    assert db.events() == [
        dropped(b, cid, prev=did),
        inbound(b, did, "ACTIVE", "5553003", [cust("5553003"), party(b.ext, "ACTIVE")], "TRANSFER", prev=cid,
                variables=call_vars("5553003", callVariable1="Gold"))]
    db.send("getdialogstate", {"dialogId": did}, rid="gd")
    assert db.events() == [dialog_state(b, did, "ACTIVE", rid="gd")]
    assert db.state()["state"] == "TALKING"


@pytest.mark.parametrize("transport, form", [("tcp", "named"), ("websocket", "positional")])


def test_consult_then_conference_named_by_the_consult_dialog(desks, team, customer, transport, form):
    a, b = team.agents[:2]
    da, db = desks(a, transport, form), desks(b, "websocket", "named")
    da.login(ready=True)
    db.login()
    did, cid = _consulted(da, db, customer, team)
    # the client names the consult dialog: GC completes on the held original
    da.send("Conferencecall", {"extension": a.ext, "dialogId": cid}, rid="conf")
    r = da.rid("conf")
    three = [cust("5553003"), party(a.ext, "ACTIVE"), party(b.ext, "ACTIVE")]
    cv = call_vars("5553003", callVariable1="Gold")
    assert da.events() == [dropped(a, cid, prev=did, rid=r),
                           inbound(a, did, "ACTIVE", "5553003", three, "CONFERENCE", prev=cid, variables=cv, rid=r)]
    assert db.events() == [dropped(b, cid, prev=did),
                           inbound(b, did, "ACTIVE", "5553003", three, "CONFERENCE", prev=cid, variables=cv)]
    assert da.state()["state"] == "TALKING" and db.state()["state"] == "TALKING"
    # the customer hangs up: the two agents stay on the call; when a leaves, it ends for b too
    customer.hangup(did)
    assert da.events() == [inbound(a, did, "ACTIVE", "5553003", three[1:], "CONFERENCE", prev=cid, variables=cv)]
    assert db.events() == [inbound(b, did, "ACTIVE", "5553003", three[1:], "CONFERENCE", prev=cid, variables=cv)]
    da.send("ReleaseCall", {"dialogId": did}, rid="rel")
    assert da.events() == [dropped(a, did, prev=cid, rid=da.rid("rel")), state(a, "READY", rid=da.rid("rel"))]
    assert db.events() == [dropped(b, did, prev=cid), state(b, "NOT_READY")]


@pytest.mark.parametrize("transport, form", [("websocket", "positional"), ("tcp", "legacy")])


def test_blind_transfer(desks, team, customer, transport, form):
    a, b = team.agents[:2]
    da, db = desks(a, transport, form), desks(b, "websocket", "named")
    da.login(ready=True)
    db.login()
    did = answered(da, customer, team, "5553004")
    da.send("Transfer_sst", {"number": b.ext, "dialogId": did}, rid="sst")
    r = da.rid("sst")
    assert da.events() == [dropped(a, did, rid=r), state(a, "READY", rid=r)]
    ringing = [cust("5553004"), party(b.ext, "ALERTING")]
    assert db.events() == [new_inbound(b, did, "5553004", "TRANSFER"),
                           inbound(b, did, "ALERTING", "5553004", ringing, "TRANSFER")]
    db.send("AnswerCall", {"dialogId": did}, rid="b")
    assert db.events() == [
        inbound(b, did, "ACTIVE", "5553004", [cust("5553004"), party(b.ext, "ACTIVE")], "TRANSFER", rid="b"),
        state(b, "TALKING", rid="b")]


@pytest.mark.parametrize("transport, form", [("websocket", "named"), ("tcp", "legacy")])


def test_dialog_state_controls_and_participants(desks, team, customer, transport, form):
    a = team.agents[0]
    d = desks(a, transport, form)
    d.login(ready=True)
    did = ring(d, customer, team, "5553005", callVariable2="x")
    d.send("getdialogstate", {"dialogId": did}, rid="s1")
    assert d.events() == [dialog_state(a, did, "ALERTING", rid=d.rid("s1"))]
    d.send("getdialogstatecontrols", {"dialogId": did}, rid="c1")
    assert d.events() == [dialog_state(a, did, "ALERTING", controls=["ANSWER", "UPDATE_CALL_DATA"], rid=d.rid("c1"))]
    d.send("AnswerCall", {"dialogId": did})
    d.events()
    d.send("getdialogstatecontrols", {"dialogId": did}, rid="c2")
    assert d.events() == [dialog_state(a, did, "ACTIVE", controls=ACTIVE_CONTROLS_UCCE, rid=d.rid("c2"))]
    d.send("HoldCall", {"dialogId": did})
    d.events()
    d.send("getdialogstatecontrols", {"dialogId": did}, rid="c3")
    assert d.events() == [dialog_state(a, did, "HELD", controls=["RETRIEVE", "DROP", "UPDATE_CALL_DATA"],
                                       rid=d.rid("c3"))]
    d.send("getDialogParticipants", {"dialogId": did}, rid="p")
    assert d.events() == [inbound(a, did, "HELD", "5553005", [cust("5553005"), party(a.ext, "HELD")], "ACD_IN",
                                  variables=call_vars("5553005", callVariable2="x"), rid=d.rid("p"))]
    d.send("getdialogstate", {"dialogId": "424242"}, rid="s2")
    assert d.events() == [dialog_state(a, "424242", "NOT_FOUND", rid=d.rid("s2"))]
    d.send("getdialogstatecontrols", {"dialogId": "424242"}, rid="c4")
    assert d.events() == [dialog_state(a, "424242", "NOT_FOUND", controls=[], rid=d.rid("c4"))]


@pytest.mark.parametrize("transport, form", [("tcp", "positional"), ("websocket", "legacy")])


def test_update_call_variable_reaches_every_agent_of_the_call(desks, team, transport, form):
    a, b = team.agents[:2]
    da, db = desks(a, transport, form), desks(b, "websocket", "named")
    da.login()
    db.login()
    da.send("MakeCall", {"number": b.ext}, form="named")
    did = da.events()[0]["dialogId"]
    db.events()
    db.send("AnswerCall", {"dialogId": did})
    db.events()
    da.events()
    talking = [party(a.ext, "ACTIVE"), party(b.ext, "ACTIVE")]
    da.send("update_call_variable", {"dialogId": did, "name": "callVariable3", "value": "VIP"}, rid="u1")
    cv = call_vars(a.ext, callVariable3="VIP")
    assert da.events() == [inbound(a, did, "ACTIVE", a.ext, talking, "AGENT_INSIDE", variables=cv, rid=da.rid("u1"))]
    assert db.events() == [inbound(b, did, "ACTIVE", a.ext, talking, "AGENT_INSIDE", variables=cv)]
    db.send("update_call_variable", {"dialogId": did, "name": "user.note", "value": "called back"}, rid="u2")
    cv = call_vars(a.ext, callVariable3="VIP", **{"user.note": "called back"})
    assert db.events() == [inbound(b, did, "ACTIVE", a.ext, talking, "AGENT_INSIDE", variables=cv, rid="u2")]
    assert da.events() == [inbound(a, did, "ACTIVE", a.ext, talking, "AGENT_INSIDE", variables=cv)]


@pytest.mark.parametrize("transport, form", [("websocket", "named"), ("tcp", "legacy")])


def test_wrapup_on_a_live_call(desks, team, customer, transport, form):
    """wrapup answers with the dialog update (an InboundCall; the spec says no response
    of its own). The reason itself is not part of any spec event."""
    a = team.agents[0]
    d = desks(a, transport, form)
    d.login(ready=True)
    did = answered(d, customer, team, "5553006")
    live = inbound(a, did, "ACTIVE", "5553006", [cust("5553006"), party(a.ext, "ACTIVE")], "ACD_IN")
    for rid, reason in (("w1", "Complaint"), ("w2", "2")):  # a label, or an id of wrapupreasoncode
        d.send("wrapup", {"wrapupReason": reason, "dialogId": did}, rid=rid)
        assert d.events() == [{**live, **({"requestId": rid} if d.rid(rid) else {})}]


def test_wrap_up_after_the_call(desks, site, customer):
    """wrapUpOnIncoming REQUIRED: when the customer hangs up, the agent (READY before)
    goes WORK_READY (UCCE) and the call is kept for wrap-up: getdialogstate says
    WRAP_UP, wrapup names it, and MakeReady ends the wrap-up."""
    team = site.team("REQUIRED")
    a = team.agents[0]
    d = desks(a, "tcp", "named")
    d.login(ready=True)
    did = answered(d, customer, team, "5553007")
    customer.hangup(did)
    # the call is shown WRAP_UP while the agent wraps up; one DROPPED when the wrap-up ends
    wrapping = inbound(a, did, "WRAP_UP", "5553007", [party(a.ext, "WRAP_UP")], "ACD_IN")
    assert d.events() == [wrapping, state(a, "WORK_READY")]
    d.send("getdialogstate", {"dialogId": did}, rid="gd")
    assert d.events() == [dialog_state(a, did, "WRAP_UP", rid="gd")]
    d.send("wrapup", {"wrapupReason": "4", "dialogId": did}, rid="wu")
    assert d.events() == [{**wrapping, "requestId": "wu"}]
    d.send("MakeReady", rid="r")
    assert d.events() == [dropped(a, did, rid="r"), state(a, "READY", rid="r")]
    d.send("getdialogstate", {"dialogId": did}, rid="gd2")
    assert d.events() == [dialog_state(a, did, "NOT_FOUND", rid="gd2")]
