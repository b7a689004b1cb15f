"""GC processes on one command queue know each other through a control topic
(``/topic/GC.<queue>.peers``), so that when one dies its clients are told.

Every ``peer_interval`` seconds each process publishes its roster: a JSON text
message ``{"peer": "<host>-<pid>-<n>", "mode": "exclusive"|"groups", "active": bool,
"priority": int, "destinations": [names of the client destinations it serves]}``. A
peer not heard from for ``peer_timeout`` seconds is gone; so is, in exclusive mode,
every peer that claimed to be active when the broker hands the queue to this process
(its first message: the broker moves an exclusive consumer's queue only when that
consumer's connection ended).

The destinations of a gone peer are *orphans*: one survivor sends each of them a
``System`` event (the status of its own backend), the signal that the legacy driver
answers by re-sending ``Connect`` for its agents. The survivor that tells them is, in
exclusive mode, the one that took the queue (or, on a timeout before any message,
the standby of highest priority, then lowest peer id); in groups mode the lowest
peer id alive. Peers announce their rosters forever, so a process that started late
learns them within one interval.
"""
from __future__ import annotations

import itertools
import json
import logging
import os
import socket
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

log = logging.getLogger("gc.stomp.peers")
_seq = itertools.count(1)


def new_peer_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{next(_seq)}"


@dataclass
class Peer:
    id: str
    active: bool = False
    priority: int = 0
    destinations: set = field(default_factory=set)
    seen: float = 0.0  # time.monotonic() of its last roster


class Peers:
    """Peer bookkeeping of one process; ``notify(names)`` tells orphaned destinations."""

    def __init__(self, me: str, mode: str, priority: int, timeout: float,
                 notify: Callable[[Iterable[str]], None]):
        self.me = me
        self.mode = mode
        self.priority = priority
        self.timeout = timeout
        self.notify = notify
        self.active = mode == "groups"  # exclusive: active once the broker hands us the queue
        self.peers: dict[str, Peer] = {}

    def roster(self, destinations: Iterable[str]) -> str:
        return json.dumps({"peer": self.me, "mode": self.mode, "active": self.active,
                           "priority": self.priority, "destinations": sorted(destinations)})

    def heard(self, body: str) -> None:
        """A roster from the control topic (our own echo is ignored)."""
        try:
            msg = json.loads(body)
            peer_id = str(msg["peer"])
            active, priority = bool(msg.get("active")), int(msg.get("priority") or 0)
            destinations = {str(d) for d in msg.get("destinations") or ()}
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("ignoring a malformed message on the control topic")
            return
        if peer_id == self.me:
            return
        peer = self.peers.get(peer_id)
        if peer is None:
            peer = self.peers[peer_id] = Peer(peer_id)
            log.info("peer %s joined (%s)", peer_id, "active" if msg.get("active") else "standing by")
        if (active, destinations) != (peer.active, peer.destinations):
            log.debug("peer %s: %s, %d client destination(s)", peer_id, "active" if active else "standing by",
                      len(destinations))
        peer.active, peer.destinations = active, destinations
        peer.priority = priority
        peer.seen = time.monotonic()

    def grace(self) -> None:
        """Back on the broker after a loss: every known peer gets a full timeout to be
        heard again before it counts as gone."""
        now = time.monotonic()
        for peer in self.peers.values():
            peer.seen = now

    def took_queue(self) -> None:
        """Exclusive mode: the first message reached us, so we are the active one now and
        the peers that claimed the queue are gone."""
        if self.active:
            return
        self.active = True
        gone = [p for p in self.peers.values() if p.active]
        log.warning("took over the command queue%s", f" from {', '.join(p.id for p in gone)}" if gone else "")
        self._bury(gone, tell=True)

    def check(self, now: float | None = None) -> None:
        """Drop peers silent for longer than the timeout; tell their destinations if we
        are the survivor in charge."""
        now = time.monotonic() if now is None else now
        gone = [p for p in self.peers.values() if now - p.seen > self.timeout]
        if gone:
            log.warning("peer(s) %s silent for %.1f s: gone", ", ".join(p.id for p in gone), self.timeout)
            self._bury(gone, tell=self._in_charge(gone))

    def _in_charge(self, gone: list[Peer]) -> bool:
        alive = [p for p in self.peers.values() if p not in gone]
        if self.mode == "groups":
            return all(self.me < p.id for p in alive)
        if self.active:
            return True
        if any(p.active for p in alive):
            return False  # another process holds the queue and tells them
        return all((-self.priority, self.me) < (-p.priority, p.id) for p in alive)

    def _bury(self, gone: list[Peer], tell: bool) -> None:
        orphans: set[str] = set()
        for p in gone:
            self.peers.pop(p.id, None)
            if self.mode == "groups" or p.active:
                orphans |= p.destinations
        if tell and orphans:
            log.info("telling %d client destination(s) of the gone peer(s) to re-Connect", len(orphans))
            self.notify(sorted(orphans))
