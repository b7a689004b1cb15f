"""gc plugin 'console': a read-only status console at ``/console/`` on the WebSocket
port (the original product's "Connector Monitor").

It shows the backends and their nodes, the transports, the destinations with their
connections and backlogs, the agents with their state and current calls, the recent
errors, and small live charts (connections, agents, commands/s, events/s, errors/s)
drawn from ``/console/status.json``, which the page polls every second.

Off unless ``"console"`` is in ``gc.plugins``. Access: the ``gc_http_authorize`` hook
(area ``"console"``) decides; the core's (gc_core/transport_security.py) asks for the
client credential when ``gc.client_secret`` is set; with no secret and no plugin
deciding it is open, so keep the port on loopback or behind a proxy that authenticates. Static files ship as package data
(``gc_console/static``).
"""
from __future__ import annotations

from gc_core.hookspecs import hookimpl
from gc_core.http import json_response, static_files

from .activity import Activity


@hookimpl
def gc_config_defaults():
    return {"console": {"recent_errors": 50, "poll_seconds": 1.0}}


def _activity(connector) -> Activity:
    global _current
    a = connector.extras.get("console.activity")
    if a is None:
        a = _current = connector.extras["console.activity"] = Activity(connector.config["console"]["recent_errors"])
    return a


@hookimpl
def gc_startup(connector):
    _activity(connector)


@hookimpl
def gc_http_routes(connector):
    activity = _activity(connector)
    files = static_files(__name__, "static", "/console/")

    # the page's script and style hold no data and are the same in every installation:
    # a browser loads them without the credential (a <script src> cannot carry the
    # page's ?credential=); the page itself and status.json need it
    public = {"/console/console.js", "/console/console.css"}

    def guarded(app):
        def check(environ, start_response):
            if environ.get("PATH_INFO") in public:
                return app(environ, start_response)
            if connector.plugins.hook.gc_http_authorize(connector=connector, environ=environ, area="console") is False:
                start_response("401 Unauthorized", [("Content-Type", "text/plain; charset=utf-8"),
                                                    ("WWW-Authenticate", 'Bearer realm="gc-console"')])
                return [b"the console needs the client credential\n"]
            return app(environ, start_response)
        return check

    def status(environ, start_response):
        return json_response(start_response, "200 OK", activity.snapshot(connector))
    return {"/console/": guarded(files), "/console/status.json": guarded(status)}


@hookimpl
def gc_event_sent(agent_id, destination, event):
    if _current is not None:
        _current.event_sent(event)


@hookimpl
def gc_command_done(command, result, seconds, agent_id, transport):
    if _current is not None:
        _current.command_done(result)


_current = None  # this process's Activity (the observation hooks get no connector)
