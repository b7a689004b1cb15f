"""Does a Finesse node's notification service answer? Asked without any agent's
credentials, so GC can follow a node's XMPP side while no agent is signed in.

The check is the first step of every XMPP session (RFC 6120, section 4.2-4.3): open
a TCP connection to the node's XMPP port (``direct``: TLS first), send the initial
stream header for the XMPP domain, and wait for the server's response stream header
and its ``<stream:features/>``. A server that is down refuses the connection, one
that hangs sends nothing, and one that does not serve the domain answers with a
``<stream:error/>``; only the features count as an answer. The stream is then
closed (``</stream:stream>``) before any authentication: Finesse's Openfire (and
the emulator's Prosody) log one short unauthenticated connection per probe.

With ``starttls`` the features are offered before TLS, as RFC 6120 section 5.3
describes, so the probe never needs a certificate; a ``direct`` (5223) port is
probed through the backend's TLS context.
"""
from __future__ import annotations

import ssl
from typing import Optional
from xml.etree import ElementTree

import gevent
from gevent import socket

STREAM_NS = "http://etherx.jabber.org/streams"
FEATURES, ERROR = f"{{{STREAM_NS}}}features", f"{{{STREAM_NS}}}error"
# Enough of a features element for any server: stream header + features stay far below.
MAX_ANSWER = 64 * 1024


class _Expired(Exception):
    """The probe's own deadline (connecting, TLS and reading together)."""


def stream_header(domain: str) -> bytes:
    """The initial stream header a client sends (RFC 6120, section 4.7)."""
    return (f"<?xml version='1.0'?><stream:stream to='{_attr(domain)}' version='1.0' "
            f"xmlns='jabber:client' xmlns:stream='{STREAM_NS}'>").encode()


def probe(ip: str, port: int, domain: str, timeout: float, *,
          ssl_context: Optional[ssl.SSLContext] = None) -> Optional[str]:
    """None when the XMPP server at ``ip``:``port`` answers a stream for ``domain``
    with its features within ``timeout`` seconds (connecting and reading together);
    else why not, in a few words (``"connection refused"``, ``"no stream features
    within 3.0 s"``, ``"stream error: host-unknown"``...). Never raises for network
    trouble; it is the answer."""
    sock = None
    try:
        with gevent.Timeout(timeout, _Expired):
            sock = socket.create_connection((ip, port), timeout=timeout)
            if ssl_context is not None:
                sock = ssl_context.wrap_socket(sock, server_hostname=domain or None)
            sock.sendall(stream_header(domain))
            return _read_features(sock)
    except (_Expired, socket.timeout):
        return f"no stream features within {timeout:.1f} s"
    except ssl.SSLError as exc:
        return f"TLS: {exc.reason or exc}"
    except OSError as exc:
        return exc.strerror.lower() if exc.strerror else str(exc)
    finally:
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass


def _read_features(sock) -> Optional[str]:
    """Parse the server's answer as it arrives: ``<stream:features>`` is the answer
    (the stream is closed then); ``<stream:error>`` names its condition. At most
    ``MAX_ANSWER`` bytes, and no DTD (so no entity can expand)."""
    parser = ElementTree.XMLPullParser(events=("start",))
    answer, error = b"", False
    while len(answer) < MAX_ANSWER:
        chunk = sock.recv(4096)
        if not chunk:
            return "connection closed before the stream features"
        answer += chunk
        if b"<!" in answer:  # RFC 6120 section 11.1: no DTD, no comment in a stream
            return "not an XMPP stream (a DTD or comment in it)"
        try:
            parser.feed(chunk)
            for _event, el in parser.read_events():
                if error:  # the first child of <stream:error> is its defined condition
                    return f"stream error: {el.tag.rsplit('}', 1)[-1]}"
                if el.tag == FEATURES:
                    try:
                        sock.sendall(b"</stream:stream>")
                    except OSError:
                        pass
                    return None
                error = el.tag == ERROR
        except ElementTree.ParseError as exc:
            return f"not an XMPP stream ({exc})"
    return "no stream features in the server's first 64 KB"


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace("'", "&apos;").replace("<", "&lt;")
