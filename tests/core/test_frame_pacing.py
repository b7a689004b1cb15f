"""The per-frame machinery's guarantees, pinned where they live (issue 15: the sim's
per-frame cost). In this process, on gevent's real hub, with a real connector on the
sim:

- an agent's commands run one after another in arrival order, different agents'
  in parallel: a command blocked on I/O stalls neither another agent's commands nor
  the reader (gc_core.workers.KeyedWorkers);
- an agent's full queue refuses only after the agent's worker had a turn (the reader
  takes several frames in a row, so a pipelined burst of non-blocking commands is
  not refused);
- the reader yields to the hub at a bounded interval, not after every frame
  (gc_core.connection.Connection.pace: fairness);
- the writer sends what is queued as one ``write_many``, in order, and an event with
  a lone surrogate still goes out escaped, with the others intact."""
from __future__ import annotations

import gevent
import gevent.event
import pytest

from gc_core.app import Connector
from gc_core.connection import YIELD_EVERY
from gc_core.deployment import build
from gc_core.testing import to_toml
from gc_core.workers import KeyedWorkers

from tests.support import sim_config


@pytest.fixture
def connector(tmp_path):
    path = tmp_path / "gc.toml"
    path.write_text(to_toml(sim_config(gc={"plugins": ["sim", "agent"]})))
    config, plugins = build([path])
    return Connector(config, plugins)


def test_an_agent_blocked_on_io_stalls_neither_other_agents_nor_its_own_order():
    workers = KeyedWorkers(max_pending=10)
    io_done = gevent.event.Event()
    seen = []

    def blocking(name):
        def run():
            seen.append(f"{name} start")
            io_done.wait(10)  # a Finesse REST call in flight
            seen.append(f"{name} end")
        return run

    assert workers.submit("1001", blocking("A1"))
    assert workers.submit("1001", lambda: seen.append("A2"))
    assert workers.submit("1002", lambda: seen.append("B1"))
    gevent.sleep(0)
    gevent.sleep(0)
    assert seen == ["A1 start", "B1"]  # 1002 ran while 1001 waits; A2 waits behind A1
    io_done.set()
    gevent.sleep(0)
    gevent.sleep(0)
    assert seen == ["A1 start", "B1", "A1 end", "A2"]


def test_a_parked_worker_serves_one_key_at_a_time():
    """A worker that drained its key parks and takes the next key that gets work; a key
    blocked on I/O keeps its own worker meanwhile, and at most ``idle_workers`` park."""
    workers = KeyedWorkers(max_pending=10, idle_workers=2)
    io_done = gevent.event.Event()
    seen = []
    assert workers.submit("1001", lambda: (seen.append("A1 start"), io_done.wait(10), seen.append("A1 end")))
    for agent in ("1002", "1003", "1004"):  # each starts after the last parked
        assert workers.submit(agent, lambda a=agent: seen.append(a))
        gevent.sleep(0)
        gevent.sleep(0)
    assert workers.submit("1001", lambda: seen.append("A2"))
    for agent in ("1005", "1006", "1007"):  # at once: parked workers and new ones share them
        assert workers.submit(agent, lambda a=agent: seen.append(a))
    gevent.sleep(0)
    gevent.sleep(0)
    assert seen == ["A1 start", "1002", "1003", "1004", "1005", "1006", "1007"]
    io_done.set()
    gevent.sleep(0)
    gevent.sleep(0)
    assert seen[-2:] == ["A1 end", "A2"]
    assert len(workers._parked) <= 2 and not workers._pending


def test_a_full_agent_queue_refuses_only_when_its_worker_cannot_drain_it():
    workers = KeyedWorkers(max_pending=3)
    ran = []
    # a burst read without yielding (Connection.pace): the worker drains at the first refusal
    assert all(workers.submit("1001", lambda i=i: ran.append(i)) for i in range(20))
    gevent.sleep(0)
    assert ran == list(range(20))
    # a command blocked on I/O: what waits behind it is bounded
    io_done = gevent.event.Event()
    assert workers.submit("1001", lambda: io_done.wait(10))
    gevent.sleep(0)
    accepted = [workers.submit("1001", lambda i=i: ran.append(100 + i)) for i in range(5)]
    assert accepted == [True, True, True, False, False]
    io_done.set()
    gevent.sleep(0)
    gevent.sleep(0)
    assert ran[20:] == [100, 101, 102]


def test_the_reader_yields_at_a_bounded_interval(connector):
    conn = connector.open_connection("test", "peer:1", lambda text: None, lambda: None, 1000)
    for _ in range(3):
        other = gevent.spawn(lambda: None)  # another client's greenlet, ready to run
        frames = 0
        while not other.dead:
            conn.pace()
            frames += 1
            assert frames <= min(YIELD_EVERY, 1000), "the reader kept the other greenlet waiting"
    # and not after every frame: that switch was most of a frame's cost
    other = gevent.spawn(lambda: None)
    conn.pace()
    assert not other.dead
    conn.close()


def test_the_writer_sends_the_queue_in_one_write_in_order(connector):
    writes = []

    def write_many(texts):
        data = [t.encode("utf-8") for t in texts]  # like the transports: all encoded before any is written
        writes.append([d.decode("utf-8") for d in data])

    conn = connector.open_connection("test", "peer:1", lambda text: writes.append([text.encode().decode()]),
                                     lambda: None, 1000, write_many)
    texts = [f'{{"n":{i}}}' for i in range(10)]
    for text in texts:
        conn.send(text)
    gevent.sleep(0)
    assert writes == [texts]
    writes.clear()
    conn.send('{"n":"a"}')
    conn.send('{"n":"\ud800"}')  # a lone surrogate from a backend
    conn.send('{"n":"b"}')
    gevent.sleep(0)
    assert [t for w in writes for t in w] == ['{"n":"a"}', '{"n":"\\ud800"}', '{"n":"b"}']
    assert not conn.closed
    conn.close()
