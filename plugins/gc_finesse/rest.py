"""Finesse's REST API for one agent: the agent's credentials on every request, over
connections shared by all agents of a backend.

- One :func:`shared_http` pool per backend (urllib3: keep-alive connections per
  node, at most ``pool_maxsize`` kept each), used by every agent's client; the
  credentials travel per request (HTTP Basic ``id:password`` or ``Authorization:
  Bearer`` for SSO, see :func:`credentials`), never stored on the shared pool, and
  the pool keeps no cookies (urllib3 has no cookie jar: one agent's JSESSIONID never
  rides on another's request). A connection per agent held 10,000 descriptors at
  10,000 agents beside their XMPP streams ("Too many open files"). Connect and read
  timeouts come from configuration. Nothing comes from the environment (proxies,
  ``.netrc``, CA bundle variables): it must not silently change where an agent's
  password goes. urllib3 directly rather than ``requests`` on top of it: requests'
  per-call preparation (setting merges, hooks, cookie jar, protocol checks) cost
  about as much CPU as the HTTP exchange itself, twice per agent signing in.
- The node is asked of the backend at every call, so a failover moves every agent's
  REST traffic at once.
- ``requestId`` header on PUT/POST: Finesse echoes it in the notification the request
  causes, which is how a client's requestId comes back on its events.
- Errors: an ``ApiErrors`` body becomes the spec's error through
  :func:`gc_core.errors.from_api_error` (Finesse's type, data and HTTP status kept
  in the event). Retries follow the reference: a GET that timed out is retried
  ``get_retries`` times, then NOT_REACHABLE; a connect timeout (nothing was sent) is
  retried for any method; a read timeout of a PUT/POST is *not* retried (Finesse
  may have acted); a refused connection means the node is gone: DOWN at once. A 401
  is never retried, and once Finesse refused an agent's credentials the client
  refuses to send them again (five failures lock the agent out for five minutes).
- Bodies are parsed by :mod:`gc_finesse.xmlparse` (no DTD, no entities).
"""
from __future__ import annotations

import base64
import importlib
import logging
import os
import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional
from urllib.parse import urlencode

import urllib3
from urllib3 import exceptions as u3

from gc_core.errors import BackendError, from_api_error

from . import finesse_xml as FX
from .xmlparse import BadXML, UnsafeXML, parse

if TYPE_CHECKING:  # pragma: no cover
    from .settings import FinesseSettings, Node

log = logging.getLogger("gc.finesse.rest")

XML = "application/xml"


class Auth:
    """An agent's ``Authorization`` header value, computed once; the secret never
    appears in a repr or a log line."""

    def __init__(self, authorization: str):
        self.authorization = authorization

    def __repr__(self) -> str:
        return f"<{type(self).__name__} ***>"


class BasicAuth(Auth):
    """HTTP Basic (RFC 7617): ``id:password`` in Latin-1 as browsers and requests
    send it, UTF-8 when the password holds a character Latin-1 has not."""

    def __init__(self, user: str, password: str):
        pair = f"{user}:{password}"
        try:
            raw = pair.encode("latin-1")
        except UnicodeEncodeError:
            raw = pair.encode("utf-8")
        super().__init__("Basic " + base64.b64encode(raw).decode("ascii"))


class BearerAuth(Auth):
    """``Authorization: Bearer <token>`` (SSO)."""

    def __init__(self, token: str):
        super().__init__(f"Bearer {token}")


@dataclass
class Credentials:
    """What an agent's session authenticates with: REST auth and the XMPP password
    (the password, or the SSO token, as Finesse's notification service wants)."""
    auth: Auth
    xmpp_secret: str

    def __repr__(self) -> str:
        return "<Credentials ***>"


def load_token_provider(spec: str) -> Optional[Callable[[str, str], str]]:
    """``"package.module:function"`` -> the function (SSO deployments plug their
    token source in here: it gets (agent_id, secret the client sent) and returns a
    bearer token)."""
    if not spec:
        return None
    module, _, name = spec.partition(":")
    fn = getattr(importlib.import_module(module), name or "get_token")
    if not callable(fn):
        raise TypeError(f"{spec} is not callable")
    return fn


def credentials(settings: "FinesseSettings", agent_id: str, secret: str,
                token_provider: Optional[Callable[[str, str], str]] = None) -> Credentials:
    if settings.auth == "bearer":
        token = token_provider(agent_id, secret) if token_provider else secret
        return Credentials(BearerAuth(token), token)
    return Credentials(BasicAuth(agent_id, secret), secret)


