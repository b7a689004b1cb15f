"""Calls: make call, answer, hold, retrieve, drop, consult, transfer, conference, SST ..."""
from __future__ import annotations

import pytest

from gc_sim.model import FIRST_DIALOG_ID, CCError

from .conftest import T0, leg, login, talking


def acts(cc, did, address, agent_id=None):
    return cc.get_dialog(did, agent_id).participant(address).actions


# -- make call --------------------------------------------------------------------

def test_agent_to_agent_call(make_cc, flavour):
    cc, rec = make_cc(flavour)
    login(cc, "1001", "1002")
    did = cc.make_call("1001", "1002", request_id="mc")
    assert did == str(FIRST_DIALOG_ID)
    assert rec.changes("1001") == [("POST", did, "INITIATING"), ("PUT", did, "INITIATED"), ("PUT", did, "ALERTING")]
    assert rec.changes("1002") == [("POST", did, "ALERTING")]
    assert {e.request_id for e in rec.dialogs("1001")} == {"mc"} and rec.dialogs("1002")[0].request_id == ""
    d = cc.get_dialog(did)
    assert (d.call_type, d.from_address, d.to_address, d.dialed_number) == ("AGENT_INSIDE", "1001", "1002", "1002")
    assert [(p.media_address, p.media_address_type, p.state) for p in d.participants] == [
        ("1001", "AGENT_DEVICE", "INITIATED"), ("1002", "AGENT_DEVICE", "ALERTING")]
    assert d.call_variables == {f"callVariable{i}": "" for i in range(1, 11)}
    assert leg(d, "1001").actions == ["DROP", "UPDATE_CALL_DATA"]
    assert leg(d, "1002").actions == ["ANSWER", "UPDATE_CALL_DATA"]
    # the caller talks, the callee's state does not change while it rings; UCCX: an
    # agent-to-agent (non-ICD) call changes neither agent's state (Finesse guide 12.5(1),
    # User - Change Agent State: "The agent remains in NOT_READY state")
    talking_ = "TALKING" if flavour == "UCCE" else "NOT_READY"
    assert cc.get_user("1001").state == talking_ and cc.get_user("1002").state == "NOT_READY"
    rec.clear()
    cc.dialog_action("1002", did, "ANSWER", request_id="ans")
    assert cc.get_dialog(did).state == "ACTIVE"
    assert [p.state for p in cc.get_dialog(did).participants] == ["ACTIVE", "ACTIVE"]
    assert cc.get_user("1002").state == talking_
    assert rec.changes("1001") == [("PUT", did, "ACTIVE")] and rec.changes("1002") == [("PUT", did, "ACTIVE")]
    cc.dialog_action("1001", did, "DROP")
    assert cc.get_dialogs("1001") == [] and cc.get_dialogs("1002") == []
    assert cc.get_user("1001").state == "NOT_READY" and cc.get_user("1002").state == "NOT_READY"
    assert cc.get_user("1001").reason_code.id == "-1"


def test_external_call_and_customer_answer(make_cc, flavour):
    cc, rec = make_cc(flavour)
    login(cc, "1001")
    did = cc.make_call("1001", "5551234")
    d = cc.get_dialog(did)
    assert (d.call_type, d.state, [p.media_address_type for p in d.participants]) == ("AGENT_OUT", "ALERTING", ["AGENT_DEVICE", ""])
    assert leg(d, "5551234").actions == []
    cc.customer_answer(did)
    d = cc.get_dialog(did)
    assert d.state == "ACTIVE" and [p.state for p in d.participants] == ["ACTIVE", "ACTIVE"]
    cc.customer_hangup(did)
    assert cc.get_dialogs("1001") == [] and cc.get_user("1001").state == "NOT_READY"


@pytest.mark.parametrize("to,cause", [("4242", "BAD_DESTINATION"), ("1002", "DEVICE_RESOURCE_NOT_AVAILABLE"),
                                      ("12", "BAD_DESTINATION")])
