"""An emulated Finesse cluster: one shared contact-center model behind a primary and
(optionally) a secondary node, each with its own REST port and its own Prosody.

    cluster = EmulatorCluster.start(flavour="UCCE", secondary=True)
    cluster.primary.rest_url          # http://127.0.0.1:PORT/finesse/api
    cluster.primary.xmpp_host, cluster.primary.xmpp_port
    cluster.xmpp_domain, cluster.xmpp_pubsub_domain
    cluster.model.inbound_call()      # drive traffic (thread-safe proxy of the model)
    cluster.take_out_of_service("primary"); cluster.put_in_service("primary")
    cluster.stop_node("primary"); cluster.start_node("primary")
    cluster.stop()

Threads: REST servers run in one native thread with its own gevent hub; the
``finesse`` XMPP users of all nodes run on one asyncio loop in another native
thread; the model is shared and guarded by one lock (it is synchronous and
deterministic: no timers, no I/O). Model events are turned into Finesse
notifications and published on every node that is running and in service; the
``requestId`` goes only to the node whose REST API received the request (the other
node learns the change from the CTI server and publishes it with an empty
``requestId``).
"""
from __future__ import annotations

import atexit
import logging
import secrets
import shutil
import socket
import time
import weakref
from pathlib import Path
from typing import Any, Optional, Union

import gevent
import gevent.monkey
from gevent.pywsgi import WSGIServer

from gc_core.domain import (AgentError, DialogChanged, DomainEvent, QueueChanged, SystemStatusChanged,
                            TeamMemberChanged, UserChanged)

from . import xmlcodec as X
from .notify import NODE_CONFIG, NodePublisher
from .prosody import ProsodyServer, scratch_dir
from .rest import RestApp
from .runtime import AsyncioThread, HubThread

log = logging.getLogger("gc_finesse_emulator")

_RLock = gevent.monkey.get_original("threading", "RLock")

# Clusters started and not stopped yet: stopped at interpreter exit, so neither
# Prosody children nor working directories (in RAM) outlive the process.
_LIVE: "weakref.WeakSet[EmulatorCluster]" = weakref.WeakSet()


@atexit.register
def _stop_all_at_exit() -> None:  # pragma: no cover - exit path
    for cluster in list(_LIVE):
        try:
            cluster.stop()
        except Exception:
            pass

API = X.API
PRIMARY, SECONDARY = "primary", "secondary"


def _load_site(site):
    from gc_sim.model import Site, default_site, load_site
    if site is None:
        return default_site()
    if isinstance(site, Site):
        return site
    if isinstance(site, dict):
        return Site.from_dict(site)
    return load_site(site)


class _WSGIServer(WSGIServer):
    """pywsgi writes the status line and headers, then the body: without TCP_NODELAY
    Nagle holds the body until the client's delayed ACK (about 40 ms a request)."""

    def handle(self, sock, address):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        super().handle(sock, address)


