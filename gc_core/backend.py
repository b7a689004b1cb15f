"""The backend interface every telephony backend implements (sim, Finesse UCCX/UCCE ...).

Command handlers talk only to this interface, so a handler works unchanged on every
backend. The methods mirror Finesse's REST API because that is the richest model the
product serves; a simpler backend raises :class:`~gc_core.errors.BackendError` or
leaves an action out of :attr:`Backend.capabilities`.

Like Finesse, state-changing calls are *accepted*, not answered: their result
arrives later as a domain event (``UserChanged``, ``DialogChanged``, ``AgentError``)
through the sink given to :meth:`Backend.start`, carrying the caller's
``request_id``. Read calls (``user()``, ``dialogs()`` ...) answer synchronously.
Methods may block the calling greenlet (REST over gevent sockets) but never the hub.
"""
from __future__ import annotations

import abc
from typing import Callable, Iterable, Optional

from .domain import (Contact, Dialog, DomainEvent, MobileAgent, PhoneBook, Queue,
                     ReasonCode, SystemInfo, Team, User, WrapUpReason)

EventSink = Callable[[DomainEvent], None]

# Capability names: Finesse dialog actions plus a few feature flags. Commands declare
# the capabilities they need; the router offers a command only when the configured
# agent's backend has them (so a UCCX agent is not offered UCCE-only commands).
CAP_MOBILE_AGENT = "MOBILE_AGENT"
CAP_WORK_READY = "WORK_READY"
CAP_TRANSFER_SST = "TRANSFER_SST"
CAP_PARTICIPANT_DROP = "PARTICIPANT_DROP"
CAP_START_RECORDING = "START_RECORDING"
CAP_OUTBOUND_PREVIEW = "OUTBOUND_PREVIEW"          # UCCE ACCEPT / REJECT / CLOSE
CAP_DIRECT_PREVIEW = "OUTBOUND_DIRECT_PREVIEW"     # UCCX direct preview
CAP_CALLBACKS = "CALLBACKS"
CAP_SUPERVISOR = "SUPERVISOR"
CAP_QUEUE_STATS = "QUEUE_STATS"
CAP_PHONEBOOKS = "PHONEBOOKS"
CAP_CALL_VARIABLES_ON_MAKE_CALL = "CALL_VARIABLES_ON_MAKE_CALL"


