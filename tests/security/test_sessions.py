"""Issue 10, rows 1, 7 and 15: knowing a destination's name grants nothing; a
connection sees and commands only the agents whose credentials it proved (or the
destination it holds by its resume token); a resumed backlog arrives whole, after the
answer to Hello, without the resuming client being cut off as too slow; commands of a
client without rights never queue behind (or in front of) the agent's own."""
from __future__ import annotations

from gc_core.testing import GCProcess

from tests.security.helpers import about, close_and_wait, fresh, login, until
from tests.support import sim_config


def test_row1_a_destination_name_grants_no_agent(gc):
    d = fresh("crm")
    with gc.client("websocket") as a, gc.client("tcp") as m, gc.client("tcp") as b, gc.client("tcp") as sim:
        a.send(f"Hello#{d}")
        token = a.expect("System")["resumeToken"]
        login(a, "1001", d)
        login(b, "1002", fresh("other"))
        # M knows the destination name, no password
        m.send(f"Beat#{d}")
        assert m.recv() == {"type": "System", "status": "IN_SERVICE"}  # no resume token for M
        m.send("MakeReady#1001")
        m.send({"type": "GetState", "agentId": "1001", "requestId": "m-get"})
        refused, err = until(m, "m-get")
        assert err["type"] == "Error" and err["errorCode"] == "SUBSCRIPTION_FAILED"
        assert [e["errorCode"] for e in refused] == ["SUBSCRIPTION_FAILED"]  # the MakeReady
        # A's agent did not move; A's own command works and M hears nothing of it
        a.send({"type": "MakeReady", "agentId": "1001", "requestId": "a-ready"})
        assert a.expect("State", requestId="a-ready")["state"] == "READY"
        assert about(m.drain(0.3), "1001") == []
        # A goes away; M says Hello again; a call rings on 1001
        close_and_wait(gc, a)
        m.send(f"Hello#{d}")
        assert m.recv() == {"type": "System", "status": "IN_SERVICE"}
        sim.send({"type": "SimCall", "params": {"toAddress": "1001"}, "requestId": "call"})
        dialog = sim.expect("SimTraffic", requestId="call")["dialogId"]
        m.send({"type": "Hello", "params": {"clientDestination": d}, "requestId": "m-fence"})
        seen, _ = until(m, "m-fence")
        assert about(seen, "1001") == []
        # a wrong token gets nothing either
        m.send({"type": "Hello", "params": {"clientDestination": d, "resumeToken": token[:-1] + ("A" if token[-1] != "A" else "B")},
                "requestId": "m-token"})
        assert m.expect("Error", requestId="m-token")["errorCode"] == "SUBSCRIPTION_FAILED"
        # A's client comes back with its token: the answer first, then the call that rang
        with gc.client("tcp") as a2:
            a2.send(f"Hello#{d}|{token}")
            assert a2.recv() == {"type": "System", "status": "IN_SERVICE"}
            ringing = a2.recv()
            ringing = ringing[0] if isinstance(ringing, list) else ringing
            assert ringing["type"] == "NewInboundCall" and ringing["agentId"] == "1001"
            a2.send({"type": "GetState", "agentId": "1001", "requestId": "a2"})
            assert a2.expect("State", requestId="a2")["agentId"] == "1001"
            sim.send({"type": "SimHangup", "params": {"dialogId": dialog}, "requestId": "hang"})
            sim.expect("SimTraffic", requestId="hang")
            a2.send({"type": "MakeNotReady", "agentId": "1001", "requestId": "nr"})
            a2.send({"type": "Logout", "agentId": "1001", "requestId": "out"})
            a2.expect("State", requestId="out")
        # the other client and agent were never affected
        b.send({"type": "GetState", "agentId": "1002", "requestId": "b"})
        before, st = until(b, "b")
        assert st["state"] == "NOT_READY" and about(before, "1001") == []
        assert "Traceback" not in gc.log()


