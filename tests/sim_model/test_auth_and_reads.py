"""Authentication (lockout), reads, system status, copies."""
from __future__ import annotations

import pytest

from gc_core.domain import SystemStatusChanged
from gc_sim.model import CCError

from .conftest import login, talking


def err(exc):
    e = exc.value
    return (e.status, e.error_type, e.error_message)


def test_authenticate(make_cc):
    cc, _ = make_cc()
    user = cc.authenticate("1001", "secret")
    assert (user.login_id, user.first_name, user.state, user.extension) == ("1001", "Alice", "LOGOUT", "1001")
    with pytest.raises(CCError) as e:
        cc.authenticate("9999", "secret")
    assert err(e) == (404, "User Not Found", "UNKNOWN_USER")
    with pytest.raises(CCError) as e:
        cc.authenticate("1001", "wrong")
    assert err(e) == (401, "Authorization Failure", "UNAUTHORIZED")


def test_five_failures_lock_out_for_five_minutes(make_cc, clock):
    cc, _ = make_cc()
    for _ in range(5):
        with pytest.raises(CCError) as e:
            cc.authenticate("1001", "wrong")
        assert err(e) == (401, "Authorization Failure", "UNAUTHORIZED")
    with pytest.raises(CCError) as e:
        cc.authenticate("1001", "secret")
    assert err(e) == (401, "Authorization Failure", "CF_AGENT_ACCOUNT_LOCKED_OUT")
    clock.advance(minutes=4, seconds=59)
    with pytest.raises(CCError) as e:
        cc.authenticate("1001", "secret")
    assert e.value.error_message == "CF_AGENT_ACCOUNT_LOCKED_OUT"
    cc.authenticate("1002", "secret")  # others are not locked
    clock.advance(seconds=1)
    assert cc.authenticate("1001", "secret").login_id == "1001"


def test_success_resets_failure_count(make_cc):
    cc, _ = make_cc()
    for _ in range(4):
        with pytest.raises(CCError):
            cc.authenticate("1001", "wrong")
    cc.authenticate("1001", "secret")
    for _ in range(4):
        with pytest.raises(CCError):
            cc.authenticate("1001", "wrong")
    assert cc.authenticate("1001", "secret").login_id == "1001"


def test_system_info_and_out_of_service(make_cc):
    cc, rec = make_cc("UCCX")
    info = cc.system_info()
    assert (info.status, info.deployment_type, info.xmpp_domain, info.xmpp_pubsub_domain) == (
        "IN_SERVICE", "UCCX", "localhost", "pubsub.localhost")
    cc.set_status("OUT_OF_SERVICE")
    assert rec.of(SystemStatusChanged) == [SystemStatusChanged("OUT_OF_SERVICE")]
    assert cc.system_info().status == "OUT_OF_SERVICE"
    for call in (lambda: cc.get_user("1001"), lambda: cc.authenticate("1001", "secret"),
                 lambda: cc.change_state("1001", "LOGIN", extension="1001"), lambda: cc.queues(),
                 lambda: cc.make_call("1001", "1002")):
        with pytest.raises(CCError) as e:
            call()
        assert err(e) == (503, "Service Unavailable", "SERVER_OUT_OF_SERVICE")
    cc.set_status("OUT_OF_SERVICE")
    assert len(rec.of(SystemStatusChanged)) == 1
    cc.set_status("IN_SERVICE")
    assert [e.status for e in rec.of(SystemStatusChanged)] == ["OUT_OF_SERVICE", "IN_SERVICE"]
    with pytest.raises(CCError) as e:
        cc.set_status("SLEEPING")
    assert e.value.status == 400


def test_calls_wait_while_out_of_service(make_cc):
    cc, rec = make_cc()
    login(cc, "1001", ready=True)
    cc.set_status("OUT_OF_SERVICE")
    did = cc.inbound_call("1")
    assert not rec.dialogs("1001")
    cc.set_status("IN_SERVICE")
    assert rec.changes("1001") == [("POST", did, "ALERTING")]
    assert cc.get_user("1001").state == "RESERVED"


def test_unknown_objects(make_cc):
    cc, _ = make_cc()
    cases = [(lambda: cc.get_user("x"), (404, "User Not Found")),
             (lambda: cc.get_dialogs("x"), (404, "User Not Found")),
             (lambda: cc.get_dialog("42"), (404, "Dialog Not Found")),
             (lambda: cc.team("9"), (404, "Not Found")),
             (lambda: cc.queue("9"), (404, "Not Found")),
             (lambda: cc.contacts("9"), (404, "Not Found")),
             (lambda: cc.team_phonebooks("9"), (404, "Not Found")),
             (lambda: cc.reason_codes("WORK"), (400, "Invalid Input"))]
    for call, expected in cases:
        with pytest.raises(CCError) as e:
            call()
        assert (e.value.status, e.value.error_type) == expected


