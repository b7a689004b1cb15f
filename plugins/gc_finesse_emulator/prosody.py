"""Run a private Prosody XMPP server as a child process (tests, benchmarks, the emulator).

``ProsodyServer`` writes a configuration of its own in a temporary directory,
provisions accounts and rosters by writing Prosody's data files directly (no
``prosodyctl``: 200 users in ~10 ms), starts ``prosody --config FILE -F`` on a free
loopback port and waits until a real XMPP login succeeds and the pubsub component
answers (Prosody keeps its port open even when it refuses to run, so a port check
is not enough). It stops only its own child, by PID.

Follows /work/shared/reference/stack-notes.md: ``run_as_root = true``, memory
storage for pubsub, PLAIN auth on plain loopback, no TLS, no s2s.

    server = ProsodyServer("finesse.local", admins=["finesse"])
    server.add_user("finesse", "secret")
    server.add_user("1001", "pw", roster={"finesse@finesse.local": "to"})
    server.start()          # returns once "finesse" can log in
    ... server.port, server.domain, server.pubsub_domain ...
    server.stop()
"""
from __future__ import annotations

import atexit
import base64
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import weakref
from pathlib import Path
from typing import Iterable, Optional

PROSODY_BINARY = "/usr/bin/prosody"

# Every server this process started and did not stop yet: stopped at exit, by PID.
_RUNNING: "weakref.WeakSet[ProsodyServer]" = weakref.WeakSet()


@atexit.register
def _stop_all_at_exit() -> None:  # pragma: no cover - exit path
    for server in list(_RUNNING):
        try:
            server.cleanup()  # stops it; removes its directory if it made it
        except Exception:
            pass


class ProsodyError(RuntimeError):
    """Prosody did not start (the message carries the tail of its log)."""


