"""Named backend instances and the rule that puts each agent on one of them.

Configuration (docs/protocol.md, "Backends")::

    [backends.ucce]            # an instance called "ucce"
    type = "finesse"           # the backend a plugin builds (gc_backend hook)
    agents = ["1000-1999", "sup-*"]
    flavour = "UCCE"           # any key of the type's own section ([finesse] here)
    primary_host = "finesse-a.example.com"

    [backends.training]
    type = "sim"
    default = true             # agents no rule names

Each instance's settings are its type's section (``[finesse]``: the plugin's
defaults, then what the files set there, shared by every instance of the type)
overlaid with the instance's own keys; a key the type does not declare is an error.
Without any ``[backends.*]`` table the deployment has one instance, named after
``gc.backend``, of that type, with the type's section as its settings, and every
agent on it: the single-backend case is the one-instance case, not a second path.

The agent rule (:class:`AgentRule`), most specific first:

1. an agent id listed explicitly (``"1001"``) by an instance;
2. a numeric range (``"1000-1999"``, both ends included; ids of digits only);
3. a pattern (``"sup-*"``, ``fnmatch`` syntax: ``*``, ``?``, ``[...]``): the first
   instance in configuration order whose pattern matches;
4. the instance with ``default = true``.

An id listed by two instances, two instances' ranges overlapping, or two defaults
are configuration errors found at start. An agent no rule places is refused at
``Connect`` with ``USER_NOT_FOUND``.

The backend hookspec stays the one way to build a backend:
``gc_backend(name=<type>, config=<view>, instance=<name>)``, where ``config`` is the
deployment's configuration with the type's section replaced by the instance's
settings, so a plugin written for one backend per process builds every instance
unchanged. The core sets :attr:`gc_core.backend.Backend.instance` on what it returns.
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Iterator, Optional

from .config import Config, ConfigError
from .errors import GCError

if TYPE_CHECKING:  # pragma: no cover
    from .backend import Backend
    from .plugins import PluginManager

SECTION = "backends"
# Keys of a [backends.<name>] table that are the core's, not the type's.
RULE_KEYS = ("type", "agents", "default")
_RANGE = re.compile(r"^(\d+)-(\d+)$")
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class InstanceConfig:
    """One ``[backends.<name>]`` table, checked: ``settings`` is the full section the
    type's plugin reads (defaults and shared ``[type]`` values included)."""
    name: str
    type: str
    agents: tuple = ()
    default: bool = False
    settings: dict = field(default_factory=dict, repr=False)


class AgentRule:
    """Which instance serves an agent id (module docstring, "The agent rule")."""

    def __init__(self, instances: Iterable[InstanceConfig]):
        self.ids: dict[str, str] = {}
        self.ranges: list[tuple[int, int, str, str]] = []   # (low, high, instance, text)
        self.patterns: list[tuple[str, str]] = []            # (pattern, instance)
        self.default: Optional[str] = None
        for inst in instances:
            for entry in inst.agents:
                entry = str(entry).strip()
                if not entry:
                    continue
                m = _RANGE.match(entry)
                if m:
                    low, high = int(m.group(1)), int(m.group(2))
                    if low > high:
                        raise ConfigError(f"backends.{inst.name}.agents: range {entry!r} runs backwards")
                    for lo, hi, other, text in self.ranges:
                        if low <= hi and lo <= high and other != inst.name:
                            raise ConfigError(f"backends.{inst.name}.agents: range {entry!r} overlaps "
                                              f"{text!r} of backends.{other}")
                    self.ranges.append((low, high, inst.name, entry))
                elif any(ch in entry for ch in "*?["):
                    self.patterns.append((entry, inst.name))
                else:
                    other = self.ids.get(entry)
                    if other is not None and other != inst.name:
                        raise ConfigError(f"agent {entry!r} is listed by backends.{other} and backends.{inst.name}")
                    self.ids[entry] = inst.name
            if inst.default:
                if self.default is not None:
                    raise ConfigError(f"backends.{self.default} and backends.{inst.name} are both the default")
                self.default = inst.name

    def instance_for(self, agent_id: str) -> Optional[str]:
        """The instance name serving ``agent_id``, or None when no rule places it."""
        name = self.ids.get(agent_id)
        if name is not None:
            return name
        if agent_id.isdigit():
            n = int(agent_id)
            for low, high, inst, _text in self.ranges:
                if low <= n <= high:
                    return inst
        for pattern, inst in self.patterns:
            if fnmatch.fnmatchcase(agent_id, pattern):
                return inst
        return self.default


