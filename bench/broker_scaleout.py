"""Benchmark: scale-out by agent on the broker. One GC process, then three, consume
one ActiveMQ queue in ``groups`` mode; each process may hold ``--per-process`` agents
(``gc.licensed_agents``: what one GC is licensed, or sized, to hold). The client
side signs in three times that many agents, with JMSXGroupID = agent id, and counts
who gets served (``AgentInfo``) and who is refused (``LICENSES_EXCEEDED``), then sends
``--rounds`` rounds of GetState for every signed-in agent and measures commands/s.

Reported, in one run on one broker: agents served by 3 processes / by 1 (the target
is 3.0: ActiveMQ has to spread the groups evenly for it), and the commands/s ratio
(on a 2-core machine the broker, the client and the GC processes share the cores, so
this ratio says how much the CPU, not GC, allows). Nothing asserts: numbers are
printed (and written as JSON with ``--json FILE``).

    python bench/broker_scaleout.py                   # 100 agents per process
    python bench/broker_scaleout.py --per-process 300
"""
from __future__ import annotations

import argparse
import json
import queue
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import stomp  # noqa: E402

from gc_core.resources import conf_dir  # noqa: E402
from gc_core.testing import GCProcess  # noqa: E402
from gc_stomp.activemq import ActiveMQ  # noqa: E402

PASSWORD = "secret"
DESTINATIONS = 10


def write_site(path: Path, agents: int) -> list[str]:
    """conf/sim-site.toml plus ``agents`` agents 50000.. in teams of 50 (extension = id)."""
    blocks, ids = [(conf_dir() / "sim-site.toml").read_text()], []
    for i in range(agents):
        team, agent = 500 + i // 50, str(50000 + i)
        if i % 50 == 0:
            blocks.append(f'[[teams]]\nid = "{team}"\nname = "Bench {team}"\n')
        blocks.append(f'[[agents]]\nid = "{agent}"\npassword = "{PASSWORD}"\nfirst_name = "B{agent}"\n'
                      f'last_name = "Bench"\nextension = "{agent}"\nteam = "{team}"\n')
        ids.append(agent)
    path.write_text("\n".join(blocks))
    return ids


class Desks(stomp.ConnectionListener):
    """The client side: one STOMP connection, DESTINATIONS topics; answers by requestId."""

    def __init__(self, broker: str, queue_name: str):
        host, port = broker.rsplit(":", 1)
        self.queue = "/queue/" + queue_name
        self.answers: "queue.Queue[dict]" = queue.Queue()
        self.conn = stomp.Connection12([(host, int(port))], auto_content_length=False)
        self.conn.set_listener("", self)
        self.conn.connect(wait=True)
        for d in range(DESTINATIONS):
            self.conn.subscribe(f"/topic/bench-{d}", id=f"t{d}", ack="auto")

    def on_message(self, frame):
        event = json.loads(frame.body)
        event = event[0] if isinstance(event, list) else event
        if event.get("requestId"):
            self.answers.put(event)

    def send(self, frame: dict) -> None:
        headers = {"JMSXGroupID": frame["agentId"]} if frame.get("agentId") else {}
        self.conn.send(self.queue, json.dumps(frame), headers=headers)

    def collect(self, wanted: set, limit: float = 300.0) -> dict:
        """requestId -> answer until one of each alternative in ``wanted`` (a set of
        requestIds, or of tuples of requestIds of which the first answered counts)."""
        groups = [w if isinstance(w, tuple) else (w,) for w in wanted]
        index = {rid: g for g in groups for rid in g}
        got, done, deadline = {}, set(), time.monotonic() + limit
        while len(done) < len(groups):
            try:
                ev = self.answers.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"{len(groups) - len(done)} answers missing")
            group = index.get(ev["requestId"])
            if group is not None and group not in done:
                done.add(group)
                got[ev["requestId"]] = ev
        return got

    def close(self):
        self.conn.disconnect()


