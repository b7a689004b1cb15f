"""A minimal contact center behind GC's Backend interface (gc_core.backend).

Agents sign in on their own extension, go READY / NOT_READY (with reason codes) and
sign out; a customer's call (the driver: :meth:`ExampleBackend.inbound_call`) rings
at the one READY agent, who answers, holds, retrieves, updates call data and hangs
up. No consult, transfer, conference or work states: the commands for those are
refused, and the conformance kit's target lists them in ``lacks``.

Every change is told to GC as a domain event through the sink given to
:meth:`ExampleBackend.start` (``UserChanged`` for the agent's state,
``DialogChanged`` for its calls), carrying the client's ``request_id``; a refused
request raises :class:`~gc_core.errors.BackendError` with the spec's code, which GC
sends to the client as an ``Error`` with its requestId. Everything runs in GC's
gevent hub and never blocks.
"""
from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from gc_core import backend as b
from gc_core.domain import (DialogChanged, Dialog, Participant, ReasonCode, SystemInfo, SystemStatusChanged,
                            TeamRef, User, UserChanged, WrapUpReason, utcnow, CALL_VARIABLE_NAMES)
from gc_core.errors import BackendError

SITE = Path(__file__).parent / "site.toml"

# The actions an agent's party offers in each of its states (Finesse's participant actions):
# GC answers getdialogstatecontrols with them, and the kit reads them to know what we support.
ACTIONS = {
    "ALERTING": ["ANSWER", "UPDATE_CALL_DATA"],
    "ACTIVE": ["HOLD", "DROP", "UPDATE_CALL_DATA"],
    "HELD": ["RETRIEVE", "DROP", "UPDATE_CALL_DATA"],
}


def invalid_state(what: str) -> BackendError:
    return BackendError("CF_INVALID_OBJECT_STATE", what, finesseErrorType="Invalid State")


@dataclass
class Site:
    """``site.toml``: the queue, the team, the agents and the reason codes."""
    queue: str
    team: TeamRef
    agents: dict  # id -> the agent's table
    not_ready: dict  # id -> label, in order
    logout: dict
    wrap_up: dict

    @classmethod
    def load(cls, path: Path) -> "Site":
        data = tomllib.loads(Path(path).read_text())
        return cls(data["queue"], TeamRef(**data["team"]), {a["id"]: a for a in data["agents"]},
                   data["not_ready_reasons"], data["logout_reasons"], data["wrap_up_reasons"])


@dataclass
class Call:
    dialog: Dialog
    agent_id: str


@dataclass
class ExampleBackend(b.Backend):
    site: Site
    name: str = "example"
    capabilities: frozenset = frozenset()  # none of the optional ones (gc_core.backend.CAP_*)
    users: dict = field(default_factory=dict)  # agent id -> User
    calls: dict = field(default_factory=dict)  # dialog id -> Call
    status: str = "IN_SERVICE"

    def __post_init__(self) -> None:
        self._sink: Optional[b.EventSink] = None
        self._ids = itertools.count(1)
        for a in self.site.agents.values():
            self.users[a["id"]] = User(a["id"], a["first_name"], a["last_name"], state="LOGOUT",
                                       state_change_time=utcnow(), team=self.site.team,
                                       wrap_up_on_incoming="OPTIONAL")

    # -- Backend ------------------------------------------------------------------
    def start(self, sink: b.EventSink) -> None:
        self._sink = sink

    def stop(self) -> None:
        self._sink = None

    def system_info(self) -> SystemInfo:
        return SystemInfo(self.status)

    def open_session(self, agent_id: str, password: str, *, request_id: str = "") -> "ExampleSession":
        agent = self.site.agents.get(agent_id)
        if agent is None:
            raise BackendError("USER_NOT_FOUND", f"no agent {agent_id} on the example backend")
        if agent["password"] != password:
            raise BackendError("SUBSCRIPTION_FAILED")  # never echo the password
        return ExampleSession(self, agent_id)

    # -- telling GC ---------------------------------------------------------------
    def emit(self, event) -> None:
        if self._sink is not None:
            self._sink(event)

    def set_user_state(self, agent_id: str, state: str, request_id: str = "",
                       reason: Optional[ReasonCode] = None) -> None:
        user = self.users[agent_id]
        user.state, user.reason_code, user.state_change_time = state, reason, utcnow()
        if state == "LOGOUT":
            user.extension = ""
        self.emit(UserChanged(agent_id, user, request_id))

    def set_party(self, call: Call, state: str, request_id: str = "") -> None:
        user = self.users[call.agent_id]
        me = call.dialog.participant(user.extension)
        me.state, me.state_change_time, me.actions = state, utcnow(), list(ACTIONS.get(state, []))
        if state != "ALERTING":
            call.dialog.state = "ACTIVE"
        self.emit(DialogChanged(call.agent_id, call.dialog, "PUT", request_id))

    def end_call(self, dialog_id: str, request_id: str = "") -> None:
        call = self.calls.pop(dialog_id)
        call.dialog.state = "DROPPED"
        for p in call.dialog.participants:
            p.state, p.actions = "DROPPED", []
        self.emit(DialogChanged(call.agent_id, call.dialog, "DELETE", request_id))
        if self.users[call.agent_id].state in ("RESERVED", "TALKING", "HOLD"):
            self.set_user_state(call.agent_id, "READY", request_id)  # back to where the call found it

    # -- the driver (the ExampleCall / ExampleHangup / ExampleStatus commands) -------
    def inbound_call(self, from_address: str, call_variables: Optional[dict] = None) -> str:
        """A customer calls the queue: it rings at the READY agent (the first one).
        Returns the dialog id; BackendError if nobody is READY."""
        agent_id = next((u.login_id for u in self.users.values() if u.state == "READY"), None)
        if agent_id is None:
            raise BackendError("CF_GENERIC_UNSPECIFIED_REJECTION", "no agent of the example queue is READY")
        user, now = self.users[agent_id], utcnow()
        variables = {n: "" for n in CALL_VARIABLE_NAMES} | dict(call_variables or {})
        dialog = Dialog(str(1000 + next(self._ids)), from_address, user.extension, "ALERTING", call_type="ACD_IN",
                        participants=[Participant(from_address, "", "ACTIVE", start_time=now, state_change_time=now),
                                      Participant(user.extension, "AGENT_DEVICE", "ALERTING", start_time=now,
                                                  state_change_time=now, actions=list(ACTIONS["ALERTING"]))],
                        call_variables=variables, queue_name=self.site.queue, start_time=now)
        self.calls[dialog.id] = Call(dialog, agent_id)
        self.set_user_state(agent_id, "RESERVED")
        self.emit(DialogChanged(agent_id, dialog, "POST"))
        return dialog.id

    def customer_hangup(self, dialog_id: str) -> None:
        if dialog_id not in self.calls:
            raise BackendError("NO_DIALOG_ID", f"no dialog {dialog_id}")
        self.end_call(dialog_id)

    def set_status(self, status: str) -> None:
        if status != self.status:
            self.status = status
            self.emit(SystemStatusChanged(status))


