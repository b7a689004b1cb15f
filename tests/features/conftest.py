"""Fixtures of the feature-plugin suites: the feature site (one file per session), a
team per test, desks (one client per agent) and the sim's customer."""
from __future__ import annotations

import pytest

from .helpers import Customer, Desk, Site, Teams


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    return Site(tmp_path_factory.mktemp("features-site"))


@pytest.fixture(scope="module")
def teams(gc):
    """Teams handed out to the tests of this module's GC process (each process of a
    module parametrized by flavour has its own contact center, so its own supply)."""
    return Teams()


@pytest.fixture
def team(teams):
    return teams.take()


@pytest.fixture
def other_team(teams):
    return teams.take()


@pytest.fixture
def desks(gc):
    """``desks(agent, transport="websocket")`` -> a Desk; all closed after the test."""
    opened = []

    def open_desk(agent, transport="websocket"):
        d = Desk(gc, agent, transport)
        opened.append(d)
        return d
    yield open_desk
    for d in opened:
        d.close()


@pytest.fixture
def customer(gc):
    c = Customer(gc)
    yield c
    c.close()
