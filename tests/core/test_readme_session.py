"""The README's first session works as printed (issue 16, "what must hold" 1).

``gc serve`` runs exactly as the README says (no ``--config``: the search path ends at
the packaged default), from an empty directory with an empty HOME, so nothing but
the packaged configuration is read. Only the ports (0: free ones) and the demo-call
timer (off: the test makes the README's call arrive with ``gc sim call``, as the README
offers) come from environment variables, a configuration layer the README documents.

Then every ``nc`` block of the README's "A first session" section is played over TCP:
a frame line (legacy ``Command#id|params``, or a JSON command) is sent, and each event
line must be the next event GC sends, with every field the README prints (``...``
elides fields; no event may come in between, so a reader comparing line by line sees
the same lines). ``$ nc`` opens a new connection.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gc_core.testing import GCClient, schema_registry

README = Path(__file__).resolve().parents[2] / "README.rst"


def section(text: str, title: str) -> str:
    start = text.index(f"\n{title}\n{'=' * len(title)}\n")
    nxt = re.search(r"\n[^\n]+\n=+\n", text[start + len(title) + 2:])
    return text[start: start + len(title) + 2 + (nxt.start() if nxt else len(text))]


def literal_blocks(text: str) -> list[list[str]]:
    """The ``::`` literal blocks of an RST text, as lists of their (dedented) lines."""
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        if lines[i].rstrip().endswith("::"):
            i += 1
            block = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith("    ")):
                if lines[i].strip():
                    block.append(lines[i][4:])
                i += 1
            blocks.append(block)
        else:
            i += 1
    return blocks


def expected_fields(line: str):
    """An event line with ``...`` elisions -> the JSON value it states (a subset)."""
    text = re.sub(r'"[^"]+":\.\.\.', "", line).replace("...", "")
    previous = None
    while previous != text:
        previous = text
        for a, b in ((",,", ","), ("{,", "{"), ("[,", "["), (",}", "}"), (",]", "]")):
            text = text.replace(a, b)
    return json.loads(text)


def matches(expected, actual) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and matches(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and all(any(matches(e, a) for a in actual) for e in expected)
    return expected == actual


def session_steps() -> list[tuple[str, str]]:
    """("connect" | "send" | "expect" | "call", line) for every nc block of the section."""
    commands = {n.lower() for n in schema_registry().commands}
    steps = []
    for block in literal_blocks(section(README.read_text(), "A first session")):
        if not block or not re.match(r"(\$ nc |\{|\[|\w+#)", block[0]):
            continue  # the Python example
        for line in block:
            if line.startswith("$ nc "):
                steps.append(("connect", line))
            elif line.startswith(("{", "[")):
                value = expected_fields(line)
                first = value[0] if isinstance(value, list) else value
                if str(first.get("type", "")).lower() in commands:
                    steps.append(("send", line))  # a JSON command frame
                else:
                    if first.get("type") == "NewInboundCall":
                        steps.append(("call", line))  # "or make one arrive now ... with gc sim call"
                    steps.append(("expect", line))
            else:
                steps.append(("send", line))
    return steps


@pytest.fixture(scope="module")
def default_gc(tmp_path_factory):
    """``gc serve`` as the README runs it, on the packaged default configuration."""
    home = tmp_path_factory.mktemp("readme")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GC_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), GC__TCP__PORT="0",
               GC__WEBSOCKET__PORT="0", GC__SIM__DEMO_CALL_INTERVAL="0")
    shown = subprocess.run([sys.executable, "-m", "gc_core.cli", "config", "show"], cwd=home, env=env,
                           capture_output=True, text=True, timeout=120)
    assert "# configuration file: " in shown.stdout and "/gc_core/data/conf/gc.toml" in shown.stdout.splitlines()[0]
    proc = subprocess.Popen([sys.executable, "-m", "gc_core.cli", "serve"], cwd=home, env=env,
                            stdout=subprocess.PIPE, stderr=open(home / "gc.log", "wb"), text=True)
    line = proc.stdout.readline()
    try:
        assert line.startswith("GC serving"), (home / "gc.log").read_text()[-3000:]
        host, port = re.search(r"tcp on tcp://([\d.]+):(\d+)", line).groups()
        yield (host, int(port)), env, home
    finally:
        proc.terminate()
        proc.wait(30)


def test_readme_steps_cover_agent_supervisor_and_phone_books():
    sent = " ".join(line for kind, line in session_steps() if kind == "send")
    for frame in ("Login#1001", "AnswerCall#1001", "getteamusers#1100", "GetPhonebooks#1100",
                  "GetPhonebookContacts#1100"):
        assert frame in sent


def test_the_first_session_works_as_printed(default_gc):
    address, env, home = default_gc
    client = None
    try:
        for kind, line in session_steps():
            if kind == "connect":
                if client is not None:
                    client.close()
                client = GCClient.tcp(address)  # every event it receives is schema-checked
            elif kind == "send":
                client.send(line)
            elif kind == "call":
                res = subprocess.run([sys.executable, "-m", "gc_core.cli", "sim", "--tcp",
                                      f"{address[0]}:{address[1]}", "call"], cwd=home, env=env, capture_output=True,
                                     text=True, timeout=120)
                assert res.returncode == 0, res.stdout + res.stderr
            else:  # the next event GC sends is the one the README prints next: none left out
                want = expected_fields(line)
                got = client.recv(timeout=30)
                assert matches(want, got), f"README prints {line}\nGC sent {json.dumps(got)}"
    finally:
        if client is not None:
            client.close()


def test_the_first_session_tells_how_to_get_and_pipe_netcat():
    text = section(README.read_text(), "A first session")
    assert "apt-get install netcat-openbsd" in text
    assert "nc -N" in text


def test_readme_says_the_misspelled_callback_names_are_canonical():
    text = " ".join(README.read_text().split())
    for canonical, alias in (("SHCEDULECALLBACK", "SCHEDULECALLBACK"),
                             ("CANCELSHCEDULECALLBACK", "CANCELSCHEDULECALLBACK")):
        assert f"``{canonical}``" in text and f"``{alias}``" in text
    assert "canonical" in text
