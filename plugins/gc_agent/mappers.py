"""Domain events -> the spec's agent events.

- UserChanged -> State; on sign-in (LOGOUT -> anything else, or the answer to a
  Login) also AgentInfo, so a Login answers "Agent State, Agent Info" as the spec
  says, only when it worked. A binding that has not seen a state yet (an agent
  connected while already signed in) gets no AgentInfo with its first State.
- DialogChanged -> for the agent it concerns:
  * a call that ended for the agent (DELETE, or its party DROPPED/FAILED): the short
    InboundCall with state DROPPED (the spec's "Release Call Output");
  * a consult call the agent is placing, while INITIATING/INITIATED: ConsultCall;
  * a new call ringing at the agent: NewInboundCall, then InboundCall;
  * anything else: InboundCall (state = the agent's party state).
- AgentError -> Error with Finesse's code and the requestId that caused it.
"""
from __future__ import annotations

from gc_core import events
from gc_core.domain import AgentError, DialogChanged, UserChanged
from gc_core.errors import GCError

from . import dialogs

LAST_STATE = "last_state"
LOGIN_PENDING = "login_pending"  # requestId of a Login whose State answer is still due
ANNOUNCED = "announced_dialogs"  # dialogs this agent was told about (NewInboundCall once)


def _own_request_id(connector, event) -> str:
    """The requestId the agent's own client may see: "" when a supervisor caused the
    event or the request carried none (a GC-private token, :class:`RequestLedger`)."""
    return connector.ledger.client_request_id(event.agent_id, event.request_id)


def on_user_changed(connector, event: UserChanged) -> None:
    asked_by = connector.ledger.member_request(event.agent_id, event.request_id)
    if asked_by and asked_by.requester != event.agent_id:  # a supervisor asked for this change
        connector.emit(asked_by.requester, events.with_request_id(events.state(event.user, event.agent_id),
                                                                  asked_by.client_request_id))
    binding = connector.sessions.agents.get(event.agent_id)
    if binding is None:
        return
    user = event.user
    if user.extension:
        binding.extension = user.extension
    previous = binding.extras.get(LAST_STATE)
    binding.extras[LAST_STATE] = user.state
    login = binding.extras.get(LOGIN_PENDING) == (event.request_id or "")
    if login:
        del binding.extras[LOGIN_PENDING]
    rid = _own_request_id(connector, event)
    connector.emit(event.agent_id, events.with_request_id(events.state(user, event.agent_id), rid))
    if (previous == "LOGOUT" or login) and user.state not in ("LOGOUT", "UNKNOWN"):
        connector.emit(event.agent_id, events.with_request_id(events.agent_info(user, event.agent_id), rid))


def on_dialog_changed(connector, event: DialogChanged) -> None:
    binding = connector.sessions.agents.get(event.agent_id)
    if binding is None:
        return
    dialog, agent_id = event.dialog, event.agent_id
    dialogs.record(binding, dialog, event.change)
    announced = binding.extras.setdefault(ANNOUNCED, set())
    me = dialog.participant(binding.extension) if binding.extension else None
    party = me.state if me else dialog.state

    rid = _own_request_id(connector, event)

    def send(ev) -> None:
        connector.emit(agent_id, events.with_request_id(ev, rid))

    if event.change == "DELETE" or party in dialogs.ENDED or dialog.state in dialogs.ENDED:
        announced.discard(dialog.id)
        send(events.dropped_call(dialog, agent_id, "FAILED" if "FAILED" in (party, dialog.state) else "DROPPED"))
        return
    placing = dialog.from_address == binding.extension
    if dialog.call_type == "CONSULT" and placing and dialog.state in ("INITIATING", "INITIATED"):
        send(events.consult_call(dialog, agent_id))
        return
    if not placing and party == "ALERTING" and dialog.id not in announced:
        announced.add(dialog.id)
        send(events.new_inbound_call(dialog, agent_id))
    send(events.inbound_call(dialog, agent_id, binding.extension))


def on_agent_error(connector, event: AgentError) -> None:
    """An asynchronous refusal: an Error naming the command that caused it (``request``,
    from the ledger: also for a legacy frame, which carries no requestId)."""
    entry = connector.ledger.lookup(event.agent_id, event.request_id)
    err = GCError(event.error_code or "GENERAL_ERROR",
                  "" if event.error_code else (event.error_type or "asynchronous error"),
                  finesseErrorType=event.error_type, finesseErrorData=event.error_data)
    origin = entry.origin if entry else None
    if entry is not None and entry.member:  # a supervisor's command on this member failed: tell the supervisor only
        connector.emit(entry.requester, events.error(err, agent_id=event.agent_id, request=origin,
                                                     request_id=entry.client_request_id))
        return
    binding = connector.sessions.agents.get(event.agent_id)
    if binding is not None and binding.extras.get(LOGIN_PENDING) == (event.request_id or ""):
        del binding.extras[LOGIN_PENDING]  # the Login failed: no State answer will come
    connector.emit(event.agent_id, events.error(err, agent_id=event.agent_id, request=origin,
                                                request_id=_own_request_id(connector, event) or None))


MAPPERS = {UserChanged: on_user_changed, DialogChanged: on_dialog_changed, AgentError: on_agent_error}
