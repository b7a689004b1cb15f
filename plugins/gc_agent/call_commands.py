"""agent_call and agent_dialog commands: make, answer, hold, retrieve, release,
consult, transfer, conference, call data, dialog state and the team's agents.

Each action names a dialog the agent has (else NO_DIALOG_ID) and is sent to the
backend with the agent's own extension as ``targetMediaAddress``, as Finesse wants;
the resulting InboundCall / ConsultCall events come from the backend's notifications.
"""
from __future__ import annotations

from gc_core import events
from gc_core.errors import GCError

from . import dialogs


def _rid(ctx) -> str:
    return ctx.backend_request_id


def make_call(ctx) -> None:
    number = ctx.params["number"]
    if number == ctx.binding.extension:
        raise GCError("BAD_DESTINATION", "an agent cannot call its own extension")
    ctx.session.make_call(number, request_id=_rid(ctx))


def _action(action: str, *, to_param: str | None = None):
    def handler(ctx) -> None:
        dialog = dialogs.require(ctx.binding, ctx.params["dialogId"])
        ctx.session.dialog_action(dialog.id, action, target_media_address=ctx.binding.extension,
                                  to_address=ctx.params[to_param] if to_param else None, request_id=_rid(ctx))
    handler.__name__ = action.lower()
    handler.__doc__ = f"PUT Dialog requestedAction={action}."
    return handler


answer_call = _action("ANSWER")
hold_call = _action("HOLD")
retrieve_call = _action("RETRIEVE")
release_call = _action("DROP")
consult_call = _action("CONSULT_CALL", to_param="number")
transfer_sst = _action("TRANSFER_SST", to_param="number")


def _complete(action: str):
    """TransferCall / Conferencecall: sent on the held original call with the agent's
    extension as target (Finesse joins it with the consult call). A client that names
    the consult dialog instead is understood too."""
    def handler(ctx) -> None:
        dialog = dialogs.require(ctx.binding, ctx.params["dialogId"])
        if dialog.call_type == "CONSULT" and dialog.associated_dialog_id \
                and dialogs.find(ctx.binding, dialog.associated_dialog_id):
            dialog = dialogs.find(ctx.binding, dialog.associated_dialog_id)
        ctx.session.dialog_action(dialog.id, action, target_media_address=ctx.params["extension"],
                                  request_id=_rid(ctx))
    handler.__name__ = action.lower()
    return handler


transfer_call = _complete("TRANSFER")
conference_call = _complete("CONFERENCE")


def get_dialog_state(ctx) -> None:
    dialog = dialogs.find(ctx.binding, ctx.params["dialogId"])
    state = events.party_state(dialog, ctx.binding.extension) if dialog else "NOT_FOUND"
    ctx.emit(events.dialog_state(ctx.params["dialogId"], state, ctx.agent_id))


def get_dialog_state_controls(ctx) -> None:
    """DialogState plus ``controls``: the actions the agent's party may take now."""
    dialog = dialogs.find(ctx.binding, ctx.params["dialogId"])
    if dialog is None:
        ctx.emit(events.dialog_state(ctx.params["dialogId"], "NOT_FOUND", ctx.agent_id, controls=[]))
        return
    me = dialog.participant(ctx.binding.extension)
    ctx.emit(events.dialog_state(dialog.id, events.party_state(dialog, ctx.binding.extension),
                                 ctx.agent_id, controls=list(me.actions) if me else []))


def get_dialog_participants(ctx) -> None:
    dialog = dialogs.require(ctx.binding, ctx.params["dialogId"])
    ctx.emit(events.inbound_call(dialog, ctx.agent_id, ctx.binding.extension))


def wrapup(ctx) -> None:
    """Set the call's wrap-up reason (label, or the id from wrapupreasoncode). The
    spec answers nothing; the dialog update that follows is an InboundCall."""
    dialog = dialogs.require(ctx.binding, ctx.params["dialogId"])
    reason = ctx.params["wrapupReason"]
    for r in ctx.session.wrap_up_reasons():
        if r.id == reason:
            reason = r.label
            break
    ctx.session.update_call_data(dialog.id, wrap_up_reason=reason, request_id=_rid(ctx))


def update_call_variable(ctx) -> None:
    dialog = dialogs.require(ctx.binding, ctx.params["dialogId"])
    ctx.session.update_call_data(dialog.id, call_variables={ctx.params["name"]: ctx.params["value"]},
                                 request_id=_rid(ctx))


def get_all_agents(ctx) -> None:
    """The signed-in agents of the agent's team (spec: "List of login agents")."""
    team_id = ctx.binding.team_id
    users = []
    if team_id:
        users = [u for u in ctx.session.team(team_id).users if u.state not in ("LOGOUT", "UNKNOWN")]
    ctx.emit(events.agents(users))
