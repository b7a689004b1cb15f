"""Outbound preview (UCCE ACCEPT / REJECT / CLOSE, UCCX direct preview), reclassify, callbacks."""
from __future__ import annotations

import pytest

from gc_sim.model import CCError

from .conftest import leg, login


def test_ucce_preview_accept(make_cc):
    cc, rec = make_cc("UCCE")
    login(cc, "1001", ready=True)
    rec.clear()
    did = cc.place_preview("1001", customer_number="5557777", campaign="Spring", account="A-1")
    assert cc.get_user("1001").state == "RESERVED_OUTBOUND_PREVIEW"
    d = cc.get_dialog(did)
    assert (d.call_type, d.state, d.from_address, d.to_address) == ("OUTBOUND_PREVIEW", "ALERTING", "5557777", "1001")
    cv = d.call_variables
    assert (cv["BACampaign"], cv["BAAccountNumber"], cv["BAStatus"]) == ("Spring", "A-1", "PREVIEW_OUTBOUND_RESERVATION")
    assert set(cv) >= {"BAResponse", "BADialedListID", "BATimeZone", "BABuddyName", "callVariable10"}
    assert leg(d, "1001").actions == ["ACCEPT", "REJECT", "CLOSE", "UPDATE_SCHEDULED_CALLBACK", "UPDATE_CALL_DATA"]
    cc.dialog_action("1001", did, "ANSWER")   # not how a UCCE preview is taken
    assert [e.error_code for e in rec.errors("1001")] == ["CF_INVALID_OBJECT_STATE"]
    rec.clear()
    cc.dialog_action("1001", did, "ACCEPT", target_media_address="1001", request_id="acc")
    assert rec.changes("1001") == [("PUT", did, "ACCEPTED"), ("PUT", did, "ALERTING")]
    d = cc.get_dialog(did)
    assert (d.from_address, d.to_address, d.call_variables["BAStatus"]) == ("1001", "5557777", "PREVIEW_OUTBOUND")
    assert [(p.media_address, p.state) for p in d.participants] == [("1001", "INITIATED"), ("5557777", "ALERTING")]
    assert cc.get_user("1001").state == "TALKING"
    cc.customer_answer(did)
    assert "RECLASSIFY" in leg(cc.get_dialog(did), "1001").actions
    cc.customer_hangup(did)
    assert cc.get_user("1001").state == "READY"


@pytest.mark.parametrize("action", ["REJECT", "CLOSE"])
def test_ucce_preview_reject_close(make_cc, action):
    cc, rec = make_cc("UCCE")
    login(cc, "1001", ready=True)
    did = cc.place_preview("1001", kind="OUTBOUND_CALLBACK_PREVIEW")
    rec.clear()
    cc.dialog_action("1001", did, action)
    assert rec.changes("1001") == [("PUT", did, "DROPPED"), ("DELETE", did, "DROPPED")]
    assert cc.get_user("1001").state == "READY" and cc.get_dialogs("1001") == []


def test_uccx_direct_preview(make_cc):
    cc, rec = make_cc("UCCX")
    login(cc, "1001", ready=True)
    did = cc.place_preview("1001", kind="OUTBOUND_DIRECT_PREVIEW", customer_number="5557777")
    d = cc.get_dialog(did)
    assert (d.call_type, d.call_variables["BAStatus"]) == ("OUTBOUND_DIRECT_PREVIEW", "DIRECT_PREVIEW_OUTBOUND_RESERVATION")
    assert leg(d, "1001").actions == ["ANSWER", "DROP", "UPDATE_SCHEDULED_CALLBACK", "UPDATE_CALL_DATA"]
    assert cc.get_user("1001").state == "RESERVED_OUTBOUND_PREVIEW"
    with pytest.raises(CCError) as e:
        cc.dialog_action("1001", did, "ACCEPT")
    assert e.value.status == 501
    cc.dialog_action("1001", did, "ANSWER")
    d = cc.get_dialog(did)
    assert (d.state, d.call_variables["BAStatus"], cc.get_user("1001").state) == ("ALERTING", "DIRECT_PREVIEW_OUTBOUND", "TALKING")
    cc.customer_answer(did)
    rec.clear()
    cc.dialog_action("1001", did, "RECLASSIFY", action_params={"outboundClassification": "ans_machine"})
    assert rec.changes("1001") == [("PUT", did, "ACTIVE")]
    cc.dialog_action("1001", did, "DROP")
    assert cc.get_user("1001").state == "READY"