class AgentSession(abc.ABC):
    """One connected agent's session with the backend (credentials held inside)."""

    agent_id: str
    # The platform signs an agent out from READY too (UCCX; UCCE only from NOT_READY:
    # reference/finesse-api.md, flavour table), so force_logout need not pass NOT_READY.
    logout_from_ready: bool = False

    # -- reads (synchronous) ------------------------------------------------
    @abc.abstractmethod
    def user(self) -> User: ...

    @abc.abstractmethod
    def dialogs(self) -> list[Dialog]: ...

    @abc.abstractmethod
    def reason_codes(self, category: str) -> list[ReasonCode]:
        """``category`` is NOT_READY or LOGOUT."""

    @abc.abstractmethod
    def wrap_up_reasons(self) -> list[WrapUpReason]: ...

    def team(self, team_id: str) -> Team:
        raise NotImplementedError

    def queues(self) -> list[Queue]:
        raise NotImplementedError

    def phonebooks(self) -> list[PhoneBook]:
        raise NotImplementedError

    def team_phonebooks(self, team_id: str) -> list[PhoneBook]:
        raise NotImplementedError

    def contacts(self, phonebook_id: str) -> list[Contact]:
        raise NotImplementedError

    # -- actions (accepted; results arrive as domain events) ------------------
    @abc.abstractmethod
    def change_state(self, state: str, *, reason_code_id: Optional[str] = None,
                     extension: Optional[str] = None, mobile_agent: Optional[MobileAgent] = None,
                     request_id: str = "") -> None:
        """LOGIN (with extension), READY, NOT_READY, LOGOUT, WORK, WORK_READY."""

    @abc.abstractmethod
    def make_call(self, to_address: str, *, call_variables: Optional[dict] = None,
                  request_id: str = "") -> None: ...

    @abc.abstractmethod
    def dialog_action(self, dialog_id: str, action: str, *, target_media_address: Optional[str] = None,
                      to_address: Optional[str] = None, action_params: Optional[dict] = None,
                      request_id: str = "") -> None:
        """Finesse's ``PUT Dialog`` requestedAction: ANSWER, HOLD, RETRIEVE, DROP,
        CONSULT_CALL, TRANSFER, TRANSFER_SST, CONFERENCE, SEND_DTMF, PARTICIPANT_DROP,
        ACCEPT, REJECT, CLOSE, RECLASSIFY, UPDATE_SCHEDULED_CALLBACK,
        CANCEL_SCHEDULED_CALLBACK, START_RECORDING."""

    @abc.abstractmethod
    def update_call_data(self, dialog_id: str, *, call_variables: Optional[dict] = None,
                         wrap_up_reason: Optional[str] = None, request_id: str = "") -> None: ...

    def supervisor_call(self, action: str, to_address: str, *, associated_dialog_id: Optional[str] = None,
                        request_id: str = "") -> None:
        """SILENT_MONITOR or BARGE_CALL from the supervisor's own device."""
        raise NotImplementedError

    def change_member_state(self, member_id: str, state: str, *, request_id: str = "") -> None:
        """A supervisor sets READY / NOT_READY / LOGOUT for a member of its team."""
        raise NotImplementedError

    def subscribe_team(self, team_id: str) -> None:
        """Start ``TeamMemberChanged`` events for ``team_id``."""
        raise NotImplementedError

    def unsubscribe_team(self, team_id: str) -> None:
        raise NotImplementedError

    def subscribe_queue(self, queue_id: str) -> None:
        """Start ``QueueChanged`` events for ``queue_id`` (Finesse: the Queue node)."""
        raise NotImplementedError

    def unsubscribe_queue(self, queue_id: str) -> None:
        raise NotImplementedError

    def force_logout(self, *, request_id: str = "") -> None:
        """Sign the agent out whatever it is doing (the spec's force_logout, "abrupt
        agent disconnection"). This default uses only what any Finesse client may do:
        drop each of the agent's live calls, go NOT_READY where the platform signs out
        only from there (UCCE; UCCX from READY too: ``logout_from_ready``), then LOGOUT;
        so the agent passes through no state it need not, and each State the client
        gets is one Finesse reports. On Finesse these are accepted requests whose
        results (or refusals) arrive as events. A backend that can do better overrides it."""
        user = self.user()
        if user.state == "LOGOUT":
            return
        for dialog in self.dialogs():
            me = dialog.participant(user.extension) if user.extension else None
            if me is not None and me.state not in ("DROPPED", "FAILED", "WRAP_UP") and "DROP" in me.actions:
                self.dialog_action(dialog.id, "DROP", target_media_address=user.extension, request_id=request_id)
        now = self.user().state
        if now != "NOT_READY" and not (now == "READY" and self.logout_from_ready):
            self.change_state("NOT_READY", request_id=request_id)
        self.change_state("LOGOUT", request_id=request_id)

    @abc.abstractmethod
    def close(self) -> None:
        """Drop subscriptions and credentials. The agent's backend state is kept."""


class Backend(abc.ABC):
    """A contact-center platform. A connector runs one instance per configured
    backend (:mod:`gc_core.backends`); each serves the agents the rule gives it."""

    name: str = "backend"  # the type: sim | finesse | a plugin's
    flavour: str = ""  # UCCX | UCCE | "" for neither
    capabilities: frozenset = frozenset()
    # The instance's configured name (``[backends.<instance>]``), set by the core.
    instance: str = ""

    @abc.abstractmethod
    def start(self, sink: EventSink) -> None:
        """Begin delivering domain events to ``sink`` (called from a greenlet)."""

    @abc.abstractmethod
    def stop(self) -> None: ...

    @abc.abstractmethod
    def system_info(self) -> SystemInfo: ...

    @abc.abstractmethod
    def open_session(self, agent_id: str, password: str, *, request_id: str = "") -> AgentSession:
        """Check credentials and subscribe to the agent's notifications.

        Raises :class:`~gc_core.errors.BackendError` (``SUBSCRIPTION_FAILED``,
        ``USER_NOT_FOUND``, ``CF_AGENT_ACCOUNT_LOCKED_OUT``, ``NOT_REACHABLE`` ...).
        """

    def supports(self, capabilities: Iterable[str]) -> bool:
        return set(capabilities) <= set(self.capabilities)

    def observe(self, name: str, **fields) -> None:
        """Report a fact for monitoring (``"rest"``, ``"failover"``: see the
        ``gc_backend_observed`` hook). The connector replaces this with the hook call;
        call it from the hub's greenlets only."""

    def describe(self) -> dict:
        """What an operator wants to see of the backend now (``/console``, ``/metrics``):
        ``{"nodes": [{"name": "primary", "address": "fin-a:8445", "active": True}],
        "xmpp_streams_up": 12}``; keys a backend does not have are left out."""
        return {}
