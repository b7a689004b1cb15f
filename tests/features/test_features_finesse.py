"""Issue #6 on GC's Finesse backend, both flavours: every feature command through a real
socket to GC, REST + XMPP (Prosody) to the Finesse emulator and back. The same site
as the sim suites; results arrive asynchronously, so each expected event is waited
for (FinesseDesk.wait) and compared with exact values; every event was checked
against its schema by the client.

One emulator (primary node only) and one GC per flavour for the module.
"""
from __future__ import annotations

import pytest

pytest.importorskip("gc_finesse.backend")

from gc_core.testing import GCProcess, event_obj, event_type  # noqa: E402
from gc_finesse_emulator.cluster import EmulatorCluster  # noqa: E402
from gc_zoom.standin import ZoomStandIn  # noqa: E402

from ..finesse_corpus.corpus import load  # noqa: E402

from .helpers import (BIG_BOOK_ID, BIG_BOOK_SIZE, COMPANY_DIRECTORY, CORE_PLUGINS, FEATURE_PLUGINS,  # noqa: E402
                      GLOBAL_BOOKS, TIME, FinesseDesk, big_book_contact, call_vars, dropped, error_view, inbound,
                      member, new_inbound, party, state, team_agents)
from tests.expected import described

CUSTOMER = "5550123"
PREVIEW_CUSTOMER = "5550199"
ENGAGEMENT = "eng-fin-1"


class World:
    def __init__(self, flavour, cluster, gc, zoom):
        self.flavour, self.cluster, self.gc, self.zoom = flavour, cluster, gc, zoom


def finesse_section(cluster) -> dict:
    p = cluster.primary
    return {"flavour": cluster.flavour, "primary_host": p.host, "primary_port": p.rest_port,
            "primary_xmpp_port": p.xmpp_port, "scheme": "http", "xmpp_tls": "none",
            "connect_timeout": 3.0, "read_timeout": 5.0}


@pytest.fixture(scope="module", params=["UCCE", "UCCX"])
def world(request, site, tmp_path_factory):
    flavour = request.param
    cluster = EmulatorCluster.start(flavour=flavour, site=str(site.path), secondary=False, queue_interval=0.2)
    zoom = ZoomStandIn(engagements=[ENGAGEMENT]).start()
    try:
        config = {"gc": {"plugins": [p for p in CORE_PLUGINS if p != "sim"] + ["finesse"] + FEATURE_PLUGINS,
                         "backend": "finesse"},
                  "finesse": finesse_section(cluster), "zoom": zoom.gc_config(timeout=2.0)}
        with GCProcess(config, workdir=tmp_path_factory.mktemp(f"gc-fin-{flavour}")) as gc:
            yield World(flavour, cluster, gc, zoom)
    finally:
        zoom.stop()
        cluster.stop()


@pytest.fixture(scope="module")
def gc(world):
    return world.gc


@pytest.fixture
def flavour(world):
    return world.flavour


@pytest.fixture
def fdesks(gc):
    opened = []

    def open_desk(agent, transport="websocket"):
        d = FinesseDesk(gc, agent, transport)
        opened.append(d)
        return d
    yield open_desk
    for d in opened:
        d.close()


def answered_call(world, team, desk, **variables) -> str:
    dialog = world.cluster.model.inbound_call(queue_id=team.queue, from_address=CUSTOMER,
                                              call_variables=variables or None)
    desk.wait("NewInboundCall", dialogId=dialog)
    r = desk.ask("AnswerCall", {"dialogId": dialog})
    desk.wait("InboundCall", requestId=r, state="ACTIVE")
    desk.wait("State", requestId=r, state="TALKING")
    return dialog


def refusal(desk, r) -> dict:
    return error_view(desk.answer(r))


