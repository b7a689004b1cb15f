"""Agent states: sign-in, READY / NOT_READY / WORK, LOGOUT, pending states, supervisors."""
from __future__ import annotations

import pytest

from gc_core.domain import MobileAgent, TeamMemberChanged
from gc_sim.model import CCError

from .conftest import T0, login, talking


def error_of(rec, agent_id):
    return [(e.error_code, e.error_type, e.error_data, e.source, e.request_id) for e in rec.errors(agent_id)]


def test_login_goes_not_ready_with_reason_minus_one(make_cc, flavour, clock):
    cc, rec = make_cc(flavour)
    clock.advance(5)
    cc.change_state("1001", "LOGIN", extension="1001", request_id="r1")
    [ev] = rec.users("1001")
    u = ev.user
    assert (u.state, u.extension, u.reason_code.id, u.pending_state, ev.request_id) == ("NOT_READY", "1001", "-1", "", "r1")
    assert u.state_change_time == T0.replace(second=5)
    [m] = rec.of(TeamMemberChanged)
    assert (m.team_id, m.member.login_id, m.member.state) == ("1", "1001", "NOT_READY")


def test_ready_not_ready_with_reason_logout(make_cc, flavour, clock):
    cc, rec = make_cc(flavour)
    login(cc, "1001")
    clock.advance(10)
    cc.change_state("1001", "READY", request_id="r2")
    clock.advance(10)
    cc.change_state("1001", "NOT_READY", reason_code_id="8", request_id="r3")
    u = cc.get_user("1001")
    assert (u.state, u.reason_code.id, u.reason_code.label, u.reason_code.code) == ("NOT_READY", "8", "Break", "8")
    assert u.state_change_time == T0.replace(second=20)
    clock.advance(10)
    cc.change_state("1001", "LOGOUT", reason_code_id="21", request_id="r4")
    u = cc.get_user("1001")
    assert (u.state, u.reason_code.id, u.reason_code.label) == ("LOGOUT", "21", "End of Shift")
    assert rec.states("1001") == ["NOT_READY", "READY", "NOT_READY", "LOGOUT"]
    assert [e.request_id for e in rec.users("1001")] == ["", "r2", "r3", "r4"]
    # the extension is free again
    cc.change_state("1002", "LOGIN", extension="1001")
    assert cc.get_user("1002").extension == "1001"


def test_same_state_republishes_without_restamping(make_cc, clock):
    cc, rec = make_cc()
    login(cc, "1001", ready=True)
    stamp = cc.get_user("1001").state_change_time
    clock.advance(30)
    rec.clear()
    cc.change_state("1001", "READY", request_id="again")
    [ev] = rec.users("1001")
    assert (ev.user.state, ev.user.state_change_time, ev.request_id) == ("READY", stamp, "again")
    assert rec.members() == []
    # LOGIN again on the same extension also just re-publishes
    rec.clear()
    cc.change_state("1001", "LOGIN", extension="1001", request_id="l2")
    assert [(e.user.state, e.request_id) for e in rec.users("1001")] == [("READY", "l2")]


@pytest.mark.parametrize("kwargs,expected", [
    (dict(state="SLEEP"), (400, "Invalid Input", "state")),
    (dict(state="LOGIN"), (400, "Parameter Missing", "extension")),
    (dict(state="LOGIN", extension=""), (400, "Parameter Missing", "extension")),
    (dict(state="READY"), (400, "Invalid State", "READY")),
    (dict(state="NOT_READY", reason_code_id="99"), (400, "Invalid Input", "reasonCodeId")),
])
def test_synchronous_refusals_when_signed_out(make_cc, kwargs, expected):
    cc, rec = make_cc()
    with pytest.raises(CCError) as e:
        cc.change_state("1001", **kwargs)
    assert (e.value.status, e.value.error_type, e.value.error_data) == expected
    assert rec.events == [] and cc.get_user("1001").state == "LOGOUT"


