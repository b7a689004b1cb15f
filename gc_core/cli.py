"""The ``gc`` command: ``gc serve``, ``gc plugins``, ``gc schemas``, ``gc config``, plus
the sub-commands plugins add through the ``gc_cli`` hook (``gc emulator``, ``gc sim``).

A failure the user can fix is one line on stderr (``gc: what is wrong: what to do``)
and an exit status of its kind, never a traceback:

- 2 (usage, as argparse): a bad argument, ``gc schemas validate`` with nothing to validate;
- 69 (EX_UNAVAILABLE): a server the command talks to is not there (``gc sim`` without GC);
- 70 (EX_SOFTWARE): an unexpected failure (``GC_TRACEBACK=1`` shows the traceback);
- 78 (EX_CONFIG): the configuration: a missing or unreadable file, a bad value, an
  unknown plugin or backend, a port that is in use.
(:mod:`gc_core.exits`)
"""
from __future__ import annotations

# The gc command is the process's entry point: patch before any plugin imports
# socket, ssl or threading (requests, slixmpp), or gevent cannot cooperate with them.
from gevent import monkey

monkey.patch_all()

from .native_threads import native_logging_locks  # noqa: E402

native_logging_locks()  # logging is shared with native threads (slixmpp): see its docstring

import argparse  # noqa: E402
import json
import logging
import os
import sys
from pathlib import Path
from typing import Optional, Sequence

from . import DISTRIBUTION, __version__
from .config import MASK, Config, ConfigError, default_config_file, is_secret, masked, search_path
from .errors import GCError
from .exits import EX_CONFIG, EX_SOFTWARE, EX_UNAVAILABLE, EX_USAGE, Unavailable, UsageError
from .plugins import PluginError, PluginManager
from .resources import ResourceError
from .deployment import build  # noqa: F401  (gc serve's configuration + plugins; re-exported)

log = logging.getLogger("gc")


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Parser(argparse.ArgumentParser):
    """argparse, with its errors as one line (exit 2) instead of usage + error."""

    def error(self, message: str):
        self.exit(EX_USAGE, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def _add_config_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-c", "--config", action="append", type=Path, default=[],
                   help="TOML configuration file (repeatable; default: the first of ./gc.toml, "
                        "$XDG_CONFIG_HOME/generic-connector/gc.toml, /etc/generic-connector/gc.toml, "
                        "the packaged default)")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="override one setting, e.g. --set tcp.port=9000")


def _setup_logging(level: str, config: Optional[Config] = None) -> None:
    from . import logs
    if str(level).upper() not in LOG_LEVELS:
        raise ConfigError(f"gc.log_level: {level!r} is not a log level (one of {', '.join(LOG_LEVELS)})")
    if config is None:
        logs.setup(level)
        return
    try:
        logs.setup(level, config["gc"]["log_format"], logs.config_secrets(config.sections()))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def cmd_serve(args) -> int:
    from .app import Connector
    config, plugins = build(args.config, args.set)
    _setup_logging(args.log_level or config["gc"]["log_level"], config)
    connector = Connector(config, plugins)
    try:
        connector.start()
    except OSError as exc:  # a transport cannot listen: the configuration must change
        connector.stop()
        raise ConfigError(_listen_error(config, exc)) from exc
    print(f"GC serving ({', '.join(b.instance for b in connector.backends)} backend"
          f"{'s' if len(connector.backends) > 1 else ''}); "
          + ", ".join(f"{t.name} on {t.address}" for t in connector.transports), flush=True)
    connector.serve_forever()
    return 0


