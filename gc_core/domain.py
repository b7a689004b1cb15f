"""Backend-neutral contact-center objects and the domain events backends emit.

They are shaped like Finesse's REST objects (User, Dialog, Participant, Team,
Queue, PhoneBook ...) because Finesse is what every real deployment runs: the
Finesse backend parses XML into them, the sim backend and the Finesse emulator
produce them from one model, and the event mappers turn them into the spec's JSON
events. Nothing here knows a transport, a wire format or a plugin.

Times are timezone-aware UTC ``datetime`` objects; mappers format them.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Optional

# Agent states as Finesse names them (spec: "Agent State").
AGENT_STATES = (
    "UNKNOWN", "LOGOUT", "NOT_READY", "READY", "RESERVED", "RESERVED_OUTBOUND",
    "RESERVED_OUTBOUND_PREVIEW", "TALKING", "HOLD", "WORK", "WORK_READY",
)
# Dialog and participant states (participants add HELD and WRAP_UP).
DIALOG_STATES = ("INITIATING", "INITIATED", "ALERTING", "ACTIVE", "FAILED", "DROPPED", "ACCEPTED")
PARTICIPANT_STATES = DIALOG_STATES + ("HELD", "WRAP_UP")
CALL_VARIABLE_NAMES = tuple(f"callVariable{i}" for i in range(1, 11))

FLAVOUR_UCCX = "UCCX"
FLAVOUR_UCCE = "UCCE"


def utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


@dataclass
class TeamRef:
    id: str
    name: str


@dataclass
class ReasonCode:
    """A NOT_READY or LOGOUT reason code. ``id`` is what a client sends."""
    id: str
    label: str
    category: str  # NOT_READY | LOGOUT
    code: str = ""
    for_all: bool = True


@dataclass
class WrapUpReason:
    id: str
    label: str
    for_all: bool = True


@dataclass
class MobileAgent:
    mode: str  # CALL_BY_CALL | NAILED_CONNECTION
    dial_number: str


@dataclass
class User:
    """An agent as Finesse's ``User`` object describes it."""
    login_id: str
    first_name: str
    last_name: str
    extension: str = ""
    state: str = "LOGOUT"
    state_change_time: Optional[_dt.datetime] = None
    pending_state: str = ""
    reason_code: Optional[ReasonCode] = None
    team: Optional[TeamRef] = None
    roles: tuple = ("Agent",)
    teams: list = field(default_factory=list)  # TeamRef, the teams a supervisor supervises
    wrap_up_on_incoming: str = ""
    wrap_up_on_outgoing: str = ""
    mobile_agent: Optional[MobileAgent] = None
    login_name: str = ""
    # Finesse's User may still carry the last NOT_READY reason (reasonCodeId and
    # ReasonCode) in a state that has none, e.g. TALKING on a call made from NOT_READY
    # (developer guide, User; tests/finesse_corpus/user_get_talking_stale_reason.xml).
    # Only what a Finesse (the emulator) shows; never the reason of ``state``.
    stale_reason_code: Optional[ReasonCode] = None

    @property
    def is_supervisor(self) -> bool:
        return "Supervisor" in self.roles

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class Participant:
    media_address: str
    media_address_type: str = ""  # AGENT_DEVICE for agents, "" for anyone else
    state: str = "INITIATED"
    state_cause: str = ""
    start_time: Optional[_dt.datetime] = None
    state_change_time: Optional[_dt.datetime] = None
    actions: list = field(default_factory=list)  # HOLD, DROP, ANSWER ... what this party may do now


@dataclass
class CallbackInfo:
    callback_time: str = ""
    callback_number: str = ""


@dataclass
class Dialog:
    """A call as Finesse's ``Dialog`` object describes it."""
    id: str
    from_address: str
    to_address: str
    state: str
    call_type: str = ""
    participants: list = field(default_factory=list)  # Participant
    # callVariable1..10, ECC "user.x", outbound "BA*": insertion order is kept.
    call_variables: dict = field(default_factory=dict)
    wrap_up_reason: str = ""
    dialed_number: str = ""
    dnis: str = ""
    queue_name: str = ""
    queue_number: str = ""
    associated_dialog_id: Optional[str] = None
    secondary_id: str = ""
    media_type: str = "Voice"
    start_time: Optional[_dt.datetime] = None
    scheduled_callback: Optional[CallbackInfo] = None

    def participant(self, media_address: str) -> Optional[Participant]:
        for p in self.participants:
            if p.media_address == media_address:
                return p
        return None

    @property
    def previous_dialog_id(self) -> Optional[str]:
        """The other dialog this one continues, as the spec's ``prevDialogId``: the
        ``associatedDialogUri`` (a consult names the call it consults about), else the
        ``secondaryId`` (after a consult transfer or conference the surviving dialog
        names the consult call only there; Finesse Dialog API parameters:
        "The call ID value assigned to the secondary call"). None when neither is set."""
        for other in (self.associated_dialog_id, self.secondary_id):
            if other and other != self.id:
                return other
        return None