class EmulatorNode:
    """One Finesse node: REST server + Prosody + the ``finesse`` XMPP user."""

    def __init__(self, cluster: "EmulatorCluster", name: str, rest_port: int, xmpp_port: Optional[int],
                 workdir: Path):
        self.cluster = cluster
        self.name = name
        self.host = cluster.host
        self.rest_port = rest_port
        self.status = "IN_SERVICE"          # node-level (its CTI link); see in_service
        self.status_reason = ""
        self.rest_up = False
        self.xmpp_up = False
        self.prosody = ProsodyServer(cluster.xmpp_domain, pubsub_domain=cluster.xmpp_pubsub_domain,
                                     host=cluster.host, port=xmpp_port, admins=["finesse"],
                                     workdir=workdir, log_level=cluster.prosody_log_level)
        self.publisher: Optional[NodePublisher] = None
        self._server: Optional[WSGIServer] = None
        self.app = RestApp(self)

    # -- addresses -----------------------------------------------------------------
    @property
    def rest_base(self) -> str:
        return f"http://{self.host}:{self.rest_port}"

    @property
    def rest_url(self) -> str:
        """Base of the API: ``http://127.0.0.1:PORT/finesse/api``."""
        return f"{self.rest_base}/finesse/api"

    @property
    def xmpp_host(self) -> str:
        return self.host

    @property
    def xmpp_port(self) -> int:
        return self.prosody.port

    @property
    def running(self) -> bool:
        return self.rest_up and self.xmpp_up

    @property
    def in_service(self) -> bool:
        """IN_SERVICE at node level and in the model (its CTI server)."""
        return self.status == "IN_SERVICE" and self.cluster.model_status() == "IN_SERVICE"

    @property
    def effective_status(self) -> str:
        return "IN_SERVICE" if self.in_service else "OUT_OF_SERVICE"

    @property
    def notifying(self) -> bool:
        return self.publisher is not None and self.publisher.connected

    def system_info_el(self):
        """This node's SystemInfo: its own status, the cluster's domains and both nodes' ports."""
        c = self.cluster
        info = c.call(None, "system_info")
        info.status = self.effective_status
        info.status_reason = info.status_reason or self.status_reason
        info.deployment_type = c.flavour
        info.xmpp_domain = c.xmpp_domain
        info.xmpp_pubsub_domain = c.xmpp_pubsub_domain
        addr = [(n.host, n.rest_port, n.xmpp_port) for n in c.nodes]
        return X.system_info_el(info, primary=addr[0], secondary=addr[1] if len(addr) > 1 else None)

    # -- lifecycle (called from the controlling thread) ---------------------------------
    def _start_xmpp(self) -> None:
        if self.xmpp_up:
            return
        self.prosody.start()
        self.xmpp_up = True
        self._start_publisher()

    def _start_publisher(self) -> None:
        if self.publisher is not None:
            return
        pub = NodePublisher(self.cluster.xmpp_thread, self.host, self.prosody.port, self.cluster.xmpp_domain,
                            self.cluster.xmpp_pubsub_domain, password=self.cluster.finesse_password)
        pub.connect()
        self.publisher = pub

    def _stop_publisher(self) -> None:
        pub, self.publisher = self.publisher, None
        if pub is not None:
            pub.disconnect()

    def _stop_xmpp(self) -> None:
        self._stop_publisher()
        self.prosody.stop()
        self.xmpp_up = False

    def _start_rest(self) -> None:
        if self.rest_up:
            return

        def serve():
            server = _WSGIServer((self.host, self.rest_port), self.app, log=None,
                                error_log=logging.getLogger("gc_finesse_emulator.wsgi"))
            server.start()
            return server
        self._server = self.cluster.hub.call(serve)
        self.rest_port = self._server.server_port
        self.rest_up = True

    def _stop_rest(self) -> None:
        server, self._server = self._server, None
        self.rest_up = False
        if server is not None:
            self.cluster.hub.call(server.stop, 0.1)  # in-flight requests die, as in a crash

    def publish(self, node: str, update_xml: str) -> None:
        pub = self.publisher
        if pub is not None:
            pub.publish(node, update_xml)

    def __repr__(self) -> str:
        return (f"<EmulatorNode {self.name} rest={self.rest_url} xmpp={self.host}:{self.prosody.port} "
                f"{'up' if self.running else 'down'} {self.effective_status}>")


class _ModelProxy:
    """The shared model, each call under the cluster's lock (safe from any thread)."""

    def __init__(self, cluster: "EmulatorCluster"):
        self._cluster = cluster

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._cluster._model, name)
        if not callable(attr):
            return attr

        def locked(*args, **kwargs):
            return self._cluster.call(None, name, *args, **kwargs)
        locked.__name__ = name
        return locked

    def __repr__(self) -> str:
        return f"<locked {self._cluster._model!r}>"


