"""The sim backend: the in-process contact center (:mod:`gc_sim.model`) behind
:mod:`gc_core.backend`, so every command handler runs on it unchanged.

The model calls its listeners synchronously, in the middle of an operation; this
adapter queues those events and hands them to the core only after the model call
returned, so a mapper that reads the model never sees it half-changed.
"""
from __future__ import annotations

import logging
from typing import Callable, Optional

import gevent

from gc_core import backend as b
from gc_core.domain import DialogChanged, MobileAgent
from gc_core.errors import BackendError, from_api_error

from .model import CCError, ContactCenter

log = logging.getLogger("gc.sim")

COMMON_CAPS = {b.CAP_SUPERVISOR, b.CAP_QUEUE_STATS, b.CAP_PHONEBOOKS, b.CAP_CALLBACKS}
FLAVOUR_CAPS = {
    "UCCE": COMMON_CAPS | {b.CAP_MOBILE_AGENT, b.CAP_WORK_READY, b.CAP_TRANSFER_SST, b.CAP_PARTICIPANT_DROP,
                           b.CAP_OUTBOUND_PREVIEW, b.CAP_CALL_VARIABLES_ON_MAKE_CALL},
    "UCCX": COMMON_CAPS | {b.CAP_START_RECORDING, b.CAP_DIRECT_PREVIEW},
}


def _translate(exc: CCError) -> BackendError:
    return from_api_error(exc.status, exc.error_type, exc.error_message, exc.error_data)


class SimBackend(b.Backend):
    name = "sim"

    def __init__(self, model: ContactCenter, *, external_answer_after: float = 1.0):
        self.model = model
        self.flavour = model.system_info().deployment_type
        self.capabilities = frozenset(FLAVOUR_CAPS[self.flavour])
        self.external_answer_after = external_answer_after
        self._sink: Optional[b.EventSink] = None
        self._pending: list = []
        self._depth = 0
        self._timers: set = set()

    # -- lifecycle ---------------------------------------------------------------
    def start(self, sink: b.EventSink) -> None:
        self._sink = sink
        self.model.subscribe(self._pending.append)

    def stop(self) -> None:
        self.model.unsubscribe(self._pending.append)
        for timer in list(self._timers):
            timer.kill(block=False)
        self._sink = None

    def system_info(self):
        return self.model.system_info()

    # -- calling the model -------------------------------------------------------
    def call(self, fn: Callable, *args, **kwargs):
        """Run one model operation, then deliver the events it caused, in order."""
        self._depth += 1
        try:
            return fn(*args, **kwargs)
        except CCError as exc:
            raise _translate(exc) from None
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._flush()

    def _flush(self) -> None:
        while self._pending:
            event = self._pending.pop(0)
            self._watch(event)
            if self._sink is not None:
                self._sink(event)

    def _watch(self, event) -> None:
        """A customer the sim plays answers an agent's outbound call after a while."""
        if (self.external_answer_after >= 0 and isinstance(event, DialogChanged) and event.change == "POST"
                and event.dialog.from_address == self._extension_of(event.agent_id)
                and self.model.site.is_external(event.dialog.to_address)):
            timer = gevent.spawn_later(self.external_answer_after, self._customer_answers, event.dialog.id,
                                       event.dialog.to_address)
            self._timers.add(timer)
            timer.link(self._timers.discard)

    def _extension_of(self, agent_id: str) -> str:
        agent = self.model.site.agent(agent_id)
        try:
            return self.model.get_user(agent_id).extension or (agent.extension if agent else "")
        except CCError:
            return ""

    def _customer_answers(self, dialog_id: str, address: str) -> None:
        try:
            self.call(self.model.customer_answer, dialog_id, address)
        except BackendError:
            pass  # the agent hung up first

    # -- sessions ----------------------------------------------------------------
    def open_session(self, agent_id: str, password: str, *, request_id: str = "") -> "SimSession":
        self.call(self.model.authenticate, agent_id, password)
        return SimSession(self, agent_id)


class SimSession(b.AgentSession):
    def __init__(self, backend: SimBackend, agent_id: str):
        self.backend = backend
        self.model = backend.model
        self.agent_id = agent_id
        self.logout_from_ready = backend.flavour == "UCCX"

    def _call(self, fn, *args, **kwargs):
        return self.backend.call(fn, *args, **kwargs)

    def user(self):
        return self._call(self.model.get_user, self.agent_id)

    def dialogs(self):
        return self._call(self.model.get_dialogs, self.agent_id)

    def reason_codes(self, category):
        return self._call(self.model.reason_codes, category)

    def wrap_up_reasons(self):
        return self._call(self.model.wrap_up_reasons)

    def team(self, team_id):
        return self._call(self.model.team, team_id)

    def queues(self):
        return self._call(self.model.queues_for, self.agent_id)

    def phonebooks(self):
        return self._call(self.model.phonebooks_for, self.agent_id)

    def team_phonebooks(self, team_id):
        return self._call(self.model.team_phonebooks, team_id)

    def contacts(self, phonebook_id):
        return self._call(self.model.contacts, phonebook_id)

    def change_state(self, state, *, reason_code_id=None, extension=None,
                     mobile_agent: Optional[MobileAgent] = None, request_id=""):
        self._call(self.model.change_state, self.agent_id, state, reason_code_id=reason_code_id,
                   extension=extension, mobile_agent=mobile_agent, request_id=request_id)

    def make_call(self, to_address, *, call_variables=None, request_id=""):
        self._call(self.model.make_call, self.agent_id, to_address, call_variables=call_variables,
                   request_id=request_id)

    def dialog_action(self, dialog_id, action, *, target_media_address=None, to_address=None,
                      action_params=None, request_id=""):
        self._call(self.model.dialog_action, self.agent_id, dialog_id, action,
                   target_media_address=target_media_address, to_address=to_address,
                   action_params=action_params, request_id=request_id)

    def update_call_data(self, dialog_id, *, call_variables=None, wrap_up_reason=None, request_id=""):
        self._call(self.model.update_call_data, self.agent_id, dialog_id, call_variables=call_variables,
                   wrap_up_reason=wrap_up_reason, request_id=request_id)

    def supervisor_call(self, action, to_address, *, associated_dialog_id=None, request_id=""):
        self._call(self.model.supervisor_call, self.agent_id, action, to_address,
                   associated_dialog_id=associated_dialog_id, request_id=request_id)

    def change_member_state(self, member_id, state, *, request_id=""):
        self._call(self.model.change_state, member_id, state, request_id=request_id, actor_id=self.agent_id)

    def subscribe_team(self, team_id):
        """The sim publishes every team's changes; the core filters by subscription."""

    def unsubscribe_team(self, team_id):
        pass

    def subscribe_queue(self, queue_id):
        """The sim publishes every queue's changes; the core filters by subscription."""

    def unsubscribe_queue(self, queue_id):
        pass

    def close(self):
        pass
