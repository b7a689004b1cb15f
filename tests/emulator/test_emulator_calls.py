"""Dialogs: every requestedAction of the reference, over plain requests, each accepted
request observed as its notification (right node, right requestId, reference shape)."""
from __future__ import annotations

import pytest

from .helpers import (API, actions, async_error, assert_api_error, dialog_put, dialog_update, login, make_call,
                      party, user_update, xml)

BOTH = pytest.mark.parametrize("finesse_emulator", ["UCCE", "UCCX"], indirect=True)


@pytest.fixture
def agents(finesse, xmpp):
    """1001, 1002, 1003 signed in (NOT_READY), with REST clients and subscribers."""
    out = {}
    for a in ("1001", "1002", "1003"):
        f = finesse(a)
        sub = xmpp(a)
        login(f, a, f"login-{a}")
        user_update(sub, a, f"login-{a}")
        out[a] = (f, sub)
    return out


def inbound_to(finesse_emulator, f, sub, agent):
    """A customer call routed to ``agent`` (made READY) and answered; returns the dialog id."""
    assert f.put(f"/User/{agent}", "<User><state>READY</state></User>", "ready").status_code == 202
    user_update(sub, agent, "ready")
    did = finesse_emulator.model.inbound_call(from_address="5550100")
    _, d = dialog_update(sub, agent, "POST", dialog_id=did, state="ALERTING")
    assert d.findtext("mediaProperties/callType") == "ACD_IN"
    assert actions(d, agent)[0] == "ANSWER" and "HOLD" not in actions(d, agent)
    user_update(sub, agent, state="RESERVED")
    assert dialog_put(f, did, "ANSWER", request_id="answer").status_code == 202
    _, d = dialog_update(sub, agent, "PUT", "answer", state="ACTIVE")
    return did


@BOTH
def test_make_call_answer_hold_retrieve_drop(finesse_emulator, agents):
    (f1, s1), (f2, s2) = agents["1001"], agents["1002"]
    r = make_call(f1, "1002", "mc")
    assert r.status_code == 202 and r.text == ""
    n, d = dialog_update(s1, "1001", "POST", "mc")
    did = d.findtext("id")
    assert d.findtext("fromAddress") == "1001" and d.findtext("toAddress") == "1002"
    assert d.findtext("uri") == f"{API}/Dialog/{did}"
    dialog_update(s1, "1001", "PUT", "mc", state="ALERTING")
    _, d2 = dialog_update(s2, "1002", "POST", "", dialog_id=did, state="ALERTING")  # not 1002's request
    assert d2.findtext("mediaProperties/callType") == "AGENT_INSIDE"
    assert actions(d2, "1002")[0] == "ANSWER" and "HOLD" not in actions(d2, "1002")

    assert dialog_put(f2, did, "ANSWER", request_id="ans").status_code == 202
    _, d2 = dialog_update(s2, "1002", "PUT", "ans", state="ACTIVE")
    assert party(d2, "1002").findtext("state") == "ACTIVE"
    assert "HOLD" in actions(d2, "1002")
    dialog_update(s1, "1001", "PUT", "", state="ACTIVE")
    if finesse_emulator.flavour == "UCCE":
        user_update(s2, "1002", state="TALKING")
    else:  # an agent-to-agent (non-ICD) call leaves UCCX agents' states alone
        assert xml(f2.get("/User/1002")).findtext("state") == "NOT_READY"

    assert dialog_put(f1, did, "HOLD", request_id="hold").status_code == 202
    _, d = dialog_update(s1, "1001", "PUT", "hold")
    assert party(d, "1001").findtext("state") == "HELD"
    assert actions(d, "1001")[:2] == ["RETRIEVE", "DROP"] and "HOLD" not in actions(d, "1001")
    assert dialog_put(f1, did, "RETRIEVE", request_id="ret").status_code == 202
    _, d = dialog_update(s1, "1001", "PUT", "ret")
    assert party(d, "1001").findtext("state") == "ACTIVE"

    got = xml(f1.get(f"/Dialog/{did}"))
    assert got.tag == "Dialog" and got.findtext("state") == "ACTIVE"
    listed = xml(f1.get("/User/1001/Dialogs"))
    assert listed.tag == "Dialogs" and [x.findtext("id") for x in listed] == [did]

    assert dialog_put(f1, did, "DROP", request_id="drop").status_code == 202
    _, d = dialog_update(s1, "1001", "DELETE", "drop", dialog_id=did)
    assert d.findtext("state") == "DROPPED"
    dialog_update(s2, "1002", "DELETE", "", dialog_id=did)
    assert len(xml(f1.get("/User/1001/Dialogs"))) == 0


