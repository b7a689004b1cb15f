"""Test support: run GC as a real process and talk to it as a client would.

:class:`GCProcess` starts ``gc serve`` in a subprocess with a configuration of the
test's own, on free loopback ports (port 0, the real ports read from its start-up
line), and stops it by its PID. :class:`GCClient` is a WebSocket or TCP client that
validates every event it receives against GC's schemas, so no test can accept an
event that breaks its schema. Client developers may use both in their own tests.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import weakref
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from .resources import schemas_dir
from .schemas import SchemaRegistry

_SCHEMAS: Optional[SchemaRegistry] = None


def schema_registry() -> SchemaRegistry:
    """All schemas of the repository's built-in plugins, compiled once per process."""
    global _SCHEMAS
    if _SCHEMAS is None:
        import importlib
        dirs = [schemas_dir()]
        for mod in ("gc_sim",):
            try:
                m = importlib.import_module(mod)
                dirs.append(Path(m.__file__).parent / "schemas")
            except ImportError:
                pass
        _SCHEMAS = SchemaRegistry([d for d in dirs if d.is_dir()])
    return _SCHEMAS


class EventSchemaError(AssertionError):
    pass


def check_event(event: Any, registry: Optional[SchemaRegistry] = None) -> None:
    registry = registry or schema_registry()
    problems = registry.event_errors(event)
    if problems:
        raise EventSchemaError(f"event breaks its schema: {problems}\n{json.dumps(event)[:2000]}")


def to_toml(sections: dict) -> str:
    """A configuration file's text: ``{"tcp": {"port": 0}}`` -> ``[tcp]\\nport = 0``.
    A dotted section name is a nested table, as in TOML (``"backends.east"`` ->
    ``[backends.east]``); values, arrays and tables (``zoom.agent_targets``) are
    written by tomli-w."""
    import tomli_w
    nested: dict = {}
    for section, values in sections.items():
        node = nested
        for part in section.split("."):
            node = node.setdefault(part, {})
        node.update(values)
    return tomli_w.dumps(nested)


# What GC logs (gc_core.app, with gc.validate_events on) when an event it sends fails
# its own schema. Test suites fail on it: see GCProcess.schema_problems.
SCHEMA_LOG_MARK = "outgoing event breaks its schema"
# Problems found in the log of a process when it stopped, not yet collected.
stopped_schema_problems: list = []


