"""One agent's XMPP stream (gc_finesse.xmpp_stream) on the bridge thread, against a
real Prosody (the emulator's ProsodyServer) and a pubsub owner of the test's own
playing the ``finesse`` user: presence, subscription checks and clean-up, escaped
and inline notifications, a refused password, the finesse user's presence, and a
server that dies."""
from __future__ import annotations

import asyncio
import os
import signal
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

import gevent
import pytest
from slixmpp import ClientXMPP

from gc_core.domain import UserChanged
from gc_finesse.xmpp_bridge import XmppThread
from gc_finesse.xmpp_stream import AgentStream, Pinger, StreamAuthError, StreamSettings
from gc_finesse_emulator import xmlcodec as X
from gc_finesse_emulator.prosody import ProsodyServer

from .test_notifications import USER

DOMAIN = "xs.local"
PUBSUB = f"pubsub.{DOMAIN}"
NS = "http://jabber.org/protocol/pubsub"
NS_OWNER = "http://jabber.org/protocol/pubsub#owner"
API = "/finesse/api"


class Owner:
    """The pubsub service owner (``finesse``), run on the bridge thread's loop."""

    def __init__(self, thread: XmppThread, port: int):
        self.thread, self.port = thread, port
        self.x = None
        self._n = 0

    def connect(self):
        async def go():
            x = ClientXMPP(f"finesse@{DOMAIN}/owner", "fpw", sasl_mech="PLAIN",
                           plugin_config={"feature_mechanisms": {"unencrypted_plain": True}})
            x.enable_starttls = x.enable_direct_tls = False
            x.enable_plaintext = True
            started = asyncio.get_running_loop().create_future()
            x.add_event_handler("session_start", lambda _: (x.send_presence(), started.set_result(True)))
            x.connect("127.0.0.1", self.port)
            await asyncio.wait_for(started, 10)
            self.x = x
        self.thread.call(go(), timeout=15)

    def iq(self, itype: str, payload: ET.Element):
        async def go():
            iq = self.x.Iq(stype=itype, sto=PUBSUB)
            iq.append(payload)
            return await iq.send(timeout=10)
        return self.thread.call(go(), timeout=15)

    def create(self, node: str) -> None:
        ps = ET.Element(f"{{{NS}}}pubsub")
        ET.SubElement(ps, f"{{{NS}}}create", {"node": node})
        try:
            self.iq("set", ps)
        except Exception as exc:  # already there
            if "conflict" not in repr(exc):
                raise

    def subscribe_other(self, node: str, jid: str) -> None:
        ps = ET.Element(f"{{{NS_OWNER}}}pubsub")
        subs = ET.SubElement(ps, f"{{{NS_OWNER}}}subscriptions", {"node": node})
        ET.SubElement(subs, f"{{{NS_OWNER}}}subscription", {"jid": jid, "subscription": "subscribed"})
        self.iq("set", ps)

    def subscribers(self, node: str) -> set:
        ps = ET.Element(f"{{{NS_OWNER}}}pubsub")
        ET.SubElement(ps, f"{{{NS_OWNER}}}subscriptions", {"node": node})
        result = self.iq("get", ps)
        return {s.get("jid") for s in result.xml.iter(f"{{{NS_OWNER}}}subscription")
                if s.get("subscription") == "subscribed"}

    def publish(self, node: str, inner: str) -> None:
        """``inner`` goes inside <notification> as is (escaped text or an element)."""
        self._n += 1
        raw = (f"<iq type='set' id='p{self._n}' to={quoteattr(PUBSUB)}><pubsub xmlns='{NS}'>"
               f"<publish node={quoteattr(node)}><item><notification xmlns='{NS}'>{inner}</notification>"
               f"</item></publish></pubsub></iq>")
        self.thread.submit(self.x.send_raw, raw)

    def presence(self, available: bool) -> None:
        self.thread.submit(lambda: self.x.send_presence(ptype=None if available else "unavailable"))

    def disconnect(self):
        async def go():
            await asyncio.wait_for(self.x.disconnect(wait=0.5), 3)
        try:
            self.thread.call(go(), timeout=5)
        except Exception:
            pass