@pytest.mark.parametrize("kwargs,field", [
    (dict(state="NOT_READY", reason_code_id="21"), "reasonCodeId"),   # a LOGOUT code
    (dict(state="LOGOUT", reason_code_id="8"), "reasonCodeId"),       # a NOT_READY code
    (dict(state="READY", reason_code_id="8"), "reasonCodeId"),
    (dict(state="NOT_READY", reason_code_id="-1"), "reasonCodeId"),   # system code
])
def test_bad_reason_codes(make_cc, kwargs, field):
    cc, rec = make_cc()
    login(cc, "1001")
    rec.clear()
    with pytest.raises(CCError) as e:
        cc.change_state("1001", **kwargs)
    assert (e.value.status, e.value.error_type, e.value.error_data) == (400, "Invalid Input", field)
    assert rec.events == [] and cc.get_user("1001").state == "NOT_READY"


def test_login_on_another_extension_while_signed_in(make_cc):
    cc, _ = make_cc()
    login(cc, "1001")
    with pytest.raises(CCError) as e:
        cc.change_state("1001", "LOGIN", extension="1002")
    assert (e.value.status, e.value.error_type) == (400, "Invalid State")
    assert cc.get_user("1001").extension == "1001"


@pytest.mark.parametrize("ext,etype", [("4242", "Invalid Device"), ("10a1", "Invalid Device"),
                                        ("5551234", "Invalid Device")])
def test_invalid_device_is_an_async_error(make_cc, flavour, ext, etype):
    cc, rec = make_cc(flavour)
    cc.change_state("1001", "LOGIN", extension=ext, request_id="bad")
    assert error_of(rec, "1001") == [("CF_INVALID_LOGON_DEVICE_SPECIFIED", etype, "", "/finesse/api/User/1001", "bad")]
    assert rec.users() == [] and cc.get_user("1001").state == "LOGOUT"
    cc.change_state("1001", "LOGIN", extension="1001")
    assert cc.get_user("1001").state == "NOT_READY"


def test_device_busy(make_cc):
    cc, rec = make_cc()
    login(cc, "1001")
    cc.change_state("1002", "LOGIN", extension="1001", request_id="x")
    assert error_of(rec, "1002") == [("CF_INVALID_LOGON_DEVICE_SPECIFIED", "Device Busy", "", "/finesse/api/User/1002", "x")]
    assert cc.get_user("1002").state == "LOGOUT"


def test_extra_device_from_site(make_cc):
    from gc_sim.model import Site
    from .conftest import SMALL_SITE
    import copy
    data = copy.deepcopy(SMALL_SITE)
    data["site"] = {"devices": ["3000"]}
    cc, _ = make_cc(site=Site.from_dict(data))
    cc.change_state("1001", "LOGIN", extension="3000")
    assert cc.get_user("1001").extension == "3000"


def test_mobile_agent_login(make_cc):
    cc, rec = make_cc("UCCE")
    cc.change_state("1001", "LOGIN", extension="1001", mobile_agent=MobileAgent("CALL_BY_CALL", "4085551234"))
    u = cc.get_user("1001")
    assert (u.state, u.mobile_agent.mode, u.mobile_agent.dial_number) == ("NOT_READY", "CALL_BY_CALL", "4085551234")
    with pytest.raises(CCError) as e:
        cc.change_state("1002", "LOGIN", extension="1002", mobile_agent=MobileAgent("SOMETIMES", "4085551234"))
    assert (e.value.status, e.value.error_data) == (400, "mode")
    cc.change_state("1002", "LOGIN", extension="1002", mobile_agent=MobileAgent("NAILED_CONNECTION", "12"))
    assert [e.error_code for e in rec.errors("1002")] == ["CF_INVALID_LOGON_DEVICE_SPECIFIED"]
    cc.change_state("1001", "LOGOUT")
    assert cc.get_user("1001").mobile_agent is None


def test_mobile_agent_not_on_uccx(make_cc):
    cc, _ = make_cc("UCCX")
    with pytest.raises(CCError) as e:
        cc.change_state("1001", "LOGIN", extension="1001", mobile_agent=MobileAgent("CALL_BY_CALL", "4085551234"))
    assert (e.value.status, e.value.error_type) == (501, "Not Implemented")


