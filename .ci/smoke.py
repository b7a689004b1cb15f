"""CI: test what users install, not the checkout (issue 16).

Builds the wheel, installs it outside the checkout and runs it from an unrelated
directory, as a user would:

- for every Python that ``requires-python`` admits and this machine has (3.11, 3.12,
  3.13: pyenv), a fresh venv with the wheel; on the oldest, also ``pip install --user``;
- in each: ``gc --version`` and ``generic-connector --version`` print the distribution's
  version; ``gc schemas list`` lists every schema file of the checkout (core and
  plugins'); ``gc config example NAME`` prints every packaged example; ``gc serve`` on
  its packaged default answers ``Hello`` over WebSocket and over TCP; the Finesse
  emulator starts (``gc emulator finesse``, needs prosody);
- the wheel holds every data file of the checkout's packages (``*.json``, ``*.toml``,
  ``py.typed``) and the LICENSE;
- the README's install-and-run line, exactly as written, in a copy of the checkout.

Exits non-zero on the first failure, saying what failed. Needs ``websocket-client``
and ``build`` (the tox env ``smoke`` brings them). Usage: ``python .ci/smoke.py [--python 3.12 ...]``.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from pathlib import Path

import websocket

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
VERSION = PYPROJECT["project"]["version"]
MINORS = (11, 12, 13)  # the CPython 3.x releases checked against requires-python below


class SmokeFailure(Exception):
    pass


def step(msg: str) -> None:
    print(f"smoke: {msg}", flush=True)


def run(cmd, *, cwd, env=None, timeout=600, check=True, input=None) -> subprocess.CompletedProcess:
    res = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True,
                         timeout=timeout, input=input)
    if check and res.returncode != 0:
        raise SmokeFailure(f"{' '.join(map(str, cmd))} exited {res.returncode}\n{res.stdout[-3000:]}\n"
                           f"{res.stderr[-3000:]}")
    return res


def admitted_minors() -> list[int]:
    spec = PYPROJECT["project"]["requires-python"]
    m = re.fullmatch(r">=\s*3\.(\d+)", spec.strip())
    if not m:
        raise SmokeFailure(f"smoke.py understands requires-python '>=3.N' only, not {spec!r}")
    return [x for x in MINORS if x >= int(m.group(1))]


def find_python(minor: int) -> str | None:
    """A CPython 3.<minor> of this machine: pyenv's, then the system's."""
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates = sorted(glob.glob(f"{root}/versions/3.{minor}.*/bin/python3.{minor}"), reverse=True)
    candidates += [f"/usr/bin/python3.{minor}", f"/usr/local/bin/python3.{minor}"]
    for c in candidates:
        if os.access(c, os.X_OK):
            out = subprocess.run([c, "-c", "import sys; print(sys.version_info[1])"], capture_output=True, text=True)
            if out.returncode == 0 and out.stdout.strip() == str(minor):
                return c
    return None


def clean_env(**extra) -> dict:
    """The environment of a user's shell: no tox venv, no GC settings, no PYTHONPATH."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GC_", "PYTHON", "VIRTUAL_ENV", "TOX", "PIP_")) and k != "GC_HOME"}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if ".tox" not in p and "venv" not in p)
    env.update(extra)
    return env


# -- the wheel -------------------------------------------------------------------
def build_wheel(work: Path) -> Path:
    """sdist, then the wheel from the sdist (``python -m build``), from a clean copy of
    the checkout: no stale ``build/`` directory can put a file in the wheel."""
    src, dist = work / "src", work / "dist"
    copy_checkout(src)
    run([sys.executable, "-m", "build", "--outdir", dist, src], cwd=work)
    wheels = list(dist.glob("generic_connector-*.whl"))
    if len(wheels) != 1:
        raise SmokeFailure(f"expected one wheel in {dist}, found {wheels}")
    return wheels[0]


