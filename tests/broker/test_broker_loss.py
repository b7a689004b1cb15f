"""Losing the broker (SIGKILL of ActiveMQ) leaves TCP clients unaffected; GC resumes
consuming when the broker returns, says so in its log, and a broker client's agent
gets the events that happened meanwhile."""
from __future__ import annotations

import time

from gc_stomp.activemq import ActiveMQ
from tests.agent.helpers import PASSWORD

from .conftest import broker_metric, stomp_gc
from .jms import JmsClient


def wait_for_log(gc, text: str, count: int = 1, limit: float = 60.0) -> None:
    """Until the log holds ``text`` ``count`` times (a condition, not a timing assertion)."""
    deadline = time.monotonic() + limit
    while gc.log().count(text) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{text!r} not logged {count} time(s):\n{gc.log()[-3000:]}")
        time.sleep(0.1)


def test_broker_loss_and_return(tmp_path):
    broker = ActiveMQ(tmp_path / "amq").start()
    gc = stomp_gc(broker, tmp_path / "gc", queue="LOSS")
    try:
        wait_for_log(gc, "started: consuming from broker")
        crm = JmsClient(broker.host_port, "crm-loss", queue_name="LOSS")
        crm.send("Connect#1001", f"crm-loss,{PASSWORD}")
        crm.send("Login#1001", f"{PASSWORD},1001")
        crm.expect("State", agentId="1001", state="NOT_READY")
        crm.send("MakeReady#1001")
        crm.expect("State", agentId="1001", state="READY")
        crm.close()
        tcp = gc.client("tcp")
        tcp.send("Connect#1002|desk-tcp," + PASSWORD)
        tcp.send("Login#1002|" + PASSWORD + ",1002")
        tcp.expect("State", agentId="1002", state="NOT_READY")

        assert broker_metric(gc, "gc_transport_up") == 1
        assert broker_metric(gc, "gc_transport_active") == 1
        broker.kill()
        wait_for_log(gc, "lost the broker")
        assert broker_metric(gc, "gc_transport_up") == 0
        # the TCP client is served as before; a call rings 1001, the broker client's agent
        tcp.send("MakeNotReady#1002")
        tcp.expect("State", agentId="1002", state="NOT_READY")
        tcp.send('{"type": "SimCall", "params": {"queueId": "1", "fromAddress": "5551234"}, "requestId": "c1"}')
        did = tcp.expect("SimTraffic", requestId="c1")["dialogId"]

        broker.start()  # same port, a fresh broker
        wait_for_log(gc, "resumed: consuming from broker")
        assert broker_metric(gc, "gc_transport_up") == 1
        assert broker_metric(gc, "gc_transport_reconnects_total") == 1
        crm = JmsClient(broker.host_port, "crm-loss", queue_name="LOSS")
        crm.send("Beat#crm-loss")
        # Beat's answer, then what happened to 1001 meanwhile (kept in its destination's backlog)
        events = crm.drain(1.0)
        assert [(e["type"], e.get("state", e.get("status"))) for e in events] == [
            ("System", "IN_SERVICE"), ("NewInboundCall", None), ("InboundCall", "ALERTING"), ("State", "RESERVED")]
        assert "resumeToken" in events[0]  # the broker topic is the destination's own: its client holds it
        crm.send("AnswerCall#1001", did)
        assert crm.expect("State", agentId="1001")["state"] == "TALKING"
        crm.close()
        tcp.close()
    finally:
        gc.stop()
        broker.stop()


def test_broker_loss_with_peers_releases_and_tells(tmp_path):
    """Two GC processes in groups mode lose the broker: on return the groups may go
    anywhere, so each process has let its broker clients' agents go and tells their
    destinations (System); the clients re-Connect and every agent is served again."""
    broker = ActiveMQ(tmp_path / "amq").start()
    procs = []
    desks = []
    try:
        for i in range(2):
            procs.append(stomp_gc(broker, tmp_path / f"gc{i}", queue="LOSS2", mode="groups"))
            wait_for_log(procs[-1], "started: consuming from broker")
        for p in procs:
            wait_for_log(p, "joined")  # each knows the other
        agents = {"crm-l2-a": ["1001", "1002"], "crm-l2-b": ["1003", "1100"]}
        desks = [JmsClient(broker.host_port, name, queue_name="LOSS2", groups=True) for name in agents]

        def sign_in(tag):
            for desk in desks:
                for a in agents[desk.destination]:
                    desk.send(f"Connect#{a}", f"{desk.destination},{PASSWORD}")
                    desk.send(f"Login#{a}", f"{PASSWORD},{a}")
                    desk.send_json({"type": "GetState", "agentId": a, "requestId": f"{tag}-{a}"})
                for a in agents[desk.destination]:
                    assert desk.expect("State", requestId=f"{tag}-{a}")["state"] == "NOT_READY"

        sign_in("before")
        for desk in desks:
            desk.close()
        broker.kill()
        for p in procs:
            wait_for_log(p, "lost the broker")
        broker.start()
        desks = [JmsClient(broker.host_port, name, queue_name="LOSS2", groups=True) for name in agents]
        for p in procs:
            wait_for_log(p, "resumed: consuming from broker")
        released = sum(p.log().count("released") for p in procs)
        assert released >= 1  # whoever served agents let them go
        for desk in desks:
            desk.send(f"Beat#{desk.destination}")
            desk.expect("System")  # the client re-Connects on it
        sign_in("after")
        for desk in desks:
            assert [e for e in desk.drain(0.5) if e.get("type") == "Error"] == []
        for name, ids in agents.items():
            for a in ids:
                # bound in exactly one process after the re-Connect
                bound = [p for p in procs if p.log().rfind(f"agent {a} connected") > p.log().rfind("released")]
                assert len(bound) == 1, a
    finally:
        for desk in desks:
            desk.close()
        for p in procs:
            p.stop()
        broker.stop()


def test_a_silent_broker_is_noticed_by_heartbeats(tmp_path):
    """A frozen broker (SIGSTOP: the TCP connection stays open, nothing arrives) is lost
    when its heart-beats stop; after SIGCONT GC consumes again."""
    import signal
    broker = ActiveMQ(tmp_path / "amq").start()
    gc = stomp_gc(broker, tmp_path / "gc", queue="HB", stomp={"heartbeat_ms": 1000})
    try:
        wait_for_log(gc, "started: consuming from broker")
        broker.proc.send_signal(signal.SIGSTOP)
        try:
            wait_for_log(gc, "broker heart-beats stopped")
            wait_for_log(gc, "lost the broker")
        finally:
            broker.proc.send_signal(signal.SIGCONT)
        wait_for_log(gc, "resumed: consuming from broker")
        crm = JmsClient(broker.host_port, "crm-hb", queue_name="HB")
        crm.send("Hello#crm-hb")
        assert crm.expect("System")["status"] == "IN_SERVICE"
        crm.close()
    finally:
        gc.stop()
        broker.stop()
