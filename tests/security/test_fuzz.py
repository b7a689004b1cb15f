"""Issue 10, must-hold 2: a fuzz test. Hypothesis generates frames in both forms (JSON
objects of any shape, legacy ``Command#id|params`` lines, and a few known-nasty
inputs: lone surrogates, 5,000-digit integers, deep nesting, NUL, huge names), sent
over both transports, at least 100,000 frames in all. Throughout: every frame that
gets an answer gets valid JSON, never GENERAL_ERROR; a probe client on the other
transport is answered after every batch; no traceback in GC's log; and GC's resident
memory after the run stays within a bound of what it was before."""
from __future__ import annotations

import json
import socket
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gc_core.testing import GCProcess, schema_registry

from tests.security.helpers import login, rss_kib
from tests.support import sim_config

BATCH = 100   # frames hypothesis generates per example
REPEAT = 5    # each batch is sent this many times, rotated (volume: the state it builds up)
EXAMPLES = int(__import__("os").environ.get("GC_FUZZ_EXAMPLES", "100"))  # per transport
# 2 transports x 100 examples x 100 frames x 5 = 100,000 frames
NAMES = sorted(n for n in schema_registry().commands if not n.startswith("Sim"))

nasty = st.sampled_from([
    '{"type":"GetState","agentId":"1001","requestId":"\\ud800"}',
    '{"type":"Login","agentId":"1001","params":{"password":"\\udfff","extension":"1001"}}',
    '{"type":"GetState","agentId":"1001","params":{"n":' + "7" * 5000 + "}}",
    '{"type":"Hello","params":' + "[" * 3000 + "]" * 3000 + "}",
    '{"type":"Hello","params":{"clientDestination":"a\\u0000b"}}',
    '{"type":"' + "X" * 20000 + '","agentId":"' + "Y" * 20000 + '"}',
    "GetState#" + "9" * 30000,
    '{"type":"GetState","agentId":"1001","requestId":"r-\u20ac"}',
    '{"type":"Hello","params":{"clientDestination":"x"},"requestId":' + "1" * 40 + "}",
    '{"type":"Hello","params":{"clientDestination":NaN}}',
    "[]", "null", "{}", "#", "|", "#|", ",,,", "{", '{"type":null}',
])
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=30), st.integers(0xD800, 0xDFFF).map(chr))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                      max_leaves=12)
json_frames = st.builds(
    lambda t, a, p, r, extra: json.dumps({k: v for k, v in (("type", t), ("agentId", a), ("params", p),
                                                            ("requestId", r)) if v is not None} | extra),
    st.one_of(st.sampled_from(NAMES), st.text(max_size=20), st.none()),
    st.one_of(st.sampled_from(["1001", "1002", "9999"]), st.text(max_size=10), st.none()),
    st.one_of(values, st.text(max_size=40), st.none()),
    st.one_of(st.text(max_size=70), st.none()),
    st.dictionaries(st.text(max_size=8), scalars, max_size=2))
legacy_frames = st.builds(lambda n, i, b: f"{n}#{i}|{b}" if b else f"{n}#{i}",
                          st.one_of(st.sampled_from(NAMES), st.text(max_size=12)),
                          st.text(max_size=20), st.text(max_size=40))
frames = st.one_of(json_frames, legacy_frames, nasty, st.text(max_size=60))


def _one_line(frame: str) -> str:
    return frame.replace("\r", " ").replace("\n", " ").replace("\x85", " ").replace("\u2028", " ")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    config = sim_config(gc={"log_level": "INFO", "validate_events": False, "max_destinations_per_connection": 64})
    with GCProcess(config, workdir=tmp_path_factory.mktemp("gc")) as gc:
        probes = {"tcp": gc.client("websocket"), "websocket": gc.client("tcp")}  # the other transport
        for agent, probe in zip(("1002", "1003"), probes.values()):
            login(probe, agent, f"probe-{agent}")
        state = {"sent": 0, "rss_before": None}
        yield gc, probes, state
        for probe in probes.values():
            probe.close()


class Fuzzer:
    """One transport's fuzzing connection: sends a batch, then a Hello fence, and reads
    every answer up to the fence's."""

    def __init__(self, gc, transport: str):
        self.transport = transport
        if transport == "tcp":
            self.sock = socket.create_connection(gc.tcp_address, timeout=60)
            self.buf = b""
        else:
            import websocket
            self.ws = websocket.create_connection(gc.ws_url, timeout=60)
        self.fences = 0

    def send_batch(self, batch: list[str]) -> list[dict]:
        self.fences += 1
        fence = f"fence-{self.fences}"
        tail = json.dumps({"type": "Hello", "params": {"clientDestination": "fuzz"}, "requestId": fence})
        def send() -> None:  # while the answers are read: GC reads no faster than we do
            if self.transport == "tcp":
                data = "".join(_one_line(f) + "\n" for f in batch) + tail + "\n"
                self.sock.sendall(data.encode("utf-8", "surrogatepass"))
            else:
                for f in batch:
                    self.ws.send(f.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))
                self.ws.send(tail)
        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        try:
            return self._answers(fence)
        finally:
            sender.join(60)

    def _answers(self, fence: str) -> list:
        answers = []
        while True:
            for text in self._read():
                event = json.loads(text)  # every answer is JSON
                if isinstance(event, dict) and event.get("requestId") == fence:
                    return answers
                answers.append(event)

    def _read(self) -> list[str]:
        if self.transport == "tcp":
            data = self.sock.recv(1 << 16)
            assert data, "GC closed the fuzzing connection"
            self.buf += data
            *lines, self.buf = self.buf.split(b"\n")
            return [line.decode("utf-8") for line in lines]
        return [self.ws.recv()]


@pytest.mark.parametrize("transport", ["tcp", "websocket"])
def test_fuzz_frames_never_hurt(world, transport):
    gc, probes, state = world
    fuzzer = Fuzzer(gc, transport)
    probe = probes[transport]
    agent = "1002" if transport == "tcp" else "1003"
    if state["rss_before"] is None:
        fuzzer.send_batch(["Hello#warm-up"] * 10)
        state["rss_before"] = rss_kib(gc.proc.pid)
    batches = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(frames, min_size=BATCH, max_size=BATCH))
    def run(batch):
        sent = [f for k in range(REPEAT) for f in batch[k * 7 % BATCH:] + batch[:k * 7 % BATCH]]
        answers = fuzzer.send_batch(sent)
        for event in answers:
            obj = event[0] if isinstance(event, list) and event else event
            assert isinstance(obj, dict) and obj.get("type"), event
            assert obj.get("errorCode") != "GENERAL_ERROR", event
        batches.append(len(sent))
        probe.send({"type": "GetState", "agentId": agent, "requestId": f"probe-{len(batches)}"})
        assert probe.expect("State", requestId=f"probe-{len(batches)}", timeout=30)["agentId"] == agent

    run()
    state["sent"] += sum(batches)
    log = gc.log()
    assert "Traceback" not in log and "internal error" not in log
    if transport == "websocket":  # the second of the two: the totals
        assert state["sent"] >= 2 * EXAMPLES * BATCH * REPEAT
        assert EXAMPLES < 100 or state["sent"] >= 100_000
        grown = rss_kib(gc.proc.pid) - state["rss_before"]
        print(f"fuzz: {state['sent']} frames, RSS grew by {grown} KiB")
        assert grown < 64 * 1024, f"RSS grew by {grown} KiB"
