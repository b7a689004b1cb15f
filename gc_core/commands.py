"""Commands: what a plugin registers (:class:`CommandSpec`), the request a frame
becomes (:class:`Request`), and the router from a command name to its handler.

The router knows each command's categories and positional parameters from its
schema (``x-gc-categories``, ``x-gc-positional``), so a plugin cannot register a
command without the schema that validates it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

from .errors import ORIGIN_GC, GCError

if TYPE_CHECKING:  # pragma: no cover
    from .schemas import CommandSchema, SchemaRegistry

# Where a command runs:
SCOPE_SYSTEM = "system"    # no agent (Hello, Beat): answered on the connection at once
SCOPE_CONNECT = "connect"  # names an agent that need not be connected yet (Connect)
SCOPE_AGENT = "agent"      # needs the agent connected on this connection's destination

SENSITIVE_PARAMS = frozenset({"password", "resumeToken", "clientCredential"})

# The answer to a command of the API that this deployment does not offer (its plugin is
# installed but not enabled, or no installed plugin provides it): a retry cannot fix it,
# so not PLEASE_RETRY; the spec's closest code is "The request has been rejected", raised
# by GC (docs/protocol.md, Errors). A name no schema knows stays PLEASE_RETRY (bad input).
NOT_OFFERED = "CF_GENERIC_UNSPECIFIED_REJECTION"


@dataclass(frozen=True)
class CommandSpec:
    """A command a plugin handles.

    ``handler(ctx)`` gets a :class:`gc_core.app.CommandContext`. ``requires`` names
    backend capabilities (:mod:`gc_core.backend`) without which the command is not
    offered. ``supervisor``: only an agent with the Supervisor role may send it.
    ``aliases``: other accepted spellings, in addition to the schema's ``x-gc-aliases``."""
    type: str
    handler: Callable[[Any], None]
    scope: str = SCOPE_AGENT
    requires: frozenset = frozenset()
    # At least one of these capabilities too (e.g. UCCE outbound preview or UCCX direct preview).
    requires_any: frozenset = frozenset()
    supervisor: bool = False
    # A supervisor may send it naming a member of a team it supervises (protocol.md:
    # the supervisor's Logout / MakeNotReady of a team member); the handler then sees
    # ctx.member_id and acts through the supervisor's session.
    member_ok: bool = False
    aliases: tuple = ()
    plugin: str = ""


@dataclass
class Request:
    type: str
    category: Optional[str] = None
    agent_id: Optional[str] = None
    params: dict = field(default_factory=dict)
    request_id: Optional[str] = None
    form: str = "json"  # json | legacy

    def canonical(self) -> dict:
        out: dict[str, Any] = {"type": self.type}
        if self.category is not None:
            out["category"] = self.category
        if self.agent_id is not None:
            out["agentId"] = self.agent_id
        out["params"] = self.params
        if self.request_id is not None:
            out["requestId"] = self.request_id
        return out

    def safe(self) -> dict:
        """The request for a log line: passwords replaced."""
        out = self.canonical()
        out["params"] = {k: ("***" if k in SENSITIVE_PARAMS else v) for k, v in self.params.items()}
        return out

    def origin(self) -> dict:
        """What an Error event echoes of the request."""
        return {k: v for k, v in (("category", self.category), ("type", self.type)) if v is not None}


@dataclass
class Route:
    spec: CommandSpec
    schema: "CommandSchema"


def missing_capabilities(spec: CommandSpec, capabilities: Iterable[str]) -> list[str]:
    """What ``spec`` needs that ``capabilities`` lacks (empty: the command is offered)."""
    caps = set(capabilities)
    missing = set(spec.requires) - caps
    if spec.requires_any and not set(spec.requires_any) & caps:
        missing.add(" or ".join(sorted(spec.requires_any)))
    return sorted(missing)


def unavailable_reason(spec: CommandSpec, capabilities: Iterable[str], backend_label: str) -> str:
    """The PLEASE_RETRY description of a command a backend cannot serve, or ""."""
    missing = missing_capabilities(spec, capabilities)
    if not missing:
        return ""
    return f"{spec.type} is not available on the {backend_label} backend (needs {', '.join(missing)})"


class CommandRegistry:
    """Maps a command name (any case, or an alias) to its route.

    ``capabilities``: what any of the connector's backends offers; a command none
    can serve is not routed at all. With several backends, the connector refuses a
    routed command to an agent whose own backend lacks a capability
    (:func:`unavailable_reason`, the same description)."""

    def __init__(self, specs: Iterable[CommandSpec], schemas: "SchemaRegistry",
                 capabilities: Iterable[str], backend_label: str = "backend",
                 disabled: "dict[str, str] | None" = None):
        """``disabled``: command name (any spelling) -> the installed but not enabled
        plugin that provides it (:meth:`gc_core.plugins.PluginManager.disabled_commands`)."""
        self.routes: dict[str, Route] = {}
        self.unavailable: dict[str, str] = {}  # lower-case name -> why
        # lower-case name -> (type, categories) of every registered command, offered or not
        self.known: dict[str, tuple] = {}
        self._names: dict[str, str] = {}
        self._disabled = {n.lower(): p for n, p in (disabled or {}).items()}
        # every spelling of every command the API defines (schemas), routed or not
        self._schema_names = {n.lower(): c for c, sch in schemas.commands.items() for n in (c, *sch.aliases)}
        caps = set(capabilities)
        for spec in specs:
            schema = schemas.commands.get(spec.type)
            if schema is None:
                raise GCError("GENERAL_ERROR", f"plugin {spec.plugin!r} registers command {spec.type!r} "
                                               f"but no schema commands/{spec.type}.json exists")
            names = (spec.type,) + tuple(spec.aliases) + tuple(schema.aliases)
            for n in names:
                self.known[n.lower()] = (spec.type, schema.categories)
            why = unavailable_reason(spec, caps, backend_label)
            if why:
                for n in names:
                    self.unavailable[n.lower()] = why
                continue
            if spec.type in self.routes:
                other = self.routes[spec.type].spec.plugin
                raise GCError("GENERAL_ERROR", f"command {spec.type!r} registered by both {other!r} and {spec.plugin!r}")
            self.routes[spec.type] = Route(spec, schema)
            for n in names:
                self._names[n.lower()] = spec.type

    def resolve(self, name: str) -> Route:
        """The route of ``name``; else a :class:`GCError` saying why it is not offered:
        PLEASE_RETRY for a name no schema knows or a command the backend lacks a
        capability for, :data:`NOT_OFFERED` for a command whose plugin is not enabled
        (naming the plugin and ``gc.plugins``) or that no installed plugin provides."""
        key = name.lower()
        canonical = self._names.get(key)
        if canonical is not None:
            return self.routes[canonical]
        if key in self.unavailable:
            raise GCError("PLEASE_RETRY", self.unavailable[key])
        command = self._schema_names.get(key, name)
        plugin = self._disabled.get(key) or self._disabled.get(command.lower())
        if plugin:
            raise GCError(NOT_OFFERED, f"{command} is provided by the plugin {plugin!r}, which is not enabled "
                                       f"here: add \"{plugin}\" to the gc.plugins setting", origin=ORIGIN_GC)
        if key in self._schema_names:
            raise GCError(NOT_OFFERED, f"{command} is not provided by any installed plugin: install a plugin "
                                       f"that handles it and add it to the gc.plugins setting", origin=ORIGIN_GC)
        raise GCError("PLEASE_RETRY", f"unknown command {name!r}")

    def names(self) -> list[str]:
        return sorted(self.routes)
