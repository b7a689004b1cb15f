"""The metrics GC exports, their Prometheus names and where each value comes from.

Counters (moved by observation hooks):

=======================================  ======================  ==========================================
``gc_commands_total``                    command, result         requests handled; result ``OK`` or the
                                                                 Error's errorCode (command ``unknown`` for
                                                                 a type no plugin offers)
``gc_command_duration_seconds``          command                 histogram: frame decoded -> handler done
``gc_backend_request_duration_seconds``  method                  histogram: one backend (Finesse REST) request
``gc_backend_requests_total``            method, status          backend requests by HTTP status (0: no answer)
``gc_events_sent_total``                 type                    events handed to a destination or connection
``gc_slow_client_disconnects_total``     transport               clients cut off because their queue filled
``gc_connections_closed_total``          transport, reason       every closed connection (peer, slow_client ...)
``gc_node_failovers_total``                                      the backend moved to another node
``gc_destination_backlog_dropped_total``                         events dropped from full destination backlogs
``gc_lockout_refusals_total``            rule                    Connects the lockout guard refused locally
                                                                 (gc_core/lockout.py: wrong_password,
                                                                 repeated_password, peer_limit, agent_limit)
=======================================  ======================  ==========================================

Gauges (read from the connector at each scrape):

``gc_connections`` (transport), ``gc_destinations``, ``gc_destination_backlog_events``,
``gc_agents`` (state: the last State event sent for each bound agent, ``UNKNOWN``
before one), ``gc_backend_in_service`` (backend instance: 1/0), ``gc_backend_active_node``
(backend, node: 1 for the active one), ``gc_xmpp_streams_up`` (backend); for a transport
with a link of its own that it ``describe()`` s (the broker): ``gc_transport_up``,
``gc_transport_active`` (1 while it takes commands), ``gc_transport_peers`` (transport)
and the counter ``gc_transport_reconnects_total`` (transport); plus prometheus-client's
``process_*`` and ``python_*`` collectors.

Labels hold only bounded values (command and event types GC knows, error codes, node
and transport names), so a client cannot grow the registry by sending odd frames.
"""
from __future__ import annotations

import bisect
import logging

from prometheus_client import CollectorRegistry, PlatformCollector, ProcessCollector, make_wsgi_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from gc_core.http import WSGIListener

log = logging.getLogger("gc.metrics")

# seconds; GC's commands answer in well under a millisecond on the sim, tens of ms on Finesse
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Tally:
    """Counters and histograms kept as plain dicts, exposed at scrape time.

    Every observation hook runs on the gevent hub's thread and never yields inside an
    update, so a dict increment is atomic here; prometheus-client's own Counter and
    Histogram take a lock per increment (a gevent lock when monkey-patched), which
    cost ~30 us per request on this path. prometheus-client still formats and serves
    every sample."""

    def __init__(self, buckets=LATENCY_BUCKETS):
        self.buckets = tuple(buckets)
        self.counters: dict[str, dict[tuple, int]] = {}
        self.histograms: dict[str, dict[tuple, list]] = {}  # labels -> [count per bucket ..., +Inf, sum]

    def inc(self, name: str, labels: tuple = ()) -> None:
        family = self.counters.setdefault(name, {})
        family[labels] = family.get(labels, 0) + 1

    def observe(self, name: str, labels: tuple, value: float) -> None:
        family = self.histograms.setdefault(name, {})
        cell = family.get(labels)
        if cell is None:
            cell = family[labels] = [0] * (len(self.buckets) + 1) + [0.0]
        cell[bisect.bisect_left(self.buckets, value)] += 1  # the first bucket with le >= value
        cell[-1] += value

    def counter_family(self, name: str, doc: str, label_names: list) -> CounterMetricFamily:
        family = CounterMetricFamily(name, doc, labels=label_names)
        for labels, n in sorted(self.counters.get(name, {}).items()):
            family.add_metric(list(labels), n)
        if not label_names and not self.counters.get(name):
            family.add_metric([], 0)
        return family

    def histogram_family(self, name: str, doc: str, label_names: list) -> HistogramMetricFamily:
        family = HistogramMetricFamily(name, doc, labels=label_names)
        for labels, cell in sorted(self.histograms.get(name, {}).items()):
            running, cumulative = 0, []
            for le, n in zip([str(b) for b in self.buckets] + ["+Inf"], cell[:-1]):
                running += n
                cumulative.append((le, running))
            family.add_metric(list(labels), cumulative, cell[-1])
        return family


