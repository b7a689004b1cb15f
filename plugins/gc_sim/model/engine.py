"""The model's machinery: call bookkeeping, legs joining and leaving, dialog
publication (POST / PUT / DELETE per agent), operations and event delivery."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterable

from gc_core.domain import (AgentError, Dialog, DialogChanged, DomainEvent, QueueChanged, TeamMemberChanged,
                            UserChanged)

from . import errors as E
from . import states as S
from .agents import AgentRuntime
from .dialogs import (ACTIVE, ALERTING, CONNECTED, DROPPED, FAILED, INITIATED, INITIATING, SUPERVISOR_MONITOR,
                      WRAP_UP, Call, Party, copy_dialog, default_call_variables, snapshot)
from .queues import make_queue

log = logging.getLogger("gc_sim.model")


class Engine:
    """Part of :class:`~gc_sim.model.ContactCenter` (a mixin; the state lives there)."""

    # internals: lookups
    def _check_service(self) -> None:
        if self._status != "IN_SERVICE":
            raise E.out_of_service()

    def _agent(self, agent_id) -> AgentRuntime:
        a = self._agents.get(str(agent_id)) if agent_id is not None else None
        if a is None:
            raise E.user_not_found(str(agent_id))
        return a

    def _legs(self, a: AgentRuntime, include_stateless: bool = False) -> list:
        """The agent's own legs in live calls (passive monitor legs excluded)."""
        out = []
        for cid in a.calls:
            p = self._calls[cid].agent_party(a.id)
            if p is not None and not p.passive and (include_stateless or not p.stateless):
                out.append(p)
        return out

    def _stateful_legs(self, a: AgentRuntime) -> list:
        return self._legs(a, include_stateless=True)

    def _is_engaged(self, a: AgentRuntime) -> bool:
        """Cannot take another call: busy, or any call leg at all."""
        return a.state in S.BUSY_STATES or bool(a.calls)

    def _snap(self, call: Call, **kw) -> Dialog:
        return snapshot(call, lambda p: self._actions(call, p), **kw)

    # internals: calls
    def _new_call(self, call_type: str, from_address: str, to_address: str) -> Call:
        cid = str(self._next_dialog)
        self._next_dialog += 1
        call = Call(id=cid, call_type=call_type, from_address=from_address, to_address=to_address,
                    state=INITIATING, start_time=self._clock(), dialed_number=to_address,
                    call_variables=default_call_variables())
        self._calls[cid] = call
        return call

    def _add_party(self, call: Call, p: Party) -> None:
        call.parties.append(p)
        if p.agent_id is not None:
            a = self._agents[p.agent_id]
            if call.id not in a.calls:
                a.calls.append(call.id)
            self._touched[a.id] = None

    def _signature(self, call: Call) -> tuple:
        return (call.state, call.call_type, call.wrap_up_reason, tuple(
            (p.address, p.state, tuple(self._actions(call, p))) for p in call.parties))

    def _publish(self, call: Call) -> None:
        """POST the dialog to agents who do not have it yet, PUT it to the others."""
        call.signature = self._signature(call)
        for p in call.parties:
            if p.agent_id is None:
                continue
            a = self._agents[p.agent_id]
            if p.agent_id in call.viewers:
                self._emit_dialog(a.id, self._snap(call), "PUT")
            else:
                if a.remnant is not None and a.remnant.id == call.id:
                    self._drop_remnant(a)
                call.viewers.append(a.id)
                self._emit_dialog(a.id, self._snap(call), "POST")
            self._touched[a.id] = None

    def _refresh(self, call: Call) -> None:
        """Recompute the dialog state from its parties."""
        if call.reservation or call.state in (FAILED, DROPPED):
            return
        states = [p.state for p in call.parties]
        if ALERTING in states:
            call.state = ALERTING
        elif INITIATED in states:
            call.state = INITIATED
        elif INITIATING in states:
            call.state = INITIATING
        elif sum(1 for s in states if s in CONNECTED) >= 2:
            call.state = ACTIVE

    def _alive(self, call: Call) -> bool:
        agents = [p for p in call.parties if p.agent_id is not None and not p.passive]
        if call.reservation:
            return bool(agents)
        return len(call.parties) >= 2 and bool(agents)

    def _after_change(self, call: Call) -> None:
        if call.id not in self._calls:
            return
        if self._alive(call):
            self._refresh(call)
            self._publish(call)
        else:
            self._end_call(call)

    def _remove_party(self, call: Call, p: Party, wrap: bool = True) -> None:
        call.parties.remove(p)
        if p.agent_id is not None:
            self._leave(call, p, wrap=wrap)

    def _leave(self, call: Call, p: Party, wrap: bool = True) -> None:
        """Agent leg ``p`` left ``call``: DELETE it from the agent's list, or keep it
        as the wrap-up dialog if the agent is heading for WORK / WORK_READY."""
        a = self._agents[p.agent_id]
        if call.id in a.calls:
            a.calls.remove(call.id)
        self._touched[a.id] = None
        if p.bears_state and p.state in CONNECTED:
            a.period_kinds.add(p.kind)
        keep = False
        if wrap and p.bears_state and (a.busy or p.state in CONNECTED) and not self._legs(a) and a.period_kinds:
            target = S.after_call_state(self.flavour, a.base_state if a.busy else a.state, a.pending,
                                        a.period_kinds, a.d.wrap_up_on_incoming, a.d.wrap_up_on_outgoing)
            keep = target in S.WRAP_STATES
        if a.id in call.viewers:
            call.viewers.remove(a.id)
            if keep:
                self._drop_remnant(a)
                snap = self._snap_without(call, p, WRAP_UP)
                a.remnant = snap
                self._emit_dialog(a.id, copy_dialog(snap), "PUT")
            else:
                # Finesse ends a call for an agent with a PUT (the agent's participant
                # and the dialog DROPPED), then takes it off the list with a DELETE.
                snap = self._snap_without(call, p, DROPPED)
                self._emit_dialog(a.id, copy_dialog(snap), "PUT")
                self._emit_dialog(a.id, snap, "DELETE")
        # a monitored agent leaving its call ends the monitoring
        if call.call_type != SUPERVISOR_MONITOR:
            m = self._monitor_of(a.id)
            if m is not None and m.associated_id == call.id:
                self._end_call(m)

    def _snap_without(self, call: Call, p: Party, state: str) -> Dialog:
        """The dialog as the leaving agent last sees it: its leg shown in ``state``."""
        present = p in call.parties
        if not present:
            call.parties.append(p)
        try:
            return self._snap(call, dialog_state=DROPPED, party_override=(p.agent_id, state))
        finally:
            if not present:
                call.parties.remove(p)

    def _end_call(self, call: Call) -> None:
        if call.id not in self._calls:
            return
        now = self._clock()
        del self._calls[call.id]
        self._monitors.pop(call.id, None)
        call.state = DROPPED
        if call.queue_id is not None:
            q = self._queues[call.queue_id]
            if call.id in q.waiting:
                q.waiting.remove(call.id)
            if call.answered_at is not None:
                q.longest_handle_time = max(q.longest_handle_time, int((now - call.answered_at).total_seconds()))
            self._dirty_queues[q.d.id] = None
        for p in list(call.parties):
            if p.agent_id is not None:
                self._leave(call, p)
        # monitoring of this call ends with it
        self._end_monitors_of(call.id)

    def _end_monitors_of(self, call_id: str) -> None:
        for mid in [m for m in self._monitors if self._calls[m].associated_id == call_id]:
            self._end_call(self._calls[mid])

    def _dissolve(self, call: Call) -> None:
        """Remove ``call`` (a consult merged into another call): plain DELETEs."""
        del self._calls[call.id]
        for p in list(call.parties):
            if p.agent_id is None:
                continue
            a = self._agents[p.agent_id]
            if call.id in a.calls:
                a.calls.remove(call.id)
            if a.id in call.viewers:
                call.viewers.remove(a.id)
                self._emit_dialog(a.id, self._snap_without(call, p, DROPPED), "DELETE")
            self._touched[a.id] = None
        self._end_monitors_of(call.id)

    def _drop_remnant(self, a: AgentRuntime) -> None:
        if a.remnant is not None:
            snap = copy_dialog(a.remnant)
            a.remnant = None
            for part in snap.participants:
                if part.state == WRAP_UP:
                    part.state = DROPPED
                    part.actions = []
            self._emit_dialog(a.id, snap, "DELETE")

    # internals: events
    @contextmanager
    def _op(self, request_id: str, agents: Iterable[str]):
        """One operation: events carry ``request_id`` when addressed to ``agents``;
        at the end agents are synced, calls routed, queue statistics published and
        the events delivered."""
        prev = (self._rid, self._rid_agents)
        self._rid, self._rid_agents = request_id or "", tuple(agents)
        try:
            yield
            self._settle()
        finally:
            self._rid, self._rid_agents = prev
        self._flush()

    def _settle(self) -> None:
        """Sync touched agents, route, and re-PUT dialogs whose participants' actions
        changed as a side effect (e.g. TRANSFER appears on the held call when the
        consult is answered), until nothing moves."""
        while True:
            touched = list(self._touched)
            self._touched.clear()
            for aid in touched:
                self._sync(self._agents[aid])
            stale = {}
            for aid in touched:
                for cid in self._agents[aid].calls:
                    stale[cid] = None
            for cid in stale:
                call = self._calls.get(cid)
                if call is not None and call.viewers and self._signature(call) != call.signature:
                    self._publish(call)
            if self._status == "IN_SERVICE" and self._route_queues:
                self._route_waiting()
            if not self._touched:
                break
        dirty = list(self._dirty_queues)
        self._dirty_queues.clear()
        for qid in dirty:
            q = self._queues.get(qid)
            if q is None:
                continue
            st = self._stats(q)
            if st != q.last_published:
                q.last_published = st
                self._emit(QueueChanged(make_queue(q, st)))

    def _publish_user(self, a: AgentRuntime, force: bool = False) -> None:
        key = a.key()
        changed = key != a.published
        if not changed and not force:
            return
        a.published = key
        self._emit(UserChanged(a.id, a.user(self.site), self._rid_for(a.id)))
        if changed:
            self._emit(TeamMemberChanged(a.d.team_id, a.member()))
            for qid in self._agent_queues[a.id]:
                self._dirty_queues[qid] = None

    def _emit_dialog(self, agent_id: str, dialog: Dialog, change: str) -> None:
        self._emit(DialogChanged(agent_id, dialog, change, self._rid_for(agent_id)))

    def _async_error(self, agent_id: str, err: tuple, source: str, description: str = "") -> None:
        """An asynchronous refusal; ``description``: Finesse's errorMessage when it is prose."""
        code, etype, data = err
        self._emit(AgentError(agent_id, code, etype, data, self._rid_for(agent_id), source, description))

    def _rid_for(self, agent_id: str) -> str:
        return self._rid if agent_id in self._rid_agents else ""

    def _emit(self, event: DomainEvent) -> None:
        self._outbox.append(event)

    def _flush(self) -> None:
        if self._flushing:
            return
        self._flushing = True
        try:
            while self._outbox:
                event = self._outbox.popleft()
                for listener in list(self._listeners):
                    try:
                        listener(event)
                    except Exception:  # a listener must not break the model
                        log.exception("contact-center listener failed on %r", event)
        finally:
            self._flushing = False
