"""The QueueStats builders on their own: the -1 of a queue nobody serves, in both
shapes, valid against the event schema (what a socket test on the sim cannot reach:
the sim lists a supervisor only the queues its teams serve)."""
from __future__ import annotations

import datetime as dt

from gc_core.domain import Queue, QueueStatistics
from gc_core.testing import check_event
from gc_supervisor.queue_stats import queue_stats, shape_for

UNSERVED = QueueStatistics(**{f: -1 for f in (
    "calls_in_queue", "agents_ready", "agents_not_ready", "agents_busy_other", "agents_logged_on",
    "agents_talking_inbound", "agents_talking_outbound", "agents_talking_internal", "agents_wrap_up_not_ready",
    "agents_wrap_up_ready", "agents_reserved")})
BUSY = QueueStatistics(calls_in_queue=2, start_time_of_longest_call_in_queue=dt.datetime(2030, 1, 2, 3, 4, 5,
                                                                                         tzinfo=dt.timezone.utc),
                       agents_ready=1, agents_not_ready=2, agents_logged_on=9, agents_talking_inbound=1,
                       agents_talking_outbound=2, agents_talking_internal=1, agents_busy_other=1,
                       agents_wrap_up_not_ready=1, agents_wrap_up_ready=0, agents_reserved=1, abandoned_calls=3,
                       handled_calls=4, total_calls=9, longest_call_in_queue=61, longest_handle_time=300)


def test_ucce_shape():
    event = queue_stats([Queue("1", "Sales", BUSY), Queue("2", "Nobody", UNSERVED)], "UCCE")
    check_event(event)
    assert event == [{"type": "QueueStats", "queue": [
        {"queueName": "Sales", "agentsNotReady": "2", "agentsReady": "1", "agentsTalkingInbound": "1",
         "agentsTalkingInternal": "1", "agentsTalkingOutbound": "2", "agentsWrapUpNotReady": "1",
         "agentsWrapUpReady": "0", "callsInQueue": "2", "startTimeOfLongestCallInQueue": "2030-01-02 03:04:05"},
        {"queueName": "Nobody", "agentsNotReady": "-1", "agentsReady": "-1", "agentsTalkingInbound": "-1",
         "agentsTalkingInternal": "-1", "agentsTalkingOutbound": "-1", "agentsWrapUpNotReady": "-1",
         "agentsWrapUpReady": "-1", "callsInQueue": "-1", "startTimeOfLongestCallInQueue": "0"}]}]


def test_uccx_shape():
    event = queue_stats([Queue("1", "Sales", BUSY), Queue("2", "Nobody", UNSERVED)], "UCCX")
    check_event(event)
    assert event == [{"type": "QueueStats", "queue": [
        {"queue": [{"queueName": "Sales", "type": "SnapShot", "WaitingCalls": 2, "AgentsLoggedIn": 9,
                    "AgentsReady": 1, "AgentsNotReady": 2, "AgentsInAfterCallWork": 1, "AgentsTalking": 5,
                    "AgentsReserved": 1},
                   {"type": "SinceMidNight", "WaitingCalls": 2, "AbandonedCalls": 3, "HandledCalls": 4,
                    "TotalCalls": 9, "LongestCallInQueue": 61, "LongestHandleTime": 300}]},
        {"queue": [{"queueName": "Nobody", "type": "SnapShot", "WaitingCalls": -1, "AgentsLoggedIn": -1,
                    "AgentsReady": -1, "AgentsNotReady": -1, "AgentsInAfterCallWork": -1, "AgentsTalking": -1,
                    "AgentsReserved": -1},
                   {"type": "SinceMidNight", "WaitingCalls": -1, "AbandonedCalls": 0, "HandledCalls": 0,
                    "TotalCalls": 0, "LongestCallInQueue": 0, "LongestHandleTime": 0}]}]}]


def test_shape_follows_configuration_then_flavour():
    assert [shape_for("auto", "UCCX"), shape_for("auto", "UCCE"), shape_for("auto", ""),
            shape_for("UCCX", "UCCE"), shape_for("ucce", "UCCX")] == ["UCCX", "UCCE", "UCCE", "UCCX", "UCCE"]
