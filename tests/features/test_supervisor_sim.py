"""Issue #6, supervisor plugin, on the sim (UCCE and UCCX), through real sockets.

Every test compares the complete list of events each desk received (Desk.sync), with
exact values (TIME only stands for "a timestamp"); every event was checked against its
schema by the client.
"""
from __future__ import annotations

import pytest

from gc_core.testing import GCProcess

from .helpers import (TIME, dropped, error_view, inbound, member, new_inbound, party, sim_config, state,
                      team_agents)
from tests.expected import described


@pytest.fixture(scope="module", params=["UCCE", "UCCX"])
def gc(request, site, tmp_path_factory):
    with GCProcess(sim_config(site, request.param), workdir=tmp_path_factory.mktemp(f"gc-sup-{request.param}")) as p:
        p.flavour = request.param
        yield p


@pytest.fixture
def flavour(gc):
    return gc.flavour


def supervisor_reason(flavour: str) -> dict:
    """What a supervisor-forced NOT_READY / LOGOUT carries (reference section 9)."""
    code = "999" if flavour == "UCCE" else "33"
    return {"reason": code, "label": "Supervisor Initiated"}


def answered_call(team, agent_desk, cust) -> str:
    """A customer's call to the team's queue, answered by the agent of ``agent_desk``."""
    dialog = cust.call(team)
    assert [e["type"] for e in agent_desk.sync()] == ["NewInboundCall", "InboundCall", "State"]
    _r, events = agent_desk.do("AnswerCall", {"dialogId": dialog})
    assert [e["type"] for e in events] == ["InboundCall", "State"]
    return dialog


# -- getqueuelist ----------------------------------------------------------------------------------
def test_getqueuelist_answers_queue_stats_in_the_flavours_shape(gc, flavour, team, desks, customer):
    sup, a1, a2 = desks(team.supervisor), desks(team.agents[0]), desks(team.agents[1])
    sup.login()
    a1.login()
    a2.login(ready=True)
    customer.call(team)   # rings at a2 (RESERVED)
    customer.call(team)   # nobody READY: waits in the queue
    a2.sync()
    r, events = sup.do("getqueuelist")
    if flavour == "UCCE":
        assert events == [[{"type": "QueueStats", "queue": [{
            "queueName": team.queue_name, "agentsNotReady": "2", "agentsReady": "0",
            "agentsTalkingInbound": "0", "agentsTalkingInternal": "0", "agentsTalkingOutbound": "0",
            "agentsWrapUpNotReady": "0", "agentsWrapUpReady": "0", "callsInQueue": "1",
            "startTimeOfLongestCallInQueue": TIME}], "requestId": r}]]
    else:
        assert events == [[{"type": "QueueStats", "queue": [{"queue": [
            {"queueName": team.queue_name, "type": "SnapShot", "WaitingCalls": 1, "AgentsLoggedIn": 3,
             "AgentsReady": 0, "AgentsNotReady": 2, "AgentsInAfterCallWork": 0, "AgentsTalking": 0,
             "AgentsReserved": 1},
            {"type": "SinceMidNight", "WaitingCalls": 1, "AbandonedCalls": 0, "HandledCalls": 0, "TotalCalls": 2,
             "LongestCallInQueue": 0, "LongestHandleTime": 0}]}], "requestId": r}]]

    # a1 READY takes the waiting call: on UCCE the supervisor hears of the queue's change
    # unasked (Finesse publishes UCCE queue statistics); UCCX publishes none
    a1.do("MakeReady")
    if flavour == "UCCE":
        assert sup.sync() == [[{"type": "QueueStats", "queue": [{
            "queueName": team.queue_name, "agentsNotReady": "1", "agentsReady": "0",
            "agentsTalkingInbound": "0", "agentsTalkingInternal": "0", "agentsTalkingOutbound": "0",
            "agentsWrapUpNotReady": "0", "agentsWrapUpReady": "0", "callsInQueue": "0",
            "startTimeOfLongestCallInQueue": "0"}]}]]
    else:
        assert sup.sync() == []

    # ... until the supervisor signs out
    sup.do("Logout")
    a1.do("MakeNotReady")
    assert sup.sync() == []


