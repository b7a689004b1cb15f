"""``gc emulator finesse``: run the Finesse emulator in the foreground.

    gc emulator finesse --flavour uccx [--site my-site.toml] [--rest-port 8082]
                        [--xmpp-port 5222] [--secondary]
    python -m gc_finesse_emulator --flavour ucce --secondary

Prints where each node listens and the agents' credentials, then serves until
Ctrl-C / SIGTERM, which stops Prosody and the REST servers cleanly.
"""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from pathlib import Path



def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--flavour", "--flavor", default="ucce", type=str.lower, choices=("uccx", "ucce"),
                        help="Finesse deployment to emulate (default: ucce)")
    parser.add_argument("--site", default="",
                        help="site description (TOML; default: the packaged sim-site.toml, "
                             "`gc config example` shows where it is)")
    parser.add_argument("--rest-port", type=int, default=0,
                        help="primary node's REST port (default: a free port; the secondary takes the next free one)")
    parser.add_argument("--xmpp-port", type=int, default=0,
                        help="primary node's XMPP client port (default: a free port)")
    parser.add_argument("--secondary", action="store_true", help="also run a secondary node")
    parser.add_argument("--secondary-rest-port", type=int, default=0)
    parser.add_argument("--secondary-xmpp-port", type=int, default=0)
    parser.add_argument("--xmpp-domain", default="finesse.local")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback)")
    parser.add_argument("--queue-interval", type=float, default=10.0,
                        help="seconds between queue statistics notifications (default 10, as Finesse)")
    parser.add_argument("-v", "--verbose", action="store_true")


def _site_arg(value: str):
    if not value:
        return None  # the model's built-in default site (same content as the packaged sim-site.toml)
    path = Path(value)
    if path.is_file():
        return path
    raise SystemExit(f"gc: site file not found: {value} (give --site an existing TOML file, or omit it)")


def run(args: argparse.Namespace) -> int:
    from .cluster import EmulatorCluster

    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = {"flag": False}

    def on_signal(signum, _frame):
        stop["flag"] = True
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    cluster = EmulatorCluster.start(
        flavour=args.flavour.upper(), site=_site_arg(args.site), secondary=args.secondary,
        xmpp_domain=args.xmpp_domain, host=args.host,
        rest_ports=(args.rest_port, args.secondary_rest_port),
        xmpp_ports=(args.xmpp_port or None, args.secondary_xmpp_port or None),
        queue_interval=args.queue_interval)
    try:
        out = sys.stdout
        print(f"Finesse emulator ({cluster.flavour}) ready in {cluster.started_in:.2f}s", file=out)
        for n in cluster.nodes:
            print(f"  {n.name}: REST {n.rest_url}  XMPP {n.xmpp_host}:{n.xmpp_port}", file=out)
        print(f"  XMPP domain {cluster.xmpp_domain}, pubsub {cluster.xmpp_pubsub_domain}", file=out)
        print("  agents: " + ", ".join(f"{a.id}/{a.password}" + (" (supervisor)" if a.is_supervisor else "")
                                       for a in cluster.site.agents[:20])
              + (" ..." if len(cluster.site.agents) > 20 else ""), file=out)
        print("READY", file=out, flush=True)
        while not stop["flag"]:
            time.sleep(0.2)
    finally:
        cluster.stop()
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gc_finesse_emulator",
                                     description="Run the Cisco Finesse emulator (REST + XMPP over Prosody).")
    add_arguments(parser)
    return run(parser.parse_args(argv))
