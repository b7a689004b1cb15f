"""The QueueStats event (spec "Get Queue List") in its two shapes.

UCCE: ``[{"type": "QueueStats", "queue": [{queueName, agentsNotReady, ...}, ...]}]``,
Finesse's own field names, counts as decimal strings ("-1" where nobody serves the
queue), ``startTimeOfLongestCallInQueue`` a timestamp or "0" when no call waits (as
in the spec's sample).

UCCX: the spec's sample is not valid JSON (an unquoted ``type`` and a run of unnamed
``{"queue": [...]}`` objects); the schema settles the nearest valid shape, the run
as the value of the sample's key ``queue``: ``[{"type": "QueueStats", "queue":
[{"queue": [<SnapShot>, <SinceMidNight>]}, ...]}]``, counts as integers as in the
sample (UCCE keeps decimal strings).
"""
from __future__ import annotations

from gc_core import events
from gc_core.domain import Queue

SHAPE_UCCE, SHAPE_UCCX = "UCCE", "UCCX"


def shape_for(config_value: str, backend_flavour: str) -> str:
    value = (config_value or "auto").upper()
    if value in (SHAPE_UCCE, SHAPE_UCCX):
        return value
    return SHAPE_UCCX if (backend_flavour or "").upper() == SHAPE_UCCX else SHAPE_UCCE


def _total(*values: int) -> int:
    """Sum of counts; -1 (nobody serves the queue, a queue-wide condition) if any part says so."""
    if any(v == -1 for v in values):
        return -1
    return sum(values)


def ucce_queue(q: Queue) -> dict:
    st = q.statistics
    oldest = st.start_time_of_longest_call_in_queue
    return {
        "queueName": q.name,
        "agentsNotReady": str(st.agents_not_ready),
        "agentsReady": str(st.agents_ready),
        "agentsTalkingInbound": str(st.agents_talking_inbound),
        "agentsTalkingInternal": str(st.agents_talking_internal),
        "agentsTalkingOutbound": str(st.agents_talking_outbound),
        "agentsWrapUpNotReady": str(st.agents_wrap_up_not_ready),
        "agentsWrapUpReady": str(st.agents_wrap_up_ready),
        "callsInQueue": str(st.calls_in_queue),
        "startTimeOfLongestCallInQueue": events.fmt_time(oldest) if oldest else "0",
    }


def uccx_queue(q: Queue) -> dict:
    st = q.statistics
    return {"queue": [
        {
            "queueName": q.name,
            "type": "SnapShot",
            "WaitingCalls": st.calls_in_queue,
            "AgentsLoggedIn": st.agents_logged_on,
            "AgentsReady": st.agents_ready,
            "AgentsNotReady": st.agents_not_ready,
            "AgentsInAfterCallWork": _total(st.agents_wrap_up_not_ready, st.agents_wrap_up_ready),
            "AgentsTalking": _total(st.agents_talking_inbound, st.agents_talking_outbound,
                                    st.agents_talking_internal, st.agents_busy_other),
            "AgentsReserved": st.agents_reserved,
        },
        {
            "type": "SinceMidNight",
            "WaitingCalls": st.calls_in_queue,
            "AbandonedCalls": st.abandoned_calls,
            "HandledCalls": st.handled_calls,
            "TotalCalls": st.total_calls,
            "LongestCallInQueue": st.longest_call_in_queue,
            "LongestHandleTime": st.longest_handle_time,
        },
    ]}


def queue_stats(queues: list, shape: str) -> list:
    if shape == SHAPE_UCCX:
        return [{"type": "QueueStats", "queue": [uccx_queue(q) for q in queues]}]
    return [{"type": "QueueStats", "queue": [ucce_queue(q) for q in queues]}]
