"""The connector: builds everything from configuration and plugins, turns frames into
handled commands and domain events into client events, and runs the gevent process
until SIGTERM/SIGINT.
"""
from __future__ import annotations

import itertools
import logging
import secrets
import signal
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

import gevent
import gevent.event

from . import events
from .backend import Backend
from .backends import Backends, label as backend_label
from .codec import FrameError, decode, encode_event
from .commands import (SCOPE_AGENT, SCOPE_CONNECT, SCOPE_SYSTEM, CommandRegistry, CommandSpec, Request, Route,
                       unavailable_reason)
from .config import Config
from .connection import Connection
from .domain import BACKEND_SCOPED, DomainEvent
from .errors import GCError
from .logs import log_context
from .heap import HeapFreezer
from .liveness import Liveness
from .lockout import LockoutGuard
from .transport_security import ClientCredential
from .plugins import PluginManager
from .resources import schemas_dir
from .schemas import SchemaRegistry
from .sessions import AgentBinding, Sessions
from .workers import KeyedWorkers

log = logging.getLogger("gc")


@dataclass
class CommandContext:
    """What a command handler gets: the request, where it came from, the agent's
    binding (for agent commands) and ways to answer."""
    connector: "Connector"
    connection: Connection
    request: Request
    route: Route
    binding: Optional[AgentBinding] = None
    # Set when a supervisor (``binding``) acts on this member of its team.
    member_id: Optional[str] = None
    _correlation: Optional[str] = None
    # For gc_command_done: when decoding began (time.perf_counter) and the outcome so far.
    started: float = 0.0
    result: str = "OK"

    @property
    def backend_request_id(self) -> str:
        """The request id to give the backend (:class:`RequestLedger`): the client's
        requestId, or a private token (no requestId, or a member action)."""
        return self._correlation or self.request.request_id or ""

    @property
    def params(self) -> dict:
        return self.request.params

    @property
    def agent_id(self) -> str:
        return self.request.agent_id or ""

    @property
    def session(self):
        if self.binding is None:
            raise GCError("SUBSCRIPTION_FAILED", f"agent {self.agent_id} is not connected")
        return self.binding.session

    @property
    def backend(self) -> Backend:
        """The agent's backend (the default backend for a command without an agent)."""
        if self.binding is not None and self.binding.backend is not None:
            return self.binding.backend
        return self.connector.backend

    def emit(self, event: Any, agent_id: Optional[str] = None) -> None:
        """Send a request's result to the agent's destination, stamped with its requestId."""
        events.with_request_id(event, self.request.request_id)
        target = agent_id or self.agent_id
        if target in self.connector.sessions.agents:
            self.connector.emit(target, event)
        else:
            self.reply(event)

    def reply(self, event: Any) -> None:
        """Send to this connection only."""
        events.with_request_id(event, self.request.request_id)
        self.connector.send_to_connection(self.connection, event, self.request.agent_id)

    def fail(self, err: GCError) -> None:
        self.result = err.code
        self.connector.send_to_connection(self.connection, events.error(
            err, agent_id=self.request.agent_id, request=self.request.origin(),
            request_id=self.request.request_id), self.request.agent_id)


@dataclass(frozen=True)
class RequestEntry:
    """What the ledger remembers of one request: who sent it (``requester``: the
    agent whose client sent it; for a supervisor's command on a member, the
    supervisor), the ``requestId`` the client gave (None for none, e.g. every legacy
    frame), ``origin`` ({category, type}, what an Error echoes) and ``member``: it acts
    on a team member (the member's own client did not ask)."""
    requester: str
    client_request_id: Optional[str]
    origin: dict
    member: bool = False


