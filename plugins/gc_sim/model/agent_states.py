"""Agent state requests and the agent-state machine of the model (sign-in, READY,
NOT_READY, WORK, LOGOUT, pending states, supervisor changes; busy periods)."""
from __future__ import annotations

from typing import Optional

from gc_core.domain import FLAVOUR_UCCE, FLAVOUR_UCCX, MobileAgent, ReasonCode

from . import errors as E
from . import states as S
from .agents import AgentRuntime
from .dialogs import CONNECTED

MOBILE_MODES = ("CALL_BY_CALL", "NAILED_CONNECTION")


class AgentStates:
    """Part of :class:`~gc_sim.model.ContactCenter` (a mixin; the state lives there)."""

    # agent state
    def change_state(self, agent_id: str, state: str, reason_code_id: Optional[str] = None,
                     extension: Optional[str] = None, mobile_agent: Optional[MobileAgent] = None,
                     request_id: str = "", actor_id: Optional[str] = None) -> None:
        """LOGIN (with extension), READY, NOT_READY, LOGOUT, WORK, WORK_READY.

        Synchronous refusals (CCError): 503; 404 User Not Found; 400 Invalid Input for an
        unknown state, WORK_READY on UCCX, an unknown reason code (or one of the wrong
        category, or one given with READY / WORK / LOGIN / by a supervisor); 400 Parameter
        Missing for LOGIN without extension; 400 Invalid State for anything but LOGIN
        while signed out, or LOGIN on another extension while signed in (LOGIN again on
        the same extension just re-publishes the User); 501 for a mobile-agent LOGIN on
        UCCX.

        Asynchronous refusals (AgentError, source /finesse/api/User/{id}):
        - LOGIN on an extension that is no device of the site, or a mobile-agent dial
          number that is no outside number: CF_INVALID_LOGON_DEVICE_SPECIFIED "Invalid
          Device"; on a device another agent is signed in on: same code, "Device Busy";
        - LOGOUT where not allowed (UCCE: only from NOT_READY; UCCX: NOT_READY or READY;
          never with a call): CF_INVALID_OBJECT_STATE "Invalid State" (22);
        - while RESERVED / TALKING / HOLD: UCCE records READY, NOT_READY, WORK, WORK_READY
          as ``pendingState`` (applied when the call ends); UCCX refuses them with
          CF_RESOURCE_BUSY (33); WORK / WORK_READY during calls whose wrap-up setting is
          NOT_ALLOWED: CF_INVALID_AGENT_WORKMODE (265).
        Idle states (NOT_READY, READY, WORK, WORK_READY) change freely among themselves;
        leaving WORK / WORK_READY drops the dialog kept for wrap-up. Asking for the
        current state again re-publishes the User (same stateChangeTime).

        ``actor_id``: a supervisor changing a member of a team it supervises (401
        "Invalid Authorization User Specified" if not a supervisor, 401 "Invalid
        Supervisor" if not that team's): READY, NOT_READY or LOGOUT only, no reason code;
        NOT_READY / LOGOUT carry reason code 999 (UCCE) / 33 (UCCX); a supervisor may
        sign an agent out of any idle state (not during a call)."""
        self._check_service()
        a = self._agent(agent_id)
        state = (state or "").upper()
        if state not in S.REQUESTABLE:
            raise E.invalid_input("state", f"Invalid state {state}")
        if state == S.WORK_READY and self.flavour != FLAVOUR_UCCE:
            raise E.invalid_input("state", "WORK_READY is not a UCCX state")
        actor = None
        if actor_id is not None and str(actor_id) != a.id:
            actor = self._agent(actor_id)
            if not actor.d.is_supervisor:
                raise E.not_a_supervisor(actor.id)
            if a.d.team_id not in actor.d.supervises:
                raise E.invalid_supervisor(a.id)
            if reason_code_id not in (None, ""):
                raise E.invalid_input("reasonCodeId", "A supervisor may not send a reason code")
            if state not in (S.READY, S.NOT_READY, S.LOGOUT):
                raise E.invalid_input("state", f"A supervisor may not set {state}")
        reason = None
        if reason_code_id not in (None, ""):
            if state not in (S.NOT_READY, S.LOGOUT):
                raise E.invalid_input("reasonCodeId", f"No reason code for {state}")
            rc = self._reasons.get(str(reason_code_id))
            if rc is None or rc.category != state:
                raise E.invalid_input("reasonCodeId", f"Unknown {state} reason code {reason_code_id}")
            reason = ReasonCode(rc.id, rc.label, rc.category, rc.code, rc.for_all)
        if actor is not None and state in (S.NOT_READY, S.LOGOUT):
            reason = S.supervisor_reason(self.flavour, state)
        elif reason is None and state in self.site.reason_codes_required:
            raise E.parameter_missing("reasonCodeId")
        if state == "LOGIN":
            return self._login(a, extension, mobile_agent, request_id)
        if not a.logged_in:
            raise E.invalid_state("User is not signed in", state)
        requester = actor.id if actor else a.id
        with self._op(request_id, (requester, a.id)):
            self._request_state(a, state, reason, requester, forced=actor is not None)

    def force_logout(self, agent_id: str, request_id: str = "") -> None:
        """Sign the agent out whatever it is doing, with reason code 255 (what Finesse
        does when an agent's notification presence goes away): an ACD call ringing
        there goes back to its queue; other calls lose the agent's leg (a two-party
        call ends); the wrap-up dialog goes away."""
        self._check_service()
        a = self._agent(agent_id)
        if not a.logged_in:
            return
        with self._op(request_id, (a.id,)):
            a.busy = False
            for cid in list(a.calls):
                call = self._calls.get(cid)
                p = call.agent_party(a.id) if call is not None else None
                if p is None:
                    continue
                if self._requeue(call, p):
                    continue
                self._remove_party(call, p, wrap=False)
                self._after_change(call)
            self._logout(a, S.forced_logout_reason())

    def _login(self, a: AgentRuntime, extension, mobile_agent, request_id) -> None:
        ext = "" if extension is None else str(extension).strip()
        if a.logged_in:
            if ext and ext != a.extension:
                raise E.invalid_state("User is already signed in on another extension", ext)
            with self._op(request_id, (a.id,)):
                self._publish_user(a, force=True)
            return
        if not ext:
            raise E.parameter_missing("extension")
        if mobile_agent is not None:
            if self.flavour != FLAVOUR_UCCE:
                raise E.not_implemented("mobileAgent")
            if (mobile_agent.mode or "").upper() not in MOBILE_MODES:
                raise E.invalid_input("mode", f"Invalid mobile agent mode {mobile_agent.mode}")
            if not mobile_agent.dial_number:
                raise E.parameter_missing("dialNumber")
        src = f"/finesse/api/User/{a.id}"
        with self._op(request_id, (a.id,)):
            fault = self._injected_fault(a.id, "LOGIN")
            if fault is not None:
                return self._async_error(a.id, fault, src)
            if not (ext.isdigit() and self.site.is_device(ext)):
                return self._async_error(a.id, E.E_INVALID_LOGON_DEVICE, src)
            if ext in self._by_extension:
                return self._async_error(a.id, E.E_DEVICE_BUSY, src)
            if mobile_agent is not None and not self.site.is_external(mobile_agent.dial_number):
                return self._async_error(a.id, E.E_INVALID_LOGON_DEVICE, src)
            a.extension = a.last_extension = ext
            self._by_extension[ext] = a.id
            a.mobile = (MobileAgent(mobile_agent.mode.upper(), mobile_agent.dial_number)
                        if mobile_agent is not None else None)
            a.pending, a.pending_reason, a.busy, a.period_kinds = "", None, False, set()
            self._set_state(a, S.NOT_READY, S.login_reason())
            self._publish_user(a)

    def _request_state(self, a: AgentRuntime, state: str, reason, requester: str, forced: bool) -> None:
        src = f"/finesse/api/User/{a.id}"
        if a.state in S.BUSY_STATES:
            if state == S.LOGOUT:
                return self._async_error(requester, E.E_INVALID_OBJECT_STATE, src)
            if self.flavour == FLAVOUR_UCCX:
                # Finesse guide, User-Change Agent State (UCCX): a pending READY during
                # an ICD call is refused with 265 CF_INVALID_AGENT_WORKMODE, during a
                # non-ICD call with 33 CF_RESOURCE_BUSY.
                icd = any(self._calls[cid].queue_id is not None or self._calls[cid].outbound
                          for cid in a.calls if cid in self._calls)
                err = E.E_INVALID_WORKMODE if icd and state == S.READY else E.E_RESOURCE_BUSY
                return self._async_error(requester, err, src)
            if state in S.WRAP_STATES:
                kinds = set(a.period_kinds) | {p.kind for p in self._legs(a) if p.state in CONNECTED}
                if not S.wrap_up_allowed(kinds, a.d.wrap_up_on_incoming, a.d.wrap_up_on_outgoing):
                    return self._async_error(requester, E.E_INVALID_WORKMODE, src)
            a.pending, a.pending_reason = state, reason
            self._publish_user(a, force=True)
            return
        # idle: NOT_READY, READY, WORK, WORK_READY
        if (self.flavour == FLAVOUR_UCCX and state == S.READY
                and any(p.state in CONNECTED for p in self._legs(a, include_stateless=True))):
            # UCCX, talking on a non-ICD call (the state stayed NOT_READY): READY is
            # refused with 33 CF_RESOURCE_BUSY (Finesse guide, User-Change Agent State)
            return self._async_error(requester, E.E_RESOURCE_BUSY, src)
        if state == S.LOGOUT:
            ok = (not a.calls) and (forced or S.logout_allowed_from(self.flavour, a.state))
            if not ok:
                return self._async_error(requester, E.E_INVALID_OBJECT_STATE, src)
            self._logout(a, reason)
            return
        if not S.idle_transition_allowed(self.flavour, a.state, state):
            return self._async_error(requester, E.E_INVALID_OBJECT_STATE, src)
        if state not in S.WRAP_STATES:
            self._drop_remnant(a)
        if state == a.state and (reason.id if reason else None) == (a.reason.id if a.reason else None):
            self._publish_user(a, force=True)
            return
        self._set_state(a, state, reason)
        self._publish_user(a)

    def _logout(self, a: AgentRuntime, reason) -> None:
        self._drop_remnant(a)
        self._by_extension.pop(a.extension, None)
        a.extension = ""
        a.mobile = None
        a.pending, a.pending_reason, a.busy, a.period_kinds = "", None, False, set()
        self._set_state(a, S.LOGOUT, reason)
        self._publish_user(a)

    # internals: agent state
    def _set_state(self, a: AgentRuntime, state: str, reason) -> None:
        rid_old = a.reason.id if a.reason else None
        rid_new = reason.id if reason else None
        if state != a.state or rid_old != rid_new:
            a.state_change_time = self._clock()
        if state == S.READY and a.state != S.READY:
            self._seq += 1
            a.ready_seq = self._seq
            for qid in self._agent_queues[a.id]:
                self._route_queues[qid] = None
        a.state = state
        a.reason = reason

    def _sync(self, a: AgentRuntime) -> None:
        """Align the agent's state with its calls (busy period start / end)."""
        for qid in self._agent_queues[a.id]:
            self._dirty_queues[qid] = None
        if not a.logged_in:
            return
        legs = []
        for cid in a.calls:
            c = self._calls[cid]
            p = c.agent_party(a.id)
            if p is not None and p.bears_state:
                legs.append((p.state, p.reserving, c.reservation))
                if p.state in CONNECTED:
                    a.period_kinds.add(p.kind)
        busy = S.busy_state(self.flavour, legs)
        if busy is not None:
            if not a.busy:
                # a new call interrupts a wrap-up: its dialog goes (the state comes back)
                a.busy = True
                a.base_state, a.base_reason = a.state, a.reason
                self._drop_remnant(a)
            if a.state != busy:
                self._set_state(a, busy, None)
        elif a.busy:
            target = S.after_call_state(self.flavour, a.base_state, a.pending, a.period_kinds,
                                        a.d.wrap_up_on_incoming, a.d.wrap_up_on_outgoing)
            reason = None
            if target == S.NOT_READY:
                reason = a.pending_reason if a.pending == S.NOT_READY else a.base_reason
            a.busy = False
            a.pending, a.pending_reason = "", None
            a.period_kinds = set()
            if target not in S.WRAP_STATES:
                self._drop_remnant(a)
            self._set_state(a, target, reason)
        if a.state == S.READY and not a.calls:
            # idle again without a state change (e.g. a ringing internal call went away)
            for qid in self._agent_queues[a.id]:
                self._route_queues[qid] = None
        self._publish_user(a)
