"""Issue #3 point 2: the scenario through the public API only. Two agents and a
customer: the call rings at A (NewInboundCall), A answers, holds, retrieves, consults
B (ConsultCall), completes the transfer; another call A conferences with a third
party C, then releases; A, who asked for wrap-up during the call, is in WORK, sets
the wrap-up reason, then goes READY. Each agent has a destination and a connection of
its own (mixed transports and frame forms); every destination receives its own
events, in order: each step compares the complete ordered list each one got."""
from __future__ import annotations

from .helpers import (call_vars, consult, customer as cust, dialog_state, dropped, inbound, new_inbound, party,
                      state)


def test_inbound_transfer_then_conference_then_wrap_up(desks, team, customer):
    a, b, c = team.agents
    da = desks(a, "websocket", "named")
    db = desks(b, "tcp", "legacy")
    dc = desks(c, "websocket", "positional")
    for d in (da, db, dc):
        d.login()
    da.send("MakeReady", rid="a-ready")
    assert da.events() == [state(a, "READY", rid="a-ready")]

    def nothing_for(*ds):
        for d in ds:
            assert d.events() == [], d.agent

    # 1. a customer calls the team's queue: it rings at A, the only READY agent
    did = customer.call(team, "5556001", callVariable1="Gold", callVariable2="Order 77")
    cv = call_vars("5556001", callVariable1="Gold", callVariable2="Order 77")
    ringing = [cust("5556001"), party(a.ext, "ALERTING")]
    assert da.events() == [new_inbound(a, did, "5556001", "ACD_IN", variables=cv),
                           inbound(a, did, "ALERTING", "5556001", ringing, "ACD_IN", variables=cv),
                           state(a, "RESERVED")]
    nothing_for(db, dc)

    # 2. A answers, holds, retrieves
    def a_call(value, rid=None, parties=None, call_type="ACD_IN"):
        parties = parties or [cust("5556001"), party(a.ext, value)]
        return inbound(a, did, value, "5556001", parties, call_type, variables=cv, rid=rid)

    da.send("AnswerCall", {"dialogId": did}, rid="a-ans")
    assert da.events() == [a_call("ACTIVE", "a-ans"), state(a, "TALKING", rid="a-ans")]
    da.send("HoldCall", {"dialogId": did}, rid="a-hold")
    assert da.events() == [a_call("HELD", "a-hold"), state(a, "HOLD", rid="a-hold")]
    da.send("RetrieveCall", {"dialogId": did}, rid="a-ret")
    assert da.events() == [a_call("ACTIVE", "a-ret"), state(a, "TALKING", rid="a-ret")]
    nothing_for(db, dc)

    # 3. A consults B
    da.send("ConsultCall", {"number": b.ext, "dialogId": did}, rid="a-cons")
    events = da.events()
    cid = events[1]["assDialogId"]
    ccv = call_vars(a.ext, callVariable1="Gold", callVariable2="Order 77")
    ring_b = [party(a.ext, "INITIATED"), party(b.ext, "ALERTING")]
    assert events == [a_call("HELD", "a-cons"),
                      consult(a, cid, "INITIATING", b.ext, variables=ccv, rid="a-cons"),
                      consult(a, cid, "INITIATED", b.ext, variables=ccv, rid="a-cons"),
                      inbound(a, cid, "INITIATED", a.ext, ring_b, "CONSULT", prev=did, variables=ccv, rid="a-cons"),
                      a_call("HELD", "a-cons")]
    assert db.events() == [new_inbound(b, cid, a.ext, "CONSULT", variables=ccv),
                           inbound(b, cid, "ALERTING", a.ext, ring_b, "CONSULT", prev=did, variables=ccv)]
    nothing_for(dc)
    db.send("AnswerCall", {"dialogId": cid})
    talk_ab = [party(a.ext, "ACTIVE"), party(b.ext, "ACTIVE")]
    assert db.events() == [inbound(b, cid, "ACTIVE", a.ext, talk_ab, "CONSULT", prev=did, variables=ccv),
                           state(b, "TALKING")]
    assert da.events() == [inbound(a, cid, "ACTIVE", a.ext, talk_ab, "CONSULT", prev=did, variables=ccv),
                           a_call("HELD")]

    # 4. A completes the transfer: the customer talks to B, A is READY again
    da.send("TransferCall", {"extension": a.ext, "dialogId": did}, rid="a-xfer")
    assert da.events() == [dropped(a, cid, prev=did, rid="a-xfer"), dropped(a, did, prev=cid, rid="a-xfer"),
                           state(a, "READY", rid="a-xfer")]
    b_call = inbound(b, did, "ACTIVE", "5556001", [cust("5556001"), party(b.ext, "ACTIVE")], "TRANSFER",
                     prev=cid, variables=cv)
    assert db.events() == [dropped(b, cid, prev=did), b_call]
    nothing_for(dc)
    db.send("getdialogstate", {"dialogId": did})
    assert db.events() == [dialog_state(b, did, "ACTIVE")]

    # 5. another customer: rings at A (READY), A answers and asks for wrap-up after the call
    did2 = customer.call(team, "5556002", callVariable1="Silver")
    cv2 = call_vars("5556002", callVariable1="Silver")
    assert da.events() == [
        new_inbound(a, did2, "5556002", "ACD_IN", variables=cv2),
        inbound(a, did2, "ALERTING", "5556002", [cust("5556002"), party(a.ext, "ALERTING")], "ACD_IN", variables=cv2),
        state(a, "RESERVED")]
    da.send("AnswerCall", {"dialogId": did2}, rid="a-ans2")
    two = [cust("5556002"), party(a.ext, "ACTIVE")]
    assert da.events() == [inbound(a, did2, "ACTIVE", "5556002", two, "ACD_IN", variables=cv2, rid="a-ans2"),
                           state(a, "TALKING", rid="a-ans2")]
    da.send("makeworknotready", rid="a-work")
    assert da.events() == [state(a, "TALKING", pending="WORK", rid="a-work")]

    # 6. A conferences C in
    da.send("ConsultCall", {"number": c.ext, "dialogId": did2}, rid="a-cons2")
    events = da.events()
    cid2 = events[1]["assDialogId"]
    assert [(e["type"], e.get("dialogId", e.get("assDialogId")), e["state"]) for e in events] == [
        ("InboundCall", did2, "HELD"), ("ConsultCall", cid2, "INITIATING"), ("ConsultCall", cid2, "INITIATED"),
        ("InboundCall", cid2, "INITIATED"), ("InboundCall", did2, "HELD")]
    ccv2 = call_vars(a.ext, callVariable1="Silver")
    ring_c = [party(a.ext, "INITIATED"), party(c.ext, "ALERTING")]
    assert dc.events() == [new_inbound(c, cid2, a.ext, "CONSULT", variables=ccv2),
                           inbound(c, cid2, "ALERTING", a.ext, ring_c, "CONSULT", prev=did2, variables=ccv2)]
    dc.send("AnswerCall", {"dialogId": cid2}, rid="c-ans")
    talk_ac = [party(a.ext, "ACTIVE"), party(c.ext, "ACTIVE")]
    assert dc.events() == [inbound(c, cid2, "ACTIVE", a.ext, talk_ac, "CONSULT", prev=did2, variables=ccv2,
                                   rid="c-ans"),
                           state(c, "TALKING", rid="c-ans")]
    assert [(e["dialogId"], e["state"]) for e in da.events()] == [(cid2, "ACTIVE"), (did2, "HELD")]
    da.send("Conferencecall", {"extension": a.ext, "dialogId": did2}, rid="a-conf")
    three = [cust("5556002"), party(a.ext, "ACTIVE"), party(c.ext, "ACTIVE")]
    assert da.events() == [dropped(a, cid2, prev=did2, rid="a-conf"),
                           inbound(a, did2, "ACTIVE", "5556002", three, "CONFERENCE", prev=cid2, variables=cv2,
                                   rid="a-conf")]
    assert dc.events() == [dropped(c, cid2, prev=did2),
                           inbound(c, did2, "ACTIVE", "5556002", three, "CONFERENCE", prev=cid2, variables=cv2)]
    nothing_for(db)

    # 7. A releases: C and the customer stay; A goes to WORK with the call kept for wrap-up
    da.send("ReleaseCall", {"dialogId": did2}, rid="a-rel")
    a_wrap = inbound(a, did2, "WRAP_UP", "5556002", [three[0], three[2], party(a.ext, "WRAP_UP")], "CONFERENCE",
                     prev=cid2, variables=cv2)
    assert da.events() == [{**a_wrap, "requestId": "a-rel"}, state(a, "WORK", rid="a-rel")]
    assert dc.events() == [inbound(c, did2, "ACTIVE", "5556002", [three[0], three[2]], "CONFERENCE", prev=cid2,
                                   variables=cv2)]
    da.send("getdialogstate", {"dialogId": did2}, rid="a-gd")
    assert da.events() == [dialog_state(a, did2, "WRAP_UP", rid="a-gd")]

    # 8. the wrap-up reason, then READY
    da.send("wrapupreasoncode", rid="a-wrc")
    [codes] = da.events()
    [complaint] = [k for r in codes["reasonCodes"] for k, v in r.items() if v == "Complaint"]
    da.send("wrapup", {"wrapupReason": complaint, "dialogId": did2}, rid="a-wrap")
    assert da.events() == [{**a_wrap, "requestId": "a-wrap"}]
    assert da.state()["state"] == "WORK"
    da.send("MakeReady", rid="a-ready2")
    assert da.events() == [dropped(a, did2, prev=cid2, rid="a-ready2"), state(a, "READY", rid="a-ready2")]
    da.send("getdialogstate", {"dialogId": did2}, rid="a-gd2")
    assert da.events() == [dialog_state(a, did2, "NOT_FOUND", rid="a-gd2")]

    # 9. the others hang up; nobody hears of anyone else's calls
    dc.send("ReleaseCall", {"dialogId": did2})
    assert dc.events() == [dropped(c, did2, prev=cid2), state(c, "NOT_READY")]
    db.send("ReleaseCall", {"dialogId": did})
    assert db.events() == [dropped(b, did, prev=cid), state(b, "NOT_READY")]
    nothing_for(da)
    for d in (da, db, dc):
        assert all(e.get("agentId") in (d.agent.id, None) for e in d.client.events), d.agent