class ExampleSession(b.AgentSession):
    def __init__(self, backend: ExampleBackend, agent_id: str):
        self.backend = backend
        self.agent_id = agent_id

    # -- reads --------------------------------------------------------------------
    def user(self) -> User:
        return self.backend.users[self.agent_id]

    def dialogs(self) -> list[Dialog]:
        return [c.dialog for c in self.backend.calls.values() if c.agent_id == self.agent_id]

    def reason_codes(self, category: str) -> list[ReasonCode]:
        codes = self.backend.site.not_ready if category == "NOT_READY" else self.backend.site.logout
        return [ReasonCode(i, label, category) for i, label in codes.items()]

    def wrap_up_reasons(self) -> list[WrapUpReason]:
        return [WrapUpReason(i, label) for i, label in self.backend.site.wrap_up.items()]

    # -- actions ------------------------------------------------------------------
    def change_state(self, state: str, *, reason_code_id: Optional[str] = None, extension: Optional[str] = None,
                     mobile_agent=None, request_id: str = "") -> None:
        user = self.user()
        allowed = {"LOGIN": ("LOGOUT",), "READY": ("NOT_READY", "READY"), "NOT_READY": ("READY", "NOT_READY"),
                   "LOGOUT": ("NOT_READY",)}
        if state not in allowed:
            raise BackendError("CF_GENERIC_UNSPECIFIED_REJECTION", f"the example backend has no {state} state")
        if user.state not in allowed[state]:
            raise invalid_state(f"agent {self.agent_id} cannot go {state} from {user.state}")
        reason = None
        if reason_code_id:
            codes = self.backend.site.not_ready if state == "NOT_READY" else self.backend.site.logout
            if state not in ("NOT_READY", "LOGOUT") or reason_code_id not in codes:
                raise BackendError("GENERAL_ERROR", f"unknown {state} reason code {reason_code_id}",
                                   finesseErrorType="Invalid Input", finesseErrorData="reasonCodeId")
            reason = ReasonCode(reason_code_id, codes[reason_code_id], state)
        if state == "LOGIN":
            if extension != self.backend.site.agents[self.agent_id]["extension"]:
                raise BackendError("CF_INVALID_LOGON_DEVICE_SPECIFIED", f"{extension} is not this agent's phone")
            user.extension = extension
            state = "NOT_READY"
        self.backend.set_user_state(self.agent_id, state, request_id, reason)

    def make_call(self, to_address: str, *, call_variables=None, request_id: str = "") -> None:
        raise BackendError("CF_GENERIC_UNSPECIFIED_REJECTION", "the example backend places no outbound calls")

    def _call(self, dialog_id: str) -> Call:
        call = self.backend.calls.get(dialog_id)
        if call is None or call.agent_id != self.agent_id:
            raise BackendError("NO_DIALOG_ID", f"agent {self.agent_id} has no dialog {dialog_id}")
        return call

    def dialog_action(self, dialog_id: str, action: str, *, target_media_address=None, to_address=None,
                      action_params=None, request_id: str = "") -> None:
        call = self._call(dialog_id)
        me = call.dialog.participant(self.user().extension)
        if action not in me.actions:
            raise invalid_state(f"{action} is not possible on dialog {dialog_id} ({me.state})")
        if action == "DROP":
            self.backend.end_call(dialog_id, request_id)
            return
        party, agent = {"ANSWER": ("ACTIVE", "TALKING"), "HOLD": ("HELD", "HOLD"),
                        "RETRIEVE": ("ACTIVE", "TALKING")}[action]
        self.backend.set_party(call, party, request_id)
        self.backend.set_user_state(self.agent_id, agent, request_id)

    def update_call_data(self, dialog_id: str, *, call_variables=None, wrap_up_reason=None,
                         request_id: str = "") -> None:
        call = self._call(dialog_id)
        call.dialog.call_variables.update(call_variables or {})
        if wrap_up_reason is not None:
            call.dialog.wrap_up_reason = wrap_up_reason
        self.backend.emit(DialogChanged(self.agent_id, call.dialog, "PUT", request_id))

    def close(self) -> None:
        """Nothing to release: the agent's state stays with the backend."""