def test_reason_codes_and_wrap_up_reasons(make_cc):
    cc, _ = make_cc()
    assert [(r.id, r.label, r.category, r.code) for r in cc.reason_codes("not_ready")] == [
        ("1", "Lunch", "NOT_READY", "1"), ("8", "Break", "NOT_READY", "8")]
    assert [(r.id, r.label) for r in cc.reason_codes("LOGOUT")] == [("21", "End of Shift")]
    assert [(w.id, w.label) for w in cc.wrap_up_reasons()] == [("1", "Complaint"), ("2", "Inquiry New")]


def test_users_and_supervisor_teams(make_cc):
    cc, _ = make_cc()
    assert [u.login_id for u in cc.users()] == ["1001", "1002", "1003", "1004", "2001", "1100", "2100"]
    sup = cc.get_user("1100")
    assert sup.is_supervisor and [(t.id, t.name) for t in sup.teams] == [("1", "Sales")]
    assert (sup.team.id, sup.team.name) == ("1", "Sales")
    assert cc.get_user("1001").teams == [] and not cc.get_user("1001").is_supervisor
    assert cc.get_user("1003").wrap_up_on_incoming == "REQUIRED"


def test_team(make_cc):
    cc, _ = make_cc()
    login(cc, "1001", ready=True)
    team = cc.team("1")
    assert (team.id, team.name) == ("1", "Sales")
    assert [(m.login_id, m.state) for m in team.users] == [
        ("1001", "READY"), ("1002", "LOGOUT"), ("1003", "LOGOUT"), ("1004", "LOGOUT"), ("1100", "LOGOUT")]
    assert [m.login_id for m in cc.team("1", include_logged_out=False).users] == ["1001"]


def test_queues_for_agents_and_supervisors(make_cc):
    cc, _ = make_cc()
    assert [q.id for q in cc.queues()] == ["1", "2", "3"]
    assert [q.name for q in cc.queues_for("1001")] == ["Sales"]
    assert [q.name for q in cc.queues_for("2001")] == ["Support"]
    assert [q.name for q in cc.queues_for("1100")] == ["Sales"]


def test_phonebooks(make_cc):
    cc, _ = make_cc()
    assert [(b.id, b.type) for b in cc.phonebooks_for("1001")] == [("1", "GLOBAL"), ("2", "TEAM")]
    assert [(b.id, b.type) for b in cc.phonebooks_for("2001")] == [("1", "GLOBAL"), ("3", "TEAM")]
    assert [b.id for b in cc.team_phonebooks("2")] == ["3"]
    assert [(c.id, c.first_name, c.phone_number) for c in cc.contacts("1")] == [("1", "A", "5551000")]
    assert cc.contacts("2") == []


def test_returned_and_emitted_objects_are_copies(make_cc):
    cc, rec = make_cc()
    login(cc, "1001", ready=True)
    did = talking(cc, "1001")
    user = cc.get_user("1001")
    user.state = "LOGOUT"
    user.reason_code = None
    d = cc.get_dialog(did)
    d.participants[1].state = "HELD"
    d.participants[1].actions.clear()
    d.call_variables["callVariable1"] = "hacked"
    for e in rec.dialogs("1001"):
        e.dialog.participants.clear()
        e.dialog.call_variables.clear()
    for e in rec.users("1001"):
        e.user.state = "WORK"
    cc.team("1").users[0].state = "WORK"
    cc.queue("1").statistics.agents_ready = 99
    assert cc.get_user("1001").state == "TALKING"
    d2 = cc.get_dialog(did)
    assert d2.participant("1001").state == "ACTIVE" and "HOLD" in d2.participant("1001").actions
    assert d2.call_variables["callVariable1"] == ""
    assert cc.team("1").users[0].state == "TALKING"
    assert cc.queue("1").statistics.agents_ready == 0


def test_listener_may_call_the_model_and_errors_do_not_break_it(make_cc):
    cc, rec = make_cc()
    seen = []

    def reentrant(event):
        if getattr(event, "agent_id", None) == "1001" and type(event).__name__ == "UserChanged":
            if event.user.state == "NOT_READY" and not seen:
                seen.append(1)
                cc.change_state("1001", "READY")

    def broken(event):
        raise RuntimeError("boom")
    cc.subscribe(broken)
    cc.subscribe(reentrant)
    cc.change_state("1001", "LOGIN", extension="1001")
    assert cc.get_user("1001").state == "READY"
    assert rec.states("1001") == ["NOT_READY", "READY"]
    cc.unsubscribe(reentrant)
    cc.unsubscribe(reentrant)  # unknown listener: ignored
