"""Issue #5, point 1: every agent command passes through GC to the emulated Finesse
and back, in both flavours, and the end-to-end scenarios produce the same client
events as on the sim backend.

Each scenario runs twice on one flavour: on GC with the Finesse backend (REST +
XMPP to the emulator over Prosody) and on GC with the sim backend, same site. The
events every client received are normalised (times blanked, dialog ids renamed in
order of appearance, the backend's name in router messages) and must be *equal*;
each scenario also asserts the facts that matter on its own, so two backends
being wrong the same way still fails. Every event is schema-checked by GCClient.
"""
from __future__ import annotations

import concurrent.futures
import re

from gc_core.testing import event_obj, event_type

from .harness import normalize, scenario_team, types


def run_both(pair, scenario, team_no: int):
    """Run ``scenario(world, team)`` on the Finesse and the sim world; compare."""
    fin, sim = pair
    team = scenario_team(team_no)
    # The two GCs are independent processes: run both at once (suite wall time).
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        fin_run = pool.submit(_run, scenario, fin, team)
        sim_run = pool.submit(_run, scenario, sim, team)
        fin_clients, sim_clients = fin_run.result(), sim_run.result()
    fin_events = [list(c.events) for c in fin_clients]
    sim_events = [list(c.events) for c in sim_clients]
    got, want = _norm(fin_events), _norm(sim_events)
    for i, (g, w) in enumerate(zip(got, want)):
        assert types(g) == types(w) or sorted(types(g)) == sorted(types(w)), \
            f"client {i}: events differ\nfinesse: {types(g)}\nsim:     {types(w)}"
        assert by_kind(g) == by_kind(w), f"client {i}: events differ"
    assert len(got) == len(want)
    return fin_events


def _run(scenario, world, team):
    clients = scenario(world, team)
    for c in clients:
        c.drain(0.3)  # whatever is still on its way; c.events then holds every event received
    return clients


def by_kind(events: list) -> dict:
    """A client's events as independent ordered sequences: its State events; each
    call's events; the answers to its requests. Within each the order is fixed; between
    them it may legitimately vary (a State notification and the answer to the next
    request race on Finesse, not in the in-process sim)."""
    out: dict = {}
    for e in events:
        obj = event_obj(e)
        t = event_type(e)
        if t == "State":
            key = "State"
        elif t in ("InboundCall", "NewInboundCall", "ConsultCall") and "requestId" not in obj:
            key = ("call", obj.get("dialogId") or obj.get("assDialogId"))
        else:
            key = ("request", obj.get("requestId"))
        out.setdefault(key, []).append(e)
    return out


def _norm(streams):
    streams = normalize(streams)
    for stream in streams:
        for e in stream:
            obj = event_obj(e)
            if "errorDescription" in obj:
                obj["errorDescription"] = re.sub(r"\b(sim|finesse)\b", "<backend>", obj["errorDescription"])
    return streams


def req(c, type_: str, rid: str, **params) -> None:
    frame = {"type": type_, "agentId": c.agent_id, "requestId": rid}
    if params:
        frame["params"] = params
    c.send(frame)


def ready(c, rid="ready"):
    req(c, "MakeReady", rid)
    assert c.expect("State", requestId=rid)["state"] == "READY"


def ringing(c, dialog_id: str):
    c.expect("NewInboundCall", dialogId=dialog_id)
    return c.expect("InboundCall", dialogId=dialog_id, state="ALERTING")


def answered_call(world, team, c):
    """A customer calls the team's queue; ``c`` (READY) answers."""
    ready(c)
    did = world.traffic.call(team.queue_id, from_address="5551234", call_variables={"callVariable1": "Gold"})
    ringing(c, did)
    req(c, "AnswerCall", "answer", dialogId=did)
    c.expect("InboundCall", requestId="answer", state="ACTIVE")
    c.expect("State", state="TALKING")
    return did


