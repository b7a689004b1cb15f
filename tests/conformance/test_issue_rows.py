"""Issue 11's table: the rows where GC differed from the specification or from what a
driver written against it expects, each sent as the issue's frame through a real socket
on the sim and on GC's Finesse backend over the emulator (UCCE, UCCX).

Row 8 (the System answer before a reconnecting client's backlog) belongs to the resume
rework of issue 10 and is not tested here.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gc_core.resources import schemas_dir
from gc_core.testing import event_obj, event_type, schema_registry

from .harness import PASSWORD, Desk
from .rows import Ctx, s_callback_reserved, s_ready, s_reserved, s_signed_in, s_talking
from tests.expected import described

ROOT = Path(__file__).resolve().parents[2]


def ctx(world, form="legacy") -> Ctx:
    team = world.teams.take()
    return Ctx(world, team, Desk(world, team.agents[0], form))


@pytest.fixture
def opened():
    contexts = []
    yield contexts
    for c in contexts:
        for d in [c.desk] + c.opened:
            d.close()


def new(world, opened, form="legacy") -> Ctx:
    c = ctx(world, form)
    opened.append(c)
    return c


def no_private_ids(events) -> None:
    """GC's private correlation tokens never reach a client."""
    for e in events:
        assert not str(event_obj(e).get("requestId", "")).startswith(("gcr-", "gcm-")), e


# -- row 1: AcceptOutboundPreview#1001|<dialog>,REJECT accepts the personal callback ----------
def test_row1_the_command_decides_a_conflicting_action_is_ignored(world, opened):
    c = new(world, opened)
    s_callback_reserved(c)
    a = c.agent
    c.desk.client.send(f"AcceptOutboundPreview#{a.id}|{c.dialog},REJECT")
    # accepted: the agent dials the customer and talks; never a DROPPED reservation
    call = c.desk.expect("InboundCall", None, dialogId=c.dialog, state="INITIATED")
    assert call["callType"] == "OUTBOUND_CALLBACK_PREVIEW"
    assert c.desk.expect("State", None)["state"] == "TALKING"
    # and the other way round: RejectOutboundPreview with ACCEPT rejects
    d = new(world, opened)
    s_reserved(d)
    d.desk.client.send(f"RejectOutboundPreview#{d.agent.id}|{d.dialog},ACCEPT")
    assert d.desk.expect("InboundCall", None, dialogId=d.dialog)["state"] == "DROPPED"
    assert d.desk.expect("State", None)["state"] == "READY"


# -- row 2: every Error names the command that caused it, asynchronous ones too -----------------
def test_row2_an_asynchronous_error_names_its_command_for_a_legacy_frame(world, opened):
    if world.flavour != "UCCE":
        pytest.skip("UCCX signs out from READY: no refusal to observe")
    c = new(world, opened)
    s_ready(c)
    a = c.agent
    for frame, command in ((f"Logout#{a.id}", "Logout"), (f"logoutwithreason#{a.id}|21", "logoutwithreason")):
        c.desk.client.send(frame)  # UCCE signs out only from NOT_READY: refused asynchronously
        err = c.desk.expect("Error", None)
        assert (err["errorCode"], err["errorOrigin"]) == ("CF_INVALID_OBJECT_STATE", "Finesse"), err
        assert err["request"] == {"category": "agent_state", "type": command}, err
        assert "requestId" not in err, err
    # the JSON form without requestId too, and with one: the requestId comes back
    c.desk.client.send({"type": "Logout", "agentId": a.id})
    err = c.desk.expect("Error", None)
    assert err["request"] == {"category": "agent_state", "type": "Logout"}
    c.desk.client.send({"category": "agent_state", "type": "Logout", "agentId": a.id, "requestId": "lo-1"})
    err = c.desk.expect("Error", "lo-1")
    assert err["request"] == {"category": "agent_state", "type": "Logout"}
    # nothing moved, and no private correlation leaked
    assert c.desk.expect("State", c.desk.ask("GetState"))["state"] == "READY"
    no_private_ids(c.desk.client.events)


