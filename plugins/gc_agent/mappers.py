"""Domain events -> the spec's agent events.

- UserChanged -> State; on sign-in (LOGOUT -> anything else, or the answer to a
  Login) also AgentInfo, so a Login answers "Agent State, Agent Info" as the spec
  says, only when it worked. A binding that has not seen a state yet (an agent
  connected while already signed in) gets no AgentInfo with its first State.
- DialogChanged -> for the agent it concerns:
  * the agent wraps up after the call (its participant WRAP_UP): the full InboundCall
    with state WRAP_UP (again on each change, e.g. its wrap-up reason);
  * a call that ended for the agent (its party DROPPED/FAILED, or the DELETE): the
    short InboundCall with state DROPPED (the spec's "Release Call Output"), once per
    call and agent; FAILED calls with stateCause BAD_DESTINATION add Error
    BAD_DESTINATION;
  * a consult call the agent is placing, while INITIATING/INITIATED: ConsultCall;
  * a new call ringing at the agent: NewInboundCall, then InboundCall;
  * anything else: InboundCall (state = the agent's party state).
- AgentError -> Error with Finesse's code and the requestId that caused it.
"""
from __future__ import annotations

import logging
from collections import OrderedDict

from gc_core import events
from gc_core.domain import AgentError, DialogChanged, UserChanged
from gc_core.errors import GCError, lookup

from . import dialogs

LAST_STATE = "last_state"
LOGIN_PENDING = "login_pending"  # requestId of a Login whose State answer is still due
ANNOUNCED = "announced_dialogs"  # dialogs this agent was told about (NewInboundCall once)
ENDED_REPORTED = "ended_dialogs"  # dialogs whose DROPPED/FAILED was sent (late PUT/DELETE are quiet)
CALL_REQUESTS = "call_requests"   # dialog id -> requestId of the request that POSTed it (MakeCall)

log = logging.getLogger("gc.agent")


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
    """See the module docstring. Call end (Finesse: a PUT with the agent's participant
    DROPPED, or WRAP_UP while the dialog is DROPPED, then a DELETE): the full
    InboundCall with state WRAP_UP while the agent wraps up, and exactly one short
    DROPPED (FAILED for a call that failed) per call and agent, whichever of the PUT
    or the DELETE comes first. A failed call whose failure cause is BAD_DESTINATION
    also answers an Error BAD_DESTINATION (the spec's error table)."""
    binding = connector.sessions.agents.get(event.agent_id)
    if binding is None:
        return
    dialog, agent_id = event.dialog, event.agent_id
    if not dialog.id:  # nothing could ever name it: never sent (backends drop it already)
        log.warning("a dialog without an id for agent %s was dropped", agent_id)
        return
    ended = binding.extras.setdefault(ENDED_REPORTED, OrderedDict())
    if dialog.id in ended:
        if event.change != "POST":  # a PUT/DELETE after the end that was already reported
            dialogs.record(binding, dialog, event.change)
            return
        del ended[dialog.id]  # the dialog came back to the agent (a new leg of it)
    dialogs.record(binding, dialog, event.change)
    announced = binding.extras.setdefault(ANNOUNCED, set())
    me = dialog.participant(binding.extension) if binding.extension else None
    party = me.state if me else dialog.state
    requests = binding.extras.setdefault(CALL_REQUESTS, OrderedDict())
    if event.change == "POST" and event.request_id:
        remember(requests, dialog.id, event.request_id)  # the backend's request id (ledger token)
    rid = _own_request_id(connector, event)

    def send(ev, request_id: str = rid) -> None:
        connector.emit(agent_id, events.with_request_id(ev, request_id))

    if party == dialogs.WRAP_UP and event.change != "DELETE":
        send(events.inbound_call(dialog, agent_id, binding.extension))
        return
    if event.change == "DELETE" or party in dialogs.ENDED or dialog.state in dialogs.ENDED:
        announced.discard(dialog.id)
        asked = requests.pop(dialog.id, "")
        failed = "FAILED" in (party, dialog.state)
        if failed and failure_cause(dialog, me) == "BAD_DESTINATION":
            err = GCError("BAD_DESTINATION", f"{lookup('BAD_DESTINATION').description}: {dialog.to_address} "
                                             "(Finesse: participant FAILED, stateCause BAD_DESTINATION)")
            token = event.request_id or asked  # the MakeCall's, also when only its POST carried it
            entry = connector.ledger.lookup(agent_id, token)
            origin = entry.origin if entry is not None and not entry.member else None
            send(events.error(err, agent_id=agent_id, request=origin),
                 connector.ledger.client_request_id(agent_id, token))
        send(events.dropped_call(dialog, agent_id, "FAILED" if failed else "DROPPED"))
        remember(ended, dialog.id, "")
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
    from the ledger: also for a legacy frame, which carries no requestId). Finesse's own
    message (errorMessage prose) is the description; a bare code gets the catalogue's."""
    entry = connector.ledger.lookup(event.agent_id, event.request_id)
    err = GCError(event.error_code or "GENERAL_ERROR",
                  event.description or ("" if event.error_code else (event.error_type or "asynchronous error")),
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


def failure_cause(dialog, me) -> str:
    """The ``stateCause`` of a failed call: the agent's own participant's, else the
    first FAILED participant's (Finesse: BUSY, BAD_DESTINATION, OTHER ...)."""
    if me is not None and me.state == "FAILED" and me.state_cause:
        return me.state_cause.upper()
    for p in dialog.participants:
        if p.state == "FAILED" and p.state_cause:
            return p.state_cause.upper()
    return ""


def remember(table: OrderedDict, key: str, value: str, limit: int = 256) -> None:
    """Bounded memory per agent (a DELETE that never comes must not grow it)."""
    table[key] = value
    table.move_to_end(key)
    while len(table) > limit:
        table.popitem(last=False)


MAPPERS = {UserChanged: on_user_changed, DialogChanged: on_dialog_changed, AgentError: on_agent_error}
