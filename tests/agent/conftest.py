"""One GC process per module, on a site with a team per test (see helpers.Site).
A module sets ``FLAVOUR = "UCCX"`` to run the sim as UCCX."""
from __future__ import annotations

import pytest

from .helpers import Customer, Desk, Site, gc_process


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return Site(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def gc(request, site, tmp_path_factory):
    flavour = getattr(request.module, "FLAVOUR", "UCCE")
    with gc_process(site, tmp_path_factory.mktemp("gc"), flavour) as proc:
        yield proc


@pytest.fixture
def team(site):
    """A team of this test's own (its queue routes to nobody else)."""
    return site.team()


@pytest.fixture
def desks(gc):
    """``desks(agent, transport=..., form=...)`` opens a Desk; all are closed after the test."""
    opened = []

    def open_desk(agent, transport="websocket", form="named"):
        d = Desk(gc, agent, transport, form)
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
