"""Helpers of the feature-plugin suites (supervisor, phonebooks, outbound, zoom).

The site: conf/sim-site.toml plus feature teams 601.. (agents <team>01..03, supervisor
<team>99, a queue and a team phone book each) and a 6,000-contact global book
("90", the Finesse maximum). Every test takes teams of its own, so the tests of a
module share one GC process without meeting.

A :class:`Desk` is one agent's client on a destination of its own. On the sim,
everything a command causes is delivered before the command's worker finishes, so
:meth:`Desk.sync` (a GetState fence) returns exactly the events a command caused, in
order: tests compare complete event lists, with no timing.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from gc_core.resources import conf_dir
from gc_core.testing import GCClient, GCProcess, event_obj, event_type
from tests.expected import TIME, call_vars, customer, dropped, inbound, new_inbound, party, state, with_rid  # noqa: F401

PASSWORD = "secret"
FEATURE_PLUGINS = ["supervisor", "phonebooks", "outbound", "zoom"]
CORE_PLUGINS = ["websocket", "tcp", "sim", "agent"]
FEATURE_TEAMS = 100
BIG_BOOK_ID = "90"
BIG_BOOK_SIZE = 6000




# -- the site ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Agent:
    id: str
    first: str
    last: str
    team_id: str
    supervisor: bool = False

    @property
    def ext(self) -> str:
        return self.id

    @property
    def full_name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass(frozen=True)
class Team:
    id: str

    @property
    def name(self) -> str:
        return f"Team {self.id}"

    @property
    def queue(self) -> str:
        return self.id

    @property
    def queue_name(self) -> str:
        return f"Queue {self.id}"

    @property
    def agents(self) -> list:
        n = int(self.id)
        return [Agent(str(n * 100 + i), f"Agent{n}x{i}", "Feature", self.id) for i in (1, 2, 3)]

    @property
    def supervisor(self) -> Agent:
        n = int(self.id)
        return Agent(str(n * 100 + 99), f"Super{n}", "Visor", self.id, supervisor=True)

    @property
    def members(self) -> list:
        """Site order: the three agents, then the supervisor."""
        return self.agents + [self.supervisor]

    @property
    def book(self) -> dict:
        return {"name": f"Team {self.id} book", "type": "Team", "id": self.id}  # the spec sample's spelling

    @property
    def book_contacts(self) -> list:
        return [{"description": "Team contact", "firstName": f"Team{self.id}", "lastName": f"Contact{i}",
                 "phoneNumber": f"555{self.id}{i}", "id": str(i)} for i in (1, 2)]


GLOBAL_BOOKS = [{"name": "Company Directory", "type": "GLOBAL", "id": "1"},
                {"name": "Big Book", "type": "GLOBAL", "id": BIG_BOOK_ID}]
COMPANY_DIRECTORY = [
    {"description": "Reception", "firstName": "Front", "lastName": "Desk", "phoneNumber": "5551000", "id": "1"},
    {"description": "Internal support", "firstName": "IT", "lastName": "Helpdesk", "phoneNumber": "5551001",
     "id": "2"},
]


def big_book_contact(i: int) -> dict:
    return {"description": f"Contact {i}", "firstName": f"First{i}", "lastName": f"Last{i}",
            "phoneNumber": f"556{i:04d}", "id": str(i)}


def site_toml() -> str:
    blocks = [(conf_dir() / "sim-site.toml").read_text(), "\n# --- feature teams ---\n"]
    for n in range(FEATURE_TEAMS):
        team = Team(str(601 + n))
        blocks.append(f'[[teams]]\nid = "{team.id}"\nname = "{team.name}"\n')
        for a in team.members:
            blocks.append(f'[[agents]]\nid = "{a.id}"\npassword = "{PASSWORD}"\nfirst_name = "{a.first}"\n'
                          f'last_name = "{a.last}"\nextension = "{a.ext}"\nteam = "{team.id}"\n'
                          + (f'roles = ["Agent", "Supervisor"]\nsupervises = ["{team.id}"]\n'
                             if a.supervisor else ""))
        blocks.append(f'[[queues]]\nid = "{team.queue}"\nname = "{team.queue_name}"\nteams = ["{team.id}"]\n')
        blocks.append(f'[[phonebooks]]\nid = "{team.id}"\nname = "{team.book["name"]}"\ntype = "TEAM"\n'
                      f'teams = ["{team.id}"]\n')
        for c in team.book_contacts:
            blocks.append(_contact_toml(c))
    blocks.append(f'[[phonebooks]]\nid = "{BIG_BOOK_ID}"\nname = "Big Book"\ntype = "GLOBAL"\n')
    blocks.extend(_contact_toml(big_book_contact(i)) for i in range(1, BIG_BOOK_SIZE + 1))
    return "\n".join(blocks)


def _contact_toml(c: dict) -> str:
    return (f'[[phonebooks.contacts]]\nid = "{c["id"]}"\nfirst_name = "{c["firstName"]}"\n'
            f'last_name = "{c["lastName"]}"\nphone_number = "{c["phoneNumber"]}"\n'
            f'description = "{c["description"]}"\n')


class Site:
    def __init__(self, directory: Path):
        self.path = Path(directory) / "features-site.toml"
        self.path.write_text(site_toml())


class Teams:
    """Hands out the feature teams, each to one test."""

    def __init__(self):
        self._free = [Team(str(601 + n)) for n in range(FEATURE_TEAMS)]

    def take(self) -> Team:
        return self._free.pop(0)


def sim_config(site: Site, flavour: str = "UCCE", plugins: Optional[list] = None, **sections) -> dict:
    config = {
        "gc": {"plugins": CORE_PLUGINS + (FEATURE_PLUGINS if plugins is None else plugins)},
        "sim": {"demo_call_interval": 0.0, "external_answer_after": -1.0, "site": str(site.path),
                "flavour": flavour},
    }
    for section, values in sections.items():
        config.setdefault(section, {}).update(values)
    return config


# -- expected events -------------------------------------------------------------------------
















def member(a: Agent, value: str, *, label: str = "", extension: Optional[str] = None, changed: bool = True) -> dict:
    return {"firstName": a.first, "lastName": a.last, "extension": a.ext if extension is None else extension,
            "loginId": a.id, "state": value, "pendingState": "", "mediaType": "AGENT_DEVICE",
            "stateChangeTime": TIME if changed else "", "label": label}


def team_agents(users: list, rid: Optional[str] = None) -> list:
    return with_rid([{"type": "TeamAgents", "users": users}], rid)


def error_view(event: dict, *keys: str) -> dict:
    return {k: event.get(k) for k in ("type", "errorCode", "errorOrigin", "agentId", "requestId") + keys
            if k in event}


# -- clients -----------------------------------------------------------------------------------
_dest = itertools.count(1)
_ids = itertools.count(1)


def rid(prefix: str = "r") -> str:
    return f"{prefix}-{next(_ids)}"


class Desk:
    """One agent's client on a destination of its own."""

    def __init__(self, gc: GCProcess, agent: Agent, transport: str = "websocket"):
        self.gc = gc
        self.agent = agent
        self.client: GCClient = gc.client(transport)
        self.destination = f"feat-{agent.id}-{next(_dest)}"

    def close(self) -> None:
        self.client.close()

    def send(self, command: str, params: Optional[Any] = None, request_id: Optional[str] = None,
             agent_id: Optional[str] = None) -> None:
        frame = {"type": command, "agentId": agent_id or self.agent.id}
        if params is not None:
            frame["params"] = params
        if request_id:
            frame["requestId"] = request_id
        self.client.send(frame)

    def sync(self) -> list:
        """Every event that arrived before the answer to a fresh GetState fence."""
        fence = rid("fence")
        self.client.send({"type": "GetState", "agentId": self.agent.id, "requestId": fence})
        events = []
        while True:
            ev = self.client.recv(timeout=20)
            if event_obj(ev).get("requestId") == fence and event_type(ev) == "State":
                return events
            events.append(ev)

    def do(self, command: str, params: Optional[Any] = None, agent_id: Optional[str] = None) -> tuple[str, list]:
        """Send with a fresh requestId; (that requestId, the events that followed)."""
        r = rid(command)
        self.send(command, params, r, agent_id)
        return r, self.sync()

    def fence_hello(self) -> list:
        """Every event that arrived before the answer to a Hello (for a desk whose agent
        is no longer bound here, where the GetState fence cannot work)."""
        fence = rid("hello")
        self.client.send({"type": "Hello", "params": {"clientDestination": self.destination}, "requestId": fence})
        events = []
        while True:
            ev = self.client.recv(timeout=20)
            if event_obj(ev).get("requestId") == fence and event_type(ev) == "System":
                return events
            events.append(ev)

    def expect(self, type_name: str, timeout: float = 15.0, **fields) -> Any:
        return self.client.expect(type_name, timeout, **fields)

    # set-up
    def connect(self) -> None:
        self.client.send({"type": "Connect", "agentId": self.agent.id,
                          "params": {"clientDestination": self.destination, "password": PASSWORD}})
        assert self.sync() == []

    def login(self, *, ready: bool = False) -> None:
        self.connect()
        r, events = self.do("Login", {"password": PASSWORD, "extension": self.agent.ext})
        assert [event_type(e) for e in events] == ["State", "AgentInfo"], events
        if ready:
            r, events = self.do("MakeReady")
            assert events == [state(self.agent, "READY", rid=r)], events


