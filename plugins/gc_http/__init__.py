"""gc plugin 'http': an HTTP port of its own for the health endpoints and the routes
plugins add (``/livez``, ``/readyz``, ``/healthz``, ``/metrics`` ...; see
:mod:`gc_core.http`).

The WebSocket port serves the same routes on its HTTP side; this plugin is for a
deployment without it (TCP only) or one that keeps monitoring off the client port:

    [gc]
    plugins = ["tcp", "http", "sim", "agent", "metrics"]
    [http]
    host = "127.0.0.1"
    port = 8767
"""
from __future__ import annotations

import logging

from gc_core.config import PORT
from gc_core.hookspecs import hookimpl
from gc_core.http import HttpRoutes, WSGIListener

log = logging.getLogger("gc.http")


@hookimpl
def gc_config_defaults():
    return {"http": {"host": "127.0.0.1", "port": 8767}}


@hookimpl
def gc_config_rules():
    return {"http": {"port": PORT}}


@hookimpl
def gc_transports(connector):
    return [HttpListener(connector, connector.config["http"])]


class HttpListener(WSGIListener):
    """Plain HTTP (no client protocol) on ``http.host``:``http.port``."""

    name = "http"

    def __init__(self, connector, conf: dict):
        super().__init__(conf, HttpRoutes(connector), log)
