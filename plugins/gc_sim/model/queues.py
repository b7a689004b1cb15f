"""Queues of the simulated ACD: waiting calls, counters and Finesse statistics."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field, fields
from typing import Iterable, Optional

from gc_core.domain import Queue, QueueStatistics

from .site import QueueDef
from . import states as S

UCCE_FIELDS = ("calls_in_queue", "agents_ready", "agents_not_ready", "agents_busy_other", "agents_logged_on",
               "agents_talking_inbound", "agents_talking_outbound", "agents_talking_internal",
               "agents_wrap_up_not_ready", "agents_wrap_up_ready", "agents_reserved")


@dataclass
class QueueRuntime:
    """A queue's live data. ``waiting``: dialog ids, oldest first."""
    d: QueueDef
    members: list = field(default_factory=list)        # agent ids serving the queue
    waiting: list = field(default_factory=list)
    # "SinceMidNight" counters (since the model started)
    total_calls: int = 0
    handled_calls: int = 0
    abandoned_calls: int = 0
    longest_wait: int = 0          # seconds, the longest any call waited
    longest_handle_time: int = 0   # seconds, the longest answered call
    last_published: Optional[QueueStatistics] = None

    def note_wait(self, enqueued_at: Optional[_dt.datetime], now: _dt.datetime) -> None:
        if enqueued_at is not None:
            self.longest_wait = max(self.longest_wait, int((now - enqueued_at).total_seconds()))


def agent_bucket(state: str, kind: Optional[str], call_queue_id: Optional[str], queue_id: str) -> Optional[str]:
    """Which statistics field an agent in ``state`` counts in, for queue ``queue_id``.

    TALKING / HOLD count by the kind of the agent's current call (inbound, outbound,
    internal), except on another queue's ACD call, which is "busy other"; the reserved
    states count in ``agents_reserved``."""
    if state == S.LOGOUT:
        return None
    if state == S.READY:
        return "agents_ready"
    if state == S.NOT_READY:
        return "agents_not_ready"
    if state == S.WORK:
        return "agents_wrap_up_not_ready"
    if state == S.WORK_READY:
        return "agents_wrap_up_ready"
    if state in (S.RESERVED, S.RESERVED_OUTBOUND, S.RESERVED_OUTBOUND_PREVIEW):
        return "agents_reserved"
    if call_queue_id is not None and call_queue_id != queue_id:
        return "agents_busy_other"
    if kind == S.KIND_IN:
        return "agents_talking_inbound"
    if kind == S.KIND_OUT:
        return "agents_talking_outbound"
    return "agents_talking_internal"


def statistics(q: QueueRuntime, buckets: Iterable[Optional[str]], oldest: Optional[_dt.datetime]) -> QueueStatistics:
    """Finesse statistics for ``q``; ``buckets``: agent_bucket() of every member.
    A queue nobody serves answers -1 for each UCCE field (reference section 5)."""
    st = QueueStatistics()
    if not q.members:
        for name in UCCE_FIELDS:
            setattr(st, name, -1)
    else:
        for b in buckets:
            if b is None:
                continue
            setattr(st, b, getattr(st, b) + 1)
            st.agents_logged_on += 1
        st.calls_in_queue = len(q.waiting)
        st.start_time_of_longest_call_in_queue = oldest if q.waiting else None
    st.abandoned_calls = q.abandoned_calls
    st.handled_calls = q.handled_calls
    st.total_calls = q.total_calls
    st.longest_call_in_queue = q.longest_wait
    st.longest_handle_time = q.longest_handle_time
    return st


def copy_stats(st: QueueStatistics) -> QueueStatistics:
    return QueueStatistics(**{f.name: getattr(st, f.name) for f in fields(st)})


def make_queue(q: QueueRuntime, st: QueueStatistics) -> Queue:
    return Queue(id=q.d.id, name=q.d.name, statistics=copy_stats(st))
