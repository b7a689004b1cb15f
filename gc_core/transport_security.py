"""Transport security shared by the listeners: TLS, the client credential, and the
warning for a listener exposed without TLS.

TLS (``[websocket]`` and ``[tcp]``): ``tls_cert`` and ``tls_key`` (PEM files), or
``tls_context = "package.module:factory"``, a function returning an
``ssl.SSLContext`` (client certificates, ciphers ... whatever the deployment needs).
TLS 1.2 is the minimum.

Client credential (``gc.client_secret``, empty = none required): a connection must
present either the secret itself or a token signed with it before any command but
``Hello`` is accepted:

* on the WebSocket upgrade: ``Authorization: Bearer <credential>``, or the query
  parameter ``?credential=<credential>`` (browsers cannot set headers);
* on ``Hello`` (both transports): ``params.clientCredential``;
* on the protected HTTP areas (``/console/``): the same header or query parameter
  (:func:`gc_http_authorize`, this module being one of the core's plugins).

A signed token is ``v1.<client>.<expires>.<signature>``: ``client`` a name of the
client's choosing (``[A-Za-z0-9_-]``), ``expires`` Unix seconds, ``signature`` the hex
HMAC-SHA256 of ``v1.<client>.<expires>`` keyed with the secret (:func:`sign_token`), so
a deployment can hand out expiring credentials without sharing the secret.
"""
from __future__ import annotations

import hashlib
import hmac
import importlib
import ipaddress
import logging
import re
import ssl
import sys
import time
from typing import Optional
from urllib.parse import parse_qs

from .hookspecs import hookimpl

log = logging.getLogger("gc.security")
_TOKEN = re.compile(r"v1\.([A-Za-z0-9_-]{1,64})\.(\d{1,12})\.([0-9a-f]{64})")


def server_context(conf: dict) -> Optional[ssl.SSLContext]:
    """The listener's SSLContext from its section (None: plain TCP)."""
    factory = conf.get("tls_context") or ""
    if factory:
        module, _, name = factory.partition(":")
        ctx = getattr(importlib.import_module(module), name)()
        if not isinstance(ctx, ssl.SSLContext):
            raise TypeError(f"tls_context {factory} returned {type(ctx).__name__}, not an ssl.SSLContext")
        return ctx
    if not conf.get("tls_cert"):
        return None
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(conf["tls_cert"], conf.get("tls_key") or None)
    return ctx


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def warn_if_exposed(transport: str, host: str, tls: bool) -> None:
    """Loudly: a listener on a non-loopback address without TLS. One line on stderr:
    the log (which writes to stderr) when it shows warnings, else printed there."""
    if tls or is_loopback(host):
        return
    message = (f"WARNING: the {transport} listener binds {host or '0.0.0.0'} (not loopback) WITHOUT TLS: "
               f"passwords and events cross the network in clear; set {transport}.tls_cert and "
               f"{transport}.tls_key (see docs/protocol.md, Security)")
    if log.isEnabledFor(logging.WARNING):
        log.warning(message)
    else:  # gc.log_level = "ERROR" must not hide it
        print(message, file=sys.stderr, flush=True)


def presented_credential(environ: dict) -> Optional[str]:
    """The credential an HTTP request (a WebSocket upgrade, a console request) presents:
    ``Authorization: Bearer <credential>``, else ``?credential=<credential>``; None if neither."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    values = parse_qs(environ.get("QUERY_STRING", "")).get("credential")
    return values[0] if values else None


@hookimpl
def gc_http_authorize(connector, environ, area):
    """With ``gc.client_secret`` set, a protected area (the console) needs the client
    credential (:func:`presented_credential`): False (401) without a valid one. Unset:
    None (no opinion; the area's own default applies)."""
    if not connector.client_credential.required:
        return None
    return connector.client_credential.valid(presented_credential(environ))


def sign_token(secret: str, client: str, expires: int) -> str:
    """A signed client credential for ``client`` valid until ``expires`` (Unix seconds)."""
    body = f"v1.{client}.{int(expires)}"
    return f"{body}.{hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()}"


class ClientCredential:
    """Checks the credential a client presents (see the module docstring)."""

    def __init__(self, secret: str):
        self.secret = secret

    @property
    def required(self) -> bool:
        return bool(self.secret)

    def valid(self, presented: Optional[str], now: Optional[float] = None) -> bool:
        if not self.secret:
            return True
        if not isinstance(presented, str) or not presented:
            return False
        if hmac.compare_digest(presented.encode("utf-8", "replace"), self.secret.encode()):
            return True
        m = _TOKEN.fullmatch(presented)
        if not m:
            return False
        client, expires, _ = m.groups()
        if int(expires) < (time.time() if now is None else now):
            return False
        return hmac.compare_digest(presented, sign_token(self.secret, client, int(expires)))
