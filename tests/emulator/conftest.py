"""Fixtures of the emulator suite: the emulator (gc_finesse_emulator.testing), plain
XMPP subscribers (emulator_xmpp) and a plain-requests Finesse client."""
from __future__ import annotations

import time

import pytest
import requests

from gc_finesse_emulator.testing import finesse_clusters, finesse_emulator  # noqa: F401  (fixtures)

from . import emulator_xmpp

PASSWORD = "secret"  # every agent of the default site


@pytest.fixture(scope="session", autouse=True)
def _subscriber_loop():
    yield
    emulator_xmpp.shutdown()


@pytest.fixture(scope="session", autouse=True)
def _report_startup(finesse_clusters, request):
    yield
    times = [f"{flavour} {'2 nodes' if secondary else '1 node'}: {c.started_in:.2f}s"
             for (flavour, secondary), c in finesse_clusters.clusters.items()]
    if times:
        request.config._emulator_startup = times  # shown by pytest_terminal_summary


def pytest_terminal_summary(terminalreporter, config):
    times = getattr(config, "_emulator_startup", None)
    if times:
        terminalreporter.write_line("Finesse emulator start-up (a Prosody per node): " + ", ".join(times))


class Finesse:
    """A plain-requests client of one emulated node, as one agent."""

    def __init__(self, node, agent: str | None = None, password: str = PASSWORD):
        self.node = node
        self.session = requests.Session()
        if agent:
            self.session.auth = (agent, password)
        self.agent = agent

    def url(self, path: str) -> str:
        return self.node.rest_url + path

    def get(self, path: str, **kw) -> requests.Response:
        return self.session.get(self.url(path), timeout=10, **kw)

    def put(self, path: str, xml: str | bytes, request_id: str | None = None, **kw) -> requests.Response:
        return self._send("PUT", path, xml, request_id, **kw)

    def post(self, path: str, xml: str | bytes, request_id: str | None = None, **kw) -> requests.Response:
        return self._send("POST", path, xml, request_id, **kw)

    def _send(self, method, path, xml, request_id, headers=None, **kw):
        h = {"Content-Type": "application/xml"}
        if request_id is not None:
            h["requestId"] = request_id
        h.update(headers or {})
        return self.session.request(method, self.url(path), data=xml, headers=h, timeout=10, **kw)

    def close(self):
        self.session.close()


@pytest.fixture
def finesse(finesse_emulator):
    """``finesse(agent, node="primary")`` -> a :class:`Finesse` client."""
    clients = []

    def make(agent=None, node="primary", password=PASSWORD):
        c = Finesse(finesse_emulator.node(node), agent, password)
        clients.append(c)
        return c
    yield make
    for c in clients:
        c.close()


@pytest.fixture
def xmpp(finesse_emulator):
    """``xmpp(agent, node="primary")`` -> a connected plain slixmpp subscriber, which
    already saw the ``finesse`` user's presence AVAILABLE."""
    subs = []

    def make(agent, node="primary", password=PASSWORD, resource="gc-test", wait_finesse=True):
        n = finesse_emulator.node(node)
        sub = emulator_xmpp.Subscriber(n.xmpp_host, n.xmpp_port, f"{agent}@{finesse_emulator.xmpp_domain}",
                                       password, resource=resource).connect()
        subs.append(sub)
        if wait_finesse:
            sub.wait_presence(f"finesse@{finesse_emulator.xmpp_domain}", "available")
        return sub
    yield make
    for s in subs:
        s.disconnect()


def wait_until(predicate, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)
