"""Issue #3 point 3: wrong-state and wrong-input commands get the spec's errors, with
the requestId, and change nothing: after each, the agent's state, the call's state and
a follow-up valid command show the model as it was."""
from __future__ import annotations

import pytest

from .helpers import (CALL_FAILURE, PASSWORD, STATE_FAILURE, answered, call_vars, customer as cust, dialog_state,
                      dropped, inbound, party, refused, ring, state, unchanged)


@pytest.mark.parametrize("transport, form", [("websocket", "named"), ("tcp", "legacy")])


def test_answer_a_call_that_is_not_ringing(desks, team, customer, transport, form):
    a = team.agents[0]
    d = desks(a, transport, form)
    d.login(ready=True)
    did = answered(d, customer, team, "5554001")
    d.send("AnswerCall", {"dialogId": did}, rid="again")
    refused(d, CALL_FAILURE, d.rid("again"))
    unchanged(d, "TALKING", did, "ACTIVE")
    # the call still works: hold it
    d.send("HoldCall", {"dialogId": did}, rid="h")
    assert [e["type"] for e in d.events()] == ["InboundCall", "State"]


def test_answer_the_call_one_is_placing(desks, team):
    a = team.agents[0]
    d = desks(a, "tcp", "named")
    d.login()
    d.send("MakeCall", {"number": "5559002"})
    did = d.events()[0]["dialogId"]
    d.send("AnswerCall", {"dialogId": did}, rid="ans")
    refused(d, CALL_FAILURE, "ans")
    unchanged(d, "TALKING", did, "INITIATED")
    d.send("ReleaseCall", {"dialogId": did}, rid="rel")
    assert d.events() == [dropped(a, did, rid="rel"), state(a, "NOT_READY", rid="rel")]


@pytest.mark.parametrize("transport, form", [("tcp", "positional"), ("websocket", "named")])


def test_hold_a_held_call_and_retrieve_an_active_one(desks, team, customer, transport, form):
    a = team.agents[0]
    d = desks(a, transport, form)
    d.login(ready=True)
    did = answered(d, customer, team, "5554002")
    d.send("RetrieveCall", {"dialogId": did}, rid="r0")
    refused(d, CALL_FAILURE, d.rid("r0"))
    unchanged(d, "TALKING", did, "ACTIVE")
    d.send("HoldCall", {"dialogId": did}, rid="h1")
    assert [e["type"] for e in d.events()] == ["InboundCall", "State"]
    d.send("HoldCall", {"dialogId": did}, rid="h2")
    refused(d, CALL_FAILURE, d.rid("h2"))
    unchanged(d, "HOLD", did, "HELD")
    d.send("RetrieveCall", {"dialogId": did}, rid="r1")
    assert d.events() == [
        inbound(a, did, "ACTIVE", "5554002", [cust("5554002"), party(a.ext, "ACTIVE")], "ACD_IN", rid=d.rid("r1")),
        state(a, "TALKING", rid=d.rid("r1"))]


CONFERENCE_FAILURE = {"errorCode": "GENERAL_ERROR", "finesseErrorType": "Generic Error", "finesseErrorData": "20999"}


@pytest.mark.parametrize("command", ["TransferCall", "Conferencecall"])


def test_transfer_or_conference_without_a_consult(desks, team, customer, command):
    a = team.agents[0]
    d = desks(a, "websocket", "named")
    d.login(ready=True)
    did = answered(d, customer, team, "5554003")
    d.send(command, {"extension": a.ext, "dialogId": did}, rid="x")
    # UCCE answers a refused conference in prose (Finesse guide 12.5(1) p. 86)
    failure = CONFERENCE_FAILURE if command == "Conferencecall" else CALL_FAILURE
    err = refused(d, failure, "x")
    if command == "Conferencecall":
        assert "<ConferenceCallCommand>: Conference failed" in err["errorDescription"]
    unchanged(d, "TALKING", did, "ACTIVE")
    # held, but still no consult call
    d.send("HoldCall", {"dialogId": did})
    d.events()
    d.send(command, {"extension": a.ext, "dialogId": did}, form="legacy")
    refused(d, failure, None)
    unchanged(d, "HOLD", did, "HELD")