def test_call_to_bad_destination_fails(make_cc, to, cause):
    cc, rec = make_cc()
    login(cc, "1001")
    rec.clear()
    did = cc.make_call("1001", to, request_id="x")
    # Finesse: the failed dialog is PUT DROPPED, then DELETEd
    assert rec.changes("1001") == [("POST", did, "INITIATING"), ("PUT", did, "FAILED"), ("PUT", did, "DROPPED"),
                                   ("DELETE", did, "DROPPED")]
    failed = rec.dialogs("1001")[1].dialog
    assert (leg(failed, "1001").state, leg(failed, "1001").state_cause) == ("FAILED", cause)
    assert rec.users("1001") == [] and cc.get_user("1001").state == "NOT_READY"
    assert cc.get_dialogs("1001") == []


def test_call_to_busy_agent_fails_busy(make_cc):
    cc, rec = make_cc()
    login(cc, "1001", "1002", "1003")
    cc.make_call("1002", "1003")
    rec.clear()
    cc.make_call("1001", "1003")
    assert leg(rec.dialogs("1001")[1].dialog, "1001").state_cause == "BUSY"
    assert cc.get_dialogs("1001") == []


def test_make_call_refusals(make_cc, flavour):
    cc, rec = make_cc(flavour)
    with pytest.raises(CCError) as e:
        cc.make_call("1001", "1002")
    assert (e.value.status, e.value.error_type) == (400, "Invalid State")
    login(cc, "1001", "1002")
    rec.clear()
    for to, expected in [("1001", (400, "Invalid Destination")), ("", (400, "Parameter Missing")),
                         (None, (400, "Parameter Missing"))]:
        with pytest.raises(CCError) as e:
            cc.make_call("1001", to)
        assert (e.value.status, e.value.error_type) == expected
    if flavour == "UCCX":
        with pytest.raises(CCError) as e:
            cc.make_call("1001", "1002", call_variables={"callVariable1": "x"})
        assert (e.value.status, e.value.error_type, e.value.error_data) == (400, "Invalid Input", "mediaProperties")
    assert rec.events == []


def test_make_call_with_call_variables_ucce(make_cc):
    cc, _ = make_cc("UCCE")
    login(cc, "1001", "1002")
    did = cc.make_call("1001", "1002", call_variables={"callVariable3": "abc", "user.account": "42"})
    cv = cc.get_dialog(did).call_variables
    assert (cv["callVariable3"], cv["user.account"], len(cv)) == ("abc", "42", 11)
    with pytest.raises(CCError) as e:
        cc.make_call("1002", "1001", call_variables={"BAStatus": "x"})
    assert (e.value.status, e.value.error_type, e.value.error_data) == (400, "Invalid Input", "BAStatus")


def test_make_call_while_on_a_call_is_async_refused(make_cc):
    cc, rec = make_cc()
    login(cc, "1001", ready=True)
    login(cc, "1002")
    did = talking(cc, "1001")
    rec.clear()
    assert cc.make_call("1001", "1002", request_id="m2") is None
    assert [(e.error_code, e.error_type, e.error_data, e.source, e.request_id) for e in rec.errors("1001")] == [
        ("CF_INVALID_OBJECT_STATE", "Invalid State", "22", "/finesse/api/User/1001/Dialogs", "m2")]
    assert [d.id for d in cc.get_dialogs("1001")] == [did] and rec.dialogs() == []


# -- inbound: answer, hold, retrieve, drop -------------------------------------------

def test_inbound_call_lifecycle(make_cc, flavour, clock):
    cc, rec = make_cc(flavour)
    login(cc, "1001", ready=True)
    did = cc.inbound_call("1", from_address="5550100", call_variables={"callVariable1": "Chuck", "user.acct": "9"})
    d = cc.get_dialog(did)
    assert (d.call_type, d.from_address, d.dialed_number, d.dnis, d.queue_name, d.queue_number) == (
        "ACD_IN", "5550100", "5000", "5000", "Sales", "5000")
    assert d.call_variables["callVariable1"] == "Chuck" and d.call_variables["user.acct"] == "9"
    assert cc.get_user("1001").state == "RESERVED"
    assert acts(cc, did, "1001") == ["ANSWER", "UPDATE_CALL_DATA"]
    clock.advance(3)
    cc.dialog_action("1001", did, "ANSWER")
    u = cc.get_user("1001")
    assert (u.state, u.state_change_time) == ("TALKING", T0.replace(second=3))
    expected = ["HOLD", "DROP", "SEND_DTMF", "CONSULT_CALL"]
    expected += ["TRANSFER_SST"] if flavour == "UCCE" else ["START_RECORDING"]
    assert acts(cc, did, "1001") == expected + ["UPDATE_CALL_DATA"]
    cc.dialog_action("1001", did, "HOLD")
    assert cc.get_dialog(did).participant("1001").state == "HELD"
    assert cc.get_dialog(did).state == "ACTIVE"
    assert cc.get_user("1001").state == ("HOLD" if flavour == "UCCE" else "TALKING")
    assert acts(cc, did, "1001") == ["RETRIEVE", "DROP", "UPDATE_CALL_DATA"]
    cc.dialog_action("1001", did, "RETRIEVE")
    assert cc.get_user("1001").state == "TALKING"
    cc.dialog_action("1001", did, "DROP")
    assert cc.get_user("1001").state == "READY"
    assert cc.get_dialogs("1001") == []


