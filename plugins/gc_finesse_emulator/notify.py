"""The notification side of one emulated Finesse node: its ``finesse`` XMPP user.

:class:`NodePublisher` logs in to the node's Prosody as ``finesse@{domain}`` (an
admin, so it owns the pubsub service), sends presence AVAILABLE (agents have it in
their roster, so they see it come and go) and publishes Update envelopes the way
Finesse does: the Update as escaped text inside ``<notification
xmlns='http://jabber.org/protocol/pubsub'>`` in a pubsub item. (The nodes and the
automatic subscriptions are Prosody storage written before it starts, see
``ProsodyServer.add_pubsub_node``.)

It lives on the emulator's asyncio thread; :meth:`publish` may be called from any
thread and keeps the order of calls (items go out on one stream, in order).
"""
from __future__ import annotations

import asyncio
import collections
import itertools
import logging
import ssl
from typing import Optional
from xml.sax.saxutils import escape, quoteattr

from slixmpp import ClientXMPP
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import StanzaPath

from .runtime import AsyncioThread

log = logging.getLogger("gc_finesse_emulator.xmpp")

NS_PUBSUB = "http://jabber.org/protocol/pubsub"

# The configuration of every Finesse node (util.pubsub's keys). Finesse keeps no
# history: items are not persisted, so Prosody stores nothing and memory stays flat
# with thousands of agents. Open access: any user may subscribe (Team and Queue
# nodes need explicit subscriptions); only the owner (``finesse``) publishes.
NODE_CONFIG = {"persist_items": False, "max_items": 1, "access_model": "open",
               "publish_model": "publishers", "notification_type": "headline"}

_SSL_CONTEXT: Optional[ssl.SSLContext] = None


def _ssl_context() -> ssl.SSLContext:
    # slixmpp wants one even for plain streams; share it (each new one loads the CA bundle).
    global _SSL_CONTEXT
    if _SSL_CONTEXT is None:
        _SSL_CONTEXT = ssl.create_default_context()
    return _SSL_CONTEXT


class PublisherError(RuntimeError):
    pass


class NodePublisher:
    """The ``finesse`` user of one node (see module docstring)."""

    def __init__(self, xmpp_thread: AsyncioThread, host: str, port: int, domain: str, pubsub_domain: str,
                 user: str = "finesse", password: str = "finesse", resource: str = "emulator"):
        self.thread = xmpp_thread
        self.host = host
        self.port = port
        self.domain = domain
        self.pubsub_domain = pubsub_domain
        self.jid = f"{user}@{domain}/{resource}"
        self.password = password
        self._xmpp: Optional[ClientXMPP] = None
        self._ids = itertools.count(1)
        self._session_started = False
        self.published = 0
        self.errors: collections.deque = collections.deque(maxlen=100)  # the last pubsub errors

    @property
    def connected(self) -> bool:
        x = self._xmpp
        return x is not None and x.is_connected() and self._session_started

    # -- lifecycle (blocking; call from any thread but the XMPP one) --------------
    def connect(self, timeout: float = 10.0) -> None:
        self.thread.run(self._connect(timeout), timeout + 1)

    def disconnect(self, timeout: float = 5.0) -> None:
        """Presence goes unavailable for every agent watching ``finesse``."""
        if self._xmpp is not None and self.thread.running:
            self.thread.run(self._disconnect(), timeout + 1)

    def publish(self, node: str, update_xml: str) -> None:
        """Queue one notification (thread-safe, non-blocking, order kept)."""
        self.thread.submit(self._publish, node, update_xml)

    # -- on the asyncio thread ------------------------------------------------------
    async def _connect(self, timeout: float) -> None:
        self._session_started = False
        xmpp = ClientXMPP(self.jid, self.password, sasl_mech="PLAIN", ssl_context=_ssl_context(),
                          plugin_config={"feature_mechanisms": {"unencrypted_plain": True}})
        xmpp.enable_starttls = False
        xmpp.enable_direct_tls = False
        xmpp.enable_plaintext = True
        started: asyncio.Future = asyncio.get_running_loop().create_future()

        def on_session_start(_event):
            self._session_started = True
            xmpp.send_presence()  # AVAILABLE, priority 0
            if not started.done():
                started.set_result(True)

        def on_failed_auth(_event):
            if not started.done():
                started.set_exception(PublisherError(f"{self.jid}: authentication failed"))

        def on_disconnected(_event):
            self._session_started = False
            if not started.done():
                started.set_exception(PublisherError(f"{self.jid}: disconnected while connecting"))

        xmpp.add_event_handler("session_start", on_session_start)
        xmpp.add_event_handler("failed_auth", on_failed_auth)
        xmpp.add_event_handler("disconnected", on_disconnected)
        xmpp.register_handler(Callback("emulator iq errors", StanzaPath("iq@type=error"), self._on_iq_error))
        self._xmpp = xmpp
        xmpp.connect(self.host, self.port)
        try:
            await asyncio.wait_for(started, timeout)
        except BaseException:
            xmpp.abort()
            self._xmpp = None
            raise

    async def _disconnect(self) -> None:
        xmpp, self._xmpp = self._xmpp, None
        self._session_started = False
        if xmpp is None:
            return
        try:
            if xmpp.is_connected():
                xmpp.send_presence(ptype="unavailable")
                await asyncio.wait_for(xmpp.disconnect(wait=1.0), 3.0)
        except Exception:
            pass
        finally:
            try:
                xmpp.abort()
            except Exception:
                pass
            # slixmpp would leave its send-filter task pending for the garbage collector
            task = getattr(xmpp, "_run_out_filters", None)
            if task is not None and not task.done():
                task.cancel()
                await asyncio.wait([task], timeout=1)

    def _on_iq_error(self, iq) -> None:
        msg = f"pubsub error on {iq['id']}: {iq['error']['condition']} {iq['error']['text']}"
        log.warning(msg)
        self.errors.append(msg)

    def _publish(self, node: str, update_xml: str) -> None:
        xmpp = self._xmpp
        if xmpp is None or not xmpp.is_connected():
            log.debug("node down, notification on %s dropped", node)
            return
        # Raw stanza: a fraction of the cost of building slixmpp stanza objects, and
        # the payload text is escaped exactly once, as Finesse's is.
        xmpp.send_raw(
            f"<iq type='set' id='pub{next(self._ids)}' to={quoteattr(self.pubsub_domain)}>"
            f"<pubsub xmlns='{NS_PUBSUB}'><publish node={quoteattr(node)}><item>"
            f"<notification xmlns='{NS_PUBSUB}'>{escape(update_xml)}</notification>"
            f"</item></publish></pubsub></iq>")
        self.published += 1
