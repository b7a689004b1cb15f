"""Helpers of the Finesse backend suite: a test site, GC configurations for the
Finesse backend (pointing at an emulator cluster) and for the sim backend (same
site, same flavour), traffic drivers for both, and event normalisation so the same
scenario's client events can be compared across the two backends."""
from __future__ import annotations

import copy
import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from gc_core.resources import conf_dir
from gc_core.testing import GCClient, GCProcess, event_obj, event_type

PASSWORD = "secret"

# Scenario teams: each end-to-end scenario runs on a team of its own (3 agents and
# a queue), so scenarios share one GC process and one emulator without meeting.
SCENARIO_TEAMS = 24


@dataclass(frozen=True)
class Team:
    id: str
    queue_id: str
    queue_number: str
    agents: tuple  # agent ids (extension = id)


def scenario_team(n: int) -> Team:
    tid = str(10 + n)
    return Team(id=tid, queue_id=tid, queue_number=f"5{tid:0>3}",
                agents=tuple(str(2000 + 10 * n + j) for j in (1, 2, 3)))


def site_toml() -> str:
    """The default site plus SCENARIO_TEAMS teams (arrays of tables may continue
    anywhere in a TOML document, so the default file is kept verbatim)."""
    text = (conf_dir() / "sim-site.toml").read_text()
    parts = [text, "\n# --- scenario teams of the Finesse backend suite ---\n"]
    for n in range(1, SCENARIO_TEAMS + 1):
        t = scenario_team(n)
        parts.append(f'[[teams]]\nid = "{t.id}"\nname = "Team {t.id}"\n')
        for i, a in enumerate(t.agents):
            parts.append(f'[[agents]]\nid = "{a}"\npassword = "{PASSWORD}"\nfirst_name = "Agent{a}"\n'
                         f'last_name = "T{t.id}"\nextension = "{a}"\nteam = "{t.id}"\n')
        parts.append(f'[[queues]]\nid = "{t.queue_id}"\nname = "Queue {t.id}"\nteams = ["{t.id}"]\n'
                     f'number = "{t.queue_number}"\n')
    return "\n".join(parts)


def write_site(directory: Path) -> Path:
    path = directory / "site.toml"
    path.write_text(site_toml())
    return path


# -- configurations --------------------------------------------------------------------
def finesse_section(cluster, flavour: Optional[str] = None, *, secondary: bool = True, **overrides) -> dict:
    section = {
        "flavour": flavour or cluster.flavour,
        "primary_host": cluster.primary.host,
        "primary_port": cluster.primary.rest_port,
        "primary_xmpp_port": cluster.primary.xmpp_port,
        "scheme": "http",          # the emulator serves plain HTTP on loopback
        "xmpp_tls": "none",        # and plain XMPP
        "connect_timeout": 3.0,
        "read_timeout": 5.0,
    }
    if secondary and cluster.secondary is not None:
        section.update(secondary_host=cluster.secondary.host, secondary_port=cluster.secondary.rest_port,
                       secondary_xmpp_port=cluster.secondary.xmpp_port)
    section.update(overrides)
    return section


def finesse_config(cluster, flavour: Optional[str] = None, *, gc: Optional[dict] = None, secondary: bool = True,
                   **overrides) -> dict:
    return {"gc": {"plugins": ["websocket", "tcp", "agent", "finesse"], "backend": "finesse", **(gc or {})},
            "finesse": finesse_section(cluster, flavour, secondary=secondary, **overrides)}


def sim_config(flavour: str, site: Path) -> dict:
    return {"gc": {"plugins": ["websocket", "tcp", "sim", "agent"], "backend": "sim"},
            "sim": {"flavour": flavour, "site": str(site), "demo_call_interval": 0.0,
                    "external_answer_after": -1.0}}


# -- traffic ---------------------------------------------------------------------------
class EmulatorTraffic:
    """Customers, driven through the emulator's model."""

    def __init__(self, cluster):
        self.cluster = cluster

    def call(self, queue_id: str, from_address: str = "5550100", call_variables: Optional[dict] = None) -> str:
        return self.cluster.model.inbound_call(queue_id=queue_id, from_address=from_address,
                                               call_variables=call_variables)

    def answer(self, dialog_id: str, address: Optional[str] = None) -> None:
        self.cluster.model.customer_answer(dialog_id, address)

    def preview(self, agent_id: str, kind: str, call_variables: Optional[dict] = None) -> str:
        return self.cluster.model.place_preview(agent_id, kind=kind, call_variables=call_variables)

    def hangup(self, dialog_id: str, address: Optional[str] = None) -> None:
        self.cluster.model.customer_hangup(dialog_id, address)


