"""The Finesse backend: :mod:`gc_core.backend` over Finesse's REST API and its XMPP
notifications, in the UCCE or UCCX flavour, so every command handler runs on it
unchanged.

- Reads are synchronous REST GETs with the agent's own credentials (sent per request
  over connections all agents share: :func:`gc_finesse.rest.shared_http`). Actions are
  PUT/POST answered 202 by Finesse; their results come back as notifications on
  the agent's XMPP stream carrying the client's ``requestId``, and reach the core
  as domain events (``UserChanged``, ``DialogChanged``, ``AgentError`` ...).
- :meth:`FinesseBackend.open_session` checks the credentials with one GET User (a
  wrong password is never sent twice: Finesse locks an agent out after five), then
  opens the agent's stream and verifies its subscriptions; only then is the session
  handed to the core, so a Login that follows cannot miss its notification.
- Every domain event goes to the core through the XMPP bridge's single FIFO
  dispatcher (also the ones the backend makes up after a failover), so an agent's
  events keep their order; events of a stream that is no longer the agent's current
  one (a client reconnected from another destination) are dropped, so nothing is
  delivered twice.
- Team and queue notifications: each interested session subscribes its own stream
  (Finesse wants explicit subscriptions with the full JID), but only the first
  subscriber's copy is passed on, so two supervisors of one team do not double the
  ``TeamMemberChanged`` events.
- Flavour rules (:mod:`gc_finesse.flavours`) refuse what the platform does not do
  before anything is sent. Failover: :mod:`gc_finesse.failover`.
"""
from __future__ import annotations

import collections
import logging
from typing import Optional

import gevent
import gevent.lock

from gc_core import backend as b
from gc_core.domain import (DialogChanged, MobileAgent, QueueChanged, SessionLost, SystemInfo,
                            SystemStatusChanged, Team, TeamMember, TeamMemberChanged, User, UserChanged)
from gc_core.errors import ORIGIN_GC, BackendError, GCError

from . import finesse_xml as FX
from . import flavours, xmpp_probe
from .failover import IN_SERVICE, OUT_OF_SERVICE, NodeMonitor
from .notifications import SystemInfoUpdate
from .rest import BasicAuth, RestClient, credentials, load_token_provider, shared_http
from .settings import FinesseSettings, Node
from .xmpp_bridge import XmppThread, resolve
from .xmpp_stream import AgentStream, Pinger, StreamAuthError, StreamError, StreamSettings

log = logging.getLogger("gc.finesse")

# Paths below are relative to Node.base_url (.../finesse/api).
PHONEBOOK_RANGE = "objects=1-6000"  # Finesse's maximum contacts per book


