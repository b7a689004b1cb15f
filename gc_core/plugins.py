"""The plugin manager: registers the core's own hooks, loads the ``gc.plugins`` entry
points that configuration allows, and reports what each plugin provides.

Built-in plugins are entry points of this distribution, so they are loaded exactly
like a third party's (compare tox 4's ``plugin/manager.py``, datasette's ``plugins.py``).
"""
from __future__ import annotations

import importlib.metadata
import logging
from dataclasses import dataclass, field
from typing import Any, Iterable

import pluggy

from . import hookspecs
from .hookspecs import NAME

log = logging.getLogger("gc.plugins")
ENTRY_POINT_GROUP = "gc.plugins"
# Always-on plugins that live in gc_core (the system commands Hello/Beat/Connect).
CORE_PLUGINS = ("gc_core.system_commands",)


class PluginError(Exception):
    pass


@dataclass
class PluginInfo:
    name: str
    module: str
    distribution: str = ""
    version: str = ""
    hooks: list = field(default_factory=list)


class PluginManager:
    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(NAME)
        self.pm.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}
        for modname in CORE_PLUGINS:
            module = importlib.import_module(modname)
            self.register(module, name=f"core:{modname.rsplit('.', 1)[-1]}")

    @property
    def hook(self):
        return self.pm.hook

    def register(self, plugin: Any, name: str, *, distribution: str = "", version: str = "") -> None:
        if name in self.infos:
            raise PluginError(f"plugin {name!r} registered twice")
        self.pm.register(plugin, name=name)
        module = getattr(plugin, "__name__", type(plugin).__name__)
        hooks = sorted(h.name for h in self.pm.get_hookcallers(plugin) or [])
        self.infos[name] = PluginInfo(name, module, distribution, version, hooks)

    def load_entry_points(self, allow: Iterable[str] | None) -> None:
        """Load the installed ``gc.plugins`` entry points named in ``allow``
        (``None`` or ``["*"]``: all). A name in ``allow`` that is not installed is an error."""
        eps = {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
        wanted = set(eps) if allow is None or "*" in allow else set(allow)
        missing = wanted - set(eps)
        if missing:
            raise PluginError(f"configured plugins not installed: {', '.join(sorted(missing))} "
                              f"(installed: {', '.join(sorted(eps))})")
        for name in sorted(wanted):
            ep = eps[name]
            try:
                plugin = ep.load()
            except Exception as exc:  # a broken plugin must say which one it is
                raise PluginError(f"plugin {name!r} ({ep.value}) failed to load: {exc}") from exc
            dist = ep.dist
            self.register(plugin, name, distribution=dist.name if dist else "",
                          version=dist.version if dist else "")
            log.debug("loaded plugin %s from %s", name, ep.value)

    def installed(self) -> list[str]:
        return sorted(ep.name for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))

    def config_defaults(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for part in self.hook.gc_config_defaults():
            for section, values in (part or {}).items():
                if section in out:
                    raise PluginError(f"configuration section [{section}] declared by two plugins")
                out[section] = dict(values)
        return out

    def provided_by(self, plugin_name: str, hook_name: str, **kwargs) -> Any:
        """Call one hook of one plugin (for reports)."""
        plugin = self.pm.get_plugin(plugin_name)
        impl = getattr(plugin, hook_name, None)
        if impl is None:
            return None
        return impl(**kwargs)