class GCMetrics:
    def __init__(self, connector):
        self.connector = connector
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self.tally = Tally()
        self.registry.register(_ObservedCollector(self.tally))
        self.registry.register(_ConnectorCollector(connector, self))
        self.wsgi_app = make_wsgi_app(self.registry)
        self.agent_states: dict[str, str] = {}
        self._command_labels: dict[str, str] = {name: name for name in connector.routes.names()}
        self._event_labels: dict = {name: (name,) for name in connector.schemas.events}

    # -- observation (hot path: dict lookups and increments) --------------------------------
    def _command_label(self, command: str) -> str:
        label = self._command_labels.get(command)
        if label is None:  # an alias or another spelling: its canonical type, else "unknown"
            try:
                label = self.connector.routes.resolve(command).spec.type
            except Exception:
                label = "unknown"
            if len(self._command_labels) < 10000:
                self._command_labels[command] = label
        return label

    def command_done(self, command: str, result: str, seconds: float) -> None:
        command = self._command_label(command)
        self.tally.inc("gc_commands", (command, result))
        self.tally.observe("gc_command_duration_seconds", (command,), seconds)

    def event_sent(self, event) -> None:
        obj = event[0] if isinstance(event, list) and event else event
        if not isinstance(obj, dict):
            return
        kind = obj.get("type")
        self.tally.inc("gc_events_sent", self._event_labels.get(kind, ("other",)))
        if kind == "State" and obj.get("agentId"):
            self.agent_states[obj["agentId"]] = obj.get("state") or "UNKNOWN"

    def connection_closed(self, transport: str, reason: str) -> None:
        self.tally.inc("gc_connections_closed", (transport, reason or "peer"))
        if reason == "slow_client":
            self.tally.inc("gc_slow_client_disconnects", (transport,))

    def backend_observed(self, name: str, fields: dict) -> None:
        if name == "rest":
            method = str(fields.get("method", "?"))
            self.tally.observe("gc_backend_request_duration_seconds", (method,), float(fields.get("seconds", 0.0)))
            self.tally.inc("gc_backend_requests", (method, str(fields.get("status", 0))))
        elif name == "failover":
            self.tally.inc("gc_node_failovers")


class _ObservedCollector:
    """The tallies of the observation hooks, as Prometheus families."""

    COUNTERS = (
        ("gc_commands", "Requests handled, by command type and result (OK or errorCode)", ["command", "result"]),
        ("gc_backend_requests", "Backend requests by method and HTTP status (0: no answer)", ["method", "status"]),
        ("gc_events_sent", "Events handed to a client destination or connection, by type", ["type"]),
        ("gc_slow_client_disconnects", "Clients disconnected because their output queue filled", ["transport"]),
        ("gc_connections_closed", "Client connections closed, by reason", ["transport", "reason"]),
        ("gc_node_failovers", "Times a backend moved to another node", []),
        ("gc_lockout_refusals", "Connect passwords the lockout guard refused locally (never sent to the "
                                "backend), by rule", ["rule"]),
    )
    HISTOGRAMS = (
        ("gc_command_duration_seconds", "Time from decoding a request to its answer (handler done)", ["command"]),
        ("gc_backend_request_duration_seconds", "Duration of one backend request (Finesse REST)", ["method"]),
    )

    def __init__(self, tally: Tally):
        self.tally = tally

    def describe(self):
        return []

    def collect(self):
        for name, doc, labels in self.COUNTERS:
            yield self.tally.counter_family(name, doc, labels)
        for name, doc, labels in self.HISTOGRAMS:
            yield self.tally.histogram_family(name, doc, labels)