class FinesseBackend(b.Backend):
    name = "finesse"

    def __init__(self, settings: FinesseSettings):
        self.settings = settings
        self.flavour = settings.flavour
        self.capabilities = flavours.FLAVOUR_CAPS[settings.flavour]
        self._nodes: list[Node] = [settings.primary] + ([settings.secondary] if settings.secondary else [])
        self._active = 0
        self.status = OUT_OF_SERVICE
        self._info = SystemInfo(status=OUT_OF_SERVICE, deployment_type=settings.flavour,
                                primary_host=settings.primary.host,
                                secondary_host=settings.secondary.host if settings.secondary else "")
        self.xmpp_domain = settings.xmpp_domain
        self.xmpp_pubsub_domain = settings.xmpp_pubsub_domain
        self.auth_mode = ""
        self.sessions: dict[str, "FinesseSession"] = {}
        self._all_sessions: set["FinesseSession"] = set()
        self._streams: dict = {}  # id(session) -> its current stream, for the pinger
        # node -> XMPP logins under way there: they watch its XMPP side as much as a
        # connected stream does (a login that gets no answer fails on its own timeout)
        self.logins_in_flight: collections.Counter = collections.Counter()
        self._team_owners: dict[str, list["FinesseSession"]] = {}
        self._queue_owners: dict[str, list["FinesseSession"]] = {}
        self._sink: Optional[b.EventSink] = None
        self.stopped = False
        self.thread = XmppThread()
        self.monitor = NodeMonitor(self)
        # list(dict.values()) is one C call under the GIL: safe from the XMPP thread
        self.pinger = Pinger(self.thread, lambda: list(self._streams.values()), interval=settings.keepalive_interval,
                             timeout=max(1.0, min(10.0, settings.keepalive_interval)),
                             retries=settings.keepalive_retries, on_miss=self.on_ping_missed)
        self.token_provider = load_token_provider(settings.token_provider)
        # One pool of REST connections per node for every agent; credentials go per request.
        self.http = shared_http(settings)
        # SystemInfo needs no user
        self._system = RestClient(settings, "", None, self.active_node, on_response=self._rest_observed,
                                  http=self.http)
        self._reader: Optional[RestClient] = None
        if settings.team_reader_id:
            self._reader = RestClient(settings, settings.team_reader_id,
                                      BasicAuth(settings.team_reader_id, settings.team_reader_password),
                                      self.active_node, on_response=self._rest_observed, http=self.http)
        self._ssl = settings.ssl_context() if settings.xmpp_tls != "none" else None
        self._ips: dict[tuple, str] = {}

    def __repr__(self) -> str:
        return f"<FinesseBackend {self.flavour} {self.active_node()} {self.status}>"

    # -- nodes --------------------------------------------------------------------------
    def active_node(self) -> Node:
        return self._nodes[self._active]

    def other_node(self) -> Optional[Node]:
        if len(self._nodes) < 2:
            return None
        return self._nodes[1 - self._active]

    def switch_to(self, node: Node) -> None:
        if node in self._nodes:
            index = self._nodes.index(node)
            if index != self._active:
                self._active = index
                self.observe("failover", node=node.name)

    def describe(self) -> dict:
        """Nodes (the active one marked) and the XMPP streams up (``/console``, ``/metrics``)."""
        active = self.active_node()
        return {"nodes": [{"name": n.name, "address": f"{n.host}:{n.port}", "active": n is active}
                          for n in self._nodes],
                "xmpp_streams_up": sum(1 for s in list(self._all_sessions) if s.stream_up())}

    def _rest_observed(self, method: str, status: int, seconds: float) -> None:
        self.observe("rest", method=method, status=status, seconds=seconds)

    def read_system_info(self, node: Node, timeout: Optional[float] = None) -> FX.SystemInfoDoc:
        """GET SystemInfo on ``node``: once, short timeouts (probing, not serving);
        ``timeout`` (seconds) bounds both connecting and reading."""
        t = (min(self.settings.connect_timeout, 3.0), min(self.settings.read_timeout, 5.0))
        if timeout is not None:
            t = (min(t[0], timeout), min(t[1], timeout))
        el = self._system.get("/SystemInfo", node=node, retries=0, timeout=t)
        if el is None or el.tag != "systeminfo":
            raise BackendError("GENERAL_ERROR", f"Finesse {node} answered SystemInfo without a SystemInfo")
        return FX.system_info(el)

    def accept_system_info(self, doc: FX.SystemInfoDoc, node: Node) -> None:
        """Check SystemInfo against the configuration and take the XMPP domains (and
        the other node, when none is configured) from it."""
        info = doc.info
        if info.deployment_type and info.deployment_type != self.flavour:
            raise GCError("GENERAL_ERROR", f"finesse.flavour is {self.flavour} but Finesse {node} reports "
                                           f"deploymentType {info.deployment_type}: fix the configuration")
        if not self.settings.xmpp_domain and info.xmpp_domain:
            self.xmpp_domain = info.xmpp_domain
        if not self.settings.xmpp_pubsub_domain:
            self.xmpp_pubsub_domain = info.xmpp_pubsub_domain or (f"pubsub.{self.xmpp_domain}"
                                                                   if self.xmpp_domain else "")
        if not self.xmpp_domain:
            raise GCError("GENERAL_ERROR", f"Finesse {node} names no xmppDomain and finesse.xmpp_domain is not set")
        if doc.auth_mode == "SSO" and self.settings.auth == "basic":
            log.warning("Finesse reports systemAuthMode SSO but finesse.auth is basic")
        self.auth_mode = doc.auth_mode
        if len(self._nodes) == 1:
            other = doc.secondary if node.name == "primary" else doc.primary
            if other.host and (other.host, other.rest_port or self.settings.secondary_port) != (node.host, node.port):
                self._nodes.append(Node("secondary", other.host, other.rest_port or self.settings.secondary_port,
                                        other.xmpp_port or self.settings.secondary_xmpp_port, node.scheme))
                log.info("secondary Finesse node from SystemInfo: %s", self._nodes[-1])
        self._info = SystemInfo(status=info.status, deployment_type=info.deployment_type or self.flavour,
                                xmpp_domain=self.xmpp_domain, xmpp_pubsub_domain=self.xmpp_pubsub_domain,
                                primary_host=info.primary_host or self.settings.primary.host,
                                secondary_host=info.secondary_host, status_reason=info.status_reason)

    # -- lifecycle --------------------------------------------------------------------------
    def start(self, sink: b.EventSink) -> None:
        self._sink = sink
        self.thread.start()
        self.pinger.start()
        self.monitor.start_health_probe()
        errors = []
        for i, node in enumerate(self._nodes):
            try:
                doc = self.read_system_info(node)
            except BackendError as exc:
                errors.append(f"{node}: {exc.description}")
                continue
            self.accept_system_info(doc, node)  # a wrong flavour stops GC here, loudly
            if doc.info.status == IN_SERVICE:
                self._active = i
                self.status = IN_SERVICE
                self._info.status = IN_SERVICE
                log.info("Finesse %s %s in service (XMPP domain %s)", self.flavour, node, self.xmpp_domain)
                return
            errors.append(f"{node}: {doc.info.status} {doc.info.status_reason}".strip())
        log.error("no Finesse node in service at start (%s): waiting for one", "; ".join(errors))
        self.status = OUT_OF_SERVICE
        self._info.status = OUT_OF_SERVICE
        self.monitor.trouble("START", "; ".join(errors))

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        self.monitor.stop()
        self.pinger.stop()
        closers = [gevent.spawn(s.close_now) for s in list(self._all_sessions)]
        gevent.joinall(closers, timeout=5)
        self.thread.stop()
        self.http.close()

    def system_info(self) -> SystemInfo:
        self._info.status = self.status
        return self._info

    def set_status(self, status: str) -> None:
        if status == self.status:
            return
        self.status = status
        self._info.status = status
        self.post(SystemStatusChanged(status))

    # -- events -----------------------------------------------------------------------------
    def post(self, event) -> None:
        """Hand a domain event to the core behind everything already queued."""
        self.thread.post(self._deliver, event)

    def _deliver(self, event) -> None:
        sink = self._sink
        if sink is not None and not self.stopped:
            sink(event)

    def on_stream_events(self, stream: AgentStream, events: list) -> None:
        """Dispatcher greenlet: the domain events of one notification."""
        session: FinesseSession = stream.owner
        if session.closed or stream is not session.stream or self.sessions.get(session.agent_id) is not session:
            return  # a stream being replaced or closed: its twin delivers
        for event in events:
            if isinstance(event, SystemInfoUpdate):
                self.monitor.on_system_info(event.doc.info.status, event.doc.info.status_reason)
                continue
            if isinstance(event, TeamMemberChanged):
                owners = self._team_owners.get(event.team_id)
                if not owners or owners[0] is not session:
                    continue
            elif isinstance(event, QueueChanged):
                owners = self._queue_owners.get(event.queue.id)
                if not owners or owners[0] is not session:
                    continue
            elif isinstance(event, UserChanged):
                if event.user.login_id in ("", session.agent_id):
                    session.last_user = event.user
            elif isinstance(event, DialogChanged):
                session.track(event)
            self._deliver(event)

    def on_stream_lost(self, stream: AgentStream, reason: str) -> None:
        session: FinesseSession = stream.owner
        if session.closed or stream is not session.stream or self.stopped:
            return
        log.info("XMPP stream of %s lost: %s", session.agent_id, reason)
        self.monitor.on_stream_lost(session, reason)

    def on_ping_missed(self, stream: AgentStream) -> None:
        """Dispatcher greenlet: a stream of the node in use left a keep-alive ping
        unanswered: probe the node now rather than after the stream's retries."""
        session: FinesseSession = stream.owner
        if session.closed or stream is not session.stream or self.stopped:
            return
        if stream.node_key == self.active_node():
            self.monitor.probe("keep-alive ping unanswered")

    def on_finesse_presence(self, stream: AgentStream, available: bool) -> None:
        session: FinesseSession = stream.owner
        if session.closed or stream is not session.stream or self.stopped:
            return
        if stream.node_key != self.active_node():
            return
        self.monitor.on_presence(available)

    # -- sessions ---------------------------------------------------------------------------
    def require_in_service(self) -> None:
        if self.status != IN_SERVICE:
            raise BackendError("DOWN", f"Finesse is out of service ({self.monitor.last_trouble or 'recovering'}): "
                                       "GC is reconnecting, try again shortly")

    def open_session(self, agent_id: str, password: str, *, request_id: str = "") -> "FinesseSession":
        self.require_in_service()
        if not password:
            raise BackendError("MISSING_PASSWORD")
        creds = credentials(self.settings, agent_id, password, self.token_provider)
        session = FinesseSession(self, agent_id, creds.auth, creds.xmpp_secret)
        try:
            session.first_user = session.fetch_user()
            session.connect_stream(self.active_node())
        except BaseException:
            session.close_now()
            raise
        previous = self.sessions.get(agent_id)
        self.sessions[agent_id] = session
        if previous is not None and previous is not session:
            previous.superseded = True
        return session

    def live_sessions(self) -> list["FinesseSession"]:
        return [s for s in self.sessions.values() if not s.closed]

    def session_closed(self, session: "FinesseSession") -> None:
        self._all_sessions.discard(session)
        if self.sessions.get(session.agent_id) is session:
            del self.sessions[session.agent_id]
        self._streams.pop(id(session), None)
        for table, keys in ((self._team_owners, session.teams), (self._queue_owners, session.queue_ids)):
            for key in list(keys):
                self.remove_owner(table, key, session)

    def stream_changed(self, session: "FinesseSession") -> None:
        if session.stream is not None and not session.closed:
            self._streams[id(session)] = session.stream
        else:
            self._streams.pop(id(session), None)

    def lose_session(self, session: "FinesseSession", reason: str) -> None:
        """Finesse no longer accepts the agent's credentials: tell the core, forget them."""
        if session.closed:
            return
        current = self.sessions.get(session.agent_id) is session
        session.close_now()
        if current:
            self.post(SessionLost(session.agent_id, reason))

    def resync(self, session: "FinesseSession") -> None:
        """Re-read an agent's User and Dialogs and replay them as events (after
        notifications may have been missed)."""
        session.needs_resync = False
        if session.closed:
            return
        try:
            user = session.fetch_user()
            dialogs = session.fetch_dialogs()
        except GCError as exc:
            log.info("resync of %s failed: %s", session.agent_id, exc.description)
            return
        self.post(UserChanged(session.agent_id, user))
        seen = set()
        for d in dialogs:
            seen.add(d.id)
            self.thread.post(self._replay, session, DialogChanged(session.agent_id, d, "PUT"))
        for gone in list(session.dialog_snapshots):
            if gone not in seen:
                snap = session.dialog_snapshots[gone]
                snap.state = "DROPPED"
                self.thread.post(self._replay, session, DialogChanged(session.agent_id, snap, "DELETE"))

    def _replay(self, session: "FinesseSession", event: DialogChanged) -> None:
        if not session.closed:
            session.track(event)
            self._deliver(event)

    # -- team / queue subscriptions (first subscriber's copy is delivered) --------------------
    def add_owner(self, table: dict, key: str, session: "FinesseSession") -> None:
        owners = table.setdefault(key, [])
        if session not in owners:
            owners.append(session)

    def remove_owner(self, table: dict, key: str, session: "FinesseSession") -> None:
        owners = table.get(key)
        if owners and session in owners:
            owners.remove(session)
            if not owners:
                del table[key]

    # -- getallagents when Finesse will not show the agent its team ----------------------------
    def team_fallback(self, team_id: str) -> Team:
        if self._reader is not None and self._reader.refused is None:
            try:
                el = self._reader.get(f"/Team/{team_id}", params={"includeLoggedOutAgents": "true"})
                if el is not None:
                    return FX.team(el)
            except GCError as exc:
                log.warning("finesse.team_reader_id cannot read team %s: %s", team_id, exc.description)
        members, name = [], ""
        for s in sorted(self.live_sessions(), key=lambda s: s.agent_id):
            u = s.last_user
            if u is None or u.team is None or u.team.id != team_id:
                continue
            name = name or u.team.name
            members.append(TeamMember(login_id=u.login_id, first_name=u.first_name, last_name=u.last_name,
                                      extension=u.extension, state=u.state, pending_state=u.pending_state,
                                      reason_code=u.reason_code, state_change_time=u.state_change_time))
        return Team(id=team_id, name=name, users=members)

    # -- XMPP plumbing ------------------------------------------------------------------------
    def stream_settings(self) -> StreamSettings:
        return StreamSettings(domain=self.xmpp_domain, pubsub_domain=self.xmpp_pubsub_domain,
                              tls=self.settings.xmpp_tls, ssl_context=self._ssl,
                              resource_prefix=self.settings.xmpp_resource, timeout=self.settings.xmpp_timeout,
                              iq_timeout=min(10.0, self.settings.xmpp_timeout))

    def probe_xmpp(self, node: Node) -> Optional[str]:
        """Does ``node``'s XMPP server open a stream for the domain (no credentials)?
        None when it does, else why not (:func:`gc_finesse.xmpp_probe.probe`), within
        ``health_timeout`` seconds."""
        timeout = self.settings.health_timeout
        try:
            ip, port = self.xmpp_address(node)
        except OSError as exc:
            return f"cannot resolve {node.host}: {exc}"
        return xmpp_probe.probe(ip, port, self.xmpp_domain, timeout,
                                ssl_context=self._ssl if self.settings.xmpp_tls == "direct" else None)

    def xmpp_address(self, node: Node) -> tuple[str, int]:
        key = (node.host, node.xmpp_port)
        ip = self._ips.get(key)
        if ip is None:
            ip = self._ips[key] = resolve(node.host, node.xmpp_port)
        return ip, node.xmpp_port


