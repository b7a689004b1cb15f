"""The Finesse payload corpus (``payloads/*.xml``) and an in-process replay of it.

Each payload file starts with a comment naming its ``source`` (Cisco's Finesse
developer guide / DevNet page, or another public Cisco document), its ``flavour``
(UCCE, UCCX or both), the ``node`` it is published on (or the REST request it
answers), ``what`` it shows and, where the file is composed from documented shapes
rather than copied from one sample, the ``shape`` it follows. Personal details
(names, numbers) are replaced by neutral ones.

:class:`Replay` runs payloads through the Finesse backend's parser
(:func:`gc_finesse.notifications.updates_from_item`) and the core's event mappers
(gc_agent, gc_supervisor) on real :class:`gc_core.sessions.AgentBinding` objects,
collecting the client events; every event is checked against GC's schemas.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Optional

from gc_agent.mappers import MAPPERS as AGENT_MAPPERS
from gc_core.app import RequestLedger
from gc_core.domain import QueueChanged, TeamMemberChanged
from gc_core.sessions import AgentBinding, Destination
from gc_core.testing import check_event
from gc_finesse.notifications import updates_from_item
from gc_supervisor import subscriptions as SUBS
from gc_supervisor.queue_stats import SHAPE_UCCE, queue_stats

PAYLOADS = Path(__file__).parent / "payloads"
_HEADER = re.compile(r"^\s*<!--(.*?)-->\s*", re.S)


@dataclass(frozen=True)
class Payload:
    name: str
    source: str
    flavour: str
    node: str
    what: str
    xml: str

    @property
    def is_rest(self) -> bool:
        return self.node.startswith("REST ")


def load(name: str) -> Payload:
    text = (PAYLOADS / name).read_text()
    m = _HEADER.match(text)
    if not m:
        raise ValueError(f"{name}: no header comment")
    fields = {}
    for line in m.group(1).strip().splitlines():
        key, _, value = line.strip().partition(":")
        fields[key.strip()] = value.strip()
    return Payload(name, fields.get("source", ""), fields.get("flavour", ""), fields.get("node", ""),
                   fields.get("what", ""), text[m.end():])


def all_payloads() -> list[Payload]:
    return [load(p.name) for p in sorted(PAYLOADS.glob("*.xml"))]


class _Sessions:
    def __init__(self):
        self.agents: dict[str, AgentBinding] = {}


class Replay:
    """The core's side of GC for payloads, in-process: what a ``gc serve`` with the
    Finesse backend does with a notification, minus the sockets."""

    def __init__(self, agents: dict[str, str], *, supervisor_of: Optional[dict] = None):
        """``agents``: agent id -> extension of the bound agents. ``supervisor_of``:
        supervisor id -> team id it subscribed to (getteamusers subscribe=true)."""
        self.sessions = _Sessions()
        self.backend = SimpleNamespace(instance="finesse")  # one backend, as a single-backend GC
        self.ledger = RequestLedger()
        self.extras: dict = {}
        self.sent: list[tuple[str, dict]] = []
        for agent_id, extension in agents.items():
            self.sessions.agents[agent_id] = AgentBinding(agent_id, Destination(f"d-{agent_id}", 100), None,
                                                          extension=extension)
        for sup, team_id in (supervisor_of or {}).items():
            self.sessions.agents.setdefault(sup, AgentBinding(sup, Destination(f"d-{sup}", 100), None))
            self.sessions.agents[sup].extras.setdefault(SUBS.TEAMS, set()).add(team_id)
            self.extras.setdefault(SUBS.TEAM_INDEX, {}).setdefault((self.backend.instance, team_id), set()).add(sup)
        self.mappers: dict = {}
        for table in (AGENT_MAPPERS, SUBS.MAPPERS):
            for kind, fn in table.items():
                self.mappers.setdefault(kind, []).append(fn)

    def emit(self, agent_id: str, event) -> None:
        check_event(event)
        self.sent.append((agent_id, event))

    def deliver(self, domain_event) -> None:
        if isinstance(domain_event, QueueChanged):  # what a subscribed UCCE supervisor is sent
            self.emit("queue-subscriber", queue_stats([domain_event.queue], SHAPE_UCCE))
        for fn in self.mappers.get(type(domain_event), ()):
            fn(self, domain_event)

    def feed(self, agent_id: str, payload: Payload) -> list[dict]:
        """The client events one notification payload causes (for any agent)."""
        start = len(self.sent)
        node = payload.node
        for ev in updates_from_item(agent_id, node, payload.xml):
            self.deliver(ev)
        return [e for _, e in self.sent[start:]]

    def seed_team(self, team_id: str, members) -> None:
        """What a getteamusers answer leaves behind: the members as last known."""
        for m in members:
            SUBS.merge_member(self, self.backend.instance, team_id, m)


__all__ = ["Payload", "Replay", "TeamMemberChanged", "all_payloads", "load"]
