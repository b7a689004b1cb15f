"""Liveness: dead clients are noticed, and agents nobody serves are not left READY.

* Every connection records when the client was last heard from (any frame; a
  WebSocket pong; ``Beat`` is the spec's way to say "still here"). With
  ``gc.client_timeout`` > 0, a connection silent for longer is closed. WebSocket
  connections are pinged every ``websocket.ping_interval`` seconds (browsers and
  WebSocket libraries answer by themselves); TCP connections use TCP keepalive
  (``tcp.keepalive``: probes after that many idle seconds), so a vanished peer is
  noticed even by a client that never sends ``Beat``.
* A destination whose agents have had no connection holding rights on it for ``gc.orphan_timeout`` seconds
  is *orphaned*; ``gc.orphan_policy`` says what happens to its agents: ``none``
  (nothing), ``not_ready`` (a READY agent goes NOT_READY) or ``logout`` (signed out as
  force_logout does, and unbound). The default, ``logout`` after 180 s, is what
  Finesse does for an agent whose desktop went away (forced logout within 180 s).
"""
from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import gevent


if TYPE_CHECKING:  # pragma: no cover
    from .app import Connector

log = logging.getLogger("gc.liveness")
POLICIES = ("none", "not_ready", "logout")


class Liveness:
    def __init__(self, connector: "Connector", client_timeout: float, orphan_timeout: float, orphan_policy: str):
        if orphan_policy not in POLICIES:
            raise ValueError(f"gc.orphan_policy must be one of {', '.join(POLICIES)}, not {orphan_policy!r}")
        self.connector = connector
        self.client_timeout = client_timeout
        self.orphan_timeout = orphan_timeout
        self.orphan_policy = orphan_policy
        ticks = [t for t in (client_timeout, orphan_timeout) if t > 0]
        self.tick = max(0.05, min(ticks) / 4) if ticks else 0
        self._greenlet = None

    def start(self) -> None:
        if self.tick:
            self._greenlet = gevent.spawn(self._loop)

    def stop(self) -> None:
        if self._greenlet is not None:
            self._greenlet.kill(block=False)

    def _loop(self) -> None:
        while True:
            gevent.sleep(self.tick)
            try:
                self.check(time.monotonic())
            except Exception:
                log.exception("liveness check failed")

    def check(self, now: float) -> None:
        if self.client_timeout > 0:
            for conn in list(self.connector.connections):
                if not conn.closed and now - conn.last_seen > self.client_timeout:
                    log.info("%r: nothing heard for %.0f s (gc.client_timeout): closing it", conn, now - conn.last_seen)
                    conn.close("timeout")
        if self.orphan_timeout > 0 and self.orphan_policy != "none":
            sessions = self.connector.sessions
            bound = {b.destination.name for b in sessions.agents.values()}
            for dest in list(sessions.destinations.values()):
                if dest.name not in bound or any(c.holds(dest.name) for c in dest.connections):
                    dest.orphaned_since, dest.orphan_handled = None, False
                elif dest.orphaned_since is None:
                    dest.orphaned_since = now
                elif not dest.orphan_handled and now - dest.orphaned_since > self.orphan_timeout:
                    dest.orphan_handled = True
                    self._handle_orphan(dest)

    def _handle_orphan(self, dest) -> None:
        connector = self.connector
        for binding in connector.sessions.agents_of(dest):
            agent_id = binding.agent_id
            log.info("agent %s: destination %s has had no connection for %.0f s: %s (gc.orphan_policy)",
                     agent_id, dest.name, self.orphan_timeout, self.orphan_policy)

            def act(binding=binding, agent_id=agent_id) -> None:
                if connector.sessions.agents.get(agent_id) is not binding or dest.orphaned_since is None:
                    return  # reconnected meanwhile
                try:
                    if self.orphan_policy == "not_ready":
                        if binding.session.user().state == "READY":
                            binding.session.change_state("NOT_READY")
                    else:
                        binding.session.force_logout()
                        connector.sessions.unbind(agent_id)
                        binding.session.close()
                except Exception as exc:  # the backend refused: logged, nothing else to do
                    log.warning("agent %s: orphan policy %s failed: %s", agent_id, self.orphan_policy, exc)
            connector.workers.submit(agent_id, act)
