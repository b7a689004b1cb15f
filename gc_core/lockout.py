"""The lockout guard: GC never helps anyone lock an agent's Finesse account.

Finesse (like the sim) locks an account after ``lockout_threshold`` consecutive
refused sign-ins (5 by default) for a while, and then refuses even the right password
with ``CF_AGENT_ACCOUNT_LOCKED_OUT``. A client guessing passwords, or a CRM retrying a
stale one, would lock the agent out. So, before a ``Connect`` sends a credential to the
backend, :meth:`LockoutGuard.check` refuses it locally (``SUBSCRIPTION_FAILED`` with a
description that says why) when

1. GC holds the agent's verified credential (the agent is connected) and the password
   is not that one: the backend is not asked at all;
2. the same password was refused for this agent within ``lockout_window`` seconds: it is
   never sent again;
3. the peer (client IP address) had ``peer_refusal_limit`` credentials refused for this
   agent within the window (so one guessing client cannot use up the agent's
   allowance, and the agent's own client, from another address, still gets in);
4. the agent had ``lockout_threshold - 1`` credentials refused within the window: one
   more could lock the account, so until the window has passed only a password GC has
   verified goes through.

Each local refusal is reported to ``observe(rule, agent_id, peer)`` (the connector
passes it on to the ``gc_lockout_refused`` observation hook; the metrics plugin counts
``gc_lockout_refusals_total`` by ``rule``): rule ``wrong_password`` (1),
``repeated_password`` (2), ``peer_limit`` (3), ``agent_limit`` (4).

A successful sign-in clears the agent's count (as on Finesse). ``lockout_threshold = 0``
turns the guard off (Finesse's own lockout then applies as it is). Passwords are kept only
as keyed digests (a key random per process), never in clear.
"""
from __future__ import annotations

import collections
import hashlib
import hmac
import os
import time
from typing import Callable, Optional

from .errors import GCError


class LockoutGuard:
    MAX_KEYS = 100000  # agents / (address, agent) pairs remembered; the oldest forgotten beyond
    def __init__(self, window: float = 300.0, threshold: int = 5, peer_limit: int = 3,
                 clock: Callable[[], float] = time.monotonic,
                 observe: Optional[Callable[[str, str, str], None]] = None):
        self.window = window
        self.observe = observe
        self.threshold = threshold
        self.peer_limit = peer_limit
        self.clock = clock
        self._key = os.urandom(32)
        self._agents: dict[str, collections.deque] = {}  # agent -> deque[(time, digest)]
        self._peers: dict[tuple, collections.deque] = {}  # (peer address, agent) -> deque[time]

    def _digest(self, agent_id: str, password: str) -> bytes:
        return hmac.new(self._key, f"{agent_id}\0{password}".encode("utf-8"), hashlib.sha256).digest()

    def _recent(self, table: dict, key) -> collections.deque:
        entries = table.get(key)
        if entries is None:
            return collections.deque()
        horizon = self.clock() - self.window
        while entries and (entries[0][0] if isinstance(entries[0], tuple) else entries[0]) < horizon:
            entries.popleft()
        if not entries:
            del table[key]
        return entries

    def check(self, agent_id: str, password: str, peer: str, verified: Optional[bool] = None) -> None:
        """Raise GCError SUBSCRIPTION_FAILED if this credential must not reach the backend.

        ``verified``: None when GC holds no verified credential of the agent, else
        whether ``password`` is that credential. With ``threshold`` 0 the guard is off."""
        if self.threshold <= 0:
            return
        if verified is False:
            self._count_peer(peer, agent_id)
            raise self._refusal("wrong_password", agent_id, peer,
                                f"wrong password for agent {agent_id}: it is not the one the agent "
                                f"is connected with (refused by GC, not sent to the backend)")
        if verified:
            return
        window = int(self.window)
        refused = self._recent(self._agents, agent_id)
        digest = self._digest(agent_id, password)
        if any(hmac.compare_digest(d, digest) for _, d in refused):
            self._count_peer(peer, agent_id)
            raise self._refusal("repeated_password", agent_id, peer,
                                f"this password was refused for agent {agent_id} less than {window} s "
                                f"ago: GC does not send it again (the account would lock)")
        if len(self._recent(self._peers, (peer, agent_id))) >= self.peer_limit:
            raise self._refusal("peer_limit", agent_id, peer,
                                f"{self.peer_limit} passwords for agent {agent_id} from this "
                                f"client's address were refused in the last {window} s: GC "
                                f"refuses its Connects for the agent for now")
        if len(refused) >= self.threshold - 1:
            raise self._refusal("agent_limit", agent_id, peer,
                                f"{len(refused)} passwords for agent {agent_id} were refused in "
                                f"the last {window} s: one more would lock the account, so GC "
                                f"refuses further attempts for now")

    def _refusal(self, rule: str, agent_id: str, peer: str, description: str) -> GCError:
        """The SUBSCRIPTION_FAILED error of a local refusal, reported to ``observe`` first."""
        if self.observe is not None:
            self.observe(rule, agent_id, peer)
        return GCError("SUBSCRIPTION_FAILED", description)

    def refused(self, agent_id: str, password: str, peer: str) -> None:
        """The backend refused this credential."""
        self._agents.setdefault(agent_id, collections.deque()).append((self.clock(), self._digest(agent_id, password)))
        while len(self._agents) > self.MAX_KEYS:  # bounded memory under a spray of agent ids
            self._agents.pop(next(iter(self._agents)))
        self._count_peer(peer, agent_id)

    def accepted(self, agent_id: str) -> None:
        """The backend accepted the agent's credential: its count starts over."""
        self._agents.pop(agent_id, None)

    def _count_peer(self, peer: str, agent_id: str) -> None:
        self._peers.setdefault((peer, agent_id), collections.deque()).append(self.clock())
        while len(self._peers) > self.MAX_KEYS:  # bounded memory under a flood of addresses
            self._peers.pop(next(iter(self._peers)))


def peer_address(peer: str) -> str:
    """The address part of a connection's peer ("127.0.0.2:50432" -> "127.0.0.2")."""
    host, sep, port = peer.rpartition(":")
    return host if sep and port.isdigit() else peer


def is_refusal(exc: GCError) -> bool:
    """Did the backend refuse the credential itself (HTTP 401, or a locked account)?"""
    return exc.details.get("httpStatus") == 401 or exc.code in ("CF_AGENT_ACCOUNT_LOCKED_OUT", "UNAUTHORIZED")
