"""Every row of the reference's "UCCE and UCCX differ" table (section 9), each run
on both flavours with the expected outcome of each."""
from __future__ import annotations

import pytest
from gc_sim.model import CCError

from . import reference_samples as R
from .helpers import (API, actions, assert_api_error, async_error, dialog_put, dialog_update, login, make_call,
                      user_update, xml)

BOTH = pytest.mark.parametrize("finesse_emulator", ["UCCE", "UCCX"], indirect=True)


def ucce(emulator) -> bool:
    return emulator.flavour == "UCCE"


@pytest.fixture
def on_call(finesse_emulator, finesse, xmpp):
    """1001 READY, then on an answered customer call: (client, subscriber, dialog id)."""
    f, sub = finesse("1001"), xmpp("1001")
    login(f, "1001", "l", ready=True)
    user_update(sub, "1001", "l-ready", state="READY")
    did = finesse_emulator.model.inbound_call()
    dialog_update(sub, "1001", "POST", dialog_id=did)
    assert dialog_put(f, did, "ANSWER", request_id="answer").status_code == 202
    dialog_update(sub, "1001", "PUT", "answer", state="ACTIVE")
    user_update(sub, "1001", state="TALKING")
    return f, sub, did


@BOTH
def test_hold_agent_state(finesse_emulator, on_call):
    f, sub, did = on_call
    assert dialog_put(f, did, "HOLD", request_id="hold").status_code == 202
    dialog_update(sub, "1001", "PUT", "hold", dialog_id=did)
    expected = "HOLD" if ucce(finesse_emulator) else "TALKING"
    if ucce(finesse_emulator):
        assert user_update(sub, "1001", "hold").find("data/user/state") == "HOLD"
    assert xml(f.get("/User/1001")).findtext("state") == expected


@BOTH
def test_work_ready(finesse_emulator, finesse, xmpp):
    f, sub = finesse("1001"), xmpp("1001")
    login(f, "1001")
    r = f.put("/User/1001", "<User><state>WORK_READY</state></User>", "wr")
    if ucce(finesse_emulator):
        assert r.status_code == 202
        assert user_update(sub, "1001", "wr").find("data/user/state") == "WORK_READY"
    else:
        assert_api_error(r, 400, "Invalid Input", data="state")


@BOTH
def test_pending_ready_while_talking(finesse_emulator, on_call):
    f, sub, _did = on_call
    assert f.put("/User/1001", "<User><state>NOT_READY</state><reasonCodeId>1</reasonCodeId></User>",
                 "pending").status_code == 202
    if ucce(finesse_emulator):
        n = user_update(sub, "1001", "pending")
        assert n.find("data/user/state") == "TALKING" and n.find("data/user/pendingState") == "NOT_READY"
    else:
        n = async_error(sub, "1001", "pending")
        assert n.node == f"{API}/User/1001" and n.source == f"{API}/User/1001"
        assert n.find("data/apiErrors/apiError/errorMessage") == "CF_RESOURCE_BUSY"
        assert n.find("data/apiErrors/apiError/errorData") == "33"


@BOTH
def test_logout_from_ready(finesse_emulator, finesse, xmpp):
    f, sub = finesse("1001"), xmpp("1001")
    login(f, "1001", "l", ready=True)
    user_update(sub, "1001", "l-ready", state="READY")
    assert f.put("/User/1001", "<User><state>LOGOUT</state></User>", "out").status_code == 202
    if ucce(finesse_emulator):  # only from NOT_READY
        n = async_error(sub, "1001", "out")
        assert n.find("data/apiErrors/apiError/errorMessage") == "CF_INVALID_OBJECT_STATE"
    else:
        assert user_update(sub, "1001", "out").find("data/user/state") == "LOGOUT"


@BOTH
def test_supervisor_forced_not_ready_code(finesse_emulator, finesse, xmpp):
    sub = xmpp("1002")
    login(finesse("1002"), "1002", "l", ready=True)
    user_update(sub, "1002", "l-ready", state="READY")
    assert finesse("1100").put("/User/1002", "<User><state>NOT_READY</state></User>", "force").status_code == 202
    n = user_update(sub, "1002", state="NOT_READY")
    assert n.find("data/user/reasonCodeId") == ("999" if ucce(finesse_emulator) else "33")


@BOTH
def test_make_call_with_call_variables(finesse_emulator, finesse, xmpp):
    f, sub = finesse("1001"), xmpp("1001")
    login(f, "1001")
    extra = ("<mediaProperties><callvariables><CallVariable><name>callVariable3</name><value>order-77</value>"
             "</CallVariable></callvariables></mediaProperties>")
    r = make_call(f, "5551234567", "mc-vars", extra)
    if ucce(finesse_emulator):
        assert r.status_code == 202
        _, d = dialog_update(sub, "1001", "POST", "mc-vars")
        cvs = {cv.findtext("name"): cv.findtext("value") for cv in d.iter("CallVariable")}
        assert cvs["callVariable3"] == "order-77"
    else:
        assert_api_error(r, 400, "Invalid Input", data="mediaProperties")


