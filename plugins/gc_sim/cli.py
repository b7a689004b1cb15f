"""``gc sim ...``: drive a running GC's simulated contact center from a shell.

Each sub-command sends one sim traffic frame over GC's TCP port and prints the
answer, e.g. ``gc sim call --queue 1 --from 5550123 --var callVariable1=Gold``."""
from __future__ import annotations

import json
import socket
import sys

from gc_core.exits import Unavailable, UsageError


def _send(args, frame: dict) -> int:
    host, _, port = args.tcp.rpartition(":")
    if not port.isdigit():
        raise UsageError(f"sim --tcp {args.tcp!r}: expected HOST:PORT of GC's TCP transport")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=args.timeout) as sock:
            sock.sendall(json.dumps(frame).encode() + b"\n")
            reply = sock.makefile("rb").readline().decode().strip()
    except OSError as exc:
        raise Unavailable(f"no GC answers on {host or '127.0.0.1'}:{port} ({exc.strerror or exc}): start "
                          f"`gc serve`, or name its TCP transport with --tcp HOST:PORT") from exc
    print(reply)
    try:
        return 1 if json.loads(reply).get("type") == "Error" else 0
    except ValueError:
        return 1


def add_commands(subparsers) -> None:
    sim = subparsers.add_parser("sim", help="drive the simulated contact center of a running GC")
    sim.add_argument("--tcp", default="127.0.0.1:8766", help="GC's TCP transport (host:port)")
    sim.add_argument("--timeout", type=float, default=5.0)
    sub = sim.add_subparsers(dest="sim_command", metavar="ACTION", required=True)

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
    p.set_defaults(func=lambda args: _send(
        args, {"type": "SimPreview", "params": {"loginId": args.login_id, "kind": args.kind}}))

    p = sub.add_parser("status", help="take the contact center in or out of service")
    p.add_argument("status", choices=["IN_SERVICE", "OUT_OF_SERVICE"])
    p.set_defaults(func=lambda args: _send(args, {"type": "SimStatus", "params": {"status": args.status}}))