def test_logout_from_ready_ucce_refused_uccx_allowed(make_cc, flavour):
    cc, rec = make_cc(flavour)
    login(cc, "1001", ready=True)
    rec.clear()
    cc.change_state("1001", "LOGOUT", request_id="lo")
    if flavour == "UCCE":
        assert error_of(rec, "1001") == [("CF_INVALID_OBJECT_STATE", "Invalid State", "22", "/finesse/api/User/1001", "lo")]
        assert cc.get_user("1001").state == "READY" and rec.users() == []
    else:
        assert rec.errors() == [] and cc.get_user("1001").state == "LOGOUT"


def test_logout_from_work_refused(make_cc, flavour):
    cc, rec = make_cc(flavour)
    login(cc, "1001")
    cc.change_state("1001", "WORK")
    rec.clear()
    cc.change_state("1001", "LOGOUT")
    assert [e.error_code for e in rec.errors("1001")] == ["CF_INVALID_OBJECT_STATE"]
    assert cc.get_user("1001").state == "WORK"


def test_work_ready_is_ucce_only(make_cc):
    cc, _ = make_cc("UCCE")
    login(cc, "1001")
    cc.change_state("1001", "WORK_READY")
    assert cc.get_user("1001").state == "WORK_READY"
    cc.change_state("1001", "WORK")
    assert cc.get_user("1001").state == "WORK"
    cc.change_state("1001", "READY")
    assert cc.get_user("1001").state == "READY"
    cx, _ = make_cc("UCCX")
    login(cx, "1001")
    with pytest.raises(CCError) as e:
        cx.change_state("1001", "WORK_READY")
    assert (e.value.status, e.value.error_type, e.value.error_data) == (400, "Invalid Input", "state")
    cx.change_state("1001", "WORK")
    assert cx.get_user("1001").state == "WORK"


def test_ucce_pending_state_during_a_call(make_cc):
    cc, rec = make_cc("UCCE")
    login(cc, "1001", ready=True)
    did = talking(cc, "1001")
    rec.clear()
    cc.change_state("1001", "NOT_READY", reason_code_id="1", request_id="p")
    [ev] = rec.users("1001")
    assert (ev.user.state, ev.user.pending_state, ev.request_id) == ("TALKING", "NOT_READY", "p")
    cc.dialog_action("1001", did, "DROP")
    u = cc.get_user("1001")
    assert (u.state, u.pending_state, u.reason_code.id) == ("NOT_READY", "", "1")


def test_ucce_pending_ready_while_reserved(make_cc):
    cc, rec = make_cc("UCCE")
    login(cc, "1001", ready=True)
    did = cc.inbound_call("1")
    cc.change_state("1001", "NOT_READY")
    assert (cc.get_user("1001").state, cc.get_user("1001").pending_state) == ("RESERVED", "NOT_READY")
    cc.customer_hangup(did)   # abandoned while ringing
    assert (cc.get_user("1001").state, cc.get_user("1001").pending_state) == ("NOT_READY", "")


def test_uccx_ready_while_talking_is_refused(make_cc):
    cc, rec = make_cc("UCCX")
    login(cc, "1001", ready=True)
    talking(cc, "1001")
    rec.clear()
    for state in ("READY", "NOT_READY", "WORK"):
        cc.change_state("1001", state, request_id=state)
    # Finesse guide, User-Change Agent State (UCCX): READY during an ICD call is 265
    # CF_INVALID_AGENT_WORKMODE; the model refuses the other states with 33
    assert error_of(rec, "1001") == [
        ("CF_INVALID_AGENT_WORKMODE", "Invalid State", "265", "/finesse/api/User/1001", "READY")] + [
        ("CF_RESOURCE_BUSY", "Invalid State", "33", "/finesse/api/User/1001", s) for s in ("NOT_READY", "WORK")]
    assert rec.users() == []
    u = cc.get_user("1001")
    assert (u.state, u.pending_state) == ("TALKING", "")


def test_logout_during_a_call_is_refused(make_cc, flavour):
    cc, rec = make_cc(flavour)
    login(cc, "1001", ready=True)
    talking(cc, "1001")
    rec.clear()
    cc.change_state("1001", "LOGOUT")
    assert [(e.error_code, e.error_data) for e in rec.errors("1001")] == [("CF_INVALID_OBJECT_STATE", "22")]
    assert cc.get_user("1001").state == "TALKING"