def _listen_error(config: Config, exc: OSError) -> str:
    """One line for a transport that cannot listen, with a hint that fits the cause:
    the port (in use, not permitted) -> ``--set <transport>.port=N``; the host (a name
    that does not resolve, an address this machine does not have) -> ``--set <transport>.host=...``."""
    import errno
    import re
    import socket
    m = re.search(r"\('([^']*)', (\d+)\)", str(exc))  # gevent: "Address already in use: ('127.0.0.1', 8766)"
    host, port = (m.group(1), int(m.group(2))) if m else ("", None)
    sections = [s for s, values in config.sections().items()
                if port is not None and isinstance(values, dict) and values.get("port") == port
                and values.get("host", host) == host]
    where = f"{host}:{port}" if m else "a transport's address"
    if isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
        reason = "no such local address" if exc.errno == errno.EADDRNOTAVAIL else (
            f"cannot resolve the host name ({re.sub(r':? *[(].*', '', str(exc.strerror or exc))})")
        hint = " or ".join(f"--set {s}.host=127.0.0.1" for s in sections) or "--set <transport>.host=127.0.0.1"
        return (f"cannot listen on {where}: {reason}: set the host to a name or address of this machine "
                f"({hint}; 0.0.0.0 = every interface)")
    reason = {errno.EADDRINUSE: "the address is in use",
              errno.EACCES: "permission denied"}.get(exc.errno, exc.strerror or str(exc))
    return (f"cannot listen on {where}: {reason}: stop the other server or choose another address "
            f"({' or '.join(f'--set {s}.port=N' for s in sections) or '--set <transport>.port=N'})")


def _schema_registry(plugins: PluginManager):
    from .resources import schemas_dir
    return plugins.schema_registry(schemas_dir())


def cmd_plugins(args) -> int:
    config, plugins = build(args.config, args.set)
    registry = _schema_registry(plugins)
    report = []
    for name, info in plugins.infos.items():
        entry = {"name": name, "module": info.module, "hooks": info.hooks}
        if info.distribution:
            entry["distribution"] = f"{info.distribution} {info.version}"
        commands = plugins.provided_by(name, "gc_commands") or []
        if commands:
            entry["commands"] = sorted({c.type for c in commands})
            # the schema each command is validated against (core schemas/ or the plugin's own)
            entry["command_schemas"] = {c: str(registry.commands[c].path) if c in registry.commands else None
                                        for c in entry["commands"]}
        backends = plugins.provided_by(name, "gc_backend_names") or []
        if backends:
            entry["backends"] = backends
        sections = plugins.provided_by(name, "gc_config_defaults") or {}
        if sections:  # secrets masked in both outputs (text and --json)
            entry["config"] = masked({s: config[s] for s in sections})
        dirs = plugins.provided_by(name, "gc_schema_dirs") or []
        if dirs:
            entry["schemas"] = [str(d) for d in dirs]
        report.append(entry)
    installed = plugins.installed()
    enabled = [n for n in plugins.infos if not n.startswith("core:")]
    instances = _backend_instances(config, plugins, report)
    if args.json:
        print(json.dumps({"plugins": report, "installed": installed, "backends": instances}, indent=2, default=str))
        return 0
    print(f"enabled: {', '.join(enabled)}")
    print(f"installed but disabled: {', '.join(n for n in installed if n not in enabled) or '-'}")
    for inst in instances:
        rule = ", ".join(inst["agents"]) or "-"
        print(f"backend {inst['name']}: {inst['type']} {inst['flavour']} (plugin {inst['plugin']})"
              f"{'  default' if inst['default'] else ''}  agents: {rule}")
        print(f"  capabilities: {', '.join(inst['capabilities']) or '-'}")
    for entry in report:
        print(f"\n{entry['name']}  ({entry['module']}{', ' + entry['distribution'] if 'distribution' in entry else ''})")
        print(f"  hooks: {', '.join(entry['hooks'])}")
        for key in ("commands", "backends", "schemas"):
            if key in entry:
                print(f"  {key}: {', '.join(entry[key])}")
        if "command_schemas" in entry:
            dirs = sorted({str(Path(p).parent) if p else "MISSING" for p in entry["command_schemas"].values()})
            print(f"  command schemas in: {', '.join(dirs)}")
        for section, values in entry.get("config", {}).items():
            print(f"  [{section}] {json.dumps(values, default=str)}")
    return 0


