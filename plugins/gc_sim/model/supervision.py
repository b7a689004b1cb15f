"""Supervisor calls: silent monitoring and barge-in."""
from __future__ import annotations

from typing import Optional

from gc_core.domain import FLAVOUR_UCCE

from . import errors as E
from . import states as S
from .agents import AgentRuntime
from .dialogs import ACTIVE, CONNECTED, INITIATED, SUPERVISOR_MONITOR, Call, Party


class Supervision:
    """Part of :class:`~gc_sim.model.ContactCenter` (a mixin; the state lives there)."""

    # supervisor calls
    def supervisor_call(self, agent_id: str, action: str, to_address: str,
                        associated_dialog_id: Optional[str] = None, request_id: str = "") -> Optional[str]:
        """SILENT_MONITOR | BARGE_CALL from supervisor ``agent_id`` to the agent signed
        in at extension ``to_address``; returns the supervisor's dialog id (None when
        refused asynchronously).

        Synchronous: 503; 404; 401 "Invalid Authorization User Specified" (not a
        supervisor); 400 Invalid State (supervisor signed out); 400 Invalid Input
        (action); 400 Parameter Missing (``to_address``); 400 Invalid Destination (no
        agent signed in there, or the supervisor itself); 401 "Invalid Supervisor" (the
        agent is not in a team the supervisor supervises).

        SILENT_MONITOR needs the supervisor NOT_READY without calls and the agent on a
        connected call not already monitored; else AgentError CF_INVALID_OBJECT_STATE
        (22, source /finesse/api/User/{supervisor}/Dialogs). It creates a dialog
        (callType SUPERVISOR_MONITOR, associated with the agent's call) POSTed INITIATED
        then PUT ACTIVE to the supervisor AND to the agent (the spec shows the agent a
        new call); the agent's leg is passive (no actions, no state change). UCCE: the
        supervisor goes TALKING; UCCX: it stays NOT_READY. End it with DROP (target =
        the supervisor's extension); it also ends when the agent leaves the call.

        BARGE_CALL (``associated_dialog_id``: the monitor dialog, or the agent's dialog,
        or None for the agent's connected call) ends the monitor dialog and adds the
        supervisor as an ACTIVE party of the agent's call (supervisor TALKING on both
        flavours); returns that call's id. Refused (22) unless the supervisor is idle or
        monitoring that agent, and the agent is on a connected call."""
        self._check_service()
        sup = self._agent(agent_id)
        if not sup.d.is_supervisor:
            raise E.not_a_supervisor(sup.id)
        if not sup.logged_in:
            raise E.invalid_state("User is not signed in", action or "")
        action = (action or "").upper()
        if action not in ("SILENT_MONITOR", "BARGE_CALL"):
            raise E.invalid_input("requestedAction", f"Invalid action {action}")
        to = "" if to_address is None else str(to_address).strip()
        if not to:
            raise E.parameter_missing("toAddress")
        aid = self._by_extension.get(to)
        if aid is None or aid == sup.id:
            raise E.invalid_destination(to)
        agent = self._agents[aid]
        if agent.d.team_id not in sup.d.supervises:
            raise E.invalid_supervisor(agent.id)
        src = f"/finesse/api/User/{sup.id}/Dialogs"
        with self._op(request_id, (sup.id,)):
            monitored = self._connected_call(agent)
            if action == "SILENT_MONITOR":
                if (monitored is None or sup.calls or sup.state != S.NOT_READY
                        or self._monitor_of(agent.id) is not None):
                    self._async_error(sup.id, E.E_INVALID_OBJECT_STATE, src)
                    return None
                return self._start_monitor(sup, agent, monitored)
            return self._barge(sup, agent, monitored, associated_dialog_id, src)

    def _start_monitor(self, sup, agent, monitored: Call) -> str:
        now = self._clock()
        m = self._new_call(SUPERVISOR_MONITOR, sup.extension, agent.extension)
        m.associated_id = monitored.id
        self._monitors[m.id] = None
        m.originator = sup.extension
        ps = Party(sup.extension, sup.id, INITIATED, now, now, stateless=self.flavour != FLAVOUR_UCCE)
        pa = Party(agent.extension, agent.id, INITIATED, now, now, passive=True)
        self._add_party(m, ps)
        self._add_party(m, pa)
        m.state = INITIATED
        self._publish(m)
        ps.set_state(ACTIVE, now)
        pa.set_state(ACTIVE, now)
        m.state = ACTIVE
        self._publish(m)
        return m.id

    def _barge(self, sup, agent, monitored, associated_dialog_id, src):
        target = monitored
        if associated_dialog_id:
            c = self._calls.get(str(associated_dialog_id))
            if c is not None and c.call_type == SUPERVISOR_MONITOR and c.id in sup.calls:
                target = self._calls.get(c.associated_id or "")
            elif c is not None and agent.id in c.agent_ids():
                target = c
            else:
                target = None
        monitor = self._monitor_of(agent.id)
        own_monitor = monitor if monitor is not None and monitor.id in sup.calls else None
        sup_free = all(cid == (own_monitor.id if own_monitor else None) for cid in sup.calls)
        ok = (target is not None and target is monitored and sup_free
              and (own_monitor is not None or sup.state == S.NOT_READY))
        if not ok:
            self._async_error(sup.id, E.E_INVALID_OBJECT_STATE, src)
            return None
        if own_monitor is not None:
            self._end_call(own_monitor)
        now = self._clock()
        self._add_party(target, Party(sup.extension, sup.id, ACTIVE, now, now, kind=S.KIND_INTERNAL))
        self._refresh(target)
        self._publish(target)
        return target.id

    def _monitor_of(self, agent_id: str) -> Optional[Call]:
        a = self._agents[agent_id]
        for cid in a.calls:
            c = self._calls[cid]
            if c.call_type == SUPERVISOR_MONITOR and c.agent_party(agent_id).passive:
                return c
        return None

    def _connected_call(self, a: AgentRuntime) -> Optional[Call]:
        for cid in a.calls:
            c = self._calls[cid]
            p = c.agent_party(a.id)
            if p.bears_state and p.state in CONNECTED and c.state == ACTIVE:
                return c
        return None
