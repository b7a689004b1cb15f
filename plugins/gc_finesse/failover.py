"""Which Finesse node GC uses, and moving to the other one (reference section 1).

A node is usable only when all three hold: its SystemInfo says IN_SERVICE, the
XMPP streams are up, and the ``finesse`` user's presence is AVAILABLE. Signs of
trouble come from everywhere and are collapsed into one state change:

- a SystemInfo notification other than IN_SERVICE (Finesse lost its CTI link);
- the ``finesse`` presence going UNAVAILABLE (the web application is down);
- REST answering 503, refusing connections (node gone) or timing out after its
  retries (NOT_REACHABLE);
- streams dropping: one stream alone may have been kicked, so the node is probed
  first (SystemInfo) and only that stream reconnected if the node is fine;
- a keep-alive ping left unanswered (one scheduler pings every stream, staggered:
  :class:`gc_finesse.xmpp_stream.Pinger`): the node is probed at once, SystemInfo
  and a few other streams' pings, so a silent node is noticed in seconds;
- the health probe: GET SystemInfo on the node in use every ``health_interval``
  seconds, independent of client commands (a hanging REST side is noticed without
  a client's command timing out); while no agent's stream is on that node (nobody
  signed in), its XMPP server is asked for a stream's features too
  (:mod:`gc_finesse.xmpp_probe`, no credentials needed), so a notification service
  that stopped is noticed with no agent signed in, and a node is taken (at start of
  a recovery, or moving to it) only when its XMPP answers.

On trouble the core hears ``SystemStatusChanged("OUT_OF_SERVICE")`` once (clients
get ``System OUT_OF_SERVICE``) and one recovery greenlet runs: it polls the current
node's SystemInfo every ``failover_poll_interval`` seconds; when the node is back it
reconnects the streams that dropped and waits for the ``finesse`` presence; if the
node has not come back after ``failover_after`` seconds (default 0: at once, as
Cisco's desktop does) and the other node is IN_SERVICE, REST and every XMPP stream
move there. The node in use counts as back only when its streams answer a ping
too (no ``IN_SERVICE`` from a stream that has not noticed yet that its server is
gone, followed by a second ``OUT_OF_SERVICE``). Then
``SystemStatusChanged("IN_SERVICE")``, and, when notifications may have been missed
(streams reconnected or moved: the new node does not re-publish what the old one
already did), every agent's User and Dialogs are read again and replayed as events
so clients see the current state. While out of service agent commands fail fast
with DOWN instead of piling up behind timeouts.
"""
from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Optional

import gevent
import gevent.event
import gevent.pool

from gc_core.errors import BackendError, GCError

if TYPE_CHECKING:  # pragma: no cover
    from .backend import FinesseBackend, FinesseSession
    from .settings import Node

log = logging.getLogger("gc.finesse.failover")

IN_SERVICE, OUT_OF_SERVICE = "IN_SERVICE", "OUT_OF_SERVICE"
# Streams (re)opened at once during a recovery; the XMPP thread does the work.
RECONNECT_CONCURRENCY = 50


