"""Calls and their legs inside the model, and their Finesse-shaped snapshots.

A :class:`Call` is one Finesse Dialog; a :class:`Party` is one participant. The
model mutates these; the outside world only ever sees :func:`snapshot` copies
(:class:`gc_core.domain.Dialog`).
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Optional

from gc_core.domain import CALL_VARIABLE_NAMES, CallbackInfo, Dialog, Participant

# Dialog / participant states.
INITIATING, INITIATED, ALERTING, ACTIVE = "INITIATING", "INITIATED", "ALERTING", "ACTIVE"
FAILED, DROPPED, ACCEPTED, HELD, WRAP_UP = "FAILED", "DROPPED", "ACCEPTED", "HELD", "WRAP_UP"
CONNECTED = (ACTIVE, HELD)

# Call types.
ACD_IN, AGENT_INSIDE, AGENT_OUT, CONSULT = "ACD_IN", "AGENT_INSIDE", "AGENT_OUT", "CONSULT"
TRANSFER, CONFERENCE, SUPERVISOR_MONITOR = "TRANSFER", "CONFERENCE", "SUPERVISOR_MONITOR"
OUTBOUND_PREVIEW, OUTBOUND_DIRECT_PREVIEW = "OUTBOUND_PREVIEW", "OUTBOUND_DIRECT_PREVIEW"
OUTBOUND_CALLBACK_PREVIEW = "OUTBOUND_CALLBACK_PREVIEW"
PREVIEW_KINDS = (OUTBOUND_PREVIEW, OUTBOUND_DIRECT_PREVIEW, OUTBOUND_CALLBACK_PREVIEW)

AGENT_DEVICE = "AGENT_DEVICE"

BA_VARIABLES = ("BACampaign", "BAAccountNumber", "BAResponse", "BAStatus", "BADialedListID",
                "BATimeZone", "BABuddyName")


@dataclass
class Party:
    """One leg. ``agent_id`` is None for a customer or any outside device.

    ``passive``: the monitored agent's leg of a silent-monitor dialog (it sees the
    dialog but has no actions and it does not change its state). ``stateless``: a leg
    that does not change the agent's state (the UCCX supervisor's monitor leg).
    ``reserving``: ringing reserves the agent (ACD routing, outbound reservation).
    ``kind``: in | out | internal, for wrap-up settings and queue statistics.
    """
    address: str
    agent_id: Optional[str]
    state: str
    start_time: _dt.datetime
    state_change_time: _dt.datetime
    cause: str = ""
    kind: str = "internal"
    reserving: bool = False
    passive: bool = False
    stateless: bool = False

    @property
    def is_agent(self) -> bool:
        return self.agent_id is not None

    @property
    def bears_state(self) -> bool:
        return self.agent_id is not None and not self.passive and not self.stateless

    def set_state(self, state: str, now: _dt.datetime, cause: str = "") -> None:
        if state != self.state or cause != self.cause:
            self.state = state
            self.cause = cause
            self.state_change_time = now


def default_call_variables() -> dict:
    return {name: "" for name in CALL_VARIABLE_NAMES}


@dataclass
class Call:
    id: str
    call_type: str
    from_address: str
    to_address: str
    state: str
    start_time: _dt.datetime
    parties: list = field(default_factory=list)
    call_variables: dict = field(default_factory=default_call_variables)
    wrap_up_reason: str = ""
    dialed_number: str = ""
    dnis: str = ""
    queue_id: Optional[str] = None
    queue_name: str = ""
    queue_number: str = ""
    associated_id: Optional[str] = None
    # the consult call merged into this one by a transfer or conference (Finesse's
    # <secondaryId>: the surviving dialog names the consult only there)
    secondary_id: str = ""
    scheduled_callback: Optional[CallbackInfo] = None
    # who has been POSTed this dialog (agent ids, in order)
    viewers: list = field(default_factory=list)
    # what the agents were last shown (dialog state, legs and their actions)
    signature: tuple = ()
    # ACD bookkeeping
    enqueued_at: Optional[_dt.datetime] = None
    enqueue_seq: int = 0
    answered_at: Optional[_dt.datetime] = None
    # outbound
    outbound: bool = False
    reservation: Optional[str] = None   # preview kind while the reservation is pending
    classification: str = ""
    # misc
    recording: bool = False
    dtmf: str = ""
    originator: Optional[str] = None    # address of the party that placed the call

    def party(self, address: str) -> Optional[Party]:
        for p in self.parties:
            if p.address == address:
                return p
        return None

    def agent_party(self, agent_id: str) -> Optional[Party]:
        for p in self.parties:
            if p.agent_id == agent_id:
                return p
        return None

    def agent_ids(self) -> list:
        return [p.agent_id for p in self.parties if p.agent_id is not None]

    def connected(self) -> list:
        return [p for p in self.parties if p.state in CONNECTED]


def snapshot(call: Call, actions_of, *, dialog_state: Optional[str] = None,
             party_override: Optional[tuple] = None) -> Dialog:
    """A fresh :class:`Dialog` for ``call``; ``actions_of(party)`` gives a party's
    actions. ``party_override``: (agent_id, state) shown for that agent's leg, used for
    the DELETE / wrap-up snapshot a leaving agent gets: nobody has actions there, except
    UPDATE_CALL_DATA for the agent's own WRAP_UP leg."""
    parts = []
    for p in call.parties:
        state = p.state
        if party_override is not None:
            actions = []
            if p.agent_id == party_override[0]:
                state = party_override[1]
                actions = ["UPDATE_CALL_DATA"] if state == WRAP_UP else []
        else:
            actions = list(actions_of(p))
        parts.append(Participant(
            media_address=p.address, media_address_type=AGENT_DEVICE if p.is_agent else "",
            state=state, state_cause=p.cause, start_time=p.start_time,
            state_change_time=p.state_change_time, actions=actions))
    cb = call.scheduled_callback
    return Dialog(
        id=call.id, from_address=call.from_address, to_address=call.to_address,
        state=dialog_state or call.state, call_type=call.call_type, participants=parts,
        call_variables=dict(call.call_variables), wrap_up_reason=call.wrap_up_reason,
        dialed_number=call.dialed_number, dnis=call.dnis, queue_name=call.queue_name,
        queue_number=call.queue_number, associated_dialog_id=call.associated_id,
        secondary_id=call.secondary_id, media_type="Voice", start_time=call.start_time,
        scheduled_callback=CallbackInfo(cb.callback_time, cb.callback_number) if cb else None)


