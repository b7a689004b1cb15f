"""Configuration: TOML files, overridden by environment variables, overridden by
command-line ``--set`` flags, on top of the defaults every plugin declares.

Layers, lowest first:
1. defaults declared by the core and by each enabled plugin (``gc_config_defaults``);
2. the TOML file(s): every ``--config FILE`` (later files win); with none, the first
   file of :func:`search_path` that exists (``./gc.toml``,
   ``$XDG_CONFIG_HOME/generic-connector/gc.toml``, ``/etc/generic-connector/gc.toml``,
   the packaged default ``conf/gc.toml``, package data as ``gc_core/data/conf``);
3. environment variables ``GC__<SECTION>__<KEY>`` (``GC__TCP__PORT=9000``);
4. ``--set section.key=value`` on the command line.

Values from 3 and 4 are kept as written until their setting's type is known: a
setting whose default is a string takes the text as it is (``GC__ZOOM__CLIENT_SECRET=1_000``
stays ``"1_000"``; a quoted TOML string is unquoted); any other is parsed as a TOML value (``9000``, ``true``,
``["a", "b"]``), falling back to the plain string. Every value is checked against its default's type,
and keys no plugin declared are rejected: a typo is an error, not a silent default.
A :class:`Rule` (the core's :data:`CORE_RULES`, a plugin's ``gc_config_rules``) narrows a
value further: a port is 0..65535 (:data:`PORT`), a word one of a few (:class:`OneOf`).

Secrets: a key whose name ends in ``password`` or ``secret`` is a secret (masked by
``gc config show`` and ``gc plugins``). Each has a ``<key>_file`` variant in any layer
(``zoom.client_secret_file = "/run/secrets/zoom"``) that reads the value from that
file, trailing newline stripped (container secrets).
"""
from __future__ import annotations

import copy
import os
import tomllib
from pathlib import Path
from typing import Any, Iterable, Mapping

from .exits import UsageError
from .resources import conf_dir

ENV_PREFIX = "GC__"

CORE_DEFAULTS: dict[str, dict[str, Any]] = {
    "gc": {
        # The plugins this deployment enables, by entry-point name; "*" = all installed.
        "plugins": ["websocket", "tcp", "sim", "agent", "metrics", "demo", "supervisor", "phonebooks", "outbound"],
        "backend": "sim",
        # Connected agents allowed at once; 0 = unlimited. The next Connect gets LICENSES_EXCEEDED.
        "licensed_agents": 0,
        "log_level": "INFO",
        # "text" (time level logger: message [fields]) or "json" (one object per line,
        # with agentId, requestId, destination, transport, peer): gc_core.logs.
        "log_format": "text",
        # Events kept for a destination while it has no connection (oldest dropped beyond).
        "destination_backlog": 1000,
        # Destinations one connection may serve at once; a Hello/Connect beyond is refused.
        "max_destinations_per_connection": 16,
        # The lockout guard (gc_core/lockout.py): Finesse locks an account after
        # lockout_threshold consecutive refused passwords; GC refuses locally before that,
        # for lockout_window seconds, and after peer_refusal_limit refusals from one address.
        # Liveness (gc_core/liveness.py): close a connection silent this many seconds
        # (0 = never; any frame, Beat, or a WebSocket pong counts); what to do with the
        # agents of a destination no connection has served for orphan_timeout seconds:
        # "none", "not_ready" or "logout" (Finesse signs out a vanished desktop's agent).
        "client_timeout": 0.0,
        "orphan_timeout": 180.0,
        "orphan_policy": "logout",
        # A client credential every connection must present (the secret itself or a token
        # signed with it) on the WebSocket upgrade or in Hello; "" = none required.
        "client_secret": "",
        "lockout_threshold": 5,
        "lockout_window": 300.0,
        "peer_refusal_limit": 3,
        # Commands waiting for one agent; beyond it the request is refused with PLEASE_RETRY.
        "agent_queue": 100,
        # Validate every outgoing event against its schema and log violations (costs CPU).
        "validate_events": False,
        # Time zone of the event timestamps ("UTC" or "local").
        "event_timezone": "UTC",
        # Seconds the count of bound agents must hold still after a wave of sign-ins
        # before one full collection; during the wave the heap is frozen as it grows
        # (gc_core.heap: bounded garbage-collection pauses); 0 = never.
        "heap_freeze_interval": 5.0,
    },
}


