"""Handlers of the outbound commands (see the package docstring for the table).

Each names one of the agent's dialogs (NO_DIALOG_ID otherwise, checked against the
backend's list) and sends one Finesse ``PUT Dialog`` action; the dialog's changes
come back as InboundCall events (the agent plugin maps them) with the requestId.
"""
from __future__ import annotations

from gc_core.domain import Dialog
from gc_core.backend import CAP_OUTBOUND_PREVIEW
from gc_core.errors import GCError

UCCE, UCCX = "UCCE", "UCCX"
RESERVATION_TYPES = ("OUTBOUND_PREVIEW", "OUTBOUND_DIRECT_PREVIEW", "OUTBOUND_CALLBACK_PREVIEW")


def _rid(ctx) -> str:
    return ctx.backend_request_id


def _conf(ctx) -> dict:
    return ctx.connector.config["outbound"]


def _dialog(ctx) -> Dialog:
    dialog_id = ctx.params["dialogId"]
    for d in ctx.session.dialogs():
        if d.id == dialog_id:
            return d
    raise GCError("NO_DIALOG_ID", f"dialog {dialog_id} does not exist for agent {ctx.agent_id}")


def is_reservation(d: Dialog) -> bool:
    status = str(d.call_variables.get("BAStatus", ""))
    return (d.call_type or "").upper() in RESERVATION_TYPES or status.upper().endswith("_RESERVATION")


def preview(action: str):
    """Accept / Reject / Close a reservation. The command decides: the request's
    ``action`` parameter is informative only and ignored when it names another action
    (the spec's own "Accept the personal callback" row sends
    ``AcceptOutboundPreview#id|dialog,REJECT``; docs/protocol.md, Decisions). A backend with UCCE's Outbound
    Preview gets Finesse's ACCEPT / REJECT / CLOSE; one with UCCX's Direct Preview
    gets the configured ANSWER / DROP."""
    def handler(ctx) -> None:
        platform = UCCE if CAP_OUTBOUND_PREVIEW in ctx.backend.capabilities else UCCX
        dialog = _dialog(ctx)
        wanted = action
        conf = _conf(ctx)
        if conf["check_reservation"] and not is_reservation(dialog):
            raise GCError("PLEASE_RETRY", f"{ctx.request.type}: dialog {dialog.id} is not an outbound "
                                          f"preview reservation (callType {dialog.call_type or 'none'})")
        if platform == UCCE:
            finesse_action = wanted
        elif wanted == "ACCEPT":
            finesse_action = conf["uccx_accept_action"].upper()
        elif wanted == "REJECT":
            finesse_action = conf["uccx_reject_action"].upper()
        else:
            raise GCError("PLEASE_RETRY", f"{wanted} is an Outbound Preview action of UCCE; a UCCX Direct "
                                          f"Preview reservation is accepted or rejected")
        ctx.session.dialog_action(dialog.id, finesse_action, target_media_address=ctx.binding.extension,
                                  request_id=_rid(ctx))
    handler.__name__ = f"{action.lower()}_preview"
    return handler


def finesse_time(value: str) -> str:
    """``YYYY-MM-DD[T ]HH:MM[:SS]`` (the schema's forms) as Finesse takes it: ``YYYY-MM-DDTHH:MM``."""
    return value.replace(" ", "T")[:16]


def schedule_callback(ctx) -> None:
    """SHCEDULECALLBACK and UPDATECALLBACK: UPDATE_SCHEDULED_CALLBACK schedules a
    callback or moves it (Finesse has no separate schedule action). An empty
    ``callbackNumber`` keeps the customer's number."""
    dialog = _dialog(ctx)
    params = {"callbackTime": finesse_time(ctx.params["callbackTime"])}
    if ctx.params.get("callbackNumber"):
        params["callbackNumber"] = ctx.params["callbackNumber"]
    ctx.session.dialog_action(dialog.id, "UPDATE_SCHEDULED_CALLBACK",
                              target_media_address=ctx.params["targetMediaAddress"], action_params=params,
                              request_id=_rid(ctx))


def cancel_callback(ctx) -> None:
    dialog = _dialog(ctx)
    ctx.session.dialog_action(dialog.id, "CANCEL_SCHEDULED_CALLBACK",
                              target_media_address=ctx.params["targetMediaAddress"], request_id=_rid(ctx))


def reclassify(ctx) -> None:
    dialog = _dialog(ctx)
    ctx.session.dialog_action(dialog.id, "RECLASSIFY", target_media_address=ctx.params["targetMediaAddress"],
                              action_params={"outboundClassification": ctx.params["value"]},
                              request_id=_rid(ctx))