class GCProcess:
    """``gc serve`` as a child process. Use as a context manager or call stop().

    ``GCProcess.live`` holds every process started (weakly); ``schema_problems()``
    returns the log lines about outgoing events that failed their schema since the
    last call, so a suite can fail the test that caused one (tests/conftest.py)."""

    live: "weakref.WeakSet[GCProcess]" = weakref.WeakSet()

    def __init__(self, config: Optional[dict] = None, *, extra_args: Iterable[str] = (),
                 env: Optional[dict] = None, workdir: Optional[Path] = None, start_timeout: float = 20.0):
        self.dir = Path(workdir or tempfile.mkdtemp(prefix="gc-test-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        config = {k: dict(v) for k, v in (config or {}).items()}
        config.setdefault("websocket", {}).setdefault("port", 0)
        config.setdefault("tcp", {}).setdefault("port", 0)
        config.setdefault("gc", {}).setdefault("validate_events", True)
        config.setdefault("gc", {}).setdefault("log_level", "DEBUG")
        self.config_path = self.dir / "gc.toml"
        self.config_path.write_text(to_toml(config))
        self.log_path = self.dir / "gc.log"
        self._log = open(self.log_path, "wb")
        self._checked = 0
        GCProcess.live.add(self)
        cmd = [sys.executable, "-m", "gc_core.cli", "serve", "--config", str(self.config_path), *extra_args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._log, env={**os.environ, **(env or {})})
        self.ws_url = self.tcp_address = None
        deadline = time.monotonic() + start_timeout
        line = b""
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            text = line.decode(errors="replace")
            if text.startswith("GC serving"):
                m = re.search(r"websocket on (wss?://\S+)", text)
                self.ws_url = m.group(1).rstrip(",") if m else None
                m = re.search(r"tcp on (?:tcp|tls)://([\d.]+):(\d+)", text)
                self.tcp_address = (m.group(1), int(m.group(2))) if m else None
                return
        self.stop()
        raise RuntimeError(f"GC did not start: {line!r}\n{self.log()[-4000:]}")


    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def schema_problems(self) -> list[str]:
        """Log lines since the last call saying an outgoing event failed its schema."""
        if not self._log.closed:
            self._log.flush()
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self._checked)
                new = f.read()
        except OSError:
            return []
        self._checked += len(new)
        return [line for line in new.decode(errors="replace").splitlines() if SCHEMA_LOG_MARK in line]

    def stop(self, timeout: float = 10.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self._log.closed:
            self._log.close()
            stopped_schema_problems.extend(self.schema_problems())
        if self.proc.stdout:
            self.proc.stdout.close()
        return self.proc.returncode

    def __enter__(self) -> "GCProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def client(self, transport: str = "websocket", **kw) -> "GCClient":
        if transport == "websocket":
            return GCClient.websocket(self.ws_url, **kw)
        return GCClient.tcp(self.tcp_address, **kw)


class GCClient:
    """A client of GC: ``send`` a frame (dict = JSON, str = as is), ``recv`` events.

    Every received event is schema-checked; ``events`` keeps all of them in order."""

    def __init__(self, send_text: Callable[[str], None], recv_text: Callable[[float], Optional[str]],
                 close: Callable[[], None], validate: bool = True):
        self._send_text = send_text
        self._recv_text = recv_text
        self._close = close
        self.validate = validate
        self.events: list = []
        self._unread: list = []

    @classmethod
    def websocket(cls, url: str, **kw) -> "GCClient":
        import websocket  # websocket-client
        ws = websocket.create_connection(url, timeout=10)

        def recv(timeout: float) -> Optional[str]:
            ws.settimeout(timeout)
            try:
                return ws.recv()
            except websocket.WebSocketTimeoutException:
                return None
        client = cls(ws.send, recv, ws.close, **kw)
        client.ws = ws
        return client

    @classmethod
    def tcp(cls, address, source_address=None, **kw) -> "GCClient":
        """A TCP client of GC at ``address`` (host, port), its connection made from
        ``source_address`` (host, port) when given (any of 127/8 is loopback)."""
        sock = socket.create_connection(address, timeout=10, source_address=source_address)
        buf = bytearray()

        def recv(timeout: float) -> Optional[str]:
            deadline = time.monotonic() + timeout
            while b"\n" not in buf:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                sock.settimeout(remaining)
                try:
                    data = sock.recv(65536)
                except (socket.timeout, TimeoutError):
                    return None
                if not data:
                    raise ConnectionError("GC closed the connection")
                buf.extend(data)
            line, _, rest = bytes(buf).partition(b"\n")
            buf[:] = rest
            return line.decode("utf-8")

        client = cls(lambda text: sock.sendall(text.encode("utf-8") + b"\n"), recv, sock.close, **kw)
        client.sock = sock
        return client

    def send(self, frame: Any) -> None:
        self._send_text(frame if isinstance(frame, str) else json.dumps(frame))

    def _read(self, timeout: float) -> Optional[Any]:
        text = self._recv_text(timeout)
        if text is None:
            return None
        event = json.loads(text)
        if self.validate:
            check_event(event)
        self.events.append(event)
        return event

    def recv(self, timeout: float = 10.0) -> Any:
        if self._unread:
            return self._unread.pop(0)
        event = self._read(timeout)
        if event is None:
            raise TimeoutError(f"no event within {timeout} s")
        return event

    def expect(self, predicate: Callable[[Any], bool] | str, timeout: float = 10.0, **fields) -> Any:
        """The first event (unread ones first) matching ``predicate`` (or of that
        ``type``, with those field values); events passed over stay unread."""
        if isinstance(predicate, str):
            type_name = predicate
            predicate = lambda e: event_type(e) == type_name and all(  # noqa: E731
                event_obj(e).get(k) == v for k, v in fields.items())
        for i, event in enumerate(self._unread):
            if predicate(event):
                return self._unread.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no matching event within {timeout} s; unread: "
                                   f"{json.dumps(self._unread)[:3000]}")
            event = self._read(remaining)
            if event is None:
                continue
            if predicate(event):
                return event
            self._unread.append(event)

    def request(self, frame: Any, expect: str, timeout: float = 10.0, **fields) -> Any:
        self.send(frame)
        return self.expect(expect, timeout, **fields)

    def drain(self, quiet: float = 0.3) -> list:
        """Read until nothing arrives for ``quiet`` seconds; returns what was unread."""
        while True:
            event = self._read(quiet)
            if event is None:
                break
            self._unread.append(event)
        out, self._unread = self._unread, []
        return out

    def close(self) -> None:
        try:
            self._close()
        except OSError:
            pass

    def __enter__(self) -> "GCClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def event_obj(event: Any) -> dict:
    return event[0] if isinstance(event, list) and event else event


def event_type(event: Any) -> Optional[str]:
    obj = event_obj(event)
    return obj.get("type") if isinstance(obj, dict) else None


# -- the pytest plugin (entry point ``pytest11``: ``gc = gc_core.testing``) ----------------
# It adds ``--gc-kit TARGET`` and the ``gc_kit_target`` fixture the backend conformance
# kit (gc_core.backend_kit) runs on. It loads with pytest only, so GC itself never needs it.
try:
    import pytest as _pytest
except ImportError:  # pragma: no cover - GC installed without its test extra
    _pytest = None

if _pytest is not None:
    _pytest.register_assert_rewrite("gc_core.backend_kit")

    def pytest_addoption(parser) -> None:
        group = parser.getgroup("gc", "Generic Connector backend conformance kit")
        group.addoption("--gc-kit", action="append", default=[], metavar="TARGET",
                        help="run the backend conformance kit on TARGET: an entry point of the "
                             "gc.kit_targets group or module:attribute (repeatable)")

    def pytest_generate_tests(metafunc) -> None:
        """Parametrize the kit's rows over the targets: ``--gc-kit``, else the test
        class's ``gc_kit_targets``; with neither, the rows skip and say how to run them."""
        if "gc_kit_target" not in metafunc.fixturenames:
            return
        names = list(metafunc.config.getoption("gc_kit") or getattr(metafunc.cls, "gc_kit_targets", ()) or ())
        if not names:
            from .backend_kit import installed_targets
            reason = (f"no backend kit target: pass --gc-kit NAME (installed: "
                      f"{', '.join(installed_targets()) or '-'})")
            metafunc.parametrize("gc_kit_target", [_pytest.param(None, marks=_pytest.mark.skip(reason=reason))],
                                 indirect=True, ids=["no-target"])
            return
        metafunc.parametrize("gc_kit_target", names, indirect=True, scope="session", ids=names)

    @_pytest.fixture(scope="session")
    def gc_kit_target(request, tmp_path_factory):
        """The running target named by the parameter: its backend started, and GC on it."""
        from .backend_kit import RunningTarget, load_target
        name = request.param
        target = load_target(name)
        workdir = tmp_path_factory.mktemp(f"kit-{name.replace(':', '-')}")
        gc = target.start(workdir)
        try:
            yield RunningTarget(target, gc)
        finally:
            try:
                gc.stop()
            finally:
                target.stop()
