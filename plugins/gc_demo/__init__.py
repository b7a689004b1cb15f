"""gc plugin 'demo': a demo agent desktop at ``/demo/`` on the WebSocket port.

A page (``static/index.html``, ``demo.js``) that signs an agent in, changes its state
with reason codes, answers / holds / retrieves / releases calls, consults, transfers,
conferences, wraps up, shows a supervisor's team, and logs every frame both ways. It
is a client of the public protocol only, through ``static/gc-client.js`` (connect,
Hello, Beat, resume, requestId promises, typed events), which integrators may copy.

Off unless ``"demo"`` is in ``gc.plugins``; the embedded default configuration
(the sim) enables it. Static files ship as package data (``gc_demo/static``).
"""
from __future__ import annotations

from gc_core.hookspecs import hookimpl
from gc_core.http import static_files


@hookimpl
def gc_http_routes(connector):
    return {"/demo/": static_files(__name__, "static", "/demo/")}