def test_row1_legacy_resume_by_repeating_connect(gc):
    d = fresh("legacy")
    with gc.client("tcp") as a, gc.client("tcp") as sim:
        login(a, "1003", d, ready=True)
        close_and_wait(gc, a)
        sim.send({"type": "SimCall", "params": {"toAddress": "1003"}, "requestId": "call"})
        dialog = sim.expect("SimTraffic", requestId="call")["dialogId"]
        with gc.client("websocket") as again:
            again.send(f"Connect#1003|{d},wrong")
            assert again.expect("Error")["errorCode"] == "SUBSCRIPTION_FAILED"
            again.send({"type": "GetState", "agentId": "1003", "requestId": "no"})
            no, err = until(again, "no")
            assert err["errorCode"] == "SUBSCRIPTION_FAILED" and about(no, "1003") == []
            again.send(f"Connect#1003|{d},secret")
            again.send({"type": "GetState", "agentId": "1003", "requestId": "yes"})
            replayed, st = until(again, "yes")
            first = replayed[0][0] if isinstance(replayed[0], list) else replayed[0]
            assert first["type"] == "NewInboundCall" and first["agentId"] == "1003"
            assert st["state"] == "RESERVED"
            sim.send({"type": "SimHangup", "params": {"dialogId": dialog}, "requestId": "hang"})
            sim.expect("SimTraffic", requestId="hang")
            again.send({"type": "MakeNotReady", "agentId": "1003", "requestId": "nr"})
            again.send({"type": "Logout", "agentId": "1003", "requestId": "out"})
            again.expect("State", requestId="out")


def test_row15_commands_without_rights_never_queue(tmp_path):
    config = sim_config(gc={"agent_queue": 5})
    with GCProcess(config, workdir=tmp_path) as gc, gc.client("tcp") as owner, gc.client("tcp") as m:
        login(owner, "1001", "own")
        # 200 commands for 1001 from a client that never proved its credentials, in one write
        m.sock.sendall(b"".join(b'{"type":"GetState","agentId":"1001","requestId":"m%d"}\n' % i
                                for i in range(200)))
        owner.send({"type": "GetState", "agentId": "1001", "requestId": "mine"})
        assert owner.expect("State", requestId="mine")["agentId"] == "1001"
        codes = [m.expect("Error", requestId=f"m{i}")["errorCode"] for i in range(200)]
        assert set(codes) == {"SUBSCRIPTION_FAILED"}  # refused at once: none queued for the agent
        for i in range(20):
            owner.send({"type": "GetState", "agentId": "1001", "requestId": f"mine{i}"})
        for i in range(20):
            owner.expect("State", requestId=f"mine{i}")


def test_row7_resumed_backlog_arrives_whole_after_the_answer(tmp_path):
    """The backlog (120 events kept of 150) is larger than the resuming connection's
    output queue (20): it arrives whole and in order, after the answer to Hello, which
    says how many were dropped; the connection is not cut off as too slow."""
    config = sim_config(tcp={"max_queue": 20}, websocket={"max_queue": 20}, gc={"destination_backlog": 120})
    with GCProcess(config, workdir=tmp_path) as gc, gc.client("tcp") as other, gc.client("tcp") as sim:
        login(other, "1002", "bystander")
        with gc.client("websocket") as sup:
            sup.send("Hello#sup-desk")
            token = sup.expect("System")["resumeToken"]
            login(sup, "1100", "sup-desk")
        statuses = ["OUT_OF_SERVICE", "IN_SERVICE"] * 75  # 150 events for every destination
        for i, status in enumerate(statuses):
            sim.send({"type": "SimStatus", "params": {"status": status}, "requestId": f"s{i}"})
            sim.expect("SimTraffic", requestId=f"s{i}")
        other.drain(0.2)
        with gc.client("tcp") as back:
            back.send({"type": "Hello", "params": {"clientDestination": "sup-desk", "resumeToken": token},
                       "requestId": "resume"})
            answer = back.recv()
            assert answer == {"type": "System", "status": "IN_SERVICE", "requestId": "resume", "droppedEvents": 30}
            back.send({"type": "GetState", "agentId": "1100", "requestId": "after"})
            replayed, st = until(back, "after")
            assert replayed == [{"type": "System", "status": s} for s in statuses[30:]]
            assert st["agentId"] == "1100"
        other.send({"type": "GetState", "agentId": "1002", "requestId": "b"})
        assert other.expect("State", requestId="b")["state"] == "NOT_READY"
        assert "too slow" not in gc.log()
