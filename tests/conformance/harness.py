"""The conformance suite's harness: a site with a team per test, one GC per backend
(the sim, or GC's Finesse backend on the emulator over Prosody), desks speaking either
frame form, and the customer side (calls, previews) of each backend.

A :class:`Desk` is one agent's client on a destination of its own. It sends a row's
command in the form under test: ``json`` (the canonical object, named parameters, a
requestId) or ``legacy`` (``Command#id|a,b``, which carries no requestId); results
are waited for (the Finesse backend answers asynchronously, over XMPP), so every
expectation names the event type and the requestId (or, for a legacy frame, its
absence). Every event was validated against its schema by the client.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from gc_core.resources import conf_dir
from gc_core.testing import GCClient, GCProcess, event_obj, event_type

PASSWORD = "secret"
TEAMS = 150
CUSTOMER = "5550123"          # an outside number (7+ digits: site.external_min_digits)
PREVIEW_CUSTOMER = "5550199"
ENGAGEMENT = "conf-eng-1"     # the Zoom stand-in's engagement every agent records
CORE_PLUGINS = ["websocket", "tcp", "agent"]
FEATURE_PLUGINS = ["supervisor", "phonebooks", "outbound", "zoom"]


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
    def queue(self) -> str:
        return self.id

    @property
    def agents(self) -> list:
        n = int(self.id)
        return [Agent(str(n * 100 + i), f"Agent{n}x{i}", "Spec", self.id) for i in (1, 2, 3)]

    @property
    def supervisor(self) -> Agent:
        n = int(self.id)
        return Agent(str(n * 100 + 99), f"Super{n}", "Visor", self.id, supervisor=True)

    @property
    def wrap_up_agent(self) -> Agent:
        """The third agent: wrap-up REQUIRED after incoming calls (the others OPTIONAL)."""
        return self.agents[2]


def write_site(directory: Path) -> Path:
    """conf/sim-site.toml plus teams 301..450: three agents (the third with wrap-up
    REQUIRED), a supervisor, a queue and a team phone book each (extensions = ids, five
    digits)."""
    blocks = [(conf_dir() / "sim-site.toml").read_text(), "\n# --- conformance teams ---\n"]
    for n in range(TEAMS):
        team = Team(str(301 + n))
        blocks.append(f'[[teams]]\nid = "{team.id}"\nname = "Team {team.id}"\n')
        for a in team.agents + [team.supervisor]:
            blocks.append(f'[[agents]]\nid = "{a.id}"\npassword = "{PASSWORD}"\nfirst_name = "{a.first}"\n'
                          f'last_name = "{a.last}"\nextension = "{a.ext}"\nteam = "{team.id}"\n'
                          + (f'roles = ["Agent", "Supervisor"]\nsupervises = ["{team.id}"]\n' if a.supervisor else "")
                          + ('wrap_up_on_incoming = "REQUIRED"\n' if a == team.wrap_up_agent else ""))
        blocks.append(f'[[queues]]\nid = "{team.queue}"\nname = "Queue {team.id}"\nteams = ["{team.id}"]\n')
        blocks.append(f'[[phonebooks]]\nid = "{team.id}"\nname = "Team {team.id} book"\ntype = "TEAM"\n'
                      f'teams = ["{team.id}"]\n')
        blocks.append(f'[[phonebooks.contacts]]\nid = "1"\nfirst_name = "Team{team.id}"\nlast_name = "Contact"\n'
                      f'phone_number = "555{team.id}1"\ndescription = "Team contact"\n')
    path = Path(directory) / "conformance-site.toml"
    path.write_text("\n".join(blocks))
    return path


class Teams:
    def __init__(self):
        self._free = [Team(str(301 + n)) for n in range(TEAMS)]

    def take(self) -> Team:
        return self._free.pop(0)


# -- the worlds: GC on a backend, and that backend's customer side -----------------------------
class World:
    """GC on one backend and flavour; subclasses drive the customer side."""
    backend = "?"

    def __init__(self, flavour: str, gc: GCProcess, zoom):
        self.flavour, self.gc, self.zoom = flavour, gc, zoom
        self.teams = Teams()

    def __repr__(self) -> str:
        return f"{self.backend}-{self.flavour}"

    def ring(self, team: Team, from_address: str = CUSTOMER) -> str:
        """A customer calls the team's queue; returns the dialog id."""
        raise NotImplementedError

    def customer_answers(self, dialog_id: str) -> None:
        raise NotImplementedError

    def customer_hangs_up(self, dialog_id: str) -> None:
        raise NotImplementedError

    def preview(self, agent: Agent, kind: str) -> str:
        raise NotImplementedError

    def preview_kind(self) -> str:
        return "OUTBOUND_PREVIEW" if self.flavour == "UCCE" else "OUTBOUND_DIRECT_PREVIEW"