def test_supervisor_changes_member_state(make_cc, flavour):
    cc, rec = make_cc(flavour)
    login(cc, "1001", "1100", ready=True)
    rec.clear()
    cc.change_state("1001", "NOT_READY", actor_id="1100", request_id="s1")
    code = "999" if flavour == "UCCE" else "33"
    u = cc.get_user("1001")
    assert (u.state, u.reason_code.id, u.reason_code.code) == ("NOT_READY", code, code)
    assert [e.request_id for e in rec.users("1001")] == ["s1"]
    cc.change_state("1001", "READY", actor_id="1100")
    assert cc.get_user("1001").state == "READY"
    cc.change_state("1001", "LOGOUT", actor_id="1100")   # a supervisor may sign out a READY agent
    u = cc.get_user("1001")
    assert (u.state, u.reason_code.id) == ("LOGOUT", code)


def test_supervisor_refusals(make_cc):
    cc, rec = make_cc()
    login(cc, "1001", "2001", "1100", "1002")
    cases = [
        (dict(agent_id="2001", state="NOT_READY", actor_id="1100"), (401, "Invalid Supervisor")),
        (dict(agent_id="1001", state="NOT_READY", actor_id="1002"), (401, "Invalid Authorization User Specified")),
        (dict(agent_id="1001", state="NOT_READY", actor_id="1100", reason_code_id="8"), (400, "Invalid Input")),
        (dict(agent_id="1001", state="WORK", actor_id="1100"), (400, "Invalid Input")),
        (dict(agent_id="1001", state="NOT_READY", actor_id="7777"), (404, "User Not Found")),
    ]
    rec.clear()
    for kw, expected in cases:
        with pytest.raises(CCError) as e:
            cc.change_state(**kw)
        assert (e.value.status, e.value.error_type) == expected
    assert rec.events == []


def test_supervisor_not_ready_during_call_is_pending_on_ucce(make_cc, flavour):
    cc, rec = make_cc(flavour)
    login(cc, "1001", "1100", ready=True)
    cc.change_state("1100", "NOT_READY")
    did = talking(cc, "1001")
    rec.clear()
    cc.change_state("1001", "NOT_READY", actor_id="1100", request_id="s")
    if flavour == "UCCE":
        assert cc.get_user("1001").pending_state == "NOT_READY"
        cc.dialog_action("1001", did, "DROP")
        u = cc.get_user("1001")
        assert (u.state, u.reason_code.id) == ("NOT_READY", "999")
    else:
        assert [(e.agent_id, e.error_code, e.source) for e in rec.errors()] == [
            ("1100", "CF_RESOURCE_BUSY", "/finesse/api/User/1001")]


def test_force_logout_drops_calls(make_cc):
    cc, rec = make_cc()
    login(cc, "1001", ready=True)
    did = talking(cc, "1001")
    rec.clear()
    cc.force_logout("1001", request_id="f")
    u = cc.get_user("1001")
    assert (u.state, u.reason_code.id) == ("LOGOUT", "255")
    assert rec.changes("1001") == [("PUT", did, "DROPPED"), ("DELETE", did, "DROPPED")]
    assert cc.get_dialogs("1001") == []
    with pytest.raises(CCError):
        cc.get_dialog(did)


def test_uccx_non_icd_call_keeps_the_state_and_refuses_ready_with_33(make_cc):
    """Finesse guide 12.5(1), User - Change Agent State (UCCX): an agent on a non-ICD
    call stays NOT_READY (no User notification); READY then answers 33 CF_RESOURCE_BUSY."""
    cc, rec = make_cc("UCCX")
    login(cc, "1001", "1002")
    did = cc.make_call("1001", "1002")
    cc.dialog_action("1002", did, "ANSWER")
    assert cc.get_user("1001").state == "NOT_READY" and cc.get_user("1002").state == "NOT_READY"
    rec.clear()
    cc.change_state("1001", "READY", request_id="r")
    assert error_of(rec, "1001") == [("CF_RESOURCE_BUSY", "Invalid State", "33", "/finesse/api/User/1001", "r")]
    assert rec.users() == [] and cc.get_user("1001").state == "NOT_READY"