class SimTraffic:
    """Customers, driven through the sim's own commands on a control connection."""

    def __init__(self, gc: GCProcess):
        self.client = gc.client()
        self._ids = itertools.count(1)

    def _do(self, frame: dict) -> dict:
        rid = f"traffic-{next(self._ids)}"
        frame["requestId"] = rid
        self.client.send(frame)
        ev = self.client.expect(lambda e: event_obj(e).get("requestId") == rid)
        if event_type(ev) == "Error":
            raise AssertionError(f"sim traffic failed: {ev}")
        return ev

    def call(self, queue_id: str, from_address: str = "5550100", call_variables: Optional[dict] = None) -> str:
        params: dict[str, Any] = {"queueId": queue_id, "fromAddress": from_address}
        if call_variables:
            params["callVariables"] = call_variables
        return self._do({"type": "SimCall", "params": params})["dialogId"]

    def answer(self, dialog_id: str, address: Optional[str] = None) -> None:
        self._do({"type": "SimAnswer", "params": {"dialogId": dialog_id}})

    def preview(self, agent_id: str, kind: str, call_variables: Optional[dict] = None) -> str:
        params: dict[str, Any] = {"loginId": agent_id, "kind": kind}
        if call_variables:
            params["callVariables"] = call_variables
        return self._do({"type": "SimPreview", "params": params})["dialogId"]

    def hangup(self, dialog_id: str, address: Optional[str] = None) -> None:
        self._do({"type": "SimHangup", "params": {"dialogId": dialog_id}})

    def close(self) -> None:
        self.client.close()


# -- one backend under test ---------------------------------------------------------------
_dest = itertools.count(1)


class World:
    """A running GC (sim or Finesse backend) with its traffic driver."""

    def __init__(self, kind: str, flavour: str, gc: GCProcess, traffic, cluster=None):
        self.kind = kind
        self.flavour = flavour
        self.gc = gc
        self.traffic = traffic
        self.cluster = cluster
        self.clients: list[GCClient] = []

    def __repr__(self) -> str:
        return f"<World {self.kind} {self.flavour}>"

    def agent(self, agent_id: str, password: str = PASSWORD, login: Optional[str] = None) -> GCClient:
        """A client of its own for ``agent_id``: Hello, Connect, and (``login`` =
        extension) Login, waiting until signed in. Received events start counting
        after this set-up."""
        c = self.gc.client()
        self.clients.append(c)
        d = f"{self.kind}-{agent_id}-{next(_dest)}"
        c.send({"type": "Hello", "params": {"clientDestination": d}})
        c.expect("System")
        c.send({"type": "Connect", "agentId": agent_id, "params": {"clientDestination": d, "password": password}})
        c.send({"type": "GetState", "agentId": agent_id, "requestId": "setup-connected"})
        state = c.expect(lambda e: event_obj(e).get("requestId") == "setup-connected")
        assert event_type(state) == "State", state
        if login:
            c.send({"type": "Login", "agentId": agent_id, "params": {"password": password, "extension": login},
                    "requestId": "setup-login"})
            c.expect("AgentInfo", requestId="setup-login")
            c.drain(0.1)
        c.events.clear()
        c._unread.clear()
        c.agent_id = agent_id
        return c

    def close(self) -> None:
        for c in self.clients:
            c.close()
        self.clients.clear()


# -- comparing events across backends ----------------------------------------------------------
_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
_ID_FIELDS = ("dialogId", "assDialogId", "prevDialogId")


def normalize(streams: list[list], dialog_ids: Optional[dict] = None) -> list[list]:
    """Events with times blanked and dialog ids renamed d1, d2 ... in order of first
    appearance (the two backends number calls from different starting points)."""
    ids = {} if dialog_ids is None else dialog_ids

    def fix(value, key=None):
        if isinstance(value, dict):
            return {k: fix(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [fix(v) for v in value]
        if isinstance(value, str):
            if key in _ID_FIELDS and value:
                return ids.setdefault(value, f"d{len(ids) + 1}")
            if _TIME.match(value):
                return "<time>"
        return value
    return [[fix(copy.deepcopy(e)) for e in stream] for stream in streams]


def types(events: list) -> list:
    return [event_type(e) for e in events]