class NodeMonitor:
    def __init__(self, backend: "FinesseBackend"):
        self.backend = backend
        self.settings = backend.settings
        self._recovery: Optional[gevent.Greenlet] = None
        self._checker: Optional[gevent.Greenlet] = None
        self._prober: Optional[gevent.Greenlet] = None
        self._health: Optional[gevent.Greenlet] = None
        self.probes = 0
        self._lost: set = set()                 # sessions whose stream dropped, to check
        self._poke = gevent.event.Event()       # wakes the recovery loop early
        self.presence = gevent.event.Event()    # the finesse user is AVAILABLE (as last seen)
        self.presence_lost = False              # the last presence seen was UNAVAILABLE
        self.switches = 0
        self.last_trouble = ""

    @property
    def recovering(self) -> bool:
        return self._recovery is not None and not self._recovery.dead

    def stop(self) -> None:
        for g in (self._recovery, self._checker, self._prober, self._health):
            if g is not None:
                g.kill(block=False)

    # -- the health probe ---------------------------------------------------------------
    def start_health_probe(self) -> None:
        if self.settings.health_interval > 0 and self._health is None:
            self._health = gevent.spawn(self._health_loop)

    def _health_loop(self) -> None:
        while not self.backend.stopped:
            gevent.sleep(self.settings.health_interval)
            if not self.recovering and not self.backend.stopped:
                if self._probe_rest("health probe") and not self.recovering:
                    self._probe_xmpp_unwatched("health probe")

    def _probe_xmpp_unwatched(self, why: str) -> bool:
        """With no agent's stream on the node in use (nobody signed in), nothing else
        watches its notification service: ask it for a stream's features
        (:mod:`gc_finesse.xmpp_probe`); no answer is trouble. With streams there, or
        agents' XMPP logins under way there (a wave of agents signing in: the server is
        busy, not gone, and each login has its own timeout), those watch it. A probe
        that goes unanswered while a stream came up meanwhile is "slow", not "gone"."""
        b = self.backend
        node = b.active_node()
        if b.status != IN_SERVICE or self._watched(node):
            return True
        problem = b.probe_xmpp(node)
        if problem is None:
            return True
        if self._watched(node):
            log.info("Finesse %s: XMPP probe unanswered (%s), but agents' streams are logging in there", node, problem)
            return True
        self.trouble("XMPP", f"{why}: XMPP on {node} ({node.host}:{node.xmpp_port}): {problem}")
        return False

    def _watched(self, node: "Node") -> bool:
        """Do agents' streams (connected, or logging in) watch ``node``'s XMPP side?"""
        return bool(self.backend.logins_in_flight.get(node)) or bool(self._streams_on(node))

    def _streams_on(self, node: "Node") -> list:
        return [s.stream for s in self.backend.live_sessions()
                if s.stream is not None and s.stream.connected and s.stream.node_key == node]

    def probe(self, why: str) -> None:
        """Check the node in use now (REST SystemInfo, then a few streams' pings),
        once at a time; trouble if it does not answer in ``health_timeout``."""
        if self.recovering or self.backend.stopped:
            return
        if self._prober is None or self._prober.dead:
            self._prober = gevent.spawn(self._probe, why)

    def _probe(self, why: str) -> None:
        # REST only: a busy server answers pings late (2,000 agents signing in), and
        # a stream really silent is dropped by the pinger after its retries anyway.
        self._probe_rest(why)

    def _probe_rest(self, why: str) -> bool:
        b = self.backend
        self.probes += 1
        node = b.active_node()
        asked = time.monotonic()
        try:
            doc = b.read_system_info(node, timeout=self.settings.health_timeout)
        except BackendError as exc:
            last = getattr(b.http, "last_answer", {}).get((node.host, node.port), 0.0)
            if exc.code == "NOT_REACHABLE" and last >= asked:
                # slow, not gone: the node answered other requests while we waited
                log.info("Finesse %s: SystemInfo slower than %.1f s, but the node answers", node,
                         self.settings.health_timeout)
                return True
            self.trouble(exc.code, f"{why}: SystemInfo on {node}: {exc.description}")
            return False
        if doc.info.status != IN_SERVICE:
            self.trouble(doc.info.status, f"{why}: {doc.info.status_reason}".strip())
            return False
        return True

    def xmpp_alive(self, node: "Node", sample: int = 3) -> bool:
        """Does the XMPP server of ``node`` answer? Pings up to ``sample`` of the
        streams that believe they are connected there; with none, probes the server
        without credentials (:meth:`FinesseBackend.probe_xmpp`)."""
        b = self.backend
        streams = self._streams_on(node)[:sample]
        if not streams:  # nobody signed in there: the server itself is asked
            problem = b.probe_xmpp(node)
            if problem is not None:
                log.info("Finesse %s: XMPP %s:%s: %s", node, node.host, node.xmpp_port, problem)
            return problem is None
        timeout = self.settings.health_timeout  # during a recovery only: slow counts as gone

        def ping(stream) -> bool:
            try:
                return bool(b.thread.call(stream.ping(timeout), timeout=timeout + 1.0))
            except (Exception, gevent.Timeout):
                return False
        pings = [gevent.spawn(ping, s) for s in streams]  # at once: one timeout, not one each
        gevent.joinall(pings, timeout=timeout + 2.0)
        return any(g.value for g in pings if g.ready())

    # -- signals ------------------------------------------------------------------------
    def trouble(self, kind: str, why: str = "") -> None:
        """Something says the current node is not usable (any greenlet may call this)."""
        b = self.backend
        if b.stopped:
            return
        self.last_trouble = f"{kind}: {why}" if why else kind
        if self.recovering:
            return
        log.warning("Finesse %s not usable (%s): out of service, recovering", b.active_node(), self.last_trouble)
        b.set_status(OUT_OF_SERVICE)
        self._poke.clear()
        self._recovery = gevent.spawn(self._recover)

    def on_system_info(self, status: str, reason: str = "") -> None:
        if status != IN_SERVICE:
            self.trouble(status, reason or "SystemInfo notification")
        elif self.recovering:
            self._poke.set()

    def on_presence(self, available: bool) -> None:
        if available:
            self.presence.set()
            self.presence_lost = False
            if self.recovering:
                self._poke.set()
        else:
            self.presence.clear()
            self.presence_lost = True
            self.trouble("FINESSE_UNAVAILABLE", "the finesse user's presence is unavailable")

    def on_stream_lost(self, session: "FinesseSession", reason: str) -> None:
        """One agent's stream dropped: the recovery reconnects everything anyway;
        otherwise probe the node once for all streams lost meanwhile."""
        if self.recovering or self.backend.stopped:
            return
        self._lost.add(session)
        if self._checker is None or self._checker.dead:
            self._checker = gevent.spawn(self._check_lost, reason)

    # -- lost streams while the node looked fine --------------------------------------------
    def _check_lost(self, reason: str) -> None:
        b = self.backend
        gevent.sleep(0.05)  # let the other streams of a dying server report too
        node = b.active_node()
        try:
            doc = b.read_system_info(node)
        except BackendError as exc:
            self._lost.clear()
            self.trouble(exc.code, f"stream lost ({reason}); SystemInfo: {exc.description}")
            return
        if doc.info.status != IN_SERVICE:
            self._lost.clear()
            self.trouble(doc.info.status, f"stream lost ({reason})")
            return
        while self._lost and not self.recovering:
            session = self._lost.pop()
            if session.closed or session.stream_up():
                continue
            try:
                session.reconnect_stream(node)
            except GCError as exc:
                if exc.code in ("SUBSCRIPTION_FAILED", "UNABLE_TO_SUBSCRIBE_TO_FINESSE") and exc.details.get("auth"):
                    b.lose_session(session, exc.description)
                else:
                    self.trouble("XMPP", f"cannot reconnect {session.agent_id}: {exc.description}")
                    return
            b.resync(session)

    # -- recovery --------------------------------------------------------------------------------
    def _recover(self) -> None:
        b = self.backend
        start = time.monotonic()
        interval = max(0.05, self.settings.failover_poll_interval)
        while not b.stopped:
            current = b.active_node()
            if self._try(current, switching=False):
                return self._done(current)
            other = b.other_node()
            waited = time.monotonic() - start
            if other is not None and waited >= self.settings.failover_after:
                if self._try(other, switching=True):
                    self.switches += 1
                    return self._done(other)
            self._poke.wait(interval)
            self._poke.clear()

    def _try(self, node: "Node", *, switching: bool) -> bool:
        b = self.backend
        try:
            doc = b.read_system_info(node, timeout=self.settings.health_timeout)
        except BackendError as exc:
            log.info("Finesse %s: %s", node, exc.description)
            return False
        if doc.info.status != IN_SERVICE:
            log.info("Finesse %s is %s %s", node, doc.info.status, doc.info.status_reason)
            return False
        try:
            b.accept_system_info(doc, node)
        except GCError as exc:
            log.error("Finesse %s: %s", node, exc.description)
            return False
        sessions = b.live_sessions()
        if not sessions:
            # nobody signed in: the node's notification service must answer too, or the
            # first agent's Connect would fail on a node GC called IN_SERVICE
            if not self.xmpp_alive(node):
                return False
            b.switch_to(node)
            return True
        if switching:
            log.warning("moving REST and %d XMPP streams from %s to %s", len(sessions), b.active_node(), node)
            self.presence.clear()
            self.presence_lost = False  # the new node's finesse user: waited for below
            b.switch_to(node)
            for s in sessions:
                s.drop_stream()
        todo = [s for s in sessions if not s.stream_up()]
        failed = self._reconnect(todo, node)
        if todo and failed == len(todo):
            return False
        if not self.xmpp_alive(node):
            log.info("Finesse %s: its XMPP streams do not answer pings", node)
            return False
        if switching or b.other_node() is None:
            # a node being moved to, or nowhere else to go: wait for the finesse user
            if not any(s.finesse_available() for s in b.live_sessions()) and \
                    not self.presence.wait(self.settings.presence_timeout):
                log.info("Finesse %s: no presence from the finesse user yet", node)
                return False
        elif self.presence_lost:
            # The node in use: the finesse user's last presence seen counts, not a
            # stream that has not received the UNAVAILABLE yet (that gave a false
            # IN_SERVICE between two OUT_OF_SERVICE); the other node is tried next.
            log.info("Finesse %s: the finesse user is still unavailable", node)
            return False
        return True

    def _reconnect(self, sessions: list, node: "Node") -> int:
        """Reopen these sessions' streams on ``node``; returns how many failed for a
        reason other than the agent's credentials (those sessions are lost)."""
        b = self.backend
        failed = 0

        def one(session: "FinesseSession") -> None:
            nonlocal failed
            try:
                session.reconnect_stream(node)
                session.needs_resync = True
            except GCError as exc:
                if exc.details.get("auth"):
                    b.lose_session(session, exc.description)
                else:
                    failed += 1
        pool = gevent.pool.Pool(RECONNECT_CONCURRENCY)
        for s in sessions:
            pool.spawn(one, s)
        pool.join()
        return failed

    def _done(self, node: "Node") -> None:
        b = self.backend
        log.warning("Finesse %s usable again: in service", node)
        self._recovery = None
        b.set_status(IN_SERVICE)
        for s in b.live_sessions():
            if s.needs_resync:
                b.resync(s)