# == supervisor =====================================================================================
def test_getqueuelist(world, flavour, team, fdesks):
    sup, a1 = fdesks(team.supervisor), fdesks(team.agents[0])
    sup.login()
    a1.login(ready=True)
    r = sup.ask("getqueuelist")
    ev = sup.answer(r)
    if flavour == "UCCE":
        assert ev == [{"type": "QueueStats", "queue": [{
            "queueName": team.queue_name, "agentsNotReady": "1", "agentsReady": "1", "agentsTalkingInbound": "0",
            "agentsTalkingInternal": "0", "agentsTalkingOutbound": "0", "agentsWrapUpNotReady": "0",
            "agentsWrapUpReady": "0", "callsInQueue": "0", "startTimeOfLongestCallInQueue": "0"}], "requestId": r}]
        # Finesse publishes UCCE queue statistics: the change follows unasked
        a1.ask("MakeNotReady")
        update = sup.wait_for(lambda e: event_type(e) == "QueueStats" and "requestId" not in event_obj(e)
                              and event_obj(e)["queue"][0]["agentsNotReady"] == "2")
        assert update == [{"type": "QueueStats", "queue": [{
            "queueName": team.queue_name, "agentsNotReady": "2", "agentsReady": "0", "agentsTalkingInbound": "0",
            "agentsTalkingInternal": "0", "agentsTalkingOutbound": "0", "agentsWrapUpNotReady": "0",
            "agentsWrapUpReady": "0", "callsInQueue": "0", "startTimeOfLongestCallInQueue": "0"}]}]
    else:
        assert ev == [{"type": "QueueStats", "queue": [{"queue": [
            {"queueName": team.queue_name, "type": "SnapShot", "WaitingCalls": 0, "AgentsLoggedIn": 2,
             "AgentsReady": 1, "AgentsNotReady": 1, "AgentsInAfterCallWork": 0, "AgentsTalking": 0,
             "AgentsReserved": 0},
            {"type": "SinceMidNight", "WaitingCalls": 0, "AbandonedCalls": 0, "HandledCalls": 0, "TotalCalls": 0,
             "LongestCallInQueue": 0, "LongestHandleTime": 0}]}], "requestId": r}]


def start_monitoring(world, flavour, team, sup, agent, dialog) -> str:
    s, a = team.supervisor, team.agents[0]
    r = sup.ask("silentmonitor", {"agentExtension": a.ext})
    first = sup.wait("InboundCall", requestId=r, state="INITIATED")
    mon = first["dialogId"]
    parties = lambda value: [party(s.ext, value), party(a.ext, value)]  # noqa: E731
    assert first == inbound(s, mon, "INITIATED", s.ext, parties("INITIATED"), "SUPERVISOR_MONITOR", prev=dialog,
                            rid=r)
    assert sup.wait("InboundCall", requestId=r, state="ACTIVE") == inbound(
        s, mon, "ACTIVE", s.ext, parties("ACTIVE"), "SUPERVISOR_MONITOR", prev=dialog, rid=r)
    if flavour == "UCCE":
        assert sup.wait("State", requestId=r) == state(s, "TALKING", rid=r)
    # the monitored agent: NewInboundCall, then InboundCall
    assert agent.wait("NewInboundCall", dialogId=mon) == new_inbound(a, mon, s.ext, "SUPERVISOR_MONITOR")
    assert agent.wait("InboundCall", dialogId=mon, state="INITIATED") == inbound(
        a, mon, "INITIATED", s.ext, parties("INITIATED"), "SUPERVISOR_MONITOR", prev=dialog)
    assert agent.wait("InboundCall", dialogId=mon, state="ACTIVE") == inbound(
        a, mon, "ACTIVE", s.ext, parties("ACTIVE"), "SUPERVISOR_MONITOR", prev=dialog)
    return mon


