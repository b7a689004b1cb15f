"""A local stand-in for the Zoom endpoints GC uses, for tests and for integrators
without a Zoom account: ``python -m gc_zoom.standin [--port 0] [--any-id] ...``.

Endpoints (same paths, bodies and error shapes as Zoom's):

- ``POST /oauth/token``: Basic auth with the configured client id and secret, form
  (or query) ``grant_type=account_credentials&account_id=...``. 200
  ``{"access_token", "token_type": "bearer", "expires_in", "scope"}``; 401
  ``{"reason": "Invalid client_id or client_secret", "error": "invalid_client"}``;
  400 ``unsupported_grant_type`` / ``invalid_request`` (wrong account).
- ``PATCH /v2/live_meetings/{id}/events`` ``{"method": "recording.pause" |
  "recording.resume"}``: 202. ``PUT /v2/contact_center/engagements/{id}/recording/pause``
  (``resume``): 204. ``GET /v2/contact_center/engagements/{id}/recordings/status``:
  ``{"engagement_id", "status": "recording" | "paused"}``. Bearer token checked
  first: 401 ``{"code": 124, "message": "Invalid access token."}`` for an unknown,
  expired or revoked token; 404 ``{"code": 3001, "message": "Meeting does not exist: ..."}``
  / ``{"code": 1001, "message": "Engagement does not exist: ..."}``; 400
  ``{"code": 300, "message": ...}`` for a bad method.

Faults, from Python (:meth:`ZoomStandIn.fail_next`, :meth:`delay_next`,
:meth:`expire_tokens`) or over HTTP (``POST /_standin/fail`` ``{"status", "count",
"body", "path"}``, ``/_standin/delay`` ``{"seconds", "count", "path"}``, ``/_standin/expire_tokens``;
``GET /_standin/state``). A fault applies to the next API or token request(s).
"""
from __future__ import annotations

import argparse
import base64
import itertools
import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterable, Optional
from urllib.parse import parse_qs, unquote, urlsplit

RECORDING, PAUSED = "recording", "paused"


@dataclass
class Fault:
    status: int = 0
    body: Optional[dict] = None
    delay: float = 0.0
    count: int = 1
    path: str = ""  # only requests whose path starts with this ("" = any)


@dataclass
class Seen:
    """One request the stand-in answered (``path`` without the query)."""
    method: str
    path: str
    status: int
    authorization: str = field(default="", repr=False)


