"""Event schemas: every sample output of the spec validates, the samples are the spec's
own, and malformed events do not validate."""
from __future__ import annotations

import copy
import json

import pytest

from schema_test_support import (
    EVENT_TYPES, SAMPLE_SOURCES, SAMPLES, SPEC_TXT, event_types, load, sample_event_type, sample_files, validator,
)

SAMPLE_FILES = sample_files()


def errors(event_type, instance):
    return [e.message for e in validator("events", event_type).iter_errors(instance)]


def sample(name):
    return load(SAMPLES / name)


def test_event_schema_set():
    assert event_types() == EVENT_TYPES


def test_samples_are_listed_and_named_after_their_event():
    assert {p.name for p in SAMPLE_FILES} == set(SAMPLE_SOURCES)
    assert {sample_event_type(p) for p in SAMPLE_FILES} <= EVENT_TYPES
    # Every event the spec shows has a sample; ZoomRecording is GC's own (its schema has an example).
    assert EVENT_TYPES - {sample_event_type(p) for p in SAMPLE_FILES} == {"ZoomRecording"}
    assert (SAMPLES / "README.md").is_file()


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=[p.name for p in SAMPLE_FILES])
def test_spec_sample_validates(path):
    assert errors(sample_event_type(path), load(path)) == []


@pytest.mark.skipif(not SPEC_TXT.is_file(), reason="../shared/spec/gc-json-api.txt not present")
@pytest.mark.parametrize("name", sorted(n for n, (_, fix) in SAMPLE_SOURCES.items() if fix in ("none", "nbsp")))
def test_sample_is_the_spec_text(name):
    line, fix = SAMPLE_SOURCES[name]
    lines = SPEC_TXT.read_text(encoding="utf-8").split("\n")
    text = "\n".join(lines[line - 1:])
    if fix == "nbsp":
        with pytest.raises(json.JSONDecodeError):
            json.JSONDecoder().raw_decode(text)
        text = text.replace("\u00a0", " ")
    spec_obj, _ = json.JSONDecoder().raw_decode(text)
    assert spec_obj == sample(name)


@pytest.mark.skipif(not SPEC_TXT.is_file(), reason="../shared/spec/gc-json-api.txt not present")
def test_fixed_samples_keep_the_spec_content():
    lines = SPEC_TXT.read_text(encoding="utf-8").split("\n")
    # Complete Transfer's first object is cut off in the spec after callVariables.
    held = sample("InboundCall__complete_transfer_held.json")
    active = sample("InboundCall__complete_transfer_active.json")
    assert list(held) == ["type", "dialogId", "state", "startTime", "prevDialogId", "fromAddress", "callVariables"]
    assert held["dialogId"] == "16874257" and held["state"] == "HELD"
    assert held["callVariables"] == active["callVariables"]
    start = SAMPLE_SOURCES["InboundCall__complete_transfer_held.json"][0]
    assert '"dialogId": "16874257"' in "\n".join(lines[start - 1:start + 3])
    # The UCCX QueueStats keeps every queue and figure of the spec's sample, in order.
    uccx = sample("QueueStats__uccx.json")
    spec_text = "\n".join(lines[SAMPLE_SOURCES["QueueStats__uccx.json"][0] - 1:])
    spec_text = spec_text[: spec_text.index("\nqueue\n")]
    names = [q["queue"][0]["queueName"] for q in uccx[0]["queue"]]
    assert names == ["MSUSD", "AXA", "CTI"]
    for name in names:
        assert f'"queueName": "{name}"' in spec_text
    for q in uccx[0]["queue"]:
        for part in q["queue"]:
            for key, value in part.items():
                assert f'"{key}": {json.dumps(value)}' in spec_text


def test_zoom_recording_examples():
    ok = {"type": "ZoomRecording", "agentId": "1001", "recording": "RECORDING", "target": {"kind": "meeting", "id": "8123456789"}}
    assert errors("ZoomRecording", ok) == []
    assert errors("ZoomRecording", {**ok, "recording": "STOPPED"})
    assert errors("ZoomRecording", {**ok, "target": {"kind": "webinar", "id": "1"}})
    assert errors("ZoomRecording", {k: v for k, v in ok.items() if k != "target"})