def test_getqueuelist_legacy_frame(gc, flavour, team, desks):
    sup = desks(team.supervisor, "tcp")
    sup.login()
    sup.client.send(f"getqueuelist#{team.supervisor.id}")
    events = sup.sync()
    assert len(events) == 1 and "requestId" not in events[0][0]
    key = "queue"
    assert len(events[0][0][key]) == 1


# -- silentmonitor / endsilentmonitor ------------------------------------------------------------
def monitor(flavour, team, sup, agent, dialog):
    """Start silent monitoring of ``agent``'s ``dialog``; returns the monitoring dialog id."""
    s, a = team.supervisor, team.agents[0]
    r, events = sup.do("silentmonitor", {"agentExtension": a.ext})
    mon = events[0]["dialogId"] if events and isinstance(events[0], dict) else "?"
    parties = lambda value: [party(s.ext, value), party(a.ext, value)]  # noqa: E731
    expected = [inbound(s, mon, "INITIATED", s.ext, parties("INITIATED"), "SUPERVISOR_MONITOR", prev=dialog, rid=r),
                inbound(s, mon, "ACTIVE", s.ext, parties("ACTIVE"), "SUPERVISOR_MONITOR", prev=dialog, rid=r)]
    if flavour == "UCCE":  # UCCE: the monitoring supervisor goes TALKING; UCCX: it stays NOT_READY
        expected.append(state(s, "TALKING", rid=r))
    assert events == expected
    # the monitored agent sees the call as the spec says: NewInboundCall, then InboundCall
    assert agent.sync() == [
        new_inbound(a, mon, s.ext, "SUPERVISOR_MONITOR"),
        inbound(a, mon, "INITIATED", s.ext, parties("INITIATED"), "SUPERVISOR_MONITOR", prev=dialog),
        inbound(a, mon, "ACTIVE", s.ext, parties("ACTIVE"), "SUPERVISOR_MONITOR", prev=dialog)]
    return mon


def test_silentmonitor_and_endsilentmonitor(gc, flavour, team, desks, customer):
    s, a = team.supervisor, team.agents[0]
    sup, agent = desks(s), desks(a)
    sup.login()
    agent.login(ready=True)
    dialog = answered_call(team, agent, customer)
    mon = monitor(flavour, team, sup, agent, dialog)

    r, events = sup.do("endsilentmonitor", {"dialogId": mon})
    expected = [dropped(s, mon, prev=dialog, rid=r)]
    if flavour == "UCCE":
        expected.append(state(s, "NOT_READY", rid=r))
    assert events == expected
    assert agent.sync() == [dropped(a, mon, prev=dialog)]
    # the agent's own call goes on
    _r, events = agent.do("getdialogstate", {"dialogId": dialog})
    assert events[0]["state"] == "ACTIVE"


def test_silentmonitor_legacy_frame_and_unknown_dialog(gc, flavour, team, desks, customer):
    s, a = team.supervisor, team.agents[0]
    sup, agent = desks(s, "tcp"), desks(a)
    sup.login()
    agent.login(ready=True)
    answered_call(team, agent, customer)
    sup.client.send(f"silentmonitor#{s.id}|{a.ext}")
    events = sup.sync()
    assert [(e["type"], e["state"], e["callType"]) for e in events if e["type"] == "InboundCall"] == [
        ("InboundCall", "INITIATED", "SUPERVISOR_MONITOR"), ("InboundCall", "ACTIVE", "SUPERVISOR_MONITOR")]
    assert all("requestId" not in e for e in events)
    # endsilentmonitor naming a call that is not the supervisor's
    r, events = sup.do("endsilentmonitor", {"dialogId": "99999999"})
    assert [error_view(e) for e in events] == [{"type": "Error", "errorCode": "NO_DIALOG_ID", "errorOrigin": "GC",
                                                "agentId": s.id, "requestId": r}]