class ZoomStandIn:
    def __init__(self, *, account_id: str = "standin-account", client_id: str = "standin-client",
                 client_secret: str = "standin-secret", expires_in: int = 3600,
                 meetings: Optional[Iterable[str]] = (), engagements: Optional[Iterable[str]] = (),
                 host: str = "127.0.0.1", port: int = 0):
        """``meetings`` / ``engagements``: the ids that exist (None: any id exists)."""
        self.account_id, self.client_id, self.client_secret = account_id, client_id, client_secret
        self.expires_in = expires_in
        self.any_meeting = meetings is None
        self.any_engagement = engagements is None
        self.meetings = {m: RECORDING for m in (meetings or ())}
        self.engagements = {e: RECORDING for e in (engagements or ())}
        self.tokens: dict[str, float] = {}  # token -> monotonic expiry
        self.seen: list[Seen] = []
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _handler(self))
        self._server.daemon_threads = True
        self._thread: Optional[threading.Thread] = None

    # -- lifecycle ----------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def oauth_url(self) -> str:
        return self.url + "/oauth/token"

    @property
    def api_url(self) -> str:
        return self.url + "/v2"

    def start(self) -> "ZoomStandIn":
        self._thread = threading.Thread(target=self._server.serve_forever, name="zoom-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "ZoomStandIn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def gc_config(self, **overrides) -> dict:
        """A ``[zoom]`` configuration section pointing GC at this stand-in."""
        return {"account_id": self.account_id, "client_id": self.client_id, "client_secret": self.client_secret,
                "oauth_url": self.oauth_url, "api_url": self.api_url, **overrides}

    # -- faults and inspection -------------------------------------------------------------
    def fail_next(self, status: int, body: Optional[dict] = None, count: int = 1, path: str = "") -> None:
        """The next ``count`` requests (whose path starts with ``path``) answer ``status``
        with ``body`` (default: a Zoom-shaped ``{"code", "message"}``)."""
        with self._lock:
            self._faults.append(Fault(status=status, body=body, count=count, path=path))

    def delay_next(self, seconds: float, count: int = 1, path: str = "") -> None:
        """The next ``count`` requests (whose path starts with ``path``) wait ``seconds``
        before being answered normally."""
        with self._lock:
            self._faults.append(Fault(delay=seconds, count=count, path=path))

    def expire_tokens(self) -> None:
        """Every token issued so far expires now (as if its hour had passed)."""
        with self._lock:
            for t in self.tokens:
                self.tokens[t] = 0.0

    def requests(self, path_prefix: str = "") -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.path.startswith(path_prefix)]

    def state(self) -> dict:
        with self._lock:
            return {"meetings": dict(self.meetings), "engagements": dict(self.engagements),
                    "tokens_issued": len(self.tokens),
                    "seen": [{"method": s.method, "path": s.path, "status": s.status} for s in self.seen]}

    # -- request handling (called on the server's threads) -----------------------------
    def _take_fault(self, path: str) -> Optional[Fault]:
        with self._lock:
            for i, fault in enumerate(self._faults):
                if path.startswith(fault.path):
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.pop(i)
                    return fault
            return None

    def handle(self, method: str, raw_path: str, headers, body: bytes) -> tuple[int, Optional[dict]]:
        parts = urlsplit(raw_path)
        path = parts.path
        if path.startswith("/_standin/"):
            return self._control(method, path, body)
        fault = self._take_fault(path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status:
                return fault.status, fault.body if fault.body is not None else {
                    "code": fault.status, "message": f"Stand-in fault {fault.status}"}
        if path == "/oauth/token" and method == "POST":
            return self._token(headers, parts.query, body)
        if path.startswith("/v2/"):
            return self._api(method, path, headers, body)
        return 404, {"code": 404, "message": f"No such endpoint: {method} {path}"}

    def _token(self, headers, query: str, body: bytes) -> tuple[int, dict]:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if headers.get("Authorization", "") != f"Basic {expected}":
            return 401, {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
        form = {k: v[-1] for k, v in parse_qs(query).items()}
        form.update({k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()})
        if form.get("grant_type") != "account_credentials":
            return 400, {"reason": "Unsupported grant type", "error": "unsupported_grant_type"}
        if form.get("account_id") != self.account_id:
            return 400, {"reason": "Invalid request : Account id is not valid", "error": "invalid_request"}
        token = f"standin-token-{next(self._ids)}"
        with self._lock:
            self.tokens[token] = time.monotonic() + self.expires_in
        return 200, {"access_token": token, "token_type": "bearer", "expires_in": self.expires_in,
                     "scope": "contact_center:update:engagement_recording meeting:update:live_meeting"}

    def _api(self, method: str, path: str, headers, body: bytes) -> tuple[int, Optional[dict]]:
        auth = headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else ""
        with self._lock:
            valid = token in self.tokens and time.monotonic() < self.tokens[token]
        if not valid:
            return 401, {"code": 124, "message": "Invalid access token."}
        m = re.fullmatch(r"/v2/live_meetings/([^/]+)/events", path)
        if m and method == "PATCH":
            mid = unquote(m.group(1))
            if not self.any_meeting and mid not in self.meetings:
                return 404, {"code": 3001, "message": f"Meeting does not exist: {mid}."}
            try:
                wanted = json.loads(body or b"{}").get("method")
            except (ValueError, AttributeError):
                wanted = None
            if wanted not in ("recording.pause", "recording.resume"):
                return 400, {"code": 300, "message": "Invalid method."}
            with self._lock:
                self.meetings[mid] = PAUSED if wanted == "recording.pause" else RECORDING
            return 202, None
        m = re.fullmatch(r"/v2/contact_center/engagements/([^/]+)/recording/(pause|resume)", path)
        if m and method == "PUT":
            eid = unquote(m.group(1))
            if not self.any_engagement and eid not in self.engagements:
                return 404, {"code": 1001, "message": f"Engagement does not exist: {eid}."}
            with self._lock:
                self.engagements[eid] = PAUSED if m.group(2) == "pause" else RECORDING
            return 204, None
        m = re.fullmatch(r"/v2/contact_center/engagements/([^/]+)/recordings/status", path)
        if m and method == "GET":
            eid = unquote(m.group(1))
            if not self.any_engagement and eid not in self.engagements:
                return 404, {"code": 1001, "message": f"Engagement does not exist: {eid}."}
            with self._lock:
                return 200, {"engagement_id": eid, "status": self.engagements.get(eid, RECORDING)}
        return 404, {"code": 404, "message": f"No such endpoint: {method} {path}"}

    def _control(self, method: str, path: str, body: bytes) -> tuple[int, dict]:
        try:
            args = json.loads(body) if body else {}
        except ValueError:
            return 400, {"message": "body must be JSON"}
        if path == "/_standin/state" and method == "GET":
            return 200, self.state()
        if path == "/_standin/fail" and method == "POST":
            self.fail_next(int(args.get("status", 500)), args.get("body"), int(args.get("count", 1)),
                           str(args.get("path", "")))
        elif path == "/_standin/delay" and method == "POST":
            self.delay_next(float(args.get("seconds", 1.0)), int(args.get("count", 1)), str(args.get("path", "")))
        elif path == "/_standin/expire_tokens" and method == "POST":
            self.expire_tokens()
        else:
            return 404, {"message": f"no control {method} {path}"}
        return 200, {"ok": True}


def _handler(standin: ZoomStandIn):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, payload = standin.handle(self.command, self.path, self.headers, body)
            data = json.dumps(payload).encode() if payload is not None else b""
            if not self.path.startswith("/_standin/"):
                with standin._lock:
                    standin.seen.append(Seen(self.command, urlsplit(self.path).path, status,
                                             self.headers.get("Authorization", "")))
            try:
                self.send_response(status)
                if data:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, fmt, *args):  # quiet; never prints headers
            pass
    return Handler


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m gc_zoom.standin",
                                description="A local stand-in for Zoom's OAuth and recording endpoints.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--account-id", default="standin-account")
    p.add_argument("--client-id", default="standin-client")
    p.add_argument("--client-secret", default="standin-secret")
    p.add_argument("--expires-in", type=int, default=3600, help="token lifetime in seconds")
    p.add_argument("--meeting", action="append", default=[], help="a meeting id that exists (repeatable)")
    p.add_argument("--engagement", action="append", default=[], help="an engagement id that exists (repeatable)")
    p.add_argument("--any-id", action="store_true", help="every meeting and engagement id exists")
    args = p.parse_args(argv)
    standin = ZoomStandIn(account_id=args.account_id, client_id=args.client_id, client_secret=args.client_secret,
                          expires_in=args.expires_in, meetings=None if args.any_id else args.meeting,
                          engagements=None if args.any_id else args.engagement, host=args.host, port=args.port)
    print(f"Zoom stand-in on {standin.url} (oauth_url = \"{standin.oauth_url}\", "
          f"api_url = \"{standin.api_url}\")", flush=True)
    try:
        standin._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        standin._server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
