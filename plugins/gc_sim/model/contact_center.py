"""ContactCenter: the runtime of a simulated site (agents, calls, queues).

PUBLIC API (stable; the sim backend and the Finesse emulator build on it)

Everything is synchronous and deterministic. A method either raises :class:`CCError`
(a *synchronous* refusal: nothing changed, no event) or returns after delivering,
in order, every :mod:`gc_core.domain` event it caused to each subscribed listener.
An *asynchronous* CTI refusal is an :class:`~gc_core.domain.AgentError` event
(the REST face answers 202 then publishes it); the model is unchanged then.

Events carry the ``request_id`` of the call that caused them. All objects returned
or emitted are fresh copies: mutating them never changes the model.

Events:
- ``UserChanged(agent_id, user)`` whenever an agent's User changes (and once per
  explicit state request, even when nothing changed, so the caller gets an answer).
- ``DialogChanged(agent_id, dialog, POST|PUT|DELETE)`` per agent participant: POST when
  the dialog appears in that agent's list, PUT on each change, DELETE when it leaves
  the list (the DELETE's snapshot shows state DROPPED). A dialog kept for wrap-up
  (participant state WRAP_UP) is DELETEd when the agent leaves WORK / WORK_READY.
- ``TeamMemberChanged(team_id, member)`` for every change of a member of a team.
- ``QueueChanged(queue)`` when a queue's statistics changed during an operation.
- ``SystemStatusChanged(status)``, ``AgentError(...)``.
"""
from __future__ import annotations

import collections
import datetime as _dt
import logging
from contextlib import contextmanager
from typing import Callable, Iterable, Optional

from gc_core.domain import (FLAVOUR_UCCE, FLAVOUR_UCCX, AgentError, CallbackInfo, Contact, Dialog, DialogChanged,
                            DomainEvent, MobileAgent, PhoneBook, Queue, QueueChanged, ReasonCode, SystemInfo,
                            SystemStatusChanged, Team, TeamMemberChanged, User, UserChanged, WrapUpReason, utcnow)

from . import errors as E
from . import states as S
from .agents import AgentRuntime
from .dialogs import (ACCEPTED, ACD_IN, ACTIVE, AGENT_INSIDE, AGENT_OUT, ALERTING, CONFERENCE, CONNECTED, CONSULT,
                      DROPPED, FAILED, HELD, INITIATED, INITIATING, OUTBOUND_CALLBACK_PREVIEW,
                      OUTBOUND_DIRECT_PREVIEW, OUTBOUND_PREVIEW, SUPERVISOR_MONITOR, TRANSFER, WRAP_UP,
                      WRAP_UP_REASON_MAX, Call, Party, check_call_variables, copy_dialog, default_call_variables,
                      snapshot)
from .errors import CCError
from .queues import QueueRuntime, agent_bucket, make_queue, statistics
from .site import Site

log = logging.getLogger(__name__)

FIRST_DIALOG_ID = 16871250
LOCKOUT_FAILURES = 5
LOCKOUT_TIME = _dt.timedelta(minutes=5)

Listener = Callable[[DomainEvent], None]

DIALOG_ACTIONS = ("ANSWER", "HOLD", "RETRIEVE", "DROP", "CONSULT_CALL", "TRANSFER", "TRANSFER_SST", "CONFERENCE",
                  "SEND_DTMF", "PARTICIPANT_DROP", "START_RECORDING", "ACCEPT", "REJECT", "CLOSE", "RECLASSIFY",
                  "UPDATE_SCHEDULED_CALLBACK", "CANCEL_SCHEDULED_CALLBACK", "UPDATE_CALL_DATA")
UCCE_ONLY_ACTIONS = ("TRANSFER_SST", "PARTICIPANT_DROP", "ACCEPT", "REJECT", "CLOSE")
UCCX_ONLY_ACTIONS = ("START_RECORDING",)
RECLASSIFY_VALUES = ("VOICE", "FAX", "ANS_MACHINE", "INVALID", "DO_NOT_CALL", "BUSY")
MOBILE_MODES = ("CALL_BY_CALL", "NAILED_CONNECTION")
DTMF_CHARS = set("0123456789*#ABCDabcd")
STATUSES = ("IN_SERVICE", "OUT_OF_SERVICE", "PARTIAL_SERVICE")