def test_silentmonitor_and_endsilentmonitor(world, flavour, team, fdesks):
    s, a = team.supervisor, team.agents[0]
    sup, agent = fdesks(s), fdesks(a)
    sup.login()
    agent.login(ready=True)
    dialog = answered_call(world, team, agent)
    mon = start_monitoring(world, flavour, team, sup, agent, dialog)
    r = sup.ask("endsilentmonitor", {"dialogId": mon})
    assert sup.wait("InboundCall", requestId=r) == dropped(s, mon, prev=dialog, rid=r)
    if flavour == "UCCE":
        assert sup.wait("State", requestId=r) == state(s, "NOT_READY", rid=r)
    assert agent.wait("InboundCall", dialogId=mon, state="DROPPED") == dropped(a, mon, prev=dialog)


def test_bargein_then_dropparticipant(world, flavour, team, fdesks):
    s, a = team.supervisor, team.agents[0]
    sup, agent = fdesks(s), fdesks(a)
    sup.login()
    agent.login(ready=True)
    dialog = answered_call(world, team, agent)
    mon = start_monitoring(world, flavour, team, sup, agent, dialog)
    r = sup.ask("bargein", {"teamAgentLoginId": a.id, "dialogId": mon})
    cust = party(CUSTOMER, "ACTIVE", agent=False)
    three = [cust, party(a.ext, "ACTIVE"), party(s.ext, "ACTIVE")]
    assert sup.wait("InboundCall", requestId=r, dialogId=mon) == dropped(s, mon, prev=dialog, rid=r)
    assert sup.wait("InboundCall", requestId=r, dialogId=dialog) == inbound(s, dialog, "ACTIVE", CUSTOMER, three,
                                                                           "ACD_IN", rid=r)
    assert agent.wait("InboundCall", dialogId=dialog, participantsCount="3") == inbound(
        a, dialog, "ACTIVE", CUSTOMER, three, "ACD_IN")
    r = sup.ask("dropparticipant", {"agentExtension": a.ext, "dialogId": dialog})
    if flavour == "UCCE":
        assert sup.wait("InboundCall", requestId=r) == inbound(s, dialog, "ACTIVE", CUSTOMER,
                                                               [cust, party(s.ext, "ACTIVE")], "ACD_IN", rid=r)
        assert agent.wait("InboundCall", dialogId=dialog, state="DROPPED") == dropped(a, dialog)
        assert agent.wait("State", state="READY") == state(a, "READY")
    else:
        assert refusal(sup, r) == {"type": "Error", "errorCode": "PLEASE_RETRY", "errorOrigin": "GC",
                                   "agentId": s.id, "requestId": r}


def test_getteamusers_subscription_until_logout(world, team, fdesks):
    s, a1 = team.supervisor, team.agents[0]
    sup, agent = fdesks(s), fdesks(a1)
    sup.login()
    agent.connect()
    r = sup.ask("getteamusers", {"teamId": team.id, "subscribe": "true"})
    listed = sup.answer(r)
    assert listed == team_agents([member(a, "LOGOUT", changed=False) for a in team.agents]
                                 + [member(s, "NOT_READY")], rid=r)

    def change_of(login_id, value):
        return lambda e: (event_type(e) == "TeamAgents" and "requestId" not in event_obj(e)
                          and event_obj(e)["users"][0]["loginId"] == login_id
                          and event_obj(e)["users"][0]["state"] == value)
    agent.ask("Login", {"password": "secret", "extension": a1.ext})
    assert sup.wait_for(change_of(a1.id, "NOT_READY")) == team_agents([member(a1, "NOT_READY")])
    agent.ask("MakeReady")
    assert sup.wait_for(change_of(a1.id, "READY")) == team_agents([member(a1, "READY")])
    # the supervisor signs out: the subscription ends with it
    r = sup.ask("Logout")
    sup.wait("State", requestId=r, state="LOGOUT")
    r2 = agent.ask("MakeNotReady")
    agent.wait("State", requestId=r2, state="NOT_READY")
    # a barrier: the supervisor's next notification is published after the member's change
    r = sup.ask("Login", {"password": "secret", "extension": s.ext})
    sup.wait("State", requestId=r, state="NOT_READY")
    assert [e for e in sup.unread() if event_type(e) == "TeamAgents"
            and event_obj(e)["users"][0]["state"] == "NOT_READY" and event_obj(e)["users"][0]["loginId"] == a1.id
            and "requestId" not in event_obj(e)] == []


