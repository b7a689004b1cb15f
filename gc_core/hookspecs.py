"""Hook specifications of the ``gc`` plugin namespace.

Every built-in plugin uses exactly these hooks and is registered through the
``gc.plugins`` entry-point group, so a third party adds a transport, a backend or a
feature set the same way the built-ins are added (modelled on tox 4's
``plugin/spec.py`` and datasette's ``hookspecs.py``).

A plugin is a module (or object) with functions decorated by :data:`hookimpl`.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pluggy

NAME = "gc"
hookspec = pluggy.HookspecMarker(NAME)
hookimpl = pluggy.HookimplMarker(NAME)

if TYPE_CHECKING:  # pragma: no cover
    from .app import Connector
    from .backend import Backend
    from .commands import CommandSpec
    from .config import Config, Rule


@hookspec
def gc_config_defaults() -> dict[str, dict[str, Any]]:
    """Declare this plugin's configuration sections and their defaults:
    ``{"tcp": {"host": "127.0.0.1", "port": 8766}}``. Values from files, the
    environment and the command line override them; keys not declared here are
    rejected, so a typo in a configuration file is an error, not a silent default."""


@hookspec
def gc_config_rules() -> dict[str, dict[str, "Rule"]]:
    """Constraints on this plugin's settings beyond their defaults' types, checked when
    the configuration is built (before anything listens): ``{"tcp": {"port": PORT}}``,
    ``{"sim": {"flavour": OneOf("UCCE", "UCCX")}}`` (:class:`gc_core.config.Rule`).
    A value that breaks one is a configuration error naming the setting."""


@hookspec
def gc_schema_dirs() -> list[Path]:
    """Directories holding this plugin's JSON Schemas (``commands/<Type>.json`` and
    ``events/<Type>.json``), added to the schema registry."""


@hookspec
def gc_commands() -> list["CommandSpec"]:
    """The client commands this plugin handles, each a :class:`~gc_core.commands.CommandSpec`
    naming its category, type, parameters, required backend capabilities and handler."""


@hookspec
def gc_event_mappers() -> dict[type, Callable]:
    """Map domain event classes to functions ``fn(connector, event)`` that emit the
    client events it means (``connector.emit(agent_id, event_dict)``). Several plugins
    may map the same class; each mapper is called."""


@hookspec(firstresult=True)
def gc_backend(name: str, config: "Config", instance: str) -> "Backend | None":
    """Build a backend of type ``name`` if this plugin provides it; return None otherwise.

    Called once per configured instance (:mod:`gc_core.backends`): ``instance`` is its
    name (``[backends.<instance>]``, or ``gc.backend`` when none is configured) and
    ``config[name]`` is that instance's settings, so an implementation reads its own
    section as if it were alone. It may leave ``instance`` out of its signature."""


@hookspec
def gc_backend_names() -> list[str]:
    """The backend types this plugin can build (for ``gc plugins``)."""


@hookspec
def gc_transports(connector: "Connector") -> list[Any]:
    """Transports to run, each with ``start()``, ``stop()`` and a ``name``; they feed
    frames to ``connector.open_connection(...)``."""


@hookspec
def gc_startup(connector: "Connector") -> None:
    """Called once the backend is started and before transports accept clients."""


@hookspec
def gc_shutdown(connector: "Connector") -> None:
    """Called on graceful stop, after transports stopped accepting."""


@hookspec
def gc_event_sent(agent_id: str | None, destination: str, event: Any) -> None:
    """Observe every event handed to a destination (metrics, audit). Must not block."""


@hookspec
def gc_command_done(command: str, result: str, seconds: float, agent_id: str | None, transport: str) -> None:
    """Observe every request once it is handled: ``command`` is its type (``"?"`` when the
    frame named none), ``result`` ``"OK"`` when the handler accepted it or the Error's
    ``errorCode`` it got (``PLEASE_RETRY``, ``DOWN`` ...), ``seconds`` the time from
    decoding to that answer (for a Finesse action: until Finesse accepted the REST
    request; its outcome arrives later as an event). Must not block."""


@hookspec
def gc_connection_closed(transport: str, peer: str, reason: str) -> None:
    """Observe a client connection ending: ``reason`` is ``"slow_client"`` (its output
    queue filled: GC cut it off), ``"write_failed"``, ``"server"`` (GC stopping or
    closing it) or ``"peer"`` (the client went away). Must not block."""


@hookspec
def gc_backend_observed(backend: "Backend", name: str, fields: dict) -> None:
    """Observe a backend fact, reported by the backend through ``Backend.observe``:
    ``"rest"`` (``method``, ``status`` (HTTP status, 0 without an answer), ``seconds``:
    one Finesse REST request), ``"failover"`` (``node``: the node now active). Called in
    the hub's greenlets, never from a backend's native thread. Must not block."""


@hookspec
def gc_lockout_refused(rule: str, agent_id: str, peer: str) -> None:
    """Observe the lockout guard refusing a ``Connect``'s password locally (it never
    reached the backend): ``rule`` is ``"wrong_password"``, ``"repeated_password"``,
    ``"peer_limit"`` or ``"agent_limit"`` (gc_core/lockout.py), ``peer`` the client's
    address. Never the password. Must not block."""


@hookspec
def gc_http_routes(connector: "Connector") -> dict[str, Callable]:
    """HTTP endpoints this plugin serves beside the transports: ``{"/metrics": app}``,
    each a WSGI application. A path ending in ``/`` also serves everything below it
    (``"/console/"``). Served on the WebSocket port's HTTP side and on the ``http``
    plugin's own port (see :mod:`gc_core.http`)."""


@hookspec(firstresult=True)
def gc_http_authorize(connector: "Connector", environ: dict, area: str) -> bool | None:
    """Whether an HTTP request may read a protected ``area`` (``"console"``): False
    refuses it (401), True allows it, None leaves the decision to the next plugin;
    with no plugin deciding, the area is open (it is read-only and listens on
    loopback by default). The place for the client credential of a deployment."""


@hookspec
def gc_cli(subparsers: argparse._SubParsersAction) -> None:
    """Add sub-commands to the ``gc`` command line (``gc emulator ...``, ``gc sim ...``).
    A sub-command sets ``func`` with ``parser.set_defaults(func=...)``; ``func(args)``
    returns the exit status."""
