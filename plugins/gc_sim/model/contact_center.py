"""ContactCenter: the runtime of a simulated site (agents, calls, queues).

PUBLIC API (stable; the sim backend and the Finesse emulator build on it)::

    cc = ContactCenter(site, flavour="UCCE" | "UCCX", clock=None)   # clock() -> aware UTC datetime
    cc.subscribe(listener) / cc.unsubscribe(listener)                 # listener(domain_event)
    cc.flavour, cc.site, cc.status
    # system, auth
    cc.system_info() -> SystemInfo            cc.set_status("IN_SERVICE" | "OUT_OF_SERVICE")
    cc.authenticate(agent_id, password) -> User
    # reads (synchronous, no events)
    cc.get_user(agent_id) -> User             cc.users() -> [User]
    cc.get_dialogs(agent_id) -> [Dialog]      cc.get_dialog(dialog_id, agent_id=None) -> Dialog
    cc.reason_codes(category) -> [ReasonCode] cc.wrap_up_reasons() -> [WrapUpReason]
    cc.team(team_id, include_logged_out=True) -> Team
    cc.queues() / cc.queue(queue_id) / cc.queues_for(agent_id) -> Queue(s)
    cc.phonebooks_for(agent_id) / cc.team_phonebooks(team_id) -> [PhoneBook]
    cc.contacts(phonebook_id) -> [Contact]
    # actions (agent_states.py, calls.py, supervision.py)
    cc.change_state(agent_id, state, reason_code_id=None, extension=None, mobile_agent=None,
                    request_id="", actor_id=None)
    cc.force_logout(agent_id, request_id="")
    cc.make_call(agent_id, to_address, call_variables=None, request_id="") -> dialog id | None
    cc.dialog_action(agent_id, dialog_id, action, target_media_address=None, to_address=None,
                     action_params=None, request_id="") -> dialog id | None
    cc.update_call_data(agent_id, dialog_id, call_variables=None, wrap_up_reason=None, request_id="")
    cc.supervisor_call(agent_id, action, to_address, associated_dialog_id=None, request_id="")
    # traffic (traffic.py)
    cc.inbound_call(queue_id=None, from_address="5550100", to_address=None, call_variables=None,
                    call_type="ACD_IN") -> dialog id
    cc.customer_answer(dialog_id, address=None) / cc.customer_hangup(dialog_id, address=None)
    cc.place_preview(agent_id, kind="OUTBOUND_PREVIEW", customer_number="5550199", campaign="Campaign",
                     account="", call_variables=None) -> dialog id

Everything is synchronous and deterministic. A method either raises :class:`CCError`
(a *synchronous* refusal, what Finesse REST answers 4xx/5xx: nothing changed, no event)
or returns after delivering, in order, every :mod:`gc_core.domain` event it caused to
each subscribed listener. An *asynchronous* CTI refusal (REST 202, then an
``apiErrors`` notification) is an :class:`~gc_core.domain.AgentError` event; the model
is unchanged then. Each method's docstring says which refusal is which.

Events carry the ``request_id`` of the call that caused them when addressed to the
requesting agent (and, for a supervisor's change_state, to the member changed); events
for other agents carry "". All objects returned or emitted are fresh copies.

- ``UserChanged(agent_id, user)`` whenever an agent's User changes (and once per
  explicit state request, even when nothing changed, so the caller gets an answer).
- ``DialogChanged(agent_id, dialog, POST|PUT|DELETE)`` per agent participant: POST when
  the dialog appears in that agent's list, PUT on each change (including a change of
  the legs' ``actions``); when it leaves the list a PUT with the agent's leg and the
  dialog DROPPED, then DELETE (as Finesse ends a call; a consult merged by a transfer
  or conference is only DELETEd). When the agent goes to wrap-up the dialog is instead
  PUT with the agent's leg WRAP_UP (actions [UPDATE_CALL_DATA]) and stays in its list
  until it leaves WORK / WORK_READY (then DELETE).
- ``TeamMemberChanged(team_id, member)`` for every change of a member of a team.
- ``QueueChanged(queue)`` at the end of an operation that changed a queue's statistics
  (the real UCCE publishes every 10 s; the model publishes each change).
- ``SystemStatusChanged(status)``, ``AgentError(...)``.
"""
from __future__ import annotations

import collections
import datetime as _dt
from typing import Callable, Optional

from gc_core.domain import (FLAVOUR_UCCE, FLAVOUR_UCCX, Contact, Dialog, DomainEvent, PhoneBook, Queue,
                            ReasonCode, SystemInfo, SystemStatusChanged, Team, User, WrapUpReason, utcnow)

from . import errors as E
from .agent_states import AgentStates
from .agents import AgentRuntime
from .calls import CallActions
from .dialogs import Call, copy_dialog
from .engine import Engine
from .faults import Faults
from .queues import QueueRuntime, make_queue
from .routing import Routing
from .site import Site
from .supervision import Supervision
from .traffic import Traffic

FIRST_DIALOG_ID = 16871250
LOCKOUT_FAILURES = 5
LOCKOUT_TIME = _dt.timedelta(minutes=5)
STATUSES = ("IN_SERVICE", "OUT_OF_SERVICE", "PARTIAL_SERVICE")

Listener = Callable[[DomainEvent], None]


class ContactCenter(AgentStates, CallActions, Supervision, Traffic, Routing, Faults, Engine):
    """A simulated UCCE or UCCX contact center running ``site``.

    The public methods live here (construction, listeners, system, authentication,
    reads) and in the mixins: :mod:`.agent_states` (change_state, force_logout),
    :mod:`.calls` (make_call, dialog_action, update_call_data), :mod:`.supervision`
    (supervisor_call), :mod:`.traffic` (inbound_call, customer_answer,
    customer_hangup, place_preview)."""

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
        self._faults: dict[str, dict] = {}  # agent id -> {operation: CTI code} (faults.py)
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
        else the first agent's found). 404 "Dialog Not Found" (also for a call still
        waiting in a queue: no agent has it yet)."""
        self._check_service()
        call = self._calls.get(str(dialog_id))
        if agent_id is not None:
            a = self._agent(agent_id)
            if call is not None and call.id in a.calls:
                return self._snap(call)
            if a.remnant and a.remnant.id == str(dialog_id):
                return copy_dialog(a.remnant)
            raise E.dialog_not_found(str(dialog_id))
        if call is not None and call.viewers:
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