class SharedHttp:
    """The connections a backend's agents share: a urllib3 pool per node (at most
    ``pool_maxsize`` keep-alive connections kept each; beyond that a request waits
    for one of the pool rather than open and throw away its own), no credentials,
    no cookies, no retries, no redirects followed, nothing from the environment.

    ``last_answer``: (host, port) -> monotonic time of the last HTTP answer from that
    node, whoever asked (the health probe does not call a node dead that answers
    others meanwhile)."""

    def __init__(self, settings: "FinesseSettings"):
        tls: dict = {}
        verify = settings.verify
        if verify is False:
            tls = {"cert_reqs": "CERT_NONE"}
        elif isinstance(verify, str) and os.path.isdir(verify):
            tls = {"cert_reqs": "CERT_REQUIRED", "ca_cert_dir": verify}
        else:
            # a CA bundle given, else the one requests used (certifi), not the system's
            tls = {"cert_reqs": "CERT_REQUIRED", "ca_certs": verify if isinstance(verify, str) else _certifi()}
        self.pool = urllib3.PoolManager(num_pools=4, maxsize=settings.pool_maxsize, block=True, retries=False,
                                        headers={"Accept": XML}, **tls)
        self.last_answer: dict = {}

    def request(self, method: str, url: str, *, body: Optional[bytes], headers: dict,
                timeout: tuple) -> urllib3.BaseHTTPResponse:
        """One exchange; ``timeout`` = (connect s, read s). Raises urllib3's errors."""
        return self.pool.request(method, url, body=body, headers=headers, redirect=False, retries=False,
                                 timeout=urllib3.Timeout(connect=timeout[0], read=timeout[1]))

    def close(self) -> None:
        self.pool.clear()


def _certifi() -> Optional[str]:
    try:
        import certifi
    except ImportError:  # pragma: no cover - requests brings it
        return None
    return certifi.where()


def shared_http(settings: "FinesseSettings") -> SharedHttp:
    """The pool a backend's agents share (see :class:`SharedHttp`)."""
    return SharedHttp(settings)