def test_consult_while_consulting_and_release_a_ringing_acd_call(desks, team, customer):
    a, b, c = team.agents
    da, db, dc = desks(a, "tcp", "named"), desks(b, "tcp", "named"), desks(c, "websocket", "named")
    da.login(ready=True)
    db.login()
    dc.login()
    did = ring(da, customer, team, "5554004")
    # an ACD call that rings cannot be dropped by the agent, only answered
    da.send("ReleaseCall", {"dialogId": did}, rid="drop")
    refused(da, CALL_FAILURE, "drop")
    unchanged(da, "RESERVED", did, "ALERTING")
    da.send("AnswerCall", {"dialogId": did})
    da.events()
    da.send("ConsultCall", {"number": b.ext, "dialogId": did}, rid="c1")
    cid = da.events()[1]["assDialogId"]
    db.events()
    da.send("ConsultCall", {"number": c.ext, "dialogId": did}, rid="c2")
    refused(da, CALL_FAILURE, "c2")
    unchanged(da, "TALKING", did, "HELD")
    assert dc.events() == []  # c was never called
    da.send("getdialogstate", {"dialogId": cid}, rid="gc")
    assert da.events() == [dialog_state(a, cid, "INITIATED", rid="gc")]
    # the consult still completes (named with the agent's own extension: another one is refused)
    db.send("AnswerCall", {"dialogId": cid})
    db.events()
    da.events()
    da.send("TransferCall", {"extension": b.ext, "dialogId": did}, rid="t-b")
    err = refused(da, {"errorCode": "GENERAL_ERROR", "finesseErrorType": "Invalid Input",
                       "finesseErrorData": "targetMediaAddress", "httpStatus": 400}, "t-b")
    assert b.ext in err["errorDescription"]
    unchanged(da, "TALKING", did, "HELD")
    da.send("TransferCall", {"extension": a.ext, "dialogId": did}, rid="t")
    assert da.events() == [dropped(a, cid, prev=did, rid="t"), dropped(a, did, prev=cid, rid="t"),
                           state(a, "READY", rid="t")]


# The spec's command tables: category of each command below.
CATEGORY = {"AnswerCall": "agent_call", "HoldCall": "agent_call", "RetrieveCall": "agent_call",
            "ReleaseCall": "agent_call", "getDialogParticipants": "agent_call", "ConsultCall": "agent_call",
            "Transfer_sst": "agent_call", "TransferCall": "agent_call", "Conferencecall": "agent_call",
            "wrapup": "agent_dialog", "update_call_variable": "agent_call"}
DIALOG_COMMANDS = [
    ("AnswerCall", {}), ("HoldCall", {}), ("RetrieveCall", {}), ("ReleaseCall", {}), ("getDialogParticipants", {}),
    ("ConsultCall", {"number": "5550000"}), ("Transfer_sst", {"number": "5550000"}),
    ("TransferCall", {"extension": "EXT"}), ("Conferencecall", {"extension": "EXT"}),
    ("wrapup", {"wrapupReason": "Complaint"}), ("update_call_variable", {"name": "callVariable1", "value": "v"}),
]


@pytest.mark.parametrize("command, params", DIALOG_COMMANDS, ids=[c for c, _ in DIALOG_COMMANDS])


