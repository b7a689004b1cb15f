"""Silent monitor, barge, end monitor, drop participant."""
from __future__ import annotations

import pytest

from gc_sim.model import CCError

from .conftest import leg, login, talking


def setup(make_cc, flavour):
    cc, rec = make_cc(flavour)
    login(cc, "1001", ready=True)
    login(cc, "1100")
    did = talking(cc, "1001")
    rec.clear()
    return cc, rec, did


def test_silent_monitor(make_cc, flavour):
    cc, rec, did = setup(make_cc, flavour)
    mid = cc.supervisor_call("1100", "SILENT_MONITOR", "1001", request_id="sm")
    m = cc.get_dialog(mid)
    assert (m.call_type, m.associated_dialog_id, m.from_address, m.to_address, m.state) == (
        "SUPERVISOR_MONITOR", did, "1100", "1001", "ACTIVE")
    assert rec.changes("1100") == [("POST", mid, "INITIATED"), ("PUT", mid, "ACTIVE")]
    assert rec.changes("1001") == [("POST", mid, "INITIATED"), ("PUT", mid, "ACTIVE")]
    assert [e.request_id for e in rec.dialogs("1100")] == ["sm", "sm"]
    assert leg(m, "1100").actions == ["BARGE_CALL", "DROP"] and leg(m, "1001").actions == []
    assert cc.get_user("1100").state == ("TALKING" if flavour == "UCCE" else "NOT_READY")
    assert cc.get_user("1001").state == "TALKING"
    # the monitored agent cannot act on the monitor dialog
    cc.dialog_action("1001", mid, "DROP")
    assert [e.error_code for e in rec.errors("1001")] == ["CF_INVALID_OBJECT_STATE"]
    # end it
    rec.clear()
    cc.dialog_action("1100", mid, "DROP", target_media_address="1100")
    assert rec.changes("1100") == [("PUT", mid, "DROPPED"), ("DELETE", mid, "DROPPED")]
    assert rec.changes("1001") == [("PUT", mid, "DROPPED"), ("DELETE", mid, "DROPPED")]
    assert cc.get_user("1100").state == "NOT_READY" and [d.id for d in cc.get_dialogs("1001")] == [did]


def test_monitor_ends_with_the_call(make_cc, flavour):
    cc, rec, did = setup(make_cc, flavour)
    mid = cc.supervisor_call("1100", "SILENT_MONITOR", "1001")
    cc.customer_hangup(did)
    assert cc.get_dialogs("1100") == [] and cc.get_dialogs("1001") == []
    assert cc.get_user("1100").state == "NOT_READY" and cc.get_user("1001").state == "READY"
    with pytest.raises(CCError):
        cc.get_dialog(mid)


def test_barge(make_cc, flavour):
    cc, rec, did = setup(make_cc, flavour)
    mid = cc.supervisor_call("1100", "SILENT_MONITOR", "1001")
    rec.clear()
    assert cc.supervisor_call("1100", "BARGE_CALL", "1001", associated_dialog_id=mid) == did
    assert ("DELETE", mid, "DROPPED") in rec.changes("1100") and ("POST", did, "ACTIVE") in rec.changes("1100")
    d = cc.get_dialog(did)
    assert [(p.media_address, p.state) for p in d.participants] == [
        ("5550100", "ACTIVE"), ("1001", "ACTIVE"), ("1100", "ACTIVE")]
    assert cc.get_user("1100").state == "TALKING"
    assert [x.id for x in cc.get_dialogs("1100")] == [did]
    if flavour == "UCCE":
        cc.dialog_action("1100", did, "PARTICIPANT_DROP", target_media_address="1001")
        assert [p.media_address for p in cc.get_dialog(did).participants] == ["5550100", "1100"]
        assert cc.get_user("1001").state == "READY"
    cc.dialog_action("1100", did, "DROP")
    assert cc.get_user("1100").state == "NOT_READY"


def test_barge_without_monitoring_first(make_cc):
    cc, rec, did = setup(make_cc, "UCCE")
    assert cc.supervisor_call("1100", "BARGE_CALL", "1001", associated_dialog_id=did) == did
    assert len(cc.get_dialog(did).participants) == 3


def test_supervisor_call_refusals(make_cc):
    cc, rec, did = setup(make_cc, "UCCE")
    login(cc, "2001", "1002")
    cases = [
        (("1001", "SILENT_MONITOR", "1002"), (401, "Invalid Authorization User Specified")),
        (("1100", "SILENT_MONITOR", "2001"), (401, "Invalid Supervisor")),
        (("1100", "SILENT_MONITOR", "1003"), (400, "Invalid Destination")),   # not signed in
        (("1100", "SILENT_MONITOR", "1100"), (400, "Invalid Destination")),
        (("1100", "SILENT_MONITOR", ""), (400, "Parameter Missing")),
        (("1100", "WHISPER", "1001"), (400, "Invalid Input")),
        (("2100", "SILENT_MONITOR", "2001"), (400, "Invalid State")),          # supervisor signed out
    ]
    rec.clear()
    for args, expected in cases:
        with pytest.raises(CCError) as e:
            cc.supervisor_call(*args)
        assert (e.value.status, e.value.error_type) == expected, args
    assert rec.events == []


def test_monitor_needs_a_talking_agent_and_an_idle_supervisor(make_cc):
    cc, rec, did = setup(make_cc, "UCCE")
    login(cc, "1002")
    assert cc.supervisor_call("1100", "SILENT_MONITOR", "1002", request_id="x") is None
    assert [(e.agent_id, e.error_code, e.source, e.request_id) for e in rec.errors()] == [
        ("1100", "CF_INVALID_OBJECT_STATE", "/finesse/api/User/1100/Dialogs", "x")]
    cc.change_state("1100", "READY")   # must be NOT_READY
    rec.clear()
    cc.supervisor_call("1100", "SILENT_MONITOR", "1001")
    assert [e.error_code for e in rec.errors()] == ["CF_INVALID_OBJECT_STATE"]
    assert cc.get_dialogs("1100") == []
    cc.change_state("1100", "NOT_READY")
    cc.supervisor_call("1100", "SILENT_MONITOR", "1001")
    rec.clear()
    cc.supervisor_call("1100", "SILENT_MONITOR", "1001")   # already monitoring
    assert [e.error_code for e in rec.errors()] == ["CF_INVALID_OBJECT_STATE"]


def test_monitor_follows_agent_leaving_by_transfer(make_cc):
    cc, rec, did = setup(make_cc, "UCCE")
    assert cc.supervisor_call("1100", "SILENT_MONITOR", "1001")
    login(cc, "1002")
    cc.dialog_action("1001", did, "TRANSFER_SST", to_address="1002")
    assert cc.get_dialogs("1100") == [] and cc.get_user("1100").state == "NOT_READY"
