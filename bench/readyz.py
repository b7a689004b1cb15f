"""How fast /readyz follows the backend: the time from a status change to /readyz
answering 503 (and 200 again), against the time the client's own ``System`` event
takes in the same run (the baseline: what a connected client learns, the same way).

    python bench/readyz.py                 # sim and Finesse emulator, 5 rounds each
    python bench/readyz.py --rounds 10 --only sim

Sim: ``SimStatus`` OUT_OF_SERVICE / IN_SERVICE sent over TCP. Emulator: the primary
node taken out of service and put back (SystemInfo notifications over Prosody, heard
on the XMPP stream of one signed-in agent; no secondary node). /readyz is polled every 5 ms.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gc_core.testing import GCProcess  # noqa: E402


def readyz_code(base: str) -> int:
    try:
        with urllib.request.urlopen(base + "/readyz", timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def until_readyz(base: str, code: int, t0: float, out: dict) -> None:
    while readyz_code(base) != code:
        time.sleep(0.005)
    out["readyz"] = time.perf_counter() - t0


def measure(gc, client, change, status: str, code: int) -> tuple[float, float]:
    base = gc.ws_url.replace("ws://", "http://").rsplit("/", 1)[0]
    out: dict = {}
    t0 = time.perf_counter()
    poller = threading.Thread(target=until_readyz, args=(base, code, t0, out))
    poller.start()
    change()
    client.expect("System", timeout=60, status=status)
    system = time.perf_counter() - t0
    poller.join(60)
    return system, out["readyz"]


def report(name: str, rows: list) -> None:
    for label, idx in (("OUT_OF_SERVICE -> 503", 0), ("IN_SERVICE -> 200", 1)):
        sys_ms = [r[idx][0] * 1000 for r in rows]
        rdy_ms = [r[idx][1] * 1000 for r in rows]
        print(f"{name:9} {label:22} System event median {statistics.median(sys_ms):7.1f} ms   "
              f"/readyz median {statistics.median(rdy_ms):7.1f} ms (max {max(rdy_ms):7.1f})   "
              f"ratio {statistics.median(rdy_ms) / max(0.001, statistics.median(sys_ms)):.2f}")


def bench_sim(rounds: int, workdir: Path) -> None:
    config = {"gc": {"plugins": ["websocket", "tcp", "sim", "agent"], "log_level": "INFO", "validate_events": False},
              "sim": {"demo_call_interval": 0.0}}
    with GCProcess(config, workdir=workdir) as gc, gc.client("tcp") as c:
        c.request("Hello#bench", "System")
        rows = []
        for _ in range(rounds):
            def sim(status):
                return lambda: c.send({"type": "SimStatus", "params": {"status": status}})
            rows.append((measure(gc, c, sim("OUT_OF_SERVICE"), "OUT_OF_SERVICE", 503),
                         measure(gc, c, sim("IN_SERVICE"), "IN_SERVICE", 200)))
    report("sim", rows)


def bench_emulator(rounds: int, workdir: Path) -> None:
    from gc_finesse_emulator.cluster import EmulatorCluster
    from tests.finesse.harness import finesse_config
    cluster = EmulatorCluster.start(flavour="UCCE", secondary=False)
    try:
        config = finesse_config(cluster, secondary=False, failover_poll_interval=0.1, failover_after=600.0,
                                gc={"log_level": "INFO", "validate_events": False})
        with GCProcess(config, workdir=workdir) as gc, gc.client("tcp") as c:
            c.request("Hello#bench", "System")
            # GC hears Finesse's SystemInfo notifications on its agents' XMPP streams: one agent signed in
            c.send("Connect#1001|bench,secret")
            c.request({"type": "Login", "agentId": "1001", "requestId": "l",
                       "params": {"password": "secret", "extension": "1001"}}, "AgentInfo", requestId="l")
            rows = []
            for _ in range(rounds):
                rows.append((measure(gc, c, lambda: cluster.take_out_of_service("primary", reason="bench"),
                                     "OUT_OF_SERVICE", 503),
                             measure(gc, c, lambda: cluster.put_in_service("primary"), "IN_SERVICE", 200)))
        report("emulator", rows)
    finally:
        cluster.stop()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", choices=["sim", "emulator"])
    args, _ = parser.parse_known_args(argv)
    with tempfile.TemporaryDirectory(prefix="gc-bench-readyz-") as tmp:
        if args.only in (None, "sim"):
            bench_sim(args.rounds, Path(tmp) / "sim")
        if args.only in (None, "emulator"):
            bench_emulator(args.rounds, Path(tmp) / "emu")


if __name__ == "__main__":
    main()