def test_team_notification_with_the_summary_user_keeps_the_members_extension(world, team, fdesks):
    """Issue #9 kind 4: Finesse's Team notification carries the *summary* User (guide,
    "Team Notification": no extension, no pendingState). Published raw, as the guide
    shows it, on the team's node of the emulator's Prosody: the live TeamAgents update
    keeps the member's extension (known from the getteamusers answer) and names what the
    notification says (names, state, reason label, time)."""
    s, a1 = team.supervisor, team.agents[0]
    sup = fdesks(s)
    sup.login()
    r = sup.ask("getteamusers", {"teamId": team.id, "subscribe": "true"})
    listed = event_obj(sup.answer(r))["users"]
    assert next(u for u in listed if u["loginId"] == a1.id)["extension"] == a1.ext
    payload = load("team_put_summary_user_not_ready.xml")
    assert "<extension>" not in payload.xml and "<pendingState>" not in payload.xml
    world.cluster.primary.publish(f"/finesse/api/Team/{team.id}/Users", payload.xml.replace("1001004", a1.id))
    got = sup.wait_for(lambda e: event_type(e) == "TeamAgents" and "requestId" not in event_obj(e)
                       and event_obj(e)["users"][0]["loginId"] == a1.id)
    assert got == team_agents([{"firstName": "Agent", "lastName": "Four", "extension": a1.ext, "loginId": a1.id,
                                "state": "NOT_READY", "pendingState": "", "mediaType": "AGENT_DEVICE",
                                "stateChangeTime": "2012-03-01 17:58:21", "label": "Team Meeting"}])


def test_getteamuserstate(world, team, fdesks):
    s, a1 = team.supervisor, team.agents[0]
    sup, agent = fdesks(s), fdesks(a1)
    sup.login()
    agent.login(ready=True)
    r = sup.ask("getteamuserstate", {"teamAgentLoginId": a1.id})
    assert sup.answer(r) == state(a1, "READY", rid=r)


def test_supervisor_changes_a_members_state(world, flavour, team, fdesks):
    s, a1 = team.supervisor, team.agents[0]
    sup, agent = fdesks(s), fdesks(a1)
    sup.login()
    agent.login(ready=True)
    code = "999" if flavour == "UCCE" else "33"
    r = sup.ask("MakeNotReady", agent_id=a1.id)
    got = sup.wait("State", requestId=r)
    assert (got["agentId"], got["state"], got["reasonCode"]) == (a1.id, "NOT_READY", code)
    assert agent.wait("State", state="NOT_READY")["reasonCode"] == code
    r = sup.ask("MakeReady", agent_id=a1.id)
    assert sup.wait("State", requestId=r)["state"] == "READY"
    r = sup.ask("Logout", agent_id=a1.id)
    got = sup.wait("State", requestId=r)
    assert (got["agentId"], got["state"]) == (a1.id, "LOGOUT")
    assert agent.wait("State", state="LOGOUT")["agentId"] == a1.id


REFUSED = {
    "silentmonitor": lambda t, d: {"agentExtension": t.agents[0].ext},
    "bargein": lambda t, d: {"teamAgentLoginId": t.agents[0].id, "dialogId": d},
    "dropparticipant": lambda t, d: {"agentExtension": t.agents[0].ext, "dialogId": d},
    "getteamusers": lambda t, d: {"teamId": t.id, "subscribe": "true"},
    "getteamuserstate": lambda t, d: {"teamAgentLoginId": t.agents[0].id},
}


