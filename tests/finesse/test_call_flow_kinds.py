"""Issue #9, must-hold 1: the kinds of real Finesse input, driven end to end on both
backends. Each scenario runs on GC with the sim backend and on GC with the Finesse
backend over the emulator (REST + XMPP through Prosody), UCCE and UCCX, through a real
WebSocket (``run_both`` also checks that the two backends' client events are equal).
Expected values come from the spec and Cisco's Finesse developer guide:

* call variables (kind 3): the spec's samples list ``callVariable1..10`` then ``ani``
  (the 11th entry); Finesse's Dialog then carries ECC variables (``user.*``, arrays as
  ``user.name[index]``) and outbound ``BA*`` variables in its own order;
* stale reason code (kind 5): the guide's User object has a reason code only for
  NOT_READY and LOGOUT;
* error text (kind 6): the guide's UCCE conference refusal is prose (12.5(1) p. 86),
  which reaches the client's ``errorDescription``;
* failed call (kind 8): a MakeCall to a number that does not exist ends FAILED with
  stateCause BAD_DESTINATION (guide: Dialog states); the spec's error table answers
  ``BAD_DESTINATION`` with the MakeCall's requestId;
* unidentifiable dialog (kind 7): the sim and the emulator never produce one; the
  corpus payload is published raw on the emulator's Prosody.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import requests

from gc_core.testing import event_obj, event_type
from gc_finesse_emulator import xmlcodec as X

from ..finesse_corpus.corpus import load
from .harness import PASSWORD, scenario_team
from .test_scenarios import answered_call, ready, req, ringing, run_both

# Teams of their own (harness.SCENARIO_TEAMS): 18, 20-23 are free of other scenarios.
VARS_TEAM, REASON_TEAM, ERROR_TEAM, FAILED_TEAM, NO_ID_TEAM = 18, 20, 21, 22, 23

CUSTOMER = "5551234"
# ECC variables, an array among them, in the order the call carries them (the corpus's
# variables_ecc_arrays_post_ucce.xml has the same names in this order)
ECC = {"user.layout": "gold", "user.ids[0]": "A-17", "user.ids[1]": "B-42"}
# the BA* variables of an Outbound Option preview, in the order Cisco's outbound ECC
# variable page lists them (corpus: variables_outbound_preview_post_ucce.xml)
BA = ("BACampaign", "BAAccountNumber", "BAResponse", "BAStatus", "BADialedListID", "BATimeZone", "BABuddyName")
# the guide's UCCE conference refusal (Finesse 12.5(1) developer guide p. 86)
CONFERENCE_PROSE = ("<ConferenceCallCommand>: Conference failed...causes include agent already has a consult call "
                    "or conferencing a non-conference controller.")
# the spec's error table (gc-json-api.txt): GENERAL_ERROR "when root cause is unclear"
SPEC_GENERAL_ERROR = "when root cause is unclear"


def _names(variables: list) -> list:
    return [next(iter(v)) for v in variables]


# -- kind 3: ECC arrays, BA variables ------------------------------------------------------
def sc_ecc_and_ba_variables(world, team):
    a = world.agent(team.agents[0], login=team.agents[0])
    b = world.agent(team.agents[1], login=team.agents[1])
    ready(a)
    did = world.traffic.call(team.queue_id, from_address=CUSTOMER, call_variables={"callVariable1": "Gold", **ECC})
    ringing(a, did)
    req(a, "AnswerCall", "answer", dialogId=did)
    a.expect("InboundCall", requestId="answer", state="ACTIVE")
    # an ECC array element is a call variable name update_call_variable accepts
    req(a, "update_call_variable", "cv", dialogId=did, name="user.ids[1]", value="C-99")
    a.expect(lambda e: event_type(e) == "InboundCall" and event_obj(e).get("requestId") == "cv")
    req(a, "ReleaseCall", "release", dialogId=did)
    a.expect("InboundCall", requestId="release", state="DROPPED")
    # an outbound preview reservation: the campaign's BA* variables, then an ECC array element
    ready(b)
    kind = "OUTBOUND_PREVIEW" if world.flavour == "UCCE" else "OUTBOUND_DIRECT_PREVIEW"
    pid = world.traffic.preview(team.agents[1], kind, call_variables={"user.ids[0]": "P-1"})
    b.expect("InboundCall", dialogId=pid, state="ALERTING")
    return [a, b]


def test_ecc_arrays_and_ba_variables_follow_ani(pair):
    a_events, b_events = run_both(pair, sc_ecc_and_ba_variables, VARS_TEAM)
    ten = [f"callVariable{i}" for i in range(1, 11)]
    calls = [event_obj(e) for e in a_events if "callVariables" in event_obj(e)]
    assert calls, "no call with its call variables"
    for c in calls:
        assert _names(c["callVariables"]) == ten + ["ani"] + list(ECC), c["callVariables"]
        assert c["callVariables"][10] == {"ani": CUSTOMER}
    first = calls[0]["callVariables"]
    assert first[0] == {"callVariable1": "Gold"}
    assert first[11:] == [{k: v} for k, v in ECC.items()]
    updated = next(event_obj(e) for e in a_events if event_obj(e).get("requestId") == "cv")
    assert updated["callVariables"][11:] == [{"user.layout": "gold"}, {"user.ids[0]": "A-17"},
                                             {"user.ids[1]": "C-99"}]
    previews = [event_obj(e) for e in b_events if "callVariables" in event_obj(e)]
    assert previews, "no preview call with its call variables"
    for c in previews:
        assert _names(c["callVariables"]) == ten + ["ani"] + list(BA) + ["user.ids[0]"], c["callVariables"]
        assert c["callVariables"][-1] == {"user.ids[0]": "P-1"}


# -- kind 5: no stale reason code outside NOT_READY / LOGOUT --------------------------------
def sc_reason_code_after_an_outbound_call(world, team):
    a = world.agent(team.agents[0], login=team.agents[0])
    req(a, "reasoncodenotready", "rc")
    codes = a.expect("ReasonCodes", requestId="rc")["reasonCodes"]
    code = next(iter(codes[0]))
    req(a, "MakeNotReadyWithReason", "nr", reasonCode=code)
    assert a.expect("State", requestId="nr", state="NOT_READY")["reasonCode"] == code
    # an outside call made from NOT_READY: UCCE goes TALKING; UCCX (a non-ICD call) stays NOT_READY
    req(a, "MakeCall", "mc", number="5559001")
    did = a.expect("InboundCall", requestId="mc")["dialogId"]
    world.traffic.answer(did, "5559001")
    a.expect("InboundCall", dialogId=did, state="ACTIVE")
    if world.flavour == "UCCE":
        a.expect("State", state="TALKING")
    if world.cluster is not None:
        # the emulator shows what Finesse documents: GET User in TALKING with the stale reason
        user = ET.fromstring(requests.get(f"{world.cluster.primary.rest_url}/User/{a.agent_id}",
                                          auth=(a.agent_id, PASSWORD), timeout=10).text)
        stale = ("TALKING", code) if world.flavour == "UCCE" else ("NOT_READY", code)
        assert (user.findtext("state"), user.findtext("reasonCodeId")) == stale
    req(a, "GetState", "gs")
    a.expect("State", requestId="gs")
    req(a, "ReleaseCall", "release", dialogId=did)
    a.expect("InboundCall", requestId="release", state="DROPPED")
    return [a]


def test_reason_code_only_in_not_ready_or_logout(pair, flavour):
    (events,) = run_both(pair, sc_reason_code_after_an_outbound_call, REASON_TEAM)
    code = event_obj(next(e for e in events if event_obj(e).get("requestId") == "nr"))["reasonCode"]
    got = event_obj(next(e for e in events if event_obj(e).get("requestId") == "gs"))
    want = ("TALKING", "") if flavour == "UCCE" else ("NOT_READY", code)
    assert (got["state"], got["reasonCode"]) == want
    for e in events:
        obj = event_obj(e)
        if event_type(e) == "State" and obj["state"] not in ("NOT_READY", "LOGOUT"):
            assert obj["reasonCode"] == "", obj


# -- kind 6: Finesse's error prose reaches errorDescription -----------------------------------
def sc_conference_refused(world, team):
    a = world.agent(team.agents[0], login=team.agents[0])
    did = answered_call(world, team, a)
    req(a, "Conferencecall", "conf", extension=team.agents[0], dialogId=did)
    a.expect("Error", requestId="conf")
    req(a, "ReleaseCall", "release", dialogId=did)
    a.expect("InboundCall", requestId="release", state="DROPPED")
    return [a]


@pytest.mark.parametrize("flavour", ["UCCE"], indirect=True)
def test_conference_refusal_prose_is_the_error_description(pair):
    (events,) = run_both(pair, sc_conference_refused, ERROR_TEAM)
    err = event_obj(next(e for e in events if event_obj(e).get("requestId") == "conf"))
    # the spec's description of GENERAL_ERROR word for word, then Finesse's own text
    assert (err["errorCode"], err["errorOrigin"], err["errorDescription"]) == (
        "GENERAL_ERROR", "Finesse", f"{SPEC_GENERAL_ERROR}: {CONFERENCE_PROSE}")


# -- kind 8: MakeCall to a number that does not exist ------------------------------------------
def sc_call_to_nowhere(world, team):
    a = world.agent(team.agents[0], login=team.agents[0])
    req(a, "MakeCall", "mc", number="4321")
    a.expect("InboundCall", requestId="mc", state="FAILED")
    req(a, "GetState", "gs")
    a.expect("State", requestId="gs")
    return [a]


def test_call_to_a_nonexistent_number_is_bad_destination(pair):
    (events,) = run_both(pair, sc_call_to_nowhere, FAILED_TEAM)
    errors = [event_obj(e) for e in events if event_type(e) == "Error"]
    assert [(e["errorCode"], e["errorOrigin"], e.get("requestId")) for e in errors] == [
        ("BAD_DESTINATION", "Finesse", "mc")]
    calls = [event_obj(e) for e in events if event_type(e) == "InboundCall"]
    assert [c["state"] for c in calls] == ["INITIATING", "FAILED"]
    assert event_obj(events[-1])["state"] == "NOT_READY"


# -- kind 7: a dialog without an id, published raw ----------------------------------------------
@pytest.mark.parametrize("name", ["no_id_post_dialogs_ucce.xml", "no_id_put_dialog_uccx.xml"])
def test_dialog_without_id_is_dropped_with_a_warning(worlds, name):
    flavour = "UCCX" if "uccx" in name else "UCCE"
    fin, _sim = worlds.get(flavour)
    agent = scenario_team(NO_ID_TEAM).agents[0 if flavour == "UCCE" else 1]
    client = fin.agent(agent, login=agent)
    warning = "a dialog without an id"
    before = fin.gc.log().count(warning)
    try:
        payload = load(name)
        corpus_agent = payload.node.split("/User/")[1].split("/")[0]
        fin.cluster.primary.publish(payload.node.replace(corpus_agent, agent),
                                    payload.xml.replace(corpus_agent, agent))
        # a User notification published after it marks where its events would end
        fin.cluster.primary.publish(f"/finesse/api/User/{agent}",
                                    X.user_update(fin.cluster.model.get_user(agent), "after-no-id"))
        got = []
        while True:
            ev = client.recv(10.0)
            if event_type(ev) == "State" and event_obj(ev).get("requestId") == "after-no-id":
                break
            got.append(ev)
        assert got == []
        assert fin.gc.log().count(warning) > before
    finally:
        client.close()
