"""gc plugin 'metrics': Prometheus metrics (``prometheus-client``) at ``/metrics``.

Served on the WebSocket port's HTTP side (and the ``http`` plugin's port) and, when
``metrics.port`` is 0 or more, on a port of its own (``metrics.host``). Every metric
is fed by observation hooks (``gc_command_done``, ``gc_event_sent``,
``gc_connection_closed``, ``gc_backend_observed``) or read from the connector when
scraped, so nothing here sits in a command's or an event's way.
:mod:`gc_metrics.registry` lists the metrics.
"""
from __future__ import annotations

import logging

from gc_core.config import Between
from gc_core.hookspecs import hookimpl

log = logging.getLogger("gc.metrics")


@hookimpl
def gc_config_defaults():
    # port: -1 = no port of its own (only /metrics beside the transports); 0 = any free port
    return {"metrics": {"host": "127.0.0.1", "port": -1}}


@hookimpl
def gc_config_rules():
    return {"metrics": {"port": Between(-1, 65535, "a TCP port or -1 (off)")}}


def _metrics(connector):
    global _current
    from .registry import GCMetrics
    m = connector.extras.get("metrics.metrics")
    if m is None:
        m = _current = connector.extras["metrics.metrics"] = GCMetrics(connector)
    return m


@hookimpl
def gc_startup(connector):
    _metrics(connector)


@hookimpl
def gc_http_routes(connector):
    return {"/metrics": _metrics(connector).wsgi_app}


@hookimpl
def gc_transports(connector):
    conf = connector.config["metrics"]
    if conf["port"] < 0:
        return []
    from .registry import MetricsListener
    return [MetricsListener(_metrics(connector), conf)]


@hookimpl
def gc_command_done(command, result, seconds, agent_id, transport):
    if _current is not None:
        _current.command_done(command, result, seconds)


@hookimpl
def gc_event_sent(agent_id, destination, event):
    if _current is not None:
        _current.event_sent(event)


@hookimpl
def gc_connection_closed(transport, peer, reason):
    if _current is not None:
        _current.connection_closed(transport, reason)


@hookimpl
def gc_lockout_refused(rule, agent_id, peer):
    if _current is not None:
        _current.tally.inc("gc_lockout_refusals", (rule,))


@hookimpl
def gc_backend_observed(backend, name, fields):
    if _current is not None:
        _current.backend_observed(name, fields)


# The process's metrics (one connector per process): the observation hooks get no
# connector, so they reach its GCMetrics through this (set by _metrics).
_current = None