@pytest.mark.parametrize("command", sorted(REFUSED))
def test_refusals(world, flavour, team, other_team, fdesks, command):
    """A plain agent and a supervisor of another team may not monitor, barge, drop or
    read the team; the member's call is untouched."""
    a1, a2, stranger = team.agents[0], team.agents[1], other_team.supervisor
    agent, plain, other = fdesks(a1), fdesks(a2), fdesks(stranger)
    agent.login(ready=True)
    plain.login()
    other.login()
    dialog = answered_call(world, team, agent)
    mark = len(agent.client.events)  # everything received so far (read or still unread)
    params = REFUSED[command](team, dialog)
    unavailable = command == "dropparticipant" and flavour == "UCCX"
    r = plain.ask(command, params)
    ev = plain.answer(r)
    assert error_view(ev) == {"type": "Error", "errorCode": "PLEASE_RETRY", "errorOrigin": "GC", "agentId": a2.id,
                              "requestId": r}
    if not unavailable:
        assert ev["errorDescription"] == described("PLEASE_RETRY", f"{command} needs a supervisor: agent {a2.id} "
                                                                   "is not one")
    r = other.ask(command, params)
    ev = other.answer(r)
    assert error_view(ev) == {"type": "Error", "errorCode": "PLEASE_RETRY", "errorOrigin": "GC",
                              "agentId": stranger.id, "requestId": r}
    if not unavailable:
        assert ev["errorDescription"].startswith(described("PLEASE_RETRY", f"{command} refused: ").rstrip("."))
        assert ev["errorDescription"].endswith(f"; agent {stranger.id} supervises team(s) {other_team.id} only.")
    r = agent.ask("getdialogstate", {"dialogId": dialog})
    assert agent.answer(r)["state"] == "ACTIVE"
    later = agent.client.events[mark:]  # every event the member received after the call was set up
    assert [event_type(e) for e in later] == ["DialogState"]


# == phonebooks ===================================================================================
def test_phonebooks(world, team, other_team, fdesks):
    a = team.agents[0]
    desk = fdesks(a)
    desk.connect()
    r = desk.ask("GetPhonebooks")
    assert desk.answer(r) == [{"type": "PhoneBook", "phoneBook": [GLOBAL_BOOKS[0], team.book, GLOBAL_BOOKS[1]],
                               "requestId": r}]
    r = desk.ask("GetTeamPhonebooks", {"teamId": team.id})
    assert desk.answer(r) == [{"type": "TeamPhoneBook", "phoneBook": [team.book], "requestId": r}]
    r = desk.ask("GetPhonebookContacts", {"phonebookId": "1"})
    assert desk.answer(r) == [{"type": "phoneBookContacts", "contact": COMPANY_DIRECTORY, "requestId": r}]
    r = desk.ask("GetPhonebookContacts", {"phonebookId": team.id})
    assert desk.answer(r) == [{"type": "phoneBookContacts", "contact": team.book_contacts, "requestId": r}]
    r = desk.ask("GetTeamPhonebooks", {"teamId": other_team.id})
    assert refusal(desk, r) == {"type": "Error", "errorCode": "PLEASE_RETRY", "errorOrigin": "GC", "agentId": a.id,
                                "requestId": r}
    r = desk.ask("GetPhonebookContacts", {"phonebookId": other_team.id})
    assert refusal(desk, r) == {"type": "Error", "errorCode": "PLEASE_RETRY", "errorOrigin": "GC", "agentId": a.id,
                                "requestId": r}


@pytest.mark.parametrize("server_page", [None, 1000])
def test_a_6000_contact_book_arrives_whole(world, team, fdesks, server_page):
    """GC asks 1,500 contacts per Range; a server answering fewer (1,000 here) than
    asked must be followed through Content-Range until the book is whole."""
    desk = fdesks(team.agents[0])
    desk.connect()
    world.cluster.range_page_limit = server_page
    try:
        r = desk.ask("GetPhonebookContacts", {"phonebookId": BIG_BOOK_ID})
        ev = desk.answer(r, timeout=60)
    finally:
        world.cluster.range_page_limit = None
    assert ev[0]["contact"] == [big_book_contact(i) for i in range(1, BIG_BOOK_SIZE + 1)]


