"""Benchmark: how fast GC serves its clients from the other Finesse node.

On the emulator (UCCE, primary + secondary, each its own Prosody), with N agents
(default 200) signed in through GC and some of them on calls, each scenario breaks
the primary node in one way and measures, as a client sees it:

- time from the fault to ``System OUT_OF_SERVICE``;
- time from the fault to ``System IN_SERVICE`` (GC serving from the other node);
- agents replayed (a ``State`` event after ``IN_SERVICE``) and calls replayed (an
  ``InboundCall`` for a dialog of the set-up after ``IN_SERVICE``);
- what was lost: agents whose ``GetState`` fails afterwards, agents that do not get
  a state change made on the emulator afterwards, and extra ``System`` flaps (any
  status sequence other than one OUT_OF_SERVICE then one IN_SERVICE).

GC runs with its shipped failover settings (keep-alive pings, health probe,
failover_after) and reaches each node through a loopback proxy (gc_finesse_emulator.blackhole),
so the silent partition can black-hole a node's REST and XMPP without closing a
socket. Scenarios: node out of service (CTI link lost), node stopped (REST, XMPP
and the web app), XMPP stopped, web app stopped, REST hanging (the REST proxy
black-holed), silent partition (both proxies black-holed). A fresh GC per scenario;
the cluster is restored between them. Nothing here asserts: the table is printed
(and written as JSON with ``--json FILE``).

    python bench/failover.py                       # 200 agents, all scenarios
    python bench/failover.py --agents 50 --only partition
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gc_core.testing import GCClient, GCProcess, event_obj, event_type  # noqa: E402
from gc_finesse_emulator.blackhole import BlackHoleProxy  # noqa: E402
from gc_finesse_emulator.cluster import EmulatorCluster  # noqa: E402
from gc_finesse_emulator.testing import restore  # noqa: E402
from gc_sim.model import Site  # noqa: E402

PASSWORD = "secret"
PER_CONNECTION = 50
WAIT = 120.0  # seconds allowed for each transition before the scenario is reported as failed


class Reader(threading.Thread):
    """Reads one GC connection; keeps every event with its arrival time."""

    def __init__(self, client: GCClient):
        super().__init__(daemon=True)
        self.client = client
        self.events: list = []   # (monotonic time, event object)
        self.cond = threading.Condition()
        self.stop = False

    def run(self) -> None:
        while not self.stop:
            try:
                ev = self.client._read(0.2)
            except Exception:
                return
            if ev is None:
                continue
            self.client.events.clear()
            with self.cond:
                self.events.append((time.monotonic(), event_obj(ev)))
                self.cond.notify_all()

    def wait_for(self, pred, timeout: float, since: int = 0) -> Optional[tuple]:
        deadline = time.monotonic() + timeout
        i = since
        with self.cond:
            while True:
                while i < len(self.events):
                    if pred(self.events[i][1]):
                        return self.events[i]
                    i += 1
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self.cond.wait(remaining)


def sign_in(gc: GCProcess, agents: list) -> tuple[list, dict]:
    """Hello, Connect and Login every agent (PER_CONNECTION per client connection);
    returns the readers and agent -> reader."""
    groups = [agents[i:i + PER_CONNECTION] for i in range(0, len(agents), PER_CONNECTION)]
    readers, where = [], {}
    for i, group in enumerate(groups):
        c = gc.client("tcp", validate=False)
        c.send({"type": "Hello", "params": {"clientDestination": f"fo-{i}"}})
        c.expect("System")
        r = Reader(c)
        r.start()
        readers.append(r)
        for a in group:
            where[a] = r
            c.send({"type": "Connect", "agentId": a, "params": {"clientDestination": f"fo-{i}", "password": PASSWORD}})
            c.send({"type": "Login", "agentId": a, "params": {"password": PASSWORD, "extension": a},
                    "requestId": f"l-{a}"})
    for a, r in where.items():
        if r.wait_for(lambda e, a=a: e.get("requestId") == f"l-{a}" and e.get("type") in ("AgentInfo", "Error"),
                      WAIT) is None:
            raise RuntimeError(f"agent {a} did not sign in")
    return readers, where


def place_calls(cluster, agents: list) -> list:
    """One agent at a time READY, a customer calls its queue (routed to the one READY
    agent), the agent answers: (dialog id, agent) per call."""
    dialogs = []
    for a in agents:
        cluster.model.change_state(a, "READY")
        did = cluster.model.inbound_call(queue_id="1")
        cluster.model.dialog_action(a, did, "ANSWER", target_media_address=a)
        dialogs.append((did, a))
    return dialogs


SCENARIOS = {
    "out_of_service": ("node out of service", lambda ctx: ctx["cluster"].take_out_of_service("primary", "CTI down")),
    "stopped": ("node stopped", lambda ctx: ctx["cluster"].stop_node("primary")),
    "xmpp": ("XMPP stopped", lambda ctx: ctx["cluster"].stop_xmpp("primary")),
    "webapp": ("web app stopped", lambda ctx: ctx["cluster"].stop_webapp("primary")),
    "rest_hang": ("REST hanging", lambda ctx: ctx["proxies"]["primary_rest"].black_hole()),
    "partition": ("silent partition", lambda ctx: [p.black_hole() for k, p in ctx["proxies"].items()
                                                   if k.startswith("primary")]),
}


def run_scenario(key: str, cluster, proxies: dict, agents: list, calls: int, workdir: Path) -> dict:
    label, fault = SCENARIOS[key]
    restore(cluster)
    for node in cluster.nodes:   # restore() restarts stopped nodes; one taken out of service comes back here
        if node.status != "IN_SERVICE":
            cluster.put_in_service(node)
    for p in proxies.values():
        p.heal()
    conf = {"gc": {"plugins": ["websocket", "tcp", "agent", "finesse"], "backend": "finesse",
                   "validate_events": False, "log_level": "INFO", "agent_queue": 1000},
            "tcp": {"max_queue": 100000},
            "finesse": {"flavour": cluster.flavour, "scheme": "http", "xmpp_tls": "none",
                        "primary_host": "127.0.0.1", "primary_port": proxies["primary_rest"].port,
                        "primary_xmpp_port": proxies["primary_xmpp"].port,
                        "secondary_host": "127.0.0.1", "secondary_port": proxies["secondary_rest"].port,
                        "secondary_xmpp_port": proxies["secondary_xmpp"].port,
                        "xmpp_timeout": 60.0}}
    gc = GCProcess(conf, workdir=workdir / key)
    out = {"scenario": label}
    try:
        readers, where = sign_in(gc, agents)
        dialogs = place_calls(cluster, agents[:calls])
        out["calls"] = len(dialogs)
        time.sleep(1.0)  # quiet before the fault
        marks = {id(r): len(r.events) for r in readers}
        t0 = time.monotonic()
        fault({"cluster": cluster, "proxies": proxies})
        first = readers[0]
        down = first.wait_for(lambda e: e.get("type") == "System" and e["status"] == "OUT_OF_SERVICE", WAIT,
                              marks[id(first)])
        up = first.wait_for(lambda e: e.get("type") == "System" and e["status"] == "IN_SERVICE", WAIT,
                            marks[id(first)]) if down else None
        out["to_out_of_service_s"] = round(down[0] - t0, 2) if down else None
        out["to_in_service_s"] = round(up[0] - t0, 2) if up else None
        if up is None:
            return out
        time.sleep(3.0)  # replays arrive
        replayed_agents, replayed_calls, flaps = set(), set(), 0
        call_ids = {d for d, _ in dialogs}
        for r in readers:
            systems = [e["status"] for _, e in r.events[marks[id(r)]:] if e.get("type") == "System"]
            flaps += max(0, len(systems) - 2) + (0 if systems[:2] == ["OUT_OF_SERVICE", "IN_SERVICE"] else 1)
            for t, e in r.events[marks[id(r)]:]:
                if t < up[0]:
                    continue
                if e.get("type") == "State" and "requestId" not in e:
                    replayed_agents.add(e.get("agentId"))
                if e.get("type") == "InboundCall" and e.get("dialogId") in call_ids:
                    replayed_calls.add(e["dialogId"])
        out["agents_replayed"] = len(replayed_agents)
        out["calls_replayed"] = len(replayed_calls)
        out["system_flaps"] = flaps
        # nothing lost: every agent answers, and a change made now reaches every idle agent
        lost_sessions = 0
        for a in agents:
            r = where[a]
            r.client.send({"type": "GetState", "agentId": a, "requestId": f"after-{a}"})
        for a in agents:
            got = where[a].wait_for(lambda e, a=a: e.get("requestId") == f"after-{a}", 30)
            if got is None or got[1].get("type") != "State":
                lost_sessions += 1
        in_call = {a for _, a in dialogs}
        idle = [a for a in agents if a not in in_call]
        mark2 = {id(r): len(r.events) for r in readers}
        for a in idle:
            cluster.model.change_state(a, "READY")
        lost_events = 0
        for a in idle:
            r = where[a]
            if r.wait_for(lambda e, a=a: e.get("type") == "State" and e.get("agentId") == a
                          and e.get("state") == "READY", 30, mark2[id(r)]) is None:
                lost_events += 1
        out["sessions_lost"] = lost_sessions
        out["events_lost"] = lost_events
        for r in readers:
            r.stop = True
            r.client.close()
        return out
    finally:
        gc.stop()
        out["gc_log_tail"] = [line for line in gc.log().splitlines()
                              if "gc.finesse.failover" in line][-6:]


def main(argv: Optional[list] = None) -> list:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--agents", type=int, default=200)
    ap.add_argument("--calls", type=int, default=20, help="agents on a call when the fault happens")
    ap.add_argument("--only", action="append", choices=list(SCENARIOS), help="run only these scenarios")
    ap.add_argument("--json", help="also write the results to this file")
    ap.add_argument("--verbose", action="store_true", help="print GC's failover log lines per scenario")
    ap.add_argument("--keep", action="store_true", help="keep GC's working directories (logs)")
    args = ap.parse_args(argv)
    site = Site.generate(args.agents, agents_per_team=max(args.agents, 50))
    agents = [a.id for a in site.agents if not a.is_supervisor]
    workdir = Path(tempfile.mkdtemp(prefix="gc-failover-"))
    cluster = EmulatorCluster.start(flavour="UCCE", site=site, secondary=True, queue_interval=3600.0,
                                    prosody_log_level="error")
    proxies = {
        "primary_rest": BlackHoleProxy((cluster.primary.host, cluster.primary.rest_port)),
        "primary_xmpp": BlackHoleProxy((cluster.primary.xmpp_host, cluster.primary.xmpp_port)),
        "secondary_rest": BlackHoleProxy((cluster.secondary.host, cluster.secondary.rest_port)),
        "secondary_xmpp": BlackHoleProxy((cluster.secondary.xmpp_host, cluster.secondary.xmpp_port)),
    }
    print(f"Finesse failover bench: {len(agents)} agents ({args.calls} on calls), UCCE primary + secondary, "
          f"GC's default failover settings")
    rows = []
    try:
        for key in args.only or list(SCENARIOS):
            row = run_scenario(key, cluster, proxies, agents, args.calls, workdir)
            rows.append(row)
            if args.verbose:
                for line in row.get("gc_log_tail", []):
                    print("   ", line)
    finally:
        for p in proxies.values():
            p.close()
        cluster.stop()
        if args.keep:
            print(f"GC logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    def f(v, fmt="{:.1f} s"):
        return "-" if v is None else fmt.format(v)
    header = (f"{'scenario':<20} {'OUT_OF_SERVICE':>15} {'IN_SERVICE':>11} {'agents':>9} {'calls':>7} "
              f"{'flaps':>6} {'lost sess/ev':>13}")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['scenario']:<20} {f(r.get('to_out_of_service_s')):>15} {f(r.get('to_in_service_s')):>11} "
              f"{f(r.get('agents_replayed'), '{}') + '/' + str(len(agents)):>9} "
              f"{f(r.get('calls_replayed'), '{}') + '/' + str(r.get('calls', 0)):>7} "
              f"{f(r.get('system_flaps'), '{}'):>6} "
              f"{f(r.get('sessions_lost'), '{}') + '/' + f(r.get('events_lost'), '{}'):>13}")
    print("times from the fault, as a client sees them; agents/calls: replayed after IN_SERVICE; "
          "flaps: System events beyond one OUT_OF_SERVICE and one IN_SERVICE; lost: GetState failing / "
          "a later state change not arriving")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return rows


if __name__ == "__main__":
    main()