@BOTH
def test_consult_then_transfer(finesse_emulator, agents):
    (f1, s1), (f2, s2) = agents["1001"], agents["1002"]
    did = inbound_to(finesse_emulator, f1, s1, "1001")
    r = dialog_put(f1, did, "CONSULT_CALL", request_id="consult", extra="<toAddress>1002</toAddress>")
    assert r.status_code == 202
    _, held = dialog_update(s1, "1001", "PUT", "consult", dialog_id=did)
    assert party(held, "1001").findtext("state") == "HELD"
    _, consult = dialog_update(s1, "1001", "POST", "consult", call_type="CONSULT")
    cid = consult.findtext("id")
    assert consult.findtext("associatedDialogUri") == f"{API}/Dialog/{did}"
    _, c2 = dialog_update(s2, "1002", "POST", dialog_id=cid, state="ALERTING")
    assert dialog_put(f2, cid, "ANSWER", request_id="c-ans").status_code == 202
    dialog_update(s2, "1002", "PUT", "c-ans", dialog_id=cid, state="ACTIVE")
    _, held = dialog_update(s1, "1001", "PUT", dialog_id=did, what="TRANSFER offered on the held call")
    while "TRANSFER" not in actions(held, "1001"):
        _, held = dialog_update(s1, "1001", "PUT", dialog_id=did)
    assert dialog_put(f1, did, "TRANSFER", request_id="xfer").status_code == 202
    dialog_update(s1, "1001", "DELETE", "xfer", dialog_id=cid)
    dialog_update(s1, "1001", "DELETE", "xfer", dialog_id=did)
    _, moved = dialog_update(s2, "1002", "POST", dialog_id=did)
    assert moved.findtext("mediaProperties/callType") == "TRANSFER"
    assert {p.findtext("mediaAddress") for p in moved.findall("participants/Participant")} == {"5550100", "1002"}


@BOTH
def test_consult_then_conference(finesse_emulator, agents):
    (f1, s1), (f2, s2) = agents["1001"], agents["1002"]
    did = inbound_to(finesse_emulator, f1, s1, "1001")
    assert dialog_put(f1, did, "CONSULT_CALL", request_id="consult",
                      extra="<toAddress>1002</toAddress>").status_code == 202
    _, consult = dialog_update(s1, "1001", "POST", "consult", call_type="CONSULT")
    cid = consult.findtext("id")
    dialog_update(s2, "1002", "POST", dialog_id=cid)
    assert dialog_put(f2, cid, "ANSWER").status_code == 202
    dialog_update(s2, "1002", "PUT", dialog_id=cid, state="ACTIVE")
    # CONFERENCE may also be sent on the consult call
    assert dialog_put(f1, cid, "CONFERENCE", request_id="conf").status_code == 202
    _, conf = dialog_update(s1, "1001", "PUT", "conf", dialog_id=did, call_type="CONFERENCE")
    assert {p.findtext("mediaAddress") for p in conf.findall("participants/Participant")} == {
        "5550100", "1001", "1002"}
    dialog_update(s2, "1002", "POST", dialog_id=did, call_type="CONFERENCE")
    if finesse_emulator.flavour == "UCCE":
        assert "PARTICIPANT_DROP" in actions(conf, "1001")
        assert dialog_put(f1, did, "PARTICIPANT_DROP", target="1002", request_id="pdrop").status_code == 202
        _, after = dialog_update(s1, "1001", "PUT", "pdrop", dialog_id=did)
        assert party(after, "1002") is None
        dialog_update(s2, "1002", "DELETE", dialog_id=did)
    else:
        r = dialog_put(f1, did, "PARTICIPANT_DROP", target="1002")
        assert_api_error(r, 501, "Not Implemented")


def test_single_step_transfer_ucce(finesse_emulator, agents):
    (f1, s1), (_f2, s2) = agents["1001"], agents["1002"]
    did = inbound_to(finesse_emulator, f1, s1, "1001")
    r = dialog_put(f1, did, "TRANSFER_SST", request_id="sst", extra="<toAddress>1002</toAddress>")
    assert r.status_code == 202
    dialog_update(s1, "1001", "DELETE", "sst", dialog_id=did)
    _, d2 = dialog_update(s2, "1002", "POST", dialog_id=did, state="ALERTING")
    assert d2.findtext("mediaProperties/callType") == "TRANSFER"


def test_single_step_transfer_to_a_busy_agent_is_an_async_error(finesse_emulator, agents):
    (f1, s1), (f2, _s2) = agents["1001"], agents["1002"]
    _f3, s3 = agents["1003"]
    assert make_call(f2, "1003", "busy-call").status_code == 202
    dialog_update(s3, "1003", "POST", state="ALERTING")
    did = inbound_to(finesse_emulator, f1, s1, "1001")
    r = dialog_put(f1, did, "TRANSFER_SST", request_id="sst-busy", extra="<toAddress>1002</toAddress>")
    assert r.status_code == 202
    n = async_error(s1, "1001", "sst-busy")
    assert n.node == f"{API}/User/1001/Dialogs" and n.source == f"{API}/Dialog/{did}"
    assert n.find("data/apiErrors/apiError/errorMessage") == "CF_RESOURCE_BUSY"