def package_data_files() -> list[str]:
    """Every file of the checkout's packages that is not Python source nor a developer's
    README (schemas, configuration, pages, py.typed ...), as its path inside the wheel;
    and each package's py.typed, which must exist."""
    files = []
    for top in [REPO / "gc_core", *sorted((REPO / "plugins").glob("gc_*"))]:
        if not (top / "py.typed").is_file():
            raise SmokeFailure(f"{top.relative_to(REPO)} has no py.typed (PEP 561): add the empty file")
        # followlinks: gc_core/data/{schemas,conf} are links to the top-level folders
        for f in (Path(d) / n for d, _dirs, names in os.walk(top, followlinks=True) for n in names):
            if (f.is_file() and "__pycache__" not in f.parts and f.suffix not in (".py", ".pyc")
                    and f.name != "README.md"):
                files.append(f"{top.name}/{f.relative_to(top).as_posix()}")
    return sorted(files)


def check_wheel(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [f for f in package_data_files() if f not in names]
    if not any(n.endswith(".dist-info/licenses/LICENSE") or n.endswith(".dist-info/LICENSE") for n in names):
        missing.append("LICENSE (in the .dist-info)")
    if missing:
        raise SmokeFailure(f"the wheel {wheel.name} misses {len(missing)} file(s) users need: "
                           + ", ".join(missing[:20]))
    step(f"wheel {wheel.name}: all {len(package_data_files())} data files and the LICENSE present")


def schema_names() -> dict[str, set[str]]:
    names: dict[str, set[str]] = {"command": set(), "event": set()}
    for kind, folder in (("command", "commands"), ("event", "events")):
        for f in [*REPO.glob(f"schemas/{folder}/*.json"), *REPO.glob(f"plugins/gc_*/schemas/{folder}/*.json")]:
            names[kind].add(f.stem)
    return names


# -- one installation --------------------------------------------------------------
def check_install(bindir: Path, cwd: Path, env: dict, label: str) -> None:
    gc = bindir / "gc"
    for script in (gc, bindir / "generic-connector"):
        out = run([script, "--version"], cwd=cwd, env=env).stdout.strip()
        if out != f"generic-connector {VERSION}":
            raise SmokeFailure(f"{label}: {script.name} --version printed {out!r}, not 'generic-connector {VERSION}'")
    listed = run([gc, "schemas", "list"], cwd=cwd, env=env).stdout
    found = {"command": set(), "event": set()}
    for line in listed.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in found:
            found[parts[0]].add(parts[1])
    for kind, expected in schema_names().items():
        if expected - found[kind]:
            raise SmokeFailure(f"{label}: gc schemas list misses {kind} schemas {sorted(expected - found[kind])}")
    for example in sorted(REPO.glob("conf/example-*.toml")):
        name = example.stem[len("example-"):]
        text = run([gc, "config", "example", name], cwd=cwd, env=env).stdout
        if text != example.read_text():
            raise SmokeFailure(f"{label}: gc config example {name} differs from {example.relative_to(REPO)}")
    serve_and_hello([gc, "serve"], cwd=cwd, env={**env, "GC__WEBSOCKET__PORT": "0", "GC__TCP__PORT": "0"},
                    label=label)
    emulator_starts(gc, cwd=cwd, env=env, label=label)
    step(f"{label}: version, schemas ({sum(map(len, found.values()))}), examples, serve + Hello over "
         "WebSocket and TCP, emulator: ok")


def _start(cmd, *, cwd, env, ready: str, timeout: float, label: str, shell: bool = False):
    """Start a server; return (process, the line starting with ``ready``, log file)."""
    log = open(cwd / f"{label.replace(' ', '_')}.log", "w+")
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=log, text=True,
                            shell=shell, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith(ready):
            return proc, line, log
    _stop(proc)
    log.seek(0)
    raise SmokeFailure(f"{label}: {cmd} did not print {ready!r}; its log:\n{log.read()[-4000:]}")


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the process group this script started (the README's line runs in a shell)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def serve_and_hello(cmd, *, cwd, env, label, shell=False, timeout=600.0) -> None:
    proc, line, log = _start(cmd, cwd=cwd, env=env, ready="GC serving", timeout=timeout, label=label, shell=shell)
    try:
        ws_url = re.search(r"websocket on (ws://\S+?),?(\s|$)", line).group(1)
        host, port = re.search(r"tcp on tcp://([\d.]+):(\d+)", line).groups()
        hello = {"category": "system", "type": "Hello", "params": {"clientDestination": "smoke"}}
        ws = websocket.create_connection(ws_url, timeout=20)
        ws.send(json.dumps(hello))
        _expect_in_service(ws.recv(), f"{label}: WebSocket")
        ws.close()
        import socket
        with socket.create_connection((host, int(port)), timeout=20) as sock:
            sock.sendall(b"Hello#smoke-tcp\n")
            _expect_in_service(sock.makefile("rb").readline().decode(), f"{label}: TCP")
    finally:
        _stop(proc)
        log.close()


def _expect_in_service(text: str, label: str) -> None:
    try:
        event = json.loads(text)
    except ValueError:
        raise SmokeFailure(f"{label}: Hello answered {text!r}") from None
    # the answer to a first Hello carries the destination's resume token (docs/protocol.md)
    if {k: v for k, v in event.items() if k != "resumeToken"} != {"type": "System", "status": "IN_SERVICE"} \
            or not isinstance(event.get("resumeToken"), str) or not event["resumeToken"]:
        raise SmokeFailure(f"{label}: Hello answered {event}, not System IN_SERVICE")


def emulator_starts(gc: Path, *, cwd, env, label) -> None:
    if shutil.which("prosody") is None and not os.path.exists("/usr/bin/prosody"):
        raise SmokeFailure("prosody is not installed (bash .ci/install-system-deps installs it)")
    proc, _, log = _start([gc, "emulator", "finesse", "--flavour", "uccx"], cwd=cwd, env=env, ready="READY",
                          timeout=120, label=f"{label} emulator")
    _stop(proc)
    log.close()


# -- the README's line -------------------------------------------------------------
def readme_run_line() -> str:
    """The install-and-run line: the first literal block of the README's "Two commands"."""
    text = (REPO / "README.rst").read_text()
    m = re.search(r"\nTwo commands\n=+\n.*?::\n\n    (.+?)\n", text, re.S)
    if not m:
        raise SmokeFailure("README.rst has no literal block in its 'Two commands' section")
    return m.group(1).strip()


def copy_checkout(dest: Path) -> None:
    """The checkout's files as a fresh clone has them (tracked and new, not ignored)."""
    files = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO).stdout
    for rel in filter(None, files.split("\0")):
        src = REPO / rel
        if src.is_symlink():  # as git checks it out (gc_core/data/schemas -> ../../schemas)
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(os.readlink(src), dest / rel)
        elif src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--python", action="append", default=[], help="only these 3.N versions (default: all admitted)")
    ap.add_argument("--skip-readme", action="store_true")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="gc-smoke-"))
    elsewhere = work / "elsewhere"  # an unrelated directory: no conf/, no schemas/, no checkout
    elsewhere.mkdir()
    try:
        wheel = build_wheel(work)
        check_wheel(wheel)
        minors = [int(v.split(".")[1]) for v in args.python] or admitted_minors()
        for i, minor in enumerate(minors):
            py = find_python(minor)
            if py is None:
                if os.environ.get("CI"):
                    raise SmokeFailure(f"Python 3.{minor} is admitted by requires-python but not on this machine")
                step(f"Python 3.{minor}: not on this machine, skipped (CI fails instead)")
                continue
            venv = work / f"venv-3.{minor}"
            run([py, "-m", "venv", venv], cwd=elsewhere)
            run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel],
                cwd=elsewhere, env=clean_env())
            check_install(venv / "bin", elsewhere, clean_env(), f"Python 3.{minor} venv")
            if i == 0:  # pip install --user, into a user base of its own
                userbase = work / "userbase"
                env = clean_env(PYTHONUSERBASE=str(userbase))
                run([py, "-m", "pip", "install", "--user", "--quiet", "--disable-pip-version-check",
                     "--ignore-installed", wheel], cwd=elsewhere, env=env)
                check_install(userbase / "bin", elsewhere, env, f"Python 3.{minor} --user")
        if not args.skip_readme:
            line = readme_run_line()
            clone = work / "clone"
            copy_checkout(clone)
            env = clean_env(GC__WEBSOCKET__PORT="0", GC__TCP__PORT="0")  # free ports, as a config layer
            serve_and_hello(["bash", "-c", line], cwd=clone, env=env, label="README run line")
            step(f"README's line ran as written: {line}")
    except SmokeFailure as exc:
        print(f"smoke: FAILED: {exc}", file=sys.stderr)
        print(f"smoke: files kept in {work}", file=sys.stderr)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    step("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