# -- scenarios ----------------------------------------------------------------------------
def sc_states_and_reason_codes(world, team):
    a = world.agent(team.agents[0], login=team.agents[0])
    req(a, "reasoncodenotready", "rc-nr")
    a.expect("ReasonCodes", requestId="rc-nr")
    req(a, "reasoncodelogout", "rc-lo")
    a.expect("ReasonCodes", requestId="rc-lo")
    req(a, "wrapupreasoncode", "rc-wu")
    a.expect("ReasonCodes", requestId="rc-wu")
    ready(a)
    req(a, "MakeNotReadyWithReason", "nr", reasonCode="8")
    a.expect("State", requestId="nr")
    req(a, "MakeNotReady", "nr2")
    a.expect("State", requestId="nr2")
    req(a, "GetState", "get")
    a.expect("State", requestId="get")
    req(a, "refresh", "refresh")
    a.expect("State", requestId="refresh")
    req(a, "logoutwithreason", "out", reasonCode="21")
    a.expect("State", requestId="out", state="LOGOUT")
    return [a]


def test_states_and_reason_codes(pair):
    (events,) = run_both(pair, sc_states_and_reason_codes, 1)
    by_rid = {event_obj(e).get("requestId"): event_obj(e) for e in events}
    assert by_rid["rc-nr"]["category"] == "NOT_READY"
    assert by_rid["rc-nr"]["reasonCodes"] == [{"1": "Lunch"}, {"2": "Meeting"}, {"3": "Training"}, {"8": "Break"}]
    assert by_rid["rc-lo"]["reasonCodes"] == [{"21": "End of Shift"}, {"22": "Lunch"}, {"23": "Emergency"}]
    assert by_rid["rc-wu"]["category"] == "WrapUp" and by_rid["rc-wu"]["reasonCodes"][0] == {"1": "Complaint"}
    assert (by_rid["nr"]["state"], by_rid["nr"]["reasonCode"], by_rid["nr"]["label"]) == ("NOT_READY", "8", "Break")
    assert by_rid["get"]["state"] == "NOT_READY"
    assert (by_rid["out"]["state"], by_rid["out"]["reasonCode"], by_rid["out"]["label"]) == \
        ("LOGOUT", "21", "End of Shift")


def sc_inbound_answer_release(world, team):
    a = world.agent(team.agents[0], login=team.agents[0])
    did = answered_call(world, team, a)
    req(a, "ReleaseCall", "release", dialogId=did)
    a.expect("InboundCall", requestId="release", state="DROPPED")
    return [a]


def test_inbound_call_answer_release(pair):
    (events,) = run_both(pair, sc_inbound_answer_release, 2)
    new = next(event_obj(e) for e in events if event_type(e) == "NewInboundCall")
    assert new["fromAddress"] == "5551234" and new["callType"] == "ACD_IN"
    assert new["callVariables"][0] == {"callVariable1": "Gold"} and new["callVariables"][10] == {"ani": "5551234"}
    active = next(event_obj(e) for e in events if event_type(e) == "InboundCall" and event_obj(e)["state"] == "ACTIVE")
    assert active["participantsCount"] == "2"
    assert {p["mediaAddress"] for p in active["participants"]} == {"5551234", "2021"}
    dropped = next(event_obj(e) for e in events if event_obj(e).get("requestId") == "release")
    assert set(dropped) == {"type", "dialogId", "prevDialogId", "state", "agentId", "requestId"}


def sc_hold_retrieve(world, team):
    a = world.agent(team.agents[0], login=team.agents[0])
    did = answered_call(world, team, a)
    req(a, "HoldCall", "hold", dialogId=did)
    a.expect("InboundCall", requestId="hold", state="HELD")
    req(a, "getdialogstate", "ds-held", dialogId=did)
    a.expect("DialogState", requestId="ds-held")
    req(a, "getdialogstatecontrols", "dsc", dialogId=did)
    a.expect("DialogState", requestId="dsc")
    req(a, "RetrieveCall", "retrieve", dialogId=did)
    a.expect("InboundCall", requestId="retrieve", state="ACTIVE")
    req(a, "getDialogParticipants", "parts", dialogId=did)
    a.expect("InboundCall", requestId="parts")
    world.traffic.hangup(did)
    a.expect("InboundCall", dialogId=did, state="DROPPED")
    return [a]