def _backend_instances(config, plugins: PluginManager, report: list) -> list[dict]:
    """Every configured backend instance, built (not started) as ``gc serve`` would."""
    from .backends import Backends
    backends = Backends.build(config, plugins)
    providers = {t: e["name"] for e in report for t in e.get("backends", [])}
    out = []
    for backend in backends:
        conf = backends.configs[backend.instance]
        out.append({"name": conf.name, "type": conf.type, "plugin": providers.get(conf.type, "?"),
                    "flavour": backend.flavour, "default": backend is backends.default,
                    "agents": list(conf.agents), "capabilities": sorted(backend.capabilities),
                    "settings": {k: (MASK if is_secret(k) else v) for k, v in conf.settings.items()}})
    return out


SCHEMA_ACTIONS = ("list", "validate", "asyncapi", "reference")


def cmd_schemas(args) -> int:
    if args.action is None:
        raise UsageError(f"schemas: which action? one of {', '.join(SCHEMA_ACTIONS)} "
                         f"(e.g. 'gc schemas list'; see 'gc schemas --help')")
    config, plugins = build(args.config, args.set)
    registry = _schema_registry(plugins)
    if args.action == "asyncapi":
        from .asyncapi import document, to_yaml
        from .resources import schemas_dir
        shared = {p.stem: json.loads(p.read_text()) for p in sorted(schemas_dir().glob("*.json"))}
        text = to_yaml(document(registry, shared))
        if args.output:
            Path(args.output).write_text(text)
        else:
            sys.stdout.write(text)
        return 0
    if args.action == "reference":
        from . import protocol_reference as ref
        if args.update:
            path = Path(args.update)
            text = _read_text(args.update)
            for kind in ("commands", "events"):
                try:
                    text = ref.replace_block(text, kind, registry)
                except ValueError:
                    raise UsageError(f"{path} has no {ref.BEGIN.format(kind=kind)} ... {ref.END.format(kind=kind)} "
                                     f"block to update") from None
            path.write_text(text)
        else:
            print(ref.block("commands", registry) + "\n\n" + ref.block("events", registry))
        return 0
    if args.action == "list":
        for name in sorted(registry.commands):
            c = registry.commands[name]
            print(f"command {name:28} {'/'.join(c.categories):36} ({', '.join(c.positional) or '-'})")
        for name in sorted(registry.events):
            print(f"event   {name}")
        return 0
    # validate: a frame (request) or an event, from a file, '-' or --frame
    if not args.frame and not args.files:
        raise UsageError("schemas validate: nothing to validate: give files (one frame or event per line, "
                         "'-' for stdin) or --frame FRAME")
    from .codec import FrameError, decode
    from .commands import CommandRegistry, CommandSpec
    routes = CommandRegistry([CommandSpec(n, lambda ctx: None) for n in registry.commands], registry, ())
    sources = [("--frame", args.frame)] if args.frame else [
        (f, sys.stdin.read() if f == "-" else _read_text(f)) for f in args.files]
    command_names = {n.lower() for n in registry.commands}
    status = 0
    for label, text in sources:
        try:  # one JSON document (a pretty-printed event), else one frame or event per line
            json.loads(text)
            items = [text]
        except ValueError:
            items = text.splitlines()
        for lineno, item in enumerate(items, 1):
            if not item.strip():
                continue
            try:
                obj = json.loads(item)
            except ValueError:
                obj = None
            name = registry.event_type(obj) if isinstance(obj, (dict, list)) else None
            if name in registry.events and str(name).lower() not in command_names:
                problems, kind = registry.event_errors(obj), f"event {name}"
            else:
                try:
                    request, _ = decode(item, routes)
                    problems, kind = [], f"request {request.type}"
                except FrameError as exc:
                    problems, kind = [f"{exc.code}: {exc.description}"], "request"
            print(f"{label}:{lineno}: {kind}: {'valid' if not problems else 'INVALID'}")
            for p in problems:
                print(f"    {p}")
            status = status or (1 if problems else 0)
    return status