@dataclass
class TeamMember:
    """A team's member. Finesse's team notifications carry a *summary* user (no
    ``extension``, often no ``pendingState``): a field that was not sent is None here,
    and whoever keeps the team (the supervisor plugin) fills it from what it knew."""
    login_id: str
    first_name: Optional[str]
    last_name: Optional[str]
    extension: Optional[str]
    state: str
    pending_state: Optional[str] = ""
    reason_code: Optional[ReasonCode] = None
    state_change_time: Optional[_dt.datetime] = None
    media_type: str = "AGENT_DEVICE"


@dataclass
class Team:
    id: str
    name: str
    users: list = field(default_factory=list)  # TeamMember


@dataclass
class QueueStatistics:
    """Finesse's UCCE queue statistics (-1 where nobody serves the queue)."""
    calls_in_queue: int = 0
    start_time_of_longest_call_in_queue: Optional[_dt.datetime] = None
    agents_ready: int = 0
    agents_not_ready: int = 0
    agents_busy_other: int = 0
    agents_logged_on: int = 0
    agents_talking_inbound: int = 0
    agents_talking_outbound: int = 0
    agents_talking_internal: int = 0
    agents_wrap_up_not_ready: int = 0
    agents_wrap_up_ready: int = 0
    # UCCX "SinceMidNight" figures; zero where the platform does not count them.
    abandoned_calls: int = 0
    handled_calls: int = 0
    total_calls: int = 0
    longest_call_in_queue: int = 0
    longest_handle_time: int = 0
    agents_reserved: int = 0


@dataclass
class Queue:
    id: str
    name: str
    statistics: QueueStatistics = field(default_factory=QueueStatistics)


@dataclass
class PhoneBook:
    id: str
    name: str
    type: str  # GLOBAL | TEAM


@dataclass
class Contact:
    id: str
    first_name: str
    last_name: str
    phone_number: str
    description: str = ""


@dataclass
class SystemInfo:
    status: str  # IN_SERVICE | OUT_OF_SERVICE | PARTIAL_SERVICE
    deployment_type: str = ""
    xmpp_domain: str = ""
    xmpp_pubsub_domain: str = ""
    primary_host: str = ""
    secondary_host: str = ""
    status_reason: str = ""


# --------------------------------------------------------------------------
# Domain events: what a backend tells the core. ``request_id`` is the client's
# requestId that caused the change ("" when nobody asked).

@dataclass
class DomainEvent:
    pass


@dataclass
class UserChanged(DomainEvent):
    agent_id: str
    user: User
    request_id: str = ""


@dataclass
class DialogChanged(DomainEvent):
    """A dialog appeared (POST), changed (PUT) or went away (DELETE) for an agent."""
    agent_id: str
    dialog: Dialog
    change: str  # POST | PUT | DELETE
    request_id: str = ""


# Team and queue ids are a backend's own: two clusters (or a cluster and the sim) may
# both have a team "1". These events carry the instance that published them
# (``backend``, filled in by the core's sink of that instance), and everything the
# core and plugins key by team or queue id is keyed by (instance, id).

@dataclass
class TeamMemberChanged(DomainEvent):
    team_id: str
    member: TeamMember
    backend: str = ""  # the instance whose team it is; the core fills it in


@dataclass
class QueueChanged(DomainEvent):
    queue: Queue
    backend: str = ""  # the instance whose queue it is; the core fills it in


@dataclass
class SystemStatusChanged(DomainEvent):
    status: str  # IN_SERVICE | OUT_OF_SERVICE
    backend: str = ""  # the instance whose status changed; the core fills it in


# Events about a backend's own objects rather than an agent's: stamped with the instance.
BACKEND_SCOPED = (TeamMemberChanged, QueueChanged, SystemStatusChanged)


@dataclass
class AgentError(DomainEvent):
    """An asynchronous error for an agent (Finesse's ``<apiErrors>`` notification)."""
    agent_id: str
    error_code: str  # e.g. CF_INVALID_LOGON_DEVICE_SPECIFIED
    error_type: str = ""
    error_data: str = ""
    request_id: str = ""
    source: str = ""
    description: str = ""  # Finesse's own errorMessage when it is prose, else ""


@dataclass
class SessionLost(DomainEvent):
    """The backend lost an agent's session (bad credentials later, node gone ...)."""
    agent_id: str
    reason: str = ""