class ConfigError(Exception):
    pass


class SettingSyntaxError(ConfigError, UsageError):
    """A malformed ``--set`` (no ``=``, no ``section.``): a command-line mistake, exit 2."""


class Rule:
    """A constraint on one setting's value beyond its default's type, declared by the
    core (:data:`CORE_RULES`) or a plugin (``gc_config_rules``). ``problem(value)`` is
    None when the value is allowed, else what is wrong with it (one phrase)."""

    def problem(self, value: Any) -> str | None:  # pragma: no cover - abstract
        raise NotImplementedError


class OneOf(Rule):
    """One of a few words, compared case-insensitively (``OneOf("UTC", "local")``)."""

    def __init__(self, *choices: str):
        self.choices = choices

    def problem(self, value: Any) -> str | None:
        if str(value).lower() in (c.lower() for c in self.choices):
            return None
        return f"{value!r} is not one of {', '.join(self.choices)}"


class Between(Rule):
    """A number from ``low`` to ``high`` inclusive (``PORT`` = 0..65535, 0 = any free port)."""

    def __init__(self, low: float, high: float, what: str = "a number"):
        self.low, self.high, self.what = low, high, what

    def problem(self, value: Any) -> str | None:
        if self.low <= value <= self.high:
            return None
        return f"{value!r} is not {self.what} ({self.low}..{self.high})"


PORT = Between(0, 65535, "a TCP port")

