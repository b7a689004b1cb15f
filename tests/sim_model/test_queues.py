"""ACD routing and queue statistics."""
from __future__ import annotations

import pytest

from .conftest import T0, login, talking


def stats(cc, qid="1"):
    return cc.queue(qid).statistics


def test_routes_to_the_longest_ready_agent(make_cc, clock):
    cc, rec = make_cc()
    login(cc, "1002", ready=True)
    login(cc, "1001", ready=True)
    login(cc, "1100", ready=True)
    d1 = cc.inbound_call("1")
    d2 = cc.inbound_call("1")
    assert [x.id for x in cc.get_dialogs("1002")] == [d1]
    assert [x.id for x in cc.get_dialogs("1001")] == [d2]
    # 1002 goes READY again after its call: it is now behind 1100
    cc.dialog_action("1002", d1, "ANSWER")
    cc.dialog_action("1002", d1, "DROP")
    d3 = cc.inbound_call("1")
    assert [x.id for x in cc.get_dialogs("1100")] == [d3]


def test_only_agents_serving_the_queue_get_its_calls(make_cc):
    cc, rec = make_cc()
    login(cc, "2001", ready=True)
    cc.inbound_call("1")
    assert cc.get_dialogs("2001") == [] and stats(cc).calls_in_queue == 1
    d2 = cc.inbound_call("2")
    assert [x.id for x in cc.get_dialogs("2001")] == [d2]


def test_queued_call_waits_for_a_ready_agent(make_cc, clock):
    cc, rec = make_cc()
    login(cc, "1001")
    did = cc.inbound_call("1", from_address="5550111")
    clock.advance(10)
    cc.inbound_call("1", from_address="5550222")
    st = stats(cc)
    assert (st.calls_in_queue, st.start_time_of_longest_call_in_queue, st.total_calls) == (2, T0, 2)
    assert rec.dialogs() == []
    clock.advance(20)
    cc.change_state("1001", "READY")
    assert [x.id for x in cc.get_dialogs("1001")] == [did]     # oldest first
    assert cc.get_user("1001").state == "RESERVED"
    st = stats(cc)
    assert (st.calls_in_queue, st.start_time_of_longest_call_in_queue, st.longest_call_in_queue) == (
        1, T0.replace(second=10), 30)
    # the agent's READY comes before the call that was waiting for it
    assert rec.states("1001")[-2:] == ["READY", "RESERVED"]


def test_unanswered_call_and_abandon_counters(make_cc):
    cc, rec = make_cc("UCCX")
    login(cc, "1001", ready=True)
    d1 = cc.inbound_call("1")        # rings at 1001
    d2 = cc.inbound_call("1")        # waits
    cc.customer_hangup(d2)
    cc.customer_hangup(d1)
    st = stats(cc)
    assert (st.total_calls, st.abandoned_calls, st.handled_calls, st.calls_in_queue) == (2, 2, 0, 0)
    assert cc.get_user("1001").state == "READY" and cc.get_dialogs("1001") == []
    talking(cc, "1001")
    assert (stats(cc).handled_calls, stats(cc).total_calls) == (1, 3)


def test_handle_time(make_cc, clock):
    cc, rec = make_cc()
    login(cc, "1001", ready=True)
    did = talking(cc, "1001")
    clock.advance(42)
    cc.customer_hangup(did)
    assert stats(cc).longest_handle_time == 42


def test_statistics_fields(make_cc):
    cc, rec = make_cc("UCCE")
    login(cc, "1001", "1002", "1003", "1004")
    cc.change_state("1001", "READY")
    cc.change_state("1003", "WORK")
    cc.change_state("1004", "WORK_READY")
    st = stats(cc)
    assert (st.agents_logged_on, st.agents_ready, st.agents_not_ready, st.agents_wrap_up_not_ready,
            st.agents_wrap_up_ready) == (4, 1, 1, 1, 1)
    did = cc.inbound_call("1")
    assert (stats(cc).agents_reserved, stats(cc).agents_ready) == (1, 0)
    cc.dialog_action("1001", did, "ANSWER")
    assert (stats(cc).agents_talking_inbound, stats(cc).agents_reserved) == (1, 0)
    cc.make_call("1002", "5551234")
    assert stats(cc).agents_talking_outbound == 1
    cc.change_state("1003", "NOT_READY")
    cc.change_state("1004", "NOT_READY")
    cc.make_call("1003", "1004")
    cc.dialog_action("1004", cc.get_dialogs("1004")[0].id, "ANSWER")
    st = stats(cc)
    assert (st.agents_talking_internal, st.agents_talking_inbound, st.agents_talking_outbound, st.agents_not_ready) == (
        2, 1, 1, 0)


def test_busy_other_counts_another_queues_call():
    import copy
    from gc_sim.model import ContactCenter, Site
    from .conftest import SMALL_SITE, Clock
    data = copy.deepcopy(SMALL_SITE)
    data["queues"].append({"id": "4", "name": "Sales 2", "teams": ["1"]})
    cc = ContactCenter(Site.from_dict(data), "UCCE", clock=Clock())
    login(cc, "1001", ready=True)
    talking(cc, "1001", queue_id="4")
    assert (cc.queue("4").statistics.agents_talking_inbound, cc.queue("1").statistics.agents_busy_other) == (1, 1)


def test_unserved_queue_answers_minus_one(make_cc):
    cc, rec = make_cc()
    st = stats(cc, "3")
    assert (st.calls_in_queue, st.agents_ready, st.agents_logged_on, st.agents_talking_inbound,
            st.agents_wrap_up_ready, st.start_time_of_longest_call_in_queue) == (-1, -1, -1, -1, -1, None)
    cc.inbound_call("3")
    st = stats(cc, "3")
    assert (st.calls_in_queue, st.total_calls) == (-1, 1)


def test_queue_changed_events_only_on_change(make_cc):
    cc, rec = make_cc()
    login(cc, "1001")
    assert [(q.queue.id, q.queue.statistics.agents_not_ready) for q in rec.queues()] == [("1", 1)]
    rec.clear()
    cc.change_state("1001", "NOT_READY", reason_code_id="8")   # same bucket: no queue event
    assert rec.queues() == []
    cc.inbound_call("2")
    assert [(q.queue.id, q.queue.statistics.calls_in_queue) for q in rec.queues()] == [("2", 1)]
    assert rec.queues()[-1].queue.name == "Support"


def test_inbound_call_to_unknown_queue(make_cc):
    from gc_sim.model import CCError
    cc, rec = make_cc()
    with pytest.raises(CCError) as e:
        cc.inbound_call("77")
    assert e.value.status == 404
    with pytest.raises(CCError) as e:
        cc.inbound_call("1", call_variables={"BAStatus": "x"})
    assert e.value.status == 400
    assert rec.events == []


def test_default_queue_is_the_first_and_queued_calls_are_not_dialogs_yet(make_cc):
    from gc_sim.model import CCError
    cc, rec = make_cc()
    did = cc.inbound_call()
    assert stats(cc, "1").calls_in_queue == 1
    with pytest.raises(CCError) as e:
        cc.get_dialog(did)
    assert e.value.status == 404
    login(cc, "1001", ready=True)
    assert cc.get_dialog(did).queue_name == "Sales"