@pytest.mark.parametrize("action", ["ANSWER", "RETRIEVE", "TRANSFER", "CONFERENCE"])
def test_actions_in_the_wrong_state_are_async_errors(make_cc, action):
    cc, rec = make_cc()
    login(cc, "1001", ready=True)
    did = talking(cc, "1001")
    before = cc.get_dialog(did)
    rec.clear()
    assert cc.dialog_action("1001", did, action, request_id="w") is None
    want = ("CF_INVALID_OBJECT_STATE", "Call Operation Failure", "22")
    if action == "CONFERENCE":  # UCCE answers in prose (Finesse guide 12.5(1) p. 86)
        want = ("GENERAL_ERROR", "Generic Error", "20999")
    assert [(e.agent_id, e.error_code, e.error_type, e.error_data, e.source, e.request_id) for e in rec.errors()] == [
        ("1001", *want, f"/finesse/api/Dialog/{did}", "w")]
    assert len(rec.events) == 1
    assert cc.get_dialog(did) == before and cc.get_user("1001").state == "TALKING"


def test_hold_a_held_call_and_drop_a_ringing_acd_call(make_cc):
    cc, rec = make_cc()
    login(cc, "1001", ready=True)
    did = cc.inbound_call("1")
    cc.dialog_action("1001", did, "DROP")
    cc.dialog_action("1001", did, "HOLD")
    assert [e.error_code for e in rec.errors("1001")] == ["CF_INVALID_OBJECT_STATE"] * 2
    assert cc.get_user("1001").state == "RESERVED"
    cc.dialog_action("1001", did, "ANSWER")
    cc.dialog_action("1001", did, "HOLD")
    rec.clear()
    cc.dialog_action("1001", did, "HOLD")
    assert [e.error_code for e in rec.errors("1001")] == ["CF_INVALID_OBJECT_STATE"]
    assert cc.get_user("1001").state == "HOLD"


def test_dialog_action_synchronous_refusals(make_cc):
    cc, rec = make_cc("UCCE")
    login(cc, "1001", "1002", ready=True)
    did = talking(cc, "1001")
    rec.clear()
    cases = [
        (dict(agent_id="1001", dialog_id="1", action="HOLD"), (404, "Dialog Not Found")),
        (dict(agent_id="1002", dialog_id=did, action="HOLD"), (404, "Dialog Not Found")),
        (dict(agent_id="1001", dialog_id=did, action="JUMP"), (400, "Invalid Input")),
        (dict(agent_id="1001", dialog_id=did, action="HOLD", target_media_address="1002"), (400, "Invalid Input")),
        (dict(agent_id="1001", dialog_id=did, action="START_RECORDING"), (501, "Not Implemented")),
        (dict(agent_id="1001", dialog_id=did, action="CONSULT_CALL"), (400, "Parameter Missing")),
        (dict(agent_id="1001", dialog_id=did, action="CONSULT_CALL", to_address="1001"), (400, "Invalid Destination")),
        (dict(agent_id="1001", dialog_id=did, action="TRANSFER_SST", to_address=""), (400, "Parameter Missing")),
        (dict(agent_id="1001", dialog_id=did, action="SEND_DTMF"), (400, "Parameter Missing")),
        (dict(agent_id="1001", dialog_id=did, action="SEND_DTMF", action_params={"dtmfString": "12x"}), (400, "Invalid Input")),
        (dict(agent_id="1001", dialog_id=did, action="PARTICIPANT_DROP"), (400, "Parameter Missing")),
        (dict(agent_id="1001", dialog_id=did, action="PARTICIPANT_DROP", target_media_address="1002"), (400, "Invalid Input")),
        (dict(agent_id="1001", dialog_id=did, action="PARTICIPANT_DROP", target_media_address="1001"), (400, "Invalid Input")),
        (dict(agent_id="1001", dialog_id=did, action="RECLASSIFY"), (400, "Parameter Missing")),
        (dict(agent_id="1001", dialog_id=did, action="RECLASSIFY", action_params={"outboundClassification": "X"}), (400, "Invalid Input")),
        (dict(agent_id="1001", dialog_id=did, action="UPDATE_SCHEDULED_CALLBACK"), (400, "Parameter Missing")),
        (dict(agent_id="9", dialog_id=did, action="HOLD"), (404, "User Not Found")),
    ]
    for kw, expected in cases:
        with pytest.raises(CCError) as e:
            cc.dialog_action(**kw)
        assert (e.value.status, e.value.error_type) == expected, kw
    assert rec.events == [] and cc.get_dialog(did).participant("1001").state == "ACTIVE"


