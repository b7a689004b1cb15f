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
import secrets
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
    """A client's named destination: its connections, its resume token and the backlog
    of events no entitled connection was there to receive.

    ``backlog`` holds ``(agent_id, text)`` pairs (``agent_id`` None for an event about
    no agent, e.g. System); ``dropped`` counts events lost to the backlog's bound since
    the last resume."""

    def __init__(self, name: str, backlog: int, drops: Optional[DropCount] = None):
        self.name = name
        self.connections: set["Connection"] = set()
        self.backlog: collections.deque = collections.deque(maxlen=backlog)
        self.dropped = 0
        self._drops = drops or DropCount()
        self.resume_token = secrets.token_urlsafe(24)
        # monotonic time since when agents are bound here and no connection holding
        # rights on it serves it (gc_core.liveness keeps it)
        self.orphaned_since: Optional[float] = None
        self.orphan_handled = False

    def deliver(self, text: str, agent_id: Optional[str] = None) -> None:
        """To every connection entitled to ``agent_id``'s events (every connection for
        an event about no agent); kept in the backlog when none of the recipients holds
        rights on this destination."""
        kept = False
        for conn in list(self.connections):
            if agent_id is None or conn.entitled(self.name, agent_id):
                conn.send(text)
                kept = kept or conn.holds(self.name)
        if kept:
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
        self.backlog.append((agent_id, text))

    def take_backlog(self, agent_id: Optional[str] = None) -> tuple[list[str], int]:
        """Remove and return the backlog (only ``agent_id``'s events and those about no
        agent, if given) and the number of events dropped since the last resume."""
        if agent_id is None:
            texts = [text for _, text in self.backlog]
            self.backlog.clear()
        else:
            texts, keep = [], []
            for item in self.backlog:
                (texts.append(item[1]) if item[0] in (None, agent_id) else keep.append(item))
            self.backlog.clear()
            self.backlog.extend(keep)
        dropped, self.dropped = self.dropped, 0
        return texts, dropped

    def token_matches(self, token: str) -> bool:
        return hmac.compare_digest(self.resume_token.encode(), token.encode("utf-8", "replace"))


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
    """Destinations and agent bindings, and who may see and command what.

    Rights are per connection (protocol.md, "Security, resume and liveness"): a
    connection *holds* a destination it created (its first ``Hello`` or ``Connect``
    named a new one) or whose resume token it presented, and then receives every
    event of that destination; otherwise it receives, and may command, only the agents
    whose credentials it proved on this connection with ``Connect``. Knowing a
    destination's name grants nothing but events about no agent (System)."""

    def __init__(self, licensed_agents: int = 0, backlog: int = 1000, max_destinations: int = 16):
        self.licensed_agents = licensed_agents
        self.backlog = backlog
        self.max_destinations = max_destinations
        self.destinations: dict[str, Destination] = {}
        self.agents: dict[str, AgentBinding] = {}
        self.drops = DropCount()
        # destination name -> ids of the agents bound there (unbind and leave look here
        # instead of scanning every agent: shutting 40,000 agents down was quadratic)
        self._bound: dict[str, set] = {}

    # -- destinations ------------------------------------------------------------
    def join(self, conn: "Connection", name: str, *, hold: bool = False) -> Destination:
        """Add ``conn`` to destination ``name``; a connection that creates it holds it.

        ``hold``: the transport vouches that ``conn`` *is* the destination's channel
        (a broker topic named after it, which only the broker's authenticated clients
        can read), so the connection holds it even if it existed.
        GCError PLEASE_RETRY when ``conn`` already serves ``max_destinations``, or when
        it has closed meanwhile (a Connect still running when its client vanished must
        not re-add a dead connection that :meth:`leave` has already removed: the
        destination would hold it, and everything it references, for good)."""
        if conn.closed:
            raise GCError("PLEASE_RETRY", f"the connection closed before it could join destination {name}")
        dest = self.destinations.get(name)
        if hold:
            conn.owned.add(name)
        if dest is not None and conn in dest.connections:
            return dest
        if len(conn.destinations) >= self.max_destinations:
            raise GCError("PLEASE_RETRY", f"this connection already serves {len(conn.destinations)} destinations, "
                                          f"the limit: destination {name} refused (use another connection)")
        if dest is None:
            dest = self.destinations[name] = Destination(name, self.backlog, self.drops)
            conn.owned.add(name)
        dest.connections.add(conn)
        conn.destinations.add(name)
        return dest

    def hello(self, conn: "Connection", name: str, token: Optional[str]) -> tuple[Destination, bool]:
        """Join ``name`` for Hello/Beat; with the destination's resume token, hold it.

        Returns the destination and whether this connection now resumes it (its
        backlog is then the caller's to replay). GCError SUBSCRIPTION_FAILED for a
        token that does not match an existing destination (nothing joined)."""
        dest = self.destinations.get(name)
        resumes = False
        if token and dest is not None and name not in conn.owned:
            if not dest.token_matches(token):
                raise GCError("SUBSCRIPTION_FAILED", f"the resume token does not match destination {name}: "
                                                     f"resume by repeating Connect for each agent")
            resumes = True
        dest = self.join(conn, name)
        if resumes:
            conn.owned.add(name)
        return dest, resumes

    def prove(self, conn: "Connection", dest: Destination, agent_id: str) -> None:
        """``conn`` proved ``agent_id``'s credentials for ``dest``."""
        conn.proven.setdefault(dest.name, set()).add(agent_id)

    def leave(self, conn: "Connection") -> None:
        for name in list(conn.destinations):
            dest = self.destinations.get(name)
            if dest is None:
                continue
            dest.connections.discard(conn)
            if not dest.connections and not self.agents_of(dest):
                del self.destinations[name]
        conn.destinations.clear()
        conn.owned.clear()
        conn.proven.clear()

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

    def revoke(self, previous: AgentBinding) -> None:
        """The connections of an agent's former destination lose their proof of it."""
        for conn in previous.destination.connections:
            conn.proven.get(previous.destination.name, set()).discard(previous.agent_id)

    def unbind(self, agent_id: str) -> Optional[AgentBinding]:
        binding = self.agents.pop(agent_id, None)
        if binding:
            self._forget(binding)
        if binding and not binding.destination.connections and not self.agents_of(binding.destination):
            self.destinations.pop(binding.destination.name, None)
        return binding

    def entitled(self, conn: "Connection", binding: AgentBinding) -> bool:
        """May ``conn`` see and command the bound agent?"""
        name = binding.destination.name
        return name in conn.destinations and conn.entitled(name, binding.agent_id)

    def require(self, conn: "Connection", agent_id: Optional[str]) -> AgentBinding:
        """The binding of ``agent_id`` if this connection is entitled to it."""
        binding = self.agents.get(agent_id or "")
        if binding is None or not self.entitled(conn, binding):
            raise GCError("SUBSCRIPTION_FAILED",
                          f"agent {agent_id} is not connected on this connection: send Connect with its "
                          f"credentials first (or Hello with its destination's resume token)")
        return binding