def test_unknown_dialog(desks, team, customer, command, params):
    """A dialog GC does not know for the agent: NO_DIALOG_ID; the agent's own call is untouched."""
    a = team.agents[0]
    d = desks(a, "tcp", "named")
    d.login(ready=True)
    did = answered(d, customer, team, "5554005")
    params = {k: (a.ext if v == "EXT" else v) for k, v in params.items()}
    for rid, form, dialog_id in (("n1", "named", "99999999"), ("n2", "named", str(int(did) + 1000)),
                                 (None, "legacy", "31337")):
        d.send(command, {**params, "dialogId": dialog_id}, rid=rid, form=form)
        err = refused(d, {"errorCode": "NO_DIALOG_ID", "errorOrigin": "GC"}, rid)
        # every Error names the command (the spec's category too), also for a legacy frame
        assert err["request"] == {"category": CATEGORY[command], "type": command}
        assert dialog_id in err["errorDescription"]
    unchanged(d, "TALKING", did, "ACTIVE")


@pytest.mark.parametrize("command", ["AnswerCall", "HoldCall", "getdialogstate", "wrapup", "TransferCall"])


def test_missing_dialog_id(desks, team, command):
    a = team.agents[0]
    d = desks(a, "websocket", "named")
    d.login()
    params = {"wrapup": {"wrapupReason": "Complaint"}, "TransferCall": {"extension": a.ext}}.get(command, {})
    d.send(command, params, rid="m")
    refused(d, {"errorCode": "NO_DIALOG_ID", "errorOrigin": "GC"}, "m")
    unchanged(d, "NOT_READY")


@pytest.mark.parametrize("command, params, form", [
    ("MakeNotReadyWithReason", {}, "named"),
    ("MakeNotReadyWithReason", {"reasonCode": ""}, "named"),
    ("MakeNotReadyWithReason", {"reasonCode": "Break"}, "named"),
    ("MakeNotReadyWithReason", {}, "legacy"),
    ("MakeNotReadyWithReason", {}, "positional"),
    ("logoutwithreason", {}, "named"),
    ("logoutwithreason", {"reasonCode": "x1"}, "legacy"),
])


def test_missing_reason_code(desks, team, command, params, form):
    a = team.agents[0]
    d = desks(a, "tcp", form)
    d.login(ready=True)
    d.send(command, params, rid="rc")
    err = refused(d, {"errorCode": "MISSING_REASON_CODE", "errorOrigin": "GC"}, d.rid("rc"))
    assert "reasonCode" in err["errorDescription"]
    unchanged(d, "READY")
    d.send("MakeNotReadyWithReason", {"reasonCode": "8"}, form="named", rid="ok")
    assert d.events() == [state(a, "NOT_READY", reason="8", label="Break", rid="ok")]


def test_missing_wrap_up_reason(desks, team, customer):
    a = team.agents[0]
    d = desks(a, "websocket", "named")
    d.login(ready=True)
    did = answered(d, customer, team, "5554006")
    d.send("wrapup", {"dialogId": did}, rid="w")
    refused(d, {"errorCode": "MISSING_REASON_CODE"}, "w")
    d.send("wrapup", {"wrapupReason": "", "dialogId": did}, rid="w2")
    refused(d, {"errorCode": "MISSING_REASON_CODE"}, "w2")
    unchanged(d, "TALKING", did, "ACTIVE")


def test_unknown_reason_codes(desks, team):
    """A well-formed code the site does not have (or of the other category) is refused
    by the backend (Finesse 400 Invalid Input) and changes nothing."""
    a = team.agents[0]
    d = desks(a, "websocket", "named")
    d.login(ready=True)
    for command, code in (("MakeNotReadyWithReason", "77"), ("MakeNotReadyWithReason", "21"),
                          ("logoutwithreason", "8")):
        d.send(command, {"reasonCode": code}, rid=code)
        err = refused(d, {"errorCode": "GENERAL_ERROR", "finesseErrorType": "Invalid Input",
                          "finesseErrorData": "reasonCodeId", "httpStatus": 400}, code)
        assert code in err["errorDescription"]
        unchanged(d, "READY")


@pytest.mark.parametrize("frame", [
    {"type": "MakeCall", "params": {}},
    {"type": "MakeCall", "params": {"number": ""}},
    {"type": "MakeCall"},
    "MakeCall#AGENT",
    "MakeCall#AGENT|",
    {"type": "ConsultCall", "params": {"dialogId": "1"}},
    {"type": "Transfer_sst", "params": ",1"},
])