def copy_dialog(d: Dialog) -> Dialog:
    """A deep-enough copy of a stored Dialog snapshot (participants, variables)."""
    parts = [Participant(p.media_address, p.media_address_type, p.state, p.state_cause, p.start_time,
                         p.state_change_time, list(p.actions)) for p in d.participants]
    cb = d.scheduled_callback
    return Dialog(id=d.id, from_address=d.from_address, to_address=d.to_address, state=d.state,
                  call_type=d.call_type, participants=parts, call_variables=dict(d.call_variables),
                  wrap_up_reason=d.wrap_up_reason, dialed_number=d.dialed_number, dnis=d.dnis,
                  queue_name=d.queue_name, queue_number=d.queue_number,
                  associated_dialog_id=d.associated_dialog_id, secondary_id=d.secondary_id,
                  media_type=d.media_type, start_time=d.start_time,
                  scheduled_callback=CallbackInfo(cb.callback_time, cb.callback_number) if cb else None)


# -- call variables -------------------------------------------------------------

CALL_VARIABLE_MAX_BYTES = 40
ECC_MAX_BYTES = 2000
WRAP_UP_REASON_MAX = 39


def check_call_variables(variables: dict, *, allow_ba: bool = False) -> Optional[tuple]:
    """None if ``variables`` may be set, else (field, message) for a 400 Invalid Input.

    Names: callVariable1..10 (at most 40 bytes each), ECC ``user.<name>`` (all ECC at
    most 2,000 bytes together), outbound ``BA*`` only when ``allow_ba`` (clients may not
    set them: Finesse answers 400 Invalid Input)."""
    ecc = 0
    for name, value in variables.items():
        if not isinstance(name, str) or not isinstance(value, str):
            return (str(name), "call variable names and values are strings")
        size = len(value.encode("utf-8"))
        if name in CALL_VARIABLE_NAMES:
            if size > CALL_VARIABLE_MAX_BYTES:
                return (name, f"{name} longer than {CALL_VARIABLE_MAX_BYTES} bytes")
        elif name.startswith("user.") and len(name) > 5:
            ecc += size
        elif name.startswith("BA"):
            if not allow_ba or name not in BA_VARIABLES:
                return (name, f"{name} is read-only")
        else:
            return (name, f"unknown call variable {name}")
    if ecc > ECC_MAX_BYTES:
        return ("user.*", f"ECC variables longer than {ECC_MAX_BYTES} bytes")
    return None