class RestClient:
    """One agent's REST client (see module docstring). ``http``: the backend's
    :func:`shared_http` pool; without one the client makes (and closes) its own."""

    def __init__(self, settings: "FinesseSettings", agent_id: str, auth: Optional[Auth],
                 node_fn: Callable[[], "Node"], on_trouble: Callable[[str, str], None] = lambda kind, why: None,
                 on_auth_refused: Callable[[str], None] = lambda why: None,
                 on_response: Callable[[str, int, float], None] = lambda method, status, seconds: None,
                 http: Optional[SharedHttp] = None):
        """``on_response(method, HTTP status or 0 without an answer, seconds)`` after
        every attempt (metrics)."""
        self.settings = settings
        self.agent_id = agent_id
        self.node_fn = node_fn
        self.on_trouble = on_trouble
        self.on_auth_refused = on_auth_refused
        self.on_response = on_response
        self.refused: Optional[BackendError] = None  # set once Finesse refused the credentials
        self._own_http = http is None
        self.http = shared_http(settings) if http is None else http
        self.auth = auth
        self.requests_sent = 0

    def __repr__(self) -> str:
        return f"<RestClient {self.agent_id}>"

    def close(self) -> None:
        self.auth = None
        if self._own_http:
            self.http.close()

    # -- verbs -------------------------------------------------------------------------
    def get(self, path: str, params: Optional[dict] = None, headers: Optional[dict] = None, *,
            node: Optional["Node"] = None, retries: Optional[int] = None,
            timeout: Optional[tuple] = None) -> Optional[ET.Element]:
        """``node``/``retries``/``timeout`` override the active node and the configured
        values (the failover logic polls a given node, once, with a short timeout)."""
        return self._request("GET", path, params=params, headers=headers, node=node, retries=retries,
                             timeout=timeout)

    def put(self, path: str, body: bytes, request_id: str = "") -> None:
        self._request("PUT", path, body=body, request_id=request_id)

    def post(self, path: str, body: bytes, request_id: str = "") -> None:
        self._request("POST", path, body=body, request_id=request_id)

    # -- the one request path -------------------------------------------------------------
    def _request(self, method: str, path: str, *, params: Optional[dict] = None, body: Optional[bytes] = None,
                 request_id: str = "", headers: Optional[dict] = None, node: Optional["Node"] = None,
                 retries: Optional[int] = None, timeout: Optional[tuple] = None, with_headers: bool = False):
        if self.refused is not None:
            # Finesse refused these credentials: sending them again only brings the
            # lockout closer.
            raise BackendError(self.refused.code, self.refused.description, **self.refused.details)
        hdrs = dict(headers or {})
        if body is not None:
            hdrs["Content-Type"] = XML
        if request_id:
            hdrs["requestId"] = request_id
        if self.auth is not None:
            hdrs["Authorization"] = self.auth.authorization
        query = f"?{urlencode(params, doseq=True)}" if params else ""
        if retries is None:
            retries = self.settings.get_retries
        if timeout is None:
            timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        fixed_node = node
        attempt = 0
        while True:
            attempt += 1
            node = fixed_node or self.node_fn()
            url = node.base_url + path + query
            t0 = time.monotonic()
            try:
                self.requests_sent += 1
                resp = None
                try:
                    resp = self.http.request(method, url, body=body, headers=hdrs, timeout=timeout)
                finally:
                    self.on_response(method, resp.status if resp is not None else 0, time.monotonic() - t0)
                    if resp is not None:
                        self.http.last_answer[(node.host, node.port)] = time.monotonic()
            except u3.NewConnectionError as exc:  # refused, unreachable, no such host (a ConnectTimeoutError too)
                self.on_trouble("DOWN", f"{node}: {_reason(exc)}")
                raise BackendError("DOWN", f"Finesse {node} is not reachable: {_reason(exc)}") from None
            except u3.ConnectTimeoutError:
                # Nothing reached Finesse: safe to try again, whatever the method.
                if attempt <= retries:
                    log.info("%s %s: connect timeout on %s (attempt %d)", method, path, node, attempt)
                    continue
                self.on_trouble("NOT_REACHABLE", f"connect timeout on {node}")
                raise BackendError("NOT_REACHABLE", f"Finesse {node} did not accept a connection "
                                                    f"({attempt} attempts)") from None
            except u3.ReadTimeoutError:
                if method == "GET" and attempt <= retries:
                    log.info("%s %s: no answer from %s (attempt %d)", method, path, node, attempt)
                    continue
                self.on_trouble("NOT_REACHABLE", f"read timeout on {node}")
                raise BackendError("NOT_REACHABLE", f"Finesse {node} did not answer {method} {_short(path)} "
                                                    f"({attempt} attempt{'s' if attempt > 1 else ''})") from None
            except u3.SSLError as exc:
                raise BackendError("DOWN", f"TLS with Finesse {node} failed: {_reason(exc)}") from None
            except (u3.ProtocolError, OSError) as exc:  # the connection dropped mid-exchange
                self.on_trouble("DOWN", f"{node}: {_reason(exc)}")
                raise BackendError("DOWN", f"Finesse {node} is not reachable: {_reason(exc)}") from None
            except u3.HTTPError as exc:
                raise BackendError("PLEASE_RETRY", f"request to Finesse failed: {_reason(exc)}") from None
            if log.isEnabledFor(logging.DEBUG):
                log.debug("%s %s -> %d (%.0f ms)", method, _short(path), resp.status,
                          (time.monotonic() - t0) * 1000)
            element = self._answer(method, path, resp)
            return (element, resp.headers) if with_headers else element

    def get_ranged(self, path: str, page_size: int, maximum: int = 6000) -> list:
        """GET a Finesse list that pages with ``Range: objects=a-b`` (phone books and
        their contacts): every page's XML, following ``Content-Range: objects a-b/total``
        until the total, since a server may answer a range with fewer objects than asked.
        A 200 (no Content-Range) is the whole list."""
        pages = []
        first = 1
        while first <= maximum:
            last = min(first + page_size - 1, maximum)
            element, headers = self._request("GET", path, headers={"Range": f"objects={first}-{last}"},
                                             with_headers=True)
            if element is not None:
                pages.append(element)
            m = re.match(r"\s*objects\s+(\d+)-(\d+)/(\d+)", headers.get("Content-Range", ""))
            if not m:
                break
            end, total = int(m.group(2)), int(m.group(3))
            if end >= total or end < first:
                break
            first = end + 1
        return pages

    def _answer(self, method: str, path: str, resp: urllib3.BaseHTTPResponse) -> Optional[ET.Element]:
        status = resp.status
        content = resp.data
        if 200 <= status < 300:
            if method != "GET" or not content or not content.strip():
                return None
            try:
                return parse(content)
            except (BadXML, UnsafeXML) as exc:
                raise BackendError("GENERAL_ERROR", f"unreadable answer to GET {_short(path)}: {exc}",
                                   httpStatus=status) from None
        errors = []
        if content and content.strip():
            try:
                errors = FX.api_errors(parse(content))
            except (BadXML, UnsafeXML):
                errors = []
        first = errors[0] if errors else FX.ApiError(error_type=resp.reason or "", error_message="")
        if status == 401 and not errors:
            first = FX.ApiError("Authorization Failure", "UNAUTHORIZED")
        err = from_api_error(status, first.error_type, first.error_message, first.error_data)
        if status == 501:
            # Whatever words Finesse chose, a 501 means "this platform does not do
            # that": one clear code and message (the flavour checks should have
            # caught it before anything was sent).
            err = BackendError("CF_GENERIC_UNSPECIFIED_REJECTION",
                               f"{method} {_short(path)} is not supported by this Finesse deployment "
                               f"({first.error_message or first.error_type or 'Not Implemented'})", **err.details)
        if status == 503:
            self.on_trouble("OUT_OF_SERVICE", first.error_message or "503")
        if status == 401 and _is_auth_failure(first):
            self.refused = err
            self.on_auth_refused(first.error_message or first.error_type)
        elif first.error_message == "CF_AGENT_ACCOUNT_LOCKED_OUT":
            self.refused = err
            self.on_auth_refused(first.error_message)
        raise err


def _is_auth_failure(e: FX.ApiError) -> bool:
    """Finesse refused the credentials themselves (not: this user may not do that)."""
    etype = e.error_type.strip().lower()
    return (etype in ("authorization failure", "unauthorized", "") and e.error_message in ("UNAUTHORIZED", "")
            or e.error_message in ("UNAUTHORIZED", "CF_AGENT_ACCOUNT_LOCKED_OUT"))


def _short(path: str) -> str:
    return path if len(path) < 120 else path[:117] + "..."


def _reason(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 200 else text[:197] + "..."
