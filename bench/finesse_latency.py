"""Benchmark: GC's Finesse backend against the emulator, N agents (default 200).

Reports, in one run on one emulator (one Prosody):
- the time to sign in all N agents through GC (Connect = GET User + XMPP login with
  subscription check, then Login = PUT User and its notification, as a client
  sees it), next to the time N bare slixmpp clients need just to log in to Prosody;
- the client-observed latency of notifications: the emulator changes every agent's
  state (``--rounds`` bursts of N changes), and for each change the time until the
  ``State`` event reaches the GC client (REST-free path: Prosody -> GC's XMPP thread
  -> gevent -> WebSocket), against the time until a bare slixmpp subscriber on the
  same Prosody receives the same kind of notification. p50 / p99 and their ratio.

The baseline runs first, alone (its subscribers log out before GC starts), so the
two phases do not compete for the CPU. Nothing here asserts: numbers are printed
(and written as JSON with ``--json FILE``).

    python bench/finesse_latency.py                 # 200 agents
    python bench/finesse_latency.py --agents 1000
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import ssl
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import gevent.monkey  # noqa: E402  (only for the originals below; this process is not patched)
from slixmpp import ClientXMPP  # noqa: E402
from slixmpp.xmlstream.handler import Callback  # noqa: E402
from slixmpp.xmlstream.matcher.base import MatcherBase  # noqa: E402

from gc_core.testing import GCClient, GCProcess, event_obj, event_type  # noqa: E402
from gc_finesse_emulator.cluster import EmulatorCluster  # noqa: E402
from gc_sim.model import Site  # noqa: E402

PASSWORD = "secret"
PER_CONNECTION = 50       # agents per GC client connection (destination)
_EVENT = "{http://jabber.org/protocol/pubsub#event}event"
_MESSAGE = "{jabber:client}message"


def pct(values: list, p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


# -- the baseline: bare slixmpp subscribers ------------------------------------------------
class _Items(MatcherBase):
    def __init__(self):
        super().__init__("items")

    def match(self, stanza) -> bool:
        return stanza.xml.tag == _MESSAGE and stanza.xml.find(_EVENT) is not None


class BareSubscribers:
    """N agents logged in to Prosody with slixmpp on one asyncio thread, recording the
    arrival time of every item on each agent's User node."""

    def __init__(self, host: str, port: int, domain: str, agents: list, arrivals: Optional[dict] = None):
        """``arrivals``: a dict shared with other subscriber sets (agent -> arrival
        times), so whoever polls it reads one dict, whatever the number of sets."""
        self.host, self.port, self.domain, self.agents = host, port, domain, agents
        self.arrivals: dict = {} if arrivals is None else arrivals
        for a in agents:
            self.arrivals.setdefault(a, [])
        self.loop = asyncio.new_event_loop()
        self.clients: list = []
        self._ssl = ssl.create_default_context()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro, timeout=300):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _one(self, agent: str):
        x = ClientXMPP(f"{agent}@{self.domain}/bench", PASSWORD, sasl_mech="PLAIN", ssl_context=self._ssl,
                       plugin_config={"feature_mechanisms": {"unencrypted_plain": True}})
        x.enable_starttls = x.enable_direct_tls = False
        x.enable_plaintext = True
        x.whitespace_keepalive = False
        started = self.loop.create_future()
        x.add_event_handler("session_start", lambda _: (x.send_presence(), started.set_result(True)))
        node = f"/finesse/api/User/{agent}"
        record = self.arrivals[agent]

        def on_item(msg):
            now = time.monotonic()
            for items in msg.xml.find(_EVENT):
                if items.get("node") == node:
                    record.append(now)
        x.register_handler(Callback("bench", _Items(), on_item))
        x.connect(self.host, self.port)
        await asyncio.wait_for(started, 60)
        self.clients.append(x)

    async def _all(self):
        sem = asyncio.Semaphore(100)

        async def one(a):
            async with sem:
                await self._one(a)
        await asyncio.gather(*(one(a) for a in self.agents))

    def login_all(self) -> float:
        t0 = time.monotonic()
        self.run(self._all())
        return time.monotonic() - t0

    def close(self):
        async def bye():
            for x in self.clients:
                x.disconnect(wait=0)
            await asyncio.sleep(0.2)
            for x in self.clients:
                x.abort()
                t = getattr(x, "_run_out_filters", None)
                if t is not None:
                    t.cancel()
            await asyncio.sleep(0.05)
        try:
            self.run(bye(), 30)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)