def test_missing_number(desks, team, frame):
    a = team.agents[0]
    d = desks(a, "tcp", "named")
    d.login()
    if isinstance(frame, str):
        d.client.send(frame.replace("AGENT", a.id))
        rid = None
    else:
        d.client.send({**frame, "agentId": a.id, "requestId": "mn"})
        rid = "mn"
    refused(d, {"errorCode": "MISSING_NUMBER", "errorOrigin": "GC"}, rid)
    unchanged(d, "NOT_READY")


@pytest.mark.parametrize("command, params, form", [
    ("Login", {"password": PASSWORD, "extension": "10a1"}, "named"),
    ("Login", {"password": PASSWORD, "extension": "ext"}, "legacy"),
    ("Login", {"password": PASSWORD, "extension": "1 2"}, "positional"),
    ("MobileAgentLogin", {"password": PASSWORD, "extension": "x1", "phone": "5557001", "connectionMode": "true"},
     "named"),
    ("TransferCall", {"extension": "abc", "dialogId": "1"}, "named"),
    ("Conferencecall", {"extension": "12b", "dialogId": "1"}, "legacy"),
    ("MakeCall", {"number": "55x"}, "named"),
    ("ConsultCall", {"number": "one", "dialogId": "1"}, "positional"),
])


def test_extension_with_letters(desks, team, command, params, form):
    a = team.agents[0]
    d = desks(a, "websocket", form)
    d.connect()
    d.send(command, params, rid="we")
    err = refused(d, {"errorCode": "WRONG_EXTENSION", "errorOrigin": "GC"}, d.rid("we"))
    assert PASSWORD not in str(err)
    unchanged(d, "LOGOUT")
    d.send("Login", {"password": PASSWORD, "extension": a.ext}, form="named", rid="ok")
    assert [e["type"] for e in d.events()] == ["State", "AgentInfo"]


def test_missing_extension(desks, team):
    a = team.agents[0]
    d = desks(a, "tcp", "legacy")
    d.connect()
    d.send("Login", {"password": PASSWORD})
    refused(d, {"errorCode": "MISSING_EXTENSION", "errorOrigin": "GC"}, None)
    unchanged(d, "LOGOUT")


def test_wrong_agent_state_requests(desks, team, customer):
    a, b = team.agents[:2]
    d = desks(a, "websocket", "named")
    d.connect()
    # signed out: only LOGIN is possible
    for command in ("MakeReady", "MakeNotReady", "makeworknotready", "Logout"):
        d.send(command, rid=command)
        refused(d, {"errorCode": "CF_INVALID_OBJECT_STATE", "finesseErrorType": "Invalid State",
                    "httpStatus": 400}, command)
        unchanged(d, "LOGOUT")
    # a phone nobody has: Finesse refuses the device (asynchronously)
    d.send("Login", {"password": PASSWORD, "extension": "4444"}, rid="dev")
    refused(d, {"errorCode": "CF_INVALID_LOGON_DEVICE_SPECIFIED", "finesseErrorType": "Invalid Device"}, "dev")
    unchanged(d, "LOGOUT")
    # another agent's phone
    e = desks(b, "tcp", "named")
    e.login()
    d.send("Login", {"password": PASSWORD, "extension": b.ext}, rid="busy")
    refused(d, {"errorCode": "CF_INVALID_LOGON_DEVICE_SPECIFIED", "finesseErrorType": "Device Busy"}, "busy")
    unchanged(d, "LOGOUT")
    d.login(ready=True)
    # signed in on its phone: another extension is refused
    d.send("Login", {"password": PASSWORD, "extension": b.ext}, rid="other")
    refused(d, {"errorCode": "CF_INVALID_OBJECT_STATE", "finesseErrorType": "Invalid State"}, "other")
    unchanged(d, "READY")
    # UCCE signs out only from NOT_READY
    d.send("Logout", rid="lo")
    refused(d, STATE_FAILURE, "lo")
    unchanged(d, "READY")
    # during a call: no sign-out, no second call, no call to oneself
    did = answered(d, customer, team, "5554007")
    d.send("Logout", rid="lo2")
    refused(d, STATE_FAILURE, "lo2")
    d.send("MakeCall", {"number": "5559003"}, rid="mc")
    refused(d, {"errorCode": "CF_INVALID_OBJECT_STATE", "finesseErrorType": "Invalid State"}, "mc")
    d.send("MakeCall", {"number": a.ext}, rid="self")
    refused(d, {"errorCode": "BAD_DESTINATION"}, "self")
    unchanged(d, "TALKING", did, "ACTIVE")
    d.send("ReleaseCall", {"dialogId": did}, rid="rel")
    assert d.events() == [dropped(a, did, rid="rel"), state(a, "READY", rid="rel")]


