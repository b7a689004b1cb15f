"""Sessions: destinations, agent bindings, invalidation and the licence limit
(protocol.md section 5).

A *destination* is a client's name for itself (``Hello#crm-1``). Several
connections may serve one destination (a reconnecting client resumes its agents'
events); while none does, events wait in a bounded backlog. An agent is *bound* to
one destination by ``Connect``; binding it elsewhere invalidates the old one.
"""
from __future__ import annotations

import collections
import hashlib
import hmac
import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from .errors import GCError

if TYPE_CHECKING:  # pragma: no cover
    from .backend import AgentSession, Backend
    from .connection import Connection

log = logging.getLogger("gc.sessions")


class DropCount:
    """Backlog events dropped so far by every destination, gone ones included (metrics)."""

    def __init__(self) -> None:
        self.total = 0


class Destination:
    def __init__(self, name: str, backlog: int, drops: Optional[DropCount] = None):
        self.name = name
        self.connections: set["Connection"] = set()
        self.backlog: collections.deque = collections.deque(maxlen=backlog)
        self.dropped = 0
        self._drops = drops or DropCount()

    def deliver(self, text: str) -> None:
        if self.connections:
            for conn in list(self.connections):
                conn.send(text)
            return
        if self.backlog.maxlen == 0:
            self.dropped += 1
            self._drops.total += 1
            return
        if len(self.backlog) == self.backlog.maxlen:
            self.dropped += 1
            self._drops.total += 1
            if self.dropped in (1, 100, 10000):
                log.warning("destination %s has no connection: %d oldest events dropped", self.name, self.dropped)
        self.backlog.append(text)

    def attach(self, conn: "Connection") -> None:
        self.connections.add(conn)
        while self.backlog:
            conn.send(self.backlog.popleft())


@dataclass
class AgentBinding:
    agent_id: str
    destination: Destination
    session: "AgentSession"
    extension: str = ""
    # The backend instance serving the agent (gc_core.backends: the agent rule).
    backend: Optional["Backend"] = None
    supervisor: bool = False
    team_id: str = ""
    supervised_teams: set = field(default_factory=set)
    # Per-binding state plugins keep (e.g. team subscriptions); cleared on unbind.
    extras: dict = field(default_factory=dict)
    _password: tuple = field(default=(), repr=False)

    # The password the agent connected with, kept only as a salted digest: commands
    # that carry a password again (Login) must match it.
    def remember_password(self, password: str) -> None:
        salt = os.urandom(16)
        self._password = (salt, _digest(salt, password))

    def password_matches(self, password: str) -> bool:
        if not self._password:
            return False
        salt, digest = self._password
        return hmac.compare_digest(digest, _digest(salt, password))


def _digest(salt: bytes, password: str) -> bytes:
    # A keyed hash, not a slow KDF: the digest never leaves this process's memory, and a
    # KDF's milliseconds per Connect add up on the hub when a thousand agents sign in.
    return hmac.new(salt, password.encode("utf-8"), hashlib.sha256).digest()


class Sessions:
    def __init__(self, licensed_agents: int = 0, backlog: int = 1000):
        self.licensed_agents = licensed_agents
        self.backlog = backlog
        self.destinations: dict[str, Destination] = {}
        self.agents: dict[str, AgentBinding] = {}
        self.drops = DropCount()
        # destination name -> ids of the agents bound there (unbind and leave look here
        # instead of scanning every agent: shutting 40,000 agents down was quadratic)
        self._bound: dict[str, set] = {}

    # -- destinations ------------------------------------------------------------
    def destination(self, name: str) -> Destination:
        dest = self.destinations.get(name)
        if dest is None:
            dest = self.destinations[name] = Destination(name, self.backlog, self.drops)
        return dest

    def join(self, conn: "Connection", name: str) -> Destination:
        dest = self.destination(name)
        if conn not in dest.connections:
            dest.attach(conn)
            conn.destinations.add(name)
        return dest

    def leave(self, conn: "Connection") -> None:
        for name in list(conn.destinations):
            dest = self.destinations.get(name)
            if dest is None:
                continue
            dest.connections.discard(conn)
            if not dest.connections and not self.agents_of(dest):
                del self.destinations[name]
        conn.destinations.clear()

    def agents_of(self, dest: Destination) -> list[AgentBinding]:
        out = []
        for agent_id in self._bound.get(dest.name, ()):
            b = self.agents.get(agent_id)
            if b is not None and b.destination is dest:
                out.append(b)
        return out

    # -- agents ------------------------------------------------------------------
    def check_licence(self, agent_id: str) -> None:
        if agent_id in self.agents or not self.licensed_agents:
            return
        if len(self.agents) >= self.licensed_agents:
            raise GCError("LICENSES_EXCEEDED", f"{self.licensed_agents} agents are connected, "
                                               f"the licensed limit: agent {agent_id} refused")

    def bind(self, binding: AgentBinding) -> Optional[AgentBinding]:
        previous = self.agents.get(binding.agent_id)
        self.agents[binding.agent_id] = binding
        if previous is not None:
            self._forget(previous)
        self._bound.setdefault(binding.destination.name, set()).add(binding.agent_id)
        return previous

    def _forget(self, binding: AgentBinding) -> None:
        ids = self._bound.get(binding.destination.name)
        if ids is not None:
            ids.discard(binding.agent_id)
            if not ids:
                del self._bound[binding.destination.name]

    def unbind(self, agent_id: str) -> Optional[AgentBinding]:
        binding = self.agents.pop(agent_id, None)
        if binding:
            self._forget(binding)
        if binding and not binding.destination.connections and not self.agents_of(binding.destination):
            self.destinations.pop(binding.destination.name, None)
        return binding

    def require(self, conn: "Connection", agent_id: Optional[str]) -> AgentBinding:
        """The binding of ``agent_id`` if this connection serves its destination."""
        binding = self.agents.get(agent_id or "")
        if binding is None or binding.destination.name not in conn.destinations:
            raise GCError("SUBSCRIPTION_FAILED",
                          f"agent {agent_id} is not connected on this client's destination: send Connect first")
        return binding
