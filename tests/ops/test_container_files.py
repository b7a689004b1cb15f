"""The Dockerfile, compose.yaml and the systemd unit, without a container runtime:
the Dockerfile's build and runtime RUN steps run as written in fresh virtual
environments (a wheel built from a copy of this checkout, installed with its
dependencies from the package index), the installed ``gc serve`` starts outside the
checkout, and the HEALTHCHECK command, run as written, passes against it."""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import venv
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[2]


def dockerfile_stages() -> dict[str, list[tuple[str, str]]]:
    """{stage name: [(instruction, arguments)]}, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    stages: dict[str, list] = {}
    current = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, args = line.partition(" ")
        if instruction == "FROM":
            current = args.split(" AS ")[-1].strip() if " AS " in args else args
            stages[current] = []
        stages[current].append((instruction, args.strip()))
    return stages


def test_dockerfile_shape():
    stages = dockerfile_stages()
    assert list(stages) == ["build", "runtime", "emulator"]
    assert re.fullmatch(r"python:3\.\d+-slim AS build", stages["build"][0][1])
    runtime = dict((i, a) for i, a in stages["runtime"])  # last of each instruction
    assert re.fullmatch(r"python:3\.\d+-slim AS runtime", runtime["FROM"])
    assert runtime["USER"] not in ("root", "0") and "useradd" in " ".join(a for i, a in stages["runtime"] if i == "RUN")
    assert "/readyz" in runtime["HEALTHCHECK"]
    assert json.loads(runtime["CMD"]) == ["gc", "serve"]
    assert "*.whl" in " ".join(a for i, a in stages["runtime"] if i == "RUN")


def test_compose_and_systemd_unit_name_real_settings():
    compose = (ROOT / "compose.yaml").read_text()
    assert "target: emulator" in compose and "target: runtime" in compose
    # every GC__SECTION__KEY the compose file sets is a real configuration key
    from gc_core.deployment import build
    keys = re.findall(r"GC__([A-Z_]+?)__([A-Z_]+):", compose)
    assert keys
    config, _ = build([], [f"gc.plugins={json.dumps(['websocket', 'tcp', 'agent', 'finesse', 'metrics'])}",
                           "gc.backend=finesse"], env={})
    for section, key in keys:
        assert key.lower() in config[section.lower()], (section, key)
    unit = (ROOT / "deploy/systemd/generic-connector.service").read_text()
    assert re.search(r"^ExecStart=\S+/gc serve --config \S+$", unit, re.M)
    assert re.search(r"^User=(?!root)\S+$", unit, re.M) and "KillSignal=SIGTERM" in unit



def test_dockerfile_install_steps_in_fresh_venvs(tmp_path):
    stages = dockerfile_stages()
    src, wheels = tmp_path / "src", tmp_path / "wheels"
    # COPY . .  (a checkout's files, as the build context would send them)
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", "*.egg-info", "__pycache__", ".tox", "build",
                                                             "dist", "test-artifacts", ".pytest_cache"))

    def run_stage(name: str, env_dir: Path, cwd: Path) -> None:
        venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
        env = {**os.environ, "PATH": f"{env_dir / 'bin'}:{os.environ['PATH']}", "VIRTUAL_ENV": str(env_dir)}
        env.pop("PYTHONPATH", None)
        for instruction, args in stages[name]:
            if instruction != "RUN" or args.startswith("useradd"):  # user creation needs a container's root
                continue
            cmd = args.replace("/wheels", str(wheels))
            out = subprocess.run(["bash", "-euo", "pipefail", "-c", cmd], cwd=cwd, env=env, capture_output=True,
                                 text=True, timeout=900)
            assert out.returncode == 0, f"RUN {args}\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"

    run_stage("build", tmp_path / "build-venv", src)
    assert len(list(wheels.glob("generic_connector-*.whl"))) == 1
    runtime = tmp_path / "runtime-venv"
    run_stage("runtime", runtime, tmp_path)

    # the installed gc serves from elsewhere (package data, not the checkout) ...
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GC_") and k != "PYTHONPATH"}
    env.update({"GC__WEBSOCKET__PORT": "0", "GC__TCP__PORT": "0", "HOME": str(home)})
    for line in [a for i, a in stages["runtime"] if i == "ENV"]:
        env.update(dict(kv.split("=", 1) for kv in shlex.split(line)))
    env["GC__WEBSOCKET__HOST"] = env["GC__TCP__HOST"] = "127.0.0.1"  # loopback only here
    proc = subprocess.Popen([str(runtime / "bin" / "gc"), "serve"], cwd=home, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        m = re.search(r"websocket on ws://127\.0\.0\.1:(\d+)/", line)
        assert m, line + proc.stderr.read(2000) if proc.poll() is not None else line
        # ... and the HEALTHCHECK command, as written (its port mapped), passes
        check = json.loads(dict(stages["runtime"])["HEALTHCHECK"].split(" CMD ", 1)[1])
        check = [part.replace(":8765/", f":{m.group(1)}/") for part in check]
        assert check[0] == "python"
        out = subprocess.run([str(runtime / "bin" / "python")] + check[1:], capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stderr
        # the static files of the demo desktop (on by default) came with the wheel
        import urllib.request
        with urllib.request.urlopen(f"http://127.0.0.1:{m.group(1)}/demo/gc-client.js", timeout=10) as resp:
            assert b"class GCClient" in resp.read()
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    # the JSON log format the image sets is in force
    first = proc.stderr.read().splitlines()[0]
    assert json.loads(first)["logger"]
