"""Every row of the specification's command tables, as a client reads it (issue 11,
must-hold 1): each row of rows.ROWS in both frame forms (the canonical JSON object with
a requestId, and the legacy ``Command#id|params`` line), on the sim and on GC's Finesse
backend over the emulator, UCCE and UCCX.

For each row the sender must get the events the spec's "Expected Output" column names,
with the spec's field values the row states and the fields of the spec's sample (names
and order, tests/spec_samples); a JSON frame's answers carry its requestId, a legacy
frame's none. A row that does not apply to the flavour ("Only on UCCE") is refused
with an Error naming the command. No row may answer an Error.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gc_core.testing import event_obj, event_type

from .harness import Desk
from .rows import ROWS, SCENARIOS, Ctx

SAMPLES = Path(__file__).resolve().parents[1] / "spec_samples"
EXTRA_KEYS = {"requestId", "controls", "resumeToken", "droppedEvents"}  # GC extensions (documented)


def _sample(name: str):
    return json.loads((SAMPLES / f"{name}.json").read_text())


def _keys(obj) -> list:
    return [k for k in obj if k not in EXTRA_KEYS]


# The spec's samples: the top-level fields of each event, and of its list items.
SAMPLE_KEYS = {
    "System": (_keys(_sample("System__out_of_service")), None, None),
    "State": (_keys(_sample("State__not_ready")), None, None),
    "AgentInfo": (_keys(_sample("AgentInfo__agent_info")), None, None),
    "InboundCall": (_keys(_sample("InboundCall__agent_call")), "participants",
                    _keys(_sample("InboundCall__agent_call")["participants"][0])),
    "InboundCall/dropped": (_keys(_sample("InboundCall__release_call_dropped")), None, None),
    "NewInboundCall": (_keys(_sample("NewInboundCall__new_call")), None, None),
    "ConsultCall": (_keys(_sample("ConsultCall__consult_call_initiated")), "participants",
                    _keys(_sample("ConsultCall__consult_call_initiated")["participants"][0])),
    "DialogState": (_keys(_sample("DialogState__get_dialog_state")), None, None),
    "ReasonCodes": (_keys(_sample("ReasonCodes__wrap_up")), None, None),
    "Agents": (_keys(_sample("Agents__get_all_agents")[0]), "users",
               _keys(_sample("Agents__get_all_agents")[0]["users"][0])),
    "TeamAgents": (_keys(_sample("TeamAgents__get_team_users")[0]), "users",
                   _keys(_sample("TeamAgents__get_team_users")[0]["users"][0])),
    "PhoneBook": (_keys(_sample("PhoneBook__phonebooks")[0]), "phoneBook",
                  _keys(_sample("PhoneBook__phonebooks")[0]["phoneBook"][0])),
    "TeamPhoneBook": (_keys(_sample("TeamPhoneBook__team_phonebooks")[0]), "phoneBook",
                      _keys(_sample("TeamPhoneBook__team_phonebooks")[0]["phoneBook"][0])),
    "phoneBookContacts": (_keys(_sample("phoneBookContacts__contacts")[0]), "contact",
                          _keys(_sample("phoneBookContacts__contacts")[0]["contact"][0])),
}
QUEUE_STATS = {"UCCE": _sample("QueueStats__ucce"), "UCCX": _sample("QueueStats__uccx")}
ARRAY_EVENTS = {"Agents", "TeamAgents", "PhoneBook", "TeamPhoneBook", "phoneBookContacts", "QueueStats"}


def check_sample_fields(event, flavour: str) -> None:
    """The event has the spec sample's fields in the sample's order (items of its list too)."""
    kind = event_type(event)
    if kind in ARRAY_EVENTS:
        assert isinstance(event, list) and len(event) == 1, f"{kind} is an array around one object: {event}"
    obj = event_obj(event)
    if kind == "QueueStats":
        sample = QUEUE_STATS[flavour][0]
        assert _keys(obj) == _keys(sample), (obj, sample)
        for item in obj["queue"]:
            if flavour == "UCCE":
                assert list(item) == list(sample["queue"][0]), item
            else:
                assert [list(part) for part in item["queue"]] == [list(p) for p in sample["queue"][0]["queue"]]
                assert all(isinstance(v, int) for part in item["queue"] for k, v in part.items()
                           if k not in ("queueName", "type")), item
        return
    if kind == "InboundCall" and "startTime" not in obj:
        kind = "InboundCall/dropped"
    spec = SAMPLE_KEYS.get(kind)
    if spec is None:
        return  # no sample in the spec (ZoomRecording): its schema was checked by the client
    keys, list_name, item_keys = spec
    assert _keys(obj) == keys, f"{kind} fields {list(obj)} differ from the spec sample's {keys}"
    if list_name:
        for item in obj[list_name]:
            assert list(item) == item_keys, f"{kind}.{list_name} item {list(item)} != the sample's {item_keys}"


def row_id(row) -> str:
    return row.id


@pytest.mark.parametrize("form", ["json", "legacy"])
@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_row(world, row, form):
    team = world.teams.take()
    c = Ctx(world, team, Desk(world, team.agents[0], form))
    try:
        SCENARIOS[row.scenario](c)
        rid = c.desk.command(row.category, row.type, row.params(c), agent_id=row.agent(c))
        if world.flavour not in row.flavours:
            err = c.desk.expect("Error", rid)
            assert err["errorCode"] == "PLEASE_RETRY" and err["errorOrigin"] == "GC", err
            assert err["request"]["type"] == row.type, err
            assert "not available" in err["errorDescription"], err
            return
        for kind, fields in row.answers:
            want = fields(c) if fields else {}
            ev = c.desk.expect(kind, rid, **want)
            check_sample_fields(ev, world.flavour)
        if row.type == "silentmonitor":  # "On Agent: New Inbound Call, Inbound Call"
            c.member.expect("NewInboundCall", None, agentId=c.member.agent.id)
            c.member.expect("InboundCall", None, agentId=c.member.agent.id)
        # nothing the row caused is an Error (the fence: GetState answers State)
        before = c.desk.fence()
        errors = [e for e in before + c.desk.client._unread if event_type(e) == "Error"]
        assert errors == [], errors
    finally:
        for d in [c.desk] + c.opened:
            d.close()


CATEGORIES = ("system", "agent_info", "agent_state", "agent_work", "agent_call", "agent_dialog", "zoom",
              "team_phonebooks", "phonebook", "contacts", "supervisor_queue_info", "supervisor_dialog",
              "supervisor_team_member_state", "supervisor_team")


def test_every_row_of_the_spec_tables_is_here():
    """ROWS are the spec's: every (category, type) pair of its three command tables, as
    many times as the spec lists it, read from the spec text itself (where a row's
    title, category and type run together, as the spec's text has them)."""
    here = Path(__file__).resolve()
    spec = next(p for p in (here.parents[2] / "shared", here.parents[3] / "shared")
                if (p / "spec" / "gc-json-api.txt").exists()) / "spec" / "gc-json-api.txt"
    tables = spec.read_text(encoding="utf-8").split("GC Events")[0]
    pairs = re.findall(r"(" + "|".join(CATEGORIES) + r")\s*([A-Za-z_]+)#", tables)
    assert len(pairs) == len(ROWS)
    assert sorted(pairs) == sorted((r.category, r.type) for r in ROWS)
