"""``gc sim ...``: drive a running GC's simulated contact center from a shell.

Each sub-command sends one sim traffic frame over GC's TCP port and prints the
answer, e.g. ``gc sim call --queue 1 --from 5550123 --var callVariable1=Gold``.

The server is found as ``gc serve`` configures it: the ``[tcp]`` section's host and
port from the same configuration (``--config``/``-c``, else the search path
``./gc.toml`` ...; then ``GC__TCP__PORT``; then ``--set tcp.port=N``), or ``--tcp
HOST:PORT`` given before or after the action (``gc sim --tcp h:p call`` = ``gc sim
call --tcp h:p``). A wildcard listen host (``0.0.0.0``, ``::``) is dialled on loopback.

With several ``[backends.<name>]`` of type sim, ``--backend NAME`` (before or after
the action) names the instance, sent as the command's ``params.backend``; without it
GC drives the only sim instance, or answers an Error naming the choices."""
from __future__ import annotations

import argparse
import json
import socket

from gc_core.exits import Unavailable, UsageError

WILDCARDS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


def server_address(args) -> tuple[str, int]:
    """(host, port) of the running GC's TCP transport: ``--tcp`` if given, else the
    configuration's ``tcp.host``/``tcp.port`` (:func:`gc_core.deployment.build`, as ``gc serve``).
    Raises UsageError for a malformed ``--tcp``, ConfigError for a bad configuration."""
    tcp = getattr(args, "tcp_after", None) or args.tcp
    if tcp:
        host, _, port = tcp.rpartition(":")
        if not port.isdigit() or not 0 <= int(port) <= 65535:
            raise UsageError(f"sim --tcp {tcp!r}: expected HOST:PORT of GC's TCP transport")
        return WILDCARDS.get(host.strip("[]"), host.strip("[]")), int(port)
    from gc_core.deployment import build
    config, plugins = build(args.config + args.config_after, args.set + args.set_after)
    if "tcp" not in plugins.infos:
        raise UsageError("sim: the configuration does not enable the tcp transport (gc.plugins), which "
                         "gc sim talks to: enable it, or name a GC's TCP transport with --tcp HOST:PORT")
    conf = config["tcp"]
    return WILDCARDS.get(conf["host"], conf["host"]), conf["port"]


def _send(args, frame: dict) -> int:
    host, port = server_address(args)
    backend = getattr(args, "backend_after", None) or args.backend
    if backend:
        frame.setdefault("params", {})["backend"] = backend
    try:
        with socket.create_connection((host, port), timeout=args.timeout) as sock:
            sock.sendall(json.dumps(frame).encode() + b"\n")
            reply = sock.makefile("rb").readline().decode().strip()
    except OSError as exc:
        raise Unavailable(f"no GC answers on {host}:{port} ({exc.strerror or exc}): start `gc serve` "
                          f"with the same configuration, or name its TCP transport: gc sim ACTION "
                          f"--tcp HOST:PORT") from exc
    print(reply)
    try:
        return 1 if json.loads(reply).get("type") == "Error" else 0
    except ValueError:
        return 1


def _server_args(p: argparse.ArgumentParser, after: bool) -> None:
    """--tcp/--timeout/--config/--set, on ``gc sim`` and again on each action (``after``:
    stored under their own names, so a value before the action is not overwritten)."""
    suffix, default = ("_after", argparse.SUPPRESS) if after else ("", None)
    p.add_argument("--tcp", dest="tcp" + suffix, default=default, metavar="HOST:PORT",
                   help="GC's TCP transport (default: tcp.host/tcp.port of the configuration)")
    p.add_argument("--timeout", type=float, default=argparse.SUPPRESS if after else 5.0,
                   help="seconds to wait for GC's answer (default 5)")
    p.add_argument("-c", "--config", dest="config" + suffix, action="append", default=[],
                   help="TOML configuration file, as for gc serve (repeatable)")
    p.add_argument("--set", dest="set" + suffix, action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="override one setting, as for gc serve (e.g. --set tcp.port=9000)")
    p.add_argument("--backend", dest="backend" + suffix, default=default, metavar="NAME",
                   help="the sim instance to drive ([backends.NAME] of type sim); default: the only one "
                        "(with several, GC's error names them)")


def add_commands(subparsers) -> None:
    sim = subparsers.add_parser(
        "sim", help="drive the simulated contact center of a running GC",
        description="Drive the simulated contact center of a running GC: each ACTION sends one sim "
                    "command over GC's TCP transport and prints the answer. With several "
                    "[backends.NAME] of type sim, --backend NAME says which one (before or after the "
                    "ACTION); with one sim it may be left out.")
    _server_args(sim, after=False)
    actions = sim.add_subparsers(dest="sim_command", metavar="ACTION", required=True)

    class _Actions:  # every action takes the server arguments after it too
        @staticmethod
        def add_parser(name, **kwargs):
            p = actions.add_parser(name, **kwargs)
            _server_args(p, after=True)
            return p
    sub = _Actions

    p = sub.add_parser("call", help="a customer calls a queue")
    p.add_argument("--queue", help="queue id (default: the site's first queue)")
    p.add_argument("--from", dest="from_address", default="5550100", help="the customer's number")
    p.add_argument("--var", action="append", default=[], metavar="NAME=VALUE", help="call variable (repeatable)")

    def call(args):
        params = {"fromAddress": args.from_address}
        if args.queue:
            params["queueId"] = args.queue
        if args.var:
            params["callVariables"] = dict(v.split("=", 1) for v in args.var)
        return _send(args, {"type": "SimCall", "params": params})
    p.set_defaults(func=call)

    for name, help_text in (("hangup", "the customer hangs up"), ("answer", "the customer answers")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("dialog_id")
        p.set_defaults(func=lambda args, n=name: _send(
            args, {"type": f"Sim{n.capitalize()}", "params": {"dialogId": args.dialog_id}}))

    p = sub.add_parser("preview", help="reserve an agent with an outbound preview call")
    p.add_argument("login_id")
    p.add_argument("--kind", default="OUTBOUND_PREVIEW")
    p.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                   help="ECC variable besides the campaign's BA* ones (repeatable)")

    def preview(args):
        params = {"loginId": args.login_id, "kind": args.kind}
        if args.var:
            params["callVariables"] = dict(v.split("=", 1) for v in args.var)
        return _send(args, {"type": "SimPreview", "params": params})
    p.set_defaults(func=preview)

    p = sub.add_parser("status", help="take the contact center in or out of service")
    p.add_argument("status", choices=["IN_SERVICE", "OUT_OF_SERVICE"])
    p.set_defaults(func=lambda args: _send(args, {"type": "SimStatus", "params": {"status": args.status}}))