@BOTH
def test_start_recording(finesse_emulator, on_call):
    f, sub, did = on_call
    r = dialog_put(f, did, "START_RECORDING", request_id="rec")
    if ucce(finesse_emulator):
        assert_api_error(r, 501, "Not Implemented")
    else:
        assert r.status_code == 202
        dialog_update(sub, "1001", "PUT", "rec", dialog_id=did)


@BOTH
def test_single_step_transfer_and_participant_drop(finesse_emulator, finesse, on_call):
    f, sub, did = on_call
    login(finesse("1002"), "1002")
    sst = dialog_put(f, did, "TRANSFER_SST", request_id="sst", extra="<toAddress>1002</toAddress>")
    drop = dialog_put(f, did, "PARTICIPANT_DROP", target="5550100", request_id="pd")
    if ucce(finesse_emulator):
        assert sst.status_code == 202
        dialog_update(sub, "1001", "DELETE", "sst", dialog_id=did)
        assert_api_error(drop, 404, "Dialog Not Found")  # the call is gone from 1001 by then
    else:
        assert_api_error(sst, 501, "Not Implemented", data="TRANSFER_SST")
        assert_api_error(drop, 501, "Not Implemented", data="PARTICIPANT_DROP")


@BOTH
def test_outbound_preview_actions(finesse_emulator, finesse, xmpp):
    f, sub = finesse("1001"), xmpp("1001")
    login(f, "1001", "l", ready=True)
    user_update(sub, "1001", "l-ready", state="READY")
    kind = "OUTBOUND_PREVIEW" if ucce(finesse_emulator) else "OUTBOUND_DIRECT_PREVIEW"
    did = finesse_emulator.model.place_preview("1001", kind=kind)
    _, d = dialog_update(sub, "1001", "POST", dialog_id=did, call_type=kind)
    status = xml(f.get(f"/Dialog/{did}"))
    cvs = {cv.findtext("name"): cv.findtext("value") for cv in status.iter("CallVariable")}
    assert cvs["BAStatus"] == ("PREVIEW_OUTBOUND_RESERVATION" if ucce(finesse_emulator)
                               else "DIRECT_PREVIEW_OUTBOUND_RESERVATION")
    if ucce(finesse_emulator):
        assert "ACCEPT" in actions(d, "1001")
        assert dialog_put(f, did, "ACCEPT", request_id="acc").status_code == 202
        dialog_update(sub, "1001", "PUT", "acc", state="ACCEPTED")
    else:
        for action in ("ACCEPT", "REJECT", "CLOSE"):
            assert_api_error(dialog_put(f, did, action), 501, "Not Implemented")
        with pytest.raises(CCError) as info:  # nor does its dialer reserve UCCE previews
            finesse_emulator.model.place_preview("1001", kind="OUTBOUND_PREVIEW")
        assert info.value.status == 501


@BOTH
def test_queue_statistics_shape(finesse_emulator, finesse):
    stats = xml(finesse("1001").get("/Queue/1")).find("statistics")
    if ucce(finesse_emulator):
        assert [c.tag for c in stats] == list(R.QUEUE_UCCE_FIELDS)
    else:
        assert [c.tag for c in stats] == ["SnapShot", "SinceMidNight"]


@BOTH
def test_mobile_agent(finesse_emulator, finesse, xmpp):
    f, sub = finesse("1001"), xmpp("1001")
    r = f.put("/User/1001", "<User><state>LOGIN</state><extension>1001</extension><mobileAgent><mode>CALL_BY_CALL"
              "</mode><dialNumber>4085551234</dialNumber></mobileAgent></User>", "ma")
    if ucce(finesse_emulator):
        assert r.status_code == 202
        assert user_update(sub, "1001", "ma").find("data/user/mobileAgent/mode") == "CALL_BY_CALL"
    else:
        assert_api_error(r, 501, "Not Implemented")


@BOTH
def test_silent_monitor_supervisor_state(finesse_emulator, finesse, xmpp, on_call):
    sup, ssub = finesse("1100"), xmpp("1100")
    login(sup, "1100", "sl")
    user_update(ssub, "1100", "sl")
    r = sup.post("/User/1100/Dialogs", "<Dialog><requestedAction>SILENT_MONITOR</requestedAction>"
                 "<fromAddress>1100</fromAddress><toAddress>1001</toAddress></Dialog>", "sm")
    assert r.status_code == 202
    dialog_update(ssub, "1100", "PUT", "sm", state="ACTIVE", call_type="SUPERVISOR_MONITOR")
    if ucce(finesse_emulator):
        assert user_update(ssub, "1100", "sm", state="TALKING")
    assert xml(sup.get("/User/1100")).findtext("state") == ("TALKING" if ucce(finesse_emulator) else "NOT_READY")


@BOTH
def test_dialog_media_properties(finesse_emulator, on_call):
    f, _sub, did = on_call
    mp = xml(f.get(f"/Dialog/{did}")).find("mediaProperties")
    if ucce(finesse_emulator):
        assert mp.find("callKeyCallId") is not None and mp.find("callGUID") is not None
        assert mp.find("wrapUpItems") is None
    else:
        assert mp.find("wrapUpItems") is not None and mp.find("callKeyCallId") is None