class RequestLedger:
    """Correlates what a backend reports later (events, asynchronous errors: they carry
    the request id the backend was given) with the request that caused it.

    Every agent command gets a backend request id: the client's own ``requestId``
    when it gave one (it travels to Finesse as the ``requestId`` header); otherwise,
    and for a supervisor's command on a member, a private token (``gcr-<n>`` /
    ``gcm-<n>``) that no client ever sees. So an asynchronous ``Error`` names the
    command that caused it (``request``) also for a legacy frame, which has no
    requestId. The oldest entries are forgotten beyond ``limit``."""

    MEMBER = "gcm-"
    PRIVATE = "gcr-"

    def __init__(self, limit: int = 10000):
        self.limit = limit
        self._entries: dict[tuple, RequestEntry] = {}
        self._seq = itertools.count(1)
        # tokens unique across GC processes sharing a Finesse (active-passive, scale-out)
        self._nonce = secrets.token_hex(4)

    def open(self, agent_id: str, request: Request, *, supervisor_id: Optional[str] = None) -> str:
        """The backend request id for ``request`` on ``agent_id`` (a member when
        ``supervisor_id`` is given)."""
        rid = request.request_id
        if supervisor_id is not None:
            token = f"{self.MEMBER}{self._nonce}-{next(self._seq)}"
            entry = RequestEntry(supervisor_id, rid, request.origin(), member=True)
        else:
            token = rid or f"{self.PRIVATE}{self._nonce}-{next(self._seq)}"
            entry = RequestEntry(agent_id, rid, request.origin())
        key = (agent_id, token)
        self._entries.pop(key, None)  # a reused requestId: the newest request owns it
        self._entries[key] = entry
        while len(self._entries) > self.limit:
            self._entries.pop(next(iter(self._entries)))
        return token

    def lookup(self, agent_id: str, request_id: str) -> Optional[RequestEntry]:
        """The entry of the request ``request_id`` sent for ``agent_id``, else None."""
        if not request_id:
            return None
        return self._entries.get((agent_id, request_id))

    def client_request_id(self, agent_id: str, request_id: str) -> str:
        """The requestId the agent's own client may see on an event the backend
        stamped with ``request_id``: "" for private tokens and member commands."""
        entry = self.lookup(agent_id, request_id)
        if entry is not None:
            return "" if entry.member else (entry.client_request_id or "")
        if request_id and request_id.startswith((self.MEMBER, self.PRIVATE)):
            return ""  # an entry already forgotten
        return request_id or ""

    def member_request(self, agent_id: str, request_id: str) -> Optional[RequestEntry]:
        """The entry when ``request_id`` is a supervisor's command on member ``agent_id``."""
        entry = self.lookup(agent_id, request_id)
        return entry if entry is not None and entry.member else None