@BOTH
def test_update_call_data_send_dtmf_and_recording(finesse_emulator, agents):
    f1, s1 = agents["1001"]
    did = inbound_to(finesse_emulator, f1, s1, "1001")
    body = ("<Dialog><requestedAction>UPDATE_CALL_DATA</requestedAction><mediaProperties>"
            "<wrapUpReason>Happy customer</wrapUpReason><callvariables><CallVariable><name>callVariable1</name>"
            "<value>x &amp; y</value></CallVariable><CallVariable><name>user.account</name><value>42</value>"
            "</CallVariable></callvariables></mediaProperties></Dialog>")
    assert f1.put(f"/Dialog/{did}", body, "ucd").status_code == 202
    _, d = dialog_update(s1, "1001", "PUT", "ucd", dialog_id=did)
    assert d.findtext("mediaProperties/wrapUpReason") == "Happy customer"
    cvs = {cv.findtext("name"): cv.findtext("value") for cv in d.iter("CallVariable")}
    assert cvs["callVariable1"] == "x & y" and cvs["user.account"] == "42"

    r = dialog_put(f1, did, "SEND_DTMF", request_id="dtmf", extra="<actionParams><ActionParam><name>dtmfString"
                   "</name><value>12#</value></ActionParam></actionParams>")
    assert r.status_code == 202
    dialog_update(s1, "1001", "PUT", "dtmf", dialog_id=did)  # acknowledged although nothing changed

    r = dialog_put(f1, did, "START_RECORDING", request_id="rec")
    if finesse_emulator.flavour == "UCCX":
        assert r.status_code == 202
        _, d = dialog_update(s1, "1001", "PUT", "rec", dialog_id=did)
        assert "START_RECORDING" not in actions(d, "1001")  # recording now
    else:
        assert_api_error(r, 501, "Not Implemented", data="START_RECORDING")


@BOTH
def test_silent_monitor_and_barge(finesse_emulator, finesse, xmpp, agents):
    f1, s1 = agents["1001"]
    sup, ssub = finesse("1100"), xmpp("1100")
    login(sup, "1100", "sup-login")
    user_update(ssub, "1100", "sup-login")
    did = inbound_to(finesse_emulator, f1, s1, "1001")
    r = sup.post("/User/1100/Dialogs", "<Dialog><requestedAction>SILENT_MONITOR</requestedAction>"
                 "<fromAddress>1100</fromAddress><toAddress>1001</toAddress></Dialog>", "monitor")
    assert r.status_code == 202
    _, m = dialog_update(ssub, "1100", "POST", "monitor", call_type="SUPERVISOR_MONITOR")
    mid = m.findtext("id")
    assert m.findtext("associatedDialogUri") == f"{API}/Dialog/{did}"
    _, m = dialog_update(ssub, "1100", "PUT", "monitor", dialog_id=mid, state="ACTIVE")
    assert actions(m, "1100")[:2] == ["BARGE_CALL", "DROP"]
    sup_state = "TALKING" if finesse_emulator.flavour == "UCCE" else "NOT_READY"
    assert xml(sup.get("/User/1100")).findtext("state") == sup_state

    r = sup.post("/User/1100/Dialogs", "<Dialog><requestedAction>BARGE_CALL</requestedAction>"
                 f"<fromAddress>1100</fromAddress><toAddress>1001</toAddress><associatedDialogUri>{API}/Dialog/"
                 f"{mid}</associatedDialogUri></Dialog>", "barge")
    assert r.status_code == 202
    dialog_update(ssub, "1100", "DELETE", "barge", dialog_id=mid)
    _, joined = dialog_update(ssub, "1100", "POST", "barge", dialog_id=did)
    assert party(joined, "1100").findtext("state") == "ACTIVE"
    assert dialog_put(sup, did, "DROP", target="1100", request_id="sup-drop").status_code == 202
    dialog_update(ssub, "1100", "DELETE", "sup-drop", dialog_id=did)