def _with(base, **changes):
    out = copy.deepcopy(base)
    for k, v in changes.items():
        if v is _DROP:
            out.pop(k, None)
        else:
            out[k] = v
    return out


_DROP = object()
STATE = sample("State__not_ready.json")
CALL = sample("InboundCall__agent_call.json")
RELEASE = sample("InboundCall__release_call_dropped.json")
UCCE = sample("QueueStats__ucce.json")
UCCX = sample("QueueStats__uccx.json")
ERROR = sample("Error__protocol_login_bad_password.json")


def test_request_id_is_accepted_on_every_event_and_bounded():
    for path in SAMPLE_FILES:
        event = load(path)
        target = event[0] if isinstance(event, list) else event
        target["requestId"] = "c-42"
        assert errors(sample_event_type(path), event) == [], path.name
        target["requestId"] = "x" * 65
        assert errors(sample_event_type(path), event), path.name


GOOD = [
    ("State", _with(STATE, state="READY", reasonCode="", label="", stateChangeTime="")),
    ("InboundCall", _with(CALL, prevDialogId="16871250",
                          callVariables=[{"callVariable1": "x"}, {"user.customerId": "C-7"}, {"BAStatus": "PREVIEW_OUTBOUND"}])),
    ("InboundCall", _with(RELEASE, requestId="c-42")),
    ("DialogState", {"type": "DialogState", "dialogId": "1", "state": "NOT_FOUND", "agentId": "1001"}),
    ("DialogState", {"type": "DialogState", "dialogId": "1", "state": "ACTIVE", "agentId": "1001",
                     "controls": ["HOLD", "DROP", "TRANSFER_SST"], "requestId": "c-1"}),
    ("System", {"type": "System", "status": "IN_SERVICE", "requestId": "c-1"}),
    ("AgentInfo", _with(sample("AgentInfo__agent_info.json"), team=None, supervisor=True, totalNumberOfTeams="2",
                        teams=[{"id": "1", "name": "Sales"}, {"id": "2", "name": "Support"}])),
    ("TeamAgents", [{"type": "TeamAgents", "users": [
        {"firstName": "a", "lastName": "b", "extension": "1002", "loginId": "1002", "state": "NOT_READY",
         "pendingState": "", "mediaType": "AGENT_DEVICE", "stateChangeTime": "2019-09-17 12:46:21", "label": "Break"}]}]),
    ("Error", {"type": "Error", "errorCode": "PLEASE_RETRY", "errorOrigin": "GC",
               "errorDescription": "params.reasonCode: expected a string", "request": {"type": "nosuchcommand"}}),
    ("Error", _with(ERROR, finesseErrorType="Invalid Input", finesseErrorData="extension", httpStatus=400,
                    errorCode="SOME_NEW_FINESSE_CODE")),
    ("QueueStats", [{**UCCE[0], "queue": [{**UCCE[0]["queue"][0], "agentsReady": "-1",
                                                         "startTimeOfLongestCallInQueue": "2019-09-17 12:46:21"}]}]),
]


@pytest.mark.parametrize("event_type,event", GOOD, ids=[f"{t}-{i}" for i, (t, _) in enumerate(GOOD)])
def test_good_events(event_type, event):
    assert errors(event_type, event) == []


