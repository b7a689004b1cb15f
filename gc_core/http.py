"""The HTTP side of GC: health endpoints and the routes plugins add.

One WSGI application (:class:`HttpRoutes`) serves, on the WebSocket port beside the
WebSocket endpoint and on the ``http`` plugin's own port (for a TCP-only deployment):

``/livez``
    200 ``{"status": "alive"}`` while the process's hub runs (it is the hub that
    answers). A load balancer or orchestrator restarts GC when this fails.
``/readyz``
    200 ``{"ready": true, "status": "IN_SERVICE", "backends": {"sim": "IN_SERVICE"}}``
    when GC can serve agents: every backend instance is IN_SERVICE and every transport
    is listening; otherwise 503 with ``"ready": false`` and ``"reasons": ["backend sim
    OUT_OF_SERVICE"]`` (or ``"transport stomp down"``). Answered from the state the backend last reported,
    so it turns within the backend's own detection time (sim: at once; Finesse: the
    SystemInfo notification or the lost stream). Send traffic only to a ready GC.
``/healthz``
    Kept from earlier releases: always 200 while the process answers (like
    ``/livez``), with the backend's status and counts in the body
    (``{"status": "IN_SERVICE", "connections": 3, "agents": 2}``). Monitors that
    need a status code for readiness use ``/readyz``.

Plugins add routes through the ``gc_http_routes`` hook (``/metrics``, ``/console/``,
``/demo/``). Every request is logged at DEBUG on ``gc.http`` (method, path, status,
peer), never at INFO.
"""
from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Callable, Iterable

if TYPE_CHECKING:  # pragma: no cover
    from .app import Connector

log = logging.getLogger("gc.http")

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


def json_response(start_response, status: str, body: dict) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data))),
                            ("Cache-Control", "no-store")])
    return [data]


def text_response(start_response, status: str, text: str) -> list[bytes]:
    data = text.encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data)))])
    return [data]


def transport_ready(transport) -> bool:
    """A transport's ``ready`` (its listening socket is open), else the ``up`` of what
    it ``describe()`` s (a broker link: connected); a transport with neither is ready."""
    ready = getattr(transport, "ready", None)
    if ready is None and hasattr(transport, "describe"):
        try:
            ready = bool((transport.describe() or {}).get("up", 1))
        except Exception:
            ready = False
    return True if ready is None else bool(ready)


def readiness(connector: "Connector") -> tuple[bool, list[str]]:
    """(ready, reasons it is not): the backend's status and each transport's."""
    reasons = [f"backend {name} {status}" for name, status in sorted(connector.backend_status.items())
               if status != "IN_SERVICE"]
    for transport in connector.transports:
        if not transport_ready(transport):
            reasons.append(f"transport {transport.name} down")
    if not connector.transports:
        reasons.append("no transport started")
    return not reasons, reasons