class Listener:
    def __init__(self):
        self.events: list = []
        self.lost: list = []
        self.presence: list = []

    def on_stream_events(self, stream, events):
        self.events.extend(events)

    def on_stream_lost(self, stream, reason):
        self.lost.append(reason)

    def on_finesse_presence(self, stream, available):
        self.presence.append(available)


def wait_for(predicate, timeout=10.0):
    deadline = gevent.get_hub().loop.now() + timeout
    while not predicate():
        if gevent.get_hub().loop.now() > deadline:
            raise AssertionError("condition not reached")
        gevent.sleep(0.01)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    server = ProsodyServer(DOMAIN, admins=["finesse"], workdir=tmp_path_factory.mktemp("prosody"))
    server.add_user("finesse", "fpw", roster={f"{a}@{DOMAIN}": "from" for a in ("1001", "1002", "1003")})
    for a in ("1001", "1002", "1003"):
        server.add_user(a, "pw", roster={f"finesse@{DOMAIN}": "to"})
    server.start()
    thread = XmppThread().start()
    owner = Owner(thread, server.port)
    owner.connect()
    for a in ("1001", "1002", "1003"):
        for node in (f"{API}/User/{a}", f"{API}/User/{a}/Dialogs"):
            owner.create(node)
    owner.create(f"{API}/SystemInfo")
    owner.create(f"{API}/Team/1/Users")
    yield server, thread, owner
    owner.disconnect()
    thread.stop()
    server.cleanup()


def stream_for(thread, agent, password="pw", **kw):
    listener = Listener()
    s = AgentStream(thread, agent, password, StreamSettings(DOMAIN, PUBSUB, tls="none", timeout=5, **kw), listener)
    return s, listener


def test_open_verifies_subscriptions_and_close_removes_explicit_ones(world):
    server, thread, owner = world
    owner.subscribe_other(f"{API}/User/1001", f"1001@{DOMAIN}")  # automatic, as Finesse does it
    s, listener = stream_for(thread, "1001")
    s.open("127.0.0.1", server.port)
    # Dialogs and SystemInfo were not subscribed: the stream subscribed them (full JID)
    assert s.explicit == {f"{API}/User/1001/Dialogs", f"{API}/SystemInfo"}
    assert s.full_jid in owner.subscribers(f"{API}/User/1001/Dialogs")
    assert s.full_jid not in owner.subscribers(f"{API}/User/1001")  # the bare JID one is enough
    wait_for(lambda: listener.presence == [True])  # the finesse user is AVAILABLE
    s.subscribe(f"{API}/Team/1/Users")
    assert s.full_jid in owner.subscribers(f"{API}/Team/1/Users")
    s.close_wait()
    for node in (f"{API}/User/1001/Dialogs", f"{API}/SystemInfo", f"{API}/Team/1/Users"):
        assert s.full_jid not in owner.subscribers(node)
    assert listener.lost == []  # a stream we close is not a lost one


def test_escaped_and_inline_notifications_in_order(world):
    server, thread, owner = world
    owner.subscribe_other(f"{API}/User/1002", f"1002@{DOMAIN}")
    s, listener = stream_for(thread, "1002")
    s.open("127.0.0.1", server.port)
    try:
        user = USER.__class__(**{**USER.__dict__, "login_id": "1002"})
        update = X.user_update(user, "r-esc")
        owner.publish(f"{API}/User/1002", escape(update))                        # Finesse's way
        owner.publish(f"{API}/User/1002", X.user_update(user, "r-inline"))       # inline element
        owner.publish(f"{API}/User/1002", escape("<Update><data><user>"))        # broken: skipped
        owner.publish(f"{API}/User/1002", escape(X.user_update(user, "r-last")))
        wait_for(lambda: len(listener.events) == 3)
        assert [type(e) for e in listener.events] == [UserChanged] * 3
        assert [e.request_id for e in listener.events] == ["r-esc", "r-inline", "r-last"]
        assert listener.events[0].user.login_id == "1002"
    finally:
        s.close_wait()