# -- bargein / dropparticipant ---------------------------------------------------------------------
def test_bargein_from_monitoring_then_dropparticipant(gc, flavour, team, desks, customer):
    s, a = team.supervisor, team.agents[0]
    sup, agent = desks(s), desks(a)
    sup.login()
    agent.login(ready=True)
    dialog = answered_call(team, agent, customer)
    mon = monitor(flavour, team, sup, agent, dialog)

    r, events = sup.do("bargein", {"teamAgentLoginId": a.id, "dialogId": mon})
    customer_party = party("5550123", "ACTIVE", agent=False)
    three = [customer_party, party(a.ext, "ACTIVE"), party(s.ext, "ACTIVE")]
    expected = [dropped(s, mon, prev=dialog, rid=r), inbound(s, dialog, "ACTIVE", "5550123", three, "ACD_IN", rid=r)]
    if flavour == "UCCX":  # it was NOT_READY while monitoring on UCCX
        expected.append(state(s, "TALKING", rid=r))
    assert events == expected
    assert agent.sync() == [dropped(a, mon, prev=dialog), inbound(a, dialog, "ACTIVE", "5550123", three, "ACD_IN")]

    r, events = sup.do("dropparticipant", {"agentExtension": a.ext, "dialogId": dialog})
    if flavour == "UCCE":
        assert events == [inbound(s, dialog, "ACTIVE", "5550123", [customer_party, party(s.ext, "ACTIVE")],
                                  "ACD_IN", rid=r)]
        assert agent.sync() == [dropped(a, dialog), state(a, "READY")]
    else:  # PARTICIPANT_DROP is UCCE only: a UCCX deployment does not offer the command
        assert [error_view(e) for e in events] == [{"type": "Error", "errorCode": "PLEASE_RETRY",
                                                    "errorOrigin": "GC", "agentId": s.id, "requestId": r}]
        assert events[0]["errorDescription"] == described("PLEASE_RETRY", "dropparticipant is not available on "
                                                          "the sim UCCX backend (needs PARTICIPANT_DROP)")
        assert agent.sync() == []


def test_bargein_on_the_members_call_without_monitoring(gc, flavour, team, desks, customer):
    s, a = team.supervisor, team.agents[0]
    sup, agent = desks(s), desks(a)
    sup.login()
    agent.login(ready=True)
    dialog = answered_call(team, agent, customer)
    r, events = sup.do("bargein", {"teamAgentLoginId": a.id, "dialogId": dialog})
    three = [party("5550123", "ACTIVE", agent=False), party(a.ext, "ACTIVE"), party(s.ext, "ACTIVE")]
    assert events == [inbound(s, dialog, "ACTIVE", "5550123", three, "ACD_IN", rid=r), state(s, "TALKING", rid=r)]
    assert agent.sync() == [inbound(a, dialog, "ACTIVE", "5550123", three, "ACD_IN")]


# -- getteamusers ---------------------------------------------------------------------------------
def test_getteamusers_subscribe_until_the_supervisor_logs_out(gc, team, desks):
    s, a1 = team.supervisor, team.agents[0]
    sup, agent = desks(s), desks(a1)
    sup.login()
    agent.connect()
    r, events = sup.do("getteamusers", {"teamId": team.id, "subscribe": True})
    assert events == [team_agents([member(a, "LOGOUT", changed=False) for a in team.agents]
                                  + [member(s, "NOT_READY")], rid=r)]
    # every member change follows, unasked, one user at a time
    agent.do("Login", {"password": "secret", "extension": a1.ext})
    assert sup.sync() == [team_agents([member(a1, "NOT_READY")])]
    agent.do("MakeReady")
    assert sup.sync() == [team_agents([member(a1, "READY")])]
    agent.do("MakeNotReadyWithReason", {"reasonCode": "8"})
    assert sup.sync() == [team_agents([member(a1, "NOT_READY", label="Break")])]
    # until the supervisor signs out: its own LOGOUT is the last thing it hears
    r, events = sup.do("Logout")
    assert events == [state(s, "LOGOUT", rid=r)]
    agent.do("MakeReady")
    assert sup.sync() == []