def test_uccx_direct_preview_reject_by_drop(make_cc):
    cc, rec = make_cc("UCCX")
    login(cc, "1001", ready=True)
    did = cc.place_preview("1001", kind="OUTBOUND_DIRECT_PREVIEW")
    cc.dialog_action("1001", did, "DROP")
    assert cc.get_user("1001").state == "READY" and cc.get_dialogs("1001") == []


def test_place_preview_refusals(make_cc):
    cc, rec = make_cc("UCCE")
    login(cc, "1001")
    with pytest.raises(CCError) as e:
        cc.place_preview("1001")
    assert (e.value.status, e.value.error_type) == (400, "Invalid State")
    cc.change_state("1001", "READY")
    with pytest.raises(CCError) as e:
        cc.place_preview("1001", kind="OUTBOUND_DIRECT_PREVIEW")
    assert e.value.status == 501
    cx, _ = make_cc("UCCX")
    login(cx, "1001", ready=True)
    with pytest.raises(CCError) as e:
        cx.place_preview("1001", kind="OUTBOUND_PREVIEW")
    assert e.value.status == 501


def test_scheduled_callbacks(make_cc):
    cc, rec = make_cc("UCCE")
    login(cc, "1001", ready=True)
    did = cc.place_preview("1001")
    cc.dialog_action("1001", did, "ACCEPT")
    cc.customer_answer(did)
    cc.dialog_action("1001", did, "CANCEL_SCHEDULED_CALLBACK")
    assert [e.error_code for e in rec.errors("1001")] == ["CF_INVALID_OBJECT_STATE"]
    rec.clear()
    cc.dialog_action("1001", did, "UPDATE_SCHEDULED_CALLBACK",
                     action_params={"callbackTime": "2024-03-07T14:30", "callbackNumber": "9785551212"})
    cb = cc.get_dialog(did).scheduled_callback
    assert (cb.callback_time, cb.callback_number) == ("2024-03-07T14:30", "9785551212")
    assert rec.dialogs("1001")[0].dialog.scheduled_callback.callback_number == "9785551212"
    cc.dialog_action("1001", did, "UPDATE_SCHEDULED_CALLBACK", action_params={"callbackTime": "2024-03-08T09:00"})
    cb = cc.get_dialog(did).scheduled_callback
    assert (cb.callback_time, cb.callback_number) == ("2024-03-08T09:00", "9785551212")
    assert "CANCEL_SCHEDULED_CALLBACK" in leg(cc.get_dialog(did), "1001").actions
    cc.dialog_action("1001", did, "CANCEL_SCHEDULED_CALLBACK", target_media_address="1001")
    assert cc.get_dialog(did).scheduled_callback is None


def test_outbound_actions_refused_on_inbound_calls(make_cc):
    from .conftest import talking
    cc, rec = make_cc("UCCE")
    login(cc, "1001", ready=True)
    did = talking(cc, "1001")
    rec.clear()
    cc.dialog_action("1001", did, "RECLASSIFY", action_params={"outboundClassification": "FAX"})
    cc.dialog_action("1001", did, "UPDATE_SCHEDULED_CALLBACK", action_params={"callbackTime": "x"})
    cc.dialog_action("1001", did, "ACCEPT")
    assert [e.error_code for e in rec.errors("1001")] == ["CF_INVALID_OBJECT_STATE"] * 3


def test_ba_variables_are_read_only(make_cc):
    cc, rec = make_cc("UCCE")
    login(cc, "1001", ready=True)
    did = cc.place_preview("1001")
    with pytest.raises(CCError) as e:
        cc.update_call_data("1001", did, call_variables={"BAResponse": "x"})
    assert (e.value.status, e.value.error_type, e.value.error_data) == (400, "Invalid Input", "BAResponse")