def test_hold_retrieve(pair, flavour):
    (events,) = run_both(pair, sc_hold_retrieve, 3)
    by_rid = {}
    for e in events:
        by_rid.setdefault(event_obj(e).get("requestId"), []).append(event_obj(e))
    assert by_rid["ds-held"][0]["state"] == "HELD"
    assert "RETRIEVE" in by_rid["dsc"][0]["controls"]
    # reference section 9: on hold a UCCE agent goes HOLD, a UCCX agent stays TALKING
    hold_states = [e["state"] for e in by_rid["hold"] if e["type"] == "State"]
    assert hold_states == (["HOLD"] if flavour == "UCCE" else [])


def sc_consult_transfer(world, team):
    a = world.agent(team.agents[0], login=team.agents[0])
    b = world.agent(team.agents[1], login=team.agents[1])
    did = answered_call(world, team, a)
    ready(b)
    req(a, "ConsultCall", "consult", number=team.agents[1], dialogId=did)
    consult = a.expect("ConsultCall", requestId="consult")
    cid = consult["assDialogId"]
    ringing(b, cid)
    req(b, "AnswerCall", "b-answer", dialogId=cid)
    b.expect("InboundCall", requestId="b-answer", state="ACTIVE")
    a.expect("InboundCall", dialogId=cid, state="ACTIVE")
    req(a, "TransferCall", "transfer", extension=team.agents[0], dialogId=did)
    a.expect("InboundCall", requestId="transfer", dialogId=did, state="DROPPED")
    b.expect("InboundCall", dialogId=did, state="ACTIVE")
    world.traffic.hangup(did)
    b.expect("InboundCall", dialogId=did, state="DROPPED")
    return [a, b]


def test_consult_and_transfer(pair):
    a_events, b_events = run_both(pair, sc_consult_transfer, 4)
    consult = next(event_obj(e) for e in a_events if event_type(e) == "ConsultCall")
    assert consult["toAddress"] == "2042" and consult["fromAddress"] == "2041"
    transferred = [event_obj(e) for e in b_events if event_type(e) == "InboundCall"
                   and event_obj(e)["state"] == "ACTIVE" and event_obj(e)["callType"] == "TRANSFER"]
    assert transferred and {p["mediaAddress"] for p in transferred[0]["participants"]} >= {"5551234", "2042"}


def sc_consult_conference(world, team):
    a = world.agent(team.agents[0], login=team.agents[0])
    b = world.agent(team.agents[1], login=team.agents[1])
    did = answered_call(world, team, a)
    ready(b)
    req(a, "ConsultCall", "consult", number=team.agents[1], dialogId=did)
    cid = a.expect("ConsultCall", requestId="consult")["assDialogId"]
    ringing(b, cid)
    req(b, "AnswerCall", "b-answer", dialogId=cid)
    b.expect("InboundCall", requestId="b-answer", state="ACTIVE")
    req(a, "Conferencecall", "conf", extension=team.agents[0], dialogId=did)
    a.expect(lambda e: event_type(e) == "InboundCall" and event_obj(e).get("dialogId") == did
             and event_obj(e).get("participantsCount") == "3" and event_obj(e)["state"] == "ACTIVE")
    b.expect(lambda e: event_type(e) == "InboundCall" and event_obj(e).get("dialogId") == did
             and event_obj(e).get("participantsCount") == "3")
    req(a, "ReleaseCall", "a-leaves", dialogId=did)
    a.expect("InboundCall", requestId="a-leaves", state="DROPPED")
    world.traffic.hangup(did)
    b.expect("InboundCall", dialogId=did, state="DROPPED")
    return [a, b]


def test_consult_and_conference(pair):
    a_events, _b = run_both(pair, sc_consult_conference, 5)
    conf = [event_obj(e) for e in a_events if event_type(e) == "InboundCall"
            and event_obj(e).get("participantsCount") == "3"]
    assert conf[0]["callType"] == "CONFERENCE"
    assert {p["mediaAddress"] for p in conf[0]["participants"]} == {"5551234", "2051", "2052"}