def test_row2_an_asynchronous_call_error_names_its_command(world, opened):
    c = new(world, opened)
    s_talking(c)
    a = c.agent
    c.desk.client.send(f"RetrieveCall#{a.id}|{c.dialog}")  # not held: Finesse refuses asynchronously
    err = c.desk.expect("Error", None)
    assert err["errorCode"] == "CF_INVALID_OBJECT_STATE" and err["errorOrigin"] == "Finesse", err
    assert err["request"] == {"category": "agent_call", "type": "RetrieveCall"}, err
    no_private_ids(c.desk.client.events)


# -- row 3: force_logout while READY: one State per state passed through -------------------------
def test_row3_force_logout_reports_each_state_once(world, opened):
    c = new(world, opened)
    s_ready(c)
    c.desk.client.send(f"force_logout#{c.agent.id}")
    passed = ["NOT_READY", "LOGOUT"] if world.flavour == "UCCE" else ["LOGOUT"]  # UCCX signs out from READY
    got = [c.desk.expect("State", None)["state"] for _ in passed]
    assert got == passed
    rest = c.desk.fence()
    assert [e for e in rest if event_type(e) == "State"] == [], rest


# -- row 4: an empty trailing positional is "" where the schema allows it ------------------------
def test_row4_an_empty_callback_number_keeps_the_customers(world, opened):
    c = new(world, opened)
    s_reserved(c)
    a = c.agent
    c.desk.client.send(f"SHCEDULECALLBACK#{a.id}|{a.ext},{c.dialog},2030-01-01 10:00,")
    ev = c.desk.expect("InboundCall", None, dialogId=c.dialog)
    assert ev["state"] == "ALERTING"
    rid = c.desk.ask("getdialogstatecontrols", [("dialogId", c.dialog)])
    assert "CANCEL_SCHEDULED_CALLBACK" in c.desk.expect("DialogState", rid)["controls"]
    # where the schema does not allow "", an empty value is still missing
    c.desk.client.send(f"Login#{a.id}|{PASSWORD},")
    err = c.desk.expect("Error", None)
    assert (err["errorCode"], err["errorDescription"]) == ("MISSING_EXTENSION",
                                                           described("MISSING_EXTENSION", "extension is missing"))


# -- row 5: error descriptions a desk agent can read ---------------------------------------------
READABLE = [
    # (frame, code, description): GC's own checks, each a sentence, never a pattern
    ("Login#{a}|secret,10a1", "WRONG_EXTENSION", "extension must be digits only"),
    ("MakeCall#{a}|12ab", "WRONG_EXTENSION",
     "number must be a phone number: digits, optionally a leading + and *"),
    ("MakeNotReadyWithReason#{a}|x1", "MISSING_REASON_CODE", "reasonCode must be the id of a reason code (digits only)"),
    ("SHCEDULECALLBACK#{a}|{a},123,tomorrow,", "PLEASE_RETRY",
     "callbackTime must be a date and time written YYYY-MM-DD HH:MM"),
    ("update_call_variable#{a}|123,colour,red", "PLEASE_RETRY",
     "name must be callVariable1 to callVariable10, or an ECC variable written user.<name>"),
    ('{{"type": "getteamusers", "agentId": "{a}", "params": {{"teamId": "1", "subscribe": "yes"}}}}', "PLEASE_RETRY",
     "subscribe must be one of true, false"),
    ('{{"type": "Hello", "params": {{"clientDestination": 7}}}}', "PLEASE_RETRY", "clientDestination must be text"),
    ('{{"type": "GetState", "agentId": "{a}", "colour": "red"}}', "PLEASE_RETRY",
     "unexpected parameter colour in the frame"),
]


@pytest.mark.parametrize("frame, code, description", READABLE, ids=[r[1] + ":" + r[2][:30] for r in READABLE])
def test_row5_error_descriptions_are_sentences(world, opened, frame, code, description):
    c = new(world, opened)
    s_signed_in(c)
    c.desk.client.send(frame.format(a=c.agent.id))
    err = c.desk.expect("Error", "*")
    assert (err["errorCode"], err["errorDescription"]) == (code, described(code, description)), err


