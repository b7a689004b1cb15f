"""The cost of observing: pipelined commands per second through GC with the metrics
and console plugins (observation hooks on every request and event) against the same
GC without them (the baseline), measured alternately in the same run.

    python bench/observation.py [--commands 5000] [--rounds 3]
    GC_BENCH_OBSERVERS=metrics python bench/observation.py      # one plugin only

One TCP connection, one agent, ``GetState`` frames sent back to back; the time runs
until the last ``State`` answer is read. log_level INFO, events not validated.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gc_core.testing import GCProcess  # noqa: E402

BASE = ["websocket", "tcp", "sim", "agent"]
OBSERVERS = [p for p in os.environ.get("GC_BENCH_OBSERVERS", "metrics,console").split(",") if p]


def rate(gc, n: int) -> float:
    sock = socket.create_connection(gc.tcp_address)
    reader = sock.makefile("rb")
    sock.sendall(b"Connect#1001|bench,secret\n")
    t0 = time.perf_counter()
    sock.sendall(b"GetState#1001\n" * n)
    got = 0
    while got < n:
        if b'"State"' in reader.readline():
            got += 1
    elapsed = time.perf_counter() - t0
    sock.close()
    return n / elapsed


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args, _ = parser.parse_known_args(argv)
    results: dict[str, list] = {"baseline": [], "observed": []}
    with tempfile.TemporaryDirectory(prefix="gc-bench-obs-") as tmp:
        procs = {}
        for name, plugins in (("baseline", BASE), ("observed", BASE + OBSERVERS)):
            config = {"gc": {"plugins": plugins, "log_level": "INFO", "validate_events": False,
                             "agent_queue": args.commands + 10},
                      "tcp": {"max_queue": args.commands + 10}, "sim": {"demo_call_interval": 0.0}}
            procs[name] = GCProcess(config, workdir=Path(tmp) / name)
        try:
            for _ in range(args.rounds):
                for name, gc in procs.items():
                    results[name].append(rate(gc, args.commands))
        finally:
            for gc in procs.values():
                gc.stop()
    base, obs = statistics.median(results["baseline"]), statistics.median(results["observed"])
    print(f"GetState/s  baseline {base:8.0f}   with {'+'.join(OBSERVERS) or 'nothing'} {obs:8.0f}   "
          f"ratio {obs / base:.3f}")


if __name__ == "__main__":
    main()
