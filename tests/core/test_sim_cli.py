"""``gc sim`` finds the running GC from the configuration, as ``gc serve`` does (issue 16,
"a user's first hour" 2), and an unknown queue is named in the answer (5).

A GC listens on a TCP port that is not the packaged default (8766), set in a
``gc.toml``; ``gc sim`` must reach it through each configuration layer (``./gc.toml``
found by the search path, ``--config``, ``GC__TCP__PORT``, ``--set``) and through
``--tcp`` before or after the action. Proof that the call reached *this* GC: an agent
connected to it over its TCP port receives the ``NewInboundCall`` of the dialog id
``gc sim`` printed.
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from gc_core.testing import GCProcess

SPEC_TXT = Path(__file__).resolve().parents[3] / "shared" / "spec" / "gc-json-api.txt"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A GC on a fixed non-default TCP port, its configuration in ``<dir>/gc.toml``,
    agent 1001 READY on it (so every sim call rings there)."""
    port = free_port()
    work = tmp_path_factory.mktemp("simcli")
    gc = GCProcess({"tcp": {"port": port}, "sim": {"demo_call_interval": 0}}, workdir=work)
    try:
        agent = gc.client("tcp")
        agent.send("Hello#crm-sim")
        agent.expect("System")
        agent.send("Connect#1001|crm-sim,secret")
        agent.send("Login#1001|secret,1001")
        agent.expect("State", state="NOT_READY")
        agent.send("MakeReady#1001")
        agent.expect("State", state="READY")
        yield gc, port, agent
        agent.close()
    finally:
        gc.stop()


def sim(*args: str, cwd: Path, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GC")}
    env.update(HOME=str(cwd), XDG_CONFIG_HOME=str(cwd / "xdg"), **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "gc_core.cli", "sim", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def reaches(served, res: subprocess.CompletedProcess) -> None:
    """``gc sim call`` answered, and the call rang on the agent of the served GC."""
    gc, port, agent = served
    assert res.returncode == 0, res.stdout + res.stderr
    dialog_id = json.loads(res.stdout)["dialogId"]
    agent.expect("NewInboundCall", dialogId=dialog_id, timeout=30)
    subprocess.run([sys.executable, "-m", "gc_core.cli", "sim", "--tcp", f"127.0.0.1:{port}", "hangup", dialog_id],
                   capture_output=True, timeout=120, check=True)
    agent.expect("State", state="READY", timeout=30)


def test_sim_finds_the_server_from_gc_toml_in_the_working_directory(served):
    gc, port, agent = served
    reaches(served, sim("call", cwd=gc.dir))  # gc.dir/gc.toml sets tcp.port, as for `gc serve`


def test_sim_reads_config_env_and_set_like_serve(served, tmp_path):
    gc, port, agent = served
    reaches(served, sim("--config", str(gc.config_path), "call", cwd=tmp_path))
    reaches(served, sim("call", "-c", str(gc.config_path), cwd=tmp_path))
    reaches(served, sim("call", cwd=tmp_path, env_extra={"GC__TCP__PORT": str(port)}))
    reaches(served, sim("--set", f"tcp.port={port}", "call", cwd=tmp_path))
    reaches(served, sim("call", "--set", f"tcp.port={port}", cwd=tmp_path))


def test_tcp_flag_before_or_after_the_action_wins_over_the_configuration(served, tmp_path):
    gc, port, agent = served
    env = {"GC__TCP__PORT": "1"}  # the configuration names a port nobody serves
    reaches(served, sim("--tcp", f"127.0.0.1:{port}", "call", cwd=tmp_path, env_extra=env))
    reaches(served, sim("call", "--tcp", f"127.0.0.1:{port}", "--from", "5550777", cwd=tmp_path, env_extra=env))
    res = sim("call", cwd=tmp_path, env_extra=env)
    assert res.returncode == 69 and "no GC answers on 127.0.0.1:1 " in res.stderr


def test_sim_with_a_bad_configuration_is_a_configuration_error(tmp_path):
    res = sim("call", "--set", "tcp.port=70000", cwd=tmp_path)
    assert res.returncode == 78
    assert res.stderr.strip() == "gc: tcp.port: 70000 is not a TCP port (0..65535)"
    res = sim("call", "--tcp", "localhost", cwd=tmp_path)
    assert res.returncode == 2 and "expected HOST:PORT" in res.stderr


def spec_origin(code: str) -> str:
    """The Error_Origin column of the specification's error table for ``code``."""
    text = SPEC_TXT.read_text(errors="replace")
    m = re.search(rf"^{code}(Finesse|GC|IOException)", text, re.M)
    assert m, f"{code} not in the specification's error table"
    return m.group(1)


@pytest.mark.skipif(not SPEC_TXT.is_file(), reason="../shared/spec/gc-json-api.txt not present")
def test_unknown_queue_is_named_with_the_spec_origin_of_its_code(served):
    gc, port, agent = served
    res = sim("call", "--queue", "99", cwd=gc.dir)
    assert res.returncode == 1
    error = json.loads(res.stdout)
    assert error["type"] == "Error" and error["errorCode"] == "GENERAL_ERROR"
    assert error["errorOrigin"] == spec_origin("GENERAL_ERROR")
    assert "unknown queue '99'" in error["errorDescription"]
    assert "1 (Sales)" in error["errorDescription"]  # the default site's queue (conf/sim-site.toml)
    assert "httpStatus" not in error  # no Finesse request was made
    # the sim is unchanged: the next call to a known queue rings as before
    reaches(served, sim("call", "--queue", "1", cwd=gc.dir))
