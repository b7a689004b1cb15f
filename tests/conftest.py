"""Shared fixtures: a GC process on free ports (sim backend) and clients for it."""
from __future__ import annotations

import pytest

from gc_core.testing import GCProcess

from .support import sim_config


@pytest.fixture(scope="module")
def gc_server(tmp_path_factory):
    with GCProcess(sim_config(), workdir=tmp_path_factory.mktemp("gc")) as proc:
        yield proc


@pytest.fixture(params=["websocket", "tcp"])
def transport(request):
    return request.param


@pytest.fixture
def client(gc_server, transport):
    with gc_server.client(transport) as c:
        yield c
