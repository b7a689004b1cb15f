"""Helpers of the agent acceptance tests (issue #3): a site with a team per test, one
client per agent ("desk") speaking any frame form, and the spec's events as expected
values.

Every test takes a team of its own (its own queue, three agents, a supervisor), so the
tests of a module share one GC process without routing calls to each other's agents.
A desk checks what happened after a command with :meth:`Desk.sync`: it sends GetState
with a fresh requestId and returns every event that arrived before that answer, so a
test compares the complete, ordered list of events a command caused, with no timing.
"""
from __future__ import annotations

import itertools
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from gc_core.resources import conf_dir
from gc_core.testing import GCClient, GCProcess, event_obj, event_type, schema_registry
from tests.expected import TIME, call_vars, customer, dropped, inbound, new_inbound, party, state, with_rid  # noqa: F401

SITE_FILE = conf_dir() / "sim-site.toml"
SAMPLES = Path(__file__).resolve().parents[1] / "spec_samples"
PASSWORD = "secret"


# -- values that only have a format ---------------------------------------------------------


# -- the site ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Agent:
    id: str
    first: str
    last: str
    team: "Team"

    @property
    def ext(self) -> str:
        return self.id

    @property
    def full_name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    queue: str
    wrap_up: str

    @property
    def agents(self) -> list:
        n = int(self.id)
        return [Agent(str(n * 100 + i), f"Agent{n}x{i}", "Test", self) for i in (1, 2, 3)]

    @property
    def supervisor(self) -> Agent:
        n = int(self.id)
        return Agent(str(n * 100 + 99), f"Super{n}", "Visor", self)


class Site:
    """conf/sim-site.toml plus teams 200.. (OPTIONAL wrap-up) and 400.. (REQUIRED), each
    with its own queue: agents <team>01..<team>03 and supervisor <team>99 (extensions =
    ids: five digits, so internal numbers of the site)."""

    def __init__(self, directory: Path, optional: int = 120, required: int = 20):
        self.path = Path(directory) / "site.toml"
        self._free = {"OPTIONAL": [Team(str(200 + i), f"Team {200 + i}", str(200 + i), "OPTIONAL")
                                   for i in range(optional)],
                      "REQUIRED": [Team(str(400 + i), f"Team {400 + i}", str(400 + i), "REQUIRED")
                                   for i in range(required)]}
        blocks = [SITE_FILE.read_text()]
        for team in self._free["OPTIONAL"] + self._free["REQUIRED"]:
            blocks.append(f'[[teams]]\nid = "{team.id}"\nname = "{team.name}"\n')
            for a in team.agents + [team.supervisor]:
                sup = a.id.endswith("99")
                blocks.append(
                    f'[[agents]]\nid = "{a.id}"\npassword = "{PASSWORD}"\nfirst_name = "{a.first}"\n'
                    f'last_name = "{a.last}"\nextension = "{a.ext}"\nteam = "{team.id}"\n'
                    f'wrap_up_on_incoming = "{team.wrap_up}"\n'
                    + (f'roles = ["Agent", "Supervisor"]\nsupervises = ["{team.id}"]\n' if sup else ""))
            blocks.append(f'[[queues]]\nid = "{team.queue}"\nname = "{team.name} queue"\nteams = ["{team.id}"]\n')
        self.path.write_text("\n".join(blocks))
        self.data = tomllib.loads(self.path.read_text())

    def team(self, wrap_up: str = "OPTIONAL") -> Team:
        return self._free[wrap_up].pop(0)

    def reason_codes(self, category: str) -> list:
        """The ReasonCodes list the site file defines for ``category``."""
        if category == "WrapUp":
            return [{w["id"]: w["label"]} for w in self.data["wrap_up_reasons"]]
        return [{r["id"]: r["label"]} for r in self.data["reason_codes"] if r["category"] == category]


def gc_process(site: Site, workdir: Path, flavour: str = "UCCE") -> GCProcess:
    from tests.support import sim_config
    return GCProcess(sim_config(sim={"site": str(site.path), "flavour": flavour}), workdir=workdir)


# -- spec sample key order -------------------------------------------------------------------
def _sample_keys(name: str) -> list:
    return list(event_obj(json.loads((SAMPLES / f"{name}.json").read_text())))


SAMPLE_KEYS = {
    "State": _sample_keys("State__not_ready"),
    "AgentInfo": _sample_keys("AgentInfo__agent_info"),
    "InboundCall": _sample_keys("InboundCall__agent_call"),
    "InboundCall/dropped": _sample_keys("InboundCall__release_call_dropped"),
    "NewInboundCall": _sample_keys("NewInboundCall__new_call"),
    "ConsultCall": _sample_keys("ConsultCall__consult_call_initiated"),
    "DialogState": _sample_keys("DialogState__get_dialog_state"),
    "ReasonCodes": _sample_keys("ReasonCodes__wrap_up"),
    "Agents": _sample_keys("Agents__get_all_agents"),
}
EXTRA_KEYS = {"requestId", "controls"}