class Customer:
    """The sim's traffic commands on a connection of their own."""

    def __init__(self, gc: GCProcess):
        self.client = gc.client("tcp")

    def _do(self, command: str, params: dict) -> dict:
        r = rid("sim")
        self.client.send({"type": command, "params": params, "requestId": r})
        ev = self.client.expect(lambda e: event_obj(e).get("requestId") == r, timeout=15)
        assert event_type(ev) == "SimTraffic", ev
        return ev

    def call(self, team: Team, from_address: str = "5550123", **variables: str) -> str:
        params = {"queueId": team.queue, "fromAddress": from_address}
        if variables:
            params["callVariables"] = variables
        return self._do("SimCall", params)["dialogId"]

    def preview(self, agent: Agent, kind: str, number: str = "5550199", campaign: str = "Spring",
                account: str = "AC-1") -> str:
        return self._do("SimPreview", {"loginId": agent.id, "kind": kind, "customerNumber": number,
                                       "campaign": campaign, "account": account})["dialogId"]

    def answer(self, dialog_id: str) -> None:
        self._do("SimAnswer", {"dialogId": dialog_id})

    def hangup(self, dialog_id: str) -> None:
        self._do("SimHangup", {"dialogId": dialog_id})

    def close(self) -> None:
        self.client.close()