@pytest.mark.parametrize("action", ["TRANSFER_SST", "PARTICIPANT_DROP", "ACCEPT", "REJECT", "CLOSE"])
def test_ucce_only_actions_answer_501_on_uccx(make_cc, action):
    cc, rec = make_cc("UCCX")
    login(cc, "1001", ready=True)
    did = talking(cc, "1001")
    rec.clear()
    with pytest.raises(CCError) as e:
        cc.dialog_action("1001", did, action, to_address="1002", target_media_address="5550100")
    assert (e.value.status, e.value.error_type) == (501, "Not Implemented")
    assert rec.events == []


def test_dtmf_and_recording(make_cc):
    cc, rec = make_cc("UCCX")
    login(cc, "1001", ready=True)
    did = talking(cc, "1001")
    rec.clear()
    cc.dialog_action("1001", did, "SEND_DTMF", action_params={"dtmfString": "12#*"})
    assert rec.events == []
    cc.dialog_action("1001", did, "START_RECORDING", request_id="rec")
    assert [(e.change, e.request_id) for e in rec.dialogs("1001")] == [("PUT", "rec")]
    assert "START_RECORDING" not in acts(cc, did, "1001")
    cc.dialog_action("1001", did, "START_RECORDING")
    assert [e.error_code for e in rec.errors("1001")] == ["CF_INVALID_OBJECT_STATE"]


# -- consult, transfer, conference ------------------------------------------------

def consult(cc, did, frm="1001", to="1002"):
    cid = cc.dialog_action(frm, did, "CONSULT_CALL", to_address=to)
    cc.dialog_action(to, cid, "ANSWER")
    return cid


def test_consult_call(make_cc, flavour):
    cc, rec = make_cc(flavour)
    login(cc, "1001", ready=True)
    did = talking(cc, "1001")
    login(cc, "1002", ready=True)
    rec.clear()
    cid = cc.dialog_action("1001", did, "CONSULT_CALL", to_address="1002", request_id="c")
    assert cid == str(int(did) + 1)
    c = cc.get_dialog(cid)
    assert (c.call_type, c.associated_dialog_id, c.from_address, c.to_address, c.state) == (
        "CONSULT", did, "1001", "1002", "ALERTING")
    assert cc.get_dialog(did).participant("1001").state == "HELD"
    assert rec.changes("1001") == [("PUT", did, "ACTIVE"), ("POST", cid, "INITIATING"), ("PUT", cid, "INITIATED"),
                                   ("PUT", cid, "ALERTING"), ("PUT", did, "ACTIVE")]
    assert rec.changes("1002") == [("POST", cid, "ALERTING")]
    assert cc.get_user("1001").state == "TALKING" and cc.get_user("1002").state == "READY"
    # nothing to transfer to before the consulted agent answers
    assert acts(cc, did, "1001") == ["DROP", "UPDATE_CALL_DATA"]
    cc.dialog_action("1002", cid, "ANSWER")
    # UCCX: the consult is a non-ICD call for the consulted agent: its state stays
    consulted = "TALKING" if flavour == "UCCE" else "READY"
    assert cc.get_dialog(cid).state == "ACTIVE" and cc.get_user("1002").state == consulted
    assert acts(cc, did, "1001") == ["DROP", "TRANSFER", "CONFERENCE", "UPDATE_CALL_DATA"]
    rec_ = ["START_RECORDING"] if flavour == "UCCX" else []
    assert acts(cc, cid, "1001") == ["HOLD", "DROP", "SEND_DTMF"] + rec_ + ["TRANSFER", "CONFERENCE", "UPDATE_CALL_DATA"]
    # the consulting agent drops the consult: the original stays held
    cc.dialog_action("1001", cid, "DROP")
    assert [d.id for d in cc.get_dialogs("1001")] == [did] and cc.get_dialogs("1002") == []
    assert cc.get_user("1001").state == ("HOLD" if flavour == "UCCE" else "TALKING")
    assert cc.get_user("1002").state == "READY"
    assert acts(cc, did, "1001") == ["RETRIEVE", "DROP", "UPDATE_CALL_DATA"]


