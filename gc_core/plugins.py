"""The plugin manager: registers the core's own hooks, loads the ``gc.plugins`` entry
points that configuration allows, and reports what each plugin provides.

Built-in plugins are entry points of this distribution, so they are loaded exactly
like a third party's (compare tox 4's ``plugin/manager.py``, datasette's ``plugins.py``).
"""
from __future__ import annotations

import difflib
import importlib.metadata
import logging
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any, Iterable

import pluggy

from . import hookspecs
from .hookspecs import NAME

log = logging.getLogger("gc.plugins")
ENTRY_POINT_GROUP = "gc.plugins"
# Always-on plugins that live in gc_core (the system commands Hello/Beat/Connect; the
# client credential guarding the HTTP areas).
CORE_PLUGINS = ("gc_core.system_commands", "gc_core.transport_security")


class PluginError(Exception):
    """A plugin cannot be used as written: the message names the plugin and what is wrong
    (``gc serve`` prints it as one line and exits with the configuration-error status)."""


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
        """Register one plugin, strictly: an argument its hook's spec lacks, a hook name
        the ``gc`` namespace does not have, a hook function left unmarked are each a
        :class:`PluginError` naming the plugin (and the plugin is not kept)."""
        if name in self.infos:
            raise PluginError(f"plugin {name!r} registered twice")
        try:
            self.pm.register(plugin, name=name)
        except pluggy.PluginValidationError as exc:  # an argument the hook's spec does not have
            raise PluginError(f"plugin {name!r}: {' '.join(str(exc).split())}") from exc
        try:
            self._check_hook_names(plugin, name)
            for caller in self.pm.get_hookcallers(plugin) or []:
                if not caller.has_spec():
                    raise self._unknown_hook(name, caller.name)
        except PluginError:
            self.pm.unregister(plugin, name=name)
            raise
        module = getattr(plugin, "__name__", type(plugin).__name__)
        hooks = sorted(h.name for h in self.pm.get_hookcallers(plugin) or [])
        self.infos[name] = PluginInfo(name, module, distribution, version, hooks)

    def load_entry_points(self, allow: Iterable[str] | None, *, skip_broken: bool = False) -> list[PluginError]:
        """Load the installed ``gc.plugins`` entry points named in ``allow``
        (``None`` or ``["*"]``: all). A name in ``allow`` that is not installed, or a
        plugin that fails to import or to register strictly, is a :class:`PluginError`;
        with ``skip_broken`` such plugins are left out and their errors returned."""
        eps = {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
        wanted = set(eps) if allow is None or "*" in allow else set(allow)
        missing = wanted - set(eps)
        if missing:
            raise PluginError(f"configured plugins not installed: {', '.join(sorted(missing))} "
                              f"(installed: {', '.join(sorted(eps))})")
        errors: list[PluginError] = []
        for name in sorted(wanted):
            ep = eps[name]
            try:
                try:
                    plugin = ep.load()
                except Exception as exc:  # a broken plugin must say which one it is
                    raise PluginError(f"plugin {name!r} ({ep.value}) failed to load: {exc}") from exc
                dist = ep.dist
                self.register(plugin, name, distribution=dist.name if dist else "",
                              version=dist.version if dist else "")
            except PluginError as exc:
                if not skip_broken:
                    raise
                errors.append(exc)
                continue
            log.debug("loaded plugin %s from %s", name, ep.value)
        self.check_pending()
        return errors

    # -- strict loading ------------------------------------------------------------
    def _spec_names(self) -> set[str]:
        return {name for name in vars(hookspecs) if name.startswith("gc_")}

    def _unknown_hook(self, plugin_name: str, hook_name: str) -> PluginError:
        close = difflib.get_close_matches(hook_name, sorted(self._spec_names()), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return PluginError(f"plugin {plugin_name!r} implements unknown hook {hook_name!r}{hint}")

    def _check_hook_names(self, plugin: Any, name: str) -> None:
        """A module-level function named like a hook but not marked ``@hookimpl`` would
        be ignored by pluggy: refuse it, as the author surely meant it as the hook."""
        for attr in self._spec_names():
            fn = getattr(plugin, attr, None)
            if callable(fn) and self.pm.parse_hookimpl_opts(plugin, attr) is None:
                raise PluginError(f"plugin {name!r}: {attr} is not marked @hookimpl "
                                  f"(from gc_core.hookspecs import hookimpl)")

    def check_pending(self) -> None:
        """Every hook implementation must name a hook of the ``gc`` namespace (pluggy's
        ``check_pending``, as tox's manager does): a misspelled ``gc_comands`` is an
        error naming the plugin and the hook, not a plugin that silently does nothing.
        Raises :class:`PluginError`."""
        for hook_name, caller in vars(self.pm.hook).items():
            if hook_name.startswith("_") or caller.has_spec():
                continue
            for impl in caller.get_hookimpls():
                if not impl.optionalhook:
                    raise self._unknown_hook(impl.plugin_name, hook_name)
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:  # pragma: no cover - covered by the loop above
            raise PluginError(str(exc)) from exc

    def installed(self) -> list[str]:
        return sorted(ep.name for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))

    def config_defaults(self, core: dict[str, dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
        """Every plugin's ``gc_config_defaults``, checked: a mapping of section names to
        mappings of key -> default, no section declared twice (nor one of ``core``'s).
        Raises :class:`PluginError` naming the plugin."""
        out: dict[str, dict[str, Any]] = {}
        owner = {section: "core" for section in (core or {})}
        for impl in self.hook.gc_config_defaults.get_hookimpls():
            plugin = impl.plugin_name
            part = impl.function()
            if part is None:
                continue
            if not isinstance(part, dict):
                raise PluginError(f"plugin {plugin!r}: gc_config_defaults must return "
                                  f"{{section: {{key: default}}}}, not {type(part).__name__}")
            for section, values in part.items():
                if not isinstance(section, str) or not isinstance(values, dict):
                    raise PluginError(f"plugin {plugin!r}: gc_config_defaults section [{section}] must map "
                                      f"key names to defaults, not {type(values).__name__}")
                bad = [k for k in values if not isinstance(k, str)]
                if bad:
                    raise PluginError(f"plugin {plugin!r}: configuration keys of [{section}] must be strings: {bad!r}")
                if section in owner:
                    raise PluginError(f"plugin {plugin!r}: configuration section [{section}] is already "
                                      f"declared by {owner[section]!r}")
                owner[section] = plugin
                out[section] = dict(values)
        return out

    def config_rules(self, core: dict[str, dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
        """``core``'s rules merged with every plugin's ``gc_config_rules``: section -> key ->
        :class:`gc_core.config.Rule`. Raises :class:`PluginError` for a rule that is not one."""
        from .config import Rule
        out = {section: dict(values) for section, values in (core or {}).items()}
        for impl in self.hook.gc_config_rules.get_hookimpls():
            for section, values in (impl.function() or {}).items():
                for key, rule in values.items():
                    if not isinstance(rule, Rule):
                        raise PluginError(f"plugin {impl.plugin_name!r}: gc_config_rules [{section}] {key}: "
                                          f"expected a gc_core.config.Rule, not {type(rule).__name__}")
                    out.setdefault(section, {})[key] = rule
        return out

    def schema_dirs(self) -> list[tuple[str, Path]]:
        """(plugin, directory) for every ``gc_schema_dirs`` answer; each must be an
        existing directory. Raises :class:`PluginError` naming the plugin."""
        out = []
        for impl in self.hook.gc_schema_dirs.get_hookimpls():
            dirs = impl.function()
            if dirs is None:
                continue
            if isinstance(dirs, (str, Path)) or not isinstance(dirs, (list, tuple)):
                raise PluginError(f"plugin {impl.plugin_name!r}: gc_schema_dirs must return a list of "
                                  f"directories, not {type(dirs).__name__}")
            for d in dirs:
                if not Path(d).is_dir():
                    raise PluginError(f"plugin {impl.plugin_name!r}: schema directory {d} does not exist "
                                      f"(is it in the distribution's package data?)")
                out.append((impl.plugin_name, Path(d)))
        return out

    def schema_registry(self, core_dir: Path):
        """The schema registry of the core's directory and every plugin's; a schema that
        cannot be read or compiled, or that redefines another, is a :class:`PluginError`
        naming the plugin whose directory holds it."""
        from .schemas import SchemaError, SchemaRegistry
        owned = [("core", Path(core_dir))] + self.schema_dirs()
        try:
            return SchemaRegistry([d for _, d in owned])
        except SchemaError as exc:
            text = str(exc)
            owner = next((p for p, d in reversed(owned) if text.startswith(str(d))), "core")
            raise PluginError(f"plugin {owner!r}: schema {text}") from exc

    def command_specs(self) -> list:
        """Every plugin's ``gc_commands``, each stamped with its plugin's name; anything
        but :class:`~gc_core.commands.CommandSpec` with a callable handler is a
        :class:`PluginError` naming the plugin."""
        import dataclasses
        from .commands import SCOPE_AGENT, SCOPE_CONNECT, SCOPE_SYSTEM, CommandSpec
        specs = []
        for impl in self.hook.gc_commands.get_hookimpls():
            for spec in impl.function() or []:
                if not isinstance(spec, CommandSpec):
                    raise PluginError(f"plugin {impl.plugin_name!r}: gc_commands must return CommandSpec "
                                      f"objects, not {type(spec).__name__}")
                if not callable(spec.handler):
                    raise PluginError(f"plugin {impl.plugin_name!r}: command {spec.type!r} has no callable handler")
                if spec.scope not in (SCOPE_SYSTEM, SCOPE_CONNECT, SCOPE_AGENT):
                    raise PluginError(f"plugin {impl.plugin_name!r}: command {spec.type!r} has unknown scope "
                                      f"{spec.scope!r}")
                specs.append(dataclasses.replace(spec, plugin=impl.plugin_name))
        return specs

    def disabled_commands(self) -> dict[str, str]:
        """Command name (type and aliases) -> name of the installed ``gc.plugins`` entry
        point that provides it but is not enabled here, from that plugin's own
        ``gc_commands`` (imported, never registered). A plugin that cannot be imported
        or answered is left out: this only words an error message."""
        out: dict[str, str] = {}
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in self.infos:
                continue
            try:
                fn = getattr(ep.load(), "gc_commands", None)
                specs = list(fn() or []) if callable(fn) else []
            except Exception as exc:  # noqa: BLE001 - a broken disabled plugin must not stop GC
                log.debug("disabled plugin %s not inspected: %s", ep.name, exc)
                continue
            for spec in specs:
                for name in (getattr(spec, "type", None), *getattr(spec, "aliases", ())):
                    if isinstance(name, str):
                        out.setdefault(name, ep.name)
        return out

    def provided_by(self, plugin_name: str, hook_name: str, **kwargs) -> Any:
        """Call one hook of one plugin (for reports)."""
        plugin = self.pm.get_plugin(plugin_name)
        impl = getattr(plugin, hook_name, None)
        if impl is None:
            return None
        return impl(**kwargs)