class EmulatorCluster:
    """See the module docstring. Build with :meth:`start`."""

    def __init__(self, *, flavour: str = "UCCE", site=None, secondary: bool = True,
                 xmpp_domain: str = "finesse.local", host: str = "127.0.0.1",
                 rest_ports: tuple = (0, 0), xmpp_ports: tuple = (None, None),
                 queue_interval: float = 10.0, workdir: Optional[str] = None,
                 prosody_log_level: str = "info"):
        flavour = flavour.upper()
        if flavour not in ("UCCE", "UCCX"):
            raise ValueError(f"flavour must be UCCE or UCCX, not {flavour!r}")
        self.flavour = flavour
        self.site = _load_site(site)
        self.host = host
        self.xmpp_domain = xmpp_domain
        self.xmpp_pubsub_domain = f"pubsub.{xmpp_domain}"
        self.queue_interval = queue_interval
        # Most objects one ranged GET answers (None: as many as asked); tests of
        # client-side paging set it.
        self.range_page_limit: Optional[int] = None
        self.prosody_log_level = prosody_log_level
        self.finesse_password = secrets.token_urlsafe(12)
        self._own_workdir = workdir is None
        self.workdir = Path(workdir) if workdir else scratch_dir("gc-finesse-emulator-")
        self._lock = _RLock()
        self._origin: Optional[EmulatorNode] = None
        self._ack: Optional[list] = None  # [agent id, saw an event for it] during call_acknowledged
        self._model = None
        self._model_status = "OUT_OF_SERVICE"
        self._dirty_queues: dict = {}
        self._queue_timer = None
        self.model = _ModelProxy(self)
        self.hub = HubThread()
        self.xmpp_thread = AsyncioThread()
        self.primary = EmulatorNode(self, PRIMARY, rest_ports[0] or 0, xmpp_ports[0], self.workdir / PRIMARY)
        self.secondary = (EmulatorNode(self, SECONDARY, rest_ports[1] or 0, xmpp_ports[1], self.workdir / SECONDARY)
                          if secondary else None)
        self.started_in: float = 0.0

    @property
    def nodes(self) -> list[EmulatorNode]:
        return [n for n in (self.primary, self.secondary) if n is not None]

    # -- construction -------------------------------------------------------------------
    @classmethod
    def start(cls, flavour: str = "UCCE", site=None, secondary: bool = True, **kwargs) -> "EmulatorCluster":
        """Build the model, provision and start both nodes' Prosody and REST servers;
        returns once every ``finesse`` user is logged in and has sent presence.
        ``site``: a :class:`gc_sim.model.Site`, a dict of its TOML shape, a TOML path,
        or None for the default site. Other keywords: ``xmpp_domain``, ``host``,
        ``rest_ports``/``xmpp_ports`` (pairs; 0/None = free ports), ``queue_interval``
        (seconds between queue notifications, default 10), ``workdir``."""
        cluster = cls(flavour=flavour, site=site, secondary=secondary, **kwargs)
        _LIVE.add(cluster)
        try:
            cluster._start()
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def _start(self) -> None:
        t0 = time.monotonic()
        self.hub.start()
        self.xmpp_thread.start()
        self._new_model()
        for node in self.nodes:
            self._provision(node)
        for node in self.nodes:
            node._start_xmpp()
            node._start_rest()
        self._queue_timer = self.hub.call(gevent.spawn, self._queue_loop)
        self.started_in = time.monotonic() - t0
        log.info("Finesse emulator (%s) up in %.2fs: %s", self.flavour, self.started_in, self.nodes)

    def _new_model(self) -> None:
        from gc_sim.model import ContactCenter
        with self._lock:
            model = ContactCenter(self.site, flavour=self.flavour)
            model.subscribe(self._on_event)
            old, self._model = self._model, model
            self._model_status = model.system_info().status
            self._dirty_queues.clear()
        if old is not None:
            try:
                old.unsubscribe(self._on_event)
            except Exception:
                pass

    def _provision(self, node: EmulatorNode) -> None:
        """Accounts, rosters and pubsub nodes of one node's Prosody, as storage files
        written before it starts: ``finesse`` (admin, owner of every node) with every
        agent in its roster (subscription "from"), each agent with ``finesse`` in its
        roster ("to", so it receives finesse's presence), and :meth:`node_plan`."""
        finesse_jid = f"finesse@{self.xmpp_domain}"
        node.prosody.add_user("finesse", self.finesse_password,
                              roster={f"{a.id}@{self.xmpp_domain}": "from" for a in self.site.agents})
        for a in self.site.agents:
            node.prosody.add_user(a.id, a.password, roster={finesse_jid: "to"})
        for name, subscribers in self.node_plan().items():
            node.prosody.add_pubsub_node(name, config=NODE_CONFIG, subscribers=subscribers, owners=[finesse_jid])

    def node_plan(self) -> dict[str, list[str]]:
        """Every pubsub node and the bare JIDs subscribed to it automatically, as a
        Finesse subscriber is (an agent's own User and Dialogs nodes, and SystemInfo);
        Team and Queue nodes exist but need an explicit subscription."""
        d = self.xmpp_domain
        plan: dict[str, list[str]] = {f"{API}/SystemInfo": [f"{a.id}@{d}" for a in self.site.agents]}
        for a in self.site.agents:
            plan[f"{API}/User/{a.id}"] = [f"{a.id}@{d}"]
            plan[f"{API}/User/{a.id}/Dialogs"] = [f"{a.id}@{d}"]
        for t in self.site.teams:
            plan[f"{API}/Team/{t.id}/Users"] = []
        for q in self.site.queues:
            plan[f"{API}/Queue/{q.id}"] = []
        return plan

    # -- the model -------------------------------------------------------------------------
    def call(self, origin: Optional[EmulatorNode], name: str, *args, **kwargs):
        """Call a model method under the lock; events it emits are attributed to ``origin``."""
        with self._lock:
            prev, self._origin = self._origin, origin
            try:
                return getattr(self._model, name)(*args, **kwargs)
            finally:
                self._origin = prev

    def call_acknowledged(self, origin: EmulatorNode, agent_id: str, dialog_id: str, name: str, *args,
                          request_id: str = "", **kwargs):
        """:meth:`call` for an accepted dialog request. Finesse answers every accepted
        PUT/POST with a notification; some actions (SEND_DTMF) change nothing the model
        shows, so when the call emitted nothing for ``agent_id`` the dialog is PUT to
        that agent with the ``requestId`` (an acknowledgement)."""
        with self._lock:
            prev, self._ack = self._ack, [agent_id, False]
            try:
                result = self.call(origin, name, *args, request_id=request_id, **kwargs)
                if not self._ack[1]:
                    try:
                        dialog = self._model.get_dialog(dialog_id, agent_id)
                    except Exception:  # gone meanwhile: nothing to show
                        return result
                    self._on_event(DialogChanged(agent_id, dialog, "PUT", request_id), origin)
                return result
            finally:
                self._ack = prev

    def model_status(self) -> str:
        """The shared CTI server's status, as the model last announced it."""
        return self._model_status

    def reset(self) -> None:
        """A fresh model from the site (every agent LOGOUT, no calls, no lockouts) and
        every node back IN_SERVICE. Nodes, ports and XMPP subscriptions stay."""
        self._new_model()
        for node in self.nodes:
            node.status = "IN_SERVICE"

    def agent_password(self, agent_id: str) -> str:
        a = self.site.agent(agent_id)
        if a is None:
            raise KeyError(agent_id)
        return a.password

    # -- events -> notifications --------------------------------------------------------------
    def _on_event(self, event: DomainEvent, origin: Optional[EmulatorNode] = None) -> None:
        """Model listener (runs under the lock, in whatever thread called the model)."""
        origin = origin or self._origin
        if self._ack is not None and getattr(event, "agent_id", None) == self._ack[0]:
            self._ack[1] = True
        try:
            if isinstance(event, UserChanged):
                self._publish(f"{API}/User/{event.agent_id}", lambda rid: X.user_update(event.user, rid),
                              event.request_id, origin)
            elif isinstance(event, DialogChanged):
                self._publish(f"{API}/User/{event.agent_id}/Dialogs",
                              lambda rid: X.dialog_update(event.dialog, event.change, event.agent_id,
                                                          self.flavour, rid),
                              event.request_id, origin)
            elif isinstance(event, TeamMemberChanged):
                xml = X.team_member_update(event.team_id, event.member)
                self._publish(f"{API}/Team/{event.team_id}/Users", lambda rid: xml, "", origin)
            elif isinstance(event, QueueChanged):
                self._dirty_queues[event.queue.id] = event.queue
            elif isinstance(event, SystemStatusChanged):
                self._model_status = event.status
                # Re-reading the model from inside its own event delivery is avoided:
                # the hub thread publishes SystemInfo (and re-publishes state) next.
                self.hub.spawn(self._status_changed)
            elif isinstance(event, AgentError):
                self._publish_error(event, origin)
        except Exception:
            log.exception("could not publish %r", event)

    def _publish(self, node: str, render, request_id: str, origin: Optional[EmulatorNode]) -> None:
        """Publish ``render(requestId)`` on each live node: the ``requestId`` only on
        the node that received the request, "" elsewhere (rendered once)."""
        plain = None
        for n in self.nodes:
            if not (n.in_service and n.notifying):
                continue
            if request_id and n is origin:
                n.publish(node, render(request_id))
            else:
                if plain is None:
                    plain = render("")
                n.publish(node, plain)

    def _publish_error(self, event: AgentError, origin: Optional[EmulatorNode]) -> None:
        source = event.source or f"{API}/User/{event.agent_id}"
        # Dialog errors (source a Dialog or the Dialogs collection) go to the Dialogs
        # node, state errors to the User node (reference section 7).
        dialogish = "/Dialog/" in source or source.endswith("/Dialogs")
        node = f"{API}/User/{event.agent_id}/Dialogs" if dialogish else f"{API}/User/{event.agent_id}"
        # Finesse's errorMessage: the CTI code, or its prose where Finesse answers prose
        message = event.description or event.error_code
        self._publish(node, lambda rid: X.error_update(event.error_type, message, event.error_data,
                                                       source, rid), event.request_id, origin)

    def _publish_system_info(self, node: EmulatorNode) -> None:
        if node.notifying:
            node.publish(f"{API}/SystemInfo", X.system_info_update(node.system_info_el()))

    def _status_changed(self) -> None:
        # SystemStatusChanged: the shared CTI server went down or came back.
        for n in self.nodes:
            self._publish_system_info(n)
            if n.in_service:
                self._republish(n)

    def _republish(self, node: EmulatorNode) -> None:
        """After coming back to service Finesse re-publishes agent and call state."""
        if not node.notifying:
            return
        with self._lock:
            users = self._model.users()
            dialogs = {u.login_id: self._model.get_dialogs(u.login_id) for u in users}
        for u in users:
            node.publish(f"{API}/User/{u.login_id}", X.user_update(u))
            for d in dialogs[u.login_id]:
                node.publish(f"{API}/User/{u.login_id}/Dialogs", X.dialog_update(d, "PUT", u.login_id, self.flavour))

    def _queue_loop(self) -> None:
        """Queue statistics are published at most every ``queue_interval`` seconds, when changed."""
        while True:
            gevent.sleep(self.queue_interval)
            self.flush_queues()

    def flush_queues(self) -> None:
        """Publish changed queue statistics now (the periodic loop calls this)."""
        with self._lock:
            dirty, self._dirty_queues = self._dirty_queues, {}
        for q in dirty.values():
            xml = X.queue_update(q, self.flavour)
            for n in self.nodes:
                if n.in_service and n.notifying:
                    n.publish(f"{API}/Queue/{q.id}", xml)

    # -- failover controls -----------------------------------------------------------------------
    def node(self, node: Union[str, EmulatorNode]) -> EmulatorNode:
        if isinstance(node, EmulatorNode):
            return node
        for n in self.nodes:
            if n.name == node:
                return n
        raise KeyError(f"no node {node!r}")

    def take_out_of_service(self, node: Union[str, EmulatorNode] = PRIMARY, reason: str = "") -> None:
        """The node lost its CTI link: SystemInfo notification OUT_OF_SERVICE on it,
        every REST call but GET SystemInfo answers 503, no more notifications there."""
        n = self.node(node)
        n.status = "OUT_OF_SERVICE"
        n.status_reason = reason
        self._publish_system_info(n)

    def put_in_service(self, node: Union[str, EmulatorNode] = PRIMARY) -> None:
        """Back IN_SERVICE: SystemInfo notification, then agent and call state re-published."""
        n = self.node(node)
        n.status, n.status_reason = "IN_SERVICE", ""
        self._publish_system_info(n)
        if n.in_service:
            self._republish(n)

    def stop_node(self, node: Union[str, EmulatorNode] = PRIMARY) -> None:
        """The node goes down: ``finesse`` presence goes unavailable, REST refuses
        connections (its port is closed), Prosody stops (XMPP connections drop)."""
        n = self.node(node)
        n._stop_publisher()
        n._stop_rest()
        n._stop_xmpp()

    def stop_webapp(self, node: Union[str, EmulatorNode] = PRIMARY) -> None:
        """Only the Finesse web application goes down: ``finesse`` presence
        UNAVAILABLE, REST refuses connections, XMPP connections stay up."""
        n = self.node(node)
        n._stop_publisher()
        n._stop_rest()

    def stop_xmpp(self, node: Union[str, EmulatorNode] = PRIMARY) -> None:
        """Only the notification service goes down: XMPP connections drop, REST works."""
        self.node(node)._stop_xmpp()

    def start_node(self, node: Union[str, EmulatorNode] = PRIMARY) -> None:
        """Bring a stopped node (or a stopped part) back on the same ports, IN_SERVICE:
        Prosody, nodes and automatic subscriptions, ``finesse`` presence, REST; then a
        SystemInfo notification and the agents' state are published there."""
        n = self.node(node)
        n.status = "IN_SERVICE"
        n._start_xmpp()        # Prosody, if it was down (its nodes and subscriptions are on disk)
        n._start_publisher()   # the web app's XMPP user, if it was down
        n._start_rest()
        self._publish_system_info(n)
        if n.in_service:
            self._republish(n)

    # -- teardown ---------------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop everything this cluster started (its own child processes, by PID) and
        remove its working directory. Idempotent."""
        _LIVE.discard(self)
        if self._queue_timer is not None and self.hub._running:
            try:
                self.hub.call(self._queue_timer.kill, block=False)
            except Exception:
                pass
            self._queue_timer = None
        for n in self.nodes:
            for step in (n._stop_publisher, n._stop_rest, n._stop_xmpp):
                try:
                    step()
                except Exception:
                    log.exception("stopping %s", n.name)
        self.xmpp_thread.stop()
        self.hub.stop()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> "EmulatorCluster":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<EmulatorCluster {self.flavour} {self.nodes}>"