class SimWorld(World):
    """The sim's traffic commands (SimCall, SimAnswer, SimPreview), on a connection of their own."""
    backend = "sim"

    def __init__(self, flavour, gc, zoom):
        super().__init__(flavour, gc, zoom)
        self._traffic: Optional[GCClient] = None
        self._ids = itertools.count(1)

    def _do(self, command: str, params: dict) -> dict:
        if self._traffic is None:
            self._traffic = self.gc.client("tcp")
        rid = f"traffic-{next(self._ids)}"
        self._traffic.send({"type": command, "params": params, "requestId": rid})
        ev = self._traffic.expect(lambda e: event_obj(e).get("requestId") == rid, timeout=20)
        assert event_type(ev) == "SimTraffic", ev
        return ev

    def ring(self, team, from_address=CUSTOMER):
        return self._do("SimCall", {"queueId": team.queue, "fromAddress": from_address})["dialogId"]

    def customer_answers(self, dialog_id):
        self._do("SimAnswer", {"dialogId": dialog_id})

    def customer_hangs_up(self, dialog_id):
        self._do("SimHangup", {"dialogId": dialog_id})

    def preview(self, agent, kind):
        return self._do("SimPreview", {"loginId": agent.id, "kind": kind,
                                       "customerNumber": PREVIEW_CUSTOMER})["dialogId"]

    def close(self):
        if self._traffic is not None:
            self._traffic.close()


class EmulatorWorld(World):
    """The emulator's contact center model, called in-process (under the cluster's lock)."""
    backend = "emulator"

    def __init__(self, flavour, gc, zoom, cluster):
        super().__init__(flavour, gc, zoom)
        self.cluster = cluster

    def ring(self, team, from_address=CUSTOMER):
        return self.cluster.model.inbound_call(queue_id=team.queue, from_address=from_address)

    def customer_answers(self, dialog_id):
        self.cluster.model.customer_answer(dialog_id)

    def customer_hangs_up(self, dialog_id):
        self.cluster.model.customer_hangup(dialog_id)

    def preview(self, agent, kind):
        return self.cluster.model.place_preview(agent.id, kind=kind, customer_number=PREVIEW_CUSTOMER,
                                                campaign="Spring", account="AC-1")

    def close(self):
        pass


# -- desks --------------------------------------------------------------------------------------
_dest = itertools.count(1)
_rids = itertools.count(1)
WAIT = 20.0


class Desk:
    """One agent's client. ``command`` sends in the form under test and returns the
    requestId the answers carry (None for a legacy frame)."""

    def __init__(self, world: World, agent: Agent, form: str = "json", transport: str = "websocket"):
        self.world, self.agent, self.form = world, agent, form
        self.client: GCClient = world.gc.client(transport)
        self.destination = f"conf-{agent.id}-{next(_dest)}"

    def close(self) -> None:
        self.client.close()

    # sending ------------------------------------------------------------------------
    def command(self, category: Optional[str], command: str, params: list = (), *, agent_id: Optional[str] = None,
                form: Optional[str] = None) -> Optional[str]:
        """``params``: (name, value) pairs in the spec's positional order."""
        form = form or self.form
        agent_id = self.agent.id if agent_id is None else agent_id
        if form == "legacy":
            values = ",".join(v for _n, v in params)
            ident = agent_id or (params[0][1] if params else "")
            if agent_id == "" and params:  # Hello#<client_destination>: the id is the first parameter
                values = ",".join(v for _n, v in params[1:])
            self.client.send(f"{command}#{ident}" + (f"|{values}" if values else ""))
            return None
        rid = f"{command}-{next(_rids)}"
        frame: dict = {"category": category, "type": command}
        if agent_id:
            frame["agentId"] = agent_id
        frame["params"] = dict(params)
        frame["requestId"] = rid
        self.client.send(frame)
        return rid

    def ask(self, command: str, params: list = (), agent_id: Optional[str] = None) -> str:
        """Set-up steps: always the JSON form with a requestId."""
        return self.command(None, command, params, agent_id=agent_id, form="json")

    # reading ------------------------------------------------------------------------
    def expect(self, kind: str, rid: Optional[str] = "*", **fields) -> Any:
        """The next event of type ``kind`` answering ``rid`` ("*": any; None: an event
        without requestId, what a legacy frame's answers are) with these field values."""
        def match(e) -> bool:
            obj = event_obj(e)
            if event_type(e) != kind:
                return False
            if rid != "*" and obj.get("requestId") != rid:
                return False
            return all(obj.get(k) == v for k, v in fields.items())
        return self.client.expect(match, WAIT)

    def fence(self) -> list:
        """Every event before the answer to a fresh GetState (JSON, own requestId)."""
        rid = self.ask("GetState")
        out = []
        while True:
            ev = self.client.recv(timeout=WAIT)
            if event_obj(ev).get("requestId") == rid and event_type(ev) in ("State", "Error"):
                return out
            out.append(ev)

    # set-up -------------------------------------------------------------------------
    def connect(self) -> None:
        self.client.send({"type": "Hello", "params": {"clientDestination": self.destination}})
        self.expect("System")
        rid = self.ask("Connect", [("clientDestination", self.destination), ("password", PASSWORD)])
        st = self.ask("GetState")
        self.expect("State", st)
        assert not [e for e in self.client._unread if event_obj(e).get("requestId") == rid], "Connect answered"

    def login(self, ready: bool = False) -> None:
        self.connect()
        rid = self.ask("Login", [("password", PASSWORD), ("extension", self.agent.ext)])
        self.expect("AgentInfo", rid)
        if ready:
            rid = self.ask("MakeReady")
            self.expect("State", rid, state="READY")
        self.settle()

    def settle(self) -> None:
        """Forget what arrived so far (set-up noise): a fence, then drop the unread."""
        self.fence()
        self.client._unread.clear()
