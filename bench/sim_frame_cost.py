"""Benchmark: server CPU per frame on the sim, against a bare gevent-websocket echo.

Both servers run as child processes on loopback and are driven the same way by one
WebSocket client in this process: ``--frames`` JSON frames (``GetState`` of a
connected agent), sent in windows of ``--window`` (default 50: a client pipelining,
the headline ratio) and each answered by one event; ``--single`` frames (10,000) are also
sent one at a time (a desktop waiting for each answer), a second ratio.
The figure is the server process's CPU time (user + system, from /proc) divided by
the number of frames, for

- the baseline: a gevent-websocket server that parses each frame as JSON and sends
  a JSON answer back (what any JSON-over-WebSocket server pays: framing, masking,
  JSON both ways, one write);
- GC on the sim: decode, schema validation, routing, the agent's worker, the sim's
  model, the State event's mapping and encoding, the write.

It prints µs per frame for each and the ratio GC / echo, for each shape. ``--profile
FILE`` also records GC with py-spy (``pip install py-spy``) during the pipelined run,
as an SVG flame graph (collapsed stacks for a ``.txt`` file).

    python bench/sim_frame_cost.py
    python bench/sim_frame_cost.py --frames 50000 --profile /tmp/gc-sim.svg
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gc_core.testing import GCClient, GCProcess  # noqa: E402

ECHO_SERVER = r'''
import json, sys
from gevent import pywsgi
from geventwebsocket.handler import WebSocketHandler

def app(environ, start_response):
    ws = environ.get("wsgi.websocket")
    if ws is None:
        start_response("404 Not Found", [])
        return [b""]
    while True:
        msg = ws.receive()
        if msg is None:
            break
        frame = json.loads(msg)
        ws.send(json.dumps({"type": "State", "agentId": frame.get("agentId"), "state": "NOT_READY",
                            "requestId": frame.get("requestId")}))
    return []

server = pywsgi.WSGIServer(("127.0.0.1", 0), app, handler_class=WebSocketHandler, log=None)
server.start()
print(f"echo on ws://127.0.0.1:{server.server_port}/", flush=True)
server.serve_forever()
'''


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def drive(client: GCClient, pid: int, frames: int, window: int, agent: str) -> float:
    """Send ``frames`` GetState frames in windows; returns server CPU µs per frame."""
    text = [json.dumps({"type": "GetState", "agentId": agent, "requestId": f"r{i}"}) for i in range(frames)]
    c0 = cpu_seconds(pid)
    for start in range(0, frames, window):
        batch = text[start:start + window]
        for t in batch:
            client._send_text(t)
        for _ in batch:
            if client._recv_text(30) is None:
                raise RuntimeError("the server stopped answering")
    return (cpu_seconds(pid) - c0) / frames * 1e6


def main(argv: Optional[list] = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=20000)
    ap.add_argument("--window", type=int, default=50, help="frames in flight")
    ap.add_argument("--single", type=int, default=10000, help="frames sent one at a time (0: none)")
    ap.add_argument("--profile", help="py-spy SVG of GC during its run")
    ap.add_argument("--json", help="also write the results to this file")
    args, _ = ap.parse_known_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="gc-simcost-"))
    results: dict = {"frames": args.frames, "window": args.window}
    echo = subprocess.Popen([sys.executable, "-c", ECHO_SERVER], stdout=subprocess.PIPE, text=True)
    try:
        url = echo.stdout.readline().split(" on ", 1)[1].strip()
        with GCClient.websocket(url, validate=False) as c:
            drive(c, echo.pid, min(2000, args.frames), args.window, "1001")   # warm-up
            results["echo_us_per_frame"] = drive(c, echo.pid, args.frames, args.window, "1001")
            if args.single:
                results["echo_single_us_per_frame"] = drive(c, echo.pid, args.single, 1, "1001")
    finally:
        echo.terminate()
        echo.wait(10)
    conf = {"gc": {"plugins": ["websocket", "sim", "agent"], "backend": "sim", "validate_events": False,
                   "log_level": "WARNING", "agent_queue": 100000},
            "websocket": {"max_queue": 100000},
            "sim": {"demo_call_interval": 0.0, "external_answer_after": -1.0}}
    gc = GCProcess(conf, workdir=workdir)
    spy = None
    try:
        with gc.client("websocket", validate=False) as c:
            c.send({"type": "Hello", "params": {"clientDestination": "cost"}})
            c.expect("System")
            c.send({"type": "Connect", "agentId": "1001", "params": {"clientDestination": "cost", "password": "secret"}})
            c.request({"type": "GetState", "agentId": "1001", "requestId": "x"}, "State", requestId="x")
            drive(c, gc.proc.pid, min(2000, args.frames), args.window, "1001")  # warm-up
            if args.profile and shutil.which("py-spy"):
                fmt = "raw" if args.profile.endswith(".txt") else "flamegraph"
                spy = subprocess.Popen(["py-spy", "record", "--pid", str(gc.proc.pid), "--output", args.profile,
                                        "--rate", "250", "--nonblocking", "--format", fmt],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(1.0)
            results["gc_us_per_frame"] = drive(c, gc.proc.pid, args.frames, args.window, "1001")
            if spy is not None:
                spy.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
                spy.wait(60)
                spy = None
            if args.single:
                results["gc_single_us_per_frame"] = drive(c, gc.proc.pid, args.single, 1, "1001")
    finally:
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(60)
        gc.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    results["ratio"] = results["gc_us_per_frame"] / results["echo_us_per_frame"]
    print(f"sim per-frame server CPU ({args.frames} GetState frames, {args.window} in flight):")
    print(f"  bare gevent-websocket JSON echo {results['echo_us_per_frame']:8.1f} µs/frame")
    print(f"  GC on the sim                   {results['gc_us_per_frame']:8.1f} µs/frame")
    print(f"  ratio GC / echo                 {results['ratio']:8.2f}x")
    if args.single:
        results["single_ratio"] = results["gc_single_us_per_frame"] / results["echo_single_us_per_frame"]
        print(f"one at a time ({args.single} GetState frames, each sent when the last was answered):")
        print(f"  bare gevent-websocket JSON echo {results['echo_single_us_per_frame']:8.1f} µs/frame")
        print(f"  GC on the sim                   {results['gc_single_us_per_frame']:8.1f} µs/frame")
        print(f"  ratio GC / echo                 {results['single_ratio']:8.2f}x")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