def test_outbound_preview_accept_reclassify_and_callbacks_ucce(finesse_emulator, agents):
    f1, s1 = agents["1001"]
    assert f1.put("/User/1001", "<User><state>READY</state></User>", "ready").status_code == 202
    user_update(s1, "1001", "ready")
    did = finesse_emulator.model.place_preview("1001", customer_number="5550199", campaign="Spring")
    _, d = dialog_update(s1, "1001", "POST", dialog_id=did, call_type="OUTBOUND_PREVIEW")
    cvs = {cv.findtext("name"): cv.findtext("value") for cv in d.iter("CallVariable")}
    assert cvs["BACampaign"] == "Spring" and cvs["BAStatus"] == "PREVIEW_OUTBOUND_RESERVATION"
    assert actions(d, "1001")[:3] == ["ACCEPT", "REJECT", "CLOSE"]
    user_update(s1, "1001", state="RESERVED_OUTBOUND_PREVIEW")

    cb = ("<actionParams><ActionParam><name>callbackTime</name><value>2030-03-07T14:30</value></ActionParam>"
          "<ActionParam><name>callbackNumber</name><value>9785551212</value></ActionParam></actionParams>")
    r = f1.put(f"/Dialog/{did}", "<Dialog><requestedAction>UPDATE_SCHEDULED_CALLBACK</requestedAction>"
               f"{cb}</Dialog>", "cb")
    assert r.status_code == 202
    _, d = dialog_update(s1, "1001", "PUT", "cb", dialog_id=did)
    assert d.findtext("scheduledCallbackInfo/callbackTime") == "2030-03-07T14:30"
    assert d.findtext("scheduledCallbackInfo/callbackNumber") == "9785551212"
    assert dialog_put(f1, did, "CANCEL_SCHEDULED_CALLBACK", request_id="cancel-cb").status_code == 202
    _, d = dialog_update(s1, "1001", "PUT", "cancel-cb", dialog_id=did)
    assert d.find("scheduledCallbackInfo") is None

    assert dialog_put(f1, did, "ACCEPT", request_id="accept").status_code == 202
    dialog_update(s1, "1001", "PUT", "accept", dialog_id=did, state="ACCEPTED")
    dialog_update(s1, "1001", "PUT", "accept", dialog_id=did, state="ALERTING")
    finesse_emulator.model.customer_answer(did)
    dialog_update(s1, "1001", "PUT", dialog_id=did, state="ACTIVE")
    r = f1.put(f"/Dialog/{did}", "<Dialog><requestedAction>RECLASSIFY</requestedAction><actionParams><ActionParam>"
               "<name>outboundClassification</name><value>FAX</value></ActionParam></actionParams></Dialog>",
               "reclassify")
    assert r.status_code == 202
    dialog_update(s1, "1001", "PUT", "reclassify", dialog_id=did)


@pytest.mark.parametrize("action", ["REJECT", "CLOSE"])
def test_outbound_preview_reject_and_close_ucce(finesse_emulator, agents, action):
    f1, s1 = agents["1001"]
    assert f1.put("/User/1001", "<User><state>READY</state></User>", "ready").status_code == 202
    user_update(s1, "1001", "ready")
    did = finesse_emulator.model.place_preview("1001")
    dialog_update(s1, "1001", "POST", dialog_id=did)
    assert dialog_put(f1, did, action, request_id=action).status_code == 202
    dialog_update(s1, "1001", "DELETE", action, dialog_id=did)
    user_update(s1, "1001", state="READY")


@pytest.mark.parametrize("finesse_emulator", ["UCCX"], indirect=True)
def test_direct_preview_uccx(finesse_emulator, agents):
    f1, s1 = agents["1001"]
    assert f1.put("/User/1001", "<User><state>READY</state></User>", "ready").status_code == 202
    user_update(s1, "1001", "ready")
    did = finesse_emulator.model.place_preview("1001", kind="OUTBOUND_DIRECT_PREVIEW")
    _, d = dialog_update(s1, "1001", "POST", dialog_id=did, call_type="OUTBOUND_DIRECT_PREVIEW")
    assert actions(d, "1001")[:2] == ["ANSWER", "DROP"]
    for action in ("ACCEPT", "REJECT", "CLOSE"):
        assert_api_error(dialog_put(f1, did, action), 501, "Not Implemented", data=action)
    assert dialog_put(f1, did, "ANSWER", request_id="take").status_code == 202
    _, d = dialog_update(s1, "1001", "PUT", "take", dialog_id=did, state="ALERTING")
    assert party(d, "5550199") is not None


def test_action_in_the_wrong_state_is_an_async_error(finesse_emulator, agents):
    (f1, _s1), (f2, s2) = agents["1001"], agents["1002"]
    assert make_call(f1, "1002", "mc").status_code == 202
    _, d = dialog_update(s2, "1002", "POST", state="ALERTING")
    did = d.findtext("id")
    r = dialog_put(f2, did, "HOLD", request_id="early-hold")  # ringing: cannot hold
    assert r.status_code == 202
    n = async_error(s2, "1002", "early-hold")
    assert n.node == f"{API}/User/1002/Dialogs" and n.source == f"{API}/Dialog/{did}" and n.event == "PUT"
    assert n.find("data/apiErrors/apiError/errorMessage") == "CF_INVALID_OBJECT_STATE"
    assert n.find("data/apiErrors/apiError/errorData") == "22"
    assert n.find("data/apiErrors/apiError/errorType") == "Call Operation Failure"