# Rules for the core's own settings; each plugin declares its own through gc_config_rules.
CORE_RULES: dict[str, dict[str, Rule]] = {
    "gc": {
        "log_level": OneOf("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
        "log_format": OneOf("text", "json"),
        "orphan_policy": OneOf("none", "not_ready", "logout"),
        "event_timezone": OneOf("UTC", "local"),
    },
}


SECRET_SUFFIXES = ("password", "secret")
FILE_SUFFIX = "_file"
MASK = "***"


def is_secret(key: str) -> bool:
    """Whether a configuration key holds a secret (its name ends in password/secret)."""
    return key.endswith(SECRET_SUFFIXES)


def masked(sections: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """A copy with every secret replaced by ``***`` (set or not: nothing is told)."""
    return {s: {k: (MASK if is_secret(k) else v) for k, v in values.items()}
            if isinstance(values, Mapping) else values for s, values in sections.items()}


def search_path(env: Mapping[str, str] | None = None) -> list[Path]:
    """Where ``gc`` looks for its configuration when no ``--config`` is given, in order;
    the first existing file is used (the last entry, the packaged default, always exists)."""
    env = os.environ if env is None else env
    xdg = Path(env.get("XDG_CONFIG_HOME") or Path(env.get("HOME") or Path.home()) / ".config")
    return [Path("gc.toml"), xdg / "generic-connector" / "gc.toml",
            Path("/etc/generic-connector/gc.toml"), conf_dir() / "gc.toml"]


def default_config_file(env: Mapping[str, str] | None = None) -> Path:
    """The configuration file used when no ``--config`` is given (see :func:`search_path`)."""
    path = search_path(env)
    return next((p for p in path if p.is_file()), path[-1])


class RawValue(str):
    """A value from the environment or ``--set``, not yet parsed: its setting's
    default decides (a string setting keeps the text, others parse it as TOML)."""


def parse_value(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _set_path(data: dict, dotted: str, value: Any, origin: str) -> None:
    if "." not in dotted:
        raise SettingSyntaxError(f"{origin} {dotted!r}: expected section.key=value, e.g. --set tcp.port=9000")
    section, key = dotted.split(".", 1)
    data.setdefault(section, {})[key] = value


def load_layers(files: Iterable[Path] = (), env: Mapping[str, str] | None = None,
                overrides: Iterable[str] = ()) -> dict[str, dict[str, Any]]:
    """Read layers 2-4 into one nested dict (not yet checked against defaults)."""
    data: dict[str, dict[str, Any]] = {}
    files = list(files) or [default_config_file(env)]
    for f in files:
        try:
            with open(f, "rb") as fh:
                loaded = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read configuration {f}: {exc}") from exc
        for section, values in loaded.items():
            if not isinstance(values, dict):
                raise ConfigError(f"{f}: top-level key {section!r} must be a [section]")
            data.setdefault(section, {}).update(values)
    for name, raw in (os.environ if env is None else env).items():
        if name.startswith(ENV_PREFIX) and "__" in name[len(ENV_PREFIX):]:
            section, key = name[len(ENV_PREFIX):].lower().split("__", 1)
            data.setdefault(section, {})[key] = RawValue(raw)
    for item in overrides:
        if "=" not in item:
            raise SettingSyntaxError(f"--set {item!r}: expected section.key=value, e.g. --set tcp.port=9000")
        dotted, raw = item.split("=", 1)
        _set_path(data, dotted.strip(), RawValue(raw.strip()), "--set")
    return data


def raw_text(value: Any) -> Any:
    """A RawValue for a string setting: a TOML string literal (``"a b"``) unquoted, any
    other text as written (``1_000`` stays ``1_000``, never the number 1000)."""
    if not isinstance(value, RawValue):
        return value
    parsed = parse_value(value)
    return parsed if isinstance(parsed, str) else str(value)


def _coerce(section: str, key: str, default: Any, value: Any) -> Any:
    if isinstance(value, RawValue):
        if isinstance(default, str):
            return raw_text(value)
        value = parse_value(value)
    if default is None or isinstance(value, type(default)):
        return value
    if isinstance(default, bool):
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
            return value.lower() in ("true", "1", "yes")
    elif isinstance(default, int) and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    elif isinstance(default, float) and isinstance(value, (int, str)):
        try:
            return float(value)
        except ValueError:
            pass
    elif isinstance(default, str) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    elif isinstance(default, list) and isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    raise ConfigError(f"{section}.{key}: expected {type(default).__name__}, got {value!r}")


def read_secret_file(setting: str, path: Any) -> str:
    """The secret held in a ``*_file`` setting's file, one trailing newline removed."""
    path = raw_text(path)
    try:
        text = Path(str(path)).read_text()
    except OSError as exc:
        raise ConfigError(f"{setting}: cannot read the secret file {path}: {exc.strerror or exc}") from exc
    return text[:-1] if text.endswith("\n") else text


class Config:
    """Checked configuration: ``config["tcp"]["port"]`` or ``config.get("tcp", "port")``."""

    def __init__(self, data: dict[str, dict[str, Any]]):
        self._data = data

    @classmethod
    def build(cls, defaults: Mapping[str, Mapping[str, Any]], layers: Mapping[str, Mapping[str, Any]],
              *, ignore_unknown_sections: bool = True,
              rules: Mapping[str, Mapping[str, Rule]] | None = None) -> "Config":
        """Defaults overridden by ``layers``, each value coerced to its default's type and
        checked against its :class:`Rule` (``rules``: section -> key -> rule; default
        :data:`CORE_RULES`). Raises :class:`ConfigError` naming the setting."""
        rules = CORE_RULES if rules is None else rules
        merged = copy.deepcopy({s: dict(v) for s, v in defaults.items()})
        for section, values in layers.items():
            if section not in merged:
                if ignore_unknown_sections:
                    # a section of a plugin that is not enabled: kept, unchecked, unused
                    merged[section] = {k: parse_value(v) if isinstance(v, RawValue) else v
                                       for k, v in values.items()}
                    continue
                raise ConfigError(f"unknown configuration section [{section}]")
            known = defaults[section]
            for key, value in values.items():
                if key.endswith(FILE_SUFFIX) and is_secret(key[:-len(FILE_SUFFIX)]) and key not in known:
                    key, value = key[:-len(FILE_SUFFIX)], read_secret_file(f"{section}.{key}", value)
                if key not in known:
                    raise ConfigError(f"unknown key {section}.{key} (known: {', '.join(sorted(known))})")
                merged[section][key] = value = _coerce(section, key, known[key], value)
                rule = rules.get(section, {}).get(key)
                problem = rule.problem(value) if rule is not None else None
                if problem:
                    raise ConfigError(f"{section}.{key}: {problem}")
        return cls(merged)

    def __getitem__(self, section: str) -> dict[str, Any]:
        return self._data.setdefault(section, {})

    def get(self, section: str, key: str, default: Any = None) -> Any:
        return self._data.get(section, {}).get(key, default)

    def with_section(self, section: str, values: Mapping[str, Any]) -> "Config":
        """This configuration with one section replaced (a backend instance's view:
        gc_core.backends)."""
        return Config({**self._data, section: dict(values)})

    def sections(self) -> dict[str, dict[str, Any]]:
        return copy.deepcopy(self._data)
