"""WebSocket transport: gevent-websocket on ``gevent.pywsgi``.

``ws://host:port/gc`` carries one request per text message and one event per
message back. The same port answers plain HTTP: ``/livez``, ``/readyz``, ``/healthz``
and the routes plugins add (``/metrics``, ``/console/``, ``/demo/``): see
:mod:`gc_core.http`.
"""
from __future__ import annotations

import logging

from gc_core.config import PORT
from gc_core.hookspecs import hookimpl

from .server import WebSocketTransport

log = logging.getLogger("gc.websocket")


@hookimpl
def gc_config_defaults():
    return {"websocket": {"host": "127.0.0.1", "port": 8765, "path": "/gc",
                          "max_frame_bytes": 65536, "max_queue": 1000,
                          # seconds between pings GC sends (a pong refreshes gc.client_timeout); 0 = none
                          "ping_interval": 20.0,
                          # TLS (wss://): PEM certificate chain and key, or "module:factory" of an
                          # ssl.SSLContext; browser origins allowed besides the page's own ("*" = any)
                          "tls_cert": "", "tls_key": "", "tls_context": "",
                          "allowed_origins": []}}


@hookimpl
def gc_config_rules():
    return {"websocket": {"port": PORT}}


@hookimpl
def gc_transports(connector):
    return [WebSocketTransport(connector, connector.config["websocket"])]