# == outbound =====================================================================================
def ba_vars(flavour: str, status: str, list_id: str, ani: str = PREVIEW_CUSTOMER) -> list:
    prefix = "" if flavour == "UCCE" else "DIRECT_"
    return call_vars(ani, BACampaign="Spring", BAAccountNumber="AC-1", BAResponse="", BAStatus=f"{prefix}{status}",
                     BADialedListID=list_id, BATimeZone="UTC", BABuddyName="")


def reserve(world, flavour, desk, kind=None):
    a = desk.agent
    kind = kind or ("OUTBOUND_PREVIEW" if flavour == "UCCE" else "OUTBOUND_DIRECT_PREVIEW")
    dialog = world.cluster.model.place_preview(a.id, kind=kind, customer_number=PREVIEW_CUSTOMER,
                                               campaign="Spring", account="AC-1")
    announced = desk.wait("NewInboundCall", dialogId=dialog)
    list_id = next(v["BADialedListID"] for v in announced["callVariables"] if "BADialedListID" in v)
    variables = ba_vars(flavour, "PREVIEW_OUTBOUND_RESERVATION", list_id)
    assert announced == new_inbound(a, dialog, PREVIEW_CUSTOMER, kind, variables=variables)
    assert desk.wait("InboundCall", dialogId=dialog) == inbound(a, dialog, "ALERTING", PREVIEW_CUSTOMER,
                                                                [party(a.ext, "ALERTING")], kind, variables=variables)
    desk.wait("State", state="RESERVED_OUTBOUND_PREVIEW")
    return dialog, list_id, kind


def test_accept_outbound_preview(world, flavour, team, fdesks):
    a = team.agents[0]
    desk = fdesks(a)
    desk.login(ready=True)
    dialog, list_id, kind = reserve(world, flavour, desk)
    r = desk.ask("AcceptOutboundPreview", {"dialogId": dialog})
    if flavour == "UCCE":
        assert desk.wait("InboundCall", requestId=r, state="ACCEPTED") == inbound(
            a, dialog, "ACCEPTED", PREVIEW_CUSTOMER, [party(a.ext, "ACCEPTED")], kind,
            variables=ba_vars(flavour, "PREVIEW_OUTBOUND_RESERVATION", list_id), rid=r)
    assert desk.wait("InboundCall", requestId=r, state="INITIATED") == inbound(
        a, dialog, "INITIATED", a.ext, [party(a.ext, "INITIATED"), party(PREVIEW_CUSTOMER, "ALERTING", agent=False)],
        kind, variables=ba_vars(flavour, "PREVIEW_OUTBOUND", list_id, ani=a.ext), rid=r)
    assert desk.wait("State", requestId=r) == state(a, "TALKING", rid=r)
    # the customer answers; the agent reclassifies the call
    world.cluster.model.customer_answer(dialog)
    desk.wait("InboundCall", dialogId=dialog, state="ACTIVE")
    r = desk.ask("RECLASSIFYCALL", {"targetMediaAddress": a.ext, "dialogId": dialog, "value": "VOICE"})
    assert desk.wait("InboundCall", requestId=r)["state"] == "ACTIVE"
    r = desk.ask("ReleaseCall", {"dialogId": dialog})
    assert desk.wait("InboundCall", requestId=r) == dropped(a, dialog, rid=r)


@pytest.mark.parametrize("command, params, kind", [
    ("RejectOutboundPreview", {}, None),
    ("CloseOutboundPreview", {}, None),
    # the command decides: a conflicting action is ignored (docs/protocol.md, Decisions)
    ("RejectOutboundPreview", {"action": "ACCEPT"}, "OUTBOUND_CALLBACK_PREVIEW"),
])
def test_reject_and_close_outbound_preview(world, flavour, team, fdesks, command, params, kind):
    a = team.agents[0]
    desk = fdesks(a)
    desk.login(ready=True)
    dialog, _list_id, _kind = reserve(world, flavour, desk, kind)
    r = desk.ask(command, {"dialogId": dialog, **params})
    if command == "CloseOutboundPreview" and flavour == "UCCX":
        ev = desk.answer(r)
        assert error_view(ev) == {"type": "Error", "errorCode": "PLEASE_RETRY", "errorOrigin": "GC",
                                  "agentId": a.id, "requestId": r}
        assert ev["errorDescription"] == described("PLEASE_RETRY", "CloseOutboundPreview is not available on "
                                                   "the finesse UCCX backend (needs OUTBOUND_PREVIEW)")
        return
    assert desk.wait("InboundCall", requestId=r) == dropped(a, dialog, rid=r)
    assert desk.wait("State", requestId=r) == state(a, "READY", rid=r)


