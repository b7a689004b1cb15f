"""Calls agents make and act on: MAKE_CALL, the dialog actions (answer, hold, consult,
transfer, conference, preview ...), each leg's ``actions`` and UPDATE_CALL_DATA."""
from __future__ import annotations

from typing import Optional

from gc_core.domain import FLAVOUR_UCCE, FLAVOUR_UCCX, CallbackInfo

from . import errors as E
from . import states as S
from .agents import AgentRuntime
from .dialogs import (ACCEPTED, ACTIVE, AGENT_INSIDE, AGENT_OUT, ALERTING, CONFERENCE, CONNECTED, CONSULT,
                      FAILED, HELD, INITIATED, INITIATING, SUPERVISOR_MONITOR, TRANSFER, WRAP_UP_REASON_MAX,
                      Call, Party, check_call_variables, copy_dialog)

DIALOG_ACTIONS = ("ANSWER", "HOLD", "RETRIEVE", "DROP", "CONSULT_CALL", "TRANSFER", "TRANSFER_SST", "CONFERENCE",
                  "SEND_DTMF", "PARTICIPANT_DROP", "START_RECORDING", "ACCEPT", "REJECT", "CLOSE", "RECLASSIFY",
                  "UPDATE_SCHEDULED_CALLBACK", "CANCEL_SCHEDULED_CALLBACK", "UPDATE_CALL_DATA")
UCCE_ONLY_ACTIONS = ("TRANSFER_SST", "PARTICIPANT_DROP", "ACCEPT", "REJECT", "CLOSE")
UCCX_ONLY_ACTIONS = ("START_RECORDING",)
RECLASSIFY_VALUES = ("VOICE", "FAX", "ANS_MACHINE", "INVALID", "DO_NOT_CALL", "BUSY")
DTMF_CHARS = set("0123456789*#ABCDabcd")


