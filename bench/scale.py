"""Benchmark: one GC process in front of several emulated Finesse clusters.

``--clusters`` emulator clusters (default 5, primary only, each its own Prosody) of
``--agents-per-cluster`` agents (default 2,000: what one Finesse node pair serves),
each cluster a backend instance of one GC (``[backends.cN]`` with the cluster's id
range: the multi-backend configuration). Reports, in one run:

- sign-in: seconds until every agent is connected and signed in through GC, against
  the same number of bare slixmpp logins to the same Prosody servers (the baseline
  runs first, alone); how many agents signed in, and the errors otherwise, so a run
  that hits a limit (descriptors, memory) reports a *partial* sign-in instead of
  crashing;
- memory: GC's resident set, per signed-in agent;
- latency: a burst of one state change per agent, and single changes one at a time,
  client-observed, p50 / p99 against bare subscribers on the same Prosody servers;
- CPU per event: GC's CPU seconds during the bursts per event delivered.

    python bench/scale.py                                   # 5 x 2,000 = 10,000 agents
    python bench/scale.py --clusters 2 --agents-per-cluster 200
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from finesse_latency import BareSubscribers, GCReader, _process_stats, _py_spy, pct  # noqa: E402

from gc_core.testing import GCClient, GCProcess, event_obj, event_type  # noqa: E402
from gc_finesse_emulator.cluster import EmulatorCluster  # noqa: E402
from gc_sim.model import Site  # noqa: E402

PASSWORD = "secret"
PER_CONNECTION = 100
FIRST_ID = 100000


def sign_in(gc: GCProcess, agents: list, deadline_s: float) -> dict:
    """Connect + Login every agent over connections of PER_CONNECTION agents; never
    raises: returns seconds, agents signed in, errors by code, and the client pairs."""
    groups = [agents[i:i + PER_CONNECTION] for i in range(0, len(agents), PER_CONNECTION)]
    pairs, errors, signed = [], {}, []
    lock = threading.Lock()

    def drive(i: int, group: list) -> None:
        try:
            c = gc.client("tcp", validate=False)
        except OSError as exc:
            with lock:
                errors[f"client connection: {exc}"] = errors.get(f"client connection: {exc}", 0) + len(group)
            return
        with lock:
            pairs.append((c, group))
        dest = f"scale-{i}"
        try:
            c.send({"type": "Hello", "params": {"clientDestination": dest}})
            for a in group:
                c.send({"type": "Connect", "agentId": a,
                        "params": {"clientDestination": dest, "password": PASSWORD}})
                c.send({"type": "Login", "agentId": a, "params": {"password": PASSWORD, "extension": a},
                        "requestId": f"l-{a}"})
            pending = set(group)
            end = time.monotonic() + deadline_s
            while pending and time.monotonic() < end:
                ev = c._read(1.0)
                if ev is None:
                    continue
                obj = event_obj(ev)
                rid = obj.get("requestId", "") or ""
                if event_type(ev) == "AgentInfo" and rid.startswith("l-"):
                    pending.discard(rid[2:])
                    with lock:
                        signed.append(rid[2:])
                elif event_type(ev) == "Error" and obj.get("agentId") in pending:
                    pending.discard(obj.get("agentId"))
                    with lock:
                        errors[obj.get("errorCode")] = errors.get(obj.get("errorCode"), 0) + 1
            c.events.clear()
            c._unread.clear()
            if pending:
                with lock:
                    errors["no answer"] = errors.get("no answer", 0) + len(pending)
        except (OSError, ConnectionError) as exc:
            with lock:
                errors[f"connection lost: {exc}"] = errors.get(f"connection lost: {exc}", 0) + 1

    t0 = time.monotonic()
    threads = [threading.Thread(target=drive, args=(i, g), daemon=True) for i, g in enumerate(groups)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"seconds": time.monotonic() - t0, "signed_in": len(signed), "errors": errors,
            "pairs": pairs, "signed": set(signed)}


def main(argv: Optional[list] = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clusters", type=int, default=5)
    ap.add_argument("--agents-per-cluster", type=int, default=2000)
    ap.add_argument("--single", type=int, default=200, help="single changes, one at a time")
    ap.add_argument("--deadline", type=float, default=600.0, help="seconds allowed for the sign-in")
    ap.add_argument("--json", help="also write the results to this file")
    ap.add_argument("--profile", help="py-spy GC during the burst into this file (collapsed stacks if it ends in .txt)")
    args, _ = ap.parse_known_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # GC inherits it
    n_total = args.clusters * args.agents_per_cluster
    print(f"scale bench: {args.clusters} emulated Finesse clusters x {args.agents_per_cluster} agents = {n_total} "
          f"agents, one GC (descriptor limit {hard})")
    workdir = Path(tempfile.mkdtemp(prefix="gc-scale-"))
    clusters, agents_by = [], {}
    results: dict = {"clusters": args.clusters, "agents": n_total}
    try:
        for k in range(args.clusters):
            first = FIRST_ID + k * args.agents_per_cluster * 2
            site = Site.generate(args.agents_per_cluster, agents_per_team=50, first_id=first)
            cl = EmulatorCluster.start(flavour="UCCE", site=site, secondary=False, queue_interval=3600.0,
                                       prosody_log_level="error")
            clusters.append(cl)
            agents_by[k] = [a.id for a in site.agents if not a.is_supervisor]
        agents = [a for k in sorted(agents_by) for a in agents_by[k]]
        cluster_of = {a: clusters[k] for k, ids in agents_by.items() for a in ids}

        # -- baseline: bare slixmpp subscribers on every Prosody -------------------------
        for a in agents:
            cluster_of[a].model.change_state(a, "LOGIN", extension=a)
        bare_shared: dict = {}
        bares = [BareSubscribers(cl.primary.xmpp_host, cl.primary.xmpp_port, cl.xmpp_domain, agents_by[k],
                                 bare_shared)
                 for k, cl in enumerate(clusters)]
        t0 = time.monotonic()
        done = [threading.Thread(target=b.login_all) for b in bares]
        for t in done:
            t.start()
        for t in done:
            t.join()
        results["bare_login_all_s"] = time.monotonic() - t0

        def bare_arrivals():
            return bare_shared
        time.sleep(1.0)
        for times in bare_shared.values():
            times.clear()
        bare_burst = burst(cluster_of, agents, bare_arrivals, "READY")
        bare_one = single(cluster_of, agents, args.single, bare_arrivals)
        for b in bares:
            b.close()
        for cl in clusters:
            cl.reset()
        time.sleep(1.0)

        # -- GC: one process, one backend instance per cluster --------------------------
        conf = {"gc": {"plugins": ["tcp", "agent", "finesse"], "validate_events": False, "log_level": "WARNING",
                       "agent_queue": 1000},
                "tcp": {"max_queue": 1000000},
                "finesse": {"flavour": "UCCE", "scheme": "http", "xmpp_tls": "none", "read_timeout": 60.0,
                            "xmpp_timeout": 120.0}}
        for k, cl in enumerate(clusters):
            ids = agents_by[k]
            conf.setdefault("backends", {})[f"c{k + 1}"] = {"type": "finesse", "agents": [f"{ids[0]}-{ids[-1]}"],
                                          "primary_host": cl.primary.host, "primary_port": cl.primary.rest_port,
                                          "primary_xmpp_port": cl.primary.xmpp_port}
        gc = GCProcess(conf, workdir=workdir, start_timeout=120)
        try:
            s = sign_in(gc, agents, args.deadline)
            results["gc_login_all_s"] = s["seconds"]
            results["signed_in"] = s["signed_in"]
            results["sign_in_errors"] = s["errors"]
            stats = _process_stats(gc.proc.pid)
            results["gc_process_after_sign_in"] = stats
            if stats.get("rss_mb") and s["signed_in"]:
                results["rss_kb_per_agent"] = round(stats["rss_mb"] * 1024 / s["signed_in"], 1)
            shared: dict = {}
            readers = [GCReader(c, [a for a in group if a in s["signed"]], shared) for c, group in s["pairs"]]
            for r in readers:
                r.start()
            time.sleep(1.0)
            for r in readers:
                r.recording = True

            def gc_arrivals():
                return shared
            live = [a for a in agents if a in s["signed"]]
            spy = _py_spy(gc.proc.pid, args.profile) if args.profile else None
            cpu0 = _process_stats(gc.proc.pid).get("cpu_s", 0.0)
            gc_burst = burst(cluster_of, live, gc_arrivals, "READY")
            cpu1 = _process_stats(gc.proc.pid).get("cpu_s", 0.0)
            if spy is not None:
                spy.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
                spy.wait(60)
            delivered = sum(1 for a in live if gc_arrivals()[a])
            if delivered:
                results["gc_cpu_ms_per_event"] = round((cpu1 - cpu0) * 1000 / delivered, 3)
            gc_one = single(cluster_of, live, args.single, gc_arrivals)
            for r in readers:
                r.stop = True
            for r in readers:
                r.join(5)
            for c, _ in s["pairs"]:
                c.close()
        finally:
            gc.stop()
    finally:
        for cl in clusters:
            cl.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    def summary(lat):
        return {"n": len(lat), "p50_ms": pct(lat, 50) * 1000, "p99_ms": pct(lat, 99) * 1000}
    print(f"  sign-in: {results.get('signed_in', 0)}/{n_total} agents through GC in "
          f"{results.get('gc_login_all_s', float('nan')):.1f} s; bare XMPP logins {results['bare_login_all_s']:.1f} s; "
          f"ratio {results.get('gc_login_all_s', float('nan')) / results['bare_login_all_s']:.2f}x")
    if results.get("sign_in_errors"):
        print(f"  sign-in errors: {results['sign_in_errors']}")
    print(f"  GC after sign-in: {results.get('gc_process_after_sign_in')}; "
          f"{results.get('rss_kb_per_agent', '-')} KB resident per agent")
    for label, key, b, g in (("burst of one change per agent", "burst", bare_burst, gc_burst),
                             ("single changes, idle pipeline", "single", bare_one, gc_one)):
        sb, sg = summary(b), summary(g)
        results[f"{key}_bare"], results[f"{key}_gc"] = sb, sg
        results[f"{key}_ratio_p50"] = sg["p50_ms"] / sb["p50_ms"] if sb["p50_ms"] else float("nan")
        print(f"  {label}: bare p50 {sb['p50_ms']:.1f} ms p99 {sb['p99_ms']:.1f} ms ({sb['n']}); "
              f"GC p50 {sg['p50_ms']:.1f} ms p99 {sg['p99_ms']:.1f} ms ({sg['n']}); "
              f"p50 ratio {results[f'{key}_ratio_p50']:.2f}x")
    print(f"  GC CPU per event (burst): {results.get('gc_cpu_ms_per_event', '-')} ms")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    return results


def burst(cluster_of: dict, agents: list, arrivals_fn, state: str, wait: float = 120.0) -> list:
    """One state change per agent, all at once; latencies of those that arrived."""
    sent = {}
    seen = {a: len(arrivals_fn()[a]) for a in agents}
    for a in agents:
        sent[a] = time.monotonic()
        cluster_of[a].model.change_state(a, state)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        arr = arrivals_fn()
        if all(len(arr[a]) > seen[a] for a in agents):
            break
        time.sleep(0.05)
    arr = arrivals_fn()
    return [arr[a][seen[a]] - sent[a] for a in agents if len(arr[a]) > seen[a]]


def single(cluster_of: dict, agents: list, count: int, arrivals_fn) -> list:
    lat = []
    states: dict = {}
    for i in range(min(count, len(agents))):
        a = agents[(i * 7919) % len(agents)]
        before = len(arrivals_fn()[a])
        state = states[a] = "READY" if states.get(a, "READY") == "NOT_READY" else "NOT_READY"
        t0 = time.monotonic()
        cluster_of[a].model.change_state(a, state)
        end = t0 + 10
        while len(arrivals_fn()[a]) <= before and time.monotonic() < end:
            time.sleep(0.0002)
        arr = arrivals_fn()[a]
        if len(arr) > before:
            lat.append(arr[before] - t0)
    return lat


if __name__ == "__main__":
    main()
