"""A deployment's configuration and plugin manager, built the way ``gc serve`` builds them.

Free of side effects on import (no gevent monkey-patching, unlike :mod:`gc_core.cli`), so
tests and tools can build a configuration inside a process that must stay unpatched."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from .config import CORE_DEFAULTS, CORE_RULES, Config, RawValue, load_layers, parse_value
from .plugins import PluginManager


def build(config_files: Sequence[Path] = (), overrides: Sequence[str] = (), env=None):
    """Configuration + plugin manager for a deployment, as ``gc serve`` builds them."""
    layers = load_layers(config_files, env=env, overrides=overrides)
    allow = layers.get("gc", {}).get("plugins", CORE_DEFAULTS["gc"]["plugins"])
    if isinstance(allow, RawValue):  # from the environment or --set: a TOML list, or a plain one
        allow = parse_value(allow)
    if isinstance(allow, str):
        allow = [a.strip() for a in allow.split(",") if a.strip()]
    plugins = PluginManager()
    plugins.load_entry_points(allow)
    defaults = {**CORE_DEFAULTS, **plugins.config_defaults(core=CORE_DEFAULTS)}
    config = Config.build(defaults, layers, rules=plugins.config_rules(core=CORE_RULES))
    return config, plugins
