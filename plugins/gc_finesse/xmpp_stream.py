"""One agent's notification stream: a slixmpp client on the shared XMPP thread.

What Finesse needs from it (reference section 8):
- JID ``{id}@{xmppDomain}/{resource}``; the resource is GC's prefix plus a random
  suffix, never ``desktop`` (Finesse's own desktop uses it) and unique per stream,
  so a reconnecting agent's new stream does not kick out the old one before it is
  closed (a resource conflict would look like a lost node);
- presence with priority 0 right after the session starts (Openfire routes nothing
  before it; Prosody drops bare-JID notifications to a client without presence);
- the automatic subscriptions (``User/{id}``, ``User/{id}/Dialogs``, ``SystemInfo``)
  are *verified* by listing our subscriptions; a missing one is made explicitly
  with the full JID. Team and Queue nodes are explicit subscriptions with the full
  JID, removed before disconnecting (else they outlive the stream). Stale
  full-JID subscriptions of an earlier GC stream of the same agent are removed;
- keep-alive: XEP-0199 pings to the server, driven by :class:`Pinger` (one task
  for every stream, not one timer each); two unanswered pings abort the stream,
  which the backend then sees as a lost stream;
- the ``finesse`` user's presence is tracked: it is one of the three conditions of
  a usable node (reference section 1);
- at most :data:`LOGINS_IN_FLIGHT` streams of a thread log in at once (connect to
  session start): with two thousand agents connecting in the same second, more
  connections arrive than the XMPP server's accept queue holds (Prosody's: 128)
  and some logins were reset mid-way (42 of 2,000 in a benchmark run). 100 keeps
  under that queue and is what the benchmark's bare clients use; 32 made 2,000
  sign-ins 2.30x the bare logins where 100 gave 1.81x (and 200 no better, 1.83x:
  ``bench/finesse_latency.py --agents 2000``, one run each, idle 2 cores).

Everything here runs on the XMPP thread except the small gevent-side API
(:meth:`AgentStream.open`, :meth:`~AgentStream.close`, :meth:`~AgentStream.subscribe`,
:meth:`~AgentStream.unsubscribe`). Items are parsed here (CPU off the hub) and the
resulting domain events cross to gevent in order.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
import ssl
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Protocol

from slixmpp import ClientXMPP
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher.base import MatcherBase

from .notifications import MAX_EVENTS, updates_from_item

if TYPE_CHECKING:  # pragma: no cover
    from .xmpp_bridge import XmppThread

log = logging.getLogger("gc.finesse.xmpp")

NS_CLIENT = "jabber:client"
NS_PUBSUB = "http://jabber.org/protocol/pubsub"
NS_EVENT = "http://jabber.org/protocol/pubsub#event"
NS_PING = "urn:xmpp:ping"
_MESSAGE = f"{{{NS_CLIENT}}}message"
_EVENT = f"{{{NS_EVENT}}}event"
_ITEMS = f"{{{NS_EVENT}}}items"
_ITEM = f"{{{NS_EVENT}}}item"
API = "/finesse/api"
LOGINS_IN_FLIGHT = 100  # per XMPP thread; the rest wait their turn (within their login timeout)


class StreamError(Exception):
    """The stream could not be opened (connection refused, timeout, stream error)."""


class StreamAuthError(StreamError):
    """The XMPP server refused the agent's credentials."""


class StreamListener(Protocol):
    """Called in the dispatcher greenlet (gevent side), in the order things happened."""

    def on_stream_events(self, stream: "AgentStream", events: list) -> None: ...

    def on_stream_lost(self, stream: "AgentStream", reason: str) -> None: ...

    def on_finesse_presence(self, stream: "AgentStream", available: bool) -> None: ...


@dataclass
class StreamSettings:
    domain: str
    pubsub_domain: str
    tls: str = "starttls"                 # starttls | direct | none
    ssl_context: Optional[ssl.SSLContext] = None
    resource_prefix: str = "gc"
    timeout: float = 15.0                 # login + subscription check
    iq_timeout: float = 10.0