class ContactCenter:
    """A simulated UCCE or UCCX contact center running ``site``."""

    def __init__(self, site: Site, flavour: str = FLAVOUR_UCCE,
                 clock: Optional[Callable[[], _dt.datetime]] = None):
        """``flavour``: "UCCE" or "UCCX". ``clock``: returns an aware UTC datetime
        (default: the real clock). Every agent starts LOGOUT; status IN_SERVICE."""
        flavour = (flavour or "").upper()
        if flavour not in (FLAVOUR_UCCE, FLAVOUR_UCCX):
            raise ValueError(f"flavour must be UCCE or UCCX, not {flavour!r}")
        self.site = site
        self.flavour = flavour
        self._clock = clock or utcnow
        self._status = "IN_SERVICE"
        self._listeners: list = []
        self._agents: dict[str, AgentRuntime] = {a.id: AgentRuntime(a) for a in site.agents}
        self._by_extension: dict[str, str] = {}
        self._team_members: dict[str, list] = {t.id: [] for t in site.teams}
        for a in site.agents:
            self._team_members[a.team_id].append(a.id)
        self._queues: dict[str, QueueRuntime] = {}
        self._agent_queues: dict[str, list] = {a.id: [] for a in site.agents}
        for qd in site.queues:
            q = QueueRuntime(qd, members=[aid for t in qd.team_ids for aid in self._team_members[t]])
            self._queues[qd.id] = q
            for aid in q.members:
                self._agent_queues[aid].append(qd.id)
        self._reasons = {r.id: r for r in site.reason_codes}
        self._calls: dict[str, Call] = {}
        self._monitors: dict[str, None] = {}   # live SUPERVISOR_MONITOR dialog ids
        self._next_dialog = FIRST_DIALOG_ID
        self._seq = 0
        # operation context
        self._rid = ""
        self._rid_agents: tuple = ()
        self._outbox: collections.deque = collections.deque()
        self._flushing = False
        self._touched: dict[str, None] = {}
        self._dirty_queues: dict[str, None] = {}
        self._route_queues: dict[str, None] = {}
        for q in self._queues.values():
            q.last_published = self._stats(q)

    # ======================================================================
    # listeners
    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(event)`` synchronously for every domain event, in order.
        A listener may call the model; the events that causes are delivered after
        the current ones. A listener's exception is logged, never propagated."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        try:
            self._listeners.remove(listener)
        except ValueError:
            pass

    # ======================================================================
    # system
    def system_info(self) -> SystemInfo:
        """Always answers (also while OUT_OF_SERVICE); deployment_type = flavour."""
        s = self.site
        return SystemInfo(status=self._status, deployment_type=self.flavour, xmpp_domain=s.xmpp_domain,
                          xmpp_pubsub_domain=f"pubsub.{s.xmpp_domain}", primary_host=s.primary_host,
                          secondary_host=s.secondary_host, status_reason="")

    @property
    def status(self) -> str:
        return self._status

    def set_status(self, status: str) -> None:
        """IN_SERVICE | OUT_OF_SERVICE (| PARTIAL_SERVICE, treated as out of service).
        Emits SystemStatusChanged when it changes. While not IN_SERVICE every read and
        action except system_info() raises CCError(503, "Service Unavailable",
        "SERVER_OUT_OF_SERVICE"); traffic methods still work but nothing is routed
        until IN_SERVICE again (then waiting calls are routed). Agent and call state
        survive, as after a Finesse failover."""
        status = (status or "").upper()
        if status not in STATUSES:
            raise E.invalid_input("status")
        if status == self._status:
            return
        with self._op("", ()):
            self._status = status
            self._emit(SystemStatusChanged(status))
            if status == "IN_SERVICE":
                for qid, q in self._queues.items():
                    if q.waiting:
                        self._route_queues[qid] = None

    # ======================================================================
    # authentication
    def authenticate(self, agent_id: str, password: str) -> User:
        """Check credentials; returns the User.

        404 "User Not Found"/UNKNOWN_USER; 401 "Authorization Failure"/UNAUTHORIZED for a
        wrong password; the fifth consecutive failure locks the user for five minutes of
        the model's clock: until then every attempt (even with the right password)
        answers 401 "Authorization Failure"/CF_AGENT_ACCOUNT_LOCKED_OUT. A success resets
        the count; so does the end of a lockout."""
        self._check_service()
        a = self._agent(agent_id)
        now = self._clock()
        if a.locked_until is not None:
            if now < a.locked_until:
                raise E.unauthorized("CF_AGENT_ACCOUNT_LOCKED_OUT")
            a.locked_until = None
            a.failures = 0
        if password != a.d.password:
            a.failures += 1
            if a.failures >= LOCKOUT_FAILURES:
                a.failures = 0
                a.locked_until = now + LOCKOUT_TIME
            raise E.unauthorized()
        a.failures = 0
        return a.user(self.site)

    # ======================================================================
    # reads
    def get_user(self, agent_id: str) -> User:
        self._check_service()
        return self._agent(agent_id).user(self.site)

    def users(self) -> list[User]:
        self._check_service()
        return [a.user(self.site) for a in self._agents.values()]

    def get_dialogs(self, agent_id: str) -> list[Dialog]:
        """The agent's dialogs: the one kept for wrap-up first (participant state
        WRAP_UP, dialog state DROPPED), then its live calls in the order they came."""
        self._check_service()
        a = self._agent(agent_id)
        out = [copy_dialog(a.remnant)] if a.remnant else []
        return out + [self._snap(self._calls[cid]) for cid in a.calls]

    def get_dialog(self, dialog_id: str, agent_id: Optional[str] = None) -> Dialog:
        """A live dialog or, failing that, a dialog kept for wrap-up (``agent_id``'s, or
        else the first agent's found). 404 "Dialog Not Found"."""
        self._check_service()
        call = self._calls.get(str(dialog_id))
        if agent_id is not None:
            a = self._agent(agent_id)
            if call is not None and call.id in a.calls:
                return self._snap(call)
            if a.remnant and a.remnant.id == str(dialog_id):
                return copy_dialog(a.remnant)
            raise E.dialog_not_found(str(dialog_id))
        if call is not None:
            return self._snap(call)
        for a in self._agents.values():
            if a.remnant and a.remnant.id == str(dialog_id):
                return copy_dialog(a.remnant)
        raise E.dialog_not_found(str(dialog_id))

    def reason_codes(self, category: str) -> list[ReasonCode]:
        """NOT_READY | LOGOUT, case-insensitive (400 Invalid Input otherwise)."""
        self._check_service()
        cat = (category or "").upper()
        if cat not in ("NOT_READY", "LOGOUT"):
            raise E.invalid_input("category")
        return [ReasonCode(r.id, r.label, r.category, r.code, r.for_all)
                for r in self.site.reason_codes if r.category == cat]

    def wrap_up_reasons(self) -> list[WrapUpReason]:
        self._check_service()
        return [WrapUpReason(w.id, w.label, w.for_all) for w in self.site.wrap_up_reasons]

    def team(self, team_id: str, include_logged_out: bool = True) -> Team:
        """404 "Not Found" for an unknown team."""
        self._check_service()
        t = self.site.team(str(team_id))
        if t is None:
            raise E.not_found("Team", str(team_id))
        members = [self._agents[aid] for aid in self._team_members[t.id]]
        return Team(id=t.id, name=t.name,
                    users=[m.member() for m in members if include_logged_out or m.logged_in])

    def queues(self) -> list[Queue]:
        self._check_service()
        return [make_queue(q, self._stats(q)) for q in self._queues.values()]

    def queue(self, queue_id: str) -> Queue:
        self._check_service()
        q = self._queues.get(str(queue_id))
        if q is None:
            raise E.not_found("Queue", str(queue_id))
        return make_queue(q, self._stats(q))

    def queues_for(self, agent_id: str) -> list[Queue]:
        """Queues serving the agent's team; a supervisor's also those serving the
        teams it supervises (site order)."""
        self._check_service()
        a = self._agent(agent_id)
        teams = {a.d.team_id, *a.d.supervises}
        return [make_queue(q, self._stats(q)) for q in self._queues.values() if teams & set(q.d.team_ids)]

    def phonebooks_for(self, agent_id: str) -> list[PhoneBook]:
        """Global phone books plus those assigned to the agent's team."""
        self._check_service()
        a = self._agent(agent_id)
        return [PhoneBook(b.id, b.name, b.type) for b in self.site.phonebooks
                if b.type == "GLOBAL" or a.d.team_id in b.team_ids]

    def team_phonebooks(self, team_id: str) -> list[PhoneBook]:
        """TEAM phone books assigned to ``team_id`` (404 "Not Found" for an unknown team)."""
        self._check_service()
        if self.site.team(str(team_id)) is None:
            raise E.not_found("Team", str(team_id))
        return [PhoneBook(b.id, b.name, b.type) for b in self.site.phonebooks
                if b.type == "TEAM" and str(team_id) in b.team_ids]

    def contacts(self, phonebook_id: str) -> list[Contact]:
        """All contacts of a phone book, in order (callers page). 404 "Not Found"."""
        self._check_service()
        for b in self.site.phonebooks:
            if b.id == str(phonebook_id):
                return [Contact(c.id, c.first_name, c.last_name, c.phone_number, c.description) for c in b.contacts]
        raise E.not_found("PhoneBook", str(phonebook_id))

    # ======================================================================
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
                return self._async_error(requester, E.E_RESOURCE_BUSY, src)
            if state in S.WRAP_STATES:
                kinds = set(a.period_kinds) | {p.kind for p in self._legs(a) if p.state in CONNECTED}
                if not S.wrap_up_allowed(kinds, a.d.wrap_up_on_incoming, a.d.wrap_up_on_outgoing):
                    return self._async_error(requester, E.E_INVALID_WORKMODE, src)
            a.pending, a.pending_reason = state, reason
            self._publish_user(a, force=True)
            return
        # idle: NOT_READY, READY, WORK, WORK_READY
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

    # ======================================================================
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
        pa = Party(a.extension, a.id, INITIATING, now, now,
                   kind=(S.KIND_OUT if kind == "external" and call.call_type != CONSULT else S.KIND_INTERNAL))
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
            self._add_party(call, Party(target.extension, target.id, ALERTING, now, now, kind=S.KIND_INTERNAL))
        else:
            self._add_party(call, Party(to, None, ALERTING, now, now))
        call.state = ALERTING
        self._publish(call)
        return call.id

    def _resolve(self, address: str):
        """("agent", runtime, "") | ("external", None, "") | ("fail", None, stateCause)."""
        aid = self._by_extension.get(address)
        if aid is not None:
            b = self._agents[aid]
            if self._is_engaged(b):
                return "fail", None, "BUSY"
            return "agent", b, ""
        if self.site.is_external(address):
            return "external", None, ""
        if self.site.is_device(address):
            return "fail", None, "DEVICE_RESOURCE_NOT_AVAILABLE"
        return "fail", None, "BAD_DESTINATION"

    # ======================================================================
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
        no event; START_RECORDING PUTs the dialog (the action leaves the list). RECLASSIFY, UPDATE_SCHEDULED_CALLBACK and
        CANCEL_SCHEDULED_CALLBACK (outbound dialogs) PUT the dialog. UPDATE_CALL_DATA
        takes ``action_params``: ``wrapUpReason`` plus call variables by name."""
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
            if action not in self._actions(call, party):
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
        return original, consult

    def _join_from_consult(self, a, original: Call, consult: Call) -> Party:
        """Dissolve ``consult`` and put its other party into ``original``; returns it."""
        now = self._clock()
        other = next(p for p in consult.parties if p.agent_id != a.id)
        self._dissolve(consult)
        has_customer = any(not p.is_agent for p in original.parties)
        joined = Party(other.address, other.agent_id, ACTIVE, now, now,
                       kind=(S.KIND_IN if has_customer else S.KIND_INTERNAL) if other.is_agent else "internal")
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

    # ======================================================================
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

    # ======================================================================
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

    # ======================================================================
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

    # ======================================================================
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

    # ======================================================================
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
                self._emit_dialog(a.id, self._snap_without(call, p, DROPPED), "DELETE")
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

    # ======================================================================
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

    # ======================================================================
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

    def _async_error(self, agent_id: str, err: tuple, source: str) -> None:
        code, etype, data = err
        self._emit(AgentError(agent_id, code, etype, data, self._rid_for(agent_id), source))

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