class HttpRoutes:
    """The WSGI application of GC's HTTP side (see the module docstring)."""

    def __init__(self, connector: "Connector", *, index: str = ""):
        self.connector = connector
        self.index = index
        self.exact: dict[str, WsgiApp] = {"/livez": self.livez, "/readyz": self.readyz, "/healthz": self.healthz,
                                          "/": self.root}
        self.prefixes: list[tuple[str, WsgiApp]] = []
        for routes in connector.plugins.hook.gc_http_routes(connector=connector):
            for path, app in (routes or {}).items():
                if path.endswith("/") and path != "/":
                    self.prefixes.append((path, app))
                    self.exact.setdefault(path.rstrip("/"), self._redirect(path))
                else:
                    self.exact[path] = app
        self.prefixes.sort(key=lambda p: len(p[0]), reverse=True)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "/") or "/"
        status = ["-"]

        def start(s, headers, exc_info=None):
            status[0] = s.split(" ", 1)[0]
            return start_response(s, headers, exc_info) if exc_info else start_response(s, headers)
        try:
            app = self.exact.get(path)
            if app is None:
                app = next((a for prefix, a in self.prefixes if path.startswith(prefix)), None)
            if app is None:
                return text_response(start, "404 Not Found", "not found\n")
            return app(environ, start)
        finally:
            if log.isEnabledFor(logging.DEBUG):
                log.debug("%s %s %s %s:%s", environ.get("REQUEST_METHOD"), path, status[0],
                          environ.get("REMOTE_ADDR"), environ.get("REMOTE_PORT"))

    @staticmethod
    def _redirect(target: str) -> WsgiApp:
        def app(environ, start_response):
            start_response("301 Moved Permanently", [("Location", target), ("Content-Length", "0")])
            return [b""]
        return app

    # -- built-in endpoints -----------------------------------------------------------------
    def livez(self, environ, start_response):
        return json_response(start_response, "200 OK", {"status": "alive"})

    def readyz(self, environ, start_response):
        ready, reasons = readiness(self.connector)
        body = {"ready": ready, "status": self.connector.status, "backends": dict(self.connector.backend_status)}
        if reasons:
            body["reasons"] = reasons
        return json_response(start_response, "200 OK" if ready else "503 Service Unavailable", body)

    def healthz(self, environ, start_response):
        return json_response(start_response, "200 OK", {"status": self.connector.status,
                                                        "connections": len(self.connector.connections),
                                                        "agents": len(self.connector.sessions.agents)})

    def root(self, environ, start_response):
        links = sorted(p for p in self.exact if p != "/") + [p for p, _ in self.prefixes]
        return text_response(start_response, "200 OK",
                             f"Generic Connector: {self.connector.status}\n{self.index}"
                             + "".join(f"{p}\n" for p in sorted(set(links))))


CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".css": "text/css; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml",
                 ".png": "image/png", ".txt": "text/plain; charset=utf-8"}


def static_files(package: str, directory: str = "static", prefix: str = "/") -> WsgiApp:
    """A WSGI app serving the files of ``package``'s package data ``directory`` (read
    with importlib.resources, so wheels and checkouts alike) below the URL ``prefix``
    (``/demo/`` serves ``static/index.html`` for ``/demo/`` and ``static/demo.js`` for
    ``/demo/demo.js``). Only plain file names of that directory are served (no
    sub-paths, no ``..``); others are 404. Files are read once, at the first request."""
    from importlib import resources
    cache: dict[str, bytes] = {}
    root = resources.files(package).joinpath(directory)

    def app(environ, start_response):
        name = environ.get("PATH_INFO", "")[len(prefix):] or "index.html"
        if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD"):
            return text_response(start_response, "405 Method Not Allowed", "read-only\n")
        if "/" in name or "\\" in name or name.startswith("."):
            return text_response(start_response, "404 Not Found", "not found\n")
        data = cache.get(name)
        if data is None:
            item = root.joinpath(name)
            if not item.is_file():
                return text_response(start_response, "404 Not Found", "not found\n")
            data = cache[name] = item.read_bytes()
        ext = name[name.rfind("."):] if "." in name else ""
        start_response("200 OK", [("Content-Type", CONTENT_TYPES.get(ext, "application/octet-stream")),
                                  ("Content-Length", str(len(data))), ("Cache-Control", "no-cache"),
                                  ("X-Content-Type-Options", "nosniff")])
        return [data]
    return app


class WSGIListener:
    """A plain HTTP listener (no client protocol) serving ``app`` on ``conf["host"]``:``conf["port"]``,
    started and stopped with the transports; ``address`` ends in ``path``."""

    name = "http"
    path = ""

    def __init__(self, conf: dict, app, error_log: logging.Logger):
        import gevent.pywsgi  # the listener's server; this module's routes need no gevent
        self.conf = conf
        self.server = gevent.pywsgi.WSGIServer((conf["host"], conf["port"]), app, log=None, error_log=error_log)

    @property
    def port(self) -> int:
        return self.server.server_port

    @property
    def address(self) -> str:
        return f"http://{self.conf['host']}:{self.port}{self.path}"

    @property
    def ready(self) -> bool:
        return self.server.started

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop(timeout=1)
