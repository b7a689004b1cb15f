"""Traffic from outside the contact center: customers calling queues, answering and
hanging up, the dialer reserving agents for preview calls."""
from __future__ import annotations

from typing import Optional

from gc_core.domain import FLAVOUR_UCCE

from . import errors as E
from . import states as S
from .dialogs import (ACD_IN, ACTIVE, ALERTING, INITIATED, INITIATING, OUTBOUND_CALLBACK_PREVIEW,
                      OUTBOUND_DIRECT_PREVIEW, OUTBOUND_PREVIEW, Party)


class Traffic:
    """Part of :class:`~gc_sim.model.ContactCenter` (a mixin; the state lives there)."""

    # traffic
    def inbound_call(self, queue_id: Optional[str] = None, from_address: str = "5550100",
                     to_address: Optional[str] = None, call_variables: Optional[dict] = None,
                     call_type: str = ACD_IN) -> str:
        """A customer calls queue ``queue_id`` (default: the site's first queue);
        returns the dialog id. The call is routed at once to the longest-READY idle agent
        serving the queue (it rings there, ALERTING; the agent goes RESERVED); else it
        waits in the queue (callsInQueue, startTimeOfLongestCallInQueue) until an agent
        becomes READY (oldest call first). ``call_variables``: callVariable1..10, ECC
        ``user.*`` (CCError 400 Invalid Input otherwise). Not refused while out of
        service: the call just waits."""
        if not self._queues:
            raise E.not_found("Queue", str(queue_id))
        qid = str(queue_id) if queue_id is not None else next(iter(self._queues))
        q = self._queues.get(qid)
        if q is None:
            raise E.not_found("Queue", qid)
        if call_variables:
            self._check_vars(call_variables)
        with self._op("", ()):
            now = self._clock()
            number = to_address or q.d.number or q.d.name
            call = self._new_call(call_type or ACD_IN, str(from_address), number)
            call.dialed_number = call.dnis = number
            call.queue_id, call.queue_name, call.queue_number = q.d.id, q.d.name, q.d.number
            if call_variables:
                call.call_variables.update(call_variables)
            call.parties.append(Party(str(from_address), None, ACTIVE, now, now))
            call.originator = str(from_address)
            call.state = ALERTING
            self._seq += 1
            call.enqueued_at, call.enqueue_seq = now, self._seq
            q.waiting.append(call.id)
            q.total_calls += 1
            self._dirty_queues[qid] = None
            self._route_queues[qid] = None
            return call.id

    def customer_answer(self, dialog_id: str, address: Optional[str] = None) -> None:
        """The outside party (``address``, or the first one) ringing on this dialog
        answers. CCError 404 Dialog Not Found; 400 Invalid State if no outside party
        rings there."""
        call = self._calls.get(str(dialog_id))
        if call is None:
            raise E.dialog_not_found(str(dialog_id))
        party = next((p for p in call.parties if not p.is_agent and p.state == ALERTING
                      and (address is None or p.address == address)), None)
        if party is None:
            raise E.invalid_state("No outside party is ringing on this dialog", str(dialog_id))
        with self._op("", ()):
            now = self._clock()
            party.set_state(ACTIVE, now)
            for p in call.parties:
                if p.state in (INITIATING, INITIATED):
                    p.set_state(ACTIVE, now)
            self._refresh(call)
            self._publish(call)

    def customer_hangup(self, dialog_id: str, address: Optional[str] = None) -> None:
        """The outside parties (or the one at ``address``) of this dialog hang up. A
        queued call leaves the queue; a call no agent answered yet counts as abandoned.
        CCError 404 Dialog Not Found; 400 Invalid Input if no such outside party."""
        call = self._calls.get(str(dialog_id))
        if call is None:
            raise E.dialog_not_found(str(dialog_id))
        leaving = [p for p in call.parties if not p.is_agent and (address is None or p.address == address)]
        if not leaving:
            raise E.invalid_input("address", "No such outside party on this dialog")
        with self._op("", ()):
            now = self._clock()
            q = self._queues.get(call.queue_id) if call.queue_id else None
            if q is not None and call.answered_at is None:
                q.abandoned_calls += 1
                self._dirty_queues[q.d.id] = None
                if call.id in q.waiting:
                    q.waiting.remove(call.id)
                    q.note_wait(call.enqueued_at, now)
                    del self._calls[call.id]
                    return
            for p in leaving:
                self._remove_party(call, p)
            self._after_change(call)

    def place_preview(self, agent_id: str, kind: str = OUTBOUND_PREVIEW, customer_number: str = "5550199",
                      campaign: str = "Campaign", account: str = "", call_variables: Optional[dict] = None) -> str:
        """The dialer reserves a READY, idle agent for a preview call; returns the
        reservation dialog id. ``kind``: UCCE OUTBOUND_PREVIEW or
        OUTBOUND_CALLBACK_PREVIEW; UCCX OUTBOUND_DIRECT_PREVIEW or
        OUTBOUND_CALLBACK_PREVIEW (CCError 501 otherwise). The agent goes
        RESERVED_OUTBOUND_PREVIEW; the dialog (from the customer's number to the agent,
        ALERTING) carries BACampaign, BAAccountNumber, BAResponse, BAStatus
        (PREVIEW_OUTBOUND_RESERVATION / DIRECT_PREVIEW_OUTBOUND_RESERVATION),
        BADialedListID, BATimeZone, BABuddyName. CCError 400 Invalid State if the agent
        is not READY and idle."""
        self._check_service()
        a = self._agent(agent_id)
        kind = (kind or "").upper()
        allowed = ((OUTBOUND_PREVIEW, OUTBOUND_CALLBACK_PREVIEW) if self.flavour == FLAVOUR_UCCE
                   else (OUTBOUND_DIRECT_PREVIEW, OUTBOUND_CALLBACK_PREVIEW))
        if kind not in allowed:
            raise E.not_implemented(kind)
        if call_variables:
            self._check_vars(call_variables)
        if a.state != S.READY or a.calls or a.busy:
            raise E.invalid_state("Agent is not READY and idle", a.state)
        with self._op("", (a.id,)):
            now = self._clock()
            call = self._new_call(kind, str(customer_number), a.extension)
            call.dialed_number = str(customer_number)
            call.outbound = True
            call.reservation = kind
            self._seq += 1
            call.call_variables.update({
                "BACampaign": str(campaign), "BAAccountNumber": str(account), "BAResponse": "",
                "BAStatus": ("PREVIEW_OUTBOUND_RESERVATION" if self.flavour == FLAVOUR_UCCE
                             else "DIRECT_PREVIEW_OUTBOUND_RESERVATION"),
                "BADialedListID": str(self._seq), "BATimeZone": "UTC", "BABuddyName": ""})
            if call_variables:
                call.call_variables.update(call_variables)
            self._add_party(call, Party(a.extension, a.id, ALERTING, now, now, kind=S.KIND_OUT, reserving=True))
            call.state = ALERTING
            self._publish(call)
            return call.id