def _read_text(name: str) -> str:
    try:
        return Path(name).read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {name}: {getattr(exc, 'strerror', None) or exc}") from exc


def cmd_config(args) -> int:
    """``gc config show``: the effective configuration as TOML, secrets masked, after a
    comment naming the file(s) read; ``gc config example NAME``: a starting file."""
    import tomli_w

    from .resources import example_file
    if args.action == "example":
        sys.stdout.write(example_file(args.name).read_text())
        return 0
    config, _ = build(args.config, args.set)
    sources = [str(f) for f in args.config] or [f"{default_config_file()} (searched: "
                                                 f"{', '.join(str(p) for p in search_path())})"]
    print(f"# configuration file: {'; '.join(sources)}")
    print("# then GC__SECTION__KEY environment variables and --set flags; secrets shown as ***")
    print(tomli_w.dumps(masked(config.sections())), end="")
    return 0


def make_parser(plugins: Optional[PluginManager] = None) -> argparse.ArgumentParser:
    parser = Parser(prog="gc", description="Generic Connector: Cisco Finesse agents over one JSON API.")
    parser.add_argument("--version", action="version", version=f"{DISTRIBUTION} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser("serve", help="run the connector (default: the embedded sim contact center)")
    _add_config_args(p)
    p.add_argument("--log-level", type=str.upper, choices=LOG_LEVELS, help="default: gc.log_level")
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("plugins", help="list loaded plugins and what each provides")
    _add_config_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_plugins)
    p = sub.add_parser("schemas", help="list the JSON Schemas, or validate frames/events against them")
    _add_config_args(p)
    p.add_argument("action", nargs="?", choices=SCHEMA_ACTIONS,
                   help="list | validate FILES/--frame | asyncapi (the AsyncAPI 3.0 document, YAML) | "
                        "reference (the Markdown command and event reference of docs/protocol.md)")
    p.add_argument("-o", "--output", help="asyncapi: write to this file instead of stdout")
    p.add_argument("--update", metavar="FILE", help="reference: regenerate the reference blocks in FILE")
    p.add_argument("files", nargs="*", help="files of frames or events, one per line ('-' = stdin)")
    p.add_argument("--frame", help="validate this one frame")
    p.set_defaults(func=cmd_schemas)
    p = sub.add_parser("config", help="show the effective configuration, or print an example file")
    csub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = csub.add_parser("show", help="the effective configuration (secrets masked) and the file it came from")
    _add_config_args(show)
    show.set_defaults(func=cmd_config)
    example = csub.add_parser("example", help="print a starting configuration file")
    from .resources import example_names
    example.add_argument("name", choices=example_names())
    example.set_defaults(func=cmd_config)
    if plugins is not None:
        plugins.hook.gc_cli(subparsers=sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    plugins = PluginManager()
    # every installed plugin may add sub-commands; a broken one is left out here (serve,
    # plugins and schemas load the configured plugins again, strictly, and fail on it)
    broken = plugins.load_entry_points(None, skip_broken=True)
    parser = make_parser(plugins)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EX_USAGE
    if args.func not in (cmd_serve, cmd_plugins, cmd_schemas):
        for exc in broken:
            print(f"gc: warning: {exc}", file=sys.stderr)
    try:
        return args.func(args) or 0
    except UsageError as exc:  # first: a malformed --set is both (config.SettingSyntaxError)
        print(f"gc: {exc}", file=sys.stderr)
        return EX_USAGE
    except (ConfigError, PluginError, GCError, ResourceError) as exc:
        print(f"gc: {exc}", file=sys.stderr)
        return EX_CONFIG
    except Unavailable as exc:
        print(f"gc: {exc}", file=sys.stderr)
        return EX_UNAVAILABLE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the last resort: one line, not a traceback
        if os.environ.get("GC_TRACEBACK"):
            raise
        print(f"gc: unexpected {type(exc).__name__}: {exc} (set GC_TRACEBACK=1 to see where; please report it)",
              file=sys.stderr)
        return EX_SOFTWARE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
