"""/readyz with a transport down: the stomp transport's broker (a real ActiveMQ) is
killed, /readyz turns 503 naming the transport; the broker returns, 200 again."""
from __future__ import annotations

from gc_stomp.activemq import ActiveMQ

from tests.broker.conftest import stomp_gc

from .helpers import http_base, readyz, wait_for


def test_readyz_follows_the_broker_link(tmp_path):
    broker = ActiveMQ(tmp_path / "amq").start()
    gc = stomp_gc(broker, tmp_path / "gc", queue="READYZ")
    try:
        base = http_base(gc)
        wait_for(lambda: readyz(base)[0] == 200, timeout=60, what="/readyz 200 with the broker up")
        broker.kill()
        wait_for(lambda: readyz(base)[0] == 503, timeout=60, what="/readyz 503 without the broker")
        status, body = readyz(base)
        assert body["reasons"] == ["transport stomp down"] and body["status"] == "IN_SERVICE"
        broker.start()
        wait_for(lambda: readyz(base)[0] == 200, timeout=120, what="/readyz 200 with the broker back")
    finally:
        gc.stop()
        broker.stop()
