"""A GC process per module on the sim (default site: agents 1001-1003, supervisor 1100,
password "secret"), and helpers of the attacker-style tests (issue 10)."""
from __future__ import annotations

import pytest

from gc_core.testing import GCProcess

from tests.support import sim_config


@pytest.fixture(scope="module")
def gc(tmp_path_factory):
    with GCProcess(sim_config(), workdir=tmp_path_factory.mktemp("gc")) as proc:
        yield proc