def test_call_to_a_number_that_cannot_ring(desks, team):
    """MakeCall to an unknown short number: the call fails (stateCause BAD_DESTINATION):
    the spec's Error BAD_DESTINATION, the call reported FAILED once, and the agent's
    state never changes."""
    a = team.agents[0]
    d = desks(a, "tcp", "named")
    d.login()
    d.send("MakeCall", {"number": "4321"}, rid="mc")
    events = d.events()
    did = events[0]["dialogId"]
    error = events[1]
    assert (error["type"], error["errorCode"], error["errorOrigin"], error["requestId"]) == (
        "Error", "BAD_DESTINATION", "Finesse", "mc")
    assert events == [
        inbound(a, did, "INITIATING", a.ext, [party(a.ext, "INITIATING")], "AGENT_INSIDE", rid="mc"), error,
        {"type": "InboundCall", "dialogId": did, "prevDialogId": None, "state": "FAILED", "agentId": a.id,
         "requestId": "mc"}]
    unchanged(d, "NOT_READY", did, "NOT_FOUND")


def test_blind_transfer_to_nobody(desks, team, customer):
    a = team.agents[0]
    d = desks(a, "websocket", "named")
    d.login(ready=True)
    did = answered(d, customer, team, "5554008", callVariable1="Gold")
    d.send("Transfer_sst", {"number": "4321", "dialogId": did}, rid="sst")
    refused(d, {"errorCode": "CF_INVALID_CALLED_DEVICE", "finesseErrorType": "Call Operation Failure"}, "sst")
    unchanged(d, "TALKING", did, "ACTIVE")
    d.send("getDialogParticipants", {"dialogId": did}, rid="p")
    assert d.events() == [inbound(a, did, "ACTIVE", "5554008", [cust("5554008"), party(a.ext, "ACTIVE")], "ACD_IN",
                                  variables=call_vars("5554008", callVariable1="Gold"), rid="p")]


def test_bad_call_variables(desks, team, customer):
    a = team.agents[0]
    d = desks(a, "tcp", "named")
    d.login(ready=True)
    did = answered(d, customer, team, "5554009", callVariable1="Gold")
    d.send("update_call_variable", {"dialogId": did, "name": "BAStatus", "value": "x"}, rid="ro")
    err = refused(d, {"errorCode": "PLEASE_RETRY", "errorOrigin": "GC"}, "ro")
    assert "name" in err["errorDescription"]
    d.send("update_call_variable", {"dialogId": did, "name": "callVariable1", "value": "x" * 41}, rid="long")
    refused(d, {"errorCode": "GENERAL_ERROR", "finesseErrorType": "Invalid Input",
                "finesseErrorData": "callVariable1"}, "long")
    unchanged(d, "TALKING", did, "ACTIVE")
    d.send("getDialogParticipants", {"dialogId": did}, rid="p")
    [ev] = d.events()
    assert ev["callVariables"] == call_vars("5554009", callVariable1="Gold")