def instance_configs(config: Config, type_defaults: dict[str, dict],
                     rules: dict[str, dict] | None = None) -> list[InstanceConfig]:
    """The checked instances of a deployment, in configuration order.

    ``type_defaults``: each backend type's declared section defaults (may lack a
    type that declares no section). Raises :class:`ConfigError` on a table without a
    ``type``, a key the type does not declare, or a value of the wrong kind."""
    tables = _tables(config[SECTION])
    if not tables:
        name = config["gc"]["backend"]
        return [InstanceConfig(name=name, type=name, default=True, settings=dict(config[name]))]
    out = []
    for name, table in tables.items():
        if not _NAME.match(name):
            raise ConfigError(f"[backends.{name}]: a backend name is letters, digits, '_', '-' and '.'")
        if not isinstance(table, dict):
            raise ConfigError(f"backends.{name} must be a table ([backends.{name}])")
        kind = table.get("type")
        if not isinstance(kind, str) or not kind:
            raise ConfigError(f"[backends.{name}] needs type = \"finesse\" | \"sim\" | <a plugin's backend>")
        agents = table.get("agents", [])
        if isinstance(agents, str):
            agents = [a.strip() for a in agents.split(",") if a.strip()]
        if not isinstance(agents, list):
            raise ConfigError(f"backends.{name}.agents: expected a list of ids, ranges and patterns")
        default = table.get("default", False)
        if isinstance(default, str) and default.lower() in ("true", "false"):
            default = default.lower() == "true"
        if not isinstance(default, bool):
            raise ConfigError(f"backends.{name}.default: expected true or false, got {default!r}")
        known = type_defaults.get(kind, {})
        settings = dict(config[kind]) if kind in type_defaults else {}
        own = {k: v for k, v in table.items() if k not in RULE_KEYS}
        if own:
            checked = Config.build({kind: known}, {kind: own}, ignore_unknown_sections=False,
                                   rules={kind: (rules or {}).get(kind, {})})
            settings.update({k: checked[kind][k] for k in own})
        out.append(InstanceConfig(name=name, type=kind, agents=tuple(agents), default=default, settings=settings))
    return out


def _tables(section: dict) -> dict[str, dict]:
    """``[backends.x]`` tables, plus ``--set backends.x.key=value`` (which arrives as
    the key ``x.key`` of the section) and ``GC__BACKENDS__X__KEY`` (the key ``x__key``)
    merged into them."""
    tables: dict[str, dict] = {}
    for key, value in section.items():
        if isinstance(value, dict):
            tables.setdefault(key, {}).update(value)
    for key, value in section.items():
        if not isinstance(value, dict):
            sep = "." if "." in key else "__" if "__" in key else None
            if sep is None:
                raise ConfigError(f"backends.{key}: expected a table [backends.<name>]")
            name, sub = key.split(sep, 1)
            tables.setdefault(name, {})[sub] = value
    return tables


def label(backend: "Backend") -> str:
    """How error descriptions name a backend: ``"sim UCCX"``, ``"finesse UCCE (ucce-east)"``."""
    text = " ".join(filter(None, (backend.name, backend.flavour)))
    if backend.instance and backend.instance != backend.name:
        text += f" ({backend.instance})"
    return text


class Backends:
    """The running backend instances, by name, in configuration order."""

    def __init__(self, instances: list[tuple[InstanceConfig, "Backend"]]):
        self.configs = {conf.name: conf for conf, _ in instances}
        self.by_name: dict[str, "Backend"] = {conf.name: be for conf, be in instances}
        self.rule = AgentRule(self.configs.values())
        first = instances[0][0].name
        self.default: "Backend" = self.by_name[self.rule.default or first]

    @classmethod
    def build(cls, config: Config, plugins: "PluginManager") -> "Backends":
        type_defaults = plugins.config_defaults()
        instances = []
        for conf in instance_configs(config, type_defaults, plugins.config_rules()):
            view = config.with_section(conf.type, conf.settings) if conf.settings else config
            backend = plugins.hook.gc_backend(name=conf.type, config=view, instance=conf.name)
            if backend is None:
                raise GCError("GENERAL_ERROR", f"no enabled plugin provides the backend type {conf.type!r} "
                                               f"(backend {conf.name!r})")
            backend.instance = conf.name
            instances.append((conf, backend))
        return cls(instances)

    def __iter__(self) -> Iterator["Backend"]:
        return iter(self.by_name.values())

    def __len__(self) -> int:
        return len(self.by_name)

    def of_type(self, kind: str) -> list["Backend"]:
        return [b for n, b in self.by_name.items() if self.configs[n].type == kind]

    def for_agent(self, agent_id: str) -> "Backend":
        """The backend serving ``agent_id``; GCError USER_NOT_FOUND when none does."""
        name = self.rule.instance_for(agent_id)
        if name is None:
            raise GCError("USER_NOT_FOUND", f"agent {agent_id} is on no configured backend "
                                            "(no backends.<name>.agents entry names it and none is the default)")
        return self.by_name[name]

    def capabilities(self) -> frozenset:
        """Every capability some instance has (what the router offers at all)."""
        out: set = set()
        for b in self:
            out |= set(b.capabilities)
        return frozenset(out)

    def label(self) -> str:
        return " or ".join(label(b) for b in self)