def sc_wrapup_and_call_data(world, team):
    a = world.agent(team.agents[0], login=team.agents[0])
    did = answered_call(world, team, a)
    req(a, "update_call_variable", "cv", dialogId=did, name="callVariable2", value="x<y&z")
    a.expect(lambda e: event_type(e) == "InboundCall" and event_obj(e).get("requestId") == "cv")
    req(a, "wrapup", "wu", wrapupReason="2", dialogId=did)
    a.expect(lambda e: event_type(e) == "InboundCall" and event_obj(e).get("requestId") == "wu")
    world.traffic.hangup(did)
    a.expect("InboundCall", dialogId=did)
    req(a, "makeworknotready", "work")
    a.expect("State", requestId="work")
    req(a, "MakeNotReady", "nr")
    a.expect("State", requestId="nr", state="NOT_READY")
    return [a]


def test_wrapup_and_call_variables(pair):
    (events,) = run_both(pair, sc_wrapup_and_call_data, 6)
    cv = next(event_obj(e) for e in events if event_obj(e).get("requestId") == "cv")
    assert {"callVariable2": "x<y&z"} in cv["callVariables"]


def sc_make_call(world, team):
    a = world.agent(team.agents[0], login=team.agents[0])
    b = world.agent(team.agents[1], login=team.agents[1])
    ready(b)
    req(a, "MakeCall", "call", number=team.agents[1])
    first = a.expect("InboundCall", requestId="call")
    did = first["dialogId"]
    ringing(b, did)
    req(b, "AnswerCall", "answer", dialogId=did)
    a.expect("InboundCall", dialogId=did, state="ACTIVE")
    req(a, "ReleaseCall", "release", dialogId=did)
    a.expect("InboundCall", requestId="release", state="DROPPED")
    b.expect("InboundCall", dialogId=did, state="DROPPED")
    return [a, b]


def test_make_call(pair):
    a_events, b_events = run_both(pair, sc_make_call, 7)
    assert event_obj(a_events[0])["fromAddress"] == "2071"
    assert "NewInboundCall" in types(b_events)


def sc_get_all_agents(world, team):
    a = world.agent(team.agents[0], login=team.agents[0])
    world.agent(team.agents[1], login=team.agents[1])
    world.agent(team.agents[2])  # connected, not signed in
    req(a, "getallagents", "all")
    a.expect("Agents", requestId="all")
    return [a]


def test_get_all_agents(pair):
    (events,) = run_both(pair, sc_get_all_agents, 8)
    agents = event_obj(next(e for e in events if event_type(e) == "Agents"))
    assert agents["users"] == [{"firstName": "Agent2081", "lastName": "T18", "extension": "2081"},
                               {"firstName": "Agent2082", "lastName": "T18", "extension": "2082"}]


def sc_dialog_state(world, team):
    a = world.agent(team.agents[0], login=team.agents[0])
    req(a, "getdialogstate", "none", dialogId="424242")
    a.expect("DialogState", requestId="none")
    ready(a)
    did = world.traffic.call(team.queue_id)
    ringing(a, did)
    req(a, "getdialogstate", "ringing", dialogId=did)
    a.expect("DialogState", requestId="ringing")
    req(a, "HoldCall", "bad", dialogId="424242")
    a.expect("Error", requestId="bad")
    world.traffic.hangup(did)
    a.expect("InboundCall", dialogId=did, state="DROPPED")
    return [a]


def test_dialog_state(pair):
    (events,) = run_both(pair, sc_dialog_state, 9)
    by_rid = {event_obj(e).get("requestId"): event_obj(e) for e in events}
    assert by_rid["none"]["state"] == "NOT_FOUND"
    assert by_rid["ringing"]["state"] == "ALERTING"
    assert by_rid["bad"]["errorCode"] == "NO_DIALOG_ID"