class _ConnectorCollector:
    """Gauges read from the connector's current state at each scrape."""

    def __init__(self, connector, metrics: GCMetrics):
        self.connector = connector
        self.metrics = metrics

    def describe(self):
        return []

    def collect(self):
        c = self.connector
        conns = GaugeMetricFamily("gc_connections", "Open client connections, by transport", labels=["transport"])
        by_transport: dict[str, int] = {t.name: 0 for t in c.transports if t.name in ("websocket", "tcp")}
        for conn in list(c.connections):
            by_transport[conn.transport] = by_transport.get(conn.transport, 0) + 1
        for name, n in sorted(by_transport.items()):
            conns.add_metric([name], n)
        yield conns
        dests = list(c.sessions.destinations.values())
        yield GaugeMetricFamily("gc_destinations", "Client destinations known (with a connection or bound agents)",
                                value=len(dests))
        yield GaugeMetricFamily("gc_destination_backlog_events", "Events waiting in destination backlogs",
                                value=sum(len(d.backlog) for d in dests))
        dropped = CounterMetricFamily("gc_destination_backlog_dropped", "Events dropped from full destination "
                                      "backlogs (oldest first)")
        dropped.add_metric([], c.sessions.drops.total)
        yield dropped
        agents = GaugeMetricFamily("gc_agents", "Bound agents by their last state sent", labels=["state"])
        states = self.metrics.agent_states
        counts: dict[str, int] = {}
        bound = list(c.sessions.agents)
        for agent_id in bound:
            s = states.get(agent_id, "UNKNOWN")
            counts[s] = counts.get(s, 0) + 1
        if len(states) > 2 * len(bound) + 100:  # forget agents no longer bound
            keep = set(bound)
            for a in [a for a in states if a not in keep]:
                states.pop(a, None)
        for s, n in sorted(counts.items()):
            agents.add_metric([s], n)
        yield agents
        in_service = GaugeMetricFamily("gc_backend_in_service", "1 while the backend instance is IN_SERVICE",
                                       labels=["backend"])
        active = GaugeMetricFamily("gc_backend_active_node", "1 for the backend node in use",
                                   labels=["backend", "node"])
        streams = GaugeMetricFamily("gc_xmpp_streams_up", "Agents' XMPP notification streams connected",
                                    labels=["backend"])
        for name, status in sorted(c.backend_status.items()):
            in_service.add_metric([name], 1 if status == "IN_SERVICE" else 0)
        for backend in c.backends:
            name = getattr(backend, "instance", None) or backend.name
            try:
                described = backend.describe() or {}
            except Exception:  # a scrape never fails because of a backend
                log.exception("describing backend %s", name)
                continue
            for node in described.get("nodes") or ():
                active.add_metric([name, str(node.get("name"))], 1 if node.get("active") else 0)
            if "xmpp_streams_up" in described:
                streams.add_metric([name], described["xmpp_streams_up"])
        yield in_service
        yield active
        yield streams
        yield from _transport_links(c)


def _transport_links(c):
    """Gauges of transports that describe a link of their own (the broker's)."""
    up = GaugeMetricFamily("gc_transport_up", "1 while the transport's link (the broker) is connected",
                           labels=["transport"])
    taking = GaugeMetricFamily("gc_transport_active", "1 while the transport takes commands (exclusive "
                               "consumer: once the broker handed it the queue)", labels=["transport"])
    peers = GaugeMetricFamily("gc_transport_peers", "Other GC processes heard on the transport's queue",
                              labels=["transport"])
    reconnects = CounterMetricFamily("gc_transport_reconnects", "Times the transport's link was re-established",
                                     labels=["transport"])
    for transport in list(c.transports):
        describe = getattr(transport, "describe", None)
        if describe is None:
            continue
        try:
            d = describe() or {}
        except Exception:  # a scrape never fails because of a transport
            log.exception("describing transport %s", transport.name)
            continue
        up.add_metric([transport.name], d.get("up", 0))
        taking.add_metric([transport.name], d.get("active", 0))
        peers.add_metric([transport.name], d.get("peers", 0))
        reconnects.add_metric([transport.name], d.get("reconnects", 0))
    yield up
    yield taking
    yield peers
    yield reconnects


class MetricsListener(WSGIListener):
    """``/metrics`` on a port of its own (``metrics.host``:``metrics.port``)."""

    name = "metrics"
    path = "/metrics"

    def __init__(self, metrics: GCMetrics, conf: dict):
        app = metrics.wsgi_app

        def only_metrics(environ, start_response):
            if environ.get("PATH_INFO") in ("/metrics", "/"):
                return app(environ, start_response)
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found: /metrics\n"]
        super().__init__(conf, only_metrics, log)