def test_personal_callback_accepted(world, flavour, team, fdesks):
    a = team.agents[0]
    desk = fdesks(a)
    desk.login(ready=True)
    dialog, list_id, kind = reserve(world, flavour, desk, "OUTBOUND_CALLBACK_PREVIEW")
    # the spec's row "Accept the personal callback" sends REJECT as the second parameter
    r = desk.ask("AcceptOutboundPreview", f"{dialog},REJECT")
    ev = desk.wait("InboundCall", requestId=r, state="INITIATED")
    assert (ev["callType"], ev["participantsCount"]) == ("OUTBOUND_CALLBACK_PREVIEW", "2")
    assert desk.wait("State", requestId=r) == state(a, "TALKING", rid=r)


def test_schedule_update_and_cancel_a_callback(world, flavour, team, fdesks):
    a = team.agents[0]
    desk = fdesks(a)
    desk.login(ready=True)
    dialog, list_id, kind = reserve(world, flavour, desk)
    ringing = inbound(a, dialog, "ALERTING", PREVIEW_CUSTOMER, [party(a.ext, "ALERTING")], kind,
                      variables=ba_vars(flavour, "PREVIEW_OUTBOUND_RESERVATION", list_id))

    def controls():
        r = desk.ask("getdialogstatecontrols", {"dialogId": dialog})
        return desk.answer(r)["controls"]
    for command, params in [("SHCEDULECALLBACK", {"targetMediaAddress": a.ext, "dialogId": dialog,
                                                  "callbackTime": "2030-01-02 10:30", "callbackNumber": ""}),
                            ("UPDATECALLBACK", f"{a.ext},{dialog},2030-01-03T11:45,5550111")]:
        r = desk.ask(command, params)
        assert desk.wait("InboundCall", requestId=r) == {**ringing, "requestId": r}
        assert "CANCEL_SCHEDULED_CALLBACK" in controls()
    r = desk.ask("CANCELSHCEDULECALLBACK", {"targetMediaAddress": a.ext, "dialogId": dialog})
    assert desk.wait("InboundCall", requestId=r) == {**ringing, "requestId": r}
    assert "CANCEL_SCHEDULED_CALLBACK" not in controls()


# == zoom =======================================================================================
def test_zoom_pause_and_resume_on_finesse(world, team, fdesks):
    a = team.agents[0]
    desk = fdesks(a)
    desk.login(ready=True)
    answered_call(world, team, desk, callVariable10=ENGAGEMENT)
    r = desk.ask("ZOOMPauseRecording")
    assert desk.answer(r) == {"type": "ZoomRecording", "agentId": a.id, "recording": "PAUSED",
                              "target": {"kind": "engagement", "id": ENGAGEMENT}, "requestId": r}
    assert world.zoom.engagements[ENGAGEMENT] == "paused"
    r = desk.ask("ZOOMResumeRecording")
    assert desk.answer(r)["recording"] == "RECORDING"
    assert world.zoom.engagements[ENGAGEMENT] == "recording"


def test_times_are_the_specs_format(world, team, fdesks):
    """A sanity check of the helper's TIME wildcard on this backend's events."""
    desk = fdesks(team.supervisor)
    desk.login()
    r = desk.ask("getteamuserstate", {"teamAgentLoginId": team.supervisor.id})
    assert desk.answer(r)["stateChangeTime"] == TIME
