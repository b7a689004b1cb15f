"""A plain slixmpp subscriber for the emulator tests: it knows XMPP and XEP-0060,
nothing of the emulator's code. Each instance is one agent's XMPP session, on an
asyncio loop of its own native thread (shared by all subscribers of the process).

    sub = Subscriber(host, port, "1001@finesse.local", "secret").connect()
    update = sub.wait_for(lambda n: n.node == "/finesse/api/User/1001" and n.find("data/user/state") == "READY")
"""
from __future__ import annotations

import asyncio
import collections
import ssl
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Callable, Optional

import gevent.monkey
from slixmpp import ClientXMPP

_start_new_thread = gevent.monkey.get_original("_thread", "start_new_thread")
_DefaultSelector = gevent.monkey.get_original("selectors", "DefaultSelector")
_SSL = ssl.create_default_context()
NS_EVENT = "{http://jabber.org/protocol/pubsub#event}"
NS_PUBSUB = "{http://jabber.org/protocol/pubsub}"

_loop: Optional[asyncio.AbstractEventLoop] = None


def _thread_loop() -> asyncio.AbstractEventLoop:
    global _loop
    if _loop is None:
        loop = asyncio.SelectorEventLoop(_DefaultSelector())
        _start_new_thread(loop.run_forever, ())
        _wait(loop.is_running, 5, "subscriber loop")
        _loop = loop
    return _loop


def _wait(pred: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.002)


def _run(coro, timeout: float = 15):
    fut = asyncio.run_coroutine_threadsafe(coro, _thread_loop())
    _wait(fut.done, timeout, getattr(coro, "__name__", "coroutine"))
    return fut.result()


@dataclass
class Notification:
    """One pubsub item: the node, the raw escaped-then-unescaped text and the parsed Update."""
    node: str
    text: str
    update: ET.Element
    item_xml: str  # the <item> as received (for checking the escaping)

    def find(self, path: str) -> Optional[str]:
        """Text of ``path`` under ``<Update>`` ("" if empty, None if absent)."""
        el = self.update.find(path)
        return None if el is None else (el.text or "")

    @property
    def event(self) -> str:
        return self.find("event") or ""

    @property
    def request_id(self) -> str:
        return self.find("requestId") or ""

    @property
    def source(self) -> str:
        return self.find("source") or ""

    @property
    def data(self) -> ET.Element:
        return self.update.find("data")[0]


class Subscriber:
    def __init__(self, host: str, port: int, jid: str, password: str, resource: str = "gc-test"):
        self.host, self.port = host, port
        self.jid = f"{jid}/{resource}"
        self.password = password
        self.notifications: collections.deque = collections.deque()
        self.presence: dict[str, str] = {}  # bare JID -> "available" | "unavailable"
        self.disconnected = False
        self._xmpp: Optional[ClientXMPP] = None

    # -- session ---------------------------------------------------------------
    def connect(self, timeout: float = 15) -> "Subscriber":
        _run(self._connect(), timeout)
        return self

    async def _connect(self):
        # a shared SSL context: slixmpp would otherwise load the CA bundle per client (~60 ms)
        x = ClientXMPP(self.jid, self.password, sasl_mech="PLAIN", ssl_context=_SSL,
                       plugin_config={"feature_mechanisms": {"unencrypted_plain": True}})
        x.enable_starttls = x.enable_direct_tls = False
        x.enable_plaintext = True
        x.register_plugin("xep_0060")
        started = asyncio.get_running_loop().create_future()

        def on_start(_):
            x.send_presence()
            if not started.done():
                started.set_result(True)

        def on_fail(_):
            if not started.done():
                started.set_exception(PermissionError("authentication failed"))

        x.add_event_handler("session_start", on_start)
        x.add_event_handler("failed_auth", on_fail)
        x.add_event_handler("pubsub_publish", self._on_item)
        x.add_event_handler("presence_available", lambda p: self.presence.__setitem__(p["from"].bare, "available"))
        x.add_event_handler("presence_unavailable",
                            lambda p: self.presence.__setitem__(p["from"].bare, "unavailable"))
        x.add_event_handler("disconnected", lambda _: setattr(self, "disconnected", True))
        self._xmpp = x
        x.connect(self.host, self.port)
        await asyncio.wait_for(started, 10)

    def _on_item(self, msg):
        items = msg.xml.find(f"{NS_EVENT}event/{NS_EVENT}items")
        node = items.get("node")
        for item in items.findall(f"{NS_EVENT}item"):
            notif = item.find(f"{NS_PUBSUB}notification")
            text = notif.text or ""
            self.notifications.append(Notification(node, text, ET.fromstring(text),
                                                   ET.tostring(item, encoding="unicode")))

    def subscribe(self, node: str, pubsub: str) -> None:
        """Explicit subscription with the full JID (Team and Queue nodes)."""
        async def sub():
            return await self._xmpp.plugin["xep_0060"].subscribe(pubsub, node, bare=False)
        _run(sub())

    def unsubscribe(self, node: str, pubsub: str) -> None:
        async def unsub():
            return await self._xmpp.plugin["xep_0060"].unsubscribe(pubsub, node, bare=False)
        _run(unsub())

    def disconnect(self) -> None:
        x, self._xmpp = self._xmpp, None
        if x is None or self.disconnected:
            return

        async def bye():
            try:
                await asyncio.wait_for(x.disconnect(wait=0.5), 3)
            except Exception:
                x.abort()
            # slixmpp leaves its send-filter task to be garbage collected while pending
            task = getattr(x, "_run_out_filters", None)
            if task is not None and not task.done():
                task.cancel()
                await asyncio.wait([task], timeout=1)
        try:
            _run(bye(), 5)
        except Exception:
            pass

    # -- observation -------------------------------------------------------------
    def wait_for(self, predicate: Callable[[Notification], bool], timeout: float = 10,
                 what: str = "notification") -> Notification:
        """The first received notification matching ``predicate``; it is consumed with
        every notification received before it."""
        deadline = time.monotonic() + timeout
        while True:
            while self.notifications:
                n = self.notifications.popleft()
                if predicate(n):
                    return n
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} within {timeout}s")
            time.sleep(0.005)

    def drain(self) -> list:
        out = list(self.notifications)
        self.notifications.clear()
        return out

    def wait_presence(self, jid: str, value: str, timeout: float = 10) -> None:
        _wait(lambda: self.presence.get(jid) == value, timeout, f"presence {value} of {jid}")


def shutdown() -> None:
    """Stop the subscribers' loop (end of session): cancel leftovers, close the loop."""
    global _loop
    loop, _loop = _loop, None
    if loop is None:
        return

    async def cancel_all():
        for _ in range(10):  # slixmpp's filter tasks may need more than one cancellation
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            if not tasks:
                return
            for t in tasks:
                t.cancel()
            await asyncio.wait(tasks, timeout=0.5)
    try:
        asyncio.run_coroutine_threadsafe(cancel_all(), loop).result(5)
    except Exception:
        pass
    loop.call_soon_threadsafe(loop.stop)
    _wait(lambda: not loop.is_running(), 5, "subscriber loop to stop")
    loop.close()
