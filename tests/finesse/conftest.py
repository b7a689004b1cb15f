"""Fixtures of the Finesse backend suite.

Everything is real: the Finesse emulator (REST on gevent, notifications through a
real Prosody) in the test process, and GC as a child process configured with
``gc.backend = "finesse"`` pointing at the emulator's ports. For the "same client
events as the sim" scenarios a second GC runs the sim backend on the same site
and flavour.

Sharing (suite wall time): one emulator cluster + one Finesse GC + one sim GC per
flavour for the whole session (``worlds``); scenarios keep out of each other's way
by running on teams of their own (see harness.SCENARIO_TEAMS). Tests that break
nodes (failover) or need another site (load) build their own cluster.
"""
from __future__ import annotations

import pytest

from gc_core.testing import GCProcess
from gc_finesse_emulator.cluster import EmulatorCluster

from .harness import EmulatorTraffic, SimTraffic, World, finesse_config, sim_config, write_site


class Worlds:
    def __init__(self, tmp_path_factory):
        self.tmp = tmp_path_factory
        self.site = write_site(tmp_path_factory.mktemp("site"))
        self._by_flavour: dict = {}
        self._closers: list = []

    def get(self, flavour: str) -> tuple[World, World]:
        """(finesse world, sim world) of ``flavour``, started on first use."""
        if flavour not in self._by_flavour:
            cluster = EmulatorCluster.start(flavour=flavour, site=str(self.site), secondary=True,
                                            queue_interval=0.2)
            self._closers.append(cluster.stop)
            fin = GCProcess(finesse_config(cluster), workdir=self.tmp.mktemp(f"gc-finesse-{flavour}"))
            self._closers.append(fin.stop)
            sim = GCProcess(sim_config(flavour, self.site), workdir=self.tmp.mktemp(f"gc-sim-{flavour}"))
            self._closers.append(sim.stop)
            sim_traffic = SimTraffic(sim)
            self._closers.append(sim_traffic.close)
            self._by_flavour[flavour] = (World("finesse", flavour, fin, EmulatorTraffic(cluster), cluster),
                                         World("sim", flavour, sim, sim_traffic))
        return self._by_flavour[flavour]

    def close(self) -> None:
        for close in reversed(self._closers):
            try:
                close()
            except Exception:
                pass


@pytest.fixture(scope="session")
def worlds(tmp_path_factory):
    w = Worlds(tmp_path_factory)
    yield w
    w.close()


@pytest.fixture(params=["UCCE", "UCCX"])
def flavour(request):
    return request.param


@pytest.fixture
def pair(worlds, flavour):
    """(finesse world, sim world) of the flavour; clients closed after the test."""
    fin, sim = worlds.get(flavour)
    yield fin, sim
    fin.close()
    sim.close()


@pytest.fixture
def fin(worlds, flavour):
    """The Finesse world of the flavour alone."""
    world, _sim = worlds.get(flavour)
    yield world
    world.close()