def test_stale_subscription_of_an_earlier_gc_stream_is_removed(world):
    server, thread, owner = world
    stale = f"1003@{DOMAIN}/gc-deadbeef"
    owner.subscribe_other(f"{API}/Team/1/Users", stale)
    owner.subscribe_other(f"{API}/Team/1/Users", f"1003@{DOMAIN}/desktop")  # someone else's: kept
    s, _ = stream_for(thread, "1003")
    s.open("127.0.0.1", server.port)
    try:
        subs = owner.subscribers(f"{API}/Team/1/Users")
        assert stale not in subs and f"1003@{DOMAIN}/desktop" in subs
    finally:
        s.close_wait()


def test_wrong_password_is_an_auth_error(world):
    server, thread, _ = world
    s, _ = stream_for(thread, "1001", password="nope")
    with pytest.raises(StreamAuthError):
        s.open("127.0.0.1", server.port)


def test_desktop_resource_is_refused(world):
    _server, thread, _ = world
    with pytest.raises(ValueError):
        stream_for(thread, "1001", resource_prefix="desktop")


def test_finesse_presence_and_server_loss(world, tmp_path):
    # a server of its own: this test kills it
    server = ProsodyServer(DOMAIN, admins=["finesse"], workdir=tmp_path)
    server.add_user("finesse", "fpw", roster={f"1001@{DOMAIN}": "from"})
    server.add_user("1001", "pw", roster={f"finesse@{DOMAIN}": "to"})
    server.start()
    _server, thread, _ = world
    owner = Owner(thread, server.port)
    owner.connect()
    s, listener = stream_for(thread, "1001")
    try:
        s.open("127.0.0.1", server.port)
        wait_for(lambda: listener.presence == [True])
        owner.presence(False)
        wait_for(lambda: listener.presence == [True, False])
        owner.presence(True)
        wait_for(lambda: listener.presence == [True, False, True])
        server.kill()
        wait_for(lambda: len(listener.lost) == 1)
        assert not s.connected
    finally:
        s.close_wait()
        server.cleanup()


def test_keepalive_pings_and_a_frozen_server(world, tmp_path):
    """Pings are answered while the server lives; a server that keeps the socket
    open but stops answering (SIGSTOP on our own child) gets the stream dropped
    after the tolerated misses, and the listener hears it was lost."""
    server = ProsodyServer(DOMAIN, admins=["finesse"], workdir=tmp_path)
    server.add_user("finesse", "fpw")
    server.add_user("1001", "pw", roster={f"finesse@{DOMAIN}": "to"})
    server.start()
    _server, thread, _ = world
    s, listener = stream_for(thread, "1001")
    pinger = Pinger(thread, lambda: [s], interval=0.1, timeout=0.2, retries=2)
    try:
        s.open("127.0.0.1", server.port)
        pinger.start()
        wait_for(lambda: s.pings >= 3)
        assert s.missed_pings == 0 and listener.lost == []
        os.kill(server.pid, signal.SIGSTOP)
        try:
            wait_for(lambda: len(listener.lost) == 1, timeout=15)
        finally:
            os.kill(server.pid, signal.SIGCONT)
        assert listener.lost == ["keep-alive pings unanswered"] and s.missed_pings >= 3
    finally:
        pinger.stop()
        s.close_wait()
        server.cleanup()


def test_logins_in_flight_are_bounded(world, monkeypatch):
    """Many agents connecting at once log in a few at a time (an XMPP server's accept
    queue is short); every one of them gets its stream."""
    from gc_finesse import xmpp_stream
    server, _, _ = world
    monkeypatch.setattr(xmpp_stream, "LOGINS_IN_FLIGHT", 2)
    thread = XmppThread().start()  # its own thread: its own login slots
    inside, most = [0], [0]
    login = AgentStream._login

    async def counted(self, *args):
        inside[0] += 1
        most[0] = max(most[0], inside[0])
        try:
            await login(self, *args)
        finally:
            inside[0] -= 1
    monkeypatch.setattr(AgentStream, "_login", counted)
    streams = [stream_for(thread, a)[0] for a in ("1001", "1002", "1003") * 2]
    try:
        gevent.joinall([gevent.spawn(s.open, "127.0.0.1", server.port) for s in streams], raise_error=True)
        assert all(s.connected for s in streams)
        assert most[0] == 2
    finally:
        for s in streams:
            s.close_wait()
        thread.stop()