def test_consult_to_bad_destination_leaves_the_call_held(make_cc):
    cc, rec = make_cc()
    login(cc, "1001", ready=True)
    did = talking(cc, "1001")
    rec.clear()
    cid = cc.dialog_action("1001", did, "CONSULT_CALL", to_address="4242")
    assert rec.changes("1001") == [("PUT", did, "ACTIVE"), ("POST", cid, "INITIATING"), ("PUT", cid, "FAILED"),
                                   ("PUT", cid, "DROPPED"), ("DELETE", cid, "DROPPED")]
    assert cc.get_dialog(did).participant("1001").state == "HELD"
    assert cc.get_user("1001").state == "HOLD"
    cc.dialog_action("1001", did, "RETRIEVE")
    assert cc.get_user("1001").state == "TALKING"


def test_transfer(make_cc, flavour):
    cc, rec = make_cc(flavour)
    login(cc, "1001", ready=True)
    did = talking(cc, "1001", call_variables={"callVariable2": "keep"})
    login(cc, "1002", ready=True)
    cid = consult(cc, did)
    rec.clear()
    cc.dialog_action("1001", did, "TRANSFER", target_media_address="1001", request_id="t")
    assert rec.changes("1001") == [("DELETE", cid, "DROPPED"), ("PUT", did, "DROPPED"), ("DELETE", did, "DROPPED")]
    assert rec.changes("1002") == [("DELETE", cid, "DROPPED"), ("POST", did, "ACTIVE")]
    d = cc.get_dialog(did)
    # the surviving dialog names the consult in <secondaryId> (its associatedDialogUri is empty)
    assert (d.secondary_id, d.associated_dialog_id) == (cid, None)
    assert d.call_type == "TRANSFER" and d.call_variables["callVariable2"] == "keep"
    assert [(p.media_address, p.state) for p in d.participants] == [("5550100", "ACTIVE"), ("1002", "ACTIVE")]
    assert cc.get_user("1001").state == "READY" and cc.get_user("1002").state == "TALKING"
    assert cc.get_dialogs("1001") == [] and [x.id for x in cc.get_dialogs("1002")] == [did]
    with pytest.raises(CCError):
        cc.get_dialog(cid)
    cc.customer_hangup(did)
    assert cc.get_user("1002").state == "READY" and cc.get_dialogs("1002") == []


def test_transfer_sent_on_the_consult_call(make_cc):
    cc, rec = make_cc()
    login(cc, "1001", ready=True)
    did = talking(cc, "1001")
    login(cc, "1002")
    cid = consult(cc, did)
    assert cc.dialog_action("1001", cid, "TRANSFER") == did
    assert [p.media_address for p in cc.get_dialog(did).participants] == ["5550100", "1002"]
    assert cc.get_user("1002").state == "TALKING"