class CallActions:
    """Part of :class:`~gc_sim.model.ContactCenter` (a mixin; the state lives there)."""

    # calls made by agents
    def make_call(self, agent_id: str, to_address: str, call_variables: Optional[dict] = None,
                  request_id: str = "") -> Optional[str]:
        """Start a call from the agent's device; returns the new dialog id (None when
        refused asynchronously).

        Synchronous: 503; 404; 400 Invalid State when signed out; 400 Parameter Missing
        without ``to_address``; 400 Invalid Destination to the agent's own extension;
        400 Invalid Input for call variables on UCCX (Finesse: UCCE only) or bad ones.
        Asynchronous: CF_INVALID_OBJECT_STATE (22, source /finesse/api/User/{id}/Dialogs)
        when the agent already has a call or is not NOT_READY / READY.

        The dialog is POSTed INITIATING, then: to a signed-in agent's extension it goes
        INITIATED then ALERTING at that agent (callType AGENT_INSIDE; the callee's state
        does not change until it answers); to an outside number (site.is_external) the
        customer alerts until :meth:`customer_answer` (callType AGENT_OUT). A destination
        that cannot ring FAILS: the dialog is PUT FAILED with the caller's stateCause
        BUSY (agent busy), DEVICE_RESOURCE_NOT_AVAILABLE (a phone nobody is signed in on)
        or BAD_DESTINATION (unknown number, e.g. a short unknown extension), then
        DELETEd; the caller's state never changes then."""
        self._check_service()
        a = self._agent(agent_id)
        if not a.logged_in:
            raise E.invalid_state("User is not signed in", "MAKE_CALL")
        to = "" if to_address is None else str(to_address).strip()
        if not to:
            raise E.parameter_missing("toAddress")
        if call_variables:
            if self.flavour != FLAVOUR_UCCE:
                raise E.invalid_input("mediaProperties", "Call variables on MAKE_CALL are UCCE only")
            self._check_vars(call_variables)
        if to == a.extension:
            raise E.invalid_destination(to)
        with self._op(request_id, (a.id,)):
            fault = self._injected_fault(a.id, "MAKE_CALL")
            if fault is not None:
                self._async_error(a.id, fault, f"/finesse/api/User/{a.id}/Dialogs")
                return None
            if self._stateful_legs(a) or a.state not in (S.NOT_READY, S.READY):
                self._async_error(a.id, E.E_INVALID_OBJECT_STATE, f"/finesse/api/User/{a.id}/Dialogs")
                return None
            call = self._new_call(AGENT_INSIDE, a.extension, to)
            if call_variables:
                call.call_variables.update(call_variables)
            return self._dial(call, a, to)

    def _dial(self, call: Call, a: AgentRuntime, to: str) -> str:
        """POST ``call`` INITIATING from agent ``a`` and ring ``to`` (or fail)."""
        now = self._clock()
        kind, target, cause = self._resolve(to)
        call.originator = a.extension
        call.call_type = call.call_type if call.call_type != AGENT_INSIDE else (
            AGENT_OUT if kind == "external" else AGENT_INSIDE)
        # UCCX: calls UCCX did not route (non-ICD: agent-to-agent, outside numbers,
        # consults) leave the agents' states as they are (Finesse guide 12.5(1), User -
        # Change Agent State: "Coresident Finesse with Unified CCX: Finesse does not send
        # a User notification. The agent remains in NOT_READY state").
        non_icd = self._non_icd(call)
        pa = Party(a.extension, a.id, INITIATING, now, now,
                   kind=(S.KIND_OUT if kind == "external" and call.call_type != CONSULT else S.KIND_INTERNAL),
                   stateless=non_icd)
        self._add_party(call, pa)
        call.state = INITIATING
        self._publish(call)
        if kind == "fail":
            pa.set_state(FAILED, now, cause)
            call.state = FAILED
            self._publish(call)
            self._end_call(call)
            return call.id
        pa.set_state(INITIATED, now)
        call.state = INITIATED
        self._publish(call)
        if kind == "agent":
            self._add_party(call, Party(target.extension, target.id, ALERTING, now, now, kind=S.KIND_INTERNAL,
                                        stateless=non_icd))
        else:
            self._add_party(call, Party(to, None, ALERTING, now, now))
        call.state = ALERTING
        self._publish(call)
        return call.id

    def _non_icd(self, call: Call) -> bool:
        """UCCX only: a call the contact center did not route (no queue, not outbound)."""
        return self.flavour == FLAVOUR_UCCX and call.queue_id is None and not call.outbound

    def _resolve(self, address: str):
        """("agent", runtime, "") | ("external", None, "") | ("fail", None, stateCause).

        A signed-in agent with any call, or an outside number already on a call, is
        BUSY (one line each)."""
        aid = self._by_extension.get(address)
        if aid is not None:
            b = self._agents[aid]
            if self._is_engaged(b):
                return "fail", None, "BUSY"
            return "agent", b, ""
        if self.site.is_external(address):
            if any(p.address == address and p.agent_id is None
                   for c in self._calls.values() for p in c.parties):
                return "fail", None, "BUSY"   # one line per outside number
            return "external", None, ""
        if self.site.is_device(address):
            return "fail", None, "DEVICE_RESOURCE_NOT_AVAILABLE"
        return "fail", None, "BAD_DESTINATION"

    # dialog actions
    def dialog_action(self, agent_id: str, dialog_id: str, action: str,
                      target_media_address: Optional[str] = None, to_address: Optional[str] = None,
                      action_params: Optional[dict] = None, request_id: str = "") -> Optional[str]:
        """Finesse's ``PUT Dialog`` requestedAction. Returns the consult dialog's id for
        CONSULT_CALL, the dialog id otherwise (None when refused asynchronously).

        Synchronous (CCError): 503; 404 User Not Found; 400 Invalid Input for an unknown
        action or a ``targetMediaAddress`` that is not the agent's extension (except
        PARTICIPANT_DROP, where it names the leg to drop and must be one); 501 Not
        Implemented for TRANSFER_SST, PARTICIPANT_DROP, ACCEPT, REJECT, CLOSE on UCCX
        and START_RECORDING on UCCE; 404 Dialog Not Found when the dialog is not in the
        agent's list; 400 Parameter Missing / Invalid Input / Invalid Destination for
        missing or bad ``toAddress`` / ``actionParams`` (dtmfString,
        outboundClassification, callbackTime / callbackNumber).

        Asynchronous: an action that is not in the agent's participant ``actions`` right
        now (the same list the dialog shows) answers AgentError CF_INVALID_OBJECT_STATE
        "Call Operation Failure" (22), source /finesse/api/Dialog/{id}: answering a call
        that is not ringing, holding a held call, retrieving while another call is
        active, DROP on a ringing ACD call, TRANSFER / CONFERENCE without an answered
        consult call, CONSULT_CALL with a consult already up ... TRANSFER_SST to a
        destination that cannot ring: CF_INVALID_CALLED_DEVICE (unknown / signed-out
        device) or CF_RESOURCE_BUSY (33, busy agent); the call stays with the agent.

        Semantics: CONSULT_CALL holds the call and dials ``toAddress`` in a CONSULT dialog
        (associated with the held one; a consult that fails leaves the original HELD).
        TRANSFER and CONFERENCE may be sent on the held call or on the consult call;
        TRANSFER moves the consulted party into the original dialog (callType TRANSFER)
        and drops the transferring agent; CONFERENCE retrieves the original and adds the
        consulted party (callType CONFERENCE); the consult dialog is DELETEd. DROP by one
        party of a 3+-party call leaves the others; a call with fewer than two parties or
        no agent left ends. UCCE preview reservations: ACCEPT (dialog ACCEPTED, then the
        customer is dialled on the same dialog), REJECT, CLOSE (reservation ends, agent
        back to READY). UCCX direct preview: ANSWER accepts, DROP rejects. SEND_DTMF emits
        no event; START_RECORDING PUTs the dialog (the action leaves the list).
        RECLASSIFY, UPDATE_SCHEDULED_CALLBACK and CANCEL_SCHEDULED_CALLBACK (outbound
        dialogs) PUT the dialog. UPDATE_CALL_DATA takes ``action_params``:
        ``wrapUpReason`` plus call variables by name."""
        self._check_service()
        a = self._agent(agent_id)
        action = (action or "").upper()
        if action not in DIALOG_ACTIONS:
            raise E.invalid_input("requestedAction", f"Invalid action {action}")
        if action == "UPDATE_CALL_DATA":
            params = dict(action_params or {})
            wrap = params.pop("wrapUpReason", None)
            self.update_call_data(agent_id, dialog_id, call_variables=params or None, wrap_up_reason=wrap,
                                  request_id=request_id)
            return str(dialog_id)
        if self.flavour == FLAVOUR_UCCX and action in UCCE_ONLY_ACTIONS:
            raise E.not_implemented(action)
        if self.flavour == FLAVOUR_UCCE and action in UCCX_ONLY_ACTIONS:
            raise E.not_implemented(action)
        did = str(dialog_id)
        call = self._calls.get(did)
        remnant = a.remnant is not None and a.remnant.id == did
        if call is None or call.id not in a.calls:
            if remnant:
                with self._op(request_id, (a.id,)):
                    self._async_error(a.id, E.E_CALL_INVALID_STATE, f"/finesse/api/Dialog/{did}")
                return None
            raise E.dialog_not_found(did)
        party = call.agent_party(a.id)
        target = None if target_media_address is None else str(target_media_address).strip()
        params = action_params or {}
        if action == "PARTICIPANT_DROP":
            if not target:
                raise E.parameter_missing("targetMediaAddress")
            victim = call.party(target)
            if victim is None or victim is party:
                raise E.invalid_input("targetMediaAddress", f"{target} is not another participant")
        elif target and target != a.extension:
            raise E.invalid_input("targetMediaAddress", f"{target} is not the agent's extension")
        to = None
        if action in ("CONSULT_CALL", "TRANSFER_SST"):
            to = "" if to_address is None else str(to_address).strip()
            if not to:
                raise E.parameter_missing("toAddress")
            if to == a.extension:
                raise E.invalid_destination(to)
        if action == "SEND_DTMF":
            dtmf = str(params.get("dtmfString", "") or "")
            if not dtmf:
                raise E.parameter_missing("dtmfString")
            if not set(dtmf) <= DTMF_CHARS:
                raise E.invalid_input("dtmfString")
        if action == "RECLASSIFY":
            value = str(params.get("outboundClassification", "") or "").upper()
            if not value:
                raise E.parameter_missing("outboundClassification")
            if value not in RECLASSIFY_VALUES:
                raise E.invalid_input("outboundClassification")
        if action == "UPDATE_SCHEDULED_CALLBACK":
            cb_time = params.get("callbackTime")
            cb_number = params.get("callbackNumber")
            if not cb_time and not cb_number:
                raise E.parameter_missing("callbackTime")
            if cb_number and not str(cb_number).lstrip("+").isdigit():
                raise E.invalid_input("callbackNumber")
        with self._op(request_id, (a.id,)):
            fault = self._injected_fault(a.id, action)
            if fault is not None:
                self._async_error(a.id, fault, f"/finesse/api/Dialog/{did}")
                return None
            if action not in self._actions(call, party):
                if action == "CONFERENCE" and self.flavour == FLAVOUR_UCCE:
                    self._async_error(a.id, E.E_CONFERENCE_REFUSED_UCCE, f"/finesse/api/Dialog/{did}",
                                      E.CONFERENCE_REFUSED_TEXT)
                else:
                    self._async_error(a.id, E.E_CALL_INVALID_STATE, f"/finesse/api/Dialog/{did}")
                return None
            handler = getattr(self, "_do_" + action.lower())
            return handler(a, call, party, target=target, to=to, params=params)

    # -- the actions (state already checked against _actions) -----------------------
    def _do_answer(self, a, call, party, **_):
        now = self._clock()
        if call.reservation:
            return self._start_preview_call(a, call, party)
        party.set_state(ACTIVE, now)
        for p in call.parties:
            if p.state in (INITIATING, INITIATED):
                p.set_state(ACTIVE, now)
        if call.queue_id is not None and call.answered_at is None:
            call.answered_at = now
            self._queues[call.queue_id].handled_calls += 1
            self._dirty_queues[call.queue_id] = None
        self._refresh(call)
        self._publish(call)
        return call.id

    def _do_hold(self, a, call, party, **_):
        party.set_state(HELD, self._clock())
        self._publish(call)
        return call.id

    def _do_retrieve(self, a, call, party, **_):
        party.set_state(ACTIVE, self._clock())
        self._publish(call)
        return call.id

    def _do_drop(self, a, call, party, **_):
        self._remove_party(call, party)
        self._after_change(call)
        return call.id

    def _do_reject(self, a, call, party, **_):
        return self._do_drop(a, call, party)

    _do_close = _do_reject

    def _do_participant_drop(self, a, call, party, target=None, **_):
        self._remove_party(call, call.party(target))
        self._after_change(call)
        return call.id

    def _do_send_dtmf(self, a, call, party, params=None, **_):
        call.dtmf += str(params.get("dtmfString"))
        return call.id

    def _do_start_recording(self, a, call, party, **_):
        call.recording = True
        self._publish(call)   # START_RECORDING leaves the actions
        return call.id

    def _do_consult_call(self, a, call, party, to=None, **_):
        party.set_state(HELD, self._clock())
        self._publish(call)
        consult = self._new_call(CONSULT, a.extension, to)
        consult.associated_id = call.id
        consult.call_variables = dict(call.call_variables)
        return self._dial(consult, a, to)

    def _consult_pair(self, a: AgentRuntime, call: Call):
        """(original, consult) when ``a`` holds ``original`` and its consult is answered."""
        if call.call_type == CONSULT and call.originator == a.extension:
            original, consult = self._calls.get(call.associated_id or ""), call
        else:
            original, consult = call, None
            for cid in a.calls:
                c = self._calls[cid]
                if c.call_type == CONSULT and c.associated_id == call.id and c.originator == a.extension:
                    consult = c
                    break
        if original is None or consult is None or original.id not in a.calls:
            return None
        po, pc = original.agent_party(a.id), consult.agent_party(a.id)
        if po is None or pc is None or po.state != HELD or pc.state != ACTIVE or consult.state != ACTIVE:
            return None
        if len(consult.parties) != 2:
            return None
        other = next(p for p in consult.parties if p.agent_id != a.id)
        if original.party(other.address) is not None:
            return None
        return original, consult

    def _join_from_consult(self, a, original: Call, consult: Call) -> Party:
        """Dissolve ``consult`` and put its other party into ``original``; returns it."""
        now = self._clock()
        other = next(p for p in consult.parties if p.agent_id != a.id)
        original.secondary_id = consult.id
        self._dissolve(consult)
        has_customer = any(not p.is_agent for p in original.parties)
        joined = Party(other.address, other.agent_id, ACTIVE, now, now,
                       kind=(S.KIND_IN if has_customer else S.KIND_INTERNAL) if other.is_agent else "internal",
                       stateless=other.is_agent and self._non_icd(original))
        self._add_party(original, joined)
        return joined

    def _do_transfer(self, a, call, party, **_):
        original, consult = self._consult_pair(a, call)
        self._join_from_consult(a, original, consult)
        original.call_type = TRANSFER
        self._remove_party(original, original.agent_party(a.id))
        self._after_change(original)
        return original.id

    def _do_conference(self, a, call, party, **_):
        original, consult = self._consult_pair(a, call)
        self._join_from_consult(a, original, consult)
        original.call_type = CONFERENCE
        original.agent_party(a.id).set_state(ACTIVE, self._clock())
        self._after_change(original)
        return original.id

    def _do_transfer_sst(self, a, call, party, to=None, **_):
        kind, target, cause = self._resolve(to)
        if kind == "fail":
            err = E.E_CALLED_DEVICE_BUSY if cause == "BUSY" else E.E_INVALID_CALLED_DEVICE
            self._async_error(a.id, err, f"/finesse/api/Dialog/{call.id}")
            return None
        now = self._clock()
        self._remove_party(call, party)
        if kind == "agent":
            has_customer = any(not p.is_agent for p in call.parties)
            self._add_party(call, Party(target.extension, target.id, ALERTING, now, now,
                                        kind=S.KIND_IN if has_customer else S.KIND_INTERNAL))
        else:
            self._add_party(call, Party(to, None, ALERTING, now, now))
        call.call_type = TRANSFER
        self._after_change(call)
        return call.id

    def _do_accept(self, a, call, party, **_):
        now = self._clock()
        call.state = ACCEPTED
        party.set_state(ACCEPTED, now)
        self._publish(call)
        return self._start_preview_call(a, call, party)

    def _start_preview_call(self, a, call, party):
        """The agent took the reservation: dial the customer on the same dialog."""
        now = self._clock()
        customer = call.dialed_number
        call.reservation = None
        call.from_address, call.to_address = a.extension, customer
        call.call_variables["BAStatus"] = ("PREVIEW_OUTBOUND" if self.flavour == FLAVOUR_UCCE
                                           else "DIRECT_PREVIEW_OUTBOUND")
        call.originator = a.extension
        party.reserving = False
        party.set_state(INITIATED, now)
        self._add_party(call, Party(customer, None, ALERTING, now, now))
        call.state = ALERTING
        self._publish(call)
        return call.id

    def _do_reclassify(self, a, call, party, params=None, **_):
        call.classification = str(params.get("outboundClassification")).upper()
        self._publish(call)
        return call.id

    def _do_update_scheduled_callback(self, a, call, party, params=None, **_):
        cb = call.scheduled_callback or CallbackInfo()
        if params.get("callbackTime"):
            cb.callback_time = str(params["callbackTime"])
        if params.get("callbackNumber"):
            cb.callback_number = str(params["callbackNumber"])
        call.scheduled_callback = cb
        self._publish(call)
        return call.id

    def _do_cancel_scheduled_callback(self, a, call, party, **_):
        call.scheduled_callback = None
        self._publish(call)
        return call.id

    def _actions(self, call: Call, p: Party) -> list:
        """What party ``p`` may do now: the dialog's ``actions`` and the model's rule."""
        if p.agent_id is None or p.passive or call.id not in self._calls:
            return []
        ucce = self.flavour == FLAVOUR_UCCE
        if call.call_type == SUPERVISOR_MONITOR:
            return ["BARGE_CALL", "DROP"] if p.state == ACTIVE else []
        if call.reservation:
            acts = (["ACCEPT", "REJECT", "CLOSE"] if ucce else ["ANSWER", "DROP"])
            acts += ["UPDATE_SCHEDULED_CALLBACK"]
            if call.scheduled_callback:
                acts.append("CANCEL_SCHEDULED_CALLBACK")
            return acts + ["UPDATE_CALL_DATA"]
        a = self._agents[p.agent_id]
        others = [q for q in self._legs(a, include_stateless=True) if q is not p]
        acts: list = []
        if p.state == ALERTING:
            acts = ["ANSWER"]
        elif p.state in (INITIATING, INITIATED):
            acts = ["DROP"]
        elif p.state == ACTIVE:
            acts = ["HOLD", "DROP", "SEND_DTMF"]
            if call.state == ACTIVE:
                if not others:
                    acts.append("CONSULT_CALL")
                    if ucce:
                        acts.append("TRANSFER_SST")
                if ucce and len(call.parties) >= 3:
                    acts.append("PARTICIPANT_DROP")
                if not ucce and not call.recording:
                    acts.append("START_RECORDING")
        elif p.state == HELD:
            if not any(q.state in (ACTIVE, INITIATING, INITIATED) for q in others):
                acts.append("RETRIEVE")
            acts.append("DROP")
        if p.state in CONNECTED and self._consult_pair(a, call) is not None:
            acts += ["TRANSFER", "CONFERENCE"]
        if call.outbound and p.state in (ACTIVE, HELD, INITIATED):
            acts += ["RECLASSIFY", "UPDATE_SCHEDULED_CALLBACK"]
            if call.scheduled_callback:
                acts.append("CANCEL_SCHEDULED_CALLBACK")
        acts.append("UPDATE_CALL_DATA")
        return acts

    # call data
    def update_call_data(self, agent_id: str, dialog_id: str, call_variables: Optional[dict] = None,
                         wrap_up_reason: Optional[str] = None, request_id: str = "") -> None:
        """Set call variables and / or the wrap-up reason (Finesse UPDATE_CALL_DATA).

        Synchronous: 503; 404 User / Dialog Not Found (the dialog must be in the agent's
        list, live or kept for wrap-up); 400 Parameter Missing with neither argument;
        400 Invalid Input for read-only BA* variables, unknown names, a callVariable over
        40 bytes, ECC over 2,000 bytes, a wrap-up reason over 39 characters.
        Asynchronous: CF_INVALID_OBJECT_STATE (22) for call variables on a dialog kept
        for wrap-up (the call is over; only its wrap-up reason can change).
        The wrap-up reason is free text (Finesse UCCE accepts any); the labels of
        :meth:`wrap_up_reasons` are what clients offer. A live dialog is PUT to all its
        agents; a wrap-up dialog to its agent only."""
        self._check_service()
        a = self._agent(agent_id)
        did = str(dialog_id)
        call = self._calls.get(did)
        live = call is not None and call.id in a.calls
        remnant = a.remnant is not None and a.remnant.id == did
        if not live and not remnant:
            raise E.dialog_not_found(did)
        if not call_variables and wrap_up_reason is None:
            raise E.parameter_missing("mediaProperties")
        if call_variables:
            self._check_vars(call_variables)
        if wrap_up_reason is not None and len(str(wrap_up_reason)) > WRAP_UP_REASON_MAX:
            raise E.invalid_input("wrapUpReason", f"wrapUpReason longer than {WRAP_UP_REASON_MAX}")
        with self._op(request_id, (a.id,)):
            if live:
                party = call.agent_party(a.id)
                if party.passive:
                    return self._async_error(a.id, E.E_CALL_INVALID_STATE, f"/finesse/api/Dialog/{did}")
                if call_variables:
                    call.call_variables.update(call_variables)
                if wrap_up_reason is not None:
                    call.wrap_up_reason = str(wrap_up_reason)
                self._publish(call)
                return
            if call_variables:
                return self._async_error(a.id, E.E_CALL_INVALID_STATE, f"/finesse/api/Dialog/{did}")
            a.remnant.wrap_up_reason = str(wrap_up_reason)
            self._emit_dialog(a.id, copy_dialog(a.remnant), "PUT")

    def _check_vars(self, variables: dict) -> None:
        bad = check_call_variables(variables)
        if bad:
            raise E.invalid_input(bad[0], bad[1])
