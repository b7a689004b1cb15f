"""A real ActiveMQ per module (Debian's package, own configuration, free port) and GC
processes with the stomp transport on it."""
from __future__ import annotations

import pytest

from gc_core.testing import GCProcess
from gc_stomp.activemq import ActiveMQ
from tests.support import sim_config


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    with ActiveMQ(tmp_path_factory.mktemp("activemq")) as b:
        yield b


def stomp_gc(broker, workdir, queue="Connector1", mode="exclusive", **sections) -> GCProcess:
    """A GC (sim) consuming ``queue`` on ``broker`` besides its TCP/WebSocket transports
    (and /metrics on the WebSocket port)."""
    stomp = {"hosts": [broker.host_port], "queue": queue, "mode": mode, "heartbeat_ms": 2000,
             "reconnect_initial": 0.2, "reconnect_max": 1.0, "peer_interval": 0.5, "peer_timeout": 2.0}
    stomp.update(sections.pop("stomp", {}))
    config = sim_config(gc={"plugins": ["websocket", "tcp", "sim", "agent", "metrics", "stomp"]}, stomp=stomp, **sections)
    return GCProcess(config, workdir=workdir)


def broker_metric(gc, name: str) -> float:
    """A ``gc_transport_*`` sample of the stomp transport from GC's /metrics."""
    from tests.ops.helpers import http_base, scrape
    samples = scrape(http_base(gc) + "/metrics")
    key = (name, (("transport", "stomp"),))
    assert key in samples, f"{name} missing from /metrics"
    return samples[key]