def test_row5_no_schema_failure_shows_a_pattern():
    """Every parameter with a pattern carries its own sentence (x-gc-message), so no
    description can fall back to a raw regex."""
    for name, cmd in schema_registry().commands.items():
        for param, sub in cmd.schema["properties"]["params"].get("properties", {}).items():
            if "pattern" in sub:
                note = sub.get("x-gc-message")
                assert isinstance(note, (str, dict)) and "pattern" in (note if isinstance(note, dict) else {"pattern"}), \
                    f"{name}.{param} has a pattern but no x-gc-message"
                text = note if isinstance(note, str) else note["pattern"]
                assert not re.search(r"[\^$\\\[\]]|\(\?", text), f"{name}.{param}: {text}"


# -- row 6: getqueuelist answers the sample's key "queue", numbers on UCCX ------------------------
def test_row6_queue_stats_use_the_samples_key(world, opened):
    c = new(world, opened)
    c.desk = Desk(world, c.team.supervisor, "legacy")
    c.desk.login()
    c.desk.client.send(f"getqueuelist#{c.team.supervisor.id}")
    [obj] = c.desk.expect("QueueStats", None)
    assert list(obj) == ["type", "queue"]
    [queue] = obj["queue"]
    if world.flavour == "UCCE":  # the UCCE sample: strings
        assert queue["queueName"] == f"Queue {c.team.id}"
        assert all(isinstance(v, str) for v in queue.values())
    else:  # the UCCX sample: {"queue": [SnapShot, SinceMidNight]} per queue, numbers
        snapshot, since = queue["queue"]
        assert (snapshot["queueName"], snapshot["type"], since["type"]) == (f"Queue {c.team.id}", "SnapShot",
                                                                            "SinceMidNight")
        assert snapshot["AgentsLoggedIn"] == 1 and isinstance(snapshot["WaitingCalls"], int)


# -- row 7: phone book types as the sample writes them -------------------------------------------
def test_row7_phone_book_types_are_the_samples(world, opened):
    c = new(world, opened)
    s_signed_in(c)
    c.desk.client.send(f"GetPhonebooks#{c.agent.id}")
    [obj] = c.desk.expect("PhoneBook", None)
    types = {b["id"]: b["type"] for b in obj["phoneBook"]}
    assert types[c.team.id] == "Team" and types["1"] == "GLOBAL", types
    c.desk.client.send(f"GetTeamPhonebooks#{c.agent.id}|{c.team.id}")
    [obj] = c.desk.expect("TeamPhoneBook", None)
    assert {b["type"] for b in obj["phoneBook"]} == {"Team"}


# -- row 9: getdialogstate during wrap-up --------------------------------------------------------
# Finesse's documented participant and dialog states (Cisco Finesse Web Services Developer
# Guide, "State (Participant) Parameter Values" and "State (Dialog) Parameter Values"; voice),
# and the spec's NOT_FOUND.
FINESSE_STATES = {"INITIATING", "INITIATED", "ALERTING", "ACTIVE", "HELD", "FAILED", "DROPPED", "WRAP_UP",
                  "ACCEPTED"}


def test_row9_wrap_up_is_reported_and_listed(world, opened):
    c = new(world, opened)
    c.desk.close()
    c.desk = Desk(world, c.team.wrap_up_agent, "legacy")  # wrap-up REQUIRED after incoming calls
    s_talking(c)
    c.world.customer_hangs_up(c.dialog)
    c.desk.expect("InboundCall", None, dialogId=c.dialog)
    c.desk.settle()
    c.desk.client.send(f"getdialogstate#{c.agent.id}|{c.dialog}")
    ev = c.desk.expect("DialogState", None)
    assert ev == {"type": "DialogState", "dialogId": c.dialog, "state": "WRAP_UP", "agentId": c.agent.id}


def test_row9_dialog_state_lists_every_value_gc_sends():
    schema = json.loads((schemas_dir() / "events" / "DialogState.json").read_text())
    values = set(schema["properties"]["state"]["enum"])
    assert values == FINESSE_STATES | {"NOT_FOUND"}
    described = schema["properties"]["state"]["description"]
    docs = (ROOT / "docs" / "protocol.md").read_text()
    section = docs.split("### DialogState states")[1].split("\n## ")[0]
    for value in values:
        assert value in described, value
        assert f"`{value}`" in section, value
