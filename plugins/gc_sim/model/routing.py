"""The ACD: routing waiting calls to the longest-READY agent, queue statistics."""
from __future__ import annotations

from typing import Optional

from . import states as S
from .agents import AgentRuntime
from .dialogs import ALERTING, CONNECTED, INITIATED, INITIATING, Call, Party
from .queues import QueueRuntime, agent_bucket, statistics


class Routing:
    """Part of :class:`~gc_sim.model.ContactCenter` (a mixin; the state lives there)."""

    def _route_waiting(self) -> bool:
        qids = [qid for qid in self._route_queues if self._queues[qid].waiting]
        self._route_queues.clear()
        routed = False
        while True:
            best = None
            for qid in qids:
                q = self._queues[qid]
                if not q.waiting:
                    continue
                head = self._calls[q.waiting[0]]
                if best is not None and head.enqueue_seq >= best[0].enqueue_seq:
                    continue
                agent = self._available_agent(q)
                if agent is not None:
                    best = (head, q, agent)
            if best is None:
                return routed
            self._route(*best)
            routed = True

    def _requeue(self, call: Call, p: Party) -> bool:
        """An ACD call ringing at an agent who goes away goes back to its queue, in
        its original place. False if ``call`` is not such a call."""
        if (call.queue_id is None or call.answered_at is not None or p.state != ALERTING or not p.reserving
                or len(call.parties) != 2):
            return False
        q = self._queues[call.queue_id]
        self._remove_party(call, p, wrap=False)
        call.to_address = call.dialed_number
        seqs = [self._calls[c].enqueue_seq for c in q.waiting]
        pos = next((i for i, s in enumerate(seqs) if s > call.enqueue_seq), len(seqs))
        q.waiting.insert(pos, call.id)
        self._dirty_queues[q.d.id] = None
        self._route_queues[q.d.id] = None
        return True

    def _available_agent(self, q: QueueRuntime) -> Optional[AgentRuntime]:
        best = None
        for aid in q.members:
            a = self._agents[aid]
            if a.state == S.READY and not a.busy and not a.calls:
                if best is None or a.ready_seq < best.ready_seq:
                    best = a
        return best

    def _route(self, call: Call, q: QueueRuntime, a: AgentRuntime) -> None:
        now = self._clock()
        q.waiting.remove(call.id)
        q.note_wait(call.enqueued_at, now)
        self._dirty_queues[q.d.id] = None
        call.to_address = a.extension
        self._add_party(call, Party(a.extension, a.id, ALERTING, now, now, kind=S.KIND_IN, reserving=True))
        call.state = ALERTING
        self._publish(call)

    def _stats(self, q: QueueRuntime):
        buckets = []
        for aid in q.members:
            a = self._agents[aid]
            kind = cq = None
            if a.state in (S.TALKING, S.HOLD):
                for cid in a.calls:
                    c = self._calls[cid]
                    p = c.agent_party(a.id)
                    if p.bears_state and p.state in CONNECTED + (INITIATED, INITIATING):
                        kind, cq = p.kind, c.queue_id
                        break
            buckets.append(agent_bucket(a.state, kind, cq, q.d.id))
        oldest = self._calls[q.waiting[0]].enqueued_at if q.waiting else None
        return statistics(q, buckets, oldest)