class _PubsubEvent(MatcherBase):
    """Matches ``<message><event xmlns=pubsub#event>`` (cheaper than an XPath)."""

    def __init__(self):
        super().__init__("pubsub event")

    def match(self, stanza) -> bool:
        xml = stanza.xml
        return xml.tag == _MESSAGE and xml.find(_EVENT) is not None


class AgentStream:
    def __init__(self, thread: "XmppThread", agent_id: str, secret: str, settings: StreamSettings,
                 listener: StreamListener):
        if settings.resource_prefix.lower() == "desktop":
            raise ValueError("the XMPP resource 'desktop' belongs to the Finesse desktop")
        self.thread = thread
        self.agent_id = agent_id
        self._secret = secret
        self.settings = settings
        self.listener = listener
        self.bare_jid = f"{agent_id}@{settings.domain}"
        self.resource = f"{settings.resource_prefix}-{_RUN}{next(_SEQ):x}"
        self.full_jid = f"{self.bare_jid}/{self.resource}"
        self.finesse_jid = f"finesse@{settings.domain}"
        self.explicit: set[str] = set()       # nodes we subscribed with our full JID
        self.finesse_available = False
        self.connected = False
        self.closing = False
        self.node_key = None                  # which Finesse node this stream is on (set by the backend)
        self.missed_pings = 0
        self.pings = 0                        # answered keep-alive pings
        self._finesse_resources: set[str] = set()
        self._xmpp: Optional[ClientXMPP] = None
        self._lost_reason = ""

    def __repr__(self) -> str:
        return f"<AgentStream {self.full_jid} {'up' if self.connected else 'down'}>"

    # -- gevent side -----------------------------------------------------------------------
    def open(self, ip: str, port: int) -> None:
        """Connect, authenticate, send presence, verify subscriptions. Blocks the
        calling greenlet; raises StreamAuthError or StreamError."""
        import gevent
        try:
            self.thread.call(self._open(ip, port), timeout=self.settings.timeout + 2)
        except gevent.Timeout:
            self.thread.submit(self._abort)
            raise StreamError(f"XMPP login of {self.agent_id} timed out") from None

    def close(self) -> None:
        """Unsubscribe the explicit nodes, presence unavailable, disconnect: in the
        background (a caller never waits for a slow server)."""
        if self.closing:
            return
        self.closing = True
        self.thread.spawn(self._close())

    def close_wait(self, timeout: float = 5.0) -> None:
        import gevent
        self.closing = True
        try:
            self.thread.call(self._close(), timeout=timeout)
        except (gevent.Timeout, RuntimeError):
            self.thread.submit(self._abort)
        except Exception:
            log.debug("closing %s", self.full_jid, exc_info=True)

    def subscribe(self, node: str) -> None:
        import gevent
        try:
            self.thread.call(self._subscribe(node), timeout=self.settings.iq_timeout + 1)
        except gevent.Timeout:
            raise StreamError(f"subscribing {node} timed out") from None

    def unsubscribe(self, node: str) -> None:
        import gevent
        try:
            self.thread.call(self._unsubscribe(node), timeout=self.settings.iq_timeout + 1)
        except gevent.Timeout:
            raise StreamError(f"unsubscribing {node} timed out") from None

    # -- XMPP thread ----------------------------------------------------------------------------
    def _new_client(self) -> ClientXMPP:
        s = self.settings
        x = ClientXMPP(self.full_jid, self._secret, sasl_mech="PLAIN",
                       ssl_context=s.ssl_context or _default_ssl_context(),
                       plugin_config={"feature_mechanisms": {"unencrypted_plain": s.tls == "none"}})
        x.enable_starttls = s.tls == "starttls"
        x.enable_direct_tls = s.tls == "direct"
        x.enable_plaintext = s.tls == "none"
        x.whitespace_keepalive = False  # Pinger's XEP-0199 pings also detect a dead server
        x.register_handler(Callback("finesse notification", _PubsubEvent(), self._on_message))
        return x

    async def _open(self, ip: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.timeout  # for the turn and the login together
        slots = self.thread.login_slots()
        try:
            await asyncio.wait_for(slots.acquire(), self.settings.timeout)
        except asyncio.TimeoutError:
            raise StreamError(f"XMPP login of {self.agent_id} timed out waiting for its turn") from None
        try:
            await self._login(ip, port, max(0.1, deadline - loop.time()))
        finally:
            slots.release()
        self.connected = True
        x = self._xmpp
        x.send_presence(ppriority=0)
        try:
            await self._verify_subscriptions()
        except BaseException:
            self._abort()
            raise

    async def _login(self, ip: str, port: int, timeout: float) -> None:
        """Connect and authenticate (until session start, within ``timeout`` s);
        raises StreamError (StreamAuthError for refused credentials)."""
        loop = asyncio.get_running_loop()
        started: asyncio.Future = loop.create_future()
        x = self._new_client()
        self._xmpp = x

        def fail(exc: Exception) -> None:
            if not started.done():
                started.set_exception(exc)

        def on_session_start(_event) -> None:
            if not started.done():
                started.set_result(True)

        def on_failed_auth(_event) -> None:
            fail(StreamAuthError(f"XMPP server refused the credentials of {self.agent_id}"))

        def on_connection_failed(reason) -> None:
            x.cancel_connection_attempt()  # no background retry loop: the backend decides
            fail(StreamError(f"cannot reach the XMPP server: {reason}"))

        def on_stream_error(err) -> None:
            self._lost_reason = f"stream error {err['condition']}"

        def on_disconnected(reason) -> None:
            was = self.connected
            self.connected = False
            self.finesse_available = False
            self._finesse_resources.clear()
            fail(StreamError(f"disconnected while logging in ({reason or self._lost_reason})"))
            if was and not self.closing:
                self.thread.to_gevent(self.listener.on_stream_lost, self,
                                      self._lost_reason or str(reason or "connection lost"))

        x.add_event_handler("session_start", on_session_start)
        x.add_event_handler("failed_auth", on_failed_auth)
        x.add_event_handler("connection_failed", on_connection_failed)
        x.add_event_handler("stream_error", on_stream_error)
        x.add_event_handler("disconnected", on_disconnected)
        x.add_event_handler("presence_available", self._on_presence)
        x.add_event_handler("presence_unavailable", self._on_presence)
        x.connect(ip, port)
        try:
            await asyncio.wait_for(started, timeout)
        except asyncio.TimeoutError:
            self._abort()
            raise StreamError(f"XMPP login of {self.agent_id} timed out") from None
        except BaseException:
            self._abort()
            raise

    def _abort(self) -> None:
        x = self._xmpp
        if x is not None:
            try:
                x.cancel_connection_attempt()
                x.abort()
            except Exception:
                pass
            # slixmpp cancels its sender task only in XMLStream.__del__, i.e. during
            # garbage collection, where the task dies pending ("Task was destroyed
            # but it is pending!"). Cancel it now, while the loop can finish it.
            task = getattr(x, "_run_out_filters", None)
            if task is not None and not task.done():
                task.cancel()

    def _on_presence(self, presence) -> None:
        sender = presence["from"]
        if sender.bare != self.finesse_jid:
            return
        if presence["type"] == "unavailable":
            self._finesse_resources.discard(sender.resource)
        else:
            self._finesse_resources.add(sender.resource)
        available = bool(self._finesse_resources)
        if available != self.finesse_available:
            self.finesse_available = available
            self.thread.to_gevent(self.listener.on_finesse_presence, self, available)

    def _on_message(self, msg) -> None:
        """A pubsub event: believed only from the pubsub service this stream subscribed
        to (any XMPP account of the domain can send a message carrying one)."""
        # the sender as sent is nearly always exactly the service's name: the JID is
        # parsed (about as costly as the rest of this check) only when it is not
        if msg.xml.get("from") != self.settings.pubsub_domain:
            sender = msg["from"]
            if sender.bare != self.settings.pubsub_domain:
                log.warning("%r: a pubsub event from %s, not from the pubsub service %s: ignored",
                            self, str(sender)[:100], self.settings.pubsub_domain)
                return
        events = []
        for items in msg.xml.iterfind(f"{_EVENT}/{_ITEMS}"):
            node = items.get("node", "")
            for item in items.iterfind(_ITEM):
                payload = None
                for child in item:  # <notification xmlns=pubsub>, escaped text or inline
                    payload = child if len(child) else (child.text or "")
                    break
                events.extend(updates_from_item(self.agent_id, node, payload))
        if len(events) > MAX_EVENTS:
            log.warning("%r: one pubsub message became %d events: the first %d kept", self, len(events), MAX_EVENTS)
            del events[MAX_EVENTS:]
        if events:
            self.thread.to_gevent(self.listener.on_stream_events, self, events)

    # -- pubsub ---------------------------------------------------------------------------
    async def _pubsub_iq(self, itype: str, payload: ET.Element):
        iq = self._xmpp.Iq(stype=itype, sto=self.settings.pubsub_domain)
        ps = ET.Element(f"{{{NS_PUBSUB}}}pubsub")
        ps.append(payload)
        iq.append(ps)
        return await iq.send(timeout=self.settings.iq_timeout)

    def automatic_nodes(self) -> list[str]:
        return [f"{API}/User/{self.agent_id}", f"{API}/User/{self.agent_id}/Dialogs", f"{API}/SystemInfo"]

    async def _verify_subscriptions(self) -> None:
        try:
            result = await self._pubsub_iq("get", ET.Element(f"{{{NS_PUBSUB}}}subscriptions"))
        except (IqError, IqTimeout) as exc:
            # The server cannot list them: trust Finesse's automatic subscriptions
            # (subscribing again would deliver every notification twice).
            log.warning("cannot verify the subscriptions of %s (%s): assuming Finesse's automatic ones",
                        self.agent_id, getattr(exc, "condition", "timeout"))
            return
        mine = {self.bare_jid, self.full_jid}
        have: set[str] = set()
        stale: list[tuple[str, str]] = []
        own_prefix = f"{self.bare_jid}/{self.settings.resource_prefix}-"
        for sub in result.xml.iter(f"{{{NS_PUBSUB}}}subscription"):
            node, jid, state = sub.get("node", ""), sub.get("jid", ""), sub.get("subscription", "subscribed")
            if state != "subscribed":
                continue
            if jid in mine:
                have.add(node)
            elif jid.startswith(own_prefix):
                stale.append((node, jid))
        for node in self.automatic_nodes():
            if node not in have:
                log.warning("%s is not subscribed to %s: subscribing it explicitly", self.agent_id, node)
                try:
                    await self._subscribe(node)
                except StreamError as exc:  # no such node on this server: nothing will come from it
                    log.warning("%s: %s", self.agent_id, exc)
        for node, jid in stale:  # left behind by a GC stream that could not unsubscribe
            try:
                await self._pubsub_iq("set", ET.Element(f"{{{NS_PUBSUB}}}unsubscribe", {"node": node, "jid": jid}))
            except (IqError, IqTimeout):
                pass

    async def _subscribe(self, node: str) -> None:
        if node in self.explicit:
            return
        try:
            await self._pubsub_iq("set", ET.Element(f"{{{NS_PUBSUB}}}subscribe", {"node": node, "jid": self.full_jid}))
        except IqError as exc:
            raise StreamError(f"subscribing {node} refused: {exc.condition}") from None
        except IqTimeout:
            raise StreamError(f"subscribing {node} timed out") from None
        self.explicit.add(node)

    async def _unsubscribe(self, node: str) -> None:
        if node not in self.explicit:
            return
        self.explicit.discard(node)
        if self._xmpp is None or not self.connected:
            return
        try:
            await self._pubsub_iq("set", ET.Element(f"{{{NS_PUBSUB}}}unsubscribe", {"node": node, "jid": self.full_jid}))
        except (IqError, IqTimeout) as exc:
            log.info("unsubscribing %s from %s: %s", self.agent_id, node, getattr(exc, "condition", "timeout"))

    async def _close(self) -> None:
        self.closing = True
        x = self._xmpp
        if x is None:
            return
        try:
            if self.connected:
                for node in list(self.explicit):
                    await self._unsubscribe(node)
                x.send_presence(ptype="unavailable")
                await asyncio.wait_for(x.disconnect(wait=1.0), 3.0)
        except Exception:
            pass
        finally:
            self.connected = False
            self._abort()
            self._xmpp = None

    async def ping(self, timeout: float) -> bool:
        """One XEP-0199 ping to the server; True when anything answered (an error
        answer proves the server alive too)."""
        x = self._xmpp
        if x is None or not self.connected:
            return False
        iq = x.Iq(stype="get", sto=self.settings.domain)
        iq.append(ET.Element(f"{{{NS_PING}}}ping"))
        try:
            await iq.send(timeout=timeout)
        except IqError:
            return True
        except (IqTimeout, Exception):
            return False
        return True


class Pinger:
    """Keeps every stream alive with staggered XEP-0199 pings: one task on the XMPP
    thread makes one pass over all streams per ``interval`` seconds (not a timer per
    stream). The first unanswered ping of a stream calls ``on_miss(stream)`` in the
    gevent dispatcher (the backend probes the node at once: a silent server is
    noticed within about ``interval`` + ``timeout``); after ``retries`` + 1
    unanswered pings in a row the stream is aborted (a dead server does not always
    close the socket)."""

    def __init__(self, thread: "XmppThread", streams_fn, interval: float = 15.0, timeout: float = 10.0,
                 retries: int = 2, on_miss=None):
        self.thread = thread
        self.streams_fn = streams_fn  # -> list of AgentStream (a snapshot, safe to iterate)
        self.interval = interval
        self.timeout = timeout
        self.retries = retries
        self.on_miss = on_miss
        self._task = None

    def start(self) -> None:
        if self.interval > 0:
            self.thread.submit(self._start)

    def _start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            streams = [s for s in self.streams_fn() if s.connected and not s.closing]
            if not streams:
                await asyncio.sleep(self.interval)
                continue
            gap = self.interval / len(streams)
            for s in streams:
                self.thread.keep(asyncio.get_running_loop().create_task(self._ping(s)))
                await asyncio.sleep(gap)

    async def _ping(self, s: AgentStream) -> None:
        if await s.ping(self.timeout):
            s.missed_pings = 0
            s.pings += 1
            return
        s.missed_pings += 1
        if s.missed_pings == 1 and self.on_miss is not None and s.connected and not s.closing:
            self.thread.to_gevent(self.on_miss, s)
        if s.missed_pings > self.retries and s.connected and not s.closing:
            log.warning("%s: %d pings unanswered: dropping the stream", s.full_jid, s.missed_pings)
            s._lost_reason = "keep-alive pings unanswered"
            s._abort()

    def stop(self) -> None:
        task = self._task
        if task is not None:
            self.thread.submit(task.cancel)


# Resources: one random part per process and a counter (os.urandom per stream cost
# half a millisecond each under load); unique across GC restarts all the same.
_RUN = secrets.token_hex(3)
_SEQ = itertools.count(1)

_SSL: Optional[ssl.SSLContext] = None


def _default_ssl_context() -> ssl.SSLContext:
    # slixmpp builds one per client when given none (22 ms each: the CA bundle);
    # one shared context for all streams.
    global _SSL
    if _SSL is None:
        _SSL = ssl.create_default_context()
    return _SSL