def test_conference_and_drop_by_one_party(make_cc, flavour):
    cc, rec = make_cc(flavour)
    login(cc, "1001", ready=True)
    did = talking(cc, "1001")
    login(cc, "1002", ready=True)
    cid = consult(cc, did)
    rec.clear()
    cc.dialog_action("1001", did, "CONFERENCE")
    d = cc.get_dialog(did)
    assert d.call_type == "CONFERENCE" and d.state == "ACTIVE"
    assert [(p.media_address, p.state) for p in d.participants] == [
        ("5550100", "ACTIVE"), ("1001", "ACTIVE"), ("1002", "ACTIVE")]
    assert rec.changes("1002") == [("DELETE", cid, "DROPPED"), ("POST", did, "ACTIVE")]
    assert rec.changes("1001")[0] == ("DELETE", cid, "DROPPED") and rec.changes("1001")[-1] == ("PUT", did, "ACTIVE")
    assert cc.get_user("1001").state == "TALKING" and cc.get_user("1002").state == "TALKING"
    if flavour == "UCCE":
        assert "PARTICIPANT_DROP" in acts(cc, did, "1001")
    cc.dialog_action("1001", did, "DROP")
    d = cc.get_dialog(did)
    assert [(p.media_address, p.state) for p in d.participants] == [("5550100", "ACTIVE"), ("1002", "ACTIVE")]
    assert cc.get_user("1001").state == "READY" and cc.get_user("1002").state == "TALKING"
    cc.dialog_action("1002", did, "DROP")
    assert cc.get_dialogs("1002") == []
    with pytest.raises(CCError):
        cc.get_dialog(did)


def test_customer_leaves_a_conference_agents_stay(make_cc):
    cc, rec = make_cc()
    login(cc, "1001", ready=True)
    did = talking(cc, "1001")
    login(cc, "1002")
    consult(cc, did)
    cc.dialog_action("1001", did, "CONFERENCE")
    cc.customer_hangup(did)
    assert [p.media_address for p in cc.get_dialog(did).participants] == ["1001", "1002"]
    cc.dialog_action("1002", did, "DROP")
    assert cc.get_dialogs("1001") == [] and cc.get_user("1001").state == "READY"


def test_participant_drop_ucce(make_cc):
    cc, rec = make_cc("UCCE")
    login(cc, "1001", ready=True)
    did = talking(cc, "1001")
    login(cc, "1002")
    consult(cc, did)
    cc.dialog_action("1001", did, "CONFERENCE")
    rec.clear()
    cc.dialog_action("1001", did, "PARTICIPANT_DROP", target_media_address="1002")
    assert rec.changes("1002") == [("PUT", did, "DROPPED"), ("DELETE", did, "DROPPED")]
    assert [p.media_address for p in cc.get_dialog(did).participants] == ["5550100", "1001"]
    assert cc.get_user("1002").state == "NOT_READY"


def test_customer_hangs_up_during_consult(make_cc):
    cc, rec = make_cc()
    login(cc, "1001", ready=True)
    did = talking(cc, "1001")
    login(cc, "1002")
    cid = consult(cc, did)
    cc.customer_hangup(did)
    assert [d.id for d in cc.get_dialogs("1001")] == [cid]
    assert "TRANSFER" not in acts(cc, cid, "1001")
    cc.dialog_action("1001", cid, "TRANSFER")
    assert [e.error_code for e in rec.errors("1001")] == ["CF_INVALID_OBJECT_STATE"]
    cc.dialog_action("1002", cid, "DROP")
    assert cc.get_user("1001").state == "READY" and cc.get_user("1002").state == "NOT_READY"


def test_consult_to_outside_number_then_transfer_ends_our_view(make_cc):
    cc, rec = make_cc()
    login(cc, "1001", ready=True)
    did = talking(cc, "1001")
    cid = cc.dialog_action("1001", did, "CONSULT_CALL", to_address="5559999")
    cc.customer_answer(cid)
    cc.dialog_action("1001", did, "TRANSFER")
    assert cc.get_dialogs("1001") == [] and cc.get_user("1001").state == "READY"
    for x in (did, cid):
        with pytest.raises(CCError):
            cc.get_dialog(x)


