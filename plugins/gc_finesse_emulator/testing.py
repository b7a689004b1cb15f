"""pytest fixtures for the Finesse emulator (free loopback ports, Prosody as a child).

Use them from any suite's conftest::

    from gc_finesse_emulator.testing import finesse_emulator, finesse_clusters  # noqa: F401

``finesse_emulator`` is a running :class:`~gc_finesse_emulator.cluster.EmulatorCluster`
(primary + secondary) of the flavour given by indirect parametrization, UCCE by
default::

    @pytest.mark.parametrize("finesse_emulator", ["UCCX", "UCCE"], indirect=True)
    def test_x(finesse_emulator): ...

One cluster per flavour is started per session (about 0.3 s with both Prosodys)
and reset before each test: a fresh model (every agent LOGOUT, no calls, no
lockouts), every node running and IN_SERVICE. Ports and XMPP accounts stay, so a
test must not keep XMPP sessions across tests.
"""
from __future__ import annotations

import pytest

from .cluster import EmulatorCluster


class ClusterPool:
    """Session-wide clusters, one per (flavour, secondary)."""

    def __init__(self, **defaults):
        self.defaults = defaults
        self.clusters: dict = {}

    def get(self, flavour: str = "UCCE", secondary: bool = True) -> EmulatorCluster:
        key = (flavour.upper(), secondary)
        cluster = self.clusters.get(key)
        if cluster is None:
            cluster = EmulatorCluster.start(flavour=key[0], secondary=secondary, **self.defaults)
            self.clusters[key] = cluster
        else:
            restore(cluster)
        return cluster

    def close(self) -> None:
        for cluster in self.clusters.values():
            cluster.stop()
        self.clusters.clear()


def restore(cluster: EmulatorCluster) -> None:
    """Fresh model; every node running and IN_SERVICE."""
    for node in cluster.nodes:
        if not (node.running and node.notifying):
            cluster.start_node(node)
    cluster.reset()


@pytest.fixture(scope="session")
def finesse_clusters():
    """The session's :class:`ClusterPool` (queue statistics every 0.2 s)."""
    pool = ClusterPool(queue_interval=0.2)
    yield pool
    pool.close()


@pytest.fixture
def finesse_emulator(request, finesse_clusters) -> EmulatorCluster:
    """A running, freshly reset emulator cluster; ``request.param`` is the flavour."""
    flavour = getattr(request, "param", "UCCE")
    return finesse_clusters.get(flavour)