class FinesseSession(b.AgentSession):
    """One connected agent: its REST client and its XMPP stream."""

    def __init__(self, backend: FinesseBackend, agent_id: str, auth, xmpp_secret: str):
        self.backend = backend
        self.agent_id = agent_id
        self.flavour = backend.flavour
        self.logout_from_ready = backend.flavour == "UCCX"
        self._xmpp_secret = xmpp_secret
        self.rest = RestClient(backend.settings, agent_id, auth, backend.active_node,
                               on_trouble=backend.monitor.trouble, on_auth_refused=self._auth_refused,
                               on_response=backend._rest_observed, http=backend.http)
        self.stream: Optional[AgentStream] = None
        self.first_user: Optional[User] = None
        self.last_user: Optional[User] = None
        self.teams: set[str] = set()
        self.queue_ids: set[str] = set()
        self.dialog_snapshots: dict = {}
        self._team_forbidden: set[str] = set()
        self.closed = False
        self.superseded = False
        self.needs_resync = False
        self._stream_lock = gevent.lock.BoundedSemaphore()
        backend._all_sessions.add(self)

    def __repr__(self) -> str:
        return f"<FinesseSession {self.agent_id}>"

    # -- plumbing ---------------------------------------------------------------------------
    def _auth_refused(self, why: str) -> None:
        if self.stream is not None or self.last_user is not None:
            # An established session whose credentials stopped working.
            gevent.spawn(self.backend.lose_session, self, f"Finesse refused the agent's credentials ({why})")

    def _ready(self) -> None:
        if self.closed:
            raise BackendError("SUBSCRIPTION_FAILED", f"the session of agent {self.agent_id} is closed")
        self.backend.require_in_service()

    def connect_stream(self, node: Node) -> None:
        """Open the agent's stream on ``node`` (replacing a dead one)."""
        be = self.backend
        with self._stream_lock:
            if self.closed:
                raise BackendError("SUBSCRIPTION_FAILED", f"the session of agent {self.agent_id} is closed")
            old, self.stream = self.stream, None
            if old is not None:
                old.close()
            stream = AgentStream(be.thread, self.agent_id, self._xmpp_secret, be.stream_settings(), be)
            stream.owner = self
            stream.node_key = node
            be.logins_in_flight[node] += 1
            try:
                ip, port = be.xmpp_address(node)
                stream.open(ip, port)
            except StreamAuthError as exc:
                raise BackendError("UNABLE_TO_SUBSCRIBE_TO_FINESSE", str(exc), auth=True) from None
            except (StreamError, OSError, RuntimeError) as exc:
                stream.close()
                raise BackendError("UNABLE_TO_SUBSCRIBE_TO_FINESSE",
                                   f"no notifications for agent {self.agent_id}: {exc}") from None
            finally:
                be.logins_in_flight[node] -= 1
                if be.logins_in_flight[node] <= 0:
                    del be.logins_in_flight[node]
            self.stream = stream
            for team_id in sorted(self.teams):
                stream.subscribe(_team_node(team_id))
            for queue_id in sorted(self.queue_ids):
                stream.subscribe(_queue_node(queue_id))
        be.stream_changed(self)

    def reconnect_stream(self, node: Node) -> None:
        self.connect_stream(node)

    def drop_stream(self) -> None:
        """The node is being left: close the stream now (its subscriptions go with
        the node); :meth:`connect_stream` opens the new one."""
        stream, self.stream = self.stream, None
        self.backend.stream_changed(self)
        if stream is not None:
            stream.close()

    def stream_up(self) -> bool:
        s = self.stream
        return s is not None and s.connected and s.node_key == self.backend.active_node()

    def finesse_available(self) -> bool:
        s = self.stream
        return s is not None and s.connected and s.finesse_available

    def track(self, event: DialogChanged) -> None:
        """Remember the dialogs the agent was told about (a resync after a failover
        then tells it which ones ended meanwhile)."""
        d = event.dialog
        mine = None
        ext = self.last_user.extension if self.last_user else ""
        if ext:
            mine = d.participant(ext)
        ended = event.change == "DELETE" or d.state in ("DROPPED", "FAILED") or \
            (mine is not None and mine.state in ("DROPPED", "FAILED"))
        if ended:
            self.dialog_snapshots.pop(d.id, None)
        else:
            self.dialog_snapshots[d.id] = d

    # -- reads ----------------------------------------------------------------------------------
    def fetch_user(self) -> User:
        el = self.rest.get(f"/User/{self.agent_id}")
        if el is None:
            raise BackendError("GENERAL_ERROR", f"Finesse sent no User for {self.agent_id}")
        user = FX.user(el)
        self.last_user = user
        return user

    def fetch_dialogs(self) -> list:
        el = self.rest.get(f"/User/{self.agent_id}/Dialogs")
        return FX.dialogs(el) if el is not None else []

    def user(self) -> User:
        first, self.first_user = self.first_user, None
        if first is not None:  # the GET open_session just made (Connect asks again at once)
            return first
        self._ready()
        return self.fetch_user()

    def dialogs(self) -> list:
        self._ready()
        dialogs = self.fetch_dialogs()
        for d in dialogs:
            self.dialog_snapshots[d.id] = d
        return dialogs

    def reason_codes(self, category: str) -> list:
        self._ready()
        el = self.rest.get(f"/User/{self.agent_id}/ReasonCodes", params={"category": category.upper()})
        codes = FX.reason_codes(el) if el is not None else []
        for c in codes:
            c.category = c.category or category.upper()
        return codes

    def wrap_up_reasons(self) -> list:
        self._ready()
        el = self.rest.get(f"/User/{self.agent_id}/WrapUpReasons")
        return FX.wrap_up_reasons(el) if el is not None else []

    def team(self, team_id: str) -> Team:
        """GET Team with the agent's credentials. Finesse may refuse it to an agent
        (it does to non-supervisors on some versions: *uncertain*); then the team as
        the configured reader account, or as GC knows it, is answered (see
        :meth:`FinesseBackend.team_fallback`). A refusal is remembered per team, so
        the agent's credentials are not sent into 401s again and again."""
        self._ready()
        if team_id not in self._team_forbidden:
            try:
                el = self.rest.get(f"/Team/{team_id}", params={"includeLoggedOutAgents": "true"})
                if el is not None:
                    return FX.team(el)
            except BackendError as exc:
                if exc.details.get("httpStatus") not in (401, 403) or self.rest.refused is not None:
                    raise
                self._team_forbidden.add(team_id)
                log.info("Finesse does not show team %s to agent %s (%s): using the fallback", team_id,
                         self.agent_id, exc.details.get("finesseErrorType") or exc.code)
        return self.backend.team_fallback(team_id)

    def queues(self) -> list:
        self._ready()
        el = self.rest.get(f"/User/{self.agent_id}/Queues")
        return FX.queues(el) if el is not None else []

    def phonebooks(self) -> list:
        self._ready()
        el = self.rest.get(f"/User/{self.agent_id}/PhoneBooks", headers={"Range": PHONEBOOK_RANGE})
        return FX.phonebooks(el) if el is not None else []

    def team_phonebooks(self, team_id: str) -> list:
        self._ready()
        el = self.rest.get(f"/TeamResource/{team_id}/PhoneBooks", headers={"Range": PHONEBOOK_RANGE})
        return FX.phonebooks(el) if el is not None else []

    def contacts(self, phonebook_id: str) -> list:
        self._ready()
        pages = self.rest.get_ranged(f"/PhoneBook/{phonebook_id}/Contacts", self.backend.settings.phonebook_page_size)
        return [c for page in pages for c in FX.contacts(page)]

    # -- actions ---------------------------------------------------------------------------------
    def change_state(self, state: str, *, reason_code_id: Optional[str] = None, extension: Optional[str] = None,
                     mobile_agent: Optional[MobileAgent] = None, request_id: str = "") -> None:
        state = state.upper()
        flavours.check_state(self.flavour, state, mobile=mobile_agent is not None)
        if state == "LOGIN" and not extension:
            raise BackendError("MISSING_EXTENSION")
        self._ready()
        body = FX.user_state_body(state, reason_code_id=reason_code_id, extension=extension,
                                  mobile_agent=mobile_agent)
        self.rest.put(f"/User/{self.agent_id}", body, request_id)

    def _extension(self) -> str:
        user = self.last_user or self.fetch_user()
        if not user.extension:
            user = self.fetch_user()
        if not user.extension:
            raise BackendError("CF_INVALID_OBJECT_STATE", f"agent {self.agent_id} is not signed in to a device",
                               origin=ORIGIN_GC)
        return user.extension

    def make_call(self, to_address: str, *, call_variables: Optional[dict] = None, request_id: str = "") -> None:
        flavours.check_make_call(self.flavour, call_variables)
        if not to_address:
            raise BackendError("MISSING_NUMBER")
        self._ready()
        body = FX.make_call_body(self._extension(), to_address, call_variables)
        self.rest.post(f"/User/{self.agent_id}/Dialogs", body, request_id)

    def dialog_action(self, dialog_id: str, action: str, *, target_media_address: Optional[str] = None,
                      to_address: Optional[str] = None, action_params: Optional[dict] = None,
                      request_id: str = "") -> None:
        action = action.upper()
        flavours.check_action(self.flavour, action)
        if not dialog_id:
            raise BackendError("NO_DIALOG_ID", "no dialog id given")
        self._ready()
        body = FX.dialog_action_body(action, target_media_address=target_media_address or self._extension(),
                                     to_address=to_address, action_params=action_params)
        self.rest.put(f"/Dialog/{dialog_id}", body, request_id)

    def update_call_data(self, dialog_id: str, *, call_variables: Optional[dict] = None,
                         wrap_up_reason: Optional[str] = None, request_id: str = "") -> None:
        if not dialog_id:
            raise BackendError("NO_DIALOG_ID", "no dialog id given")
        self._ready()
        body = FX.update_call_data_body(call_variables=call_variables, wrap_up_reason=wrap_up_reason)
        self.rest.put(f"/Dialog/{dialog_id}", body, request_id)

    def supervisor_call(self, action: str, to_address: str, *, associated_dialog_id: Optional[str] = None,
                        request_id: str = "") -> None:
        action = action.upper()
        if action not in ("SILENT_MONITOR", "BARGE_CALL"):
            raise BackendError("PLEASE_RETRY", f"unknown supervisor call {action}", origin=ORIGIN_GC)
        self._ready()
        body = FX.supervisor_call_body(action, self._extension(), to_address, associated_dialog_id)
        self.rest.post(f"/User/{self.agent_id}/Dialogs", body, request_id)

    def change_member_state(self, member_id: str, state: str, *, request_id: str = "") -> None:
        """Supervisor: READY / NOT_READY / LOGOUT of a team member, never with a
        reason code (reference section 1)."""
        state = state.upper()
        if state not in ("READY", "NOT_READY", "LOGOUT"):
            raise BackendError("PLEASE_RETRY", f"a supervisor may set READY, NOT_READY or LOGOUT, not {state}",
                               origin=ORIGIN_GC)
        self._ready()
        self.rest.put(f"/User/{member_id}", FX.user_state_body(state), request_id)

    def subscribe_team(self, team_id: str) -> None:
        self._subscribe(self.teams, self.backend._team_owners, team_id, _team_node(team_id))

    def unsubscribe_team(self, team_id: str) -> None:
        self._unsubscribe(self.teams, self.backend._team_owners, team_id, _team_node(team_id))

    def subscribe_queue(self, queue_id: str) -> None:
        self._subscribe(self.queue_ids, self.backend._queue_owners, queue_id, _queue_node(queue_id))

    def unsubscribe_queue(self, queue_id: str) -> None:
        self._unsubscribe(self.queue_ids, self.backend._queue_owners, queue_id, _queue_node(queue_id))

    def _subscribe(self, held: set, owners: dict, key: str, node: str) -> None:
        """An explicit pubsub subscription (Team/Queue nodes), once per session; the
        backend's owner map routes the node's notifications to this session."""
        self._ready()
        if key in held:
            return
        if self.stream is not None:
            try:
                self.stream.subscribe(node)
            except StreamError as exc:
                raise BackendError("UNABLE_TO_SUBSCRIBE_TO_FINESSE", str(exc)) from None
        held.add(key)
        self.backend.add_owner(owners, key, self)

    def _unsubscribe(self, held: set, owners: dict, key: str, node: str) -> None:
        if key not in held:
            return
        held.discard(key)
        self.backend.remove_owner(owners, key, self)
        if self.stream is not None:
            try:
                self.stream.unsubscribe(node)
            except StreamError as exc:
                log.info("unsubscribing %s from %s: %s", self.agent_id, node, exc)

    # -- closing ------------------------------------------------------------------------------------
    def close(self) -> None:
        """Unsubscribe and disconnect in the background; forget the credentials.
        Finesse keeps the agent's state (it signs the agent out only if no stream of
        the agent shows presence for a while)."""
        if self.closed:
            return
        self.closed = True
        stream, self.stream = self.stream, None
        if stream is not None:
            stream.close()
        self._forget()

    def close_now(self) -> None:
        if self.closed and self.stream is None:
            self._forget()
            return
        self.closed = True
        stream, self.stream = self.stream, None
        if stream is not None:
            stream.close_wait(3.0)
        self._forget()

    def _forget(self) -> None:
        self._xmpp_secret = ""
        self.rest.close()
        self.backend.session_closed(self)


def _team_node(team_id: str) -> str:
    return f"/finesse/api/Team/{team_id}/Users"


def _queue_node(queue_id: str) -> str:
    return f"/finesse/api/Queue/{queue_id}"