def test_single_step_transfer_ucce(make_cc):
    cc, rec = make_cc("UCCE")
    login(cc, "1001", ready=True)
    did = talking(cc, "1001")
    login(cc, "1002")
    rec.clear()
    cc.dialog_action("1001", did, "TRANSFER_SST", to_address="1002", request_id="sst")
    assert rec.changes("1001") == [("PUT", did, "DROPPED"), ("DELETE", did, "DROPPED")]
    assert rec.changes("1002") == [("POST", did, "ALERTING")]
    d = cc.get_dialog(did)
    assert (d.call_type, [(p.media_address, p.state) for p in d.participants]) == (
        "TRANSFER", [("5550100", "ACTIVE"), ("1002", "ALERTING")])
    assert cc.get_user("1001").state == "READY"
    cc.dialog_action("1002", did, "ANSWER")
    assert cc.get_dialog(did).state == "ACTIVE" and cc.get_user("1002").state == "TALKING"


@pytest.mark.parametrize("to,code", [("4242", "CF_INVALID_CALLED_DEVICE"), ("1003", "CF_INVALID_CALLED_DEVICE"),
                                     ("1002", "CF_RESOURCE_BUSY")])
def test_single_step_transfer_failures_keep_the_call(make_cc, to, code):
    cc, rec = make_cc("UCCE")
    login(cc, "1001", ready=True)
    did = talking(cc, "1001")
    login(cc, "1002", "1004")
    cc.make_call("1002", "1004")  # 1002 busy
    rec.clear()
    cc.dialog_action("1001", did, "TRANSFER_SST", to_address=to)
    assert [(e.error_code, e.source) for e in rec.errors("1001")] == [(code, f"/finesse/api/Dialog/{did}")]
    assert cc.get_dialog(did).participant("1001").state == "ACTIVE"
    assert len(rec.events) == 1


def test_single_step_transfer_to_outside_number(make_cc):
    cc, rec = make_cc("UCCE")
    login(cc, "1001", ready=True)
    did = talking(cc, "1001")
    cc.dialog_action("1001", did, "TRANSFER_SST", to_address="5559999")
    assert cc.get_dialogs("1001") == [] and cc.get_user("1001").state == "READY"


# -- call data and wrap-up -------------------------------------------------------------

def test_update_call_data(make_cc):
    cc, rec = make_cc()
    login(cc, "1001", ready=True)
    did = talking(cc, "1001")
    rec.clear()
    cc.update_call_data("1001", did, call_variables={"callVariable1": "x", "user.note": "y"}, wrap_up_reason="Complaint",
                        request_id="u")
    [ev] = rec.dialogs("1001")
    assert (ev.change, ev.request_id, ev.dialog.wrap_up_reason) == ("PUT", "u", "Complaint")
    assert ev.dialog.call_variables["callVariable1"] == "x" and ev.dialog.call_variables["user.note"] == "y"
    cc.dialog_action("1001", did, "UPDATE_CALL_DATA", action_params={"callVariable2": "z", "wrapUpReason": "Inquiry New"})
    d = cc.get_dialog(did)
    assert (d.call_variables["callVariable2"], d.wrap_up_reason) == ("z", "Inquiry New")


@pytest.mark.parametrize("kw,field", [
    (dict(call_variables={"BACampaign": "x"}), "BACampaign"),
    (dict(call_variables={"callVariable11": "x"}), "callVariable11"),
    (dict(call_variables={"callVariable1": "x" * 41}), "callVariable1"),
    (dict(call_variables={"user.a": "x" * 1001, "user.b": "y" * 1000}), "user.*"),
    (dict(wrap_up_reason="w" * 40), "wrapUpReason"),
    (dict(), "mediaProperties"),
])
def test_update_call_data_refusals(make_cc, kw, field):
    cc, rec = make_cc()
    login(cc, "1001", ready=True)
    did = talking(cc, "1001")
    rec.clear()
    with pytest.raises(CCError) as e:
        cc.update_call_data("1001", did, **kw)
    assert (e.value.status, e.value.error_data) == (400, field)
    assert rec.events == [] and cc.get_dialog(did).call_variables["callVariable1"] == ""