BAD = [
    ("State", _with(STATE, state="ON_BREAK"), "unknown agent state"),
    ("State", _with(STATE, state="not_ready"), "states are upper case"),
    ("State", _with(STATE, agentId=_DROP), "agentId missing"),
    ("State", _with(STATE, stateChangeTime="2019-09-17T12:46:21Z"), "ISO time instead of the spec's"),
    ("State", _with(STATE, reasonCode=8), "reasonCode not a string"),
    ("State", _with(STATE, mood="happy"), "unknown field"),
    ("InboundCall", _with(CALL, dialogId=_DROP), "dialogId missing"),
    ("InboundCall", _with(RELEASE, dialogId=_DROP), "dialogId missing (short shape)"),
    ("InboundCall", _with(RELEASE, prevDialogId=_DROP), "prevDialogId missing"),
    ("InboundCall", _with(CALL, state="RINGING"), "unknown call state"),
    ("InboundCall", _with(CALL, callVariables={"callVariable1": ""}), "callVariables not an array"),
    ("InboundCall", _with(CALL, callVariables=[{"callVariable1": "", "callVariable2": ""}]), "two keys in one entry"),
    ("InboundCall", _with(CALL, callVariables=[{}]), "empty entry"),
    ("InboundCall", _with(CALL, callVariables=[{"callVariable1": None}]), "value not a string"),
    ("InboundCall", _with(CALL, participants=[{"mediaAddress": "1006", "state": "ACTIVE"}]), "participant fields missing"),
    ("InboundCall", _with(CALL, prevDialogId=16871250), "prevDialogId a number"),
    ("InboundCall", [RELEASE], "wrapped in an array"),
    ("NewInboundCall", _with(sample("NewInboundCall__new_call.json"), callVariables=_DROP), "callVariables missing"),
    ("ConsultCall", _with(sample("ConsultCall__consult_call_initiated.json"), dialogId="1", assDialogId=_DROP), "dialogId instead of assDialogId"),
    ("DialogState", {"type": "DialogState", "dialogId": "1", "state": "GONE", "agentId": "1001"}, "unknown state"),
    ("DialogState", {"type": "DialogState", "dialogId": "1", "state": "ACTIVE", "agentId": "1001", "controls": "HOLD"}, "controls not an array"),
    ("ReasonCodes", _with(sample("ReasonCodes__wrap_up.json"), category="WRAP_UP"), "unknown category"),
    ("ReasonCodes", _with(sample("ReasonCodes__wrap_up.json"), reasonCodes={"1": "Complaint"}), "reasonCodes not an array"),
    ("System", {"type": "System", "status": "PARTIAL_SERVICE"}, "status outside the spec"),
    ("System", {"type": "State", "status": "IN_SERVICE"}, "wrong type"),
    ("AgentInfo", _with(sample("AgentInfo__agent_info.json"), supervisor="false"), "supervisor not a boolean"),
    ("AgentInfo", _with(sample("AgentInfo__agent_info.json"), team={"id": "7"}), "team without name"),
    ("Agents", sample("Agents__get_all_agents.json")[0], "not wrapped in an array"),
    ("Agents", sample("Agents__get_all_agents.json") * 2, "two objects in the array"),
    ("Agents", [], "empty array"),
    ("TeamAgents", [{"type": "TeamAgents", "users": [{"firstName": "a"}]}], "member fields missing"),
    ("TeamAgents", [_with(sample("TeamAgents__get_team_users.json")[0], type="Agents")], "wrong type"),
    ("QueueStats", [{**UCCE[0], "queue": UCCE[0]["queue"] + UCCX[0]["queue"]}], "both shapes at once"),
    ("QueueStats", [{"type": "QueueStats", "queue": [{"queue": list(reversed(UCCX[0]["queue"][0]["queue"]))}]}], "UCCX parts out of order"),
    ("QueueStats", [{"type": "QueueStats", "queue": [{"queue": UCCX[0]["queue"][0]["queue"][:1]}]}], "UCCX SinceMidNight missing"),
    ("QueueStats", [{**UCCE[0], "queue": [{**UCCE[0]["queue"][0], "callsInQueue": 0}]}], "UCCE count not a string"),
    ("PhoneBook", [{"type": "PhoneBook", "phoneBook": [{"name": "x", "type": "PERSONAL", "id": "1"}]}], "unknown phone book type"),
    ("TeamPhoneBook", [_with(sample("TeamPhoneBook__team_phonebooks.json")[0], type="PhoneBook")], "wrong type"),
    ("phoneBookContacts", [{"type": "phoneBookContacts", "contact": [{"firstName": "x"}]}], "contact fields missing"),
    ("Error", _with(ERROR, errorCode="BAD CODE!"), "errorCode with spaces"),
    ("Error", _with(ERROR, errorOrigin="Server"), "unknown origin"),
    ("Error", _with(ERROR, errorDescription=_DROP), "description missing"),
    ("Error", _with(ERROR, httpStatus="400"), "httpStatus not an integer"),
    ("Error", _with(ERROR, request={"type": "Login", "params": {"password": "secret"}}), "request echoing params (passwords)"),
]


@pytest.mark.parametrize("event_type,event,why", BAD, ids=[f"{t}-{w}" for t, _, w in BAD])
def test_bad_events(event_type, event, why):
    assert errors(event_type, event), why