def test_getteamusers_without_subscribe_and_subscribe_false(gc, team, desks):
    s, a1 = team.supervisor, team.agents[0]
    sup, agent = desks(s, "tcp"), desks(a1)
    sup.login()
    agent.connect()
    # spec form: getteamusers#<id>|<team>,true
    sup.client.send(f"getteamusers#{s.id}|{team.id},true")
    events = sup.sync()
    assert events == [team_agents([member(a, "LOGOUT", changed=False) for a in team.agents]
                                  + [member(s, "NOT_READY")])]
    agent.do("Login", {"password": "secret", "extension": a1.ext})
    assert sup.sync() == [team_agents([member(a1, "NOT_READY")])]
    # subscribe=false ends it; no subscribe parameter just lists
    r, events = sup.do("getteamusers", {"teamId": team.id, "subscribe": "false"})
    assert [e[0]["type"] for e in events] == ["TeamAgents"] and events[0][0]["requestId"] == r
    agent.do("MakeReady")
    assert sup.sync() == []
    r, events = sup.do("getteamusers", {"teamId": team.id})
    assert events[0][0]["users"][0] == member(a1, "READY")
    agent.do("MakeNotReady")
    assert sup.sync() == []


def test_team_subscription_ends_with_the_binding(gc, team, desks):
    s, a1 = team.supervisor, team.agents[0]
    old, agent = desks(s), desks(a1)
    old.login()
    agent.connect()
    old.do("getteamusers", {"teamId": team.id, "subscribe": True})
    new = desks(s)
    new.connect()  # the supervisor connects from another destination: the old binding ends
    assert [e["type"] for e in old.fence_hello()] == ["State", "Error"]
    agent.do("Login", {"password": "secret", "extension": a1.ext})
    assert old.fence_hello() == []
    assert new.sync() == []


# -- getteamuserstate -------------------------------------------------------------------------------
def test_getteamuserstate_answers_the_members_state(gc, team, desks):
    s, a1, a2 = team.supervisor, team.agents[0], team.agents[1]
    sup, agent = desks(s), desks(a1)
    sup.login()
    agent.login(ready=True)
    r, events = sup.do("getteamuserstate", {"teamAgentLoginId": a1.id})
    assert events == [state(a1, "READY", rid=r)]
    r, events = sup.do("getteamuserstate", {"teamAgentLoginId": a2.id})
    assert events == [state(a2, "LOGOUT", changed=False, rid=r)]
    assert agent.sync() == []


# -- the supervisor's Logout / MakeNotReady / MakeReady of a team member (core member_ok) ------------
def test_supervisor_changes_a_members_state(gc, flavour, team, other_team, desks):
    s, a1 = team.supervisor, team.agents[0]
    sup, agent, stranger = desks(s), desks(a1), desks(other_team.supervisor)
    sup.login()
    agent.login(ready=True)
    stranger.login()
    forced = supervisor_reason(flavour)

    # the supervisor gets the member's State with its requestId; the member's own client
    # gets it too, without a requestId it never sent
    r, events = sup.do("MakeNotReady", agent_id=a1.id)
    assert events == [state(a1, "NOT_READY", **forced, rid=r)]
    assert agent.sync() == [state(a1, "NOT_READY", **forced)]
    r, events = sup.do("MakeReady", agent_id=a1.id)
    assert events == [state(a1, "READY", rid=r)]
    assert agent.sync() == [state(a1, "READY")]
    r, events = sup.do("Logout", agent_id=a1.id)
    assert events == [state(a1, "LOGOUT", **forced, rid=r)]
    assert agent.sync() == [state(a1, "LOGOUT", **forced)]

    # a supervisor of another team may not
    agent.do("Login", {"password": "secret", "extension": a1.ext})
    for command in ("MakeNotReady", "Logout", "MakeReady"):
        r, events = stranger.do(command, agent_id=a1.id)
        assert [error_view(e) for e in events] == [{"type": "Error", "errorCode": "SUBSCRIPTION_FAILED",
                                                    "errorOrigin": "GC", "agentId": a1.id, "requestId": r}]
    assert agent.sync() == []