def sc_work_states(world, team):
    a = world.agent(team.agents[0], login=team.agents[0])
    req(a, "makeworknotready", "work")
    a.expect(lambda e: event_obj(e).get("requestId") == "work")
    req(a, "makeworkready", "work-ready")
    a.expect(lambda e: event_obj(e).get("requestId") == "work-ready")
    req(a, "Logout", "out")
    a.expect(lambda e: event_obj(e).get("requestId") == "out")
    return [a]


def test_work_states_per_flavour(pair, flavour):
    (events,) = run_both(pair, sc_work_states, 10)
    by_rid = {event_obj(e).get("requestId"): event_obj(e) for e in events}
    assert by_rid["work"]["state"] == "WORK"
    if flavour == "UCCE":
        assert by_rid["work-ready"]["state"] == "WORK_READY"
    else:  # not offered on UCCX: the router refuses it, nothing reaches Finesse
        assert by_rid["work-ready"]["type"] == "Error" and by_rid["work-ready"]["errorCode"] == "PLEASE_RETRY"
        assert "not available" in by_rid["work-ready"]["errorDescription"]


def sc_transfer_sst(world, team):
    a = world.agent(team.agents[0], login=team.agents[0])
    b = world.agent(team.agents[1], login=team.agents[1])
    did = answered_call(world, team, a)
    ready(b)
    req(a, "Transfer_sst", "sst", number=team.agents[1], dialogId=did)
    if world.flavour == "UCCE":
        a.expect("InboundCall", requestId="sst", dialogId=did, state="DROPPED")
        ringing(b, did)
        world.traffic.hangup(did)
        b.expect("InboundCall", dialogId=did, state="DROPPED")
    else:
        a.expect("Error", requestId="sst")
        world.traffic.hangup(did)
        a.expect("InboundCall", dialogId=did, state="DROPPED")
    return [a, b]


def test_single_step_transfer(pair, flavour):
    a_events, b_events = run_both(pair, sc_transfer_sst, 11)
    sst = [event_obj(e) for e in a_events if event_obj(e).get("requestId") == "sst"]
    if flavour == "UCCE":
        assert "NewInboundCall" in types(b_events)
    else:
        assert sst[0]["type"] == "Error" and sst[0]["errorCode"] == "PLEASE_RETRY"
        assert "Transfer_sst is not available on the <backend> UCCX backend" in \
            sst[0]["errorDescription"].replace("finesse", "<backend>")


def sc_force_logout_and_mobile_agent(world, team):
    a = world.agent(team.agents[0], login=team.agents[0])
    ready(a)
    req(a, "force_logout", "force")
    a.expect("State", requestId="force", state="LOGOUT")
    req(a, "MobileAgentLogin", "mobile", password="secret", extension=team.agents[0], phone="5551234567",
        connectionMode="true")
    first = a.expect(lambda e: event_obj(e).get("requestId") == "mobile")
    if event_type(first) != "Error":
        a.expect("AgentInfo", requestId="mobile")
        req(a, "force_logout", "force-2")
        a.expect("State", requestId="force-2", state="LOGOUT")
    return [a]


def test_force_logout_and_mobile_agent_login(pair, flavour):
    (events,) = run_both(pair, sc_force_logout_and_mobile_agent, 19)
    by_rid: dict = {}
    for e in events:
        by_rid.setdefault(event_obj(e).get("requestId"), []).append(event_obj(e))
    # force_logout passes through NOT_READY only where the platform needs it (UCCE signs
    # out only from there; UCCX from READY too): one State per state passed through
    passed = ["NOT_READY", "LOGOUT"] if flavour == "UCCE" else ["LOGOUT"]
    assert [e["state"] for e in by_rid["force"] if e["type"] == "State"] == passed
    mobile = by_rid["mobile"][0]
    if flavour == "UCCE":
        assert (mobile["type"], mobile["state"]) == ("State", "NOT_READY")
    else:
        assert (mobile["type"], mobile["errorCode"]) == ("Error", "PLEASE_RETRY")
        assert "MobileAgentLogin is not available" in mobile["errorDescription"]