# -- GC clients ---------------------------------------------------------------------------
class GCReader(threading.Thread):
    """Reads one GC connection, recording each agent's State arrivals (after set-up)
    into ``arrivals`` (agent -> arrival times), a dict all readers share: polling it
    costs the benchmark's main thread what polling the bare subscribers' dict costs
    (merging the readers' dicts on every poll held the GIL while a reader waited to
    time its event: a bias against GC growing with the number of agents)."""

    def __init__(self, client: GCClient, agents: list, arrivals: Optional[dict] = None):
        super().__init__(daemon=True)
        self.client = client
        self.arrivals: dict = {} if arrivals is None else arrivals
        for a in agents:
            self.arrivals.setdefault(a, [])
        self.recording = False
        self.stop = False

    def run(self):
        while not self.stop:
            try:
                ev = self.client._read(0.2)
            except Exception:
                return
            if ev is None:
                continue
            now = time.monotonic()
            self.client.events.clear()
            if self.recording and event_type(ev) == "State" and "requestId" not in event_obj(ev):
                rec = self.arrivals.get(event_obj(ev).get("agentId"))
                if rec is not None:
                    rec.append(now)


def gc_login_all(gc: GCProcess, agents: list) -> tuple[float, list]:
    """Connect + Login every agent; returns (seconds until every Login answered, clients)."""
    groups = [agents[i:i + PER_CONNECTION] for i in range(0, len(agents), PER_CONNECTION)]
    clients = [gc.client(validate=False) for _ in groups]
    for i, c in enumerate(clients):
        c.send({"type": "Hello", "params": {"clientDestination": f"bench-{i}"}})
        c.expect("System")
    done = threading.Event()
    remaining = [len(agents)]
    lock = threading.Lock()
    signed: set = set()

    def drive(c: GCClient, dest: str, group: list):
        for a in group:
            c.send({"type": "Connect", "agentId": a, "params": {"clientDestination": dest, "password": PASSWORD}})
            c.send({"type": "Login", "agentId": a, "params": {"password": PASSWORD, "extension": a},
                    "requestId": f"l-{a}"})
        pending = set(group)
        deadline = time.monotonic() + 600
        while pending and time.monotonic() < deadline:
            ev = c._read(1.0)
            if ev is None:
                continue
            obj = event_obj(ev)
            rid = obj.get("requestId", "")
            if event_type(ev) == "AgentInfo" and rid.startswith("l-"):
                pending.discard(rid[2:])
                with lock:
                    signed.add(rid[2:])
            elif event_type(ev) == "Error":
                print(f"  error: {obj.get('agentId')} {obj.get('errorCode')} {obj.get('errorDescription')}",
                      file=sys.stderr)
                pending.discard(obj.get("agentId"))
        c.events.clear()
        c._unread.clear()
        with lock:
            remaining[0] -= len(group)
            if remaining[0] <= 0:
                done.set()

    t0 = time.monotonic()
    threads = [threading.Thread(target=drive, args=(c, f"bench-{i}", g), daemon=True)
               for i, (c, g) in enumerate(zip(clients, groups))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    if len(signed) < len(agents):
        print(f"  {len(agents) - len(signed)} of {len(agents)} agents did not sign in (errors above); "
              "the latency phases use the others", file=sys.stderr)
    return elapsed, [(c, [a for a in g if a in signed]) for c, g in zip(clients, groups)]


# -- the bursts -----------------------------------------------------------------------------
def bursts(cluster, agents: list, rounds: int, arrivals_fn, first_state: int = 0) -> list:
    """``rounds`` bursts of one state change per agent; each burst waits until every
    change arrived (or 60 s). Returns the latencies (seconds)."""
    sent: dict = {a: [] for a in agents}
    for r in range(rounds):
        state = "READY" if (r + first_state) % 2 == 0 else "NOT_READY"
        for a in agents:
            sent[a].append(time.monotonic())
            cluster.model.change_state(a, state)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            arrivals = arrivals_fn()
            if all(len(arrivals[a]) >= r + 1 for a in agents):
                break
            time.sleep(0.005)
        time.sleep(0.05)
    arrivals = arrivals_fn()
    lat = []
    lost = 0
    for a in agents:
        for r, t0 in enumerate(sent[a]):
            if r < len(arrivals[a]):
                lat.append(arrivals[a][r] - t0)
            else:
                lost += 1
    if lost:
        print(f"  {lost} notifications did not arrive within 60 s", file=sys.stderr)
    return lat


def trickle(cluster, agents: list, count: int, arrivals_fn, first_state: int) -> list:
    """``count`` single state changes, one at a time (each waits for its arrival):
    the latency of one notification through an idle pipeline."""
    lat = []
    for i in range(count):
        a = agents[i % len(agents)]
        seen = len(arrivals_fn()[a])
        state = "READY" if (first_state + i // len(agents)) % 2 == 0 else "NOT_READY"
        t0 = time.monotonic()
        cluster.model.change_state(a, state)
        deadline = t0 + 10
        while len(arrivals_fn()[a]) <= seen and time.monotonic() < deadline:
            time.sleep(0.0002)
        arr = arrivals_fn()[a]
        if len(arr) > seen:
            lat.append(arr[seen] - t0)
    return lat


def main(argv: Optional[list] = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--agents", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=5, help="bursts of one state change per agent")
    ap.add_argument("--single", type=int, default=200, help="single changes, one at a time (idle pipeline)")
    ap.add_argument("--flavour", default="UCCE", choices=["UCCE", "UCCX"])
    ap.add_argument("--json", help="also write the results to this file")
    ap.add_argument("--profile", help="py-spy GC's sign-in into this file (collapsed stacks if it ends in .txt)")
    args = ap.parse_args(argv)
    n = args.agents
    print(f"Finesse backend bench: {n} agents, {args.rounds} bursts of {n} state changes, {args.flavour}")
    site = Site.generate(n, agents_per_team=50)
    agents = [a.id for a in site.agents if not a.is_supervisor]
    workdir = Path(tempfile.mkdtemp(prefix="gc-bench-"))
    cluster = EmulatorCluster.start(flavour=args.flavour, site=site, secondary=False, queue_interval=3600.0,
                                    prosody_log_level="error")
    results: dict = {"agents": n, "rounds": args.rounds, "flavour": args.flavour}
    try:
        # -- phase 1: bare slixmpp subscribers ----------------------------------------------
        for a in agents:
            cluster.model.change_state(a, "LOGIN", extension=a)
        bare = BareSubscribers(cluster.primary.xmpp_host, cluster.primary.xmpp_port, cluster.xmpp_domain, agents)
        results["bare_login_all_s"] = bare.login_all()
        time.sleep(0.5)
        for a in agents:
            bare.arrivals[a].clear()
        bare_lat = bursts(cluster, agents, args.rounds, lambda: bare.arrivals)
        bare_one = trickle(cluster, agents, args.single, lambda: bare.arrivals, args.rounds)
        bare.close()
        cluster.reset()  # every agent LOGOUT again; accounts and subscriptions stay
        time.sleep(0.5)

        # -- phase 2: GC ------------------------------------------------------------------
        conf = {"gc": {"plugins": ["websocket", "tcp", "agent", "finesse"], "backend": "finesse",
                       "validate_events": False, "log_level": "WARNING", "agent_queue": 1000},
                "websocket": {"max_queue": 100000},
                "finesse": {"flavour": args.flavour, "primary_host": cluster.primary.host,
                            "primary_port": cluster.primary.rest_port,
                            "primary_xmpp_port": cluster.primary.xmpp_port, "scheme": "http", "xmpp_tls": "none",
                            "read_timeout": 30.0, "xmpp_timeout": 60.0}}
        gc = GCProcess(conf, workdir=workdir)
        try:
            spy = _py_spy(gc.proc.pid, args.profile) if args.profile else None
            results["gc_login_all_s"], pairs = gc_login_all(gc, agents)
            if spy is not None:
                spy.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
                spy.wait(60)
            shared: dict = {}
            readers = [GCReader(c, group, shared) for c, group in pairs]
            for r in readers:
                r.start()
            time.sleep(0.5)
            for r in readers:
                r.recording = True

            def gc_arrivals():
                return shared
            live = [a for _, group in pairs for a in group]
            results["gc_signed_in"] = len(live)
            gc_lat = bursts(cluster, live, args.rounds, gc_arrivals)
            gc_one = trickle(cluster, live, args.single, gc_arrivals, args.rounds)
            for r in readers:
                r.stop = True
            for r in readers:
                r.join(5)
            for c, _ in pairs:
                c.close()
            results["gc_process"] = _process_stats(gc.proc.pid)
        finally:
            gc.stop()
    finally:
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    def summary(lat):
        return {"n": len(lat), "p50_ms": pct(lat, 50) * 1000, "p99_ms": pct(lat, 99) * 1000,
                "mean_ms": statistics.fmean(lat) * 1000 if lat else float("nan")}
    print(f"  sign-in of all {n} agents through GC (Connect + Login): {results['gc_login_all_s']:.2f} s"
          f"   (bare XMPP logins alone: {results['bare_login_all_s']:.2f} s)")
    for label, mode, bare_l, gc_l in ((f"bursts of {n} changes", "burst", bare_lat, gc_lat),
                                      ("single changes, idle pipeline", "single", bare_one, gc_one)):
        b, g = summary(bare_l), summary(gc_l)
        results[f"{mode}_latency_bare"], results[f"{mode}_latency_gc"] = b, g
        results[f"{mode}_ratio_p50"] = g["p50_ms"] / b["p50_ms"]
        results[f"{mode}_ratio_p99"] = g["p99_ms"] / b["p99_ms"]
        print(f"  notification -> client latency, {label}:    p50        p99     (n)")
        for name, st in (("bare slixmpp", b), ("GC (WebSocket)", g)):
            print(f"    {name:<16} {st['p50_ms']:8.1f} ms {st['p99_ms']:8.1f} ms   ({st['n']})")
        print(f"    ratio GC / bare  {results[f'{mode}_ratio_p50']:8.2f}x   {results[f'{mode}_ratio_p99']:8.2f}x")
    if "gc_process" in results:
        print(f"  GC process: {results['gc_process']}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return results


def _py_spy(pid: int, path: str):
    """py-spy recording ``pid`` into ``path`` (``pip install .[bench]``), or None."""
    if not shutil.which("py-spy"):
        print("  (py-spy not installed: no profile)", file=sys.stderr)
        return None
    fmt = "raw" if path.endswith(".txt") else "flamegraph"
    spy = subprocess.Popen(["py-spy", "record", "--pid", str(pid), "--output", path, "--rate", "200",
                            "--nonblocking", "--threads", "--format", fmt],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    return spy


def _process_stats(pid: int) -> dict:
    """CPU seconds and resident memory of the GC process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        cpu = (int(fields[11]) + int(fields[12])) / ticks
        rss_kb = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                      if line.startswith("VmRSS:"))
        return {"cpu_s": round(cpu, 2), "rss_mb": round(rss_kb / 1024, 1)}
    except (OSError, StopIteration, IndexError, ValueError):
        return {}


if __name__ == "__main__":
    main()
