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

import gevent.pywsgi

from gc_core.config import PORT
from gc_core.hookspecs import hookimpl
from gc_core.http import HttpRoutes

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


class HttpListener:
    """Plain HTTP (no client protocol) on ``http.host``:``http.port``."""

    name = "http"

    def __init__(self, connector, conf: dict):
        self.conf = conf
        self.server = gevent.pywsgi.WSGIServer((conf["host"], conf["port"]), HttpRoutes(connector),
                                               log=None, error_log=log)

    @property
    def port(self) -> int:
        return self.server.server_port

    @property
    def address(self) -> str:
        return f"http://{self.conf['host']}:{self.port}"

    @property
    def ready(self) -> bool:
        return self.server.started

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop(timeout=1)