def test_required_wrap_up_keeps_the_dialog(make_cc, flavour):
    cc, rec = make_cc(flavour)
    login(cc, "1003", ready=True)
    did = talking(cc, "1003")
    rec.clear()
    cc.customer_hangup(did)
    state = "WORK_READY" if flavour == "UCCE" else "WORK"
    assert cc.get_user("1003").state == state
    assert rec.changes("1003") == [("PUT", did, "DROPPED")]
    [d] = cc.get_dialogs("1003")
    assert (d.id, d.state, leg(d, "1003").state, leg(d, "1003").actions) == (did, "DROPPED", "WRAP_UP", ["UPDATE_CALL_DATA"])
    assert cc.get_dialog(did).participant("1003").state == "WRAP_UP"
    rec.clear()
    cc.update_call_data("1003", did, wrap_up_reason="Complaint", request_id="w")
    assert [(e.change, e.dialog.wrap_up_reason, e.request_id) for e in rec.dialogs("1003")] == [("PUT", "Complaint", "w")]
    cc.update_call_data("1003", did, call_variables={"callVariable1": "late"})
    assert [e.error_code for e in rec.errors("1003")] == ["CF_INVALID_OBJECT_STATE"]
    cc.dialog_action("1003", did, "DROP")
    assert len(rec.errors("1003")) == 2
    rec.clear()
    cc.change_state("1003", "READY")
    assert rec.changes("1003") == [("DELETE", did, "DROPPED")]
    assert cc.get_dialogs("1003") == [] and cc.get_user("1003").state == "READY"
    with pytest.raises(CCError):
        cc.get_dialog(did)


def test_required_wrap_up_from_not_ready_goes_work(make_cc):
    cc, rec = make_cc("UCCE")
    login(cc, "1003")
    did = cc.make_call("1003", "5551234")   # outgoing, wrapUpOnOutgoing REQUIRED
    cc.customer_answer(did)
    cc.dialog_action("1003", did, "DROP")
    assert cc.get_user("1003").state == "WORK"
    cc.change_state("1003", "NOT_READY", reason_code_id="8")
    assert cc.get_user("1003").reason_code.id == "8" and cc.get_dialogs("1003") == []


def test_pending_ready_with_required_wrap_up_goes_work_ready(make_cc):
    cc, rec = make_cc("UCCE")
    login(cc, "1003")
    did = cc.make_call("1003", "5551234")
    cc.customer_answer(did)
    cc.change_state("1003", "READY")
    cc.customer_hangup(did)
    assert cc.get_user("1003").state == "WORK_READY"


def test_optional_wrap_up_via_pending_work(make_cc):
    cc, rec = make_cc("UCCE")
    login(cc, "1001", ready=True)
    did = talking(cc, "1001")
    cc.change_state("1001", "WORK")
    assert cc.get_user("1001").pending_state == "WORK"
    cc.customer_hangup(did)
    assert cc.get_user("1001").state == "WORK"
    assert [d.id for d in cc.get_dialogs("1001")] == [did]


def test_work_refused_when_wrap_up_not_allowed(make_cc):
    cc, rec = make_cc("UCCE")
    login(cc, "1004", ready=True)
    did = talking(cc, "1004")
    rec.clear()
    cc.change_state("1004", "WORK_READY")
    assert [(e.error_code, e.error_data) for e in rec.errors("1004")] == [("CF_INVALID_AGENT_WORKMODE", "265")]
    assert cc.get_user("1004").pending_state == ""
    cc.customer_hangup(did)
    assert cc.get_user("1004").state == "READY"


def test_transfer_puts_the_transferring_agent_in_wrap_up(make_cc):
    cc, rec = make_cc("UCCE")
    login(cc, "1003", ready=True)
    did = talking(cc, "1003")
    login(cc, "1002")
    consult(cc, did, frm="1003")
    cc.dialog_action("1003", did, "TRANSFER")
    assert cc.get_user("1003").state == "WORK_READY"
    assert [(d.id, leg(d, "1003").state) for d in cc.get_dialogs("1003")] == [(did, "WRAP_UP")]
    # the live call and the wrap-up copy are told apart by agent
    assert cc.get_dialog(did).participant("1002").state == "ACTIVE"
    assert cc.get_dialog(did, "1003").participant("1003").state == "WRAP_UP"


def test_a_new_call_replaces_the_wrap_up_dialog(make_cc):
    cc, rec = make_cc("UCCE")
    login(cc, "1003", ready=True)
    d1 = talking(cc, "1003")
    cc.customer_hangup(d1)
    cc.change_state("1003", "READY")
    d2 = talking(cc, "1003")
    assert [d.id for d in cc.get_dialogs("1003")] == [d2]
    cc.customer_hangup(d2)
    assert [d.id for d in cc.get_dialogs("1003")] == [d2]