def check_sample_order(event: Any) -> None:
    """The event's fields are the spec sample's, in the sample's order (plus requestId,
    and controls for getdialogstatecontrols)."""
    obj = event_obj(event)
    kind = event_type(event)
    if kind == "InboundCall" and "startTime" not in obj:
        kind = "InboundCall/dropped"
    keys = SAMPLE_KEYS.get(kind)
    if keys is None:
        return
    assert [k for k in obj if k not in EXTRA_KEYS] == keys, f"{kind} fields {list(obj)} differ from the spec's {keys}"


# -- expected events -------------------------------------------------------------------------




def agent_info(agent: Agent, *, rid: Optional[str] = None) -> dict:
    sup = agent.id.endswith("99")
    return with_rid({"type": "AgentInfo", "firstName": agent.first, "lastName": agent.last, "supervisor": sup,
                 "wrapUpOnIncoming": agent.team.wrap_up, "totalNumberOfTeams": "1" if sup else "",
                 "teams": [{"id": agent.team.id, "name": agent.team.name}] if sup else [],
                 "team": {"id": agent.team.id, "name": agent.team.name}, "agentId": agent.id}, rid)














def consult(agent: Agent, dialog_id: str, value: str, to_address: str, *, variables: list,
            rid: Optional[str] = None) -> dict:
    return with_rid({"type": "ConsultCall", "state": value, "assDialogId": dialog_id, "fromAddress": agent.ext,
                 "toAddress": to_address, "startTime": TIME, "callVariables": variables,
                 "participants": [party(agent.ext, value)], "callType": "CONSULT", "agentId": agent.id}, rid)


def dialog_state(agent: Agent, dialog_id: str, value: str, *, controls: Optional[list] = None,
                 rid: Optional[str] = None) -> dict:
    out = {"type": "DialogState", "dialogId": dialog_id, "state": value, "agentId": agent.id}
    if controls is not None:
        out["controls"] = controls
    return with_rid(out, rid)


# -- clients -----------------------------------------------------------------------------------
_dest = itertools.count(1)
_fence = itertools.count(1)
FORMS = ("named", "positional", "legacy")


class Desk:
    """One agent's client on a connection and destination of its own. ``form`` is the
    frame form of :meth:`send`: named (JSON params object), positional (JSON params
    string) or legacy (``Cmd#id|a,b``, which carries no requestId)."""

    def __init__(self, gc: GCProcess, agent: Agent, transport: str = "websocket", form: str = "named"):
        self.agent = agent
        self.form = form
        self.client: GCClient = gc.client(transport)
        self.destination = f"desk-{agent.id}-{next(_dest)}"

    def close(self) -> None:
        self.client.close()

    # frames
    def frame(self, command: str, params: Optional[dict] = None, rid: Optional[str] = None,
              form: Optional[str] = None, agent_id: Optional[str] = None):
        form = form or self.form
        agent_id = agent_id or self.agent.id
        params = dict(params or {})
        names = schema_registry().commands[command].positional
        assert set(params) <= set(names), (command, params, names)
        values = [params[n] for n in names if n in params]
        if form != "named":
            assert set(params) == set(names[:len(params)]), "positional forms: no gaps in the parameters"
        if form == "legacy":
            return f"{command}#{agent_id}" + (("|" + ",".join(values)) if values else "")
        obj = {"type": command, "agentId": agent_id}
        if form == "named":
            obj["params"] = params
        elif values:
            obj["params"] = ",".join(values)
        if rid:
            obj["requestId"] = rid
        return obj

    def send(self, command: str, params: Optional[dict] = None, rid: Optional[str] = None, **kw) -> None:
        self.client.send(self.frame(command, params, rid, **kw))

    def rid(self, rid: str) -> Optional[str]:
        """The requestId the events of a request sent with :meth:`send` carry."""
        return None if self.form == "legacy" else rid

    # reading
    def recv(self) -> Any:
        ev = self.client.recv(timeout=15)
        check_sample_order(ev)
        return ev

    def sync(self) -> tuple[list, dict]:
        """(events that arrived before the answer to a fresh GetState, that State)."""
        fence = f"fence-{next(_fence)}"
        self.client.send({"type": "GetState", "agentId": self.agent.id, "requestId": fence})
        events = []
        while True:
            ev = self.recv()
            if event_obj(ev).get("requestId") == fence:
                assert event_type(ev) == "State", ev
                return events, ev
            events.append(ev)

    def events(self) -> list:
        return self.sync()[0]

    def state(self) -> dict:
        """The agent's State now; nothing else may have arrived before it."""
        events, st = self.sync()
        assert events == [], events
        return st

    # set-up
    def connect(self) -> None:
        """Hello + Connect (named JSON) and a GetState proving it worked."""
        self.client.send({"type": "Hello", "params": {"clientDestination": self.destination}})
        answer = dict(event_obj(self.recv()))
        # a new destination: this connection holds it, and its first Hello gets the resume token
        first = not getattr(self, "resume_token", None)
        assert bool(answer.get("resumeToken")) == first, answer
        self.resume_token = answer.pop("resumeToken", None) or self.resume_token
        assert answer == {"type": "System", "status": "IN_SERVICE"}
        self.client.send({"type": "Connect", "agentId": self.agent.id,
                          "params": {"clientDestination": self.destination, "password": PASSWORD}})
        self.state()

    def login(self, *, ready: bool = False) -> None:
        self.connect()
        self.client.send({"type": "Login", "agentId": self.agent.id,
                          "params": {"password": PASSWORD, "extension": self.agent.ext}, "requestId": "setup"})
        assert [event_type(e) for e in self.events()] == ["State", "AgentInfo"]
        if ready:
            self.client.send({"type": "MakeReady", "agentId": self.agent.id, "requestId": "setup-ready"})
            assert self.events() == [state(self.agent, "READY", rid="setup-ready")]