def phase(broker: ActiveMQ, workdir: Path, site: Path, ids: list[str], processes: int,
          per_process: int, rounds: int, queue_name: str, prefetch: int, wave: int) -> dict:
    conf = {"gc": {"plugins": ["tcp", "sim", "agent", "stomp"], "licensed_agents": per_process,
                   "log_level": "INFO", "validate_events": False},
            "sim": {"site": str(site), "demo_call_interval": 0.0},
            "stomp": {"hosts": [broker.host_port], "queue": queue_name, "mode": "groups",
                      "prefetch": prefetch, "peer_interval": 1.0}}
    procs = [GCProcess(conf, workdir=workdir / f"gc{queue_name}-{i}") for i in range(processes)]
    for p in procs:
        deadline = time.monotonic() + 60
        while "consuming from broker" not in p.log():
            if time.monotonic() > deadline:
                raise RuntimeError(p.log()[-2000:])
            time.sleep(0.1)
    desks = Desks(broker.host_port, queue_name)
    try:
        t0 = time.monotonic()
        answers = {}
        for start in range(0, len(ids), wave):
            batch = ids[start:start + wave]
            for n, agent in enumerate(batch, start):
                dest = f"bench-{n % DESTINATIONS}"
                desks.send({"type": "Connect", "agentId": agent, "requestId": f"c-{agent}",
                            "params": {"clientDestination": dest, "password": PASSWORD}})
                desks.send({"type": "Login", "agentId": agent, "requestId": f"l-{agent}",
                            "params": {"password": PASSWORD, "extension": agent}})
            # a refused Connect (LICENSES_EXCEEDED) is answered; the Login after it is not
            # (the agent is bound nowhere, and these messages carry no reply-to)
            answers.update(desks.collect({(f"c-{a}", f"l-{a}") for a in batch}))
        sign_in = time.monotonic() - t0
        served = [a for a in ids if answers.get(f"l-{a}", {}).get("type") in ("State", "AgentInfo")]
        refused = [a for a in ids if answers.get(f"c-{a}", {}).get("errorCode") == "LICENSES_EXCEEDED"]
        t0 = time.monotonic()
        wanted = set()
        for r in range(rounds):
            for a in served:
                desks.send({"type": "GetState", "agentId": a, "requestId": f"g{r}-{a}"})
                wanted.add(f"g{r}-{a}")
        got = desks.collect(wanted)
        elapsed = time.monotonic() - t0
        failed = sum(1 for ev in got.values() if ev["type"] != "State")
        return {"processes": processes, "attempted": len(ids), "served": len(served), "refused": len(refused),
                "sign_in_s": round(sign_in, 3), "commands": len(wanted), "command_errors": failed,
                "commands_per_s": round(len(wanted) / elapsed, 1)}
    finally:
        desks.close()
        for p in procs:
            p.stop()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-process", type=int, default=100, help="agents one GC process may hold")
    ap.add_argument("--rounds", type=int, default=5, help="GetState rounds over every served agent")
    ap.add_argument("--prefetch", type=int, default=100, help="stomp.prefetch of each GC process")
    ap.add_argument("--wave", type=int, default=1,
                    help="agents signing in at once (the next wave waits for their answers)")
    ap.add_argument("--json", type=Path, help="write the results here")
    args, _ = ap.parse_known_args(argv)
    with tempfile.TemporaryDirectory(prefix="gc-bench-broker-") as tmp:
        tmp = Path(tmp)
        ids = write_site(tmp / "site.toml", 3 * args.per_process)
        with ActiveMQ(tmp / "amq") as broker:
            one = phase(broker, tmp, tmp / "site.toml", ids, 1, args.per_process, args.rounds, "B1", args.prefetch, args.wave)
            three = phase(broker, tmp, tmp / "site.toml", ids, 3, args.per_process, args.rounds, "B3", args.prefetch, args.wave)
    result = {"one": one, "three": three,
              "served_ratio": round(three["served"] / one["served"], 3),
              "commands_per_s_ratio": round(three["commands_per_s"] / one["commands_per_s"], 3)}
    for r in (one, three):
        print(f"{r['processes']} process(es): {r['served']}/{r['attempted']} agents served "
              f"(sign-in {r['sign_in_s']} s), {r['commands']} GetState at {r['commands_per_s']}/s, "
              f"{r['command_errors']} errors")
    print(f"agents served, 3 processes / 1: {result['served_ratio']} (target 3.0); "
          f"commands/s, 3 / 1: {result['commands_per_s_ratio']}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