class Connector:
    def __init__(self, config: Config, plugins: PluginManager):
        self.config = config
        self.plugins = plugins
        hook = plugins.hook
        gc_conf = config["gc"]
        events.set_timezone(gc_conf["event_timezone"])
        self.schemas: SchemaRegistry = plugins.schema_registry(schemas_dir())  # PluginError naming the plugin
        # Every configured backend instance (gc_core.backends); ``backend`` is the default one.
        self.backends = Backends.build(config, plugins)
        self.backend: Backend = self.backends.default
        self.routes = CommandRegistry(self._command_specs(), self.schemas, self.backends.capabilities(),
                                      backend_label=self.backends.label(),
                                      disabled=self.plugins.disabled_commands())
        for backend in self.backends:
            backend.observe = self._observer(backend)
        self.mappers: dict[type, list[Callable]] = {}
        for mapping in hook.gc_event_mappers():
            for cls, fn in (mapping or {}).items():
                self.mappers.setdefault(cls, []).append(fn)
        self.client_credential = ClientCredential(gc_conf["client_secret"])
        self.lockout = LockoutGuard(gc_conf["lockout_window"], gc_conf["lockout_threshold"],
                                    gc_conf["peer_refusal_limit"],
                                    observe=lambda rule, agent_id, peer: hook.gc_lockout_refused(
                                        rule=rule, agent_id=agent_id, peer=peer))
        self.liveness = Liveness(self, gc_conf["client_timeout"], gc_conf["orphan_timeout"],
                                 gc_conf["orphan_policy"])
        self.sessions = Sessions(gc_conf["licensed_agents"], gc_conf["destination_backlog"],
                                 gc_conf["max_destinations_per_connection"])
        self.workers = KeyedWorkers(gc_conf["agent_queue"])
        self.ledger = RequestLedger()
        self.validate_events = gc_conf["validate_events"]
        self.connections: set[Connection] = set()
        self.transports: list = []
        self.status = "OUT_OF_SERVICE"  # overall: IN_SERVICE when every backend is
        self.backend_status: dict[str, str] = {name: "OUT_OF_SERVICE" for name in self.backends.by_name}
        self.heap = HeapFreezer(lambda: len(self.sessions.agents), gc_conf["heap_freeze_interval"])
        self.extras: dict[str, Any] = {}  # per-process state plugins keep, by "plugin.key"
        self._stopped = gevent.event.Event()
        self._started = False

    def _observer(self, backend: Backend) -> Callable[..., None]:
        """``backend.observe``: forwards to the gc_backend_observed hook."""
        hook = self.plugins.hook
        return lambda name, **fields: hook.gc_backend_observed(backend=backend, name=name, fields=fields)

    def _command_specs(self) -> list[CommandSpec]:
        return self.plugins.command_specs()  # checked, each stamped with its plugin's name

    # -- lifecycle ---------------------------------------------------------------
    def start(self) -> None:
        for backend in self.backends:
            backend.start(self._sink_of(backend))
            status = backend.system_info().status
            self.backend_status[backend.instance] = "IN_SERVICE" if status == "IN_SERVICE" else "OUT_OF_SERVICE"
        self.status = _combined(self.backend_status.values())
        self.heap.start()
        self.plugins.hook.gc_startup(connector=self)
        for transports in self.plugins.hook.gc_transports(connector=self):
            for transport in transports or []:
                transport.start()
                self.transports.append(transport)
        for transport in self.transports:  # once all listen: a start-up failure is gc's one error line
            log.info("%s listening on %s", transport.name, transport.address)
        self.liveness.start()
        self._started = True

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        # a start that failed (a port in use) ends with gc's one error line, not this
        log.log(logging.INFO if self._started else logging.DEBUG, "stopping")
        self.heap.stop()
        self.liveness.stop()
        for transport in self.transports:
            try:
                transport.stop()
            except Exception:
                log.exception("stopping transport %s", transport.name)
        for conn in list(self.connections):
            conn.flush_and_close(timeout=1.0)
        try:
            self.plugins.hook.gc_shutdown(connector=self)
        finally:
            for agent_id in list(self.sessions.agents):
                binding = self.sessions.unbind(agent_id)
                try:
                    binding.session.close()
                except Exception:
                    log.exception("closing the session of %s", agent_id)
            for backend in self.backends:
                try:
                    backend.stop()
                except Exception:
                    log.exception("stopping backend %s", backend.instance)
            self._stopped.set()

    def serve_forever(self) -> None:
        """Run until SIGTERM or SIGINT, then stop gracefully."""
        if not self._started:
            self.start()
        for sig in (signal.SIGTERM, signal.SIGINT):
            gevent.signal_handler(sig, lambda: gevent.spawn(self.stop))
        self._stopped.wait()

    # -- connections -------------------------------------------------------------
    def open_connection(self, transport: str, peer: str, write: Callable[[str], None],
                        close: Callable[[], None], max_queue: int,
                        write_many: Optional[Callable[[list], None]] = None) -> Connection:
        """A client connection (see :class:`Connection` for ``write`` / ``write_many``);
        the transport's reader hands it each frame (``receive``) and calls ``pace``."""
        conn = Connection(self, transport, peer, write, close, max_queue, write_many)
        conn.authenticated = not self.client_credential.required
        self.connections.add(conn)
        with log_context(transport=transport, peer=peer):
            log.debug("%r opened", conn)
        return conn

    def connection_closed(self, conn: Connection) -> None:
        self.connections.discard(conn)
        self.sessions.leave(conn)
        with log_context(transport=conn.transport, peer=conn.peer):
            log.debug("%r closed (%s)", conn, conn.close_reason)
        self.plugins.hook.gc_connection_closed(transport=conn.transport, peer=conn.peer, reason=conn.close_reason)

    def frame_too_large(self, conn: Connection, size: int, limit: int) -> None:
        self.send_to_connection(conn, events.error(GCError(
            "PLEASE_RETRY", f"frame of {size} bytes exceeds the limit of {limit} bytes: discarded")), None)

    def frame_not_text(self, conn: Connection) -> None:
        self.send_to_connection(conn, events.error(GCError(
            "PLEASE_RETRY", "frame is not valid UTF-8 text: discarded")), None)

    def handle_frame(self, conn: Connection, text: str) -> None:
        """Decode, validate and dispatch one frame. Whatever goes wrong, the client gets
        an Error event and the connection stays open."""
        try:
            self._dispatch(conn, text)
        except Exception:
            with log_context(transport=conn.transport, peer=conn.peer):
                log.exception("%r: unexpected failure on a frame", conn)
            self.send_to_connection(conn, events.error(GCError(
                "GENERAL_ERROR", "internal error while reading the frame")), None)

    def _dispatch(self, conn: Connection, text: str) -> None:
        started = time.perf_counter()
        destination = next(iter(conn.destinations)) if len(conn.destinations) == 1 else None
        try:
            request, route = decode(text, self.routes)  # logs nothing
        except FrameError as exc:
            partial = exc.partial
            with log_context(transport=conn.transport, peer=conn.peer, destination=destination,
                             agentId=partial.agent_id if partial else None,
                             requestId=partial.request_id if partial else None):
                self.send_to_connection(conn, events.error(
                    exc, agent_id=partial.agent_id if partial else None,
                    request=partial.origin() if partial else None,
                    request_id=partial.request_id if partial else None), None)
                self._command_done(getattr(partial, "type", None) or "?", exc.code, started,
                                   partial.agent_id if partial else None, conn)
            return
        ctx = CommandContext(self, conn, request, route, started=started)
        with log_context(transport=conn.transport, peer=conn.peer, destination=destination,
                         agentId=request.agent_id, requestId=request.request_id):
            if log.isEnabledFor(logging.DEBUG):
                log.debug("%r request %s", conn, request.safe())
            self._route(ctx)

    def _route(self, ctx: CommandContext) -> None:
        """Run a system command now; queue an agent's command behind the agent's earlier
        ones, unless this connection has no right to it (refused at once, never queued,
        so it cannot delay or crowd out the agent's own commands)."""
        conn, request, route = ctx.connection, ctx.request, ctx.route
        if not conn.authenticated:
            if route.spec.type in ("Hello", "Beat") and self.client_credential.valid(
                    request.params.get("clientCredential")):
                conn.authenticated = True
            else:
                ctx.fail(GCError("SUBSCRIPTION_FAILED", "this GC requires a client credential: send Hello with a "
                                                        "valid params.clientCredential first"
                                 if not request.params.get("clientCredential") else "the client credential is not valid"))
                self._command_done(request.type, ctx.result, ctx.started, request.agent_id, conn)
                return
        if route.spec.scope == SCOPE_SYSTEM:
            self._run(ctx)
            return
        if route.spec.scope == SCOPE_AGENT and not self._may_command(conn, request.agent_id, route.spec):
            try:  # (the check is repeated when the command runs)
                self.sessions.require(conn, request.agent_id)
            except GCError as exc:
                ctx.fail(exc)
                self._command_done(request.type, ctx.result, ctx.started, request.agent_id, conn)
                return
        if route.spec.scope == SCOPE_CONNECT:
            # commands for this agent pipelined behind its Connect wait for its outcome
            conn.connecting[request.agent_id] += 1
        conn.work_started()
        if not self.workers.submit(request.agent_id, lambda: self._run_queued(ctx)):
            self._queued_done(ctx)
            ctx.fail(GCError("PLEASE_RETRY", f"{self.workers.max_pending} commands for agent "
                                             f"{request.agent_id} are still waiting: try again"))
            self._command_done(request.type, ctx.result, ctx.started, request.agent_id, conn)

    def _command_done(self, command: str, result: str, started: float, agent_id: Optional[str],
                      conn: Connection) -> None:
        self.plugins.hook.gc_command_done(command=command, result=result, seconds=time.perf_counter() - started,
                                          agent_id=agent_id, transport=conn.transport)

    def _run_queued(self, ctx: CommandContext) -> None:
        try:
            self._run(ctx)
        finally:
            self._queued_done(ctx)

    @staticmethod
    def _queued_done(ctx: CommandContext) -> None:
        conn, agent_id = ctx.connection, ctx.request.agent_id
        conn.work_done()
        if ctx.route.spec.scope == SCOPE_CONNECT:
            conn.connecting[agent_id] -= 1
            if conn.connecting[agent_id] <= 0:
                del conn.connecting[agent_id]

    def _run(self, ctx: CommandContext) -> None:
        # in the agent's worker greenlet: its own log context
        with log_context(transport=ctx.connection.transport, peer=ctx.connection.peer,
                         agentId=ctx.request.agent_id, requestId=ctx.request.request_id):
            self._handle(ctx)
        self._command_done(ctx.request.type, ctx.result, ctx.started, ctx.request.agent_id, ctx.connection)

    def _handle(self, ctx: CommandContext) -> None:
        spec = ctx.route.spec
        try:
            if spec.scope == SCOPE_AGENT:
                try:
                    ctx.binding = self.sessions.require(ctx.connection, ctx.request.agent_id)
                except GCError:
                    supervisor = self._supervisor_of(ctx.connection, ctx.request.agent_id) if spec.member_ok else None
                    if supervisor is None:
                        raise
                    ctx.binding, ctx.member_id = supervisor, ctx.request.agent_id
                    ctx._correlation = self.ledger.open(ctx.member_id, ctx.request,
                                                        supervisor_id=supervisor.agent_id)
                else:
                    ctx._correlation = self.ledger.open(ctx.request.agent_id, ctx.request)
                if spec.supervisor and not ctx.binding.supervisor:
                    raise GCError("PLEASE_RETRY", f"{spec.type} needs a supervisor: agent {ctx.agent_id} is not one")
                backend = ctx.backend
                if spec.requires or spec.requires_any:
                    why = unavailable_reason(spec, backend.capabilities, backend_label(backend))
                    if why:
                        raise GCError("PLEASE_RETRY", why)
                log_context.update(destination=ctx.binding.destination.name)
            spec.handler(ctx)
        except GCError as exc:
            ctx.fail(exc)
        except Exception:
            log.exception("handler of %s failed", spec.type)
            ctx.fail(GCError("GENERAL_ERROR", f"internal error while handling {spec.type}"))

    def _may_command(self, conn: Connection, agent_id: Optional[str], spec: CommandSpec) -> bool:
        """Rights for a command about to queue; a Connect of this connection still
        running (for the agent, or for a supervisor) lets it queue and decides later."""
        if agent_id in conn.connecting or (spec.member_ok and conn.connecting):
            return True
        binding = self.sessions.agents.get(agent_id or "")
        if binding is not None and self.sessions.entitled(conn, binding):
            return True
        return spec.member_ok and self._supervisor_of(conn, agent_id) is not None

    def _supervisor_of(self, conn: Connection, member_id: Optional[str]) -> Optional[AgentBinding]:
        """A supervisor this connection is entitled to whose team has ``member_id``, on
        the backend that serves ``member_id`` (team ids are per backend: another
        cluster's team of the same id is not the member's)."""
        home = self.backends.rule.instance_for(member_id or "")
        for binding in list(self.sessions.agents.values()):
            if not binding.supervisor or not self.sessions.entitled(conn, binding):
                continue
            if (binding.backend or self.backend).instance != home:
                continue
            for team_id in binding.supervised_teams:
                try:
                    members = binding.session.team(team_id).users
                except Exception:
                    continue
                if any(m.login_id == member_id for m in members):
                    return binding
        return None

    # -- events ------------------------------------------------------------------
    def _sink_of(self, backend: Backend) -> Callable[[DomainEvent], None]:
        """The sink one backend delivers to: its status changes and its team and queue
        events are stamped with its name (``domain.BACKEND_SCOPED``: team and queue ids
        are per backend); an agent's events from a backend that no longer serves the
        agent (it connected elsewhere meanwhile) are dropped."""
        sessions = self.sessions

        def sink(event: DomainEvent) -> None:
            if type(event) in BACKEND_SCOPED:
                event.backend = event.backend or backend.instance
            else:
                agent_id = getattr(event, "agent_id", None)
                if agent_id:
                    binding = sessions.agents.get(agent_id)
                    if binding is not None and binding.backend is not None and binding.backend is not backend:
                        return
            self.on_domain_event(event)
        return sink

    def on_domain_event(self, event: DomainEvent) -> None:
        """The backend's sink. Called in a greenlet, in the order the backend saw events."""
        for fn in self.mappers.get(type(event), ()):
            try:
                fn(self, event)
            except Exception:
                log.exception("mapping %s failed", type(event).__name__)

    def emit(self, agent_id: str, event: Any) -> None:
        """Send an event to the destination ``agent_id`` is bound to."""
        binding = self.sessions.agents.get(agent_id)
        if binding is None:
            return
        self._deliver(binding.destination, event, agent_id)

    def _deliver(self, dest, event: Any, agent_id: Optional[str]) -> None:
        self._check(event)
        dest.deliver(encode_event(event), agent_id)
        self.plugins.hook.gc_event_sent(agent_id=agent_id, destination=dest.name, event=event)

    def send_to_destination(self, name: str, event: Any, agent_id: Optional[str] = None) -> None:
        dest = self.sessions.destinations.get(name)
        if dest is not None:
            self._deliver(dest, event, agent_id)

    def send_to_connection(self, conn: Connection, event: Any, agent_id: Optional[str]) -> None:
        self._check(event)
        conn.send(encode_event(event))
        self.plugins.hook.gc_event_sent(agent_id=agent_id, destination=f"connection:{conn.id}", event=event)

    def broadcast(self, event: Any) -> None:
        """To every destination (a status change: protocol.md section 5)."""
        self._check(event)
        text = encode_event(event)
        for dest in list(self.sessions.destinations.values()):
            dest.deliver(text)

    def set_status(self, status: str, backend: Optional[str] = None) -> None:
        """A backend instance's status (None: every instance) is now IN_SERVICE, or
        OUT_OF_SERVICE for anything less (Finesse's PARTIAL_SERVICE answers 503 too).

        A destination's status is IN_SERVICE when every backend its agents use is
        (every configured backend while it has no agent yet): a destination hears a
        ``System`` event when its status changes, so one backend's trouble reaches only
        the destinations with agents on it (and those without agents)."""
        status = "IN_SERVICE" if status == "IN_SERVICE" else "OUT_OF_SERVICE"
        names = [backend] if backend in self.backend_status else list(self.backend_status)
        before = dict(self.backend_status)
        for name in names:
            self.backend_status[name] = status
        if before == self.backend_status:
            return
        self.status = _combined(self.backend_status.values())
        used = self._backends_by_destination()
        for dest in list(self.sessions.destinations.values()):
            mine = used.get(dest.name) or before.keys()
            if not any(n in mine for n in names):
                continue
            old = _combined(before[n] for n in mine)
            new = _combined(self.backend_status[n] for n in mine)
            if old != new:
                self._check(events.system(new))
                dest.deliver(encode_event(events.system(new)))

    def status_for(self, destination: str) -> str:
        """What ``Hello`` / ``Beat`` answer on ``destination`` (see :meth:`set_status`)."""
        statuses = set(self.backend_status.values())
        if len(statuses) == 1:  # all alike: no need to look at the destination's agents
            return statuses.pop()
        mine = self._backends_by_destination().get(destination) or self.backend_status.keys()
        return _combined(self.backend_status[n] for n in mine)

    def _backends_by_destination(self) -> dict[str, set]:
        """Destination name -> the instance names its bound agents use (one pass)."""
        out: dict[str, set] = {}
        for binding in list(self.sessions.agents.values()):
            if binding.backend is not None:
                out.setdefault(binding.destination.name, set()).add(binding.backend.instance)
        return out

    def _check(self, event: Any) -> None:
        if self.validate_events:
            problems = self.schemas.event_errors(event)
            if problems:
                log.error("outgoing event breaks its schema: %s", "; ".join(problems[:5]))


def _combined(statuses) -> str:
    """IN_SERVICE when every one is (and there is at least one), else OUT_OF_SERVICE."""
    statuses = list(statuses)
    return "IN_SERVICE" if statuses and all(st == "IN_SERVICE" for st in statuses) else "OUT_OF_SERVICE"