class Customer:
    """The sim's traffic commands on a connection of their own."""

    def __init__(self, gc: GCProcess, transport: str = "tcp"):
        self.client = gc.client(transport)
        self._ids = itertools.count(1)

    def _do(self, command: str, params: dict) -> dict:
        rid = f"sim-{next(self._ids)}"
        self.client.send({"type": command, "params": params, "requestId": rid})
        ev = self.client.expect(lambda e: event_obj(e).get("requestId") == rid, timeout=15)
        assert event_type(ev) == "SimTraffic", ev
        return ev

    def call(self, team: Team, from_address: str, **variables: str) -> str:
        params = {"queueId": team.queue, "fromAddress": from_address}
        if variables:
            params["callVariables"] = variables
        return self._do("SimCall", params)["dialogId"]

    def answer(self, dialog_id: str) -> None:
        self._do("SimAnswer", {"dialogId": dialog_id})

    def hangup(self, dialog_id: str) -> None:
        self._do("SimHangup", {"dialogId": dialog_id})

    def close(self) -> None:
        self.client.close()


# -- common steps and checks -----------------------------------------------------------------
CALL_FAILURE = {"errorCode": "CF_INVALID_OBJECT_STATE", "errorOrigin": "Finesse",
                "finesseErrorType": "Call Operation Failure", "finesseErrorData": "22"}
STATE_FAILURE = {"errorCode": "CF_INVALID_OBJECT_STATE", "errorOrigin": "Finesse",
                 "finesseErrorType": "Invalid State", "finesseErrorData": "22"}


def refused(d, expected: dict, rid: str | None) -> dict:
    """The one event since the command: an Error with these fields and the requestId."""
    [err] = d.events()
    assert err["type"] == "Error" and err["agentId"] == d.agent.id, err
    assert {k: err.get(k) for k in expected} == expected, err
    assert err.get("requestId") == rid, err
    return err


def unchanged(d, agent_state: str, dialog_id: str | None = None, dialog: str | None = None) -> None:
    assert d.state()["state"] == agent_state
    if dialog_id is not None:
        d.send("getdialogstate", {"dialogId": dialog_id}, form="named", rid="check")
        assert d.events() == [dialog_state(d.agent, dialog_id, dialog, rid="check")]


def ring(d, traffic, team, number, **variables):
    """A customer calls the team's queue; it rings at ``d``'s agent (READY). Returns the
    dialog id after checking the ringing events."""
    a = d.agent
    did = traffic.call(team, number, **variables)
    cv = call_vars(number, **variables)
    assert d.events() == [
        new_inbound(a, did, number, "ACD_IN", variables=cv),
        inbound(a, did, "ALERTING", number, [customer(number), party(a.ext, "ALERTING")], "ACD_IN", variables=cv),
        state(a, "RESERVED")]
    return did


def answered(d, traffic, team, number, **variables):
    did = ring(d, traffic, team, number, **variables)
    d.send("AnswerCall", {"dialogId": did}, form="named", rid="setup-answer")
    assert [e["type"] for e in d.events()] == ["InboundCall", "State"]
    return did