def scratch_dir(prefix: str) -> Path:
    """A fresh temporary directory, in RAM when possible: ``$GC_EMULATOR_TMPDIR``, else
    ``/dev/shm`` if writable, else the system default. Prosody's data are throw-away
    and thousands of small files (accounts, rosters, nodes) are written per start:
    on a busy disk that was 0.8 ms a file against 0.03 ms on tmpfs."""
    base = os.environ.get("GC_EMULATOR_TMPDIR")
    if not base and os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK | os.X_OK):
        base = "/dev/shm"
    return Path(tempfile.mkdtemp(prefix=prefix, dir=base or None))


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (bind port 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _encode(part: str) -> str:
    """Prosody's datamanager encoding of host and user names in file paths."""
    return re.sub(r"[^A-Za-z0-9]", lambda m: "".join(f"%{b:02x}" for b in m.group(0).encode()), part)


def _lua_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return _lua_string(str(value))


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


class ProsodyServer:
    """One private Prosody: a virtual host ``domain`` with a pubsub component.

    ``admins`` are user names (local parts) of ``domain``: only admins may create
    pubsub nodes and subscribe other JIDs (they get the ``owner`` affiliation on the
    whole service). ``port`` None picks a free loopback port (re-picked if Prosody
    loses a race for it); after the first successful start the port is kept, so a
    restarted server is where clients expect it. ``workdir`` None makes a temporary
    directory, removed by :meth:`cleanup`.
    """

    def __init__(self, domain: str = "finesse.local", *, pubsub_domain: Optional[str] = None,
                 host: str = "127.0.0.1", port: Optional[int] = None, admins: Iterable[str] = (),
                 workdir: Optional[str | Path] = None, log_level: str = "info",
                 binary: str = PROSODY_BINARY, pubsub_max_items: int = 256):
        self.domain = domain
        self.pubsub_domain = pubsub_domain or f"pubsub.{domain}"
        self.host = host
        self._fixed_port = port
        self.port: int = port or 0
        self.admins = list(admins)
        self.log_level = log_level
        self.binary = binary
        self.pubsub_max_items = pubsub_max_items
        self._own_workdir = workdir is None
        self.workdir = Path(workdir) if workdir else scratch_dir("gc-prosody-")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._proc: Optional[subprocess.Popen] = None
        self._passwords: dict[str, str] = {}
        self._lock = threading.Lock()

    # -- paths ----------------------------------------------------------------
    @property
    def config_path(self) -> Path:
        return self.workdir / "prosody.cfg.lua"

    @property
    def log_path(self) -> Path:
        return self.workdir / "prosody.log"

    @property
    def data_path(self) -> Path:
        return self.workdir / "data"

    @property
    def pid(self) -> Optional[int]:
        return self._proc.pid if self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def jid(self, user: str) -> str:
        return f"{user}@{self.domain}"

    # -- provisioning (works before start and while running) -------------------
    def add_user(self, user: str, password: str, roster: Optional[dict[str, str]] = None) -> None:
        """Create or overwrite the account ``user@domain``.

        ``roster`` maps contact JIDs to a subscription (``to``, ``from``, ``both``):
        e.g. ``{"finesse@finesse.local": "to"}`` lets the user see finesse's
        presence. The files are read by Prosody on demand, so this also works on
        a running server for users that are not connected.
        """
        self._passwords[user] = password
        accounts = self.data_path / _encode(self.domain) / "accounts"
        accounts.mkdir(parents=True, exist_ok=True)
        (accounts / f"{_encode(user)}.dat").write_text(
            f"return {{\n\t[\"password\"] = {_lua_string(password)};\n}};\n")
        if roster is not None:
            self.set_roster(user, roster)

    def add_users(self, users: dict[str, str]) -> None:
        for user, password in users.items():
            self.add_user(user, password)

    def set_roster(self, user: str, contacts: dict[str, str]) -> None:
        """Write ``user``'s roster: contact JID -> subscription (none|to|from|both)."""
        rosters = self.data_path / _encode(self.domain) / "roster"
        rosters.mkdir(parents=True, exist_ok=True)
        lines = ["return {", '\t[false] = { ["version"] = 1; ["pending"] = {}; };']
        for contact, subscription in contacts.items():
            if subscription not in ("none", "to", "from", "both"):
                raise ValueError(f"bad roster subscription {subscription!r}")
            lines.append(f'\t[{_lua_string(contact)}] = {{ ["subscription"] = {_lua_string(subscription)};'
                         f' ["groups"] = {{}}; }};')
        lines.append("};")
        (rosters / f"{_encode(user)}.dat").write_text("\n".join(lines) + "\n")

    def add_pubsub_node(self, node: str, *, config: Optional[dict] = None, subscribers: Iterable[str] = (),
                        owners: Iterable[str] = ()) -> None:
        """Create pubsub node ``node`` with ``subscribers`` (JIDs) by writing its
        storage file: Prosody loads every stored node when it starts. Thousands of
        nodes this way cost milliseconds, where creating and subscribing over XMPP
        costs seconds. Call it while the server is stopped (a running Prosody does
        not re-read the store). ``config`` uses util.pubsub's keys (``max_items``,
        ``persist_items``, ``access_model``, ``publish_model`` ...)."""
        store = self.data_path / _encode(self.pubsub_domain) / "pubsub_nodes"
        store.mkdir(parents=True, exist_ok=True)
        cfg = "".join(f" [{_lua_string(k)}] = {_lua_value(v)};" for k, v in (config or {}).items())
        subs = "".join(f" [{_lua_string(j)}] = true;" for j in subscribers)
        affs = "".join(f" [{_lua_string(j)}] = \"owner\";" for j in owners)
        (store / f"{_encode(node)}.dat").write_text(
            f"return {{\n\t[\"name\"] = {_lua_string(node)};\n\t[\"config\"] = {{{cfg} }};\n"
            f"\t[\"subscribers\"] = {{{subs} }};\n\t[\"affiliations\"] = {{{affs} }};\n}};\n")

    def password(self, user: str) -> str:
        return self._passwords[user]

    # -- configuration -----------------------------------------------------------
    def _write_config(self) -> None:
        (self.workdir / "certs").mkdir(exist_ok=True)
        self.data_path.mkdir(exist_ok=True)
        admins = "; ".join(_lua_string(self.jid(a)) for a in self.admins)
        config = f"""-- written by gc_finesse_emulator.prosody; do not edit
run_as_root = true
pidfile = {_lua_string(str(self.workdir / "prosody.pid"))}
data_path = {_lua_string(str(self.data_path))}
certificates = {_lua_string(str(self.workdir / "certs"))}
admins = {{ {admins} }}
interfaces = {{ {_lua_string(self.host)} }}
c2s_ports = {{ {self.port} }}
c2s_direct_tls_ports = {{}}
s2s_ports = {{}}
http_ports = {{}}
https_ports = {{}}
modules_enabled = {{ "roster"; "saslauth"; "disco"; "ping"; "presence"; "message"; "iq" }}
modules_disabled = {{ "s2s"; "offline"; "tls" }}
c2s_require_encryption = false
network_settings = {{ nagle = false }}  -- TCP_NODELAY: no 40 ms delayed-ACK stalls on loopback
-- On SIGTERM Prosody closes client streams, then waits (c2s_close_timeout + 1) s before
-- its loop notices it may exit; -0.95 makes that 50 ms instead of 6 s (default 5).
c2s_close_timeout = -0.95
allow_unencrypted_plain_auth = true
authentication = "internal_plain"
-- nodes and subscriptions on disk (provisioned by add_pubsub_node, kept across restarts);
-- published items in memory (stack-notes: file storage is 5x slower to deliver)
storage = {{ pubsub_data = "memory"; pubsub_nodes = "internal" }}
log = {{ {{ levels = {{ min = {_lua_string(self.log_level)} }}, to = "file", filename = {_lua_string(str(self.log_path))} }} }}

VirtualHost {_lua_string(self.domain)}

Component {_lua_string(self.pubsub_domain)} "pubsub"
    pubsub_max_items = {int(self.pubsub_max_items)}
"""
        self.config_path.write_text(config)

    # -- lifecycle -----------------------------------------------------------------
    def start(self, timeout: float = 10.0, ready_user: Optional[str] = None) -> "ProsodyServer":
        """Start Prosody and return once ``ready_user`` (default: the first admin, or
        any provisioned user) logs in over XMPP and the pubsub component answers
        disco. Raises :class:`ProsodyError` with the log tail otherwise."""
        with self._lock:
            if self.running:
                return self
            user = ready_user or (self.admins[0] if self.admins else next(iter(self._passwords), None))
            if user is None or user not in self._passwords:
                raise ProsodyError("provision the readiness user (an admin) before start()")
            deadline = time.monotonic() + timeout
            attempts = 0
            while True:
                attempts += 1
                if not self._fixed_port:
                    self.port = free_port(self.host)
                self._write_config()
                self._spawn()
                try:
                    self._wait_ready(user, deadline)
                    self._fixed_port = self.port  # a restart comes back on the same port
                    return self
                except _PortLost:
                    self._terminate()
                    if self._fixed_port or attempts >= 5 or time.monotonic() > deadline:
                        raise ProsodyError(f"prosody could not bind {self.host}:{self.port}\n{self.log_tail()}")
                except BaseException:
                    self._terminate()
                    raise

    def _spawn(self) -> None:
        # Fresh logs per start, so readiness failures are read from this run only.
        if self.log_path.exists():
            self.log_path.rename(self.workdir / "prosody.log.1")
        out = open(self.workdir / "prosody.stdout", "wb")
        try:
            self._proc = subprocess.Popen(
                [self.binary, "--config", str(self.config_path), "-F"],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                cwd=str(self.workdir), start_new_session=True, close_fds=True)
        finally:
            out.close()
        _RUNNING.add(self)

    def _wait_ready(self, user: str, deadline: float) -> None:
        delay = 0.01
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                tail = self.log_tail()
                if "Failed to open server port" in tail or "Address already in use" in tail:
                    raise _PortLost()
                raise ProsodyError(f"prosody exited with {self._proc.returncode}\n{tail}")
            try:
                xmpp_probe(self.host, self.port, self.domain, user, self._passwords[user],
                           pubsub_domain=self.pubsub_domain, timeout=max(0.5, deadline - time.monotonic()))
                return
            except (OSError, ProbeError) as exc:
                last_error = exc
                tail = self.log_tail(4000)
                if "Failed to open server port" in tail:
                    raise _PortLost()
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
        raise ProsodyError(f"prosody not ready after timeout ({last_error})\n{self.log_tail()}")

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM our own child (by PID), SIGKILL it after ``timeout``. The working
        directory stays (accounts, rosters): :meth:`start` runs it again."""
        with self._lock:
            self._terminate(timeout)

    def _terminate(self, timeout: float = 5.0) -> None:
        proc, self._proc = self._proc, None
        _RUNNING.discard(self)
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.kill(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout)

    def kill(self) -> None:
        """SIGKILL our child (a crash: clients see the TCP connection drop)."""
        with self._lock:
            proc, self._proc = self._proc, None
            _RUNNING.discard(self)
            if proc is not None and proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(5)

    def cleanup(self) -> None:
        """Stop and remove the working directory (only if this object made it)."""
        self._terminate()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def log_tail(self, chars: int = 3000) -> str:
        parts = []
        for path in (self.workdir / "prosody.stdout", self.log_path):
            try:
                parts.append(path.read_text(errors="replace")[-chars:])
            except OSError:
                pass
        return "\n".join(parts)

    def __enter__(self) -> "ProsodyServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.cleanup()

    def __repr__(self) -> str:
        return f"<ProsodyServer {self.domain} {self.host}:{self.port} pid={self.pid}>"


class _PortLost(Exception):
    pass


class ProbeError(Exception):
    pass


def xmpp_probe(host: str, port: int, domain: str, user: str, password: str, *,
               pubsub_domain: Optional[str] = None, timeout: float = 2.0) -> None:
    """Log in over plain XMPP (SASL PLAIN), bind a resource and, if given, ask the
    pubsub component for disco#info. Raises :class:`ProbeError` or ``OSError``.

    Blocking socket code (cooperative under gevent): no slixmpp thread needed."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        sock.settimeout(timeout)
        buf = bytearray()

        def send(data: str) -> None:
            sock.sendall(data.encode())

        def read_until(*markers: bytes) -> bytes:
            while True:
                for m in markers:
                    if m in buf:
                        return bytes(buf)
                if b"</stream:stream>" in buf or b"<stream:error" in buf:
                    raise ProbeError(bytes(buf[-500:]).decode(errors="replace"))
                chunk = sock.recv(65536)
                if not chunk:
                    raise ProbeError("connection closed: " + bytes(buf[-500:]).decode(errors="replace"))
                buf.extend(chunk)

        def open_stream() -> None:
            buf.clear()
            send(f"<?xml version='1.0'?><stream:stream to='{domain}' version='1.0' "
                 "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")
            read_until(b"</stream:features>")

        open_stream()
        if b"PLAIN" not in buf:
            raise ProbeError("no SASL PLAIN offered: " + bytes(buf).decode(errors="replace"))
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        buf.clear()
        send(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{token}</auth>")
        read_until(b"<success", b"<failure")
        if b"<success" not in buf:
            raise ProbeError("login failed: " + bytes(buf).decode(errors="replace"))
        open_stream()
        buf.clear()
        send("<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
             "<resource>probe</resource></bind></iq>")
        read_until(b"</iq>", b"/>")
        read_until(b"</iq>")
        if b"type='result'" not in buf and b'type="result"' not in buf:
            raise ProbeError("bind failed: " + bytes(buf).decode(errors="replace"))
        if pubsub_domain:
            buf.clear()
            send(f"<iq type='get' id='d1' to='{pubsub_domain}'>"
                 "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
            read_until(b"</iq>")
            if b"http://jabber.org/protocol/pubsub" not in buf:
                raise ProbeError("pubsub component not answering: " + bytes(buf).decode(errors="replace"))
        try:
            send("</stream:stream>")
        except OSError:
            pass
    finally:
        sock.close()