# -- authorization -----------------------------------------------------------------------------
COMMANDS = {
    "silentmonitor": lambda t, d: {"agentExtension": t.agents[0].ext},
    "bargein": lambda t, d: {"teamAgentLoginId": t.agents[0].id, "dialogId": d},
    "dropparticipant": lambda t, d: {"agentExtension": t.agents[0].ext, "dialogId": d},
    "getteamusers": lambda t, d: {"teamId": t.id, "subscribe": "true"},
    "getteamuserstate": lambda t, d: {"teamAgentLoginId": t.agents[0].id},
    "endsilentmonitor": lambda t, d: {"dialogId": d},
    "getqueuelist": lambda t, d: None,
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_agent_who_is_not_a_supervisor_is_refused(gc, flavour, team, desks, customer, command):
    a1, a2 = team.agents[0], team.agents[1]
    agent, other = desks(a1), desks(a2)
    agent.login(ready=True)
    other.login()
    dialog = answered_call(team, agent, customer)
    r, events = other.do(command, COMMANDS[command](team, dialog))
    assert [error_view(e) for e in events] == [{"type": "Error", "errorCode": "PLEASE_RETRY", "errorOrigin": "GC",
                                                "agentId": a2.id, "requestId": r}]
    if command == "dropparticipant" and flavour == "UCCX":
        assert "not available on the sim UCCX backend" in events[0]["errorDescription"]
    else:
        assert events[0]["errorDescription"] == described("PLEASE_RETRY", f"{command} needs a supervisor: agent "
                                                                          f"{a2.id} is not one")
    assert agent.sync() == []  # nothing happened to the member's call


@pytest.mark.parametrize("command", sorted(set(COMMANDS) - {"getqueuelist"}))
def test_a_supervisor_of_another_team_is_refused(gc, flavour, team, other_team, desks, customer, command):
    a1, stranger_id = team.agents[0], other_team.supervisor
    agent, stranger = desks(a1), desks(stranger_id)
    agent.login(ready=True)
    stranger.login()
    dialog = answered_call(team, agent, customer)
    r, events = stranger.do(command, COMMANDS[command](team, dialog))
    views = [error_view(e) for e in events]
    if command == "endsilentmonitor":  # the member's call is not one of the stranger's calls
        assert views == [{"type": "Error", "errorCode": "NO_DIALOG_ID", "errorOrigin": "GC",
                          "agentId": stranger_id.id, "requestId": r}]
    else:
        assert views == [{"type": "Error", "errorCode": "PLEASE_RETRY", "errorOrigin": "GC",
                          "agentId": stranger_id.id, "requestId": r}]
        description = events[0]["errorDescription"]
        if command == "dropparticipant" and flavour == "UCCX":
            assert "not available on the sim UCCX backend" in description
        else:
            what = {"silentmonitor": f"extension {a1.ext} is not the extension of a signed-in member of a team "
                                     f"agent {stranger_id.id} supervises",
                    "dropparticipant": f"extension {a1.ext} is not the extension of a signed-in member of a "
                                       f"team agent {stranger_id.id} supervises",
                    "bargein": f"agent {a1.id} is not a member of a team agent {stranger_id.id} supervises",
                    "getteamuserstate": f"agent {a1.id} is not a member of a team agent {stranger_id.id} supervises",
                    "getteamusers": f"team {team.id} is not a team agent {stranger_id.id} supervises"}[command]
            assert description == described("PLEASE_RETRY", f"{command} refused: {what}; agent {stranger_id.id} "
                                                             f"supervises team(s) {other_team.id} only")
    assert agent.sync() == []       # the member saw nothing
    assert stranger.sync() == []    # and the stranger got nothing but the refusal


def test_a_supervisor_cannot_subscribe_to_another_team_by_refusal_then_sees_nothing(gc, team, other_team, desks):
    """A refused getteamusers subscribe=true leaves no subscription behind."""
    a1 = team.agents[0]
    agent, stranger = desks(a1), desks(other_team.supervisor)
    stranger.login()
    agent.connect()
    r, events = stranger.do("getteamusers", {"teamId": team.id, "subscribe": True})
    assert [e["errorCode"] for e in events] == ["PLEASE_RETRY"]
    agent.do("Login", {"password": "secret", "extension": a1.ext})
    assert stranger.sync() == []


def test_flavour_offers_dropparticipant_on_ucce_only(gc, flavour, team, desks):
    sup = desks(team.supervisor)
    sup.login()
    r, events = sup.do("dropparticipant", {"agentExtension": team.agents[0].ext, "dialogId": "1"})
    if flavour == "UCCE":  # offered: the team check answers (nobody is signed in on that extension)
        assert "refused: extension" in events[0]["errorDescription"]
    else:
        assert events[0]["errorDescription"] == described("PLEASE_RETRY", "dropparticipant is not available on "
                                                          "the sim UCCX backend (needs PARTICIPANT_DROP)")
