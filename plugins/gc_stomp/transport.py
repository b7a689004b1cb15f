"""The stomp transport: the command queue in, events out to the clients' topics.

Each client destination seen on the queue gets one core :class:`~gc_core.connection.Connection`
whose writes publish to ``<topic_prefix><destination>``: for the core a broker client
is a connection named by its destination (so a ``Connect`` proves an agent's password
for that destination's connection, as on TCP). The connection is made, and joins its
destination, when the destination's first message arrives; when the broker is lost
every such connection closes and the destinations keep their events in their
backlog, replayed when each client's next message shows it is listening again (a
topic keeps nothing for a subscriber that is not there yet).

Delivery: a message is acknowledged (``client-individual``) once the core has taken
it (decoded and queued behind its agent's earlier commands): at most once. A message
the broker handed this process but that was not yet taken when the process died is
redelivered to the next consumer.
"""
from __future__ import annotations

import logging
from typing import Iterable

import gevent

from gc_core import events
from gc_core.config import ConfigError
from gc_core.connection import Connection

from . import frames
from .link import BrokerLink
from .peers import Peers, new_peer_id

log = logging.getLogger("gc.stomp")
QUEUE_SUB, CONTROL_SUB = "gc-commands", "gc-peers"


class StompTransport:
    name = "stomp"

    def __init__(self, connector, conf: dict):
        if conf["mode"] not in ("exclusive", "groups"):
            raise ConfigError(f"stomp.mode: expected exclusive or groups, got {conf['mode']!r}")
        self.connector = connector
        self.conf = conf
        self.prefix = conf["topic_prefix"]
        self.queue = "/queue/" + conf["queue"]
        self.control = f"/topic/GC.{conf['queue']}.peers"
        self.clients: dict[str, Connection] = {}   # destination name -> its connection
        self.peers = Peers(new_peer_id(), conf["mode"], int(conf["priority"]), float(conf["peer_timeout"]),
                           self.tell_orphans)
        try:
            self.link = BrokerLink(conf, self._subscribe, self._on_message, self._on_lost)
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
        self._released: set[str] = set()  # destinations whose agents we let go at a broker loss
        self._announcer = None

    @property
    def address(self) -> str:
        return self.link.address

    def start(self) -> None:
        self.link.start()
        self._announcer = gevent.spawn(self._announce_loop)

    def stop(self) -> None:
        if self._announcer is not None:
            self._announcer.kill(block=False)
        for conn in list(self.clients.values()):
            conn.flush_and_close(timeout=1.0)
        self.link.stop()

    def describe(self) -> dict:
        """The broker link for metrics (``gc_transport_*``): ``up`` 1 while connected,
        ``active`` 1 while this process takes messages from the queue (exclusive mode:
        once the broker handed it the queue; groups: always), ``reconnects`` so far,
        ``peers`` other GC processes heard on the control topic."""
        return {"up": int(self.link.connected), "active": int(self.link.connected and self.peers.active),
                "reconnects": self.link.reconnects, "peers": len(self.peers.peers)}

    # -- broker side --------------------------------------------------------------
    def _subscribe(self, link: BrokerLink) -> None:
        headers = {"activemq.prefetchSize": str(int(self.conf["prefetch"])),
                   "activemq.priority": str(int(self.conf["priority"]))}
        if self.conf["mode"] == "exclusive":
            headers["activemq.exclusive"] = "true"
        self.peers.grace()
        link.conn.subscribe(self.control, id=CONTROL_SUB, ack="auto")
        link.conn.subscribe(self.queue, id=QUEUE_SUB, ack="client-individual", headers=headers)
        released, self._released = self._released, set()
        if released:  # their agents may be served elsewhere now: Connect again, wherever it lands
            log.info("telling %d destination(s) whose agents were released to re-Connect", len(released))
            self.tell_orphans(sorted(released))

    def _on_lost(self) -> None:
        """The broker connection ended. Alone on the queue, GC keeps its agents (their
        events wait in the destinations' backlogs). With peers, the broker hands this
        process's queue or groups to them meanwhile, and an agent re-Connected there must
        not stay bound here too (two sessions, every event twice): this process lets its
        broker clients' agents go and tells their destinations (System) once back. A
        client that lost the broker too hears nothing then (a topic keeps nothing for a
        subscriber not yet back): it learns the same from the System answer to the
        Hello/Beat it sends when its own broker connection returns."""
        names = list(self.clients)
        for conn in list(self.clients.values()):
            conn.close()  # the destination keeps events in its backlog meanwhile
        self.clients.clear()
        if self.conf["mode"] == "exclusive":
            self.peers.active = False  # the queue may go to the standby meanwhile
        if self.peers.peers:
            self._release(names)

    def _release(self, names: list[str]) -> None:
        sessions = self.connector.sessions
        released = 0
        for name in names:
            dest = sessions.destinations.get(name)
            if dest is None:
                continue
            for binding in sessions.agents_of(dest):
                sessions.unbind(binding.agent_id)
                try:
                    binding.session.close()
                except Exception:
                    log.exception("closing the session of %s", binding.agent_id)
                released += 1
            self._released.add(name)
        if released:
            log.warning("broker lost with peers on the queue: released %d agent(s) of %d destination(s); "
                        "they will be told to re-Connect", released, len(self._released))

    def _on_message(self, headers: dict, body: str) -> None:
        if headers.get("subscription") == CONTROL_SUB:
            self.peers.heard(body)
            return
        try:
            if self.conf["mode"] == "exclusive" and not self.peers.active:
                self.peers.took_queue()
            self._take(headers, body)
        except Exception:
            log.exception("message %s: unexpected failure", headers.get("message-id"))
        finally:
            self.link.ack(headers)

    def _take(self, headers: dict, body: str) -> None:
        text = frames.frame_text(headers, body)
        name = frames.client_of(text, headers, self.prefix, self.connector)
        if not name:
            log.warning("message %s (type %r) names no client destination (no reply-to, no Hello/Connect, "
                        "agent not connected here): dropped", headers.get("message-id"),
                        (headers.get("type") or "").partition("|")[0][:64])
            return
        if not frames.topic_safe(name):
            log.warning("message %s: client destination %r is not one topic (wildcard, list or reserved "
                        "name): dropped", headers.get("message-id"), name[:64])
            return
        self.client(name).receive(text)

    # -- clients ------------------------------------------------------------------
    def client(self, name: str) -> Connection:
        """The connection of client destination ``name`` (made and joined on first use)."""
        conn = self.clients.get(name)
        if conn is not None and not conn.closed:
            return conn
        topic = self.prefix + name

        def write(text: str) -> None:
            self.link.publish(topic, text)

        def close() -> None:
            if self.clients.get(name) is conn:
                del self.clients[name]

        conn = self.connector.open_connection("stomp", topic, write, close, self.conf["max_queue"])
        self.clients[name] = conn
        # the topic is the destination's own channel, read only by the broker's
        # authenticated clients: this connection holds the destination (its agents'
        # events and backlog), as a connection that presented the resume token would
        self.connector.sessions.join(conn, name, hold=True)
        return conn

    def tell_orphans(self, names: Iterable[str]) -> None:
        """A gone peer's destinations: a System event each, so their clients re-Connect."""
        for name in names:
            conn = self.client(name)
            self.connector.send_to_connection(conn, events.system(self.connector.status_for(name)), None)

    def _announce_loop(self) -> None:
        interval = float(self.conf["peer_interval"])
        while True:
            gevent.sleep(interval)
            if not self.link.connected:
                continue
            try:
                self.link.publish(self.control, self.peers.roster(self.clients))
            except ConnectionError:
                continue
            self.peers.check()
