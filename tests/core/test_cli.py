"""The gc command's schema tools, as a client developer uses them."""
from __future__ import annotations

import json
import subprocess
import sys


def gc(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gc_core.cli", *args], input=stdin, capture_output=True,
                          text=True, timeout=60)


def test_schemas_list_names_every_command_and_event():
    out = gc("schemas", "list").stdout
    assert "command Login" in out and "agent_state" in out and "(password, extension)" in out
    assert "event   State" in out and "event   phoneBookContacts" in out


def test_validate_frames():
    ok = gc("schemas", "validate", "--frame", "Login#1001|secret,1001")
    assert ok.returncode == 0 and "request Login: valid" in ok.stdout
    bad = gc("schemas", "validate", "--frame", "Login#1001|secret,10a1")
    assert bad.returncode == 1 and "WRONG_EXTENSION" in bad.stdout and "secret" not in bad.stdout


def test_validate_events_one_per_line_and_a_pretty_document(tmp_path):
    lines = [json.dumps({"type": "System", "status": "IN_SERVICE"}),
             json.dumps({"type": "System", "status": "UP"}),
             '{"type": "Hello", "params": {"clientDestination": "crm-1"}}']
    res = gc("schemas", "validate", "-", stdin="\n".join(lines) + "\n")
    assert res.returncode == 1
    assert res.stdout.splitlines()[0] == "-:1: event System: valid"
    assert "-:2: event System: INVALID" in res.stdout and "'UP' is not one of" in res.stdout
    assert "-:3: request Hello: valid" in res.stdout
    doc = tmp_path / "event.json"
    doc.write_text(json.dumps([{"type": "Agents", "users": [{"firstName": "A", "lastName": "B",
                                                               "extension": "1001"}]}], indent=2))
    res = gc("schemas", "validate", str(doc))
    assert res.returncode == 0 and f"{doc}:1: event Agents: valid" in res.stdout