# -- the Finesse backend (emulator) ----------------------------------------------------------
class FinesseDesk(Desk):
    """A Desk on GC's Finesse backend: results arrive asynchronously (XMPP), so a test
    waits for each expected event (:meth:`wait`) instead of fencing. Events passed over
    while waiting stay available to later waits."""

    def login(self, *, ready: bool = False) -> None:
        self.connect()
        r = rid("login")
        self.send("Login", {"password": PASSWORD, "extension": self.agent.ext}, r)
        self.wait("AgentInfo", requestId=r)
        self.wait("State", requestId=r)
        if ready:
            r = rid("ready")
            self.send("MakeReady", None, r)
            self.wait("State", requestId=r, state="READY")

    def ask(self, command: str, params: Optional[Any] = None, agent_id: Optional[str] = None) -> str:
        r = rid(command)
        self.send(command, params, r, agent_id)
        return r

    def wait(self, type_name: str, timeout: float = 20.0, **fields) -> Any:
        return self.client.expect(type_name, timeout, **fields)

    def wait_for(self, predicate, timeout: float = 20.0) -> Any:
        return self.client.expect(predicate, timeout)

    def answer(self, request_id: str, timeout: float = 20.0) -> Any:
        """The (first) event carrying ``request_id``."""
        return self.client.expect(lambda e: event_obj(e).get("requestId") == request_id, timeout)

    def unread(self) -> list:
        return list(self.client._unread)
